"""Readiness and history through a Redis outage, with the core built as `dexter serve` does.

A private redis-server (fixture `private_redis`) is stopped and started by the test;
the shared Redis is never touched.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.dispatch.processes import poll_until
from tests.http.conftest import ApiFactory
from tests.private_redis import PrivateRedis, needs_redis_server

pytestmark = [pytest.mark.slow, needs_redis_server]


async def test_readyz_reports_a_redis_outage_until_the_kept_turns_are_written_back(
    private_redis: PrivateRedis, make_api: ApiFactory
) -> None:
    api = await make_api(redis_url=private_redis.url, dexter_redis_prefix="readyz")
    session = await api.new_session()
    await api.ask("before the outage", session)
    assert (await api.client.get("/readyz")).status == 200

    await private_redis.stop()
    during = await api.ask("during the outage", session)
    assert during[-1].name == "done", during
    ready = await api.client.get("/readyz")
    assert ready.status == 503
    reasons = (await ready.json())["reasons"]
    assert any(reason.startswith("session store (redis)") for reason in reasons), reasons
    history = await api.client.get("/agent/history", params={"session_id": session})
    assert (history.status, (await history.json())["error"]) == (503, "store_unavailable")

    await private_redis.start()

    async def is_ready() -> bool:
        return (await api.client.get("/readyz")).status == 200

    async with asyncio.timeout(15):
        await poll_until(is_ready)
    # Ready means written back: the turn answered during the outage is in Redis.
    turns = (await api.history(session))["turns"]
    assert [turn["query"] for turn in turns] == ["before the outage", "during the outage"]
