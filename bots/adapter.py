"""The seam every platform adapter plugs into `dexter run`.

An adapter module exposes `SPEC`, an `AdapterSpec`; `bots/registry.py` lists them. `dexter
run` starts every adapter whose `why_off` returns None, beside the HTTP server, sharing one
`Core`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from dexter_core.core import Core
from dexter_core.settings import Settings


class Adapter(Protocol):
    """A running platform connection."""

    name: str

    async def start(self) -> None:
        """Connect and begin answering; returns once connected (work goes on in tasks)."""
        ...

    async def stop(self) -> None:
        """Stop taking events and disconnect. In-flight turns belong to the dispatcher."""
        ...


@dataclass(frozen=True, kw_only=True)
class AdapterSpec:
    name: str
    # None when the adapter can run with these settings, else why not
    # ("SLACK_BOT_TOKEN is not set").
    why_off: Callable[[Settings], str | None]
    # Builds the adapter; may add routes to `web_app` (called before the server starts).
    create: Callable[[Core, web.Application], Adapter]
