"""A scripted `TextCompleter` for summary tests (the real client is tested with the agent)."""

from __future__ import annotations

import asyncio


class ScriptedCompleter:
    """A `TextCompleter` that replies from a script and records what it was asked."""

    def __init__(self, reply: str | Exception = "", *, delay: float = 0.0) -> None:
        self.reply = reply
        self.delay = delay
        self.calls: list[dict[str, object]] = []

    async def complete_text(
        self, messages: list[dict[str, str]], *, fast: bool = True, max_tokens: int = 200
    ) -> str:
        self.calls.append({"messages": messages, "fast": fast, "max_tokens": max_tokens})
        await asyncio.sleep(self.delay)
        if isinstance(self.reply, Exception):
            raise self.reply
        return self.reply
