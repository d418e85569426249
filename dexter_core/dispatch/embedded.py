"""`EmbeddedDispatcher`: the turn pipeline inside one process.

Each session has a FIFO queue served by its own worker task, so a session's turns run one
at a time in arrival order; a semaphore bounds how many turns run at once across sessions
(`DEXTER_MAX_CONCURRENCY`). A worker exits when its queue is empty, so memory follows the
number of busy sessions, not of sessions ever seen.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dexter_core import metrics
from dexter_core.dispatch import admission_logic, failure_logic
from dexter_core.dispatch.admission import check_admission, record_refusal
from dexter_core.dispatch.post_ledgers import MemoryPostLedger
from dexter_core.dispatch.rate_limiters import LocalRateLimiter
from dexter_core.dispatch.requests import (
    SinkFactory,
    SubmitResult,
    TurnRequest,
    TurnSink,
)
from dexter_core.dispatch.turn_runner import GuardedSink, TurnRunner

if TYPE_CHECKING:
    from dexter_core.agent.orchestrator import Orchestrator
    from dexter_core.sessions.store import SessionStore
    from dexter_core.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(kw_only=True)
class _Pending:
    request: TurnRequest
    # Opening the sink (placeholder, "queued") runs while the request waits its turn.
    sink: asyncio.Task[GuardedSink]


class EmbeddedDispatcher:
    """A `Dispatcher` for one process: per-session FIFO queues, bounded concurrency."""

    def __init__(
        self, *, orchestrator: Orchestrator, store: SessionStore, settings: Settings
    ) -> None:
        self._orchestrator = orchestrator
        self._store = store
        self._settings = settings
        self._runner = TurnRunner(orchestrator=orchestrator, store=store, settings=settings)
        self._rate_limiter = LocalRateLimiter(limit=settings.dexter_user_rate_limit)
        self._slots = asyncio.Semaphore(max(1, settings.dexter_max_concurrency))
        # A session's deque holds its unfinished requests; the head is running or next.
        self._queues: dict[str, deque[_Pending]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._is_accepting = True

    def register_sink_factory(self, platform: str, factory: SinkFactory) -> None:
        self._runner.register_sink_factory(platform, factory)

    async def start(self) -> None:
        """Take requests (again). Workers are started on demand by `submit`."""
        self._is_accepting = True

    async def submit(self, request: TurnRequest, *, sink: TurnSink | None = None) -> SubmitResult:
        """Queue `request` behind its session's earlier ones and return at once.

        Refusals carry a message for the user; nothing is sent to any sink for them.
        Raises `InvalidInputError` when there is no sink and no factory for the platform.
        """
        self._runner.check_deliverable(request, has_sink=sink is not None)
        refusal = await check_admission(
            request,
            is_accepting=self._is_accepting,
            store=self._store,
            rate_limiter=self._rate_limiter,
            rate_limit=self._settings.dexter_user_rate_limit,
        )
        return refusal or self.enqueue(request, sink=sink)

    def enqueue(self, request: TurnRequest, *, sink: TurnSink | None = None) -> SubmitResult:
        """Queue an already-admitted request, unless its session is full (no other checks)."""
        if admission_logic.is_session_full(
            unfinished=self.unfinished(request.session_id),
            limit=self._settings.dexter_session_queue_limit,
        ):
            return record_refusal(request, admission_logic.SESSION_BUSY)
        opening = asyncio.create_task(
            self._runner.open_sink(request, ledger=MemoryPostLedger(), sink=sink)
        )
        pending = _Pending(request=request, sink=opening)
        if request.session_id in self._queues:
            self._queues[request.session_id].append(pending)
        else:
            # The worker starts once this call returns, so the queue is filled first.
            self._queues[request.session_id] = deque([pending])
            self._workers[request.session_id] = asyncio.create_task(
                self._serve(request.session_id), name=f"dexter-session:{request.session_id}"
            )
            metrics.ACTIVE_SESSIONS.inc()
        return admission_logic.ACCEPTED

    def unfinished(self, session_id: str) -> int:
        """How many of the session's turns are queued or running here."""
        return len(self._queues.get(session_id, ()))

    async def wait_idle(self) -> None:
        """Return once every queued turn has finished and the agent's background work
        (summaries, embeddings) is done."""
        while self._workers:
            await asyncio.gather(*self._workers.values(), return_exceptions=True)
        await self._orchestrator.wait_background()

    async def stop(self, *, grace: float) -> None:
        """Take no new requests; let queued and running turns finish within `grace`
        seconds. Turns still unfinished then are cancelled and their users told to ask
        again."""
        self._is_accepting = False
        deadline = time.monotonic() + grace
        workers = list(self._workers.values())
        if workers:
            _, late = await asyncio.wait(workers, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
            if late:
                logger.warning("stopped %d sessions with unfinished turns", len(late))
        try:
            async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                await self._orchestrator.wait_background()
        except TimeoutError:
            logger.warning("background work (summaries, embeddings) cut short by shutdown")

    async def _serve(self, session_id: str) -> None:
        queue = self._queues[session_id]
        try:
            while queue:
                pending = queue[0]
                sink = await pending.sink
                async with self._slots:
                    await self._runner.run(pending.request, sink)
                queue.popleft()
        except asyncio.CancelledError:
            await self._abandon(queue)
            raise
        finally:
            del self._queues[session_id]
            del self._workers[session_id]
            metrics.ACTIVE_SESSIONS.dec()

    async def _abandon(self, queue: deque[_Pending]) -> None:
        """Tell the users of turns cut off by shutdown to ask again."""
        for pending in queue:
            if not pending.sink.done():
                pending.sink.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                sink = await pending.sink
                await sink.send(failure_logic.SHUTDOWN)
