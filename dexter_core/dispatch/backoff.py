"""`Backoff`: growing pauses between retries of a dependency that is away."""

from __future__ import annotations

import asyncio

FIRST_DELAY = 0.05
MAX_DELAY = 2.0


class Backoff:
    """Waits `first` seconds, then twice as long each time, up to `limit`; `reset` after
    a success starts again from `first`."""

    def __init__(self, *, first: float = FIRST_DELAY, limit: float = MAX_DELAY) -> None:
        self._first = first
        self._limit = limit
        self._delay = first

    async def wait(self) -> None:
        await asyncio.sleep(self._delay)
        self._delay = min(self._delay * 2, self._limit)

    def reset(self) -> None:
        self._delay = self._first
