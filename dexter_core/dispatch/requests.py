"""What entry points hand the turn dispatcher, and how the dispatcher talks back.

An adapter never runs the agent itself: it builds a `TurnRequest` and submits it. The
answer reaches the user through a `TurnSink` that the adapter's sink factory builds from
`request.reply_to`, which is JSON-able so another process can build the same sink.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any, Protocol

from dexter_core.agent.events import Event


@dataclass(frozen=True, kw_only=True)
class TurnRequest:
    """One user message to answer.

    `event_id` is the platform's id for the delivery (Slack event_id / client_msg_id,
    Discord message id): two requests with the same one are answered once. `reply_to`
    says where to answer, in the platform's terms (channel, thread ts, message id, ...).
    """

    session_id: str
    text: str
    platform: str
    user_id: str = ""
    user_name: str = ""
    event_id: str = ""
    reply_to: dict[str, Any] = field(default_factory=dict)
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    received_at: float = field(default_factory=time.time)

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> TurnRequest:
        return cls(**record)


class TurnSink(Protocol):
    """Shows one turn's events to the user; built per request by the platform's factory."""

    async def send(self, event: Event) -> None:
        """Render `event`. Must not raise for platform errors: log them and carry on."""
        ...


class PostLedger(Protocol):
    """Per-request memory of what was already posted, so a retried turn posts nothing twice.

    Keys are the sink's own ("placeholder", "part:2"); values are platform ids.
    """

    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str) -> None: ...


SinkFactory = Callable[[TurnRequest, PostLedger], Awaitable[TurnSink]]


class SubmitStatus(Enum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"  # same event_id seen before: ignored
    SESSION_BUSY = "session_busy"  # too many queued turns for this session
    RATE_LIMITED = "rate_limited"  # the user sent too many messages this minute
    SHUTTING_DOWN = "shutting_down"


@dataclass(frozen=True, kw_only=True)
class SubmitResult:
    status: SubmitStatus
    message: str = ""  # what to tell the user when not accepted (empty for duplicates)

    @property
    def is_accepted(self) -> bool:
        return self.status is SubmitStatus.ACCEPTED


class Dispatcher(Protocol):
    """Runs turns: one session's strictly in arrival order, different sessions concurrently."""

    def register_sink_factory(self, platform: str, factory: SinkFactory) -> None:
        """Say how to build sinks for requests of `platform`."""
        ...

    async def submit(self, request: TurnRequest, *, sink: TurnSink | None = None) -> SubmitResult:
        """Queue `request` and return at once. With `sink`, events go there (this process
        only, e.g. an HTTP stream); otherwise the platform's sink factory builds one."""
        ...

    async def start(self) -> None: ...

    async def stop(self, *, grace: float) -> None:
        """Take no new requests; let running turns finish within `grace` seconds."""
        ...
