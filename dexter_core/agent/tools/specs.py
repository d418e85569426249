"""The Financial Datasets tools the model can call: name, JSON schema, endpoint, cache kind.

Argument names are the API's query parameters, so validated arguments go to the API as
they are. `describe` turns a call into plain words for the progress line users see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dexter_core.agent.tools.cache_logic import CacheKind

Args = dict[str, Any]

TICKER = {
    "type": "string",
    "pattern": r"^[A-Za-z0-9.\-]{1,12}$",
    "description": "Stock ticker symbol, e.g. AAPL.",
}
PERIOD = {
    "type": "string",
    "enum": ["annual", "quarterly", "ttm"],
    "description": "annual, quarterly or ttm (trailing twelve months).",
}
DATE = {"type": "string", "format": "date", "description": "A date, YYYY-MM-DD."}
INTERVAL = {"type": "string", "enum": ["day", "week", "month", "year"]}


def _limit(default: int, maximum: int) -> dict[str, Any]:
    return {
        "type": "integer",
        "minimum": 1,
        "maximum": maximum,
        "default": default,
        "description": f"How many to return (default {default}, at most {maximum}).",
    }


def _schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


@dataclass(frozen=True, kw_only=True)
class ToolSpec:
    name: str
    description: str
    parameters: dict[str, Any]
    path: str
    kind: CacheKind
    describe: Callable[[Args], str]
    method: str = "GET"

    def openai_tool(self) -> dict[str, Any]:
        """The tool as the chat-completions `tools` list wants it."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }


