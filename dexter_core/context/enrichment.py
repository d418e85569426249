"""Work done on a turn after it is stored, off the reply path.

The agent stores the turn, posts the answer, then runs `enrich_turn` in a background
task: the turn gets its summary and embedding, and once the session holds more than
`DEXTER_MAX_TURNS` verbatim turns the oldest are folded into the rolling summary.
"""

from __future__ import annotations

import asyncio
import logging

from dexter_core.agent.llm_protocol import TextCompleter
from dexter_core.context.embeddings import Embedder, get_embedder
from dexter_core.context.summaries import fold_into_summary, summarize
from dexter_core.context.summary_logic import fallback_summary, turns_to_fold
from dexter_core.context.turn_texts import embedding_text
from dexter_core.context.vectors import vector_to_bytes
from dexter_core.errors import StoreUnavailableError
from dexter_core.sessions.models import Turn
from dexter_core.sessions.store import SessionStore
from dexter_core.settings import Settings

logger = logging.getLogger(__name__)


async def enrich_turn(
    store: SessionStore,
    session_id: str,
    turn: Turn,
    *,
    settings: Settings,
    completer: TextCompleter | None = None,
    embedder: Embedder | None = None,
) -> None:
    """Give a stored `turn` its summary and embedding, then fold the session if it is due.

    The summary comes from the LLM when `DEXTER_SUMMARIZE_LLM=true` and a `completer` is
    given, else the plain fallback; an embedding already on the turn is kept. Embedding
    runs in a worker thread. Folding is compare-and-set on the store, so when two
    processes fold at once one of them does it and the other changes nothing. Never
    raises: a failure is logged and the turn stays as it was stored.
    """
    try:
        if embedder is None:
            # The first call loads the model: seconds of work that must not block the loop.
            embedder = await asyncio.to_thread(get_embedder, settings)
        summary = await _summary_for(turn, completer=completer, settings=settings)
        embedding = await _embedding_for(turn, embedder)
        stored = await store.update_turn(
            session_id, turn.turn_id, summary=summary, embedding=embedding
        )
        if not stored:
            logger.info("Turn %s of %s is gone; not enriched", turn.turn_id, session_id)
            return
        await fold_if_due(store, session_id, settings=settings, completer=completer)
    except StoreUnavailableError as error:
        # Expected during a store outage: the turn keeps its fallback summary.
        logger.warning("Turn %s of %s not enriched: %s", turn.turn_id, session_id, error)
    except Exception:  # a background task: nobody is left to catch it
        logger.exception("Enriching turn %s of %s failed", turn.turn_id, session_id)


async def fold_if_due(
    store: SessionStore,
    session_id: str,
    *,
    settings: Settings,
    completer: TextCompleter | None = None,
) -> bool:
    """Fold the oldest turns beyond `DEXTER_MAX_TURNS` into the rolling summary.

    Returns True when this call folded. Store errors propagate (see `enrich_turn`).
    """
    metadata = await store.get_metadata(session_id)
    if metadata is None:
        return False
    # Read after the metadata: a fold in between makes `expected_folded` stale, so the
    # compare-and-set below refuses rather than folding turns twice.
    turns = await store.get_turns(session_id)
    count = turns_to_fold(len(turns), max_turns=settings.dexter_max_turns)
    if count == 0:
        return False
    folded = turns[:count]
    summaries = [turn.summary or fallback_summary(turn.query, turn.answer) for turn in folded]
    summary = await fold_into_summary(
        metadata.summary, summaries, completer=completer, settings=settings
    )
    done = await store.fold_turns(
        session_id, count=count, summary=summary, expected_folded=metadata.folded_turns
    )
    if done:
        logger.info("Folded %d turns of %s into its summary", count, session_id)
    else:
        logger.debug("Fold of %s skipped: the session changed meanwhile", session_id)
    return done


async def _summary_for(
    turn: Turn, *, completer: TextCompleter | None, settings: Settings
) -> str | None:
    """The summary to store, or None when the turn's own is already what we would write."""
    if settings.dexter_summarize_llm and completer is not None:
        return await summarize(turn.query, turn.answer, completer=completer, settings=settings)
    return None if turn.summary else fallback_summary(turn.query, turn.answer)


async def _embedding_for(turn: Turn, embedder: Embedder | None) -> bytes | None:
    if embedder is None or turn.embedding is not None:
        return None
    vectors = await asyncio.to_thread(embedder.embed_documents, [embedding_text(turn)])
    return vector_to_bytes(vectors[0])
