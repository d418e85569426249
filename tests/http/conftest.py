"""A running Dexter HTTP server over the real core, answering through the fake LLM."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from bots.http import create_app
from dexter_core.bootstrap import build_core, close_core
from dexter_core.core import Core
from dexter_core.settings import Settings
from tests.fakes.fake_llm import FakeLLM, fake_llm  # noqa: F401 (a fixture)

BASE_SETTINGS = Settings(
    dexter_use_embeddings=False,
    dexter_summarize_llm=False,
    financial_datasets_api_url="http://127.0.0.1:9/unused",
    dexter_turn_timeout=10.0,
    dexter_shutdown_grace=5.0,
)


@dataclass
class Api:
    """A test client on a running server, with the core behind it."""

    client: TestClient
    core: Core
    llm: FakeLLM

    async def new_session(self, **request: Any) -> str:
        response = await self.client.post("/agent/session", **request)
        assert response.status == 201, await response.text()
        return (await response.json())["session_id"]

    async def ask(self, query: str, session_id: str, **request: Any) -> list[SseEvent]:
        response = await self.client.post(
            "/agent/query", json={"query": query, "session_id": session_id}, **request
        )
        assert response.status == 200, await response.text()
        return await read_sse(response)

    async def history(self, session_id: str, **request: Any) -> dict[str, Any]:
        response = await self.client.get(
            "/agent/history", params={"session_id": session_id}, **request
        )
        assert response.status == 200, await response.text()
        return await response.json()

    async def wait_for_turns(
        self, session_id: str, count: int, **request: Any
    ) -> list[dict[str, Any]]:
        """The session's turns once `count` are stored, for turns whose stream was left
        before `done` (a finished stream's turn is stored by then)."""
        deadline = time.monotonic() + 5
        while True:
            turns = (await self.history(session_id, **request))["turns"]
            if len(turns) >= count or time.monotonic() > deadline:
                return turns
            await asyncio.sleep(0.02)


@dataclass(frozen=True)
class SseEvent:
    name: str
    data: dict[str, Any]


async def read_sse(response: ClientResponse) -> list[SseEvent]:
    """Every event of an SSE response, parsed strictly: one JSON data line per event."""
    assert response.headers["Content-Type"].startswith("text/event-stream")
    events: list[SseEvent] = []
    name, data_lines = "", []
    async for raw in response.content:
        line = raw.decode("utf-8").rstrip("\n")
        if line.startswith(":"):
            continue
        if line.startswith("event: "):
            name = line[len("event: ") :]
        elif line.startswith("data: "):
            data_lines.append(line[len("data: ") :])
        elif line == "":
            assert len(data_lines) == 1, f"event {name!r} has {len(data_lines)} data lines"
            events.append(SseEvent(name, json.loads(data_lines[0])))
            name, data_lines = "", []
        else:
            raise AssertionError(f"unexpected SSE line {line!r}")
    return events


ApiFactory = Callable[..., Awaitable[Api]]


@pytest.fixture
async def make_api(fake_llm: FakeLLM) -> AsyncIterator[ApiFactory]:  # noqa: F811
    """`await make_api(**settings_fields)`: a server with those settings over the fake LLM."""
    started: list[Api] = []

    async def make(**overrides: Any) -> Api:
        llm = {"openai_base_url": fake_llm.base_url, "openai_api_key": fake_llm.api_key}
        settings = replace(BASE_SETTINGS, **{**llm, **overrides})
        core = await build_core(settings)
        client = TestClient(TestServer(create_app(core)))
        await client.start_server()
        api = Api(client=client, core=core, llm=fake_llm)
        started.append(api)
        return api

    yield make
    for api in started:
        await api.client.close()
        await close_core(api.core, grace=5.0)


@pytest.fixture
async def api(make_api: ApiFactory) -> Api:
    """A server with no credentials configured (loopback only)."""
    return await make_api()
