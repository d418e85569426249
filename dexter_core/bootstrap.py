"""Building and closing the one `Core` a process shares between its entry points."""

from __future__ import annotations

import asyncio
import logging

from dexter_core.agent.orchestrator import Orchestrator
from dexter_core.context.tokens import warm_up_tokens
from dexter_core.core import Core
from dexter_core.dispatch.factory import create_dispatcher
from dexter_core.dispatch.resilient_store import ResilientStore
from dexter_core.sessions.factory import get_session_store
from dexter_core.sessions.redis_store import RedisSessionStore
from dexter_core.sessions.store import SessionStore
from dexter_core.settings import Settings

log = logging.getLogger(__name__)


async def build_core(settings: Settings, *, start: bool = True) -> Core:
    """The store, orchestrator and dispatcher these settings call for, wired together.

    With `start=False` the dispatcher is left stopped, so adapters can register their sink
    factories before any queued turn (say, one recovered from Redis) needs them; the caller
    then runs `await core.dispatcher.start()`.

    A Redis store is wrapped in one `ResilientStore` that the dispatcher and every reader
    (history commands, `/readyz`) share, so turns kept in memory during an outage show in
    the history and readiness reports the outage until they are written back.

    The tokenizer is loaded first, in a thread (bounded; counts are estimated if it is not
    ready), so the first turns count exactly; the embedding model is loaded off the event
    loop by the orchestrator's first turn.
    """
    await asyncio.to_thread(warm_up_tokens)
    store = _resilient(get_session_store(settings))
    orchestrator = Orchestrator(settings=settings)
    dispatcher = create_dispatcher(settings=settings, orchestrator=orchestrator, store=store)
    if start:
        await dispatcher.start()
    log.info("core ready", extra={"store": store.name})
    return Core(settings=settings, store=store, orchestrator=orchestrator, dispatcher=dispatcher)


def _resilient(store: SessionStore) -> SessionStore:
    """`store` wrapped in a `ResilientStore` when its backend can go away (Redis)."""
    return ResilientStore(store) if isinstance(store, RedisSessionStore) else store


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
