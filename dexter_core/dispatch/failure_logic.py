"""How a turn that ends without an answer is told to the user.

Messages are short and honest; what went wrong in detail goes to the log only.
"""

from __future__ import annotations

from dexter_core.agent.events import TurnFailed
from dexter_core.errors import (
    LLMUnavailableError,
    StoreUnavailableError,
    TurnTimeoutError,
)

TIMEOUT = TurnFailed(
    reason="timeout",
    message="Sorry, this question took too long and I stopped working on it. Please try again.",
)
INTERNAL = TurnFailed(
    reason="internal",
    message="Sorry, something went wrong on my side while answering. Please try again.",
)
SHUTDOWN = TurnFailed(
    reason="busy",
    message="Dexter restarted before answering this. Please send your question again.",
)
HANDED_OVER = TurnFailed(
    reason="busy",
    message=(
        "This server is restarting. Your question stays queued: its answer will be saved "
        "in this conversation's history."
    ),
)
_LLM_UNAVAILABLE = TurnFailed(
    reason="llm_unavailable",
    message="The language model isn't answering right now. Please try again in a few minutes.",
)
_STORE_UNAVAILABLE = TurnFailed(
    reason="store_unavailable",
    message="Conversation storage is unavailable right now. Please try again in a few minutes.",
)


def failure_for(error: BaseException) -> TurnFailed:
    """The event to show for `error`, which escaped the agent while it answered."""
    if isinstance(error, TimeoutError | TurnTimeoutError):
        return TIMEOUT
    if isinstance(error, LLMUnavailableError):
        return _LLM_UNAVAILABLE
    if isinstance(error, StoreUnavailableError):
        return _STORE_UNAVAILABLE
    return INTERNAL
