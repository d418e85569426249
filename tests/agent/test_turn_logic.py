"""Query refusals, usage sums and the per-step tool call plan."""

from __future__ import annotations

import pytest

from dexter_core.agent.llm_logic import ToolCallRequest
from dexter_core.agent.turn_logic import add_usage, plan_tool_calls, refusal_for, tool_label


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("", "empty"),
        ("   \n\t", "empty"),
        (None, "empty"),
        ("x" * 101, "too_long"),
        ("What was AAPL revenue?", None),
        ("x" * 100, None),
    ],
)
def test_refusals(query: object, reason: str | None) -> None:
    refusal = refusal_for(query, max_chars=100)
    assert (refusal.reason if refusal else None) == reason


def test_too_long_states_the_limit() -> None:
    refusal = refusal_for("x" * 12_345, max_chars=8000)
    assert refusal is not None and "12,345" in refusal.message and "8,000" in refusal.message


def test_usage_adds_up() -> None:
    total: dict[str, int] = {}
    add_usage(total, {"prompt_tokens": 10, "total_tokens": 12})
    add_usage(total, {"prompt_tokens": 5, "llm_calls": 1})
    assert total == {"prompt_tokens": 15, "total_tokens": 12, "llm_calls": 1}


def _call(name: str, arguments: str, call_id: str = "c") -> ToolCallRequest:
    return ToolCallRequest(call_id, name, arguments)


@pytest.mark.parametrize(
    ("seen_before", "calls", "expected"),
    [
        # (should_run, is_repeat, has_error) per call
        (
            set(),
            [_call("a", '{"x": 1}'), _call("b", '{"x": 1}')],
            [(True, False, False), (True, False, False)],
        ),
        # the same call twice in one step runs once
        (
            set(),
            [_call("a", '{"x": 1, "y": 2}'), _call("a", '{"y": 2, "x": 1}')],
            [(True, False, False), (False, True, False)],
        ),
        # repeated from an earlier step
        ({'a:{"x":1}'}, [_call("a", '{"x": 1}')], [(False, True, False)]),
        # malformed JSON never runs and is not remembered
        (
            set(),
            [_call("a", '{"x": '), _call("a", "[]")],
            [(False, False, True), (False, False, True)],
        ),
    ],
)
def test_plan_tool_calls(
    seen_before: set[str],
    calls: list[ToolCallRequest],
    expected: list[tuple[bool, bool, bool]],
) -> None:
    seen = set(seen_before)
    planned = plan_tool_calls(calls, seen=seen)
    assert [(p.should_run, p.is_repeat, bool(p.error)) for p in planned] == expected


def test_unusable_arguments_explain_themselves() -> None:
    (planned,) = plan_tool_calls([_call("get_news", '{"ticker": ')], seen=set())
    assert planned.error.startswith("error: the arguments of get_news were unusable")


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("get_price_snapshot", "get_price_snapshot"),
        ("get_prices_snapshot", "unknown"),
        ("", "unknown"),
        ("x" * 500, "unknown"),
    ],
)
def test_tool_label(name: str, label: str) -> None:
    assert tool_label(name, known={"get_price_snapshot", "get_news"}) == label
