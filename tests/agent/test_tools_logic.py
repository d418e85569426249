"""Tool argument checks, result trimming and cache expiry."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dexter_core.agent.tools.args_logic import validate_arguments
from dexter_core.agent.tools.cache_logic import CacheKind, TTLCache, cache_key
from dexter_core.agent.tools.specs import SPECS_BY_NAME, TOOL_SPECS
from dexter_core.agent.tools.trim_logic import sample_evenly, trim_payload

STATEMENTS = SPECS_BY_NAME["get_income_statements"].parameters
PRICES = SPECS_BY_NAME["get_prices"].parameters
SCREENER = SPECS_BY_NAME["screen_stocks"].parameters


@pytest.mark.parametrize(
    ("schema", "arguments", "expected"),
    [
        (
            STATEMENTS,
            {"ticker": "aapl", "period": "annual"},
            {"ticker": "AAPL", "period": "annual", "limit": 4},
        ),
        (
            STATEMENTS,
            {"ticker": "MSFT", "period": "ttm", "limit": "2"},
            {"ticker": "MSFT", "period": "ttm", "limit": 2},
        ),
        (
            STATEMENTS,
            {"ticker": "BRK.B", "period": "quarterly", "limit": 3.0},
            {"ticker": "BRK.B", "period": "quarterly", "limit": 3},
        ),
        (
            PRICES,
            {
                "ticker": "NVDA",
                "start_date": "2024-01-01",
                "end_date": "2024-02-01",
                "interval": "day",
            },
            {
                "ticker": "NVDA",
                "start_date": "2024-01-01",
                "end_date": "2024-02-01",
                "interval": "day",
                "interval_multiplier": 1,
            },
        ),
        (
            SCREENER,
            {"filters": [{"field": "net_margin", "operator": "gt", "value": 0.2}]},
            {"filters": [{"field": "net_margin", "operator": "gt", "value": 0.2}], "limit": 20},
        ),
    ],
)
def test_valid_arguments_are_cleaned(
    schema: dict[str, Any], arguments: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert validate_arguments(schema, arguments) == expected


@pytest.mark.parametrize(
    ("schema", "arguments", "message"),
    [
        (STATEMENTS, {"period": "annual"}, "missing required argument ticker"),
        (STATEMENTS, {"ticker": "AAPL", "period": "yearly"}, "period must be one of"),
        (STATEMENTS, {"ticker": "AAPL; DROP", "period": "annual"}, "ticker 'AAPL; DROP'"),
        (STATEMENTS, {"ticker": "AAPL", "period": "annual", "limit": 500}, "at most 12"),
        (STATEMENTS, {"ticker": "AAPL", "period": "annual", "limit": "many"}, "whole number"),
        (STATEMENTS, {"ticker": "AAPL", "period": "annual", "year": 2024}, "unknown argument"),
        (
            PRICES,
            {
                "ticker": "AAPL",
                "start_date": "2024-13-01",
                "end_date": "2024-12-31",
                "interval": "day",
            },
            "not a date",
        ),
        (
            PRICES,
            {
                "ticker": "AAPL",
                "start_date": "20240101",
                "end_date": "2024-12-31",
                "interval": "day",
            },
            "not a date",
        ),
        (
            PRICES,
            {
                "ticker": "AAPL",
                "start_date": "2024-06-01",
                "end_date": "2024-01-01",
                "interval": "day",
            },
            "after end_date",
        ),
        (SCREENER, {"filters": []}, "at least 1"),
        (
            SCREENER,
            {"filters": [{"field": "revenue", "operator": "gt"}]},
            "missing required argument filters\\[0\\].value",
        ),
        (SCREENER, {"filters": "revenue > 1"}, "must be a list"),
    ],
)
def test_invalid_arguments_say_what_to_fix(
    schema: dict[str, Any], arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        validate_arguments(schema, arguments)


def test_every_tool_schema_is_an_object_with_known_required_fields() -> None:
    assert len(TOOL_SPECS) == 15
    for spec in TOOL_SPECS:
        params = spec.parameters
        assert params["type"] == "object"
        assert set(params["required"]) <= set(params["properties"]), spec.name
        assert spec.openai_tool()["function"]["name"] == spec.name


def _statement(year: int) -> dict[str, Any]:
    return {
        "ticker": "AAPL",
        "report_period": f"{year}-09-28",
        "period": "annual",
        "currency": "USD",
        "accession_number": "0000320193-24-000123",
        "filing_url": "https://sec.gov/x",
        "revenue": 1000 + year,
        "interest_expense": None,
    }


def test_trim_states_shared_fields_once_and_drops_bookkeeping() -> None:
    trimmed = trim_payload({"income_statements": [_statement(2024), _statement(2023)]})
    assert trimmed.data == {
        "ticker": "AAPL",
        "currency": "USD",
        "period": "annual",
        "income_statements": [
            {"report_period": "2024-09-28", "revenue": 3024},
            {"report_period": "2023-09-28", "revenue": 3023},
        ],
    }
    assert trimmed.summary == "2 rows"


def test_trim_caps_rows_and_says_so() -> None:
    rows = [_statement(2000 + i) for i in range(30)]
    trimmed = trim_payload({"income_statements": rows}, max_rows=5)
    assert trimmed.shown == 5 and trimmed.total == 30
    assert trimmed.data["income_statements"][0]["report_period"] == "2000-09-28"
    assert "showing 5 of 30 rows" in trimmed.data["note"]


def test_trim_samples_price_series_keeping_both_ends() -> None:
    prices = [{"close": float(i), "time": f"day {i}", "time_milliseconds": i} for i in range(100)]
    trimmed = trim_payload({"ticker": "AAPL", "prices": prices}, max_series_rows=5)
    closes = [row["close"] for row in trimmed.data["prices"]]
    assert closes == [0.0, 25.0, 50.0, 74.0, 99.0]
    assert all("time_milliseconds" not in row for row in trimmed.data["prices"])


def test_trim_shortens_long_text_and_fits_the_size_cap() -> None:
    items = [{"number": f"Item-{i}", "text": "risk " * 2000} for i in range(10)]
    trimmed = trim_payload({"ticker": "AAPL", "items": items}, max_text=1000, max_chars=3000)
    assert len(json.dumps(trimmed.data)) <= 3000
    assert trimmed.data["items"][0]["text"].endswith(" […]")
    assert trimmed.shown < 10 and trimmed.summary == f"{trimmed.shown} of 10 rows"


def test_trim_keeps_a_snapshot_object_as_one_row() -> None:
    trimmed = trim_payload({"snapshot": {"ticker": "AAPL", "price": 229.87, "x": None}})
    assert trimmed.data == {"snapshot": [{"ticker": "AAPL", "price": 229.87}]}
    assert trimmed.summary == "1 row"


def test_trim_refuses_non_objects() -> None:
    with pytest.raises(ValueError, match="JSON object"):
        trim_payload(["not", "an", "object"])


@pytest.mark.parametrize(
    ("rows", "limit", "expected"),
    [([1, 2, 3], 5, [1, 2, 3]), (list(range(10)), 2, [0, 9]), (list(range(10)), 1, [9])],
)
def test_sample_evenly(rows: list[int], limit: int, expected: list[int]) -> None:
    assert sample_evenly(rows, limit) == expected


@pytest.mark.parametrize(
    ("kind", "age", "fresh"),
    [
        (CacheKind.PRICE_SNAPSHOT, 59, True),
        (CacheKind.PRICE_SNAPSHOT, 60, False),
        (CacheKind.PRICES, 299, True),
        (CacheKind.PRICES, 301, False),
        (CacheKind.STATEMENTS, 3600 * 23, True),
        (CacheKind.STATEMENTS, 86400, False),
    ],
)
def test_cache_expiry_per_kind(kind: CacheKind, age: float, fresh: bool) -> None:
    cache: TTLCache[str] = TTLCache()
    cache.put("k", "value", kind=kind, now=1000.0)
    assert (cache.get("k", now=1000.0 + age) == "value") is fresh


def test_cache_evicts_the_least_recently_used_past_its_size() -> None:
    cache: TTLCache[str] = TTLCache(max_entries=2)
    cache.put("a", "1", kind=CacheKind.NEWS, now=0)
    cache.put("b", "2", kind=CacheKind.NEWS, now=0)
    assert cache.get("a", now=1) == "1"  # a is now the most recent
    cache.put("c", "3", kind=CacheKind.NEWS, now=1)
    assert (cache.get("a", now=2), cache.get("b", now=2), cache.get("c", now=2)) == ("1", None, "3")


def test_cache_key_ignores_argument_order() -> None:
    assert cache_key("t", {"a": 1, "b": 2}) == cache_key("t", {"b": 2, "a": 1})
    assert cache_key("t", {"a": 1}) != cache_key("u", {"a": 1})
