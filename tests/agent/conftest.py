"""Agent fixtures: the fake LLM and data servers, settings pointing at them, an orchestrator."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable

import pytest

from dexter_core.agent.llm import LLMClient
from dexter_core.agent.orchestrator import Orchestrator
from dexter_core.settings import Settings
from tests.fakes.fake_financial_datasets import FakeFinancialDatasets
from tests.fakes.fake_llm import FakeLLM

MakeOrchestrator = Callable[..., Orchestrator]


@pytest.fixture
async def llm_server() -> AsyncIterator[FakeLLM]:
    async with FakeLLM(require_key=True) as server:
        yield server


@pytest.fixture
async def data_server() -> AsyncIterator[FakeFinancialDatasets]:
    async with FakeFinancialDatasets() as server:
        yield server


@pytest.fixture
def settings(llm_server: FakeLLM, data_server: FakeFinancialDatasets) -> Settings:
    return Settings(
        openai_base_url=llm_server.base_url,
        openai_api_key=llm_server.api_key,
        dexter_model="dexter-main",
        dexter_fast_model="dexter-fast",
        dexter_llm_max_retries=3,
        dexter_llm_timeout=5.0,
        financial_datasets_api_url=data_server.base_url,
        financial_datasets_api_key=data_server.api_key,
        dexter_use_embeddings=False,
    )


@pytest.fixture
async def make_orchestrator(settings: Settings) -> AsyncIterator[MakeOrchestrator]:
    """Orchestrators on the fakes, with fast retries; `**changes` override settings."""
    made: list[Orchestrator] = []

    def make(**changes: object) -> Orchestrator:
        tuned = dataclasses.replace(settings, **changes)
        orchestrator = Orchestrator(settings=tuned, llm=LLMClient(tuned, backoff_base=0.01))
        made.append(orchestrator)
        return orchestrator

    yield make
    for orchestrator in made:
        await orchestrator.aclose()
