"""A fake Financial Datasets API (api.financialdatasets.ai) on 127.0.0.1, for tests.

Use it as an async context manager (or through the `fake_financial_datasets` fixture)::

    async with FakeFinancialDatasets() as data:
        settings = Settings(
            financial_datasets_api_url=data.base_url,
            financial_datasets_api_key=data.api_key,
        )
        data.fail("/financials/income-statements/", status=500, times=1)
        data.delay = 0.2  # every request waits 200 ms (to prove calls overlap)
        ...
        assert data.requests[-1].params["ticker"] == "AAPL"

Paths and response shapes follow the real API (trailing slash optional):
`/financials/income-statements/`, `/financials/balance-sheets/`,
`/financials/cash-flow-statements/` (`ticker`, `period` annual|quarterly|ttm, `limit`),
`/financial-metrics/` and `/financial-metrics/snapshot/`, `/financials/segmented-revenues/`,
`/prices/snapshot/`, `/prices/` and `/crypto/prices/` (`interval`, `interval_multiplier`,
`start_date`, `end_date`), `/news/`, `/insider-trades/`, `/institutional-ownership/`,
`/filings/`, `/filings/items/`, and `POST /financials/search/screener`.

Requests without the right `x-api-key` header get 401; unknown tickers get 404; missing or
malformed parameters get 400, all as `{"error": ..., "message": ...}` like the real API.
Known tickers: AAPL, MSFT, NVDA, GOOGL (and BTC-USD, ETH-USD for crypto). Figures are
fixed, plausible numbers, so tests can assert on them. Every request is recorded in
`requests` (path, query params, JSON body, headers).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import operator
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from tests.fakes.loopback import LoopbackFake

Record = dict[str, Any]

# Latest fiscal year: (fiscal year end, revenue, net income, shares outstanding, price).
COMPANIES: dict[str, tuple[str, float, float, float, float, str]] = {
    "AAPL": ("2024-09-28", 391_035e6, 93_736e6, 15_116e6, 229.87, "Apple Inc."),
    "MSFT": ("2024-06-30", 245_122e6, 88_136e6, 7_434e6, 415.26, "Microsoft Corporation"),
    "NVDA": ("2025-01-26", 130_497e6, 72_880e6, 24_477e6, 131.38, "NVIDIA Corporation"),
    "GOOGL": ("2024-12-31", 350_018e6, 100_118e6, 12_211e6, 172.63, "Alphabet Inc."),
}
CRYPTO_PRICES = {"BTC-USD": 97_250.0, "ETH-USD": 3_420.5}
GROWTH = 0.07  # revenue growth assumed for earlier periods
PERIODS = ("annual", "quarterly", "ttm")


class BadRequest(Exception):
    """A request the real API would refuse with 400/404."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message


@dataclass
class RecordedRequest:
    method: str
    path: str
    params: dict[str, str]
    body: Any
    headers: dict[str, str]


@dataclass
class _Failure:
    path: str
    status: int
    message: str
    times: int | None


@dataclass
class FakeFinancialDatasets(LoopbackFake):
    """The fake server; see the module docstring."""

    api_key: str = "fd-test-key"
    delay: float = 0.0
    requests: list[RecordedRequest] = field(default_factory=list)
    _failures: list[_Failure] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail(
        self,
        path: str,
        *,
        status: int = 500,
        message: str = "Internal Server Error",
        times: int | None = None,
    ) -> None:
        """Answer requests whose path starts with `path` with HTTP `status` (`times` times)."""
        self._failures.append(_Failure(path.rstrip("/"), status, message, times))

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.rstrip("/") == path.rstrip("/")]

    def make_app(self) -> web.Application:
        app = web.Application()
        for path, handler in _ROUTES.items():
            method = "POST" if path == "/financials/search/screener" else "GET"
            for variant in (path, path + "/"):
                app.router.add_route(method, variant, self._wrap(handler))
        return app

    def _wrap(self, handler: Any) -> Any:
        async def handle(request: web.Request) -> web.Response:
            body = await request.json() if request.can_read_body else None
            self.requests.append(
                RecordedRequest(
                    request.method, request.path, dict(request.query), body, dict(request.headers)
                )
            )
            if self.delay:
                await asyncio.sleep(self.delay)
            if request.headers.get("x-api-key") != self.api_key:
                return _error(401, "Unauthorized", "Invalid or missing API key.")
            if (failure := self._failure_for(request.path)) is not None:
                return _error(failure.status, "Error", failure.message)
            try:
                return web.json_response(handler(dict(request.query), body))
            except BadRequest as exc:
                return _error(exc.status, exc.error, exc.message)

        return handle

    def _failure_for(self, path: str) -> _Failure | None:
        for failure in self._failures:
            if failure.times != 0 and path.rstrip("/").startswith(failure.path):
                if failure.times is not None:
                    failure.times -= 1
                return failure
        return None


