"""Carries one turn's events through Redis to a sink living in another process.

A request submitted with a local sink (an HTTP client's open stream) may run in any
process; that process writes the turn's events to a short Redis stream, and the
submitting process reads them back and hands them to its sink.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from dexter_core.agent.events import (
    AnswerDelta,
    Event,
    FinalAnswer,
    Notice,
    Status,
    ToolFinished,
    ToolStarted,
    TurnEnded,
    TurnFailed,
)
from dexter_core.dispatch.backoff import Backoff
from dexter_core.dispatch.requests import TurnSink

logger = logging.getLogger(__name__)

_EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (
        Status,
        ToolStarted,
        ToolFinished,
        AnswerDelta,
        Notice,
        FinalAnswer,
        TurnFailed,
        TurnEnded,
    )
}
# A relayed turn's events are read within seconds; the TTL only cleans up after a crash.
RELAY_TTL = 3600
_BLOCK_MS = 1000


def event_from_dict(data: dict[str, Any]) -> Event:
    """Rebuild an event from `Event.to_dict()`'s output; ValueError for anything else."""
    fields = dict(data)
    event_type = _EVENT_TYPES.get(fields.pop("type", None))
    if event_type is None:
        raise ValueError(f"unknown event type in {data!r}")
    return event_type(**fields)


class RelaySink:
    """A sink that appends events to the Redis stream at `key`."""

    def __init__(self, client: Redis, key: str) -> None:
        self._client = client
        self._key = key

    async def send(self, event: Event) -> None:
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.xadd(self._key, {"event": json.dumps(event.to_dict())})
            pipe.expire(self._key, RELAY_TTL)
            await pipe.execute()


async def forward_relayed(client: Redis, key: str, sink: TurnSink) -> None:
    """Hand every event written to `key` to `sink` until the turn's `TurnEnded`.

    Runs until then or until cancelled, riding out Redis outages (events written
    meanwhile are read once Redis answers again).
    """
    last_id = "0-0"
    backoff = Backoff()
    while True:
        try:
            batches = await client.xread({key: last_id}, block=_BLOCK_MS, count=100)
        except RedisError as error:
            logger.warning("relay read failed, retrying: %s", error)
            await backoff.wait()
            continue
        backoff.reset()
        for _, entries in batches:
            for entry_id, fields in entries:
                last_id = entry_id
                event = event_from_dict(json.loads(fields[b"event"]))
                await sink.send(event)
                if isinstance(event, TurnEnded):
                    await client.delete(key)
                    return
