"""Cutting an API response down to what an answer needs, so no tool result floods the context.

Drops bookkeeping fields (accession numbers, URLs of the filing index, epoch timestamps) and
nulls, states the ticker/currency/period once instead of on every row, shortens long texts,
samples long price series evenly, and finally drops rows until the result fits its size cap,
saying so in a note the model reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

DROPPED_FIELDS = frozenset(
    {"accession_number", "filing_url", "cik", "time_milliseconds", "calendar_date"}
)
# Fields stated once at the top when every row has the same value.
SHARED_FIELDS = ("ticker", "currency", "period")
# Row lists that are time series: sampled evenly rather than cut at the end.
SERIES_KEYS = frozenset({"prices"})
MAX_ROWS = 12
MAX_SERIES_ROWS = 40
MAX_TEXT_CHARS = 3000
MAX_RESULT_CHARS = 8000


@dataclass(frozen=True)
class Trimmed:
    """The trimmed data, and how many of the response's rows it still holds."""

    data: dict[str, Any]
    shown: int
    total: int

    @property
    def summary(self) -> str:
        if self.shown == self.total:
            return f"{self.total} row{'s' if self.total != 1 else ''}"
        return f"{self.shown} of {self.total} rows"


def trim_payload(
    payload: Any,
    *,
    max_rows: int = MAX_ROWS,
    max_series_rows: int = MAX_SERIES_ROWS,
    max_text: int = MAX_TEXT_CHARS,
    max_chars: int = MAX_RESULT_CHARS,
) -> Trimmed:
    """Trim one API response (a JSON object); ValueError if it is not one."""
    if not isinstance(payload, dict):
        raise ValueError("the data API answered with something other than a JSON object")
    header: dict[str, Any] = {}
    rows_key, rows = "", []
    for key, value in payload.items():
        if isinstance(value, list) and not rows_key:
            rows_key, rows = key, [r for r in value if isinstance(r, dict)]
        elif isinstance(value, dict) and not rows_key:
            rows_key, rows = key, [value]
        elif key not in DROPPED_FIELDS and value is not None and not isinstance(value, list):
            header[key] = _clean(value, max_text)
    rows = [_clean(row, max_text) for row in rows]
    if len(rows) > 1:
        for name in SHARED_FIELDS:
            values = {json.dumps(row.get(name)) for row in rows}
            if len(values) == 1 and name in rows[0]:
                header.setdefault(name, rows[0][name])
                for row in rows:
                    row.pop(name, None)
    total = len(rows)
    rows = sample_evenly(rows, max_series_rows) if rows_key in SERIES_KEYS else rows[:max_rows]
    data = _assemble(header, rows_key, rows, total)
    while len(json.dumps(data)) > max_chars and len(rows) > 1:
        rows = rows[:-1]
        data = _assemble(header, rows_key, rows, total)
    return Trimmed(data=data, shown=len(rows), total=total)


def sample_evenly(rows: list[Any], limit: int) -> list[Any]:
    """At most `limit` rows spread evenly over `rows`, the first and the last always kept."""
    if len(rows) <= limit:
        return list(rows)
    if limit == 1:
        return [rows[-1]]
    step = (len(rows) - 1) / (limit - 1)
    return [rows[round(i * step)] for i in range(limit)]


def _assemble(
    header: dict[str, Any], rows_key: str, rows: list[dict[str, Any]], total: int
) -> dict[str, Any]:
    data = dict(header)
    if rows_key:
        data[rows_key] = rows
    if len(rows) < total:
        data["note"] = f"showing {len(rows)} of {total} rows; ask for fewer or narrower data"
    return data


def _clean(value: Any, max_text: int) -> Any:
    if isinstance(value, dict):
        return {
            k: _clean(v, max_text)
            for k, v in value.items()
            if k not in DROPPED_FIELDS and v is not None
        }
    if isinstance(value, list):
        return [_clean(v, max_text) for v in value]
    if isinstance(value, str) and len(value) > max_text:
        return value[:max_text].rstrip() + " […]"
    return value
