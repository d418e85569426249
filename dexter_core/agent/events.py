"""Typed progress events of one turn, from the agent (and the dispatcher) to whoever shows them.

Adapters render them (Slack placeholder edits, Discord progress message, SSE lines in the
HTTP API, the console status line). Every event is a frozen dataclass with a `kind`
string used as the SSE event name.

A turn's events end with `FinalAnswer` or `TurnFailed`; after an answer the agent says
`Status(phase="stored")` once the turn is in the session's history. The dispatcher ends
every turn it runs with `TurnEnded`: nothing more comes for that turn after it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True, kw_only=True)
class Event:
    kind: ClassVar[str] = "event"

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.kind, **asdict(self)}


@dataclass(frozen=True, kw_only=True)
class Status(Event):
    """A phase of the turn: "queued", "thinking", "planning", "answering", ..., and
    "stored" after the answer, once the turn is in the session's history."""

    kind: ClassVar[str] = "status"
    phase: str
    message: str = ""


@dataclass(frozen=True, kw_only=True)
class ToolStarted(Event):
    kind: ClassVar[str] = "tool"
    call_id: str
    name: str
    arguments: dict[str, Any]
    description: str = ""  # plain words for users: "Fetching AAPL income statements"


@dataclass(frozen=True, kw_only=True)
class ToolFinished(Event):
    kind: ClassVar[str] = "tool_result"
    call_id: str
    name: str
    ok: bool
    duration_ms: float
    summary: str = ""  # "12 rows", or the error text the model saw


@dataclass(frozen=True, kw_only=True)
class AnswerDelta(Event):
    kind: ClassVar[str] = "delta"
    text: str


@dataclass(frozen=True, kw_only=True)
class Notice(Event):
    """Something the user should know beside the answer, e.g. history is unavailable."""

    kind: ClassVar[str] = "notice"
    text: str


@dataclass(frozen=True, kw_only=True)
class FinalAnswer(Event):
    """The answer. `usage` holds the turn's token counts; `stage_seconds` the seconds the
    agent spent per stage ("context_load", "llm", "tools"), for the turn's log line."""

    kind: ClassVar[str] = "answer"
    text: str
    turn_id: str = ""
    usage: dict[str, int] = field(default_factory=dict)
    stage_seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class TurnFailed(Event):
    """The turn ended without an answer. `message` is short, honest and safe to show.

    `reason` is one of: "empty", "too_long", "llm_unavailable", "timeout", "busy",
    "rate_limited", "store_unavailable", "internal".
    """

    kind: ClassVar[str] = "error"
    reason: str
    message: str


@dataclass(frozen=True, kw_only=True)
class TurnEnded(Event):
    """The dispatcher is done with the turn: answered and stored (or storing failed, which
    is logged), or failed. Sinks that wait for the end of a turn wait for this (or for a
    `TurnFailed`, which a turn cut off by shutdown ends with)."""

    kind: ClassVar[str] = "ended"


def is_turn_over(event: Event) -> bool:
    """Whether `event` is the last one a sink gets for its turn."""
    return isinstance(event, TurnEnded | TurnFailed)