def _statement_tool(name: str, what: str, path: str) -> ToolSpec:
    return ToolSpec(
        name=name,
        description=(
            f"{what.capitalize()} of a public company, newest first, from its SEC filings. "
            "Figures in the reporting currency (usually USD)."
        ),
        parameters=_schema(
            {"ticker": TICKER, "period": PERIOD, "limit": _limit(4, 12)}, ["ticker", "period"]
        ),
        path=path,
        kind=CacheKind.STATEMENTS,
        describe=lambda a: f"Fetching {a['ticker'].upper()} {what} ({a['period']})",
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _range(a: Args) -> str:
    return f"{a['start_date']} to {a['end_date']}"


def _price_history_tool(
    name: str, description: str, path: str, *, ticker: dict[str, Any]
) -> ToolSpec:
    return ToolSpec(
        name=name,
        description=description,
        parameters=_schema(
            {
                "ticker": ticker,
                "start_date": DATE,
                "end_date": DATE,
                "interval": INTERVAL,
                "interval_multiplier": {"type": "integer", "minimum": 1, "default": 1},
            },
            ["ticker", "start_date", "end_date", "interval"],
        ),
        path=path,
        kind=CacheKind.PRICES,
        describe=lambda a: f"Fetching {a['ticker'].upper()} prices ({_range(a)})",
    )


TOOL_SPECS: tuple[ToolSpec, ...] = (
    _statement_tool("get_income_statements", "income statements", "/financials/income-statements/"),
    _statement_tool("get_balance_sheets", "balance sheets", "/financials/balance-sheets/"),
    _statement_tool(
        "get_cash_flow_statements", "cash flow statements", "/financials/cash-flow-statements/"
    ),
    ToolSpec(
        name="get_financial_metrics_snapshot",
        description=(
            "Current valuation and quality metrics of a company: market cap, P/E, P/B, EV/EBITDA, "
            "margins, returns, growth, liquidity and leverage ratios."
        ),
        parameters=_schema({"ticker": TICKER}, ["ticker"]),
        path="/financial-metrics/snapshot/",
        kind=CacheKind.SNAPSHOT,
        describe=lambda a: f"Fetching {a['ticker'].upper()} current financial metrics",
    ),
    ToolSpec(
        name="get_financial_metrics",
        description="Historical financial metrics and ratios of a company, per period.",
        parameters=_schema(
            {"ticker": TICKER, "period": PERIOD, "limit": _limit(4, 12)}, ["ticker", "period"]
        ),
        path="/financial-metrics/",
        kind=CacheKind.STATEMENTS,
        describe=lambda a: f"Fetching {a['ticker'].upper()} financial metrics ({a['period']})",
    ),
    ToolSpec(
        name="get_segmented_revenues",
        description="Revenue broken down by business segment and product line, per period.",
        parameters=_schema(
            {
                "ticker": TICKER,
                "period": {"type": "string", "enum": ["annual", "quarterly"]},
                "limit": _limit(4, 12),
            },
            ["ticker", "period"],
        ),
        path="/financials/segmented-revenues/",
        kind=CacheKind.STATEMENTS,
        describe=lambda a: f"Fetching {a['ticker'].upper()} revenue by segment ({a['period']})",
    ),
    ToolSpec(
        name="get_price_snapshot",
        description="The latest stock price of a ticker, with its day change and market cap.",
        parameters=_schema({"ticker": TICKER}, ["ticker"]),
        path="/prices/snapshot/",
        kind=CacheKind.PRICE_SNAPSHOT,
        describe=lambda a: f"Fetching the current {a['ticker'].upper()} price",
    ),
    _price_history_tool(
        "get_prices",
        (
            "Historical stock prices (open, high, low, close, volume) of a ticker between two "
            "dates, at the given interval."
        ),
        "/prices/",
        ticker=TICKER,
    ),
    _price_history_tool(
        "get_crypto_prices",
        "Historical cryptocurrency prices between two dates, e.g. BTC-USD.",
        "/crypto/prices/",
        ticker={**TICKER, "description": "Crypto pair, e.g. BTC-USD."},
    ),
    ToolSpec(
        name="get_news",
        description="Recent news articles about a company, newest first, with source and date.",
        parameters=_schema(
            {
                "ticker": TICKER,
                "limit": _limit(5, 20),
                "start_date": DATE,
                "end_date": DATE,
            },
            ["ticker"],
        ),
        path="/news/",
        kind=CacheKind.NEWS,
        describe=lambda a: f"Fetching {a['ticker'].upper()} news",
    ),
    ToolSpec(
        name="get_insider_trades",
        description="Recent buys and sales of a company's stock by its officers and directors.",
        parameters=_schema({"ticker": TICKER, "limit": _limit(10, 30)}, ["ticker"]),
        path="/insider-trades/",
        kind=CacheKind.FILINGS,
        describe=lambda a: f"Fetching {a['ticker'].upper()} insider trades",
    ),
    ToolSpec(
        name="get_institutional_ownership",
        description="The largest institutional holders of a company's stock (13F filings).",
        parameters=_schema({"ticker": TICKER, "limit": _limit(10, 30)}, ["ticker"]),
        path="/institutional-ownership/",
        kind=CacheKind.FILINGS,
        describe=lambda a: f"Fetching {a['ticker'].upper()} institutional ownership",
    ),
    ToolSpec(
        name="get_filings",
        description="A company's SEC filings (10-K, 10-Q, 8-K, ...) with dates and links.",
        parameters=_schema(
            {
                "ticker": TICKER,
                "filing_type": {"type": "string", "enum": ["10-K", "10-Q", "8-K", "4", "144"]},
                "limit": _limit(10, 30),
            },
            ["ticker"],
        ),
        path="/filings/",
        kind=CacheKind.FILINGS,
        describe=lambda a: f"Fetching {a['ticker'].upper()} SEC filings",
    ),
    ToolSpec(
        name="get_filing_items",
        description=(
            "The text of sections of a 10-K or 10-Q, e.g. Item-1A (risk factors) or Item-7 "
            "(management's discussion). Long sections are shortened."
        ),
        parameters=_schema(
            {
                "ticker": TICKER,
                "filing_type": {"type": "string", "enum": ["10-K", "10-Q"]},
                "year": {"type": "integer", "minimum": 1994, "maximum": 2100},
                "quarter": {"type": "integer", "minimum": 1, "maximum": 4},
                "item": {
                    "type": "string",
                    "pattern": r"^Item-[0-9]{1,2}[A-C]?$",
                    "description": "e.g. Item-1, Item-1A, Item-7.",
                },
            },
            ["ticker", "filing_type", "year"],
        ),
        path="/filings/items/",
        kind=CacheKind.STATEMENTS,
        describe=lambda a: (
            f"Reading {a['ticker'].upper()} {a['filing_type']} {a['year']}"
            + (f" {a['item']}" if a.get("item") else "")
        ),
    ),
    ToolSpec(
        name="screen_stocks",
        description=(
            "Find companies whose financial figures pass filters, e.g. "
            '[{"field": "net_margin", "operator": "gt", "value": 0.2}]. Fields are line items '
            "or metrics (revenue, net_income, price_to_earnings_ratio, ...)."
        ),
        parameters=_schema(
            {
                "filters": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 10,
                    "items": {
                        "type": "object",
                        "properties": {
                            "field": {"type": "string"},
                            "operator": {
                                "type": "string",
                                "enum": ["gt", "gte", "lt", "lte", "eq", "in"],
                            },
                            "value": {},
                        },
                        "required": ["field", "operator", "value"],
                    },
                },
                "period": PERIOD,
                "limit": _limit(20, 50),
            },
            ["filters"],
        ),
        path="/financials/search/screener",
        kind=CacheKind.FILINGS,
        method="POST",
        describe=lambda a: f"Screening stocks ({_count(len(a['filters']), 'filter')})",
    ),
)

SPECS_BY_NAME: dict[str, ToolSpec] = {spec.name: spec for spec in TOOL_SPECS}
