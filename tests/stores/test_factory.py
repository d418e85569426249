"""`get_session_store` picks the store from the settings and never logs a password."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from dexter_core.errors import InvalidInputError
from dexter_core.sessions.factory import get_session_store
from dexter_core.sessions.memory_store import InMemorySessionStore
from dexter_core.sessions.models import Turn
from dexter_core.sessions.redis_store import RedisSessionStore
from dexter_core.sessions.sqlite_store import SQLiteSessionStore
from dexter_core.settings import Settings


async def test_redis_wins_and_its_password_never_reaches_the_log(
    redis_prefix: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    settings = Settings(
        redis_url="redis://:opensesame-42@127.0.0.1:6379/0",
        dexter_redis_prefix=redis_prefix,
        dexter_sqlite_path=str(tmp_path / "ignored.db"),
    )
    with caplog.at_level(logging.INFO):
        store = get_session_store(settings)

    assert isinstance(store, RedisSessionStore)
    assert "Redis at redis://:" in caplog.text
    assert "127.0.0.1:6379" in caplog.text
    assert "opensesame-42" not in caplog.text
    await store.close()


async def test_redis_uses_the_prefix_and_ttl(redis_url: str, redis_prefix: str):
    settings = Settings(
        redis_url=redis_url, dexter_redis_prefix=redis_prefix, dexter_session_ttl=90
    )
    store = get_session_store(settings)
    await store.append_turn("console:ada", Turn(query="q", answer="a"))

    await store.close()

    client = aioredis.from_url(redis_url)
    keys = [key async for key in client.scan_iter(match=f"{redis_prefix}:*")]
    ttls = [await client.ttl(key) for key in keys]
    await client.aclose()
    assert len(keys) == 4  # the session's three keys and its channel index
    assert all(0 < ttl <= 90 for ttl in ttls)


async def test_sqlite_when_only_a_path_is_set(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    path = tmp_path / "nested" / "sessions.db"
    with caplog.at_level(logging.INFO):
        store = get_session_store(Settings(dexter_sqlite_path=str(path)))

    assert isinstance(store, SQLiteSessionStore)
    await store.append_turn("console:ada", Turn(query="q", answer="a"))
    assert path.exists()
    assert str(path) in caplog.text
    await store.close()


def test_memory_when_nothing_is_set(caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.INFO):
        store = get_session_store(Settings())

    assert isinstance(store, InMemorySessionStore)
    assert "in memory" in caplog.text


def test_a_negative_ttl_is_refused():
    with pytest.raises(InvalidInputError):
        get_session_store(Settings(dexter_session_ttl=-1))
