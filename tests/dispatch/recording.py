"""Sinks for dispatcher tests that keep what they were sent."""

from __future__ import annotations

import asyncio

from dexter_core.agent.events import Event, FinalAnswer, TurnFailed
from dexter_core.dispatch.requests import PostLedger, TurnRequest


class RecordingSink:
    """Keeps every event; `done` is set by the answer or the failure."""

    def __init__(self, request: TurnRequest | None = None) -> None:
        self.request = request
        self.events: list[Event] = []
        self.done = asyncio.Event()

    async def send(self, event: Event) -> None:
        self.events.append(event)
        if isinstance(event, FinalAnswer | TurnFailed):
            self.done.set()

    @property
    def kinds(self) -> list[str]:
        return [event.kind for event in self.events]

    @property
    def terminal(self) -> Event:
        return next(e for e in reversed(self.events) if isinstance(e, FinalAnswer | TurnFailed))


class RecordingSinkFactory:
    """A sink factory whose sinks are kept per request id."""

    def __init__(self) -> None:
        self.sinks: dict[str, RecordingSink] = {}

    async def __call__(self, request: TurnRequest, ledger: PostLedger) -> RecordingSink:
        sink = self.sinks[request.request_id] = RecordingSink(request)
        return sink
