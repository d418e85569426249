"""When a failed HTTP call is worth retrying, and how long to wait first.

Shared by the LLM client and the data API client.
"""

from __future__ import annotations

from collections.abc import Mapping

# Longest wait we accept from a server's Retry-After by default before giving up on it.
MAX_RETRY_AFTER = 30.0
# Exponential backoff stops growing here.
MAX_BACKOFF = 8.0


def is_retryable_status(status: int) -> bool:
    """429 (rate limited), 408/409 (timeout, lock conflict) and every 5xx are worth retrying."""
    return status in (408, 409, 429) or status >= 500


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The wait a server asked for: `retry-after-ms` (OpenAI) wins over `Retry-After` seconds.

    None when neither header is present, parseable and non-negative. HTTP-date values of
    Retry-After are ignored (backoff applies), as no OpenAI-compatible server sends them.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        raw = lowered.get(name)
        if raw is None:
            continue
        try:
            value = float(raw) * scale
        except ValueError:
            continue
        if value >= 0:
            return value
    return None


def backoff_delay(
    attempt: int,
    *,
    base: float,
    jitter: float,
    retry_after: float | None = None,
    max_retry_after: float = MAX_RETRY_AFTER,
) -> float | None:
    """Seconds to wait before retry number `attempt + 1` (attempt counts from 0).

    Exponential `base * 2**attempt` capped at MAX_BACKOFF and scaled by `jitter` (a number
    in [0.5, 1], random in production) so clients that failed together spread out. A
    server's Retry-After is honoured as given; above `max_retry_after` the call is not
    worth waiting for, which is reported as None.
    """
    if retry_after is not None:
        return retry_after if retry_after <= max_retry_after else None
    return min(MAX_BACKOFF, base * 2**attempt) * jitter
