"""Table-driven tests of the decisions every store shares."""

from __future__ import annotations

import pytest

from dexter_core.errors import InvalidInputError
from dexter_core.sessions.models import SessionMetadata
from dexter_core.sessions.store_logic import (
    SWEEP_INTERVAL,
    cleared_metadata,
    expiry_time,
    is_expired,
    is_generation_current,
    is_listed,
    new_metadata,
    should_fold,
    should_sweep,
    validate_ttl,
)


@pytest.mark.parametrize(
    ("now", "ttl", "expected"), [(100.0, 10, 110.0), (100.0, 0.5, 100.5), (100.0, 0, None)]
)
def test_expiry_time(now: float, ttl: float, expected: float | None):
    assert expiry_time(now=now, ttl=ttl) == expected


@pytest.mark.parametrize(
    ("expires_at", "now", "expected"),
    [(None, 1e12, False), (110.0, 109.9, False), (110.0, 110.0, True), (110.0, 200.0, True)],
)
def test_is_expired(expires_at: float | None, now: float, expected: bool):
    assert is_expired(expires_at, now=now) is expected


@pytest.mark.parametrize(
    ("now", "last", "expected"),
    [(100.0, 100.0, False), (100.0 + SWEEP_INTERVAL, 100.0, True), (150.0, 100.0, False)],
)
def test_should_sweep(now: float, last: float, expected: bool):
    assert should_sweep(now=now, last_sweep=last) is expected


@pytest.mark.parametrize(
    ("if_generation", "stored", "expected"), [(None, 3, True), (3, 3, True), (2, 3, False)]
)
def test_is_generation_current(if_generation: int | None, stored: int, expected: bool):
    assert is_generation_current(if_generation, stored=stored) is expected


def _meta(**fields: object) -> SessionMetadata:
    return SessionMetadata(session_id="console:ada", **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("metadata", "verbatim", "count", "expected_folded", "expected"),
    [
        (_meta(folded_turns=0), 5, 2, 0, True),
        (_meta(folded_turns=0), 5, 5, 0, True),
        (_meta(folded_turns=2), 5, 2, 0, False),  # someone folded first
        (_meta(folded_turns=0), 1, 2, 0, False),  # fewer turns left than asked
        (_meta(folded_turns=0), 5, 0, 0, False),
        (None, 5, 2, 0, False),
    ],
)
def test_should_fold(
    metadata: SessionMetadata | None,
    verbatim: int,
    count: int,
    expected_folded: int,
    expected: bool,
):
    assert (
        should_fold(metadata, verbatim_turns=verbatim, count=count, expected_folded=expected_folded)
        is expected
    )


@pytest.mark.parametrize(
    ("metadata", "user_id", "expected"),
    [
        (_meta(turn_count=1, participants={"U1": ""}), None, True),
        (_meta(turn_count=1, participants={"U1": ""}), "U1", True),
        (_meta(turn_count=1, participants={"U1": ""}), "U2", False),
        (_meta(turn_count=0, generation=1), None, False),  # cleared
        (None, None, False),
    ],
)
def test_is_listed(metadata: SessionMetadata | None, user_id: str | None, expected: bool):
    assert is_listed(metadata, user_id=user_id) is expected


def test_new_metadata_takes_platform_and_channel_from_the_id():
    meta = new_metadata("slack:T1:C9:1.2")
    assert (meta.platform, meta.channel, meta.turn_count, meta.generation) == ("slack", "C9", 0, 0)


def test_a_clear_empties_the_metadata_and_moves_the_generation_on():
    current = _meta(turn_count=4, title="t", summary="s", folded_turns=2, generation=3)
    cleared = cleared_metadata("console:ada", current)
    assert cleared == SessionMetadata(
        session_id="console:ada", platform="console", channel="ada", generation=4
    )
    assert cleared_metadata("console:ada", None).generation == 1


@pytest.mark.parametrize("ttl", [0, 1, 0.25, 30 * 24 * 3600])
def test_a_usable_ttl_is_accepted(ttl: float):
    assert validate_ttl(ttl) == ttl


@pytest.mark.parametrize("ttl", [-1, float("nan"), "60", None])
def test_an_unusable_ttl_is_refused(ttl: object):
    with pytest.raises(InvalidInputError):
        validate_ttl(ttl)  # type: ignore[arg-type]
