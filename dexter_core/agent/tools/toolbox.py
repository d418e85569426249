"""`FinancialToolbox`: the data tools as the agent sees them — definitions, plain-words
descriptions, and `run`, which always returns a `ToolResult` and never raises."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from dexter_core.agent.tools.args_logic import validate_arguments
from dexter_core.agent.tools.cache_logic import TTLCache, cache_key
from dexter_core.agent.tools.client import DataUnavailable, FinancialDatasetsClient
from dexter_core.agent.tools.specs import SPECS_BY_NAME, TOOL_SPECS
from dexter_core.agent.tools.trim_logic import trim_payload
from dexter_core.settings import Settings


@dataclass(frozen=True)
class ToolResult:
    """What the model is told (`content`) and what users are shown (`summary`)."""

    ok: bool
    content: str
    summary: str


class Toolbox(Protocol):
    """What the orchestrator needs from a set of tools."""

    def definitions(self) -> list[dict[str, Any]]:
        """The chat-completions `tools` list."""
        ...

    def describe(self, name: str, arguments: dict[str, Any]) -> str:
        """The call in plain words for users, e.g. "Fetching AAPL income statements (annual)"."""
        ...

    async def run(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        """Run one call; failures come back as a `ToolResult` with `ok=False`, never raised."""
        ...

    async def aclose(self) -> None: ...


class FinancialToolbox:
    """The Financial Datasets tools with a shared cache; see `Toolbox`."""

    def __init__(
        self,
        settings: Settings,
        *,
        client: FinancialDatasetsClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client or FinancialDatasetsClient(settings)
        self._clock = clock
        self._cache: TTLCache[ToolResult] = TTLCache()
        self._definitions = [spec.openai_tool() for spec in TOOL_SPECS]

    def definitions(self) -> list[dict[str, Any]]:
        return self._definitions

    def describe(self, name: str, arguments: dict[str, Any]) -> str:
        spec = SPECS_BY_NAME.get(name)
        if spec is None:
            return f"Calling {name}"
        try:
            return spec.describe(validate_arguments(spec.parameters, arguments))
        except ValueError:
            return f"Calling {name}"

    async def run(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        spec = SPECS_BY_NAME.get(name)
        if spec is None:
            known = ", ".join(SPECS_BY_NAME)
            return _error(f"error: there is no tool named {name!r}; the tools are: {known}")
        try:
            cleaned = validate_arguments(spec.parameters, arguments)
        except ValueError as exc:
            return _error(f"error: invalid arguments for {name}: {exc}. Fix them and call again.")
        key = cache_key(name, cleaned)
        cached = self._cache.get(key, now=self._clock())
        if cached is not None:
            return cached
        try:
            payload = await self._client.fetch(spec, cleaned)
            trimmed = trim_payload(payload)
        except (DataUnavailable, ValueError) as exc:
            return _error(f"data unavailable: {exc}")
        content = json.dumps(
            {"source": f"Financial Datasets API {spec.path}", **trimmed.data},
            separators=(",", ":"),
            ensure_ascii=False,
        )
        result = ToolResult(ok=True, content=content, summary=trimmed.summary)
        self._cache.put(key, result, kind=spec.kind, now=self._clock())
        return result

    async def aclose(self) -> None:
        await self._client.aclose()


def _error(text: str) -> ToolResult:
    return ToolResult(ok=False, content=text, summary=text)
