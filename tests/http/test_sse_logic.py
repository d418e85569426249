"""How turn events are named and shaped on the SSE stream."""

from __future__ import annotations

import json

import pytest

from bots.http.sse_logic import (
    SSE_EVENT_NAMES,
    encode_events,
    encode_sse,
    sse_message,
    until_turn_over,
)
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
    assert sse_message(TurnEnded()) is None  # `done` says it


def test_encode_sse_keeps_data_on_one_line() -> None:
    frame = encode_sse("delta", {"text": "line one\nline two é"}).decode()
    lines = frame.split("\n")
    assert lines[0] == "event: delta"
    assert lines[1].startswith("data: ")
    assert json.loads(lines[1][len("data: ") :]) == {"text": "line one\nline two é"}
    assert lines[2:] == ["", ""]


@pytest.mark.parametrize(
    ("events", "names", "is_over"),
    [
        ([Status(phase="queued"), AnswerDelta(text="a")], ["status", "delta"], False),
        # The answer alone does not end the turn: it is stored first.
        ([AnswerDelta(text="a"), FinalAnswer(text="a")], ["delta", "answer"], False),
        (
            [FinalAnswer(text="a"), Status(phase="stored"), TurnEnded(), Status(phase="late")],
            ["answer", "status"],
            True,
        ),
        ([FinalAnswer(text="a"), TurnEnded()], ["answer"], True),
        ([Event(), TurnFailed(reason="timeout", message="m"), TurnEnded()], ["error"], True),
        ([], [], False),
    ],
)
def test_events_until_the_turn_is_over(
    events: list[Event], names: list[str], is_over: bool
) -> None:
    shown, over = until_turn_over(events)
    frames = encode_events(shown)
    assert [
        line[len("event: ") :] for line in frames.decode().split("\n") if line.startswith("event: ")
    ] == names
    assert over is is_over
