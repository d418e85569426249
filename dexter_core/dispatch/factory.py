"""`create_dispatcher`: the dispatcher the settings call for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dexter_core.dispatch.embedded import EmbeddedDispatcher
from dexter_core.dispatch.redis_streams import RedisDispatcher
from dexter_core.dispatch.requests import Dispatcher

if TYPE_CHECKING:
    from dexter_core.agent.orchestrator import Orchestrator
    from dexter_core.sessions.store import SessionStore
    from dexter_core.settings import Settings


def create_dispatcher(
    *, settings: Settings, orchestrator: Orchestrator, store: SessionStore
) -> Dispatcher:
    """The Redis Streams dispatcher when `REDIS_URL` is set, else the in-process one.

    Call `start()` once the sink factories are registered.
    """
    if settings.redis_url:
        return RedisDispatcher(orchestrator=orchestrator, store=store, settings=settings)
    return EmbeddedDispatcher(orchestrator=orchestrator, store=store, settings=settings)
