"""Retry decisions and streamed tool-call assembly."""

from __future__ import annotations

import pytest

from dexter_core.agent.llm_logic import (
    MAX_BACKOFF,
    ToolCallAssembler,
    ToolCallRequest,
    backoff_delay,
    is_retryable_status,
    retry_after_seconds,
)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (429, True),
        (500, True),
        (503, True),
        (408, True),
        (409, True),
        (400, False),
        (401, False),
        (404, False),
        (422, False),
    ],
)
def test_retryable_statuses(status: int, expected: bool) -> None:
    assert is_retryable_status(status) is expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"Retry-After": "2"}, 2.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"retry-after-ms": "250"}, 0.25),
        ({"Retry-After": "9", "retry-after-ms": "100"}, 0.1),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, None),
        ({"Retry-After": "-3"}, None),
    ],
)
def test_retry_after_headers(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after_seconds(headers) == expected


@pytest.mark.parametrize(
    ("attempt", "jitter", "retry_after", "expected"),
    [
        (0, 1.0, None, 0.5),
        (1, 1.0, None, 1.0),
        (2, 0.5, None, 1.0),
        (10, 1.0, None, MAX_BACKOFF),
        (0, 1.0, 3.0, 3.0),  # the server's wait wins over backoff
        (5, 0.5, 0.0, 0.0),
        (0, 1.0, 120.0, None),  # too long to wait for: give up
    ],
)
def test_backoff_delay(
    attempt: int, jitter: float, retry_after: float | None, expected: float | None
) -> None:
    assert backoff_delay(attempt, base=0.5, jitter=jitter, retry_after=retry_after) == expected


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
