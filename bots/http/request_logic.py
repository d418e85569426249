"""Reading what clients send to `/agent/*`: the query body and the session they name.

Every refusal is an `InvalidInputError` whose message says what to send instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from dexter_core.errors import InvalidInputError

SESSION_COOKIE = "dexter_session"


@dataclass(frozen=True, kw_only=True)
class QueryInput:
    query: str
    session_id: str | None


def parse_query_body(raw: bytes, *, max_query_chars: int) -> QueryInput:
    """The query and optional session id of a `POST /agent/query` body."""
    body = _json_object(raw, example='{"query": "What was AAPL revenue in 2024?"}')
    query = body.get("query")
    if query is None:
        raise InvalidInputError('"query" is required.')
    if not isinstance(query, str):
        raise InvalidInputError('"query" must be a string.')
    if not query.strip():
        raise InvalidInputError('"query" must not be empty.')
    if len(query) > max_query_chars:
        raise InvalidInputError(f'"query" is longer than {max_query_chars} characters.')
    session_id = body.get("session_id")
    if session_id is not None and not isinstance(session_id, str):
        raise InvalidInputError('"session_id" must be a string.')
    return QueryInput(query=query, session_id=session_id or None)


def chosen_session(*, explicit: str | None, cookie: str | None) -> str:
    """The session a request is about: the one it names, else its cookie's."""
    session_id = explicit or cookie
    if not session_id:
        raise InvalidInputError(
            "No session: pass session_id, or create one with POST /agent/session "
            "(which also sets the session cookie)."
        )
    return session_id


def _json_object(raw: bytes, *, example: str) -> dict[str, Any]:
    if not raw.strip():
        raise InvalidInputError(f"The body must be a JSON object, e.g. {example}.")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise InvalidInputError(f"The body is not valid JSON; send e.g. {example}.") from None
    if not isinstance(body, dict):
        raise InvalidInputError(f"The body must be a JSON object, e.g. {example}.")
    return body
