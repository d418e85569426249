"""Per-user rate limiting: a sliding minute estimated from two fixed-window counters.

Counting in fixed windows lets every process share one counter per user and window (an
INCR in Redis, a dict entry in one process). Weighting the previous window by how much of
it still overlaps the sliding window keeps a burst straddling a window edge from getting
through twice the limit.
"""

from __future__ import annotations

WINDOW_SECONDS = 60.0


def window_index(now: float, *, window: float = WINDOW_SECONDS) -> int:
    """The fixed window `now` falls in (windows are numbered from the epoch)."""
    return int(now // window)


def estimated_count(
    *, previous: int, current: int, now: float, window: float = WINDOW_SECONDS
) -> float:
    """Messages in the sliding window ending at `now`, from the two fixed-window counts."""
    elapsed_fraction = (now % window) / window
    return previous * (1.0 - elapsed_fraction) + current


def is_over_limit(
    *, previous: int, current: int, now: float, limit: int, window: float = WINDOW_SECONDS
) -> bool:
    """Whether the message just counted in `current` exceeds `limit` per window.

    A `limit` of zero or less means no limit.
    """
    if limit <= 0:
        return False
    return estimated_count(previous=previous, current=current, now=now, window=window) > limit
