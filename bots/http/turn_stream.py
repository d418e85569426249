"""Streaming one turn to an HTTP client while the dispatcher owns the turn itself.

The dispatcher writes events into a `QueueSink`; the request handler drains it into the
response. If the client goes away, writing stops but the turn runs on and is stored: the
sink never raises into the dispatcher.
"""

from __future__ import annotations

import asyncio
import logging
import time

from aiohttp import web

from bots.http.sse_logic import (
    KEEPALIVE,
    done_message,
    encode_events,
    encode_sse,
    until_turn_over,
)
from dexter_core.agent.events import Event, FinalAnswer

log = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 15.0


class QueueSink:
    """A `TurnSink` that queues events for the stream; drops them once the client left."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        self.is_closed = False

    async def send(self, event: Event) -> None:
        if not self.is_closed:
            self._queue.put_nowait(event)

    async def next_events(self, *, within: float) -> list[Event]:
        """Every event queued by now, waiting up to `within` seconds for the first one;
        empty when none came."""
        try:
            async with asyncio.timeout(within):
                first = await self._queue.get()
        except TimeoutError:
            return []
        events = [first]
        while not self._queue.empty():
            events.append(self._queue.get_nowait())
        return events

    def close(self) -> None:
        self.is_closed = True


async def stream_turn(
    response: web.StreamResponse, sink: QueueSink, *, session_id: str, deadline: float
) -> bool:
    """Write the turn's events as SSE until the turn is over (answered and stored, or
    failed), then `done`; True if it was answered.

    Stops early, leaving the turn to the dispatcher, when the client disconnects or the
    monotonic `deadline` passes with no end in sight.
    """
    answered = False
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                log.warning("turn stream gave up waiting", extra={"session_id": session_id})
                break
            events = await sink.next_events(within=min(KEEPALIVE_SECONDS, remaining))
            if not events:
                await response.write(KEEPALIVE)
                continue
            # Events that piled up while the loop was busy go out in one write.
            shown, is_over = until_turn_over(events)
            await response.write(encode_events(shown))
            answered = answered or any(isinstance(event, FinalAnswer) for event in shown)
            if is_over:
                break
        await response.write(encode_sse(*done_message(session_id=session_id, ok=answered)))
    except ConnectionError:
        log.info("client left mid-stream; the turn goes on", extra={"session_id": session_id})
    finally:
        sink.close()
    return answered
