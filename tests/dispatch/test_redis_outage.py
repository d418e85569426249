"""Redis going away in the middle of a conversation, and coming back.

A private redis-server (port 6390, append-only file in a temporary directory so its data
outlives a restart) is stopped and started by the test; the shared Redis is never touched.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from dexter_core.agent.events import FinalAnswer, Notice
from dexter_core.dispatch.redis_streams import RedisDispatcher
from dexter_core.sessions.redis_store import RedisSessionStore
from tests.dispatch.agent_setup import agent_settings, make_agent, prompt_of, turn_request
from tests.dispatch.processes import poll_until
from tests.dispatch.recording import RecordingSink
from tests.fakes.fake_llm import FakeLLM

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]

PORT = 6390


class PrivateRedis:
    """A redis-server of the test's own that can be stopped and started again."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._process: asyncio.subprocess.Process | None = None
        self.url = f"redis://127.0.0.1:{PORT}/0"

    async def start(self) -> None:
        self._process = await asyncio.create_subprocess_exec(
            *[
                "redis-server",
                "--port",
                str(PORT),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--dir",
                str(self._directory),
            ],
            stdout=asyncio.subprocess.DEVNULL,
        )
        client = Redis.from_url(self.url)

        async def answers() -> bool:
            try:
                return bool(await client.ping())
            except RedisError:
                return False

        try:
            async with asyncio.timeout(10):
                await poll_until(answers)
        finally:
            await client.aclose()

    async def stop(self) -> None:
        assert self._process is not None
        self._process.terminate()  # SIGTERM: the server flushes its append-only file
        async with asyncio.timeout(10):
            await self._process.wait()
        self._process = None

    async def kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            await self._process.wait()


@pytest.fixture
async def private_redis(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    await server.start()
    yield server
    await server.kill()


async def test_the_bot_answers_through_an_outage_and_keeps_every_turn_in_order(
    private_redis: PrivateRedis, llm_server: FakeLLM
) -> None:
    settings = agent_settings(
        llm_server.base_url, redis_url=private_redis.url, dexter_redis_prefix="outage"
    )
    store = RedisSessionStore(private_redis.url, prefix="outage", socket_timeout=1.0)
    orchestrator = make_agent(settings)
    dispatcher = RedisDispatcher(
        orchestrator=orchestrator, store=store, settings=settings, lease_ttl=2.0
    )
    await dispatcher.start()
    session = "api:outage"

    async def ask(text: str) -> RecordingSink:
        sink = RecordingSink()
        assert (
            await dispatcher.submit(turn_request(session, text, platform="api"), sink=sink)
        ).is_accepted
        async with asyncio.timeout(15):
            await sink.done.wait()
        assert isinstance(sink.terminal, FinalAnswer), sink.events
        return sink

    try:
        await ask("before the outage")
        await private_redis.stop()
        during = [await ask("during the outage"), await ask("still down")]
        assert all(any(isinstance(e, Notice) for e in sink.events) for sink in during)
        assert not dispatcher.is_redis_up
        await private_redis.start()

        async def recovered() -> bool:
            return dispatcher.is_redis_up and not dispatcher._store.is_degraded

        async with asyncio.timeout(15):
            await poll_until(recovered)
        after = await ask("after the outage")
        assert not any(isinstance(e, Notice) for e in after.events)
        assert "Echo: still down" in prompt_of(llm_server, "after the outage")

        async def all_stored() -> bool:
            return len(await store.get_turns(session)) >= 4

        async with asyncio.timeout(5):
            await poll_until(all_stored)
        assert [t.query for t in await store.get_turns(session)] == [
            "before the outage",
            "during the outage",
            "still down",
            "after the outage",
        ]
    finally:
        await dispatcher.stop(grace=1)
        await orchestrator.aclose()
        await store.close()
