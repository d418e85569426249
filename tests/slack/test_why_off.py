"""When `dexter run` starts the Slack adapter, and why not."""

from __future__ import annotations

import pytest

from bots.slack.adapter import why_off
from dexter_core.settings import Settings


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({}, "SLACK_BOT_TOKEN is not set"),
        ({"slack_app_token": "xapp-1"}, "SLACK_BOT_TOKEN is not set"),
        (
            {"slack_bot_token": "xoxb-1"},
            "set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)",
        ),
        ({"slack_bot_token": "xoxb-1", "slack_app_token": "xapp-1"}, None),
        ({"slack_bot_token": "xoxb-1", "slack_signing_secret": "s3cret"}, None),
    ],
)
def test_why_off(fields: dict[str, str], reason: str | None) -> None:
    assert why_off(Settings(**fields)) == reason
