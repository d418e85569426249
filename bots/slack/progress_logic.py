"""What the placeholder says while a turn runs, and when it may be edited.

`chat.update` is a Tier 3 method: Slack allows an app about 50 calls a minute per
workspace (with bursts) before answering 429. So one turn edits its placeholder about once
a second, and when many turns run at once each edits less often, keeping the process's
progress edits near that budget (answers replacing placeholders come on top, as bursts).
The latest state is always shown by one trailing edit once the interval has passed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bots.slack.mrkdwn_logic import escape

MIN_EDIT_INTERVAL = 1.0
PROGRESS_EDITS_PER_MINUTE = 50
MAX_STEPS_SHOWN = 6
THINKING_TEXT = ":hourglass_flowing_sand: Thinking…"

_PHASE_TEXT = {
    "queued": "Waiting for the previous question in this thread…",
    "thinking": "Thinking…",
    "planning": "Planning the research…",
    "answering": "Writing the answer…",
}


@dataclass
class Step:
    call_id: str
    text: str
    state: str = "running"  # "running", "done" or "failed"


@dataclass
class Progress:
    """The progress of one turn as the placeholder shows it."""

    phase: str = "thinking"
    steps: list[Step] = field(default_factory=list)

    def start_step(self, *, call_id: str, name: str, description: str) -> None:
        self.steps.append(Step(call_id=call_id, text=description or _humanise(name)))

    def finish_step(self, *, call_id: str, ok: bool) -> None:
        for step in self.steps:
            if step.call_id == call_id:
                step.state = "done" if ok else "failed"


def render_progress(progress: Progress) -> str:
    """The placeholder's text: the phase, then the latest tool steps in plain words."""
    lines = [f":hourglass_flowing_sand: {_PHASE_TEXT.get(progress.phase, 'Working…')}"]
    hidden = len(progress.steps) - MAX_STEPS_SHOWN
    if hidden > 0:
        lines.append(f"_…{hidden} earlier step{'s' if hidden > 1 else ''}_")
    marks = {"running": "◦", "done": "✓", "failed": "✗"}
    lines.extend(
        f"{marks[step.state]} {escape(step.text)}" for step in progress.steps[-MAX_STEPS_SHOWN:]
    )
    return "\n".join(lines)


def edit_interval(*, active_turns: int) -> float:
    """Seconds between one turn's progress edits while `active_turns` turns are running."""
    return max(MIN_EDIT_INTERVAL, 60.0 * active_turns / PROGRESS_EDITS_PER_MINUTE)


def edit_delay(
    *, now: float, last_edit_at: float | None, interval: float = MIN_EDIT_INTERVAL
) -> float:
    """Seconds to wait before the next edit may be sent; 0 means edit now."""
    if last_edit_at is None:
        return 0.0
    return max(0.0, last_edit_at + interval - now)


def _humanise(tool_name: str) -> str:
    words = tool_name.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else "Working"
