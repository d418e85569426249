"""Every data tool through aiohttp against the fake Financial Datasets API."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from dexter_core.agent.tools import FinancialToolbox
from dexter_core.agent.tools.specs import TOOL_SPECS
from dexter_core.agent.tools.trim_logic import MAX_RESULT_CHARS
from dexter_core.settings import Settings
from tests.fakes.fake_financial_datasets import FakeFinancialDatasets

YEAR = {"start_date": "2024-01-01", "end_date": "2024-12-31", "interval": "day"}
CALLS: list[tuple[str, dict[str, Any], str, str]] = [
    # tool, arguments, a key of the result, what users are shown
    (
        "get_income_statements",
        {"ticker": "AAPL", "period": "annual"},
        "income_statements",
        "Fetching AAPL income statements (annual)",
    ),
    (
        "get_balance_sheets",
        {"ticker": "msft", "period": "quarterly", "limit": 2},
        "balance_sheets",
        "Fetching MSFT balance sheets (quarterly)",
    ),
    (
        "get_cash_flow_statements",
        {"ticker": "NVDA", "period": "ttm"},
        "cash_flow_statements",
        "Fetching NVDA cash flow statements (ttm)",
    ),
    (
        "get_financial_metrics_snapshot",
        {"ticker": "AAPL"},
        "snapshot",
        "Fetching AAPL current financial metrics",
    ),
    (
        "get_financial_metrics",
        {"ticker": "GOOGL", "period": "annual"},
        "financial_metrics",
        "Fetching GOOGL financial metrics (annual)",
    ),
    (
        "get_segmented_revenues",
        {"ticker": "AAPL", "period": "annual"},
        "segmented_revenues",
        "Fetching AAPL revenue by segment (annual)",
    ),
    ("get_price_snapshot", {"ticker": "AAPL"}, "snapshot", "Fetching the current AAPL price"),
    (
        "get_prices",
        {"ticker": "AAPL", **YEAR},
        "prices",
        "Fetching AAPL prices (2024-01-01 to 2024-12-31)",
    ),
    (
        "get_crypto_prices",
        {"ticker": "BTC-USD", **YEAR},
        "prices",
        "Fetching BTC-USD prices (2024-01-01 to 2024-12-31)",
    ),
    ("get_news", {"ticker": "AAPL"}, "news", "Fetching AAPL news"),
    (
        "get_insider_trades",
        {"ticker": "AAPL", "limit": 3},
        "insider_trades",
        "Fetching AAPL insider trades",
    ),
    (
        "get_institutional_ownership",
        {"ticker": "AAPL"},
        "institutional-ownership",
        "Fetching AAPL institutional ownership",
    ),
    (
        "get_filings",
        {"ticker": "AAPL", "filing_type": "10-K"},
        "filings",
        "Fetching AAPL SEC filings",
    ),
    (
        "get_filing_items",
        {"ticker": "AAPL", "filing_type": "10-K", "year": 2024, "item": "Item-1A"},
        "items",
        "Reading AAPL 10-K 2024 Item-1A",
    ),
    (
        "screen_stocks",
        {"filters": [{"field": "net_margin", "operator": "gt", "value": 0.3}]},
        "search_results",
        "Screening stocks (1 filter)",
    ),
]


@pytest.fixture
async def toolbox(settings: Settings) -> AsyncIterator[FinancialToolbox]:
    box = FinancialToolbox(settings)
    yield box
    await box.aclose()


def test_every_tool_is_covered() -> None:
    assert {name for name, *_ in CALLS} == {spec.name for spec in TOOL_SPECS}


@pytest.mark.parametrize(("name", "arguments", "key", "description"), CALLS)
async def test_tool_fetches_and_trims(
    toolbox: FinancialToolbox, name: str, arguments: dict[str, Any], key: str, description: str
) -> None:
    assert toolbox.describe(name, arguments) == description
    result = await toolbox.run(name, arguments)
    assert result.ok, result.content
    data = json.loads(result.content)
    assert data[key], data
    assert len(result.content) <= MAX_RESULT_CHARS + 200
    assert "accession_number" not in result.content and "time_milliseconds" not in result.content


async def test_results_are_cached_per_kind(
    settings: Settings, data_server: FakeFinancialDatasets
) -> None:
    now = [1000.0]
    toolbox = FinancialToolbox(settings, clock=lambda: now[0])
    statements = {"ticker": "AAPL", "period": "annual"}
    first = await toolbox.run("get_income_statements", statements)
    await toolbox.run("get_price_snapshot", {"ticker": "AAPL"})
    now[0] += 120  # prices are stale after a minute, statements after a day
    assert await toolbox.run("get_income_statements", dict(reversed(statements.items()))) == first
    await toolbox.run("get_price_snapshot", {"ticker": "aapl"})
    await toolbox.aclose()
    assert [r.path for r in data_server.requests] == [
        "/financials/income-statements/",
        "/prices/snapshot/",
        "/prices/snapshot/",
    ]


async def test_prices_are_sampled_not_flooding(toolbox: FinancialToolbox) -> None:
    result = await toolbox.run(
        "get_prices",
        {"ticker": "AAPL", "start_date": "2010-01-01", "end_date": "2024-12-31", "interval": "day"},
    )
    data = json.loads(result.content)
    assert len(data["prices"]) <= 40 and "showing" in data["note"]
    assert result.summary.endswith("of 5000 rows")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"financial_datasets_api_key": ""},
            "data unavailable: FINANCIAL_DATASETS_API_KEY is not set",
        ),
        (
            {"financial_datasets_api_key": "wrong"},
            "data unavailable: the data API rejected FINANCIAL_DATASETS_API_KEY",
        ),
        (
            {"financial_datasets_api_url": "http://127.0.0.1:1"},
            "data unavailable: the data API request failed",
        ),
    ],
)
async def test_unavailable_data_is_a_readable_result(
    settings: Settings, changes: dict[str, str], expected: str
) -> None:
    toolbox = FinancialToolbox(dataclasses.replace(settings, **changes))
    result = await toolbox.run("get_news", {"ticker": "AAPL"})
    await toolbox.aclose()
    assert not result.ok and result.content.startswith(expected)
    assert "wrong" not in result.content


async def test_a_blip_is_retried_once(
    toolbox: FinancialToolbox, data_server: FakeFinancialDatasets
) -> None:
    data_server.fail("/news", status=502, message="bad gateway", times=1)
    assert (await toolbox.run("get_news", {"ticker": "AAPL"})).ok
    assert len(data_server.requests) == 2


async def test_refusals_are_not_retried(
    toolbox: FinancialToolbox, data_server: FakeFinancialDatasets
) -> None:
    result = await toolbox.run("get_news", {"ticker": "ZZZZ"})
    assert (
        result.content
        == "data unavailable: the data API answered HTTP 404: No data found for ticker ZZZZ"
    )
    assert len(data_server.requests) == 1


async def test_failed_requests_are_not_cached(
    toolbox: FinancialToolbox, data_server: FakeFinancialDatasets
) -> None:
    data_server.fail("/news", status=503, message="maintenance", times=2)
    failed = await toolbox.run("get_news", {"ticker": "AAPL"})
    assert failed.content == "data unavailable: the data API answered HTTP 503: maintenance"
    assert (await toolbox.run("get_news", {"ticker": "AAPL"})).ok
    assert len(data_server.requests) == 3
