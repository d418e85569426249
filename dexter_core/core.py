"""`Core`: the one set of shared parts every entry point in a process uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dexter_core.settings import Settings

if TYPE_CHECKING:
    from dexter_core.agent.orchestrator import Orchestrator
    from dexter_core.dispatch.requests import Dispatcher
    from dexter_core.sessions.store import SessionStore


@dataclass(kw_only=True)
class Core:
    settings: Settings
    store: SessionStore
    orchestrator: Orchestrator
    dispatcher: Dispatcher
