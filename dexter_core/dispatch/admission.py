"""The checks every dispatcher makes before queueing a request, in the same order.

Shutting down first (so a refused delivery is not claimed and a platform retry can reach
another process), then the duplicate claim, then the rate limit of the user (when the
request names one). The session's queue limit is checked by each dispatcher where it
queues.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from dexter_core import metrics
from dexter_core.dispatch import admission_logic
from dexter_core.dispatch.requests import SubmitResult, SubmitStatus, TurnRequest

if TYPE_CHECKING:
    from dexter_core.sessions.store import SessionStore


class RateLimiter(Protocol):
    async def hit(self, user_key: str) -> bool:
        """Count one message of `user_key`; True when it is over the limit."""
        ...


async def check_admission(
    request: TurnRequest,
    *,
    is_accepting: bool,
    store: SessionStore,
    rate_limiter: RateLimiter,
    rate_limit: int,
) -> SubmitResult | None:
    """None when `request` may be queued, else the refusal to hand back."""
    if not is_accepting:
        return record_refusal(request, admission_logic.SHUTTING_DOWN)
    if request.event_id and not await store.claim_event(
        admission_logic.dedupe_key(platform=request.platform, event_id=request.event_id)
    ):
        return record_refusal(request, admission_logic.DUPLICATE)
    # Anonymous requests (an HTTP API without accounts) share no one's budget.
    if request.user_id and await rate_limiter.hit(f"{request.platform}:{request.user_id}"):
        return record_refusal(request, admission_logic.rate_limited(rate_limit))
    return None


def record_refusal(request: TurnRequest, result: SubmitResult) -> SubmitResult:
    """Count a request that was not queued in the metrics; return `result`."""
    if result.status is SubmitStatus.DUPLICATE:
        metrics.DEDUPE_DROPS.labels(platform=request.platform).inc()
    else:
        metrics.TURNS.labels(platform=request.platform, outcome="refused").inc()
    return result
