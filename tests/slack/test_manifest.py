"""manifest.yml promises what the adapter handles, with the scopes it needs."""

from __future__ import annotations

from pathlib import Path

import yaml

from bots.slack.listeners.commands import COMMANDS
from bots.slack.listeners.shortcuts import SHORTCUTS

MANIFEST = yaml.safe_load((Path(__file__).resolve().parents[2] / "manifest.yml").read_text())


def test_bot_user_socket_mode_and_messages_tab() -> None:
    features = MANIFEST["features"]
    assert MANIFEST["display_information"]["name"] == "Dexter"
    assert features["bot_user"]["display_name"] == "Dexter"
    assert features["app_home"]["messages_tab_enabled"] is True
    assert features["app_home"]["messages_tab_read_only_enabled"] is False
    assert MANIFEST["settings"]["socket_mode_enabled"] is True
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True


def test_commands_and_shortcuts_are_the_ones_the_adapter_handles() -> None:
    commands = {c["command"]: c for c in MANIFEST["features"]["slash_commands"]}
    assert set(commands) == set(COMMANDS)
    assert all(c["usage_hint"] and c["description"] for c in commands.values())
    shortcuts = {s["callback_id"]: s for s in MANIFEST["features"]["shortcuts"]}
    assert set(shortcuts) == set(SHORTCUTS)
    assert {s["name"] for s in shortcuts.values()} == {"Dexter history", "Clear Dexter history"}
    assert {s["type"] for s in shortcuts.values()} == {"message"}


def test_events_and_exactly_the_scopes_they_need() -> None:
    assert set(MANIFEST["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_mention",
        "message.channels",
        "message.groups",
        "message.im",
        "message.mpim",
    }
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == {
        "app_mentions:read",
        "channels:history",
        "groups:history",
        "im:history",
        "mpim:history",
        "chat:write",
        "commands",
        "users:read",
    }
