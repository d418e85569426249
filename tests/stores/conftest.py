"""Store fixtures: one factory per backend, so the contract suite runs on each."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from dexter_core.sessions.store import SessionStore
from dexter_core.sessions.store_logic import DEFAULT_SESSION_TTL
from tests.stores.backends import build_store

MakeStore = Callable[..., Awaitable[SessionStore]]


@pytest.fixture(params=["memory", "sqlite", "redis"])
def store_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def make_store(
    store_kind: str, tmp_path: Path, redis_url: str, redis_prefix: str
) -> AsyncIterator[MakeStore]:
    """Builds stores of the parametrised kind, all over the same data, and closes them.

    In-memory stores share nothing, so for them "another store" is the same instance.
    """
    built: list[SessionStore] = []

    async def make(*, ttl: float = DEFAULT_SESSION_TTL) -> SessionStore:
        if store_kind == "memory" and built:
            return built[0]
        store = build_store(
            store_kind, ttl=ttl, tmp_path=tmp_path, redis_url=redis_url, prefix=redis_prefix
        )
        built.append(store)
        return store

    yield make
    for store in built:
        await store.close()


@pytest.fixture
async def store(make_store: MakeStore) -> SessionStore:
    return await make_store()
