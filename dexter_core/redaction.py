"""Removing secrets from text before it is written anywhere (logs, error bodies).

Two kinds of secret are caught: the values of every secret-bearing setting (whatever their
shape), and anything shaped like a credential even when it is not one of ours (a Slack or
OpenAI key pasted into a message, a bearer token, a password inside a URL).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from dexter_core.settings import Settings

MASK = "[REDACTED]"

SECRET_FIELDS = (
    "openai_api_key",
    "financial_datasets_api_key",
    "slack_bot_token",
    "slack_app_token",
    "slack_signing_secret",
    "discord_token",
    "backend_api_key",
    "jwt_secret",
)
"""Settings whose whole value is a secret."""

URL_FIELDS = ("redis_url", "openai_base_url", "financial_datasets_api_url")
"""Settings that are URLs and may carry a password (`redis://:pw@host`)."""

# Shorter configured values are not masked: hiding every "abc" in the logs would make them
# unreadable and protect nothing a three-letter secret could.
_MIN_SECRET_LENGTH = 4

_CREDENTIAL_PATTERNS = (
    # Slack tokens: bot, user, app-level, refresh, config.
    re.compile(r"\bxox[abeoprs]-[A-Za-z0-9-]{8,}"),
    re.compile(r"\bxapp-[A-Za-z0-9-]{8,}"),
    # OpenAI-style API keys.
    re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"),
    # Discord bot tokens: base64 user id, timestamp, HMAC.
    re.compile(r"\b[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,}"),
    # JWTs (header.payload.signature, header starting with {"  ->  eyJ).
    re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"),
)
_BEARER = re.compile(r"(?i)\b(bearer\s+)[^\s,;\"']+")
_API_KEY_HEADER = re.compile(r"(?i)(x-api-key[\"']?\s*[:=]\s*[\"']?)[^\s,;\"']+")
_URL_PASSWORD = re.compile(r"([a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@/\s]+@", re.IGNORECASE)


def secrets_of(settings: Settings) -> frozenset[str]:
    """The literal secret values in `settings` worth masking wherever they appear."""
    values: set[str] = {getattr(settings, name) for name in SECRET_FIELDS}
    for name in URL_FIELDS:
        password = _url_password(getattr(settings, name))
        if password:
            values.add(password)
    return frozenset(v for v in values if len(v) >= _MIN_SECRET_LENGTH)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every value in `secrets` and every credential-shaped run masked."""
    # Longest first, so a secret containing another is masked whole.
    for secret in sorted(secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern in _CREDENTIAL_PATTERNS:
        text = pattern.sub(MASK, text)
    text = _BEARER.sub(rf"\g<1>{MASK}", text)
    text = _API_KEY_HEADER.sub(rf"\g<1>{MASK}", text)
    return _URL_PASSWORD.sub(rf"\g<1>{MASK}@", text)


def _url_password(url: str) -> str:
    if not url:
        return ""
    try:
        return urlsplit(url).password or ""
    except ValueError:
        return ""
