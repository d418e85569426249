"""Which past turns the agent sees, and in what form: pure decisions on numbers.

Positions are indices into a session's turns, oldest first. Relevance signals are fused
by weighted reciprocal rank (each signal contributes `weight / (k + rank)`), which needs no
calibration between cosine similarities and BM25 scores.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, kw_only=True)
class FusionWeights:
    """How much each signal counts. `k` damps the gap between neighbouring ranks."""

    semantic: float = 1.0
    lexical: float = 1.0
    recency: float = 0.25
    k: float = 10.0


DEFAULT_WEIGHTS = FusionWeights()


def _reciprocal_ranks(scores: np.ndarray, eligible: np.ndarray, k: float) -> np.ndarray:
    """1 / (k + rank) for eligible entries (rank 1 = highest score), 0 for the others."""
    contribution = np.zeros(len(scores), dtype=np.float64)
    positions = np.flatnonzero(eligible)
    if positions.size:
        # Stable sort on the negated score: equal scores keep oldest-first order.
        order = positions[np.argsort(-scores[positions], kind="stable")]
        contribution[order] = 1.0 / (k + np.arange(1, order.size + 1))
    return contribution


def rank_candidates(
    count: int,
    *,
    semantic: np.ndarray | None = None,
    semantic_valid: np.ndarray | None = None,
    lexical: np.ndarray | None = None,
    weights: FusionWeights = DEFAULT_WEIGHTS,
) -> list[int]:
    """Candidate positions `0..count-1` (oldest first), most relevant first.

    `semantic` holds similarities (entries where `semantic_valid` is False have no
    vector and get no semantic credit); `lexical` holds BM25 scores (0 = no shared term,
    no credit). Without either signal the order is newest first. Ties go to the newer turn.
    """
    if count <= 0:
        return []
    fused = np.zeros(count, dtype=np.float64)
    if semantic is not None:
        valid = np.ones(count, dtype=bool) if semantic_valid is None else semantic_valid
        fused += weights.semantic * _reciprocal_ranks(semantic, valid, weights.k)
    if lexical is not None:
        fused += weights.lexical * _reciprocal_ranks(lexical, lexical > 0, weights.k)
    # Later positions are newer: the position itself is the recency score.
    position = np.arange(count, dtype=np.float64)
    fused += weights.recency * _reciprocal_ranks(position, np.ones(count, bool), weights.k)
    # Stable sort over newest-first positions: ties go to the newer turn.
    newest_first_positions = np.arange(count - 1, -1, -1)
    order = newest_first_positions[np.argsort(-fused[::-1], kind="stable")]
    return order.tolist()


def choose_positions(
    total: int, *, recent: int, limit: int, ranked_older: Sequence[int]
) -> list[int]:
    """The positions to show, ascending: the newest `recent` turns, then the best older ones.

    At most `limit` in all; when `limit < recent` only the newest `limit` are kept.
    `ranked_older` lists positions before the recent ones, best first.
    """
    keep_recent = max(0, min(recent, limit, total))
    chosen = list(range(total - keep_recent, total))
    room = max(0, min(limit, total) - keep_recent)
    chosen.extend(ranked_older[:room])
    return sorted(chosen)


class Form(enum.Enum):
    """How a selected turn appears in the prompt."""

    FULL = "full"
    TRUNCATED = "truncated"
    SUMMARY = "summary"


@dataclass(frozen=True, kw_only=True)
class TurnCost:
    """Prompt tokens a turn costs in full and as its one-line summary."""

    full: int
    summary: int
    is_recent: bool


@dataclass(frozen=True, kw_only=True)
class Placement:
    """A turn's form and the tokens it may use (for TRUNCATED: the cap to cut to)."""

    form: Form
    tokens: int


def pack_budget(costs_newest_first: Sequence[TurnCost], *, budget: int) -> list[Placement | None]:
    """Fit turns into `budget` tokens, newest first: newer turns in full, older by summary.

    Turns take their full form while it fits. From the first one that does not, the
    context is tight: a recent turn is cut to what remains after keeping room for every
    later turn's summary (or, when that leaves too little, to half of what remains after
    the later recent turns' summaries), and older turns get their summary when it fits,
    else nothing (None). The placements' tokens never add up to more than `budget`.
    """
    placements: list[Placement | None] = []
    remaining = max(0, budget)
    is_tight = False
    for index, cost in enumerate(costs_newest_first):
        if not is_tight and cost.full <= remaining:
            placements.append(Placement(form=Form.FULL, tokens=cost.full))
            remaining -= cost.full
            continue
        is_tight = True
        if cost.is_recent:
            later = costs_newest_first[index + 1 :]
            room_for_all = remaining - sum(c.summary for c in later)
            room_for_recent = remaining - sum(c.summary for c in later if c.is_recent)
            # Recent turns come first: when not every later summary can fit anyway, this
            # turn still gets half of what the later recent turns leave.
            allowance = min(cost.full, max(room_for_all, room_for_recent // 2))
            if allowance > cost.summary:
                placements.append(Placement(form=Form.TRUNCATED, tokens=allowance))
                remaining -= allowance
                continue
        if cost.summary <= remaining:
            placements.append(Placement(form=Form.SUMMARY, tokens=cost.summary))
            remaining -= cost.summary
        else:
            placements.append(None)
    return placements
