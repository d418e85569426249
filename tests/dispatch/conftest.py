"""Dispatcher fixtures: the real orchestrator against the fake LLM, its settings, and a
Redis session store under the test's key prefix."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable

import pytest

from dexter_core.agent.orchestrator import Orchestrator
from dexter_core.sessions.redis_store import RedisSessionStore
from dexter_core.settings import Settings
from tests.dispatch.agent_setup import agent_settings, make_agent
from tests.fakes.fake_llm import FakeLLM

MakeOrchestrator = Callable[..., Orchestrator]


@pytest.fixture
async def llm_server() -> AsyncIterator[FakeLLM]:
    async with FakeLLM() as server:
        yield server


@pytest.fixture
def settings(llm_server: FakeLLM) -> Settings:
    return agent_settings(llm_server.base_url)


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


@pytest.fixture
async def store(redis_url: str, redis_prefix: str) -> AsyncIterator[RedisSessionStore]:
    """A Redis session store under the test's key prefix."""
    session_store = RedisSessionStore(redis_url, prefix=redis_prefix)
    yield session_store
    await session_store.close()
