"""Sinks for dispatcher tests that keep what they were sent."""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

from redis.asyncio import Redis

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


class PostingRecorder:
    """A sink factory whose sinks "post" a turn's outcome by appending it to the Redis
    list `{prefix}:posts`, at most once per request (through the request's post ledger),
    as a platform sink would post its answer. Which process opened each request's sink
    is kept in the hash `{prefix}:running`."""

    def __init__(self, client: Redis, prefix: str) -> None:
        self._client = client
        self._prefix = prefix

    async def __call__(self, request: TurnRequest, ledger: PostLedger) -> _PostingSink:
        await self._client.hset(f"{self._prefix}:running", request.request_id, os.getpid())
        return _PostingSink(self._client, f"{self._prefix}:posts", request, ledger)


class _PostingSink:
    def __init__(self, client: Redis, key: str, request: TurnRequest, ledger: PostLedger) -> None:
        self._client = client
        self._key = key
        self._request = request
        self._ledger = ledger

    async def send(self, event: Event) -> None:
        if not isinstance(event, FinalAnswer | TurnFailed) or await self._ledger.get("posted"):
            return
        post = {
            "request_id": self._request.request_id,
            "session_id": self._request.session_id,
            "text": self._request.text,
            "kind": event.kind,
            "answer": event.text if isinstance(event, FinalAnswer) else event.message,
            "pid": os.getpid(),
        }
        await self._client.rpush(self._key, json.dumps(post))
        await self._ledger.set("posted", "1")


async def read_posts(client: Redis, prefix: str) -> list[dict[str, Any]]:
    """Everything the `PostingRecorder` sinks posted under `prefix`, in posting order."""
    return [json.loads(raw) for raw in await client.lrange(f"{prefix}:posts", 0, -1)]
