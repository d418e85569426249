"""What the progress message says while the agent works, and when it may be edited.

`ProgressView` folds the turn's events into the text of one message; `EditThrottle` keeps
edits to about one a second, so a burst of tool steps costs one edit, not ten.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dexter_core.agent.events import Event, Notice, Status, ToolFinished, ToolStarted

MAX_SHOWN_STEPS = 8
MAX_LABEL_CHARS = 120

_PHASES = {
    "queued": "Waiting for the previous question in this conversation…",
    "thinking": "Thinking…",
    "planning": "Planning…",
    "answering": "Writing the answer…",
}


@dataclass
class _Step:
    label: str
    done: bool = False
    ok: bool = True


@dataclass
class ProgressView:
    """The agent's steps so far, as one short Discord message."""

    phase: str = ""
    steps: dict[str, _Step] = field(default_factory=dict)

    @property
    def has_steps(self) -> bool:
        return bool(self.steps)

    def apply(self, event: Event) -> bool:
        """Fold `event` in; True when the rendered text changed."""
        before = self.render()
        if isinstance(event, Status):
            self.phase = event.message or _PHASES.get(event.phase, "")
        elif isinstance(event, ToolStarted):
            self.steps[event.call_id] = _Step(label=_clip(event.description or _tool_label(event)))
        elif isinstance(event, ToolFinished):
            step = self.steps.setdefault(event.call_id, _Step(label=_clip(event.name)))
            step.done, step.ok = True, event.ok
        elif isinstance(event, Notice):
            return False
        return self.render() != before

    def render(self, *, finished: bool = False) -> str:
        """The message text; `finished` drops the running phase and marks what never ended."""
        steps = list(self.steps.values())
        lines = [_step_line(step, finished=finished) for step in steps[-MAX_SHOWN_STEPS:]]
        hidden = len(steps) - MAX_SHOWN_STEPS
        if hidden > 0:
            lines.insert(0, f"-# … and {hidden} earlier step{'s' if hidden > 1 else ''}")
        if not finished and self.phase:
            lines.append(f"-# {self.phase}")
        return "\n".join(lines)


@dataclass
class EditThrottle:
    """At most one edit per `interval` seconds; the latest text waits for the next slot."""

    interval: float = 1.0
    last_edit_at: float | None = None

    def delay_before_edit(self, now: float) -> float:
        """Seconds to wait before the next edit may go out (0 for at once)."""
        if self.last_edit_at is None:
            return 0.0
        return max(0.0, self.last_edit_at + self.interval - now)

    def record_edit(self, now: float) -> None:
        self.last_edit_at = now


def _step_line(step: _Step, *, finished: bool) -> str:
    return f"{_mark(step, finished=finished)} {step.label}"


def _mark(step: _Step, *, finished: bool) -> str:
    if step.done:
        return "✅" if step.ok else "⚠️"
    return "⏹️" if finished else "⏳"


def _tool_label(event: ToolStarted) -> str:
    ticker = event.arguments.get("ticker") or event.arguments.get("tickers")
    name = event.name.replace("_", " ")
    return f"{name} ({ticker})" if isinstance(ticker, str) and ticker else name


def _clip(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= MAX_LABEL_CHARS else line[: MAX_LABEL_CHARS - 1] + "…"
