"""Reading query bodies and the session a request names."""

from __future__ import annotations

import pytest

from bots.http.request_logic import QueryInput, chosen_session, parse_query_body
from dexter_core.errors import InvalidInputError


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"query": "AAPL?"}', QueryInput(query="AAPL?", session_id=None)),
        (
            b'{"query": "AAPL?", "session_id": "api:x"}',
            QueryInput(query="AAPL?", session_id="api:x"),
        ),
        (b'{"query": "AAPL?", "session_id": ""}', QueryInput(query="AAPL?", session_id=None)),
        (
            b'{"query": "AAPL?", "session_id": null, "extra": 1}',
            QueryInput(query="AAPL?", session_id=None),
        ),
    ],
)
def test_parse_query_body(raw: bytes, expected: QueryInput) -> None:
    assert parse_query_body(raw, max_query_chars=100) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "must be a JSON object"),
        (b"   ", "must be a JSON object"),
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\xfa", "not valid JSON"),
        (b"[" * 50_000, "not valid JSON"),
        (b'["query"]', "must be a JSON object"),
        (b'"query"', "must be a JSON object"),
        (b"{}", '"query" is required'),
        (b'{"query": 42}', '"query" must be a string'),
        (b'{"query": ["a"]}', '"query" must be a string'),
        (b'{"query": "  \\n "}', "must not be empty"),
        (b'{"query": "' + b"x" * 101 + b'"}', "longer than 100 characters"),
        (b'{"query": "ok", "session_id": 7}', '"session_id" must be a string'),
    ],
)
def test_parse_query_body_refusals(raw: bytes, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        parse_query_body(raw, max_query_chars=100)


@pytest.mark.parametrize(
    ("explicit", "cookie", "expected"),
    [("api:a", "api:b", "api:a"), (None, "api:b", "api:b"), ("api:a", None, "api:a")],
)
def test_chosen_session(explicit: str | None, cookie: str | None, expected: str) -> None:
    assert chosen_session(explicit=explicit, cookie=cookie) == expected


def test_no_session_at_all_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="POST /agent/session"):
        chosen_session(explicit=None, cookie=None)
