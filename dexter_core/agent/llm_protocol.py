"""The small LLM interface the context engine needs for summaries.

The agent's LLM client implements it; tests use a fake.
"""

from __future__ import annotations

from typing import Protocol


class TextCompleter(Protocol):
    async def complete_text(
        self, messages: list[dict[str, str]], *, fast: bool = True, max_tokens: int = 200
    ) -> str:
        """One non-streaming completion; raises on any failure (callers fall back)."""
        ...
