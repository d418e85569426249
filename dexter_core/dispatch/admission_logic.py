"""What a dispatcher answers when it does not take a request, and when a session is full.

Both dispatchers decide in the same order (shutting down, duplicate, rate limit, session
queue) so a user sees the same replies whichever one runs.
"""

from __future__ import annotations

from dexter_core.dispatch.requests import SubmitResult, SubmitStatus

ACCEPTED = SubmitResult(status=SubmitStatus.ACCEPTED)
DUPLICATE = SubmitResult(status=SubmitStatus.DUPLICATE)
SESSION_BUSY = SubmitResult(
    status=SubmitStatus.SESSION_BUSY,
    message=(
        "Still working on your previous questions in this conversation, so I couldn't take "
        "this one. Please send it again once I've answered."
    ),
)
SHUTTING_DOWN = SubmitResult(
    status=SubmitStatus.SHUTTING_DOWN,
    message="Dexter is restarting. Please send your question again in a minute.",
)


def rate_limited(limit: int) -> SubmitResult:
    """The refusal for a user past `limit` messages a minute."""
    return SubmitResult(
        status=SubmitStatus.RATE_LIMITED,
        message=(
            f"You're sending messages faster than I can answer them (limit: {limit} a "
            "minute). Please wait a moment and try again."
        ),
    )


def is_session_full(*, unfinished: int, limit: int) -> bool:
    """Whether a session with `unfinished` queued or running turns may take no more.

    A `limit` of zero or less means no limit.
    """
    return limit > 0 and unfinished >= limit


def dedupe_key(*, platform: str, event_id: str) -> str:
    """The key a platform delivery is claimed under (shared by every process)."""
    return f"{platform}:{event_id}"
