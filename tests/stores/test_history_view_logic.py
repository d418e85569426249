"""What history listings show of a turn, and how they are paged, on every platform."""

from __future__ import annotations

import pytest

from dexter_core.sessions.history_view_logic import (
    QUESTION_CHARS,
    SUMMARY_CHARS,
    count_of,
    pack_newest_first,
    question_preview,
    shorten,
    summary_preview,
)
from dexter_core.sessions.models import Turn


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("exactly10!", 10, "exactly10!"),
        ("eleven char", 10, "eleven ch…"),
        ("cut at a space here", 8, "cut at…"),  # no space left before the ellipsis
    ],
)
def test_shorten(text: str, limit: int, expected: str) -> None:
    assert shorten(text, limit) == expected
    assert len(shorten(text, limit)) <= limit


@pytest.mark.parametrize(("n", "expected"), [(0, "0 turns"), (1, "1 turn"), (2, "2 turns")])
def test_count_of(n: int, expected: str) -> None:
    assert count_of(n, "turn") == expected


def test_previews_are_one_line_and_bounded() -> None:
    turn = Turn(query="What about\n\nAAPL   " + "q" * 400, answer="A " * 400, summary="")
    assert question_preview(turn).startswith("What about AAPL q")
    assert len(question_preview(turn)) == QUESTION_CHARS
    # Without a summary the answer stands in for it.
    assert summary_preview(turn).startswith("A A A")
    assert len(summary_preview(turn)) <= SUMMARY_CHARS
    summarised = Turn(query="q", answer="long answer", summary="AAPL\nrevenue up")
    assert summary_preview(summarised) == "AAPL revenue up"


@pytest.mark.parametrize(
    ("entries", "room", "pages"),
    [
        ([], 10, [[]]),
        (["a", "b", "c"], 100, [["a", "b", "c"]]),
        # Each entry costs its length plus 2; the newest fill the first page.
        (["aaa", "bbb", "ccc"], 10, [["bbb", "ccc"], ["aaa"]]),
        (["aaa", "bbb", "ccc"], 5, [["ccc"], ["bbb"], ["aaa"]]),
        (["x" * 20, "y"], 10, [["y"], ["x" * 20]]),  # an oversized entry has its own page
    ],
)
def test_pack_newest_first(entries: list[str], room: int, pages: list[list[str]]) -> None:
    assert pack_newest_first(entries, room=room) == pages
