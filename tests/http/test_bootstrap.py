"""Building and closing the shared core."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from pathlib import Path

import pytest

from dexter_core.agent.events import Event, FinalAnswer
from dexter_core.bootstrap import build_core, close_core
from dexter_core.context import tokens
from dexter_core.dispatch.requests import TurnRequest
from dexter_core.settings import Settings
from tests.fakes.fake_llm import FakeLLM, TextReply
from tests.http.conftest import BASE_SETTINGS


class AnswerSink:
    def __init__(self) -> None:
        self.answers: list[str] = []

    async def send(self, event: Event) -> None:
        if isinstance(event, FinalAnswer):
            self.answers.append(event.text)


async def test_build_core_picks_the_store_from_the_settings(tmp_path: Path) -> None:
    core = await build_core(Settings(dexter_sqlite_path=str(tmp_path / "dexter.db")))
    try:
        assert core.store.name == "sqlite"
        await core.store.ping()
    finally:
        await close_core(core, grace=1.0)


async def test_build_core_loads_the_tokenizer_before_any_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def load() -> tokens.Encode:
        time.sleep(0.1)  # an encoding that takes a while to load
        return lambda text: [0] * len(text)

    monkeypatch.setattr(tokens, "_loader", tokens._EncodingLoader(load))
    core = await build_core(BASE_SETTINGS)
    try:
        assert tokens.count_tokens("exact from the first turn") == 25
    finally:
        await close_core(core, grace=1.0)


async def test_close_core_keeps_to_its_deadline_when_background_work_hangs(
    fake_llm: FakeLLM,
) -> None:
    settings = replace(
        BASE_SETTINGS,
        openai_base_url=fake_llm.base_url,
        openai_api_key=fake_llm.api_key,
        dexter_summarize_llm=True,
    )
    # Answers come at once; the summary asked for after the answer never does.
    summary_asked = asyncio.Event()

    def hang(body: dict[str, object]) -> TextReply:
        summary_asked.set()
        return TextReply("never", delay=60)

    fake_llm.add_rule(lambda body: body["model"] == settings.dexter_fast_model, hang)
    core = await build_core(settings)
    sink = AnswerSink()
    await core.dispatcher.submit(
        TurnRequest(session_id="api:close-test", text="AAPL revenue?", platform="api"), sink=sink
    )
    async with asyncio.timeout(5):
        await summary_asked.wait()

    started = time.monotonic()
    await close_core(core, grace=0.5)

    assert time.monotonic() - started < 3
    assert sink.answers[0].startswith("Echo: AAPL revenue?")
