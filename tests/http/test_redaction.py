"""Secret masking: configured secret values and credential-shaped text."""

from __future__ import annotations

import pytest

from dexter_core.redaction import MASK, redact, secrets_of
from dexter_core.settings import Settings

SETTINGS = Settings(
    openai_api_key="plain-openai-key-123",
    slack_bot_token="xoxb-111-222-abcdefghij",
    slack_app_token="xapp-1-A111-222-abcdef",
    slack_signing_secret="signing-secret-xyz",
    discord_token="discord-secret-token",
    backend_api_key="backend-key-42",
    jwt_secret="jwt-secret-value",
    financial_datasets_api_key="fd-key-value",
    redis_url="redis://user:redis-pass-9@localhost:6379/0",
)


def test_secrets_of_collects_every_secret_setting_and_url_passwords() -> None:
    assert secrets_of(SETTINGS) == {
        "plain-openai-key-123",
        "xoxb-111-222-abcdefghij",
        "xapp-1-A111-222-abcdef",
        "signing-secret-xyz",
        "discord-secret-token",
        "backend-key-42",
        "jwt-secret-value",
        "fd-key-value",
        "redis-pass-9",
    }


def test_unset_and_very_short_values_are_not_secrets() -> None:
    assert secrets_of(Settings(backend_api_key="abc")) == frozenset()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("key is plain-openai-key-123!", f"key is {MASK}!"),
        (
            "connecting redis://user:redis-pass-9@localhost",
            f"connecting redis://user:{MASK}@localhost",
        ),
        ("postgres://u:other-pw@db/x", f"postgres://u:{MASK}@db/x"),
        ("token xoxb-999-888-zzzzzzzzzz here", f"token {MASK} here"),
        ("xoxp-1234-5678-abcdefgh", MASK),
        ("app xapp-1-B2-3-cccccccc", f"app {MASK}"),
        ("sk-abcdefghijklmnopqrstuv", MASK),
        ("Authorization: Bearer abc.def-ghi", f"Authorization: Bearer {MASK}"),
        ("{'X-API-Key': 'k-123456'}", f"{{'X-API-Key': '{MASK}'}}"),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.sig_part", f"jwt {MASK}"),
        (
            "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GAbcDe.abcdefghijklmnopqrstuvwxyz0123",
            MASK,
        ),
        ("nothing secret: AAPL revenue 391bn", "nothing secret: AAPL revenue 391bn"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text, secrets_of(SETTINGS)) == expected


def test_a_secret_containing_another_is_masked_whole() -> None:
    assert redact("abcd-long-secret", ["abcd", "abcd-long-secret"]) == MASK
