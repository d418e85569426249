"""Per-history search structures: BM25 term counts and the stacked embedding matrix.

One per `MessageHistory`. The embedding matrix, document lengths and BM25 term columns
are computed on first use and kept until a turn is added, so selecting again over the
same history costs only the query's work.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from dexter_core.context.lexical_logic import bm25_scores, term_column, term_counts, tokenize
from dexter_core.context.turn_texts import lexical_text
from dexter_core.context.vectors import stack_vectors
from dexter_core.sessions.models import Turn


class RelevanceIndex:
    """Lexical and semantic scores of a history's turns, in the turns' order."""

    def __init__(self, *, dimension: int | None) -> None:
        self._dimension = dimension
        self._documents: list[Counter[str]] = []
        self._blobs: list[bytes | None] = []
        self._lengths: np.ndarray | None = None
        # Term columns already computed: tickers and subject words recur across queries.
        self._columns: dict[str, np.ndarray] = {}
        self._matrix: np.ndarray | None = None
        self._valid: np.ndarray | None = None

    def add(self, turn: Turn) -> None:
        """Index one more turn (the newest)."""
        self._documents.append(term_counts(lexical_text(turn)))
        self._blobs.append(turn.embedding)
        self._lengths = None
        self._columns.clear()
        self._matrix = None

    def lexical_scores(self, query: str, *, count: int) -> np.ndarray:
        """BM25 scores of the first `count` turns for `query` (0 = no shared term)."""
        if self._lengths is None:
            self._lengths = np.fromiter(
                (sum(doc.values()) for doc in self._documents), dtype=np.float64
            )
        columns = [self._column(term)[:count] for term in dict.fromkeys(tokenize(query))]
        return bm25_scores(columns, self._lengths[:count])

    def _column(self, term: str) -> np.ndarray:
        column = self._columns.get(term)
        if column is None:
            column = self._columns[term] = term_column(term, self._documents)
        return column

    def semantic_scores(
        self, query_vector: np.ndarray, *, count: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Cosine similarities of the first `count` turns and the mask of turns with a vector."""
        if self._dimension is None:
            raise RuntimeError("this index was built without embeddings")
        if self._matrix is None or self._valid is None:
            self._matrix, self._valid = stack_vectors(self._blobs, self._dimension)
        return self._matrix[:count] @ query_vector, self._valid[:count]
