"""Running services in one process: the adapter seam, the summary, and stopping."""

from __future__ import annotations

import asyncio
import io
import re
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web

from bots.adapter import Adapter, AdapterSpec
from bots.run_logic import StartupFailed
from bots.runtime import run_services
from dexter_core.core import Core
from dexter_core.settings import Settings

SETTINGS = Settings(dexter_port=0, dexter_use_embeddings=False, dexter_shutdown_grace=2.0)


@dataclass
class FakeAdapter:
    name: str
    fails_to_start: bool = False
    error: str = "gateway refused the token"
    events: list[str] = field(default_factory=list)

    async def start(self) -> None:
        if self.fails_to_start:
            raise ConnectionError(self.error)
        self.events.append("started")

    async def stop(self) -> None:
        self.events.append("stopped")


def fake_spec(adapter: FakeAdapter, *, route: str = "") -> AdapterSpec:
    def create(core: Core, app: web.Application) -> Adapter:
        assert core.store is not None
        if route:

            async def hook(request: web.Request) -> web.Response:
                return web.json_response({"adapter": adapter.name})

            app.router.add_post(route, hook)
        adapter.events.append("created")
        return adapter

    return AdapterSpec(name=adapter.name, why_off=lambda settings: None, create=create)


class Running:
    """`run_services` as a task, with its printed summary."""

    def __init__(self, *, serve_api: bool, specs: list[AdapterSpec]) -> None:
        self.out = io.StringIO()
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(
            run_services(SETTINGS, serve_api=serve_api, specs=specs, stop=self.stop, out=self.out)
        )

    async def summary(self) -> str:
        async with asyncio.timeout(10):
            while "llm" not in self.out.getvalue():
                assert not self.task.done() or self.task.result() is None
                await asyncio.sleep(0.01)
        return self.out.getvalue()

    async def finish(self) -> None:
        self.stop.set()
        async with asyncio.timeout(10):
            await self.task


async def test_an_adapter_with_routes_gets_the_web_server() -> None:
    adapter = FakeAdapter("hooks")
    running = Running(serve_api=False, specs=[fake_spec(adapter, route="/hooks/events")])
    summary = await running.summary()

    url = re.search(r"http://127\.0\.0\.1:(\d+)", summary)
    assert url is not None
    port = int(url.group(1))
    async with aiohttp.ClientSession() as session:
        async with session.post(f"http://127.0.0.1:{port}/hooks/events") as response:
            assert await response.json() == {"adapter": "hooks"}
        # Without serve_api the session API is not there.
        async with session.post(f"http://127.0.0.1:{port}/agent/session") as response:
            assert response.status == 404
    assert re.search(r"hooks\s+on\s+connected", summary)
    assert "adapter routes and probes only" in summary

    await running.finish()
    assert adapter.events == ["created", "started", "stopped"]


async def test_an_adapter_without_routes_runs_without_a_web_server() -> None:
    adapter = FakeAdapter("gateway")
    running = Running(serve_api=False, specs=[fake_spec(adapter)])
    summary = await running.summary()
    assert "http" not in summary
    assert re.search(r"gateway\s+on\s+connected", summary)
    await running.finish()
    assert adapter.events == ["created", "started", "stopped"]


async def test_an_adapter_that_fails_to_start_does_not_stop_the_others() -> None:
    broken, working = FakeAdapter("broken", fails_to_start=True), FakeAdapter("working")
    running = Running(serve_api=True, specs=[fake_spec(broken), fake_spec(working)])
    summary = await running.summary()
    assert re.search(r"broken\s+off\s+failed: gateway refused the token", summary)
    assert re.search(r"working\s+on\s+connected", summary)
    assert re.search(r"http\s+on\s+http://127\.0\.0\.1:\d+ \(no credentials\)", summary)
    await running.finish()
    assert broken.events == ["created"]
    assert working.events == ["created", "started", "stopped"]


async def test_a_start_failure_quoting_a_token_is_masked_in_the_summary() -> None:
    token = "xoxb-1111-2222-abcdefghijkl"
    broken = FakeAdapter("broken", fails_to_start=True, error=f"auth failed for {token}")
    running = Running(serve_api=True, specs=[fake_spec(broken)])
    summary = await running.summary()
    assert token not in summary
    assert "auth failed for [REDACTED]" in summary
    await running.finish()


async def test_nothing_started_is_a_startup_failure() -> None:
    broken = FakeAdapter("broken", fails_to_start=True)
    with pytest.raises(StartupFailed, match="broken: failed: gateway refused the token"):
        await run_services(SETTINGS, serve_api=False, specs=[fake_spec(broken)], out=io.StringIO())
