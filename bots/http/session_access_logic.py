"""API session ids that prove who they were issued to, so no ownership table is needed.

`POST /agent/session` returns `api:{uuid}` where the uuid's 16 bytes are a random nonce
(9 bytes) and a tag (7 bytes): HMAC-SHA256 over the nonce and the owner (the JWT `sub`,
or "" without JWT), keyed from the server's secret. Any process holding the same secret
can tell, without storage, whether an id was issued by this deployment to this caller.
An id the server never issued (or issued to someone else) fails the check.

The version and variant bits of a v4 UUID are kept (they overwrite 6 bits of the nonce),
so ids look like any other uuid; that leaves 66 random bits of nonce and a 56-bit tag.
Changing the secret orphans existing API sessions (their history stays in the store but
no caller can reach it through the API).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import uuid

from dexter_core.settings import Settings

API_PREFIX = "api:"
_NONCE_BYTES = 9
# Used when no secret is configured: ids stay unguessable (random nonce) but anyone could
# mint one, which is no loss when the API asks for no credentials at all.
_UNCONFIGURED_SECRET = "dexter-api-sessions-without-credentials"
_KEY_PURPOSE = b"dexter api session ids v1"


def signing_key(settings: Settings) -> bytes:
    """The key session ids are tagged with, derived from `JWT_SECRET` or `BACKEND_API_KEY`.

    Derived rather than used directly, so the id tags never reveal anything about the
    secret used for tokens or keys.
    """
    secret = settings.jwt_secret or settings.backend_api_key or _UNCONFIGURED_SECRET
    return hmac.new(secret.encode("utf-8"), _KEY_PURPOSE, hashlib.sha256).digest()


def mint_session_id(*, key: bytes, owner: str, nonce: bytes | None = None) -> str:
    """A new `api:{uuid}` session id issued to `owner`."""
    nonce = nonce if nonce is not None else os.urandom(_NONCE_BYTES)
    return API_PREFIX + str(_tagged_uuid(key, owner, nonce))


def is_issued_to(session_id: str, *, key: bytes, owner: str) -> bool:
    """True when `session_id` was minted with `key` for `owner`."""
    if not session_id.startswith(API_PREFIX):
        return False
    try:
        presented = uuid.UUID(session_id[len(API_PREFIX) :])
    except ValueError:
        return False
    expected = _tagged_uuid(key, owner, presented.bytes[:_NONCE_BYTES])
    return hmac.compare_digest(presented.bytes, expected.bytes) and session_id == (
        API_PREFIX + str(expected)
    )


def _tagged_uuid(key: bytes, owner: str, nonce: bytes) -> uuid.UUID:
    # The version and variant bits fall inside the nonce: fix them before tagging, so a
    # presented id's nonce (already fixed) gives the same tag.
    nonce = uuid.UUID(bytes=nonce + bytes(16 - _NONCE_BYTES), version=4).bytes[:_NONCE_BYTES]
    tag = hmac.new(key, nonce + b"\x00" + owner.encode("utf-8"), hashlib.sha256).digest()
    return uuid.UUID(bytes=nonce + tag[: 16 - _NONCE_BYTES])
