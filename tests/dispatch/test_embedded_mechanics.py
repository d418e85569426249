"""EmbeddedDispatcher mechanics: deadlines, crashes, failing sinks, concurrency, shutdown.

These drive a scripted orchestrator so a turn can be made to hang or raise on cue.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from dexter_core.agent.events import Event, FinalAnswer, TurnFailed
from dexter_core.dispatch.embedded import EmbeddedDispatcher
from dexter_core.dispatch.requests import SubmitStatus, TurnRequest
from dexter_core.errors import InvalidInputError
from dexter_core.sessions.memory_store import InMemorySessionStore
from dexter_core.settings import Settings
from tests.dispatch.agent_setup import turn_request
from tests.dispatch.recording import RecordingSink, RecordingSinkFactory
from tests.dispatch.scripted_orchestrator import ScriptedOrchestrator


def _dispatcher(
    orchestrator: ScriptedOrchestrator, store: InMemorySessionStore, **settings: object
) -> EmbeddedDispatcher:
    return EmbeddedDispatcher(
        orchestrator=orchestrator,  # type: ignore[arg-type]
        store=store,
        settings=Settings(**settings),  # type: ignore[arg-type]
    )


async def test_a_hung_turn_ends_at_the_deadline_and_the_session_moves_on() -> None:
    orchestrator, store = ScriptedOrchestrator(), InMemorySessionStore()
    orchestrator.hang.add("stuck")
    dispatcher = _dispatcher(orchestrator, store, dexter_turn_timeout=0.2)
    stuck, after = RecordingSink(), RecordingSink()
    await dispatcher.submit(turn_request("api:s", "stuck"), sink=stuck)
    await dispatcher.submit(turn_request("api:s", "next"), sink=after)
    await dispatcher.wait_idle()
    assert isinstance(stuck.terminal, TurnFailed) and stuck.terminal.reason == "timeout"
    assert after.terminal == FinalAnswer(text="answer to next")
    assert [t.query for t in await store.get_turns("api:s")] == ["next"]


async def test_an_exception_becomes_an_honest_message_without_details(
    caplog: pytest.LogCaptureFixture,
) -> None:
    orchestrator = ScriptedOrchestrator()
    orchestrator.explode.add("boom")
    dispatcher = _dispatcher(orchestrator, InMemorySessionStore())
    sink = RecordingSink()
    with caplog.at_level(logging.ERROR):
        await dispatcher.submit(turn_request("api:s", "boom"), sink=sink)
        await dispatcher.wait_idle()
    assert isinstance(sink.terminal, TurnFailed)
    assert sink.terminal.reason == "internal"
    assert "hunter2" not in sink.terminal.message
    assert "RuntimeError" in caplog.text  # the details are in the log


class _BrokenSink:
    def __init__(self) -> None:
        self.calls = 0

    async def send(self, event: Event) -> None:
        self.calls += 1
        raise ConnectionError("platform down")


async def test_a_failing_sink_does_not_stop_the_turn_or_the_dispatcher() -> None:
    orchestrator, store = ScriptedOrchestrator(), InMemorySessionStore()
    dispatcher = _dispatcher(orchestrator, store)
    broken, fine = _BrokenSink(), RecordingSink()
    await dispatcher.submit(turn_request("api:s", "one"), sink=broken)  # type: ignore[arg-type]
    await dispatcher.submit(turn_request("api:s", "two"), sink=fine)
    await dispatcher.wait_idle()
    assert broken.calls >= 3  # queued, thinking, ... answer: every event was tried
    assert fine.terminal == FinalAnswer(text="answer to two")
    assert [t.query for t in await store.get_turns("api:s")] == ["one", "two"]


async def test_a_failing_sink_factory_still_runs_and_stores_the_turn() -> None:
    orchestrator, store = ScriptedOrchestrator(), InMemorySessionStore()
    dispatcher = _dispatcher(orchestrator, store)

    async def failing_factory(request: TurnRequest, ledger: object) -> RecordingSink:
        raise ConnectionError("platform down")

    dispatcher.register_sink_factory("test", failing_factory)  # type: ignore[arg-type]
    assert (await dispatcher.submit(turn_request("api:s", "one"))).is_accepted
    await dispatcher.wait_idle()
    assert [t.query for t in await store.get_turns("api:s")] == ["one"]


async def test_concurrency_across_sessions_is_bounded() -> None:
    orchestrator = ScriptedOrchestrator()
    orchestrator.gate = asyncio.Event()
    dispatcher = _dispatcher(orchestrator, InMemorySessionStore(), dexter_max_concurrency=3)
    factory = RecordingSinkFactory()
    dispatcher.register_sink_factory("test", factory)
    for i in range(8):
        await dispatcher.submit(turn_request(f"api:{i}", f"q{i}"))
    for _ in range(20):
        await asyncio.sleep(0)
    assert orchestrator.running == 3
    orchestrator.gate.set()
    await dispatcher.wait_idle()
    assert orchestrator.peak_running == 3
    assert all(isinstance(s.terminal, FinalAnswer) for s in factory.sinks.values())
    assert len(factory.sinks) == 8


async def test_idle_sessions_leave_nothing_behind() -> None:
    dispatcher = _dispatcher(ScriptedOrchestrator(), InMemorySessionStore())
    for i in range(50):
        await dispatcher.submit(turn_request(f"api:{i}", "hi"), sink=RecordingSink())
    await dispatcher.wait_idle()
    assert all(dispatcher.unfinished(f"api:{i}") == 0 for i in range(50))
    assert not dispatcher._workers and not dispatcher._queues


async def test_stop_lets_running_turns_finish_and_refuses_new_ones() -> None:
    orchestrator = ScriptedOrchestrator()
    orchestrator.gate = asyncio.Event()
    dispatcher = _dispatcher(orchestrator, InMemorySessionStore())
    running = RecordingSink()
    await dispatcher.submit(turn_request("api:s", "in flight"), sink=running)
    await asyncio.sleep(0.01)
    stopping = asyncio.create_task(dispatcher.stop(grace=5))
    await asyncio.sleep(0.01)
    refused = await dispatcher.submit(turn_request("api:t", "late"), sink=RecordingSink())
    assert refused.status is SubmitStatus.SHUTTING_DOWN
    assert refused.message
    orchestrator.gate.set()
    await stopping
    assert running.terminal == FinalAnswer(text="answer to in flight")


async def test_stop_past_the_deadline_tells_waiting_users_to_ask_again() -> None:
    orchestrator = ScriptedOrchestrator()
    orchestrator.hang.add("forever")
    dispatcher = _dispatcher(orchestrator, InMemorySessionStore())
    stuck, waiting = RecordingSink(), RecordingSink()
    await dispatcher.submit(turn_request("api:s", "forever"), sink=stuck)
    await dispatcher.submit(turn_request("api:s", "queued behind"), sink=waiting)
    await asyncio.sleep(0.01)
    await asyncio.wait_for(dispatcher.stop(grace=0.1), timeout=2)
    for sink in (stuck, waiting):
        assert isinstance(sink.terminal, TurnFailed)
        assert "send your question again" in sink.terminal.message
    assert orchestrator.started == ["forever"]


async def test_a_request_nobody_can_see_is_refused() -> None:
    dispatcher = _dispatcher(ScriptedOrchestrator(), InMemorySessionStore())
    with pytest.raises(InvalidInputError, match="no sink factory"):
        await dispatcher.submit(turn_request("api:s", "hello"))
