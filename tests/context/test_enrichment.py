"""enrich_turn against the in-memory store: summaries, embeddings, folding, failures."""

from __future__ import annotations

import asyncio
import logging

import pytest

from dexter_core.context.embeddings import Embedder
from dexter_core.context.enrichment import enrich_turn, fold_if_due
from dexter_core.context.summary_logic import fallback_summary
from dexter_core.errors import StoreUnavailableError
from dexter_core.sessions.memory_store import InMemorySessionStore
from dexter_core.sessions.models import Turn
from dexter_core.settings import Settings
from tests.context.scripted_completer import ScriptedCompleter

SESSION = "console:ada"
PLAIN = Settings(dexter_use_embeddings=False, dexter_max_turns=5)
LLM = Settings(dexter_use_embeddings=False, dexter_max_turns=5, dexter_summarize_llm=True)


async def _store_with(count: int) -> tuple[InMemorySessionStore, list[Turn]]:
    store = InMemorySessionStore()
    turns = [
        Turn(query=f"What was AAPL revenue in {2010 + i}?", answer=f"${i}B") for i in range(count)
    ]
    for turn in turns:
        assert await store.append_turn(SESSION, turn)
    return store, turns


async def test_plain_summary_is_stored_and_nothing_folds_below_the_limit() -> None:
    store, turns = await _store_with(3)
    await enrich_turn(store, SESSION, turns[-1], settings=PLAIN)
    [*_, stored] = await store.get_turns(SESSION)
    assert stored.summary == fallback_summary(turns[-1].query, turns[-1].answer)
    assert stored.embedding is None
    metadata = await store.get_metadata(SESSION)
    assert (metadata.folded_turns, metadata.summary) == (0, "")


async def test_llm_summary_replaces_the_plain_one() -> None:
    store, turns = await _store_with(1)
    completer = ScriptedCompleter("AAPL 2010 revenue $0B")
    await enrich_turn(store, SESSION, turns[0], settings=LLM, completer=completer)
    [stored] = await store.get_turns(SESSION)
    assert stored.summary == "AAPL 2010 revenue $0B"


@pytest.mark.slow
async def test_embedding_is_computed_once_and_stored_as_bytes(embedder: Embedder) -> None:
    store, turns = await _store_with(1)
    settings = Settings(dexter_use_embeddings=True)
    await enrich_turn(store, SESSION, turns[0], settings=settings, embedder=embedder)
    [stored] = await store.get_turns(SESSION)
    assert isinstance(stored.embedding, bytes) and len(stored.embedding) == 384 * 4
    history = await store.load_history(SESSION, settings=settings)
    assert history.turns[0].embedding == stored.embedding


async def test_turns_past_the_limit_fold_into_the_rolling_summary() -> None:
    store, turns = await _store_with(8)
    await enrich_turn(store, SESSION, turns[-1], settings=PLAIN)
    remaining = await store.get_turns(SESSION)
    assert [t.turn_id for t in remaining] == [t.turn_id for t in turns[3:]]
    metadata = await store.get_metadata(SESSION)
    assert metadata.folded_turns == 3
    assert metadata.summary == " | ".join(fallback_summary(t.query, t.answer) for t in turns[:3])
    history = await store.load_history(SESSION, settings=PLAIN)
    assert history.summary == metadata.summary
    memory = history.build_context("and 2020?").messages[0]["content"]
    assert "What was AAPL revenue in 2010?" in memory


async def test_two_folds_at_once_fold_once() -> None:
    store, _ = await _store_with(8)
    # A slow merge makes both read the session before either writes.
    completer = ScriptedCompleter("merged summary", delay=0.05)
    results = await asyncio.gather(
        fold_if_due(store, SESSION, settings=LLM, completer=completer),
        fold_if_due(store, SESSION, settings=LLM, completer=completer),
    )
    assert sorted(results) == [False, True]
    assert len(completer.calls) == 2
    metadata = await store.get_metadata(SESSION)
    assert (metadata.folded_turns, metadata.summary) == (3, "merged summary")
    assert len(await store.get_turns(SESSION)) == 5


async def test_a_cleared_turn_is_left_alone(caplog) -> None:
    caplog.set_level(logging.INFO)
    store, turns = await _store_with(8)
    await store.clear(SESSION)
    await enrich_turn(store, SESSION, turns[-1], settings=PLAIN)
    assert await store.get_turns(SESSION) == []
    assert "is gone; not enriched" in caplog.text


class _FailingStore(InMemorySessionStore):
    async def _update_turn(self, session_id, turn_id, summary, embedding) -> bool:
        raise StoreUnavailableError("redis down")


async def test_store_outages_are_one_warning_not_an_error(caplog) -> None:
    store = _FailingStore()
    turn = Turn(query="q?", answer="a")
    await store.append_turn(SESSION, turn)
    await enrich_turn(store, SESSION, turn, settings=PLAIN)
    [record] = [r for r in caplog.records if r.name == "dexter_core.context.enrichment"]
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert "not enriched" in record.getMessage() and "redis down" in record.getMessage()


class _BrokenStore(InMemorySessionStore):
    async def _update_turn(self, session_id, turn_id, summary, embedding) -> bool:
        raise RuntimeError("bug")


async def test_unexpected_errors_are_logged_with_their_traceback(caplog) -> None:
    store = _BrokenStore()
    turn = Turn(query="q?", answer="a")
    await store.append_turn(SESSION, turn)
    await enrich_turn(store, SESSION, turn, settings=PLAIN)
    assert "Enriching turn" in caplog.text and "RuntimeError: bug" in caplog.text


@pytest.mark.slow
async def test_an_embedding_already_on_the_turn_is_kept(embedder: Embedder) -> None:
    store, turns = await _store_with(1)
    await store.update_turn(SESSION, turns[0].turn_id, embedding=b"\x00" * 1536)
    [stored] = await store.get_turns(SESSION)
    settings = Settings(dexter_use_embeddings=True)
    await enrich_turn(store, SESSION, stored, settings=settings, embedder=embedder)
    [after] = await store.get_turns(SESSION)
    assert after.embedding == b"\x00" * 1536
    assert after.summary == fallback_summary(stored.query, stored.answer)
