"""Building and closing the one `Core` a process shares between its entry points."""

from __future__ import annotations

import logging

from dexter_core.agent.orchestrator import Orchestrator
from dexter_core.core import Core
from dexter_core.dispatch.factory import create_dispatcher
from dexter_core.sessions.factory import get_session_store
from dexter_core.settings import Settings

log = logging.getLogger(__name__)


async def build_core(settings: Settings, *, start: bool = True) -> Core:
    """The store, orchestrator and dispatcher these settings call for, wired together.

    With `start=False` the dispatcher is left stopped, so adapters can register their sink
    factories before any queued turn (say, one recovered from Redis) needs them; the caller
    then runs `await core.dispatcher.start()`.
    """
    store = get_session_store(settings)
    orchestrator = Orchestrator(settings=settings)
    dispatcher = create_dispatcher(settings=settings, orchestrator=orchestrator, store=store)
    if start:
        await dispatcher.start()
    log.info("core ready", extra={"store": store.name})
    return Core(settings=settings, store=store, orchestrator=orchestrator, dispatcher=dispatcher)


async def close_core(core: Core, *, grace: float) -> None:
    """Stop taking turns, let running ones finish within `grace` seconds, then release all.

    Background work the turns left behind (summaries, embeddings) is awaited, within the
    same deadline, before the store closes, so nothing is written to a closed store.
    """
    try:
        await core.dispatcher.stop(grace=grace)
        await core.orchestrator.aclose()
    finally:
        await core.store.close()
    log.info("core closed")
