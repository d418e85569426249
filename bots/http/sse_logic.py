"""How a turn's events appear on the HTTP stream: server-sent event names and JSON data.

The stream speaks six event names, each with one JSON `data:` line:

| SSE event | from           | data                                                    |
|-----------|----------------|---------------------------------------------------------|
| `status`  | `Status`       | `{"phase", "message"}`                                  |
| `status`  | `Notice`       | `{"phase": "notice", "message"}`                        |
| `tool`    | `ToolStarted`  | `{"phase": "started", "call_id", "name", "arguments",`  |
|           |                | ` "description"}`                                       |
| `tool`    | `ToolFinished` | `{"phase": "finished", "call_id", "name", "ok",`        |
|           |                | ` "duration_ms", "summary"}`                            |
| `delta`   | `AnswerDelta`  | `{"text"}`                                              |
| `answer`  | `FinalAnswer`  | `{"text", "turn_id", "usage"}`                          |
| `error`   | `TurnFailed`   | `{"reason", "message"}`                                 |
| `done`    | end of turn    | `{"session_id", "ok"}`                                  |

A notice is a `status` with phase "notice" so that clients handling `status` show it
without knowing one more event name. After an answer, `status` with phase "stored" says the
turn is in the history. `done` follows once the turn is over (`TurnEnded`, or a
`TurnFailed`), so a history read after `done` sees the turn.
"""

from __future__ import annotations

import json
from typing import Any

from dexter_core.agent.events import (
    AnswerDelta,
    Event,
    FinalAnswer,
    Notice,
    Status,
    ToolFinished,
    ToolStarted,
    TurnFailed,
    is_turn_over,
)

SSE_EVENT_NAMES = ("status", "tool", "delta", "answer", "error", "done")

# Sent while a turn is queued or working, so proxies keep the connection open and a client
# that left is noticed (the write fails).
KEEPALIVE = b": keep-alive\n\n"


def sse_message(event: Event) -> tuple[str, dict[str, Any]] | None:
    """The SSE event name and data for `event`; None for kinds the stream does not show."""
    data = {key: value for key, value in event.to_dict().items() if key != "type"}
    if isinstance(event, Status):
        return "status", data
    if isinstance(event, Notice):
        return "status", {"phase": "notice", "message": event.text}
    if isinstance(event, ToolStarted):
        return "tool", {"phase": "started", **data}
    if isinstance(event, ToolFinished):
        return "tool", {"phase": "finished", **data}
    if isinstance(event, FinalAnswer):
        # Stage timings are for the server's log, not part of the answer.
        return event.kind, {"text": event.text, "turn_id": event.turn_id, "usage": event.usage}
    if isinstance(event, AnswerDelta | TurnFailed):
        return event.kind, data
    return None


def until_turn_over(events: list[Event]) -> tuple[list[Event], bool]:
    """The events up to the one that ends the turn (included), and whether one did.

    A turn is over at its `TurnEnded` (after the answer is stored) or at a `TurnFailed`;
    an answer alone is not the end, so `done` never precedes the turn's storing.
    """
    for index, event in enumerate(events):
        if is_turn_over(event):
            return events[: index + 1], True
    return events, False


def encode_events(events: list[Event]) -> bytes:
    """The SSE frames of the events the stream shows, in order."""
    return b"".join(
        encode_sse(*message) for message in map(sse_message, events) if message is not None
    )


def done_message(*, session_id: str, ok: bool) -> tuple[str, dict[str, Any]]:
    """The last event of every stream."""
    return "done", {"session_id": session_id, "ok": ok}


def encode_sse(name: str, data: dict[str, Any]) -> bytes:
    """One SSE frame: `event: <name>`, one `data:` line of JSON, a blank line."""
    # json.dumps escapes newlines inside strings, so the data is always one line.
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return f"event: {name}\ndata: {payload}\n\n".encode()
