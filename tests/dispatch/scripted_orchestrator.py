"""An orchestrator stand-in for tests about dispatcher mechanics only (timing, hangs,
crashes), where the agent's own behaviour is not what is tested."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from dexter_core.agent.events import Event, FinalAnswer, Status
from dexter_core.sessions.models import Turn
from dexter_core.sessions.store import SessionStore


class ScriptedOrchestrator:
    """Answers "answer to <query>" and stores the turn; queries listed in `hang` never
    finish, those in `explode` raise, and `gate` (when set) holds every turn until set."""

    def __init__(self) -> None:
        self.hang: set[str] = set()
        self.explode: set[str] = set()
        self.gate: asyncio.Event | None = None
        self.running = 0
        self.peak_running = 0
        self.started: list[str] = []

    async def stream(
        self,
        query: str,
        *,
        session_id: str,
        session_store: SessionStore,
        user_id: str,
        user_name: str,
        platform: str,
    ) -> AsyncIterator[Event]:
        self.started.append(query)
        self.running += 1
        self.peak_running = max(self.peak_running, self.running)
        try:
            yield Status(phase="planning")
            if self.gate is not None:
                await self.gate.wait()
            if query in self.hang:
                await asyncio.Event().wait()
            if query in self.explode:
                raise RuntimeError("database password is hunter2")
            answer = f"answer to {query}"
            yield FinalAnswer(text=answer)
            await session_store.append_turn(
                session_id,
                Turn(
                    query=query,
                    answer=answer,
                    user_id=user_id,
                    user_name=user_name,
                    platform=platform,
                ),
            )
        finally:
            self.running -= 1

    async def wait_background(self) -> None:
        """Nothing runs in the background here."""

    async def aclose(self) -> None:
        """Nothing to close."""
