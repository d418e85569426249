"""Streamed tool-call assembly and argument parsing."""

from __future__ import annotations

import pytest

from dexter_core.agent.llm_logic import ToolCallAssembler, ToolCallRequest


def test_assembler_joins_fragments_per_index_in_order() -> None:
    assembler = ToolCallAssembler()
    assembler.add(index=1, call_id="b", name="get_news", arguments="")
    assembler.add(index=0, call_id="a", name="get_prices", arguments='{"tic')
    assembler.add(index=1, call_id=None, name=None, arguments='{"ticker": "MSFT"}')
    assembler.add(index=0, call_id=None, name=None, arguments='ker": "AAPL"}')
    assembler.add(index=2, call_id=None, name="get_filings", arguments="{}")
    assert assembler.calls() == [
        ToolCallRequest("a", "get_prices", '{"ticker": "AAPL"}'),
        ToolCallRequest("b", "get_news", '{"ticker": "MSFT"}'),
        ToolCallRequest("call_2", "get_filings", "{}"),
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("", {}), ("  ", {}), ('{"a": 1}', {"a": 1})],
)
def test_parsed_arguments(raw: str, expected: dict[str, int]) -> None:
    assert ToolCallRequest("id", "f", raw).parsed_arguments() == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [('{"a": ', "not valid JSON"), ("[1, 2]", "must be a JSON object"), ("7", "JSON object")],
)
def test_unusable_arguments(raw: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        ToolCallRequest("id", "f", raw).parsed_arguments()
