"""Pure decisions of the LLM client: when to retry, how long to wait, how streamed
tool-call fragments add up to whole calls."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Longest wait we accept from a server's Retry-After before giving up on it.
MAX_RETRY_AFTER = 30.0
# Exponential backoff stops growing here.
MAX_BACKOFF = 8.0


def is_retryable_status(status: int) -> bool:
    """429 (rate limited), 408/409 (timeout, lock conflict) and every 5xx are worth retrying."""
    return status in (408, 409, 429) or status >= 500


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The wait a server asked for: `retry-after-ms` (OpenAI) wins over `Retry-After` seconds.

    None when neither header is present, parseable and non-negative. HTTP-date values of
    Retry-After are ignored (backoff applies), as no OpenAI-compatible server sends them.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        raw = lowered.get(name)
        if raw is None:
            continue
        try:
            value = float(raw) * scale
        except ValueError:
            continue
        if value >= 0:
            return value
    return None


def backoff_delay(
    attempt: int, *, base: float, jitter: float, retry_after: float | None = None
) -> float | None:
    """Seconds to wait before retry number `attempt + 1` (attempt counts from 0).

    Exponential `base * 2**attempt` capped at MAX_BACKOFF and scaled by `jitter` (a number
    in [0.5, 1], random in production) so clients that failed together spread out. A
    server's Retry-After is honoured as given; above MAX_RETRY_AFTER the call is not worth
    waiting for, which is reported as None.
    """
    if retry_after is not None:
        return retry_after if retry_after <= MAX_RETRY_AFTER else None
    return min(MAX_BACKOFF, base * 2**attempt) * jitter


@dataclass
class ToolCallRequest:
    """One function call the model asked for; `arguments` is the model's raw JSON text."""

    id: str
    name: str
    arguments: str

    def parsed_arguments(self) -> dict[str, Any]:
        """The arguments as a dict; raises ValueError with a readable reason otherwise."""
        if not self.arguments.strip():
            return {}
        try:
            value = json.loads(self.arguments)
        except json.JSONDecodeError as exc:
            raise ValueError(f"arguments are not valid JSON ({exc.msg})") from None
        if not isinstance(value, dict):
            raise ValueError("arguments must be a JSON object")
        return value


@dataclass
class ToolCallAssembler:
    """Adds up streamed `tool_calls` deltas (index, id, name, argument fragments)."""

    _calls: dict[int, ToolCallRequest] = field(default_factory=dict)

    def add(
        self, *, index: int, call_id: str | None, name: str | None, arguments: str | None
    ) -> None:
        call = self._calls.setdefault(index, ToolCallRequest(id="", name="", arguments=""))
        if call_id:
            call.id = call_id
        if name:
            call.name += name
        if arguments:
            call.arguments += arguments

    def calls(self) -> list[ToolCallRequest]:
        """The finished calls in index order; calls the server sent without an id get one."""
        result = []
        for index in sorted(self._calls):
            call = self._calls[index]
            result.append(
                ToolCallRequest(
                    id=call.id or f"call_{index}", name=call.name, arguments=call.arguments
                )
            )
        return result
