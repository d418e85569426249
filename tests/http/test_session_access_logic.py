"""API session ids carry proof of who they were issued to."""

from __future__ import annotations

import uuid

import pytest

from bots.http.session_access_logic import is_issued_to, mint_session_id, signing_key
from dexter_core.settings import Settings

KEY = signing_key(Settings(jwt_secret="secret-one"))
OTHER_KEY = signing_key(Settings(jwt_secret="secret-two"))
ALICE_ID = mint_session_id(key=KEY, owner="alice")


def test_minted_ids_are_api_uuids() -> None:
    assert ALICE_ID.startswith("api:")
    assert uuid.UUID(ALICE_ID[4:]).version == 4


def test_ids_are_unique() -> None:
    assert len({mint_session_id(key=KEY, owner="alice") for _ in range(1000)}) == 1000


@pytest.mark.parametrize(
    ("session_id", "key", "owner", "expected"),
    [
        (ALICE_ID, KEY, "alice", True),
        (ALICE_ID, KEY, "bob", False),
        (ALICE_ID, KEY, "", False),
        (ALICE_ID, OTHER_KEY, "alice", False),
        (ALICE_ID.upper().replace("API:", "api:"), KEY, "alice", False),
        (ALICE_ID.replace("-", ""), KEY, "alice", False),
        (f"api:{uuid.uuid4()}", KEY, "alice", False),
        ("api:not-a-uuid", KEY, "alice", False),
        ("slack:T1:C1:1.2", KEY, "alice", False),
        (ALICE_ID[4:], KEY, "alice", False),
    ],
)
def test_is_issued_to(session_id: str, key: bytes, owner: str, expected: bool) -> None:
    assert is_issued_to(session_id, key=key, owner=owner) is expected


def test_a_changed_tag_byte_is_refused() -> None:
    raw = bytearray(uuid.UUID(ALICE_ID[4:]).bytes)
    raw[15] ^= 1
    assert not is_issued_to(f"api:{uuid.UUID(bytes=bytes(raw))}", key=KEY, owner="alice")


def test_the_key_comes_from_the_jwt_secret_then_the_api_key() -> None:
    assert signing_key(Settings(jwt_secret="s", backend_api_key="k")) == signing_key(
        Settings(jwt_secret="s")
    )
    assert signing_key(Settings(backend_api_key="k")) != signing_key(Settings())
    assert signing_key(Settings()) == signing_key(Settings())
