"""`MessageHistory`: a session's past turns and what of them the agent gets to see.

Selection (`select_relevant_messages`): the newest `DEXTER_RECENT_TURNS` turns always;
then older turns ranked by embedding similarity to the query fused with BM25 lexical
matching and a small recency prior, up to `DEXTER_MAX_CONTEXT_MESSAGES` turns in all.
With embeddings off (`DEXTER_USE_EMBEDDINGS=false`, or no model) older turns are taken
newest first. `build_context` turns the selection into prompt messages within
`DEXTER_CONTEXT_TOKEN_BUDGET` (see `dexter_core.context.formatter`).

A history lives in memory; a store's `append_turn` is what persists a turn. One history
serves one request at a time: it is not meant to be shared between threads.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

from dexter_core.context.embeddings import Embedder, get_embedder
from dexter_core.context.formatter import PromptContext, format_context
from dexter_core.context.relevance_index import RelevanceIndex
from dexter_core.context.selection_logic import choose_positions, rank_candidates
from dexter_core.context.summary_logic import fallback_summary
from dexter_core.context.turn_texts import embedding_text
from dexter_core.context.vectors import vector_to_bytes
from dexter_core.errors import InvalidInputError
from dexter_core.sessions.models import Turn
from dexter_core.sessions.store import validate_turn
from dexter_core.settings import Settings, get_settings

logger = logging.getLogger(__name__)

_TURN_FIELDS = frozenset({"user_id", "user_name", "platform", "created_at", "turn_id", "usage"})


class MessageHistory:
    """The turns of one conversation, oldest first, with its rolling summary.

    `summary` is the rolling summary of turns folded out of the verbatim history;
    `generation` is the store's clear counter when the history was loaded (pass it to
    `append_turn(if_generation=...)`). `settings` default to the process's; `embedder`
    defaults to the process-wide one (None when embeddings are off).
    """

    def __init__(
        self,
        turns: Iterable[Turn] | None = None,
        *,
        summary: str = "",
        generation: int = 0,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self._settings = settings or get_settings()
        self._embedder = embedder if embedder is not None else get_embedder(self._settings)
        self._turns: list[Turn] = []
        self._summary = summary
        self._generation = generation
        self._index = RelevanceIndex(dimension=self._embedder.dimension if self._embedder else None)
        for turn in turns or ():
            self._append(turn)

    @property
    def turns(self) -> list[Turn]:
        """The verbatim turns, oldest first (a copy)."""
        return list(self._turns)

    @property
    def summary(self) -> str:
        """The rolling summary of the turns folded out of `turns` ("" when none were)."""
        return self._summary

    @property
    def generation(self) -> int:
        return self._generation

    @property
    def embedder(self) -> Embedder | None:
        """The embedder in use, or None when selection is by recency."""
        return self._embedder

    def __len__(self) -> int:
        return len(self._turns)

    def add_agent_message(self, query: str, answer: str, **metadata: Any) -> Turn:
        """Record one exchange in memory and return its `Turn` (with summary and embedding).

        `metadata`: `user_id`, `user_name` (or `user`), `platform`, `created_at`, `turn_id`,
        `usage`; other keys go to `Turn.extra`. Raises `InvalidInputError` for an empty
        query or text over the stores' limits, changing nothing.
        """
        fields = {key: value for key, value in metadata.items() if key in _TURN_FIELDS}
        extra = {
            key: value
            for key, value in metadata.items()
            if key not in _TURN_FIELDS and key != "user"
        }
        if "user" in metadata and "user_name" not in fields:
            fields["user_name"] = str(metadata["user"])
        fields.setdefault("created_at", time.time())
        turn = Turn(query=query, answer=answer, extra=extra, **fields)
        # The stores' own check: the same limits, and text made UTF-8-safe in place.
        validate_turn(turn)
        turn.summary = fallback_summary(turn.query, turn.answer)
        if self._embedder is not None:
            vector = self._embedder.embed_documents([embedding_text(turn)])[0]
            turn.embedding = vector_to_bytes(vector)
        self._append(turn)
        return turn

    def select_relevant_messages(self, query: str, limit: int | None = None) -> list[Turn]:
        """The past turns most useful for answering `query`, oldest first.

        At most `limit` turns (default `DEXTER_MAX_CONTEXT_MESSAGES`), always including
        the newest `DEXTER_RECENT_TURNS` (or the newest `limit` when that is fewer).
        Raises `InvalidInputError` for an empty or blank query or a `limit` below 1.
        """
        if not isinstance(query, str) or not query.strip():
            raise InvalidInputError("query must be non-empty text")
        if limit is None:
            limit = self._settings.dexter_max_context_messages
        if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
            raise InvalidInputError("limit must be a positive integer or None")
        total = len(self._turns)
        recent = max(0, self._settings.dexter_recent_turns)
        older = max(0, total - recent)
        ranked = self._rank_older(query, older) if older and limit > recent else []
        positions = choose_positions(total, recent=recent, limit=limit, ranked_older=ranked)
        return [self._turns[position] for position in positions]

    def build_context(self, query: str) -> PromptContext:
        """The prompt messages carrying this history's context for `query`.

        Selected turns (see `select_relevant_messages`) and the rolling summary, within
        `DEXTER_CONTEXT_TOKEN_BUDGET` tokens: newer turns in full, older ones by summary
        when the budget is tight. Raises `InvalidInputError` for an empty query.
        """
        selected = self.select_relevant_messages(query)
        # The newest turns come last in the selection: they are the recent ones.
        recent_count = min(max(0, self._settings.dexter_recent_turns), len(selected))
        return format_context(
            selected,
            recent_count=recent_count,
            rolling_summary=self._summary,
            budget=self._settings.dexter_context_token_budget,
        )

    def _append(self, turn: Turn) -> None:
        self._turns.append(turn)
        self._index.add(turn)

    def _rank_older(self, query: str, count: int) -> list[int]:
        """Positions `0..count-1`, most relevant to `query` first."""
        if self._embedder is None:
            return list(range(count - 1, -1, -1))
        try:
            query_vector = self._embedder.embed_query(query)
        except Exception as exc:  # a failing model degrades selection, never the turn
            logger.warning("Query embedding failed (%s); selecting by recency", exc)
            return list(range(count - 1, -1, -1))
        semantic, valid = self._index.semantic_scores(query_vector, count=count)
        lexical = self._index.lexical_scores(query, count=count)
        return rank_candidates(count, semantic=semantic, semantic_valid=valid, lexical=lexical)