@pytest.fixture
async def fake_financial_datasets() -> AsyncIterator[FakeFinancialDatasets]:
    """A running fake; import this name into a conftest to use it as a fixture."""
    async with FakeFinancialDatasets() as server:
        yield server


# -- request checking ----------------------------------------------------------------------


def _error(status: int, error: str, message: str) -> web.Response:
    return web.json_response({"error": error, "message": message}, status=status)


def _ticker(params: Record) -> str:
    ticker = (params.get("ticker") or "").upper()
    if not ticker:
        raise BadRequest(400, "Bad Request", "ticker is required")
    if ticker not in COMPANIES:
        raise BadRequest(404, "Not Found", f"No data found for ticker {ticker}")
    return ticker


def _period(params: Record) -> str:
    period = params.get("period", "")
    if period not in PERIODS:
        raise BadRequest(400, "Bad Request", f"period must be one of {', '.join(PERIODS)}")
    return period


def _limit(params: Record, default: int = 4, maximum: int = 100) -> int:
    try:
        limit = int(params.get("limit", default))
    except ValueError:
        raise BadRequest(400, "Bad Request", "limit must be an integer") from None
    if not 1 <= limit <= maximum:
        raise BadRequest(400, "Bad Request", f"limit must be between 1 and {maximum}")
    return limit


