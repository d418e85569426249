"""Who is calling the HTTP API, and whether the server may listen where it was told to.

Pure decisions over settings and header values; `auth.py` applies them to requests.
"""

from __future__ import annotations

import hmac
import ipaddress

import jwt

from dexter_core.settings import Settings

JWT_ALGORITHM = "HS256"
# Clock skew tolerated on `exp`/`nbf` between the token issuer and this server.
JWT_LEEWAY_SECONDS = 30


class AuthRefused(Exception):
    """The request's credentials are missing or wrong; the message says which."""


def is_auth_configured(settings: Settings) -> bool:
    """True when the API asks callers for credentials of some kind."""
    return bool(settings.backend_api_key or settings.jwt_secret)


def authenticate(settings: Settings, *, authorization: str, api_key: str) -> str:
    """The caller's subject: the JWT `sub` when `JWT_SECRET` is set, else "".

    `authorization` and `api_key` are the raw `Authorization` and `X-API-Key` header values
    ("" when absent). With `BACKEND_API_KEY` the key must match, from `X-API-Key` or (when
    no JWT is expected there) from `Authorization: Bearer`; with `JWT_SECRET` the bearer
    must be an HS256 token with a `sub`. Raises `AuthRefused` otherwise.
    """
    bearer = _bearer_of(authorization)
    if settings.backend_api_key:
        offered = api_key or ("" if settings.jwt_secret else bearer)
        if not offered:
            raise AuthRefused("An API key is required (X-API-Key or Authorization: Bearer).")
        if not is_same_secret(offered, settings.backend_api_key):
            raise AuthRefused("The API key is not valid.")
    if not settings.jwt_secret:
        return ""
    if not bearer:
        raise AuthRefused("A bearer token is required (Authorization: Bearer <JWT>).")
    return subject_of(bearer, secret=settings.jwt_secret)


def subject_of(token: str, *, secret: str) -> str:
    """The `sub` of an HS256 token signed with `secret`; raises `AuthRefused` if invalid."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[JWT_ALGORITHM],
            leeway=JWT_LEEWAY_SECONDS,
            options={"require": ["sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise AuthRefused("The bearer token has expired.") from None
    except jwt.InvalidTokenError:
        raise AuthRefused("The bearer token is not valid.") from None
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject.strip():
        raise AuthRefused("The bearer token's sub claim must be a non-empty string.")
    return subject


def is_same_secret(offered: str, expected: str) -> bool:
    """Constant-time comparison, so response timing does not leak the secret."""
    return hmac.compare_digest(offered.encode("utf-8"), expected.encode("utf-8"))


def is_loopback_host(host: str) -> bool:
    """True for names and addresses only this machine can reach."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def public_bind_refusal(settings: Settings) -> str | None:
    """Why the server must not listen on `DEXTER_HOST`, or None when it may."""
    if (
        is_loopback_host(settings.dexter_host)
        or is_auth_configured(settings)
        or settings.dexter_allow_public_bind
    ):
        return None
    return (
        f"refusing to listen on {settings.dexter_host or 'every interface'}: neither "
        "BACKEND_API_KEY nor JWT_SECRET is set, so anyone who can reach the port could read "
        "and run every API session. Set one of them, or DEXTER_ALLOW_PUBLIC_BIND=true to "
        "serve without credentials anyway."
    )


def _bearer_of(authorization: str) -> str:
    scheme, _, value = authorization.strip().partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""
