"""How turn events are named and shaped on the SSE stream."""

from __future__ import annotations

import json

import pytest

from bots.http.sse_logic import (
    SSE_EVENT_NAMES,
    encode_sse,
    encode_until_terminal,
    is_terminal,
    sse_message,
)
from dexter_core.agent.events import (
    AnswerDelta,
    Event,
    FinalAnswer,
    Notice,
    Status,
    ToolFinished,
    ToolStarted,
    TurnFailed,
)


@pytest.mark.parametrize(
    ("event", "name", "data"),
    [
        (Status(phase="thinking"), "status", {"phase": "thinking", "message": ""}),
        (
            Notice(text="history unavailable"),
            "status",
            {"phase": "notice", "message": "history unavailable"},
        ),
        (
            ToolStarted(call_id="c1", name="get_prices", arguments={"ticker": "AAPL"}),
            "tool",
            {
                "phase": "started",
                "call_id": "c1",
                "name": "get_prices",
                "arguments": {"ticker": "AAPL"},
                "description": "",
            },
        ),
        (
            ToolFinished(call_id="c1", name="get_prices", ok=False, duration_ms=3.5, summary="404"),
            "tool",
            {
                "phase": "finished",
                "call_id": "c1",
                "name": "get_prices",
                "ok": False,
                "duration_ms": 3.5,
                "summary": "404",
            },
        ),
        (AnswerDelta(text="Rev"), "delta", {"text": "Rev"}),
        (
            FinalAnswer(text="Revenue", turn_id="t1", usage={"prompt_tokens": 3}),
            "answer",
            {"text": "Revenue", "turn_id": "t1", "usage": {"prompt_tokens": 3}},
        ),
        (
            TurnFailed(reason="timeout", message="Took too long."),
            "error",
            {"reason": "timeout", "message": "Took too long."},
        ),
    ],
)
def test_sse_message(event: Event, name: str, data: dict[str, object]) -> None:
    assert sse_message(event) == (name, data)
    assert name in SSE_EVENT_NAMES


def test_kinds_the_stream_does_not_know_are_skipped() -> None:
    assert sse_message(Event()) is None


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (FinalAnswer(text="x"), True),
        (TurnFailed(reason="internal", message="x"), True),
        (AnswerDelta(text="x"), False),
        (Status(phase="queued"), False),
    ],
)
def test_is_terminal(event: Event, expected: bool) -> None:
    assert is_terminal(event) is expected


def test_encode_sse_keeps_data_on_one_line() -> None:
    frame = encode_sse("delta", {"text": "line one\nline two é"}).decode()
    lines = frame.split("\n")
    assert lines[0] == "event: delta"
    assert lines[1].startswith("data: ")
    assert json.loads(lines[1][len("data: ") :]) == {"text": "line one\nline two é"}
    assert lines[2:] == ["", ""]


@pytest.mark.parametrize(
    ("events", "names", "terminal_index"),
    [
        ([Status(phase="queued"), AnswerDelta(text="a")], ["status", "delta"], None),
        (
            [AnswerDelta(text="a"), FinalAnswer(text="a"), Status(phase="late")],
            ["delta", "answer"],
            1,
        ),
        ([Event(), TurnFailed(reason="timeout", message="m")], ["error"], 1),
        ([], [], None),
    ],
)
def test_encode_until_terminal(
    events: list[Event], names: list[str], terminal_index: int | None
) -> None:
    frames, terminal = encode_until_terminal(events)
    assert [
        line[len("event: ") :] for line in frames.decode().split("\n") if line.startswith("event: ")
    ] == names
    assert terminal is (events[terminal_index] if terminal_index is not None else None)
