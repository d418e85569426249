"""Helpers for reading an orchestrator's event stream in tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypeVar

from dexter_core.agent.events import Event

E = TypeVar("E", bound=Event)


async def collect(events: AsyncIterator[Event]) -> list[Event]:
    return [event async for event in events]


def of_type(events: list[Event], kind: type[E]) -> list[E]:
    return [event for event in events if isinstance(event, kind)]
