"""The real agent on the fake LLM, as the dispatch tests and their worker processes build it."""

from __future__ import annotations

import dataclasses
from typing import Any

from dexter_core.agent.llm import LLMClient
from dexter_core.agent.orchestrator import Orchestrator
from dexter_core.agent.tools import ToolResult
from dexter_core.dispatch.requests import TurnRequest
from dexter_core.settings import Settings
from tests.fakes.fake_llm import FakeLLM


def agent_settings(llm_base_url: str, **changes: object) -> Settings:
    """Settings for the real agent on the fake LLM: fast retries, no embeddings."""
    return dataclasses.replace(
        Settings(
            openai_base_url=llm_base_url,
            openai_api_key="sk-fake-test-key",
            dexter_model="dexter-main",
            dexter_fast_model="dexter-fast",
            dexter_llm_max_retries=1,
            dexter_llm_timeout=5.0,
            dexter_use_embeddings=False,
            financial_datasets_api_url="http://127.0.0.1:9",
        ),
        **changes,
    )


def make_agent(settings: Settings) -> Orchestrator:
    """The real orchestrator with quick LLM retries and no data tools."""
    return Orchestrator(
        settings=settings, llm=LLMClient(settings, backoff_base=0.01), tools=NoTools()
    )


class NoTools:
    """A toolbox with no tools: dispatch tests never call one, and an empty `tools` list
    keeps each LLM request (and the client's work building it) small."""

    def definitions(self) -> list[dict[str, Any]]:
        return []

    def describe(self, name: str, arguments: dict[str, Any]) -> str:
        return name

    async def run(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        return ToolResult(ok=False, content=f"error: no tool {name}", summary="no such tool")

    async def aclose(self) -> None:
        """Nothing to close."""


def turn_request(session: str, text: str, *, platform: str = "test", **fields: str) -> TurnRequest:
    """A request of `platform` with the given session and text."""
    return TurnRequest(session_id=session, text=text, platform=platform, **fields)


def prompt_of(llm: FakeLLM, text: str) -> str:
    """What the model was shown the last time it was asked `text` (the last user message)."""
    for index in reversed(range(len(llm.requests))):
        if llm.requests[index]["messages"][-1]["content"] == text:
            return llm.prompt_text(index)
    raise AssertionError(f"the LLM was never asked {text!r}")
