"""The real agent on the fake LLM, as the dispatch tests and their worker processes build it."""

from __future__ import annotations

import dataclasses
from typing import Any

from dexter_core.agent.llm import LLMClient
from dexter_core.agent.orchestrator import Orchestrator
from dexter_core.agent.tools import ToolResult
from dexter_core.settings import Settings


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
