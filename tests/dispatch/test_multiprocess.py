"""The Redis dispatcher across real OS processes: load, crashes, failures, duplicates.

Workers are `worker_process` bot processes on the real Redis, all asking one fake LLM
that runs in this test process. Requests are submitted from here through a dispatcher
that answers nothing itself (`consumers=0`), so each session's send order is known, or
delivered to the workers' inboxes as a platform would deliver them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from redis.asyncio import Redis

from dexter_core.dispatch.redis_streams import RedisDispatcher
from dexter_core.sessions.redis_store import RedisSessionStore
from tests.dispatch.agent_setup import agent_settings, make_agent, prompt_of, turn_request
from tests.dispatch.processes import WorkerPool, poll_until
from tests.dispatch.recording import PostingRecorder, read_posts
from tests.fakes.fake_llm import ErrorReply, FakeLLM, TextReply

pytestmark = pytest.mark.slow

LEASE_TTL = 3.0
MakePool = Callable[..., Awaitable[WorkerPool]]


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[Redis]:
    redis = Redis.from_url(redis_url)
    yield redis
    await redis.aclose()


@pytest.fixture
async def start_workers(
    redis_url: str, redis_prefix: str, llm_server: FakeLLM
) -> AsyncIterator[MakePool]:
    """`await start_workers(count, **settings)`: a pool with `count` workers running."""
    pools: list[WorkerPool] = []

    async def start(count: int, **settings: Any) -> WorkerPool:
        pool = WorkerPool(
            redis_url=redis_url,
            prefix=redis_prefix,
            llm_url=llm_server.base_url,
            lease_ttl=LEASE_TTL,
            settings={"dexter_max_concurrency": 8, **settings},
        )
        pools.append(pool)
        await pool.start(count)
        return pool

    yield start
    for pool in pools:
        await pool.close()


@pytest.fixture
async def submitter(
    redis_url: str,
    redis_prefix: str,
    llm_server: FakeLLM,
    store: RedisSessionStore,
    client: Redis,
) -> AsyncIterator[RedisDispatcher]:
    """Takes requests as an adapter's process would, and leaves answering to workers."""
    settings = agent_settings(
        llm_server.base_url,
        redis_url=redis_url,
        dexter_redis_prefix=redis_prefix,
        dexter_session_queue_limit=0,
    )
    orchestrator = make_agent(settings)
    dispatcher = RedisDispatcher(
        orchestrator=orchestrator,
        store=store,
        settings=settings,
        lease_ttl=LEASE_TTL,
        consumers=0,
    )
    dispatcher.register_sink_factory("test", PostingRecorder(client, redis_prefix))
    await dispatcher.start()
    yield dispatcher
    await dispatcher.stop(grace=0)
    await orchestrator.aclose()


async def _posts_when(client: Redis, prefix: str, count: int, *, within: float) -> list[dict]:
    """The posts once there are `count` of them (failing after `within` seconds), after a
    wait past the lease expiry that would let a duplicate post show up."""

    async def enough() -> bool:
        return await client.llen(f"{prefix}:posts") >= count

    async with asyncio.timeout(within):
        await poll_until(enough)
    await asyncio.sleep(LEASE_TTL)
    return await read_posts(client, prefix)


async def test_200_sessions_of_10_messages_over_two_processes(
    start_workers: MakePool,
    submitter: RedisDispatcher,
    client: Redis,
    store: RedisSessionStore,
    llm_server: FakeLLM,
    redis_prefix: str,
) -> None:
    await start_workers(2)
    sessions = [f"test:s{i}" for i in range(200)]

    async def send(session: str) -> None:
        for i in range(10):
            assert (
                await submitter.submit(turn_request(session, f"{session} says {i}"))
            ).is_accepted

    await asyncio.gather(*(send(s) for s in sessions))
    posts = await _posts_when(client, redis_prefix, 2000, within=150)

    assert len(posts) == 2000
    assert len({p["request_id"] for p in posts}) == 2000  # each answered exactly once
    assert {p["kind"] for p in posts} == {"answer"}
    assert len({p["pid"] for p in posts}) == 2  # both processes answered
    for session in sessions:
        expected = [f"{session} says {i}" for i in range(10)]
        assert [t.query for t in await store.get_turns(session)] == expected
        for i in range(1, 10):
            previous_answer = f"Echo: {session} says {i - 1}"
            assert previous_answer in prompt_of(llm_server, f"{session} says {i}")


