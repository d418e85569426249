"""`create_dispatcher`: the dispatcher the settings call for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dexter_core.dispatch.embedded import EmbeddedDispatcher
from dexter_core.dispatch.requests import Dispatcher

if TYPE_CHECKING:
    from dexter_core.agent.orchestrator import Orchestrator
    from dexter_core.sessions.store import SessionStore
    from dexter_core.settings import Settings


def create_dispatcher(
    *, settings: Settings, orchestrator: Orchestrator, store: SessionStore
) -> Dispatcher:
    """The in-process dispatcher; call `start()` before submitting."""
    return EmbeddedDispatcher(orchestrator=orchestrator, store=store, settings=settings)
