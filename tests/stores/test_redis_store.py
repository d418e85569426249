"""What only the Redis store promises: key layout, TTLs, raw records, failures."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from redis.crc import key_slot

from dexter_core.errors import InvalidInputError, StoreUnavailableError
from dexter_core.sessions import redis_store
from dexter_core.sessions.models import Turn
from dexter_core.sessions.redis_store import RedisSessionStore

SID = "slack:T1:C1:1700000000.000100"


@pytest.fixture
async def raw(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def store(redis_url: str, redis_prefix: str) -> AsyncIterator[RedisSessionStore]:
    store = RedisSessionStore(redis_url, prefix=redis_prefix, ttl=3600)
    yield store
    await store.close()


async def keys_under(raw: aioredis.Redis, prefix: str) -> list[bytes]:
    return sorted([key async for key in raw.scan_iter(match=f"{prefix}:*", count=1000)])


async def session_key(raw: aioredis.Redis, prefix: str, suffix: str) -> bytes:
    [key] = [k for k in await keys_under(raw, prefix) if k.endswith(suffix.encode())]
    return key


async def test_every_key_of_a_session_carries_the_ttl(
    store: RedisSessionStore, raw: aioredis.Redis, redis_prefix: str
):
    turns = [Turn(query=f"q{n}", answer="a", user_id="U1") for n in range(3)]
    for turn in turns:
        await store.append_turn(SID, turn)
    await store.update_turn(SID, turns[2].turn_id, summary="s", embedding=b"\x00" * 8)
    await store.fold_turns(SID, count=1, summary="rolling", expected_folded=0)
    await store.claim_event("slack:Ev1", ttl=600)

    keys = await keys_under(raw, redis_prefix)

    # meta, turns, enrich, channel index, (channel, user) index, event
    assert len(keys) == 6
    for key in keys:
        assert 0 < await raw.pttl(key) <= 3600 * 1000, key


async def test_a_zero_ttl_persists_every_key(
    redis_url: str, raw: aioredis.Redis, redis_prefix: str
):
    short = RedisSessionStore(redis_url, prefix=redis_prefix, ttl=60)
    await short.append_turn(SID, Turn(query="q", answer="a", user_id="U1", embedding=b"\x01"))
    forever = RedisSessionStore(redis_url, prefix=redis_prefix, ttl=0)
    await forever.append_turn(SID, Turn(query="q2", answer="a", user_id="U1"))
    await forever.clear("console:ada")

    keys = await keys_under(raw, redis_prefix)

    assert len(keys) == 5 + 1  # the session's five keys and the cleared session's meta
    assert [await raw.pttl(key) for key in keys] == [-1] * len(keys)
    await short.close()
    await forever.close()


async def test_all_keys_of_a_session_share_one_cluster_slot(
    store: RedisSessionStore, raw: aioredis.Redis, redis_prefix: str
):
    turn = Turn(query="q", answer="a", user_id="U{1}", embedding=b"\x01\x02")
    await store.append_turn(SID, turn)

    keys = await keys_under(raw, redis_prefix)
    session_keys = [k for k in keys if b":s:{" in k]
    index_keys = [k for k in keys if b":chan:{" in k]

    assert len(session_keys) == 3
    assert len({key_slot(k) for k in session_keys}) == 1
    assert len(index_keys) == 2
    assert len({key_slot(k) for k in index_keys}) == 1
    other = "slack:T1:C1:1700000000.000200"
    await store.append_turn(other, turn)
    all_session_keys = [k for k in await keys_under(raw, redis_prefix) if b":s:{" in k]
    assert len({key_slot(k) for k in all_session_keys}) == 2


async def test_turns_are_appended_and_enrichment_kept_apart_as_raw_bytes(
    store: RedisSessionStore, raw: aioredis.Redis, redis_prefix: str
):
    first = Turn(query="q1", answer="a1", embedding=b"\x00\x00\x80\x3f")
    await store.append_turn(SID, first)
    turns_key = await session_key(raw, redis_prefix, ":turns")
    enrich_key = await session_key(raw, redis_prefix, ":enrich")
    stored_first = await raw.lindex(turns_key, 0)

    await store.append_turn(SID, Turn(query="q2", answer="a2"))
    await store.update_turn(SID, first.turn_id, summary="short", embedding=b"\xff" * 4)

    assert await raw.lindex(turns_key, 0) == stored_first
    record = json.loads(stored_first)
    assert (record["v"], record["summary"], record["embedding"]) == (1, "", None)
    assert await raw.hget(enrich_key, f"{first.turn_id}:e") == b"\xff" * 4
    assert (await store.get_turns(SID))[0].embedding == b"\xff" * 4


async def test_a_corrupt_or_foreign_record_is_skipped_with_a_warning(
    store: RedisSessionStore,
    raw: aioredis.Redis,
    redis_prefix: str,
    caplog: pytest.LogCaptureFixture,
):
    await store.append_turn(SID, Turn(query="before", answer="a"))
    turns_key = await session_key(raw, redis_prefix, ":turns")
    await raw.rpush(turns_key, b"{not json", json.dumps({"v": 99, "query": "x"}), b"\xff\xfe")
    await store.append_turn(SID, Turn(query="after", answer="a"))

    with caplog.at_level(logging.WARNING, logger="dexter_core.sessions.records"):
        turns = await store.get_turns(SID)

    assert [t.query for t in turns] == ["before", "after"]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 3
    assert all(SID in r.getMessage() for r in warnings)
    assert [t.query for t in await store.get_turns(SID, limit=2)] == ["after"]
    assert await store.fold_turns(SID, count=3, summary="s", expected_folded=0)
    assert [t.query for t in await store.get_turns(SID)] == ["after"]


async def test_foreign_metadata_reads_as_no_session(
    store: RedisSessionStore,
    raw: aioredis.Redis,
    redis_prefix: str,
    caplog: pytest.LogCaptureFixture,
):
    await store.append_turn(SID, Turn(query="q", answer="a"))
    await raw.hset(await session_key(raw, redis_prefix, ":meta"), "v", "99")

    with caplog.at_level(logging.WARNING):
        assert await store.get_metadata(SID) is None
    assert "schema" in caplog.text


async def test_a_lost_script_cache_is_reloaded(store: RedisSessionStore):
    # What a Redis restart does to the scripts a store loaded earlier.
    store._append_script.sha = "0" * 40
    store._touch_indexes_script.sha = "1" * 40

    assert await store.append_turn(SID, Turn(query="q", answer="a"))
    assert [t.query for t in await store.get_turns(SID)] == ["q"]


async def test_a_channel_index_keeps_only_the_newest_sessions(
    store: RedisSessionStore, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(redis_store, "INDEX_CAP", 2)
    for n in range(4):
        await store.append_turn(f"slack:T1:C1:{n}.0", Turn(query="q", answer="a", created_at=n + 1))

    listed = await store.list_sessions(platform="slack", channel="C1")

    assert [m.session_id for m in listed] == ["slack:T1:C1:3.0", "slack:T1:C1:2.0"]
    assert await store.get_metadata("slack:T1:C1:0.0") is not None


async def test_an_error_inside_a_script_is_our_error(
    store: RedisSessionStore, raw: aioredis.Redis, redis_prefix: str
):
    await store.append_turn(SID, Turn(query="q", answer="a"))
    await raw.set(await session_key(raw, redis_prefix, ":turns"), "not a list")

    with pytest.raises(StoreUnavailableError, match="WRONGTYPE"):
        await store.append_turn(SID, Turn(query="q2", answer="a"))
    with pytest.raises(StoreUnavailableError):
        await store.get_turns(SID)
    assert (await store.get_metadata(SID)).turn_count == 1  # type: ignore[union-attr]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_an_unreachable_redis_fails_fast_with_our_error_and_no_password():
    store = RedisSessionStore(
        f"redis://:hunter2-pass@127.0.0.1:{_closed_port()}/0", socket_timeout=1.0
    )
    calls = [
        store.ping(),
        store.append_turn(SID, Turn(query="q", answer="a")),
        store.get_turns(SID),
        store.list_sessions(platform="slack", channel="C1"),
    ]
    for call in calls:
        started = time.monotonic()
        with pytest.raises(StoreUnavailableError) as caught:
            await call
        assert time.monotonic() - started < 3.0
        assert "hunter2-pass" not in str(caught.value)
        assert "127.0.0.1" in str(caught.value)
    await store.close()


async def test_a_burst_of_calls_waits_for_free_connections_instead_of_failing(
    redis_url: str, redis_prefix: str
):
    store = RedisSessionStore(redis_url, prefix=redis_prefix, max_connections=20)
    try:
        await store.append_turn(SID, Turn(query="q", answer="a"))
        reads = await asyncio.gather(*(store.get_turns(SID) for _ in range(300)))
        assert all([turn.query for turn in turns] == ["q"] for turns in reads)
    finally:
        await store.close()


async def test_a_call_that_finds_no_free_connection_in_time_is_unavailable(
    redis_url: str, redis_prefix: str
):
    store = RedisSessionStore(redis_url, prefix=redis_prefix, max_connections=1, pool_timeout=0.1)
    pool = store._client.connection_pool
    busy = await pool.get_connection()  # as a call that does not return would hold it
    try:
        with pytest.raises(StoreUnavailableError, match="No connection available"):
            await store.get_turns(SID)
    finally:
        await pool.release(busy)
    assert await store.get_turns(SID) == []
    await store.close()


@pytest.mark.parametrize("prefix", ["", "dexter{x}"])
def test_a_prefix_that_would_break_the_hash_tag_is_refused(redis_url: str, prefix: str):
    with pytest.raises(InvalidInputError):
        RedisSessionStore(redis_url, prefix=prefix)


async def test_a_client_passed_in_is_used_and_left_open(
    redis_url: str, redis_prefix: str, raw: aioredis.Redis
):
    store = RedisSessionStore(raw, prefix=redis_prefix)
    await store.append_turn(SID, Turn(query="q", answer="a"))
    await store.close()

    assert await raw.ping()
    with pytest.raises(InvalidInputError):
        RedisSessionStore(aioredis.from_url(redis_url, decode_responses=True))
