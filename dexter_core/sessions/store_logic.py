"""Decisions every session store makes the same way, free of I/O.

The in-memory and SQLite stores call these directly; the Redis store follows the same
rules inside its Lua scripts (see `redis_scripts.py`).
"""

from __future__ import annotations

from dexter_core.errors import InvalidInputError
from dexter_core.sessions.models import SessionMetadata
from dexter_core.sessions.session_ids import parse_session_id

DEFAULT_SESSION_TTL = 30 * 24 * 3600
# How often an in-process store drops expired sessions nobody asked for again.
SWEEP_INTERVAL = 60.0


def validate_ttl(ttl: float) -> float:
    """Return `ttl` if it is a usable session TTL (0 or more seconds), else refuse it."""
    if not isinstance(ttl, int | float) or not ttl >= 0:
        raise InvalidInputError("session ttl must be 0 (never expire) or positive seconds")
    return ttl


def expiry_time(*, now: float, ttl: int) -> float | None:
    """When a session touched at `now` expires; None when `ttl` is 0 (never)."""
    return None if ttl <= 0 else now + ttl


def is_expired(expires_at: float | None, *, now: float) -> bool:
    """Whether something due to expire at `expires_at` is gone at `now`."""
    return expires_at is not None and expires_at <= now


def should_sweep(*, now: float, last_sweep: float) -> bool:
    """Whether an in-process store should drop its expired sessions now."""
    return now - last_sweep >= SWEEP_INTERVAL


def new_metadata(session_id: str, *, generation: int = 0) -> SessionMetadata:
    """The metadata of a session with no turns: platform and channel come from its id."""
    address = parse_session_id(session_id)
    return SessionMetadata(
        session_id=session_id,
        platform=address.platform,
        channel=address.channel,
        generation=generation,
    )


def cleared_metadata(session_id: str, current: SessionMetadata | None) -> SessionMetadata:
    """The metadata after a clear: empty, one generation on from `current`."""
    generation = current.generation if current else 0
    return new_metadata(session_id, generation=generation + 1)


def is_generation_current(if_generation: int | None, *, stored: int) -> bool:
    """Whether a write made against `if_generation` may still land (None: unconditional)."""
    return if_generation is None or if_generation == stored


def should_fold(
    metadata: SessionMetadata | None, *, verbatim_turns: int, count: int, expected_folded: int
) -> bool:
    """Whether a fold of the oldest `count` turns may go ahead.

    Only when nobody folded since the caller read `expected_folded`, and the session still
    holds at least `count` verbatim turns (a clear in between leaves fewer).
    """
    return (
        metadata is not None
        and metadata.folded_turns == expected_folded
        and 0 < count <= verbatim_turns
    )


def is_listed(metadata: SessionMetadata | None, *, user_id: str | None) -> bool:
    """Whether `list_sessions` shows this session: it has turns and, if asked, the user."""
    if metadata is None or metadata.turn_count <= 0:
        return False
    return user_id is None or user_id in metadata.participants


def listing_key(metadata: SessionMetadata) -> tuple[float, str]:
    """Sort key for `list_sessions` (use with reverse=True): newest activity first."""
    return (metadata.last_activity, metadata.session_id)
