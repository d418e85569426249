"""The in-memory store under asyncio tasks and threads at once."""

from __future__ import annotations

import asyncio
import threading

import pytest

from dexter_core.sessions import store_logic
from dexter_core.sessions.memory_store import InMemorySessionStore
from dexter_core.sessions.models import Turn

SID = "discord:111:222"
TASKS_PER_LOOP = 20
TURNS_PER_TASK = 10
THREADS = 4


async def _append_from_tasks(store: InMemorySessionStore, label: str) -> None:
    async def writer(task: int) -> None:
        for n in range(TURNS_PER_TASK):
            await store.append_turn(SID, Turn(query=f"{label}-{task}-{n}", answer="a"))
            await asyncio.sleep(0)

    await asyncio.gather(*(writer(task) for task in range(TASKS_PER_LOOP)))


async def test_tasks_and_threads_appending_at_once_lose_nothing():
    store = InMemorySessionStore()
    threads = [
        threading.Thread(target=asyncio.run, args=(_append_from_tasks(store, f"thread{i}"),))
        for i in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    await _append_from_tasks(store, "main")
    for thread in threads:
        await asyncio.to_thread(thread.join)

    turns = await store.get_turns(SID)
    expected = (THREADS + 1) * TASKS_PER_LOOP * TURNS_PER_TASK
    assert len(turns) == expected
    assert len({t.query for t in turns}) == expected
    assert (await store.get_metadata(SID)).turn_count == expected  # type: ignore[union-attr]
    # Each writer's own turns stay in the order it wrote them.
    per_writer: dict[str, list[int]] = {}
    for turn in turns:
        writer, _, n = turn.query.rpartition("-")
        per_writer.setdefault(writer, []).append(int(n))
    assert all(ns == list(range(TURNS_PER_TASK)) for ns in per_writer.values())


async def test_returned_turns_are_copies():
    store = InMemorySessionStore()
    turn = Turn(query="q", answer="a", extra={"k": [1]})
    await store.append_turn(SID, turn)
    turn.answer = "changed by the caller"

    [got] = await store.get_turns(SID)
    got.extra["k"].append(2)

    assert (await store.get_turns(SID))[0].answer == "a"
    assert (await store.get_turns(SID))[0].extra == {"k": [1]}


async def test_expired_sessions_are_let_go(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(store_logic, "SWEEP_INTERVAL", 0.0)
    store = InMemorySessionStore(ttl=0.2)
    await store.append_turn("console:old", Turn(query="q", answer="a"))
    await asyncio.sleep(0.3)

    await store.append_turn("console:new", Turn(query="q", answer="a"))

    # Nobody asked for "console:old" again, yet its memory is released.
    assert list(store._sessions) == ["console:new"]
