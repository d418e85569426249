"""What a history listing shows of each turn, and how listings are paged, on any platform.

Each platform renders the pieces its own way (mentions, time tags, markup, escaping);
what is shown and how it is cut and paged is the same everywhere.
"""

from __future__ import annotations

from dexter_core.sessions.models import Turn

QUESTION_CHARS = 300
SUMMARY_CHARS = 300


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending with "…" when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def question_preview(turn: Turn) -> str:
    """The turn's question on one line, shortened to `QUESTION_CHARS`."""
    return shorten(" ".join(turn.query.split()), QUESTION_CHARS)


def summary_preview(turn: Turn) -> str:
    """The turn's summary (its answer when it has none) on one line, shortened to
    `SUMMARY_CHARS`."""
    return shorten(" ".join((turn.summary or turn.answer).split()), SUMMARY_CHARS)


def count_of(n: int, noun: str) -> str:
    """ "1 turn", "2 turns"."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def pack_newest_first(entries: list[str], *, room: int) -> list[list[str]]:
    """Entries (oldest first) packed into pages of at most `room` characters, counting
    two for each separator: the first page holds the newest, each page in time order.

    An entry longer than `room` gets a page of its own.
    """
    pages: list[list[str]] = []
    current: list[str] = []
    size = 0
    for entry in reversed(entries):
        if current and size + len(entry) + 2 > room:
            pages.append(current[::-1])
            current, size = [], 0
        current.append(entry)
        size += len(entry) + 2
    pages.append(current[::-1])
    return pages