def _date(params: Record, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(params.get(name, ""))
    except ValueError:
        raise BadRequest(400, "Bad Request", f"{name} must be a date (YYYY-MM-DD)") from None


# -- data ----------------------------------------------------------------------------------


def _report_periods(ticker: str, period: str, limit: int) -> list[tuple[str, float, str]]:
    """(report_period, scale against the latest fiscal year, fiscal_period), newest first."""
    year_end = dt.date.fromisoformat(COMPANIES[ticker][0])
    rows = []
    for i in range(limit):
        if period == "quarterly":
            end = year_end - dt.timedelta(days=91 * i)
            scale = 0.25 / (1 + GROWTH) ** (i / 4)
            label = f"{end.year}-Q{(end.month - 1) // 3 + 1}"
        else:
            end = year_end.replace(year=year_end.year - i)
            scale = 1 / (1 + GROWTH) ** i
            label = f"{end.year}-FY" if period == "annual" else f"{end.year}-TTM"
        rows.append((end.isoformat(), scale, label))
    return rows


def _statement_base(ticker: str, report_period: str, period: str, label: str) -> Record:
    return {
        "ticker": ticker,
        "report_period": report_period,
        "fiscal_period": label,
        "period": period,
        "currency": "USD",
        "accession_number": "0000320193-24-000123",
        "filing_url": f"https://www.sec.gov/cgi-bin/browse-edgar?action=getcompany&CIK={ticker}",
    }


def income_statements(params: Record, _body: Any) -> Record:
    ticker, period, limit = _ticker(params), _period(params), _limit(params)
    _, revenue, net_income, shares, _price, _name = COMPANIES[ticker]
    rows = []
    for report_period, scale, label in _report_periods(ticker, period, limit):
        rev, ni = revenue * scale, net_income * scale
        rows.append(
            _statement_base(ticker, report_period, period, label)
            | {
                "revenue": round(rev),
                "cost_of_revenue": round(rev * 0.54),
                "gross_profit": round(rev * 0.46),
                "operating_expense": round(rev * 0.14),
                "selling_general_and_administrative_expenses": round(rev * 0.07),
                "research_and_development": round(rev * 0.07),
                "operating_income": round(rev * 0.32),
                "interest_expense": 0,
                "ebit": round(rev * 0.32),
                "income_tax_expense": round(ni * 0.24),
                "net_income_discontinued_operations": 0,
                "net_income_non_controlling_interests": 0,
                "net_income": round(ni),
                "net_income_common_stock": round(ni),
                "preferred_dividends_impact": 0,
                "consolidated_income": round(ni),
                "earnings_per_share": round(ni / shares, 2),
                "earnings_per_share_diluted": round(ni / shares * 0.995, 2),
                "dividends_per_common_share": 0.98,
                "weighted_average_shares": round(shares),
                "weighted_average_shares_diluted": round(shares * 1.005),
            }
        )
    return {"income_statements": rows}


def balance_sheets(params: Record, _body: Any) -> Record:
    ticker, period, limit = _ticker(params), _period(params), _limit(params)
    _, revenue, _ni, shares, _price, _name = COMPANIES[ticker]
    rows = []
    for report_period, scale, label in _report_periods(ticker, period, limit):
        assets = revenue * 0.94 * (scale if period != "quarterly" else scale * 4)
        rows.append(
            _statement_base(ticker, report_period, period, label)
            | {
                "total_assets": round(assets),
                "current_assets": round(assets * 0.42),
                "cash_and_equivalents": round(assets * 0.08),
                "inventory": round(assets * 0.02),
                "current_investments": round(assets * 0.1),
                "trade_and_non_trade_receivables": round(assets * 0.18),
                "non_current_assets": round(assets * 0.58),
                "property_plant_and_equipment": round(assets * 0.13),
                "goodwill_and_intangible_assets": 0,
                "investments": round(assets * 0.36),
                "non_current_investments": round(assets * 0.26),
                "outstanding_shares": round(shares),
                "tax_assets": round(assets * 0.05),
                "total_liabilities": round(assets * 0.84),
                "current_liabilities": round(assets * 0.48),
                "current_debt": round(assets * 0.06),
                "trade_and_non_trade_payables": round(assets * 0.19),
                "deferred_revenue": round(assets * 0.02),
                "deposit_liabilities": 0,
                "non_current_liabilities": round(assets * 0.36),
                "non_current_debt": round(assets * 0.23),
                "tax_liabilities": round(assets * 0.03),
                "shareholders_equity": round(assets * 0.16),
                "retained_earnings": round(-assets * 0.01),
                "accumulated_other_comprehensive_income": round(-assets * 0.02),
                "total_debt": round(assets * 0.29),
            }
        )
    return {"balance_sheets": rows}


def cash_flow_statements(params: Record, _body: Any) -> Record:
    ticker, period, limit = _ticker(params), _period(params), _limit(params)
    _, revenue, net_income, _shares, _price, _name = COMPANIES[ticker]
    rows = []
    for report_period, scale, label in _report_periods(ticker, period, limit):
        ni, cfo = net_income * scale, net_income * scale * 1.26
        rows.append(
            _statement_base(ticker, report_period, period, label)
            | {
                "net_income": round(ni),
                "depreciation_and_amortization": round(revenue * scale * 0.03),
                "share_based_compensation": round(revenue * scale * 0.03),
                "net_cash_flow_from_operations": round(cfo),
                "capital_expenditure": round(-cfo * 0.08),
                "business_acquisitions_and_disposals": 0,
                "investment_acquisitions_and_disposals": round(cfo * 0.1),
                "net_cash_flow_from_investing": round(cfo * 0.02),
                "issuance_or_repayment_of_debt_securities": round(-cfo * 0.05),
                "issuance_or_purchase_of_equity_shares": round(-cfo * 0.8),
                "dividends_and_other_cash_distributions": round(-cfo * 0.13),
                "net_cash_flow_from_financing": round(-cfo * 1.0),
                "change_in_cash_and_equivalents": round(-cfo * 0.05),
                "effect_of_exchange_rate_changes": 0,
                "ending_cash_balance": round(revenue * 0.075),
                "free_cash_flow": round(cfo * 0.92),
            }
        )
    return {"cash_flow_statements": rows}


def _metrics(ticker: str, scale: float) -> Record:
    _, revenue, net_income, shares, price, _name = COMPANIES[ticker]
    market_cap = price * shares
    return {
        "ticker": ticker,
        "market_cap": round(market_cap),
        "enterprise_value": round(market_cap * 1.01),
        "price_to_earnings_ratio": round(market_cap / (net_income * scale), 2),
        "price_to_book_ratio": round(market_cap / (revenue * 0.15), 2),
        "price_to_sales_ratio": round(market_cap / (revenue * scale), 2),
        "enterprise_value_to_ebitda_ratio": round(market_cap / (revenue * scale * 0.35), 2),
        "enterprise_value_to_revenue_ratio": round(market_cap * 1.01 / (revenue * scale), 2),
        "free_cash_flow_yield": 0.031,
        "peg_ratio": 2.4,
        "gross_margin": 0.46,
        "operating_margin": 0.32,
        "net_margin": round(net_income / revenue, 4),
        "return_on_equity": 1.57,
        "return_on_assets": 0.26,
        "return_on_invested_capital": 0.56,
        "asset_turnover": 1.07,
        "inventory_turnover": 28.9,
        "receivables_turnover": 6.0,
        "days_sales_outstanding": 61.0,
        "operating_cycle": 73.6,
        "working_capital_turnover": -16.2,
        "current_ratio": 0.87,
        "quick_ratio": 0.83,
        "cash_ratio": 0.17,
        "operating_cash_flow_ratio": 0.68,
        "debt_to_equity": 1.87,
        "debt_to_assets": 0.29,
        "interest_coverage": None,
        "revenue_growth": GROWTH,
        "earnings_growth": -0.03,
        "book_value_growth": -0.08,
        "earnings_per_share_growth": -0.01,
        "free_cash_flow_growth": 0.09,
        "operating_income_growth": 0.08,
        "ebitda_growth": 0.07,
        "payout_ratio": 0.16,
        "earnings_per_share": round(net_income * scale / shares, 2),
        "book_value_per_share": 3.77,
        "free_cash_flow_per_share": 7.09,
    }


def financial_metrics_snapshot(params: Record, _body: Any) -> Record:
    return {"snapshot": _metrics(_ticker(params), 1.0)}


def financial_metrics(params: Record, _body: Any) -> Record:
    ticker, period, limit = _ticker(params), _period(params), _limit(params)
    rows = [
        _metrics(ticker, scale)
        | {
            "report_period": report_period,
            "fiscal_period": label,
            "period": period,
            "currency": "USD",
        }
        for report_period, scale, label in _report_periods(ticker, period, limit)
    ]
    return {"financial_metrics": rows}


def segmented_revenues(params: Record, _body: Any) -> Record:
    ticker, period, limit = _ticker(params), _period(params), _limit(params)
    _, revenue, *_ = COMPANIES[ticker]
    segments = (("Products", 0.75), ("Services", 0.25))
    rows = []
    for report_period, scale, _label in _report_periods(ticker, period, limit):
        items = [
            {
                "name": "Revenues",
                "amount": round(revenue * scale * share),
                "end_period": report_period,
                "start_period": None,
                "segments": [{"label": name, "type": "Product or Service"}],
            }
            for name, share in segments
        ]
        rows.append(
            {"ticker": ticker, "report_period": report_period, "period": period, "items": items}
        )
    return {"segmented_revenues": rows}


def price_snapshot(params: Record, _body: Any) -> Record:
    ticker = _ticker(params)
    _, _rev, _ni, shares, price, _name = COMPANIES[ticker]
    now = dt.datetime(2025, 1, 17, 21, 0, tzinfo=dt.UTC)
    return {
        "snapshot": {
            "ticker": ticker,
            "price": price,
            "day_change": 1.42,
            "day_change_percent": 0.62,
            "market_cap": round(price * shares),
            "volume": 48_123_000,
            "time": now.strftime("%Y-%m-%d %H:%M:%S"),
            "time_milliseconds": int(now.timestamp() * 1000),
        }
    }


def _price_rows(params: Record, price: float) -> list[Record]:
    interval = params.get("interval", "")
    if interval not in ("minute", "day", "week", "month", "year"):
        raise BadRequest(400, "Bad Request", "interval must be minute, day, week, month or year")
    start, end = _date(params, "start_date"), _date(params, "end_date")
    if end < start:
        raise BadRequest(400, "Bad Request", "end_date is before start_date")
    step = {"minute": 1, "day": 1, "week": 7, "month": 30, "year": 365}[interval]
    step *= max(1, int(params.get("interval_multiplier", "1") or 1))
    rows, day, i = [], start, 0
    while day <= end and len(rows) < 5000:
        close = round(price * (1 + 0.002 * ((i % 7) - 3)), 2)
        stamp = dt.datetime.combine(day, dt.time(5), tzinfo=dt.UTC)
        rows.append(
            {
                "open": round(close * 0.995, 2),
                "close": close,
                "high": round(close * 1.01, 2),
                "low": round(close * 0.985, 2),
                "volume": 40_000_000 + 1_000_000 * (i % 5),
                "time": stamp.strftime("%Y-%m-%d %H:%M:%S"),
                "time_milliseconds": int(stamp.timestamp() * 1000),
            }
        )
        day += dt.timedelta(days=step)
        i += 1
    return rows


def prices(params: Record, _body: Any) -> Record:
    ticker = _ticker(params)
    return {"ticker": ticker, "prices": _price_rows(params, COMPANIES[ticker][4])}


def crypto_prices(params: Record, _body: Any) -> Record:
    ticker = (params.get("ticker") or "").upper()
    if ticker not in CRYPTO_PRICES:
        raise BadRequest(404, "Not Found", f"No data found for ticker {ticker}")
    return {"ticker": ticker, "prices": _price_rows(params, CRYPTO_PRICES[ticker])}


def news(params: Record, _body: Any) -> Record:
    ticker, limit = _ticker(params), _limit(params, default=10)
    name = COMPANIES[ticker][5]
    articles = [
        {
            "ticker": ticker,
            "title": f"{name} {topic}",
            "author": "Staff Reporter",
            "source": source,
            "date": f"2025-01-{17 - i:02d}",
            "url": f"https://news.example.com/{ticker.lower()}/{i}",
            "sentiment": sentiment,
        }
        for i, (topic, source, sentiment) in enumerate(
            [
                ("beats quarterly revenue estimates", "Reuters", "positive"),
                ("faces new antitrust scrutiny in Europe", "Bloomberg", "negative"),
                ("announces expanded buyback programme", "CNBC", "positive"),
                ("shares little changed ahead of earnings", "MarketWatch", "neutral"),
            ]
            * 5
        )
    ]
    return {"news": articles[:limit]}


def insider_trades(params: Record, _body: Any) -> Record:
    ticker, limit = _ticker(params), _limit(params, default=10)
    _, _rev, _ni, _shares, price, name = COMPANIES[ticker]
    trades = [
        {
            "ticker": ticker,
            "issuer": name,
            "name": insider,
            "title": title,
            "is_board_director": title == "Director",
            "transaction_date": f"2024-12-{16 - i:02d}",
            "transaction_shares": -shares,
            "transaction_price_per_share": price,
            "transaction_value": round(-shares * price, 2),
            "shares_owned_before_transaction": shares * 10,
            "shares_owned_after_transaction": shares * 9,
            "security_title": "Common Stock",
            "filing_date": f"2024-12-{18 - i:02d}",
        }
        for i, (insider, title, shares) in enumerate(
            [("Jane Doe", "Chief Financial Officer", 50_000), ("John Roe", "Director", 12_000)] * 10
        )
    ]
    return {"insider_trades": trades[:limit]}


def institutional_ownership(params: Record, _body: Any) -> Record:
    ticker, limit = _ticker(params), _limit(params, default=10)
    price = COMPANIES[ticker][4]
    holders = [
        ("VANGUARD GROUP INC", 1_300_000_000),
        ("BLACKROCK INC.", 1_040_000_000),
        ("STATE STREET CORP", 590_000_000),
        ("FMR LLC", 350_000_000),
        ("GEODE CAPITAL MANAGEMENT, LLC", 330_000_000),
    ]
    rows = [
        {
            "ticker": ticker,
            "investor": investor,
            "report_period": "2024-09-30",
            "price": price,
            "shares": shares,
            "market_value": round(shares * price),
        }
        for investor, shares in holders
    ]
    return {"institutional-ownership": rows[:limit]}


def filings(params: Record, _body: Any) -> Record:
    ticker, limit = _ticker(params), _limit(params, default=10)
    filing_type = params.get("filing_type")
    rows = [
        {
            "cik": 320193,
            "accession_number": f"0000320193-24-0001{i:02d}",
            "filing_type": kind,
            "report_date": date,
            "ticker": ticker,
            "url": f"https://www.sec.gov/Archives/edgar/data/320193/{ticker.lower()}-{i}.htm",
        }
        for i, (kind, date) in enumerate(
            [
                ("10-K", "2024-09-28"),
                ("8-K", "2024-10-31"),
                ("10-Q", "2024-06-29"),
                ("10-Q", "2024-03-30"),
                ("4", "2024-12-16"),
            ]
        )
    ]
    if filing_type:
        rows = [r for r in rows if r["filing_type"] == filing_type]
    return {"filings": rows[:limit]}


def filing_items(params: Record, _body: Any) -> Record:
    ticker = _ticker(params)
    filing_type = params.get("filing_type", "")
    if filing_type not in ("10-K", "10-Q"):
        raise BadRequest(400, "Bad Request", "filing_type must be 10-K or 10-Q")
    try:
        year = int(params.get("year", ""))
    except ValueError:
        raise BadRequest(400, "Bad Request", "year must be an integer") from None
    name = COMPANIES[ticker][5]
    items = [
        {
            "number": "Item-1",
            "name": "Business",
            "text": f"{name} designs, manufactures and markets products and services. " * 40,
        },
        {
            "number": "Item-1A",
            "name": "Risk Factors",
            "text": "The company's business can be affected by macroeconomic conditions. " * 60,
        },
        {
            "number": "Item-7",
            "name": "Management's Discussion and Analysis",
            "text": "Net sales increased during the year, driven by higher services revenue. " * 50,
        },
    ]
    wanted = params.get("item")
    if wanted:
        items = [i for i in items if i["number"] == wanted]
    return {
        "ticker": ticker,
        "cik": "0000320193",
        "filing_type": filing_type,
        "accession_number": "0000320193-24-000123",
        "year": year,
        "quarter": int(params["quarter"]) if params.get("quarter", "").isdigit() else None,
        "items": items,
    }


def screener(_params: Record, body: Any) -> Record:
    if not isinstance(body, dict) or not isinstance(body.get("filters"), list):
        raise BadRequest(400, "Bad Request", "filters must be a list")
    limit = _limit({"limit": body.get("limit", 100)}, default=100)
    rows = []
    for ticker in COMPANIES:
        metrics = _metrics(ticker, 1.0)
        statements = income_statements({"ticker": ticker, "period": "ttm", "limit": "1"}, None)
        row = statements["income_statements"][0] | metrics
        if all(_passes(row, f) for f in body["filters"]):
            rows.append(
                {
                    "ticker": ticker,
                    "report_period": row["report_period"],
                    "period": "ttm",
                    "currency": "USD",
                }
                | {f["field"]: row.get(f["field"]) for f in body["filters"]}
            )
    return {"search_results": rows[:limit]}


def _passes(row: Record, condition: Any) -> bool:
    if not isinstance(condition, dict) or {"field", "operator", "value"} - condition.keys():
        raise BadRequest(400, "Bad Request", "each filter needs field, operator and value")
    value = row.get(condition["field"])
    target = condition["value"]
    op = condition["operator"]
    if op == "in":
        return value in target
    if op not in _COMPARISONS:
        raise BadRequest(400, "Bad Request", f"unknown operator {json.dumps(op)}")
    if value is None:
        return False
    try:
        return _COMPARISONS[op](value, target)
    except TypeError:
        raise BadRequest(400, "Bad Request", "filter value must be a number") from None


_COMPARISONS = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
    "eq": operator.eq,
}


_ROUTES = {
    "/financials/income-statements": income_statements,
    "/financials/balance-sheets": balance_sheets,
    "/financials/cash-flow-statements": cash_flow_statements,
    "/financials/segmented-revenues": segmented_revenues,
    "/financial-metrics/snapshot": financial_metrics_snapshot,
    "/financial-metrics": financial_metrics,
    "/prices/snapshot": price_snapshot,
    "/prices": prices,
    "/crypto/prices": crypto_prices,
    "/news": news,
    "/insider-trades": insider_trades,
    "/institutional-ownership": institutional_ownership,
    "/filings/items": filing_items,
    "/filings": filings,
    "/financials/search/screener": screener,
}
