"""`PostLedger`s: per-request memory of what a sink already posted.

The in-memory one serves a single process, where a turn never runs twice; the Redis one
survives the process, so a turn re-run after a crash posts nothing twice.
"""

from __future__ import annotations


class MemoryPostLedger:
    """A `PostLedger` held in this process."""

    def __init__(self) -> None:
        self._entries: dict[str, str] = {}

    async def get(self, key: str) -> str | None:
        return self._entries.get(key)

    async def set(self, key: str, value: str) -> None:
        self._entries[key] = value
