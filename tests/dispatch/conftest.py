"""Dispatcher fixtures: the real orchestrator against the fake LLM, and its settings."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable

import pytest

from dexter_core.agent.llm import LLMClient
from dexter_core.agent.orchestrator import Orchestrator
from dexter_core.settings import Settings
from tests.fakes.fake_llm import FakeLLM

MakeOrchestrator = Callable[..., Orchestrator]


@pytest.fixture
async def llm_server() -> AsyncIterator[FakeLLM]:
    async with FakeLLM() as server:
        yield server


@pytest.fixture
def settings(llm_server: FakeLLM) -> Settings:
    return agent_settings(llm_server.base_url)


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
    """The real orchestrator with quick LLM retries."""
    return Orchestrator(settings=settings, llm=LLMClient(settings, backoff_base=0.01))


@pytest.fixture
async def make_orchestrator(settings: Settings) -> AsyncIterator[MakeOrchestrator]:
    """Orchestrators on the fake LLM; `**changes` override settings."""
    made: list[Orchestrator] = []

    def make(**changes: object) -> Orchestrator:
        orchestrator = make_agent(dataclasses.replace(settings, **changes))
        made.append(orchestrator)
        return orchestrator

    yield make
    for orchestrator in made:
        await orchestrator.aclose()
