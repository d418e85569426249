"""EmbeddedDispatcher with the real orchestrator against the fake LLM."""

from __future__ import annotations

import asyncio

from dexter_core.agent.events import FinalAnswer, Notice, TurnFailed
from dexter_core.dispatch.embedded import EmbeddedDispatcher
from dexter_core.dispatch.requests import SubmitStatus
from dexter_core.sessions.memory_store import InMemorySessionStore
from tests.dispatch.agent_setup import turn_request
from tests.dispatch.conftest import MakeOrchestrator
from tests.dispatch.recording import RecordingSink, RecordingSinkFactory
from tests.fakes.fake_llm import ErrorReply, FakeLLM, TextReply


def _last_user_message(body: dict) -> str:
    return [m for m in body["messages"] if m["role"] == "user"][-1]["content"]


def _dispatcher(
    make_orchestrator: MakeOrchestrator, store: InMemorySessionStore, **settings: object
) -> tuple[EmbeddedDispatcher, RecordingSinkFactory]:
    orchestrator = make_orchestrator(**settings)
    dispatcher = EmbeddedDispatcher(
        orchestrator=orchestrator, store=store, settings=orchestrator.settings
    )
    factory = RecordingSinkFactory()
    dispatcher.register_sink_factory("test", factory)
    return dispatcher, factory


async def test_one_sessions_turns_run_in_order_and_each_sees_the_one_before(
    make_orchestrator: MakeOrchestrator, llm_server: FakeLLM
) -> None:
    store = InMemorySessionStore()
    dispatcher, factory = _dispatcher(make_orchestrator, store)
    texts = [f"question {i}" for i in range(5)]
    for text in texts:
        assert (await dispatcher.submit(turn_request("slack:T:C:1", text))).is_accepted
    await dispatcher.wait_idle()

    assert [t.query for t in await store.get_turns("slack:T:C:1")] == texts
    asked = [r for r in llm_server.requests if r["model"] == "dexter-main"]
    assert [_last_user_message(r) for r in asked] == texts
    for previous, body in zip(texts, asked[1:], strict=False):
        prompt = "\n".join(str(m.get("content")) for m in body["messages"])
        assert f"Echo: {previous}" in prompt  # the previous answer is in the context
    answers = [s.terminal for s in factory.sinks.values()]
    assert all(isinstance(a, FinalAnswer) for a in answers)
    assert [s.kinds[0] for s in factory.sinks.values()] == ["status"] * 5


async def test_sessions_run_concurrently(
    make_orchestrator: MakeOrchestrator, llm_server: FakeLLM
) -> None:
    llm_server.add_rule(lambda body: True, TextReply("slow answer", delay=0.3))
    store = InMemorySessionStore()
    dispatcher, factory = _dispatcher(make_orchestrator, store, dexter_max_concurrency=8)
    started = asyncio.get_running_loop().time()
    for i in range(8):
        await dispatcher.submit(turn_request(f"slack:T:C:{i}", "hi"))
    await dispatcher.wait_idle()
    assert asyncio.get_running_loop().time() - started < 1.5  # not 8 x 0.3 s in a row
    assert len(factory.sinks) == 8
    assert all(
        isinstance(s.terminal, FinalAnswer) and s.terminal.text == "slow answer"
        for s in factory.sinks.values()
    )


async def test_a_delivery_seen_twice_is_answered_once(
    make_orchestrator: MakeOrchestrator, llm_server: FakeLLM
) -> None:
    store = InMemorySessionStore()
    dispatcher, factory = _dispatcher(make_orchestrator, store)
    first = await dispatcher.submit(turn_request("slack:T:C:1", "hello", event_id="Ev1"))
    again = await dispatcher.submit(turn_request("slack:T:C:1", "hello", event_id="Ev1"))
    other_platform = await dispatcher.submit(
        turn_request("discord:dm:5", "hello", platform="discord", event_id="Ev1"),
        sink=RecordingSink(),
    )
    await dispatcher.wait_idle()
    assert first.is_accepted and other_platform.is_accepted
    assert again.status is SubmitStatus.DUPLICATE and again.message == ""
    assert len(factory.sinks) == 1
    assert len(await store.get_turns("slack:T:C:1")) == 1


