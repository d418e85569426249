"""Fixtures for the Discord tests: a rig per test (see rig.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import pytest

from tests.discord.rig import Rig, running_rig

RigFactory = Callable[..., Awaitable[Rig]]


@pytest.fixture
async def make_rig() -> AsyncIterator[RigFactory]:
    """Start rigs with other settings: `await make_rig(dexter_allowed_users=...)`."""
    async with AsyncExitStack() as stack:

        async def start(**options: Any) -> Rig:
            return await stack.enter_async_context(running_rig(**options))

        yield start


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    async with running_rig() as started:
        yield started
