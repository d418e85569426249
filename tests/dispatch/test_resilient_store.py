"""ResilientStore over a backend that goes away on cue (the in-memory store, failing
like Redis does while `is_down`); the real Redis outage is in test_redis_outage."""

from __future__ import annotations

import asyncio

import pytest

from dexter_core.dispatch.resilient_store import ResilientStore
from dexter_core.errors import StoreUnavailableError
from dexter_core.sessions.memory_store import InMemorySessionStore
from dexter_core.sessions.models import SessionMetadata, Turn
from tests.dispatch.processes import poll_until


class FlakyStore(InMemorySessionStore):
    """Raises `StoreUnavailableError` on every call while `is_down`. With
    `lands_despite_error`, a failing append is applied first (a reply lost in a timeout)."""

    def __init__(self) -> None:
        super().__init__()
        self.is_down = False
        self.lands_despite_error = False

    def _fail_if_down(self) -> None:
        if self.is_down:
            raise StoreUnavailableError("backend unreachable")

    async def ping(self) -> None:
        self._fail_if_down()

    async def _append_turn(self, session_id: str, turn: Turn, if_generation: int | None) -> bool:
        if self.is_down and self.lands_despite_error:
            await super()._append_turn(session_id, turn, if_generation)
        self._fail_if_down()
        return await super()._append_turn(session_id, turn, if_generation)

    async def _get_turns(self, session_id: str, limit: int | None) -> list[Turn]:
        self._fail_if_down()
        return await super()._get_turns(session_id, limit)

    async def _get_metadata(self, session_id: str) -> SessionMetadata | None:
        self._fail_if_down()
        return await super()._get_metadata(session_id)

    async def _clear(self, session_id: str) -> None:
        self._fail_if_down()
        await super()._clear(session_id)

    async def _claim_event(self, key: str, ttl: int) -> bool:
        self._fail_if_down()
        return await super()._claim_event(key, ttl)


@pytest.fixture
def backend() -> FlakyStore:
    return FlakyStore()


@pytest.fixture
async def store(backend: FlakyStore) -> ResilientStore:
    return ResilientStore(backend, max_retry_delay=0.05)


async def _recovered(store: ResilientStore) -> None:
    async def is_whole() -> bool:
        return not store.is_degraded

    async with asyncio.timeout(5):
        await poll_until(is_whole, interval=0.01)


def _turn(query: str) -> Turn:
    return Turn(query=query, answer=f"answer to {query}")


async def test_turns_kept_during_an_outage_are_written_back_in_order(
    store: ResilientStore, backend: FlakyStore
) -> None:
    await store.append_turn("api:s", _turn("one"))
    backend.is_down = True
    assert await store.append_turn("api:s", _turn("two"))
    assert await store.append_turn("api:s", _turn("three"))
    assert store.is_degraded and store.waiting_turns == 2
    with pytest.raises(StoreUnavailableError):
        await store.get_turns("api:s")
    with pytest.raises(StoreUnavailableError):
        await store.ping()
    with pytest.raises(StoreUnavailableError):
        await store.load_history("api:s")
    backend.is_down = False
    await _recovered(store)
    assert await store.append_turn("api:s", _turn("four"))
    assert [t.query for t in await backend.get_turns("api:s")] == ["one", "two", "three", "four"]
    await store.ping()


async def test_a_write_that_landed_despite_the_error_is_not_stored_twice(
    store: ResilientStore, backend: FlakyStore
) -> None:
    backend.is_down = backend.lands_despite_error = True
    await store.append_turn("api:s", _turn("ambiguous"))
    backend.is_down = False
    await _recovered(store)
    assert [t.query for t in await backend.get_turns("api:s")] == ["ambiguous"]


async def test_reads_include_turns_not_written_back_yet(
    store: ResilientStore, backend: FlakyStore
) -> None:
    await store.append_turn("api:s", _turn("stored"))
    backend.is_down = True
    await store.append_turn("api:s", _turn("kept"))
    backend.is_down = False
    store._is_down = False  # seen as back, before the write-back has run
    assert [t.query for t in await store.get_turns("api:s")] == ["stored", "kept"]
    assert [t.query for t in await store.get_turns("api:s", limit=1)] == ["kept"]
    await _recovered(store)


async def test_enrichment_of_a_kept_turn_is_written_back_with_it(
    store: ResilientStore, backend: FlakyStore
) -> None:
    backend.is_down = True
    turn = _turn("kept")
    await store.append_turn("api:s", turn)
    assert await store.update_turn("api:s", turn.turn_id, summary="short", embedding=b"\x00" * 4)
    backend.is_down = False
    await _recovered(store)
    [written] = await backend.get_turns("api:s")
    assert (written.summary, written.embedding) == ("short", b"\x00" * 4)


async def test_clear_is_refused_while_down_and_changes_nothing(
    store: ResilientStore, backend: FlakyStore
) -> None:
    await store.append_turn("api:s", _turn("one"))
    backend.is_down = True
    await store.append_turn("api:s", _turn("two"))
    with pytest.raises(StoreUnavailableError):
        await store.clear("api:s")
    backend.is_down = False
    await _recovered(store)
    assert [t.query for t in await store.get_turns("api:s")] == ["one", "two"]


async def test_duplicate_deliveries_are_caught_in_memory_while_down(
    store: ResilientStore, backend: FlakyStore
) -> None:
    backend.is_down = True
    assert await store.claim_event("slack:Ev1")
    assert not await store.claim_event("slack:Ev1")
    assert await store.claim_event("slack:Ev2")
    backend.is_down = False
    assert not await store.claim_event("slack:Ev1")  # a retry right after the outage
    await _recovered(store)
    assert not await backend.claim_event("slack:Ev1")  # the claims were written back
    assert not await backend.claim_event("slack:Ev2")
    assert await store.claim_event("slack:Ev3")
    assert not await store.claim_event("slack:Ev3")


async def test_close_writes_back_what_it_can(backend: FlakyStore) -> None:
    store = ResilientStore(backend, max_retry_delay=10)
    backend.is_down = True
    await store.append_turn("api:s", _turn("kept"))
    backend.is_down = False
    assert await store.flush() == 0
    assert [t.query for t in await backend.get_turns("api:s")] == ["kept"]
