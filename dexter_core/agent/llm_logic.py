"""How the model's tool calls arrive: streamed fragments adding up to whole calls, and
their JSON arguments."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


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
