"""Building a store of each kind by name; light enough for spawned worker processes."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from dexter_core.sessions.memory_store import InMemorySessionStore
from dexter_core.sessions.models import Turn
from dexter_core.sessions.redis_store import RedisSessionStore
from dexter_core.sessions.sqlite_store import SQLiteSessionStore
from dexter_core.sessions.store import SessionStore


def build_store(
    kind: str, *, ttl: float, tmp_path: Path, redis_url: str, prefix: str
) -> SessionStore:
    """A fresh store of `kind`; stores built with the same arguments share their data."""
    if kind == "memory":
        return InMemorySessionStore(ttl=ttl)
    if kind == "sqlite":
        return SQLiteSessionStore(tmp_path / "sessions.db", ttl=ttl)
    return RedisSessionStore(redis_url, prefix=prefix, ttl=ttl)


def append_as_worker(
    kind: str, options: dict[str, Any], session_id: str, worker: int, count: int, start: Any
) -> None:
    """Process entry point: append turns `w{worker}-{n}` once all workers are ready."""

    async def run() -> None:
        store = build_store(kind, **options)
        start.wait()
        for n in range(count):
            await store.append_turn(session_id, Turn(query=f"w{worker}-{n}", answer="a"))
        await store.close()

    asyncio.run(run())
