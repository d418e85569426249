"""Credentials on the session API: API key, JWT ownership, and what stays open."""

from __future__ import annotations

import jwt

from tests.http.conftest import ApiFactory

KEY = "backend-key-for-http-tests"
SECRET = "jwt-secret-for-http-tests-0123456789"


def bearer(sub: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + jwt.encode({"sub": sub}, SECRET, algorithm="HS256")}


async def test_without_credentials_configured_the_api_is_open(make_api: ApiFactory) -> None:
    api = await make_api()
    assert (await api.client.post("/agent/session")).status == 201


async def test_the_api_key_is_required_on_every_agent_route(make_api: ApiFactory) -> None:
    api = await make_api(backend_api_key=KEY)
    for method, path in [
        ("POST", "/agent/session"),
        ("POST", "/agent/query"),
        ("GET", "/agent/history"),
        ("DELETE", "/agent/history"),
    ]:
        for headers in [{}, {"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"}]:
            response = await api.client.request(method, path, headers=headers)
            assert response.status == 401, (method, path, headers)
            assert response.headers["WWW-Authenticate"] == "Bearer"
            assert (await response.json())["error"] == "unauthorized"

    session_id = await api.new_session(headers={"X-API-Key": KEY})
    events = await api.ask("with a key", session_id, headers={"Authorization": f"Bearer {KEY}"})
    assert events[-1].data["ok"] is True


async def test_only_health_needs_no_credentials(make_api: ApiFactory) -> None:
    api = await make_api(backend_api_key=KEY)
    assert (await api.client.get("/healthz")).status == 200
    for path in ("/readyz", "/metrics"):
        assert (await api.client.get(path)).status == 401, path
        assert (await api.client.get(path, headers={"X-API-Key": KEY})).status == 200, path


async def test_a_jwt_sub_owns_the_sessions_it_creates(make_api: ApiFactory) -> None:
    api = await make_api(jwt_secret=SECRET)
    assert (await api.client.post("/agent/session")).status == 401

    alice = bearer("alice")
    session_id = await api.new_session(headers=alice)
    # Before any turn, another caller cannot tell the session from one never created.
    response = await api.client.get(
        "/agent/history", params={"session_id": session_id}, headers=bearer("bob")
    )
    assert response.status == 404

    events = await api.ask("alice's question", session_id, headers=alice)
    assert events[-1].data["ok"] is True

    bob = bearer("bob")
    for method, path, kwargs in [
        ("GET", "/agent/history", {"params": {"session_id": session_id}}),
        ("DELETE", "/agent/history", {"params": {"session_id": session_id}}),
        ("POST", "/agent/query", {"json": {"query": "peek", "session_id": session_id}}),
    ]:
        response = await api.client.request(method, path, headers=bob, **kwargs)
        assert response.status == 403, (method, path)
        assert (await response.json())["error"] == "forbidden"

    history = await api.history(session_id, headers=alice)
    assert [t["query"] for t in history["turns"]] == ["alice's question"]
    assert history["turns"][0]["user"] == "alice"
    assert all("peek" not in str(r) for r in api.llm.requests)
