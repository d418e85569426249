"""Summaries without an LLM, and when folding is due: pure text and number rules."""

from __future__ import annotations

from collections.abc import Sequence

_SEPARATOR = " | "


def fallback_summary(query: str, answer: str) -> str:
    """A turn's summary without an LLM: the first 60 characters of the question and the
    first 80 of the answer, whitespace collapsed."""
    return f"Q: {' '.join(query[:60].split())} → A: {' '.join(answer[:80].split())}"


def merge_rolling_summary(previous: str, summaries: Sequence[str], *, limit: int) -> str:
    """`previous` followed by `summaries`, joined with " | ", at most `limit` characters.

    When too long, the oldest text goes first (the result then starts with "…"), cut on an
    entry boundary when one is near.
    """
    parts = [part.strip() for part in (previous, *summaries) if part and part.strip()]
    merged = _SEPARATOR.join(parts)
    if len(merged) <= limit:
        return merged
    start = len(merged) - limit + 1
    # A separator overlapping the cut counts: the kept text may begin right after it.
    boundary = merged.find(_SEPARATOR, max(0, start - len(_SEPARATOR)))
    if boundary != -1 and boundary + len(_SEPARATOR) - start <= (len(merged) - start) // 2:
        start = boundary + len(_SEPARATOR)
    return "…" + merged[start:]


def turns_to_fold(verbatim_turns: int, *, max_turns: int) -> int:
    """How many of the oldest verbatim turns to fold so that `max_turns` remain (>= 0).

    `max_turns <= 0` means "never fold".
    """
    if max_turns <= 0:
        return 0
    return max(0, verbatim_turns - max_turns)
