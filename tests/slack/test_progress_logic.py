"""Placeholder progress text and edit spacing."""

from __future__ import annotations

import pytest

from bots.slack.progress_logic import Progress, edit_delay, edit_interval, render_progress


@pytest.mark.parametrize(
    ("now", "last_edit_at", "delay"),
    [
        (10.0, None, 0.0),
        (10.0, 8.5, 0.0),
        (10.0, 9.0, 0.0),
        (10.0, 9.75, 0.75),
        (10.0, 10.0, 1.0),
    ],
)
def test_edit_delay(now: float, last_edit_at: float | None, delay: float) -> None:
    assert edit_delay(now=now, last_edit_at=last_edit_at) == pytest.approx(delay)


def test_render_progress_lists_steps_in_plain_words() -> None:
    progress = Progress(phase="planning")
    progress.start_step(
        call_id="1", name="get_income_statements", description="Fetching AAPL income statements"
    )
    progress.start_step(call_id="2", name="get_stock_prices", description="")
    progress.finish_step(call_id="1", ok=True)
    progress.finish_step(call_id="2", ok=False)
    assert render_progress(progress) == (
        ":hourglass_flowing_sand: Planning the research…\n"
        "✓ Fetching AAPL income statements\n"
        "✗ Get stock prices"
    )


def test_render_progress_keeps_only_the_latest_steps() -> None:
    progress = Progress(phase="answering")
    for i in range(9):
        progress.start_step(call_id=str(i), name=f"tool_{i}", description=f"Step {i}")
    lines = render_progress(progress).split("\n")
    assert lines[0] == ":hourglass_flowing_sand: Writing the answer…"
    assert lines[1] == "_…3 earlier steps_"
    assert lines[2:] == [f"◦ Step {i}" for i in range(3, 9)]


def test_unknown_phase_reads_as_working() -> None:
    assert render_progress(Progress(phase="mystery")) == ":hourglass_flowing_sand: Working…"


def test_step_text_is_escaped_for_slack() -> None:
    progress = Progress()
    progress.start_step(call_id="1", name="screen", description="Screening P/E < 15 & ROE > 20%")
    assert render_progress(progress).endswith("◦ Screening P/E &lt; 15 &amp; ROE &gt; 20%")


@pytest.mark.parametrize(("active_turns", "interval"), [(0, 1.0), (1, 1.2), (5, 6.0), (50, 60.0)])
def test_edit_interval_shares_slacks_budget_between_running_turns(
    active_turns: int, interval: float
) -> None:
    assert edit_interval(active_turns=active_turns) == pytest.approx(interval)
