"""Dexter's platform-neutral core: sessions, stores, context selection, the agent."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from dexter_core.sessions.factory import get_session_store
from dexter_core.sessions.memory_store import InMemorySessionStore
from dexter_core.sessions.models import SessionMetadata, Turn
from dexter_core.sessions.redis_store import RedisSessionStore
from dexter_core.sessions.sqlite_store import SQLiteSessionStore

if TYPE_CHECKING:
    from dexter_core.agent.orchestrator import Orchestrator
    from dexter_core.context.history import MessageHistory

# Imported on first use: these modules import much of the package themselves, so loading
# them here would make `import dexter_core` depend on (and cycle through) all of it.
_LAZY_EXPORTS = {
    "MessageHistory": "dexter_core.context.history",
    "Orchestrator": "dexter_core.agent.orchestrator",
}

__all__ = [
    "InMemorySessionStore",
    "MessageHistory",
    "Orchestrator",
    "RedisSessionStore",
    "SQLiteSessionStore",
    "SessionMetadata",
    "Turn",
    "get_session_store",
]


def __getattr__(name: str) -> Any:
    module_name = _LAZY_EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'dexter_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value
