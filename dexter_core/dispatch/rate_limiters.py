"""Per-user message counters behind `DEXTER_USER_RATE_LIMIT`, local or shared through Redis.

Both count with `rate_limit_logic`'s two fixed windows; `hit` counts one message and says
whether it is over the limit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from dexter_core.dispatch import rate_limit_logic

logger = logging.getLogger(__name__)


class LocalRateLimiter:
    """Counters held in this process. Users idle for two windows are forgotten."""

    def __init__(self, *, limit: int, clock: Callable[[], float] = time.time) -> None:
        self._limit = limit
        self._clock = clock
        self._counts: dict[tuple[str, int], int] = {}
        self._window = 0

    async def hit(self, user_key: str) -> bool:
        """Count one message of `user_key`; True when it is over the limit."""
        if self._limit <= 0:
            return False
        now = self._clock()
        window = rate_limit_logic.window_index(now)
        if window != self._window:
            # Only this window and the one before it matter; drop the rest once a window.
            self._counts = {k: v for k, v in self._counts.items() if k[1] >= window - 1}
            self._window = window
        current = self._counts.get((user_key, window), 0) + 1
        self._counts[(user_key, window)] = current
        return rate_limit_logic.is_over_limit(
            previous=self._counts.get((user_key, window - 1), 0),
            current=current,
            now=now,
            limit=self._limit,
        )


class RedisRateLimiter:
    """Counters in Redis, shared by every process. When Redis fails, messages pass:
    an unreachable counter must not silence the bot."""

    def __init__(
        self,
        client: Redis,
        *,
        prefix: str,
        limit: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._limit = limit
        self._clock = clock

    async def hit(self, user_key: str) -> bool:
        """Count one message of `user_key`; True when it is over the limit."""
        if self._limit <= 0:
            return False
        now = self._clock()
        window = rate_limit_logic.window_index(now)
        current_key = f"{self._prefix}:{user_key}:{window}"
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.incr(current_key)
                pipe.expire(current_key, int(2 * rate_limit_logic.WINDOW_SECONDS))
                pipe.get(f"{self._prefix}:{user_key}:{window - 1}")
                current, _, previous = await pipe.execute()
        except RedisError as error:
            logger.warning("rate limit counter unavailable, letting the message through: %s", error)
            return False
        return rate_limit_logic.is_over_limit(
            previous=int(previous or 0), current=int(current), now=now, limit=self._limit
        )
