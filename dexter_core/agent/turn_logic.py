"""Pure decisions of one agent turn: which queries are refused, how usage adds up, and
what to do with each tool call the model asked for, and how a call is labelled in metrics."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from dexter_core.agent.events import TurnFailed
from dexter_core.agent.llm_logic import ToolCallRequest
from dexter_core.agent.tools.cache_logic import cache_key

EMPTY_QUERY_MESSAGE = (
    "Ask me something about a company, a market or a filing, "
    "e.g. “What was Apple's revenue last year?”"
)


def refusal_for(query: object, *, max_chars: int) -> TurnFailed | None:
    """The refusal for a query that must not reach the model, or None when it may."""
    if not isinstance(query, str) or not query.strip():
        return TurnFailed(reason="empty", message=EMPTY_QUERY_MESSAGE)
    if len(query) > max_chars:
        return TurnFailed(
            reason="too_long",
            message=(
                f"That message is {len(query):,} characters long; the limit is "
                f"{max_chars:,}. Please shorten it."
            ),
        )
    return None


def add_usage(total: dict[str, int], more: Mapping[str, int]) -> None:
    """Add one call's token counts into the turn's."""
    for name, count in more.items():
        total[name] = total.get(name, 0) + int(count)


@dataclass(frozen=True)
class PlannedCall:
    """One requested tool call and what to do with it.

    `error` is set (and nothing runs) when the arguments are unusable; `is_repeat` when an
    identical call (same tool, same arguments) was already made this turn.
    """

    call: ToolCallRequest
    arguments: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    is_repeat: bool = False

    @property
    def should_run(self) -> bool:
        return not self.error and not self.is_repeat


def plan_tool_calls(calls: list[ToolCallRequest], *, seen: set[str]) -> list[PlannedCall]:
    """Decide each call of one step; adds the keys of calls that will run to `seen`."""
    planned = []
    for call in calls:
        try:
            arguments = call.parsed_arguments()
        except ValueError as exc:
            error = f"error: the arguments of {call.name or 'this call'} were unusable: {exc}."
            planned.append(PlannedCall(call, error=error))
            continue
        key = cache_key(call.name, arguments)
        if key in seen:
            planned.append(PlannedCall(call, arguments, is_repeat=True))
            continue
        seen.add(key)
        planned.append(PlannedCall(call, arguments))
    return planned


UNKNOWN_TOOL_LABEL = "unknown"


def tool_label(name: str, *, known: Collection[str]) -> str:
    """The metrics label for a call of tool `name`: the name when the toolbox has such a
    tool, else "unknown", so names the model makes up cannot grow the label set."""
    return name if name in known else UNKNOWN_TOOL_LABEL
