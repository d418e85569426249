"""Runs one turn request: builds its sink, runs the agent, forwards every event.

Shared by every dispatcher. Whatever goes wrong inside a turn ends as one `TurnFailed`
event the user can read, with the details in the log; a sink that fails or hangs never
breaks the dispatcher, and a hung LLM never holds a session's queue past the turn
deadline (`DEXTER_TURN_TIMEOUT`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from dexter_core import metrics
from dexter_core.agent.events import Event, FinalAnswer, Status, TurnEnded, TurnFailed
from dexter_core.agent.stage_times import StageTimes
from dexter_core.dispatch import failure_logic
from dexter_core.dispatch.requests import PostLedger, SinkFactory, TurnRequest, TurnSink
from dexter_core.errors import InvalidInputError

if TYPE_CHECKING:
    from dexter_core.agent.orchestrator import Orchestrator
    from dexter_core.sessions.store import SessionStore
    from dexter_core.settings import Settings

logger = logging.getLogger(__name__)

# A platform call that takes longer than this is abandoned for that one event.
SINK_SEND_TIMEOUT = 15.0


class GuardedSink:
    """A sink that never raises and never blocks a turn for longer than `send_timeout`."""

    def __init__(
        self,
        sink: TurnSink | None,
        *,
        request: TurnRequest,
        send_timeout: float = SINK_SEND_TIMEOUT,
    ) -> None:
        self._sink = sink
        self._request = request
        self._send_timeout = send_timeout

    async def send(self, event: Event) -> None:
        if self._sink is None:
            return
        try:
            async with asyncio.timeout(self._send_timeout):
                await self._sink.send(event)
        except Exception:
            logger.exception(
                "sink failed to show a %s event",
                event.kind,
                extra={
                    "session_id": self._request.session_id,
                    "request_id": self._request.request_id,
                },
            )


def turn_deadline(turn_timeout: float) -> float:
    """Seconds a turn may take in all. The agent stops itself at `turn_timeout` and says
    so in its own words; the margin lets it, and catches whatever hangs outside it."""
    return turn_timeout + min(5.0, turn_timeout / 2)


def turn_log_fields(
    request: TurnRequest,
    terminal: Event,
    *,
    duration_ms: float,
    stage_seconds: dict[str, float],
) -> dict[str, object]:
    """The structured fields of a turn's log line: who, how long, tokens, and each stage
    in ms (the agent's stages come with its answer). Never the query or the answer."""
    usage: dict[str, int] = {}
    stages = dict(stage_seconds)
    if isinstance(terminal, FinalAnswer):
        usage = terminal.usage
        stages.update(terminal.stage_seconds)
    return {
        "session_id": request.session_id,
        "platform": request.platform,
        "request_id": request.request_id,
        "duration_ms": round(duration_ms, 1),
        "prompt_tokens": usage.get("prompt_tokens", 0),
        "completion_tokens": usage.get("completion_tokens", 0),
        **{f"{stage}_ms": round(seconds * 1000, 1) for stage, seconds in stages.items()},
    }


def is_terminal(event: Event) -> bool:
    """Whether `event` ends a turn for the user (an answer or a failure)."""
    return isinstance(event, FinalAnswer | TurnFailed)


class TurnRunner:
    """Builds sinks from the registered factories and runs turns through the orchestrator."""

    def __init__(
        self, *, orchestrator: Orchestrator, store: SessionStore, settings: Settings
    ) -> None:
        self._orchestrator = orchestrator
        self._store = store
        self._settings = settings
        self._factories: dict[str, SinkFactory] = {}

    def register_sink_factory(self, platform: str, factory: SinkFactory) -> None:
        self._factories[platform] = factory

    @property
    def platforms(self) -> frozenset[str]:
        """The platforms this runner has a sink factory for."""
        return frozenset(self._factories)

    def check_deliverable(self, request: TurnRequest, *, has_sink: bool) -> None:
        """Raise `InvalidInputError` when the answer to `request` could reach nobody."""
        if not has_sink and request.platform not in self._factories:
            raise InvalidInputError(
                f"no sink given and no sink factory registered for platform {request.platform!r}"
            )

    async def open_sink(
        self, request: TurnRequest, *, ledger: PostLedger, sink: TurnSink | None = None
    ) -> GuardedSink:
        """The guarded sink for `request` (`sink` itself, else one from the platform's
        factory), already told the turn is queued.

        A factory that fails yields a sink that drops events: the turn still runs and is
        stored, and the failure is logged.
        """
        if sink is None:
            try:
                sink = await self._factories[request.platform](request, ledger)
            except Exception:
                logger.exception(
                    "could not build a sink; the answer will not be shown",
                    extra={"session_id": request.session_id, "request_id": request.request_id},
                )
        guarded = GuardedSink(sink, request=request)
        await guarded.send(Status(phase="queued"))
        return guarded

    async def run(self, request: TurnRequest, sink: GuardedSink) -> Event:
        """Answer `request`, forwarding every event to `sink`; return the terminal event.

        The orchestrator's stream is drained to its end (it stores the turn after the
        answer), within `turn_deadline`; then the sink gets `TurnEnded`. Cancellation
        propagates to the caller.
        """
        started = time.monotonic()
        queue_wait = max(0.0, time.time() - request.received_at)
        metrics.TURN_STAGE_SECONDS.labels(stage="queue_wait").observe(queue_wait)
        terminal: Event | None = None
        times = StageTimes()
        try:
            async with asyncio.timeout(turn_deadline(self._settings.dexter_turn_timeout)):
                async for event in self._orchestrator.stream(
                    request.text,
                    session_id=request.session_id,
                    session_store=self._store,
                    user_id=request.user_id,
                    user_name=request.user_name,
                    platform=request.platform,
                ):
                    if is_terminal(event):
                        terminal = event
                    await _show(sink, event, times)
        except Exception as error:
            if terminal is None:
                terminal = failure_logic.failure_for(error)
                await _show(sink, terminal, times)
            logger.error(
                "turn ended by %s: %s",
                type(error).__name__,
                error,
                exc_info=not isinstance(error, TimeoutError),
                extra={"session_id": request.session_id, "request_id": request.request_id},
            )
        if terminal is None:
            logger.error(
                "the agent's stream ended without an answer",
                extra={"session_id": request.session_id, "request_id": request.request_id},
            )
            terminal = failure_logic.INTERNAL
            await _show(sink, terminal, times)
        await sink.send(TurnEnded())
        times.observe()
        outcome = terminal.reason if isinstance(terminal, TurnFailed) else "answered"
        metrics.TURNS.labels(platform=request.platform, outcome=outcome).inc()
        metrics.TURN_STAGE_SECONDS.labels(stage="total").observe(
            max(0.0, time.time() - request.received_at)
        )
        duration_ms = (time.monotonic() - started) * 1000
        logger.info(
            "turn %s in %.0f ms",
            outcome,
            duration_ms,
            extra=turn_log_fields(
                request,
                terminal,
                duration_ms=duration_ms,
                stage_seconds={"queue_wait": queue_wait, **times.seconds},
            ),
        )
        return terminal


async def _show(sink: GuardedSink, event: Event, times: StageTimes) -> None:
    """Send `event` to `sink`; showing the answer (or the failure) is the "post" stage."""
    if not is_terminal(event):
        await sink.send(event)
        return
    with times.measure("post"):
        await sink.send(event)
