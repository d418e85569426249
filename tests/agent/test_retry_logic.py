"""Which HTTP failures are retried, and the waits between attempts."""

from __future__ import annotations

import pytest

from dexter_core.agent.retry_logic import (
    MAX_BACKOFF,
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


def test_a_lower_cap_on_retry_after() -> None:
    assert backoff_delay(0, base=0.5, jitter=1.0, retry_after=3.0, max_retry_after=2.0) is None
    assert backoff_delay(0, base=0.5, jitter=1.0, retry_after=1.5, max_retry_after=2.0) == 1.5
