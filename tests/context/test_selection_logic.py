from __future__ import annotations

import numpy as np
import pytest

from dexter_core.context.selection_logic import (
    Form,
    FusionWeights,
    Placement,
    TurnCost,
    choose_positions,
    pack_budget,
    rank_candidates,
)


@pytest.mark.parametrize(
    ("total", "recent", "limit", "ranked_older", "expected"),
    [
        # The newest `recent` always, then the best older ones up to the limit.
        (10, 3, 5, [2, 0, 5, 6], [0, 2, 7, 8, 9]),
        # Fewer turns than the limit: everything.
        (4, 3, 10, [0], [0, 1, 2, 3]),
        # A limit below `recent` keeps only the newest `limit`.
        (10, 3, 2, [0, 1], [8, 9]),
        # No recent guarantee: only relevance.
        (10, 0, 3, [4, 1, 9], [1, 4, 9]),
        (0, 3, 10, [], []),
        # The limit is the cap even when many are ranked.
        (50, 3, 10, list(range(46, -1, -1)), [40, 41, 42, 43, 44, 45, 46, 47, 48, 49]),
    ],
)
def test_choose_positions(
    total: int, recent: int, limit: int, ranked_older: list[int], expected: list[int]
) -> None:
    assert (
        choose_positions(total, recent=recent, limit=limit, ranked_older=ranked_older) == expected
    )


def test_without_signals_the_order_is_newest_first() -> None:
    assert rank_candidates(5) == [4, 3, 2, 1, 0]
    assert rank_candidates(0) == []


def test_semantic_signal_outranks_the_recency_prior() -> None:
    semantic = np.array([0.9, 0.1, 0.2, 0.3])
    assert rank_candidates(4, semantic=semantic)[0] == 0


def test_turns_without_a_vector_get_no_semantic_credit() -> None:
    semantic = np.array([0.0, 0.9, 0.0, 0.1])
    valid = np.array([True, False, True, True])
    order = rank_candidates(4, semantic=semantic, semantic_valid=valid)
    assert order[0] == 3
    assert order.index(1) > order.index(0)


def test_agreeing_signals_beat_a_single_strong_one() -> None:
    semantic = np.array([0.80, 0.79, 0.10, 0.05])
    lexical = np.array([0.0, 3.0, 0.0, 0.0])
    assert rank_candidates(4, semantic=semantic, lexical=lexical)[0] == 1


def test_lexical_zero_scores_get_no_credit() -> None:
    lexical = np.array([0.0, 0.0, 0.0, 0.0])
    assert rank_candidates(4, lexical=lexical) == [3, 2, 1, 0]


def test_weights_change_the_outcome() -> None:
    semantic = np.array([0.9, 0.1, 0.2, 0.3])
    recency_only = FusionWeights(semantic=0.0, lexical=0.0, recency=1.0)
    assert rank_candidates(4, semantic=semantic, weights=recency_only) == [3, 2, 1, 0]


def _cost(full: int, summary: int, *, recent: bool = False) -> TurnCost:
    return TurnCost(full=full, summary=summary, is_recent=recent)


FULL, TRUNC, SUMM = Form.FULL, Form.TRUNCATED, Form.SUMMARY


@pytest.mark.parametrize(
    ("costs", "budget", "expected"),
    [
        # Everything fits: all in full.
        (
            [_cost(100, 10, recent=True), _cost(100, 10), _cost(100, 10)],
            1000,
            [(FULL, 100), (FULL, 100), (FULL, 100)],
        ),
        # Tight: newer in full, and from the first misfit on, older ones by summary.
        (
            [_cost(100, 10, recent=True), _cost(300, 10), _cost(50, 10), _cost(50, 10)],
            200,
            [(FULL, 100), (SUMM, 10), (SUMM, 10), (SUMM, 10)],
        ),
        # A recent turn too big for the budget is cut, keeping room for the later summaries.
        (
            [_cost(100, 10, recent=True), _cost(5000, 10, recent=True), _cost(80, 10)],
            500,
            [(FULL, 100), (TRUNC, 390), (SUMM, 10)],
        ),
        # Too tight for every summary: the recent turns still get half of what is left.
        (
            [
                _cost(300, 30, recent=True),
                _cost(300, 30, recent=True),
                _cost(300, 30),
                _cost(300, 30),
            ],
            200,
            [(TRUNC, 110), (TRUNC, 45), (SUMM, 30), None],
        ),
        # No room even for a summary: dropped.
        (
            [_cost(90, 10, recent=True), _cost(100, 20), _cost(100, 5)],
            100,
            [(FULL, 90), None, (SUMM, 5)],
        ),
        ([], 100, []),
        # A zero budget shows nothing.
        ([_cost(10, 5, recent=True)], 0, [None]),
    ],
)
def test_pack_budget(
    costs: list[TurnCost], budget: int, expected: list[tuple[Form, int] | None]
) -> None:
    placements = pack_budget(costs, budget=budget)
    assert placements == [
        None if item is None else Placement(form=item[0], tokens=item[1]) for item in expected
    ]
    assert sum(p.tokens for p in placements if p is not None) <= budget
