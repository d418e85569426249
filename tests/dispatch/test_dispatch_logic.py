"""Table-driven tests of the dispatchers' pure decisions."""

from __future__ import annotations

import pytest

from dexter_core.agent.events import TurnFailed
from dexter_core.dispatch import admission_logic, failure_logic, rate_limit_logic
from dexter_core.dispatch.requests import SubmitStatus
from dexter_core.errors import (
    DexterError,
    LLMUnavailableError,
    StoreUnavailableError,
    TurnTimeoutError,
)


@pytest.mark.parametrize(
    ("previous", "current", "now", "limit", "expected"),
    [
        (0, 20, 0.0, 20, False),  # exactly at the limit
        (0, 21, 0.0, 20, True),  # one past it
        (20, 10, 30.0, 20, False),  # half the previous window still counts: 10 + 10
        (20, 11, 30.0, 20, True),  # 10 + 11
        (20, 19, 59.9, 20, False),  # the previous window has all but slid out
        (40, 1, 0.0, 20, True),  # a burst just before the edge still counts fully
        (0, 1000, 0.0, 0, False),  # zero means no limit
        (0, 1000, 0.0, -1, False),
        (0, 1, 0.0, 1, False),
        (0, 2, 0.0, 1, True),
    ],
)
def test_is_over_limit(previous: int, current: int, now: float, limit: int, expected: bool) -> None:
    assert (
        rate_limit_logic.is_over_limit(previous=previous, current=current, now=now, limit=limit)
        is expected
    )


@pytest.mark.parametrize(
    ("now", "window", "expected"),
    [(0.0, 60.0, 0), (59.99, 60.0, 0), (60.0, 60.0, 1), (1_700_000_030.0, 60.0, 28_333_333)],
)
def test_window_index(now: float, window: float, expected: int) -> None:
    assert rate_limit_logic.window_index(now, window=window) == expected


@pytest.mark.parametrize(
    ("unfinished", "limit", "expected"),
    [
        (0, 5, False),
        (4, 5, False),
        (5, 5, True),
        (9, 5, True),
        (0, 1, False),
        (1, 1, True),
        (100, 0, False),
    ],
)
def test_is_session_full(unfinished: int, limit: int, expected: bool) -> None:
    assert admission_logic.is_session_full(unfinished=unfinished, limit=limit) is expected


def test_refusals_tell_the_user_what_to_do() -> None:
    limited = admission_logic.rate_limited(20)
    assert limited.status is SubmitStatus.RATE_LIMITED
    assert "20 a minute" in limited.message
    assert admission_logic.SESSION_BUSY.message.startswith("Still working on your previous")
    assert not admission_logic.SESSION_BUSY.is_accepted
    assert admission_logic.DUPLICATE.message == ""
    assert admission_logic.ACCEPTED.is_accepted


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (TimeoutError(), "timeout"),
        (TurnTimeoutError("slow"), "timeout"),
        (LLMUnavailableError("down"), "llm_unavailable"),
        (StoreUnavailableError("redis down at 10.0.0.5"), "store_unavailable"),
        (DexterError("x"), "internal"),
        (KeyError("secret-key-name"), "internal"),
        (RuntimeError("Traceback: /srv/app.py line 3"), "internal"),
    ],
)
def test_failure_for(error: BaseException, reason: str) -> None:
    failure = failure_logic.failure_for(error)
    assert isinstance(failure, TurnFailed)
    assert failure.reason == reason
    # The user sees our words, never the exception's text.
    assert str(error) not in failure.message or not str(error)
    assert failure.message.endswith(".")
