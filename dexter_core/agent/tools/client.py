"""`FinancialDatasetsClient`: the HTTP side of the data tools (one aiohttp session, `x-api-key`).

Every failure (no key, HTTP error, timeout, unreadable body) becomes `DataUnavailable` with
a reason written for the model to read and pass on; the key never appears in it or in logs.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

import aiohttp

from dexter_core.agent.retry_logic import backoff_delay, is_retryable_status, retry_after_seconds
from dexter_core.agent.tools.specs import ToolSpec
from dexter_core.settings import Settings

logger = logging.getLogger(__name__)

ATTEMPTS = 2
# A tool result is worth waiting this long for; a longer Retry-After is reported instead.
MAX_RETRY_AFTER = 2.0

_STATUS_REASONS = {
    401: "the data API rejected FINANCIAL_DATASETS_API_KEY",
    402: "the data API plan does not include this data",
    403: "the data API refused access to this data",
    429: "the data API is rate limiting requests; try again shortly",
}


class DataUnavailable(Exception):
    """The data could not be fetched; the message says why, in words for the model."""


class _Transient(DataUnavailable):
    """A failure worth one more try: 429, 5xx, a timeout or a dropped connection."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class FinancialDatasetsClient:
    """Calls the Financial Datasets API; create and use inside one event loop.

    A transient failure is tried once more after a short wait (the server's Retry-After
    when it asks for at most `MAX_RETRY_AFTER` seconds), so a blip does not cost an answer.
    """

    def __init__(
        self, settings: Settings, *, timeout: float = 20.0, backoff_base: float = 0.25
    ) -> None:
        self._api_key = settings.financial_datasets_api_key
        self._base_url = settings.financial_datasets_api_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._backoff_base = backoff_base
        self._session: aiohttp.ClientSession | None = None

    async def fetch(self, spec: ToolSpec, arguments: dict[str, Any]) -> Any:
        """The JSON the endpoint of `spec` answers for `arguments`, or `DataUnavailable`."""
        if not self._api_key:
            raise DataUnavailable(
                "FINANCIAL_DATASETS_API_KEY is not set, so no financial data can be fetched"
            )
        for attempt in range(ATTEMPTS):
            try:
                return await self._fetch_once(spec, arguments)
            except _Transient as exc:
                wait = backoff_delay(
                    attempt,
                    base=self._backoff_base,
                    jitter=random.uniform(0.5, 1.0),
                    retry_after=exc.retry_after,
                    max_retry_after=MAX_RETRY_AFTER,
                )
                if attempt + 1 >= ATTEMPTS or wait is None:
                    raise DataUnavailable(str(exc)) from exc
                await asyncio.sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _fetch_once(self, spec: ToolSpec, arguments: dict[str, Any]) -> Any:
        url = self._base_url + spec.path
        if spec.method == "POST":
            request = {"json": arguments}
        else:
            request = {"params": {k: _query_value(v) for k, v in arguments.items()}}
        try:
            async with self._http().request(
                spec.method, url, headers={"x-api-key": self._api_key}, **request
            ) as response:
                if response.status >= 400:
                    reason = await _http_error(response)
                    if is_retryable_status(response.status):
                        raise _Transient(reason, retry_after=retry_after_seconds(response.headers))
                    raise DataUnavailable(reason)
                return await response.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError) as exc:
            logger.warning("data API request to %s failed: %s", spec.path, type(exc).__name__)
            reason = "timed out" if isinstance(exc, TimeoutError) else "failed"
            raise _Transient(f"the data API request {reason}") from exc
        except ValueError as exc:
            raise DataUnavailable("the data API answered with something other than JSON") from exc

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session


def _query_value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


async def _http_error(response: aiohttp.ClientResponse) -> str:
    """A short reason for an HTTP error, using the API's `message` when it gives one."""
    detail = ""
    try:
        body = await response.json(content_type=None)
        if isinstance(body, dict):
            detail = str(body.get("message") or body.get("error") or "")[:200]
    except (aiohttp.ClientError, ValueError):
        pass
    logger.warning("data API answered HTTP %d for %s", response.status, response.url.path)
    reason = _STATUS_REASONS.get(response.status, f"the data API answered HTTP {response.status}")
    return f"{reason}: {detail}" if detail else reason
