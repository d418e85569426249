"""Who may call the API, and where the server may listen."""

from __future__ import annotations

import time

import jwt
import pytest

from bots.http.auth_logic import (
    AuthRefused,
    authenticate,
    is_loopback_host,
    public_bind_refusal,
)
from dexter_core.settings import Settings

KEY = "backend-key-123"
SECRET = "jwt-secret-for-tests-0123456789abcdef"


def token(sub: object = "alice", *, secret: str = SECRET, **claims: object) -> str:
    return jwt.encode({"sub": sub, **claims}, secret, algorithm="HS256")


NO_AUTH = Settings()
KEY_ONLY = Settings(backend_api_key=KEY)
JWT_ONLY = Settings(jwt_secret=SECRET)
BOTH = Settings(backend_api_key=KEY, jwt_secret=SECRET)


@pytest.mark.parametrize(
    ("settings", "authorization", "api_key", "subject"),
    [
        (NO_AUTH, "", "", ""),
        (NO_AUTH, "Bearer whatever", "whatever", ""),
        (KEY_ONLY, "", KEY, ""),
        (KEY_ONLY, f"Bearer {KEY}", "", ""),
        (KEY_ONLY, f"bearer   {KEY}", "", ""),
        (JWT_ONLY, f"Bearer {token()}", "", "alice"),
        (BOTH, f"Bearer {token('bob')}", KEY, "bob"),
    ],
)
def test_accepted(settings: Settings, authorization: str, api_key: str, subject: str) -> None:
    assert authenticate(settings, authorization=authorization, api_key=api_key) == subject


@pytest.mark.parametrize(
    ("settings", "authorization", "api_key", "message"),
    [
        (KEY_ONLY, "", "", "API key is required"),
        (KEY_ONLY, "", "wrong", "not valid"),
        (KEY_ONLY, "Bearer wrong", "", "not valid"),
        (KEY_ONLY, f"Basic {KEY}", "", "API key is required"),
        # With JWT on, the bearer carries the token, so the key must come as X-API-Key.
        (BOTH, f"Bearer {KEY}", "", "API key is required"),
        (BOTH, f"Bearer {token()}", "wrong", "not valid"),
        (JWT_ONLY, "", "", "bearer token is required"),
        (JWT_ONLY, "Bearer not-a-jwt", "", "not valid"),
        (
            JWT_ONLY,
            f"Bearer {token(secret='another-secret-that-is-long-enough-too')}",
            "",
            "not valid",
        ),
        (JWT_ONLY, f"Bearer {token(exp=int(time.time()) - 3600)}", "", "expired"),
        (JWT_ONLY, f"Bearer {jwt.encode({'x': 1}, SECRET, algorithm='HS256')}", "", "not valid"),
        (JWT_ONLY, f"Bearer {token('  ')}", "", "non-empty string"),
        (
            JWT_ONLY,
            "Bearer " + jwt.encode({"sub": "a"}, SECRET + "x" * 32, algorithm="HS512"),
            "",
            "not valid",
        ),
    ],
)
def test_refused(settings: Settings, authorization: str, api_key: str, message: str) -> None:
    with pytest.raises(AuthRefused, match=message):
        authenticate(settings, authorization=authorization, api_key=api_key)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("", False),
        ("10.0.0.5", False),
        ("dexter.example.com", False),
    ],
)
def test_is_loopback_host(host: str, expected: bool) -> None:
    assert is_loopback_host(host) is expected


@pytest.mark.parametrize(
    ("settings", "is_refused"),
    [
        (Settings(dexter_host="127.0.0.1"), False),
        (Settings(dexter_host="0.0.0.0"), True),
        (Settings(dexter_host="0.0.0.0", backend_api_key=KEY), False),
        (Settings(dexter_host="0.0.0.0", jwt_secret=SECRET), False),
        (Settings(dexter_host="0.0.0.0", dexter_allow_public_bind=True), False),
    ],
)
def test_public_bind_refusal(settings: Settings, is_refused: bool) -> None:
    refusal = public_bind_refusal(settings)
    assert (refusal is not None) is is_refused
    if refusal:
        assert "DEXTER_ALLOW_PUBLIC_BIND=true" in refusal
        assert "BACKEND_API_KEY" in refusal
