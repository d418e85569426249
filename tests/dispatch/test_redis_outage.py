"""Redis going away in the middle of a conversation, and coming back.

A private redis-server (fixture `private_redis`) is stopped and started by the test;
the shared Redis is never touched.
"""

from __future__ import annotations

import asyncio

import pytest

from dexter_core.agent.events import FinalAnswer, Notice
from dexter_core.dispatch.redis_streams import RedisDispatcher
from dexter_core.sessions.redis_store import RedisSessionStore
from tests.dispatch.agent_setup import agent_settings, make_agent, prompt_of, turn_request
from tests.dispatch.processes import poll_until
from tests.dispatch.recording import RecordingSink
from tests.fakes.fake_llm import FakeLLM
from tests.private_redis import PrivateRedis, needs_redis_server

pytestmark = [pytest.mark.slow, needs_redis_server]


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
