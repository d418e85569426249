"""A running Slack adapter (real Bolt app, real core) between the fake Slack and fake LLM."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bots.http import create_app
from bots.slack.adapter import SPEC, SlackAdapter
from dexter_core.bootstrap import build_core, close_core
from dexter_core.core import Core
from dexter_core.settings import Settings
from tests.fakes.fake_llm import FakeLLM, fake_llm  # noqa: F401 (a fixture)
from tests.fakes.fake_slack import (
    APP_TOKEN,
    BOT_TOKEN,
    SIGNING_SECRET,
    Delivery,
    FakeSlack,
    command_form,
    deliver,
    shortcut_payload,
)
from tests.fakes.loopback import serve_on_loopback

BASE_SETTINGS = Settings(
    slack_bot_token=BOT_TOKEN,
    slack_signing_secret=SIGNING_SECRET,
    dexter_use_embeddings=False,
    dexter_summarize_llm=False,
    financial_datasets_api_url="http://127.0.0.1:9/unused",
    dexter_turn_timeout=10.0,
    dexter_shutdown_grace=5.0,
)
QUIET_SECONDS = 0.3  # long enough for an ignored event to have shown any effect
REST_SECONDS = 0.05


@dataclass
class Slack:
    """One Dexter process's Slack adapter, with helpers to talk to it as Slack does."""

    fake: FakeSlack
    llm: FakeLLM
    core: Core
    adapter: SlackAdapter
    http: aiohttp.ClientSession
    events_url: str

    async def send(self, payload: dict[str, Any], **options: Any) -> Delivery:
        """Deliver an Events API body over HTTP, signed (options: retry_num, secret, ...)."""
        return await deliver(self.http, self.events_url, event=payload, **options)

    async def command(self, command: str, text: str = "", **fields: Any) -> list[str]:
        """Run a slash command; the texts Dexter answered through the response URL."""
        response_url = self.fake.new_response_url()
        key = response_url.rsplit("/", 1)[1]
        form = command_form(command, text, response_url=response_url, **fields)
        delivery = await deliver(self.http, self.events_url, form=form)
        assert delivery.status == 200, delivery.text

        def replies() -> list[str]:
            return [r["text"] for r in self.fake.responses if r["key"] == key]

        await self.fake.wait_for(replies)
        await asyncio.sleep(REST_SECONDS)  # a command may answer with a second message
        return replies()

    async def shortcut(self, callback_id: str, **fields: Any) -> list[dict[str, Any]]:
        """Use a message shortcut; the ephemeral replies it caused."""
        before = len(self.fake.ephemerals)
        payload = shortcut_payload(callback_id, response_url=self.fake.new_response_url(), **fields)
        delivery = await deliver(self.http, self.events_url, interactive=payload)
        assert delivery.status == 200, delivery.text
        await self.fake.wait_for(lambda: len(self.fake.ephemerals) > before)
        await asyncio.sleep(REST_SECONDS)
        return self.fake.ephemerals[before:]

    async def answers(self, channel: str, thread_ts: str | None, *, count: int = 1) -> list[str]:
        """Wait for `count` finished Dexter messages in the thread (or DM top level)."""

        def finished() -> list[str] | None:
            texts = [
                m["text"]
                for m in self.fake.bot_messages(channel)
                if m.get("thread_ts") == thread_ts and not m["text"].startswith(":hourglass")
            ]
            return texts if len(texts) >= count else None

        texts = await self.fake.wait_for(finished, within=10)
        await self.core.dispatcher.wait_idle()  # type: ignore[attr-defined]
        return texts

    async def settle(self) -> None:
        """Give Bolt's listeners time to act, then let every queued turn finish."""
        await asyncio.sleep(QUIET_SECONDS)
        await self.core.dispatcher.wait_idle()  # type: ignore[attr-defined]


SlackFactory = Callable[..., Awaitable[Slack]]


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def make_slack(
    fake_slack: FakeSlack,
    fake_llm: FakeLLM,  # noqa: F811
) -> AsyncIterator[SlackFactory]:
    """`await make_slack(socket_mode=False, **settings)`: a started adapter on its own core."""
    started: list[tuple[Slack, web.AppRunner]] = []

    async def make(*, socket_mode: bool = False, **overrides: Any) -> Slack:
        settings = replace(
            BASE_SETTINGS,
            slack_api_url=fake_slack.api_url,
            slack_app_token=APP_TOKEN if socket_mode else "",
            openai_base_url=fake_llm.base_url,
            openai_api_key=fake_llm.api_key,
            **overrides,
        )
        core = await build_core(settings, start=False)
        web_app = create_app(core, with_agent_api=False)  # the shared server, as `dexter run`
        adapter = SPEC.create(core, web_app)  # registers its sink factory
        await core.dispatcher.start()
        assert isinstance(adapter, SlackAdapter)
        runner, port = await serve_on_loopback(web_app, access_log=None)
        await adapter.start()
        slack = Slack(
            fake=fake_slack,
            llm=fake_llm,
            core=core,
            adapter=adapter,
            http=aiohttp.ClientSession(),
            events_url=f"http://127.0.0.1:{port}/slack/events",
        )
        started.append((slack, runner))
        return slack

    yield make
    for slack, runner in started:
        await slack.adapter.stop()
        await slack.http.close()
        await runner.cleanup()
        await close_core(slack.core, grace=5.0)


@pytest.fixture
async def slack(make_slack: SlackFactory) -> Slack:
    """An adapter in HTTP mode with default settings."""
    return await make_slack()
