"""Checking a tool call's arguments against the tool's JSON schema, before any request.

Only the schema features the tools use are understood: object properties, required,
additionalProperties, defaults, string enum/pattern/date format, integer bounds, arrays of
objects. A refusal is a `ValueError` whose text tells the model what to fix.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

Schema = dict[str, Any]


def validate_arguments(schema: Schema, arguments: dict[str, Any]) -> dict[str, Any]:
    """The arguments with defaults filled in and tickers upper-cased, or ValueError."""
    cleaned = _check_object(schema, arguments, path="")
    start, end = cleaned.get("start_date"), cleaned.get("end_date")
    if start and end and start > end:
        raise ValueError(f"start_date {start} is after end_date {end}")
    if isinstance(cleaned.get("ticker"), str):
        cleaned["ticker"] = cleaned["ticker"].upper()
    return cleaned


def _check_object(schema: Schema, value: Any, *, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{path or 'arguments'} must be an object")
    properties: dict[str, Schema] = schema.get("properties", {})
    if schema.get("additionalProperties") is False:
        unknown = sorted(set(value) - set(properties))
        if unknown:
            allowed = ", ".join(properties)
            raise ValueError(f"unknown argument {_name(path, unknown[0])} (allowed: {allowed})")
    cleaned: dict[str, Any] = {}
    for name, prop in properties.items():
        if name in value and value[name] is not None:
            cleaned[name] = _check_value(prop, value[name], path=_name(path, name))
        elif name in schema.get("required", ()):
            raise ValueError(f"missing required argument {_name(path, name)}")
        elif "default" in prop:
            cleaned[name] = prop["default"]
    return cleaned


def _check_value(schema: Schema, value: Any, *, path: str) -> Any:
    kind = schema.get("type")
    if kind == "string":
        return _check_string(schema, value, path=path)
    if kind == "integer":
        return _check_integer(schema, value, path=path)
    if kind == "array":
        return _check_array(schema, value, path=path)
    if kind == "object":
        return _check_object(schema, value, path=path)
    return value


def _check_string(schema: Schema, value: Any, *, path: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{path} must be a string")
    if "enum" in schema and value not in schema["enum"]:
        raise ValueError(f"{path} must be one of {', '.join(schema['enum'])}, not {value!r}")
    if "pattern" in schema and not re.fullmatch(schema["pattern"], value):
        raise ValueError(f"{path} {value!r} is not valid")
    if schema.get("format") == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{path} {value!r} is not a date in YYYY-MM-DD form") from None
        if len(value) != 10:
            raise ValueError(f"{path} {value!r} is not a date in YYYY-MM-DD form")
    return value


def _check_integer(schema: Schema, value: Any, *, path: str) -> int:
    # Models often write numbers as strings ("4") or floats (4.0); both mean 4.
    if isinstance(value, bool):
        raise ValueError(f"{path} must be a whole number")
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise ValueError(f"{path} must be a whole number")
    if "minimum" in schema and value < schema["minimum"]:
        raise ValueError(f"{path} must be at least {schema['minimum']}")
    if "maximum" in schema and value > schema["maximum"]:
        raise ValueError(f"{path} must be at most {schema['maximum']}")
    return value


def _check_array(schema: Schema, value: Any, *, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{path} must be a list")
    if len(value) < schema.get("minItems", 0):
        raise ValueError(f"{path} needs at least {schema['minItems']} items")
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        raise ValueError(f"{path} takes at most {schema['maxItems']} items")
    items = schema.get("items", {})
    return [_check_value(items, item, path=f"{path}[{i}]") for i, item in enumerate(value)]


def _name(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