async def test_a_worker_killed_mid_turn_is_replaced_and_the_turn_answered_once(
    start_workers: MakePool,
    submitter: RedisDispatcher,
    client: Redis,
    store: RedisSessionStore,
    llm_server: FakeLLM,
    redis_prefix: str,
) -> None:
    llm_server.add_rule(
        lambda body: body["messages"][-1]["content"] == "slow question",
        TextReply("the slow answer", delay=60),
        times=1,
    )
    pool = await start_workers(1)
    slow = turn_request("test:crash", "slow question")
    await submitter.submit(slow)
    await submitter.submit(turn_request("test:crash", "follow-up"))

    async def waiting_on_the_llm() -> bool:
        return any(r["messages"][-1]["content"] == "slow question" for r in llm_server.requests)

    async with asyncio.timeout(20):
        await poll_until(waiting_on_the_llm)
    [victim] = pool.processes
    await pool.kill(victim)
    await pool.start(1)  # the restart

    posts = await _posts_when(client, redis_prefix, 2, within=30)
    assert [(p["text"], p["kind"]) for p in posts] == [
        ("slow question", "answer"),
        ("follow-up", "answer"),
    ]
    assert victim not in {p["pid"] for p in posts}
    assert [t.query for t in await store.get_turns("test:crash")] == [
        "slow question",
        "follow-up",
    ]
    assert posts[0]["answer"] in prompt_of(llm_server, "follow-up")


async def test_a_failing_or_hanging_llm_only_affects_its_own_session(
    start_workers: MakePool,
    submitter: RedisDispatcher,
    client: Redis,
    llm_server: FakeLLM,
    redis_prefix: str,
) -> None:
    llm_server.add_rule(lambda body: "doomed" in str(body["messages"]), ErrorReply(500))
    llm_server.add_rule(lambda body: "stuck" in str(body["messages"]), TextReply("x", delay=60))
    await start_workers(2, dexter_turn_timeout=5.0, dexter_llm_timeout=30.0)
    await submitter.submit(turn_request("test:doomed", "doomed question"))
    await submitter.submit(turn_request("test:stuck", "stuck question"))
    for i in range(20):
        await submitter.submit(turn_request(f"test:fine{i % 5}", f"fine {i}"))

    posts = await _posts_when(client, redis_prefix, 22, within=30)
    by_text = {p["text"]: p for p in posts}
    assert len(posts) == 22
    assert by_text["doomed question"]["kind"] == "error"
    assert "language model" in by_text["doomed question"]["answer"]
    assert by_text["stuck question"]["kind"] == "error"
    assert "too long" in by_text["stuck question"]["answer"]
    fine = [p for p in posts if p["text"].startswith("fine")]
    assert {p["kind"] for p in fine} == {"answer"} and len(fine) == 20
    # Nobody waited behind the hung turn: every fine answer came before its timeout.
    assert posts.index(by_text["stuck question"]) == len(posts) - 1


async def test_one_event_delivered_to_two_processes_is_answered_once(
    start_workers: MakePool, client: Redis, redis_prefix: str
) -> None:
    await start_workers(2)
    delivery = json.dumps(turn_request("test:dup", "hello twice", event_id="Ev-1").to_record())
    async with client.pipeline(transaction=False) as pipe:
        pipe.rpush(f"{redis_prefix}:inbox:0", delivery)
        pipe.rpush(f"{redis_prefix}:inbox:1", delivery)
        await pipe.execute()

    posts = await _posts_when(client, redis_prefix, 1, within=20)
    submitted = [json.loads(r) for r in await client.lrange(f"{redis_prefix}:submitted", 0, -1)]
    assert sorted(s["status"] for s in submitted) == ["accepted", "duplicate"]
    assert [p["text"] for p in posts] == ["hello twice"]


async def test_a_stopping_worker_finishes_its_turn_and_another_takes_the_rest(
    start_workers: MakePool,
    submitter: RedisDispatcher,
    client: Redis,
    store: RedisSessionStore,
    llm_server: FakeLLM,
    redis_prefix: str,
) -> None:
    llm_server.add_rule(
        lambda body: body["messages"][-1]["content"] == "first",
        TextReply("first answer", delay=1.0),
    )
    first_pool = await start_workers(1, dexter_shutdown_grace=10.0)
    texts = ["first", "second", "third"]
    requests = [turn_request("test:handover", text) for text in texts]
    for request in requests:
        await submitter.submit(request)

    async def first_started() -> bool:
        return await client.hget(f"{redis_prefix}:running", requests[0].request_id) is not None

    async with asyncio.timeout(20):
        await poll_until(first_started)
    [stopping] = first_pool.processes
    exit_code = await first_pool.terminate(stopping)
    await start_workers(1)

    posts = await _posts_when(client, redis_prefix, 3, within=30)
    assert exit_code == 0
    assert [p["text"] for p in posts] == texts
    assert posts[0]["pid"] == stopping  # the turn in flight was finished, not dropped
    assert stopping not in {p["pid"] for p in posts[1:]}
    assert [t.query for t in await store.get_turns("test:handover")] == texts
