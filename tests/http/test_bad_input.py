"""Bad requests get a 4xx with a JSON error body, and change nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.http.conftest import Api

VALID = "<session>"  # replaced by a session the test created


@pytest.mark.parametrize(
    ("method", "path", "request_kwargs", "status", "error"),
    [
        ("POST", "/agent/query", {"data": b"{not json"}, 400, "bad_request"),
        ("POST", "/agent/query", {"data": b""}, 400, "bad_request"),
        ("POST", "/agent/query", {"json": ["a list"]}, 400, "bad_request"),
        ("POST", "/agent/query", {"json": {"session_id": VALID}}, 400, "bad_request"),
        ("POST", "/agent/query", {"json": {"query": 7, "session_id": VALID}}, 400, "bad_request"),
        ("POST", "/agent/query", {"json": {"query": " ", "session_id": VALID}}, 400, "bad_request"),
        (
            "POST",
            "/agent/query",
            {"json": {"query": "x" * 9000, "session_id": VALID}},
            400,
            "bad_request",
        ),
        ("POST", "/agent/query", {"json": {"query": "hi", "session_id": 5}}, 400, "bad_request"),
        ("POST", "/agent/query", {"json": {"query": "hi"}}, 400, "bad_request"),
        (
            "POST",
            "/agent/query",
            {"json": {"query": "hi", "session_id": "api:" + "9" * 300}},
            400,
            "bad_request",
        ),
        (
            "POST",
            "/agent/query",
            {"json": {"query": "hi", "session_id": f"api:{uuid.uuid4()}"}},
            404,
            "unknown_session",
        ),
        (
            "POST",
            "/agent/query",
            {"json": {"query": "hi", "session_id": "slack:T1:C1:1.2"}},
            404,
            "unknown_session",
        ),
        (
            "POST",
            "/agent/query",
            {"data": b'{"query": "' + b"x" * 70_000 + b'"}'},
            413,
            "body_too_large",
        ),
        ("GET", "/agent/query", {}, 405, "method_not_allowed"),
        ("PUT", "/agent/history", {}, 405, "method_not_allowed"),
        ("GET", "/agent/history", {}, 400, "bad_request"),
        (
            "GET",
            "/agent/history",
            {"params": {"session_id": f"api:{uuid.uuid4()}"}},
            404,
            "unknown_session",
        ),
        (
            "DELETE",
            "/agent/history",
            {"params": {"session_id": "discord:dm:1"}},
            404,
            "unknown_session",
        ),
        ("GET", "/agent/nowhere", {}, 404, "not_found"),
        ("POST", "/healthz", {}, 405, "method_not_allowed"),
    ],
)
async def test_bad_requests(
    api: Api,
    method: str,
    path: str,
    request_kwargs: dict[str, Any],
    status: int,
    error: str,
) -> None:
    session_id = await api.new_session()
    # Requests below name their session explicitly, or (on purpose) none at all.
    api.client.session.cookie_jar.clear()
    if "json" in request_kwargs and isinstance(request_kwargs["json"], dict):
        body = request_kwargs["json"]
        request_kwargs = {"json": {k: (session_id if v == VALID else v) for k, v in body.items()}}
    response = await api.client.request(method, path, **request_kwargs)

    assert response.status == status
    assert response.headers["Content-Type"].startswith("application/json")
    body = await response.json()
    assert body["error"] == error
    assert body["message"]
    assert "Traceback" not in body["message"]
    if status == 405:
        assert response.headers["Allow"]
    # Nothing reached the model, nothing was stored.
    assert api.llm.requests == []
    assert await api.core.store.get_metadata(session_id) is None
