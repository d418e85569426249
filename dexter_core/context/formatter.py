"""Turns a selection of past turns into the chat messages the agent receives.

The messages go between the agent's system prompt and the user's new query:

1. One `system` message, "Conversation memory", when there is anything condensed to say:
   the session's rolling summary (turns folded out of the verbatim history) and the
   one-line summaries of older selected turns the budget could not hold in full, each
   with its date and who asked.
2. Then, oldest first, one `user` / `assistant` pair per turn shown in full (or cut to
   fit, marked with "…"); the user message starts with `[who, when]` so the agent can
   tell the participants of a shared thread apart.

Everything together stays within `budget` tokens, counting `MESSAGE_OVERHEAD` tokens for
each message's framing. The rolling summary takes at most a quarter of the budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dexter_core.context.selection_logic import Form, Placement, TurnCost, pack_budget
from dexter_core.context.summary_logic import fallback_summary
from dexter_core.context.tokens import count_tokens, truncate_to_tokens
from dexter_core.context.turn_texts import speaker_and_time
from dexter_core.sessions.models import Turn

MESSAGE_OVERHEAD = 4
MEMORY_HEADER = "Conversation memory (earlier in this conversation, condensed):"
ROLLING_SUMMARY_LABEL = "Summary of the oldest turns: "
EARLIER_LABEL = "Earlier exchanges:"


@dataclass(frozen=True)
class PromptContext:
    """What `MessageHistory.build_context` hands the agent.

    `messages`: chat messages to place after the system prompt, before the new query.
    `turns`: the past turns they show (in any form), oldest first. `tokens`: their cost.
    """

    messages: list[dict[str, str]]
    turns: list[Turn]
    tokens: int


def _user_text(turn: Turn) -> str:
    return f"[{speaker_and_time(turn)}] {turn.query}"


def _summary_line(turn: Turn) -> str:
    summary = turn.summary or fallback_summary(turn.query, turn.answer)
    return f"- [{speaker_and_time(turn)}] {summary}"


def message_tokens(content: str) -> int:
    """What one chat message with this content costs in the prompt."""
    return count_tokens(content) + MESSAGE_OVERHEAD


def format_context(
    selected: Sequence[Turn], *, recent_count: int, rolling_summary: str, budget: int
) -> PromptContext:
    """Build the prompt messages for `selected` turns (oldest first) within `budget` tokens.

    The newest `recent_count` of them are the recent turns: cut to fit rather than
    reduced to their summary when the budget is tight.
    """
    budget = max(0, budget)
    memory_frame = message_tokens(MEMORY_HEADER + "\n" + EARLIER_LABEL)
    rolling = ""
    if rolling_summary.strip():
        rolling_cap = budget // 4 - count_tokens(ROLLING_SUMMARY_LABEL)
        rolling = truncate_to_tokens(rolling_summary.strip(), max(0, rolling_cap))
    rolling_cost = count_tokens(ROLLING_SUMMARY_LABEL + rolling) + 1 if rolling else 0
    # The memory message's framing is reserved up front: whether it is needed is only
    # known after packing, and a few tokens of slack are cheaper than a second pass.
    available = budget - memory_frame - rolling_cost

    newest_first = list(reversed(selected))
    recent_ids = {turn.turn_id for turn in newest_first[:recent_count]}
    costs = [
        TurnCost(
            full=message_tokens(_user_text(turn)) + message_tokens(turn.answer),
            summary=count_tokens(_summary_line(turn)) + 1,
            is_recent=turn.turn_id in recent_ids,
        )
        for turn in newest_first
    ]
    placements = pack_budget(costs, budget=available)

    shown = [
        (turn, placement)
        for turn, placement in zip(newest_first, placements, strict=True)
        if placement is not None
    ][::-1]
    summary_lines = [_summary_line(t) for t, p in shown if p.form is Form.SUMMARY]
    messages: list[dict[str, str]] = []
    if rolling or summary_lines:
        parts = [MEMORY_HEADER]
        if rolling:
            parts.append(ROLLING_SUMMARY_LABEL + rolling)
        if summary_lines:
            parts.append(EARLIER_LABEL)
            parts.extend(summary_lines)
        messages.append({"role": "system", "content": "\n".join(parts)})
    for turn, placement in shown:
        if placement.form is not Form.SUMMARY:
            messages.extend(_exchange(turn, placement))
    tokens = sum(message_tokens(message["content"]) for message in messages)
    return PromptContext(messages=messages, turns=[turn for turn, _ in shown], tokens=tokens)


def _exchange(turn: Turn, placement: Placement) -> list[dict[str, str]]:
    user = _user_text(turn)
    answer = turn.answer
    if placement.form is Form.TRUNCATED:
        room = placement.tokens - 2 * MESSAGE_OVERHEAD
        user = truncate_to_tokens(user, max(1, room // 2))
        answer = truncate_to_tokens(answer, max(0, room - count_tokens(user)))
    return [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
