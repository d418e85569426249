"""`ResilientStore`: a session store that keeps answering while its backend (Redis) is away.

While the backend is unreachable, turns are kept in memory per session and written back
in order once it answers again (a reconnect loop with backoff probes it); a session with
turns still waiting sends its new turns behind them, so no session ever ends up with
turns in a different order than they were answered. Reads refuse while the backend is
away (`StoreUnavailableError`: the agent then answers without history and says so) and
add the waiting turns once it is back. Duplicate-delivery claims fall back to this
process's memory. Nothing kept in memory survives the process dying during an outage.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from dexter_core.dispatch.backoff import MAX_DELAY, Backoff
from dexter_core.errors import InvalidInputError, StoreUnavailableError
from dexter_core.sessions.models import SessionMetadata, Turn
from dexter_core.sessions.store import SessionStore

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(kw_only=True)
class _Waiting:
    turn: Turn
    if_generation: int | None


class ResilientStore(SessionStore):
    """Wraps `inner` (a store whose backend may go away); see the module docstring."""

    def __init__(self, inner: SessionStore, *, max_retry_delay: float = MAX_DELAY) -> None:
        self.name = inner.name
        self._inner = inner
        self._max_retry_delay = max_retry_delay
        self._waiting: dict[str, deque[_Waiting]] = {}
        self._local_claims: dict[str, float] = {}
        self._is_down = False
        self._recovery: asyncio.Task[None] | None = None

    @property
    def is_degraded(self) -> bool:
        """True while the backend is unreachable or turns still wait to be written to it."""
        return self._is_down or bool(self._waiting)

    @property
    def waiting_turns(self) -> int:
        """How many answered turns are held in memory, not yet in the backend."""
        return sum(len(queue) for queue in self._waiting.values())

    async def ping(self) -> None:
        """Raise `StoreUnavailableError` while the backend is away."""
        if self._is_down:
            raise StoreUnavailableError(
                f"session store unreachable; {self.waiting_turns} turns kept in memory"
            )
        await self._call(self._inner.ping())

    async def close(self) -> None:
        """Try once more to write waiting turns, then close the backend."""
        await self.flush()
        await self._inner.close()

    async def flush(self) -> int:
        """Stop retrying in the background and try once to write every waiting turn (and
        duplicate-delivery claim).

        Returns how many turns are still only in memory (logged as lost if not zero).
        """
        if self._recovery is not None:
            self._recovery.cancel()
        if self._waiting:
            with contextlib.suppress(StoreUnavailableError):
                await self._inner.ping()
                self._is_down = False
                await self._write_back()
        if self._waiting:
            logger.error("%d answered turns could not be written to the store", self.waiting_turns)
        return self.waiting_turns

    async def _append_turn(self, session_id: str, turn: Turn, if_generation: int | None) -> bool:
        if self._is_down or session_id in self._waiting:
            self._keep(session_id, turn, if_generation)
            return True
        try:
            return await self._inner.append_turn(session_id, turn, if_generation=if_generation)
        except StoreUnavailableError as error:
            self._went_down(error)
            self._keep(session_id, turn, if_generation)
            return True

    async def _get_turns(self, session_id: str, limit: int | None) -> list[Turn]:
        stored = await self._call(self._inner.get_turns(session_id, limit))
        waiting = self._waiting.get(session_id)
        if not waiting:
            return stored
        stored_ids = {turn.turn_id for turn in stored}
        turns = stored + [w.turn for w in waiting if w.turn.turn_id not in stored_ids]
        return turns[-limit:] if limit else turns

    async def _get_metadata(self, session_id: str) -> SessionMetadata | None:
        return await self._call(self._inner.get_metadata(session_id))

    async def _clear(self, session_id: str) -> None:
        await self._call(self._inner.clear(session_id))
        # A clear wins over turns not written yet, as over writes in flight.
        self._waiting.pop(session_id, None)

    async def _update_turn(
        self, session_id: str, turn_id: str, summary: str | None, embedding: bytes | None
    ) -> bool:
        for waiting in self._waiting.get(session_id, ()):
            if waiting.turn.turn_id == turn_id:
                if summary is not None:
                    waiting.turn.summary = summary
                if embedding is not None:
                    waiting.turn.embedding = embedding
                return True
        return await self._call(
            self._inner.update_turn(session_id, turn_id, summary=summary, embedding=embedding)
        )

    async def _fold_turns(
        self, session_id: str, count: int, summary: str, expected_folded: int
    ) -> bool:
        return await self._call(
            self._inner.fold_turns(
                session_id, count=count, summary=summary, expected_folded=expected_folded
            )
        )

    async def _list_sessions(
        self, platform: str, channel: str, user_id: str | None, limit: int
    ) -> list[SessionMetadata]:
        return await self._call(
            self._inner.list_sessions(
                platform=platform, channel=channel, user_id=user_id, limit=limit
            )
        )

    async def _claim_event(self, key: str, ttl: int) -> bool:
        now = time.monotonic()
        if self._local_claims.get(key, 0.0) > now:
            return False  # claimed here while the backend was away
        if not self._is_down:
            try:
                return await self._inner.claim_event(key, ttl=ttl)
            except StoreUnavailableError as error:
                self._went_down(error)
        # Only this process can be asked while the backend is away; the claim is written
        # back with the turns, so a later retry of the same delivery is still caught.
        self._local_claims[key] = now + ttl
        return True

    # -- outage handling -----------------------------------------------------------------

    async def _call(self, call: Coroutine[Any, Any, T]) -> T:
        """Await `call` on the backend, refusing at once while it is known to be away."""
        if self._is_down:
            call.close()
            raise StoreUnavailableError("session store unreachable; retrying in the background")
        try:
            return await call
        except StoreUnavailableError as error:
            self._went_down(error)
            raise

    def _keep(self, session_id: str, turn: Turn, if_generation: int | None) -> None:
        self._waiting.setdefault(session_id, deque()).append(
            _Waiting(turn=turn, if_generation=if_generation)
        )
        logger.warning(
            "session store unreachable; turn kept in memory to write back later",
            extra={"session_id": session_id},
        )

    def _went_down(self, error: Exception) -> None:
        if not self._is_down:
            logger.error("session store unreachable, keeping new turns in memory: %s", error)
        self._is_down = True
        if self._recovery is None or self._recovery.done():
            self._recovery = asyncio.create_task(self._recover(), name="dexter-store-recovery")

    async def _recover(self) -> None:
        """Probe the backend with growing pauses; once it answers, write back what waits."""
        backoff = Backoff(limit=self._max_retry_delay)
        while self._is_down or self._waiting:
            await backoff.wait()
            try:
                await self._inner.ping()
            except StoreUnavailableError:
                continue
            if self._is_down:
                logger.warning("session store reachable again; writing back kept turns")
            self._is_down = False
            if await self._write_back():
                backoff.reset()

    async def _write_back(self) -> bool:
        """Write every waiting turn, each session's in order, and the claims made here
        meanwhile. False if the backend failed."""
        try:
            for session_id in list(self._waiting):
                await self._write_back_session(session_id)
            for key, expires_at in list(self._local_claims.items()):
                if (ttl := int(expires_at - time.monotonic())) > 0:
                    await self._inner.claim_event(key, ttl=ttl)
                del self._local_claims[key]
        except StoreUnavailableError as error:
            self._is_down = True
            logger.warning("write-back interrupted, will retry: %s", error)
            return False
        return True

    async def _write_back_session(self, session_id: str) -> None:
        queue = self._waiting.get(session_id)
        if queue is None:
            return  # cleared meanwhile
        # A write that timed out may have landed after all: never store a turn twice.
        recent = await self._inner.get_turns(session_id, len(queue) + 10)
        already = {turn.turn_id for turn in recent}
        while queue:
            waiting = queue[0]
            if waiting.turn.turn_id not in already:
                try:
                    await self._inner.append_turn(
                        session_id, waiting.turn, if_generation=waiting.if_generation
                    )
                except InvalidInputError as error:
                    logger.error("a kept turn was refused by the store, dropped: %s", error)
            queue.popleft()
        # Turns kept while this ran joined the same queue and were written above; a
        # clear meanwhile may have replaced the queue, which is then left alone.
        if self._waiting.get(session_id) is queue:
            del self._waiting[session_id]