async def test_a_flooded_session_is_told_to_wait_and_others_go_on(
    make_orchestrator: MakeOrchestrator, llm_server: FakeLLM
) -> None:
    llm_server.add_rule(lambda body: True, TextReply("done", delay=0.2))
    store = InMemorySessionStore()
    dispatcher, _ = _dispatcher(make_orchestrator, store, dexter_session_queue_limit=2)
    results = [await dispatcher.submit(turn_request("slack:T:C:1", f"q{i}")) for i in range(4)]
    elsewhere = await dispatcher.submit(turn_request("slack:T:C:2", "other"))
    await dispatcher.wait_idle()
    assert [r.status for r in results] == [SubmitStatus.ACCEPTED] * 2 + [
        SubmitStatus.SESSION_BUSY
    ] * 2
    assert results[2].message.startswith("Still working on your previous")
    assert elsewhere.is_accepted
    assert [t.query for t in await store.get_turns("slack:T:C:1")] == ["q0", "q1"]
    # Once the queue drains, the session takes messages again.
    assert (await dispatcher.submit(turn_request("slack:T:C:1", "q4"))).is_accepted
    await dispatcher.wait_idle()


async def test_a_user_over_the_rate_limit_gets_a_clear_refusal(
    make_orchestrator: MakeOrchestrator,
) -> None:
    store = InMemorySessionStore()
    dispatcher, _ = _dispatcher(make_orchestrator, store, dexter_user_rate_limit=3)
    mine = [
        await dispatcher.submit(turn_request(f"slack:T:C:{i}", "hi", user_id="U1"))
        for i in range(4)
    ]
    theirs = await dispatcher.submit(turn_request("slack:T:C:9", "hi", user_id="U2"))
    await dispatcher.wait_idle()
    assert [r.status for r in mine] == [SubmitStatus.ACCEPTED] * 3 + [SubmitStatus.RATE_LIMITED]
    assert "3 a minute" in mine[3].message
    assert theirs.is_accepted


async def test_a_failing_llm_gives_that_session_an_error_and_others_answers(
    make_orchestrator: MakeOrchestrator, llm_server: FakeLLM
) -> None:
    llm_server.add_rule(lambda body: "doomed" in str(body["messages"]), ErrorReply(500))
    store = InMemorySessionStore()
    dispatcher, factory = _dispatcher(make_orchestrator, store)
    await dispatcher.submit(turn_request("slack:T:C:bad", "doomed question"))
    await dispatcher.submit(turn_request("slack:T:C:good", "fine question"))
    await dispatcher.wait_idle()
    by_text = {s.request.text: s for s in factory.sinks.values()}
    failed = by_text["doomed question"].terminal
    assert isinstance(failed, TurnFailed) and failed.reason == "llm_unavailable"
    assert isinstance(by_text["fine question"].terminal, FinalAnswer)
    assert await store.get_turns("slack:T:C:bad") == []


async def test_a_hanging_llm_ends_at_the_deadline_and_the_next_turn_runs(
    make_orchestrator: MakeOrchestrator, llm_server: FakeLLM
) -> None:
    llm_server.add_rule(
        lambda body: "hang" in _last_user_message(body), TextReply("late", delay=30)
    )
    store = InMemorySessionStore()
    dispatcher, factory = _dispatcher(
        make_orchestrator, store, dexter_turn_timeout=0.3, dexter_llm_timeout=30.0
    )
    await dispatcher.submit(turn_request("slack:T:C:1", "hang please"))
    await dispatcher.submit(turn_request("slack:T:C:1", "after"))
    await asyncio.wait_for(dispatcher.wait_idle(), timeout=5)
    by_text = {s.request.text: s for s in factory.sinks.values()}
    hung = by_text["hang please"].terminal
    assert isinstance(hung, TurnFailed) and hung.reason == "timeout"
    assert isinstance(by_text["after"].terminal, FinalAnswer)
    assert [t.query for t in await store.get_turns("slack:T:C:1")] == ["after"]
    assert not any(isinstance(e, Notice) for e in by_text["after"].events)
