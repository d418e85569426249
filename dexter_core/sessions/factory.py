"""`get_session_store`: the one place that decides which store a process uses."""

from __future__ import annotations

import logging

from dexter_core.redaction import redact, secrets_of
from dexter_core.sessions.memory_store import InMemorySessionStore
from dexter_core.sessions.redis_store import RedisSessionStore
from dexter_core.sessions.sqlite_store import SQLiteSessionStore
from dexter_core.sessions.store import SessionStore
from dexter_core.settings import Settings, get_settings

logger = logging.getLogger(__name__)


def get_session_store(settings: Settings | None = None) -> SessionStore:
    """Redis when `REDIS_URL` is set, else SQLite when `DEXTER_SQLITE_PATH` is, else memory.

    Logs the choice (a Redis URL with its password masked). Nothing is contacted yet:
    call `ping()` to check the backend answers.
    """
    settings = settings or get_settings()
    ttl = settings.dexter_session_ttl
    if settings.redis_url:
        prefix = settings.dexter_redis_prefix
        logger.info(
            "Session store: Redis at %s (key prefix %r, ttl %ss)",
            redact(settings.redis_url, secrets_of(settings)),
            prefix,
            ttl,
        )
        return RedisSessionStore(settings.redis_url, prefix=prefix, ttl=ttl)
    if settings.dexter_sqlite_path:
        logger.info("Session store: SQLite file %s (ttl %ss)", settings.dexter_sqlite_path, ttl)
        return SQLiteSessionStore(settings.dexter_sqlite_path, ttl=ttl)
    logger.info("Session store: in memory (history is lost when the process ends)")
    return InMemorySessionStore(ttl=ttl)
