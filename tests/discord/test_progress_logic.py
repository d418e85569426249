"""The progress message's text and the one-edit-a-second throttle."""

from __future__ import annotations

import pytest

from bots.discord.progress_logic import MAX_SHOWN_STEPS, EditThrottle, ProgressView
from dexter_core.agent.events import Event, Notice, Status, ToolFinished, ToolStarted


def _started(call_id: str, description: str = "", **arguments: object) -> ToolStarted:
    return ToolStarted(
        call_id=call_id,
        name="get_income_statements",
        arguments=dict(arguments),
        description=description,
    )


def _finished(call_id: str, *, ok: bool = True) -> ToolFinished:
    return ToolFinished(call_id=call_id, name="get_income_statements", ok=ok, duration_ms=5.0)


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([Status(phase="thinking")], "-# Thinking…"),
        ([Status(phase="planning", message="Reading the filings")], "-# Reading the filings"),
        ([Status(phase="unknown-phase")], ""),
        (
            [_started("a", "Fetching AAPL income statements")],
            "⏳ Fetching AAPL income statements",
        ),
        ([_started("a", ticker="AAPL")], "⏳ get income statements (AAPL)"),
        (
            [_started("a", "Fetching AAPL"), _finished("a"), Status(phase="answering")],
            "✅ Fetching AAPL\n-# Writing the answer…",
        ),
        ([_started("a", "Fetching AAPL"), _finished("a", ok=False)], "⚠️ Fetching AAPL"),
        ([_finished("z")], "✅ get_income_statements"),
    ],
)
def test_view_renders_the_steps(events: list[Event], expected: str) -> None:
    view = ProgressView()
    for event in events:
        view.apply(event)
    assert view.render() == expected


def test_finished_view_drops_the_phase_and_marks_unfinished_steps() -> None:
    view = ProgressView()
    view.apply(_started("a", "Fetching AAPL"))
    view.apply(_started("b", "Fetching MSFT"))
    view.apply(_finished("a"))
    view.apply(Status(phase="answering"))
    assert view.render(finished=True) == "✅ Fetching AAPL\n⏹️ Fetching MSFT"


def test_only_the_latest_steps_are_shown() -> None:
    view = ProgressView()
    for i in range(MAX_SHOWN_STEPS + 3):
        view.apply(_started(str(i), f"step {i}"))
    lines = view.render().splitlines()
    assert lines[0] == "-# … and 3 earlier steps"
    assert lines[-1] == f"⏳ step {MAX_SHOWN_STEPS + 2}"
    assert len(lines) == MAX_SHOWN_STEPS + 1


def test_long_labels_are_clipped() -> None:
    view = ProgressView()
    view.apply(_started("a", "x" * 500))
    assert len(view.render()) < 130


@pytest.mark.parametrize(
    ("event", "changes"),
    [
        (Status(phase="thinking"), True),
        (_started("a", "Fetching"), True),
        (Notice(text="history is unavailable"), False),
    ],
)
def test_apply_says_whether_the_text_changed(event: Event, changes: bool) -> None:
    assert ProgressView().apply(event) is changes


def test_repeated_status_is_not_a_change() -> None:
    view = ProgressView()
    assert view.apply(Status(phase="thinking")) is True
    assert view.apply(Status(phase="thinking")) is False


@pytest.mark.parametrize(
    ("last_edit_at", "now", "expected"),
    [
        (None, 100.0, 0.0),
        (100.0, 100.0, 1.0),
        (100.0, 100.4, 0.6),
        (100.0, 101.0, 0.0),
        (100.0, 250.0, 0.0),
    ],
)
def test_throttle_allows_one_edit_a_second(
    last_edit_at: float | None, now: float, expected: float
) -> None:
    throttle = EditThrottle(interval=1.0, last_edit_at=last_edit_at)
    assert throttle.delay_before_edit(now) == pytest.approx(expected)


def test_throttle_counts_from_the_last_recorded_edit() -> None:
    throttle = EditThrottle(interval=1.0)
    throttle.record_edit(10.0)
    assert throttle.delay_before_edit(10.25) == pytest.approx(0.75)
    throttle.record_edit(11.0)
    assert throttle.delay_before_edit(11.5) == pytest.approx(0.5)
