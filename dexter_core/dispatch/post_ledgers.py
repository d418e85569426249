"""`PostLedger`s: per-request memory of what a sink already posted.

The in-memory one serves a single process, where a turn never runs twice; the Redis one
survives the process, so a turn re-run after a crash posts nothing twice.
"""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Long enough for any re-run after a crash; short enough not to pile up.
LEDGER_TTL = 24 * 3600


class MemoryPostLedger:
    """A `PostLedger` held in this process."""

    def __init__(self) -> None:
        self._entries: dict[str, str] = {}

    async def get(self, key: str) -> str | None:
        return self._entries.get(key)

    async def set(self, key: str, value: str) -> None:
        self._entries[key] = value


class RedisPostLedger:
    """A `PostLedger` in a Redis hash shared by every process, kept for `ttl` seconds.

    Entries are also kept locally, so while Redis is unreachable the turn running here
    still remembers what it posted (a re-run elsewhere would not see those entries).
    """

    def __init__(self, client: Redis, key: str, *, ttl: int = LEDGER_TTL) -> None:
        self._client = client
        self._key = key
        self._ttl = ttl
        self._local: dict[str, str] = {}

    async def get(self, key: str) -> str | None:
        if key in self._local:
            return self._local[key]
        try:
            value = await self._client.hget(self._key, key)
        except RedisError as error:
            logger.warning("post ledger unreadable, assuming nothing posted: %s", error)
            return None
        return value.decode() if isinstance(value, bytes) else value

    async def set(self, key: str, value: str) -> None:
        self._local[key] = value
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                await pipe.hset(self._key, key, value).expire(self._key, self._ttl).execute()
        except RedisError as error:
            logger.warning("post ledger not saved; a re-run could post again: %s", error)
