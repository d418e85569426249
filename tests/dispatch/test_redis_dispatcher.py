"""RedisDispatcher in one test process: relayed local sinks, re-runs after a crash,
shared limits and shutdown, on the real Redis."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from redis.asyncio import Redis

from dexter_core.agent.events import FinalAnswer, Status, TurnFailed
from dexter_core.dispatch.redis_streams import RedisDispatcher
from dexter_core.dispatch.requests import SubmitStatus
from dexter_core.sessions.models import Turn
from dexter_core.sessions.redis_store import RedisSessionStore
from dexter_core.settings import Settings
from tests.dispatch.agent_setup import agent_settings, make_agent, turn_request
from tests.dispatch.processes import poll_until
from tests.dispatch.recording import RecordingSink, RecordingSinkFactory
from tests.fakes.fake_llm import FakeLLM, TextReply

MakeDispatcher = Callable[..., Awaitable[RedisDispatcher]]


@pytest.fixture
def redis_settings(llm_server: FakeLLM, redis_url: str, redis_prefix: str) -> Settings:
    return agent_settings(
        llm_server.base_url, redis_url=redis_url, dexter_redis_prefix=redis_prefix
    )


@pytest.fixture
async def make_dispatcher(
    redis_settings: Settings, store: RedisSessionStore
) -> AsyncIterator[MakeDispatcher]:
    """`await make_dispatcher(consumers=..., factory=..., platforms=..., **settings)`: a
    started dispatcher rendering `platforms` with `factory`, as one process of several
    would run it."""
    made: list[RedisDispatcher] = []

    async def make(
        *,
        consumers: int | None = None,
        factory: RecordingSinkFactory | None = None,
        platforms: tuple[str, ...] = ("test",),
        **changes: object,
    ) -> RedisDispatcher:
        settings = agent_settings(
            redis_settings.openai_base_url,
            redis_url=redis_settings.redis_url,
            dexter_redis_prefix=redis_settings.dexter_redis_prefix,
            **changes,
        )
        dispatcher = RedisDispatcher(
            orchestrator=make_agent(settings),
            store=store,
            settings=settings,
            lease_ttl=2.0,
            consumers=consumers,
        )
        for platform in platforms:
            dispatcher.register_sink_factory(platform, factory or RecordingSinkFactory())
        await dispatcher.start()
        made.append(dispatcher)
        return dispatcher

    yield make
    for dispatcher in made:
        await dispatcher.stop(grace=1)


async def test_a_local_sink_gets_the_turn_run_by_another_process(
    make_dispatcher: MakeDispatcher, store: RedisSessionStore, llm_server: FakeLLM
) -> None:
    front = await make_dispatcher(consumers=0)
    await make_dispatcher()  # the process that does the answering
    sinks = [RecordingSink(), RecordingSink()]
    for sink, text in zip(sinks, ["first", "second"], strict=True):
        assert (await front.submit(turn_request("test:relay", text), sink=sink)).is_accepted
    async with asyncio.timeout(10):
        for sink in sinks:
            await sink.done.wait()
    assert [s.terminal.text for s in sinks] == [  # type: ignore[attr-defined]
        "Echo: first [context: 1 messages]",
        "Echo: second [context: 3 messages]",
    ]
    assert sinks[0].kinds[0] == "status" and "delta" in sinks[0].kinds

    async def both_ended() -> bool:
        return all(sink.kinds[-1] == "ended" for sink in sinks)

    async with asyncio.timeout(5):
        await poll_until(both_ended)  # the relay goes on past the answer, to the turn's end
    assert all(
        Status(phase="stored") in sink.events and sink.kinds.count("ended") == 1 for sink in sinks
    )


async def test_a_re_run_of_an_answered_and_stored_turn_posts_the_stored_answer(
    make_dispatcher: MakeDispatcher,
    store: RedisSessionStore,
    llm_server: FakeLLM,
    redis_url: str,
    redis_prefix: str,
) -> None:
    # The state a process leaves when it dies after storing a turn but before popping it.
    request = turn_request("test:rerun", "what was stored")
    stored = Turn(query=request.text, answer="the stored answer")
    await store.append_turn(request.session_id, stored)
    client = Redis.from_url(redis_url)
    await client.hset(
        f"{redis_prefix}:dispatch:answered:{request.session_id}",
        request.request_id,
        stored.turn_id,
    )
    front = await make_dispatcher(consumers=0)
    assert (await front.submit(request)).is_accepted

    factory = RecordingSinkFactory()
    await make_dispatcher(factory=factory)

    async def delivered() -> bool:
        return (
            request.request_id in factory.sinks and factory.sinks[request.request_id].done.is_set()
        )

    async with asyncio.timeout(10):
        await poll_until(delivered)
    assert factory.sinks[request.request_id].terminal == FinalAnswer(
        text="the stored answer", turn_id=stored.turn_id
    )
    assert llm_server.requests == []  # not asked again
    assert [t.turn_id for t in await store.get_turns("test:rerun")] == [stored.turn_id]
    await client.aclose()


async def test_limits_and_duplicates_hold_across_processes(
    make_dispatcher: MakeDispatcher, llm_server: FakeLLM
) -> None:
    llm_server.add_rule(lambda body: True, TextReply("ok", delay=0.5))
    first = await make_dispatcher(
        consumers=0, dexter_session_queue_limit=2, dexter_user_rate_limit=4
    )
    second = await make_dispatcher(
        consumers=0, dexter_session_queue_limit=2, dexter_user_rate_limit=4
    )
    busy = [
        await first.submit(turn_request("test:busy", "a", user_id="U1")),
        await second.submit(turn_request("test:busy", "b", user_id="U1")),
        await first.submit(turn_request("test:busy", "c", user_id="U1")),
    ]
    assert [r.status for r in busy] == [SubmitStatus.ACCEPTED] * 2 + [SubmitStatus.SESSION_BUSY]
    limited = await second.submit(turn_request("test:other", "d", user_id="U1"))
    over = await first.submit(turn_request("test:other2", "e", user_id="U1"))
    assert limited.is_accepted
    assert over.status is SubmitStatus.RATE_LIMITED
    twice = await asyncio.gather(
        first.submit(turn_request("test:dup", "x", event_id="E1")),
        second.submit(turn_request("test:dup", "x", event_id="E1")),
    )
    assert sorted(r.status.value for r in twice) == ["accepted", "duplicate"]


async def test_submitted_requests_wait_in_redis_until_a_process_answers_them(
    make_dispatcher: MakeDispatcher, store: RedisSessionStore, redis_url: str, redis_prefix: str
) -> None:
    front = await make_dispatcher(consumers=0)
    for text in ["one", "two"]:
        await front.submit(turn_request("test:later", text))
    await asyncio.sleep(0.3)
    assert await store.get_turns("test:later") == []
    client = Redis.from_url(redis_url)
    queue, stream = (
        f"{redis_prefix}:dispatch:queue:test:later",
        f"{redis_prefix}:dispatch:requests:test",
    )
    assert len(await client.lrange(queue, 0, -1)) == 2
    entries = await client.xrange(stream)
    assert [json.loads(fields[b"request"])["text"] for _, fields in entries] == ["one", "two"]

    await make_dispatcher()

    async def all_done() -> bool:
        return await client.xlen(stream) == 0 and not await client.exists(queue)

    async with asyncio.timeout(10):
        await poll_until(all_done)
    assert [t.query for t in await store.get_turns("test:later")] == ["one", "two"]
    assert (await client.xpending(stream, "workers"))["pending"] == 0
    await client.aclose()


async def test_stopping_hands_waiting_local_requests_over_to_other_processes(
    make_dispatcher: MakeDispatcher, redis_url: str, redis_prefix: str
) -> None:
    front = await make_dispatcher(consumers=0)
    sink = RecordingSink()
    assert (await front.submit(turn_request("test:handed", "still queued"), sink=sink)).is_accepted
    await front.stop(grace=0.2)
    assert isinstance(sink.terminal, TurnFailed) and sink.terminal.reason == "busy"
    assert "will be saved" in sink.terminal.message
    refused = await front.submit(turn_request("test:handed", "too late"), sink=RecordingSink())
    assert refused.status is SubmitStatus.SHUTTING_DOWN
    client = Redis.from_url(redis_url)
    assert await client.llen(f"{redis_prefix}:dispatch:queue:test:handed") == 1
    await client.aclose()


async def test_each_platform_is_answered_by_a_process_that_can_show_it(
    make_dispatcher: MakeDispatcher,
) -> None:
    front = await make_dispatcher(consumers=0, platforms=("alpha", "beta"))
    alpha, beta = RecordingSinkFactory(), RecordingSinkFactory()
    await make_dispatcher(factory=alpha, platforms=("alpha",))
    await make_dispatcher(factory=beta, platforms=("beta",))
    for i in range(4):
        for platform in ("alpha", "beta"):
            request = turn_request(f"{platform}:{i}", f"{platform} {i}", platform=platform)
            assert (await front.submit(request)).is_accepted

    async def all_answered() -> bool:
        sinks = [*alpha.sinks.values(), *beta.sinks.values()]
        return len(sinks) == 8 and all(sink.done.is_set() for sink in sinks)

    async with asyncio.timeout(10):
        await poll_until(all_answered)
    assert {s.request.platform for s in alpha.sinks.values()} == {"alpha"}
    assert {s.request.platform for s in beta.sinks.values()} == {"beta"}
