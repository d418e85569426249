"""How long each kind of data stays fresh, and the bounded in-memory cache that uses it.

Prices move by the minute, statements change once a quarter: each tool names its kind and
its answers are reused for that kind's lifetime. The clock is passed in, so expiry is
decided without sleeping.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from enum import Enum
from typing import Any, Generic, TypeVar

V = TypeVar("V")


class CacheKind(Enum):
    """Kinds of data, valued by how many seconds an answer stays fresh."""

    PRICE_SNAPSHOT = 60
    SNAPSHOT = 300
    PRICES = 300
    NEWS = 600
    FILINGS = 3600
    STATEMENTS = 86400

    @property
    def ttl(self) -> float:
        return float(self.value)


def cache_key(tool: str, arguments: dict[str, Any]) -> str:
    """One key per tool and argument set, whatever the order the model wrote them in."""
    return tool + ":" + json.dumps(arguments, sort_keys=True, separators=(",", ":"))


class TTLCache(Generic[V]):
    """Tool results by key, each expiring after its kind's TTL; the oldest go past `max_entries`."""

    def __init__(self, *, max_entries: int = 512) -> None:
        self._entries: OrderedDict[str, tuple[float, V]] = OrderedDict()
        self._max_entries = max_entries

    def get(self, key: str, *, now: float) -> V | None:
        """The cached value, or None when absent or expired (expired entries are dropped)."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_at, value = entry
        if now >= expires_at:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def put(self, key: str, value: V, *, kind: CacheKind, now: float) -> None:
        self._entries[key] = (now + kind.ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
