"""Session ids: how each place a conversation happens is named (see DESIGN.md "Sessions").

Builders are the one way adapters make ids; `parse_session_id` recovers the platform and
channel a store indexes sessions by.
"""

from __future__ import annotations

from dataclasses import dataclass

from dexter_core.errors import InvalidInputError

MAX_SESSION_ID_LENGTH = 256


@dataclass(frozen=True, kw_only=True)
class SessionAddress:
    """Where a session lives: `channel` is the id history commands are scoped to."""

    platform: str
    workspace: str
    channel: str
    thread: str


def validate_session_id(session_id: object) -> str:
    """Return `session_id` if it is a usable id, else raise `InvalidInputError`."""
    if not isinstance(session_id, str) or not session_id.strip():
        raise InvalidInputError("session id must be a non-empty string")
    if len(session_id) > MAX_SESSION_ID_LENGTH:
        raise InvalidInputError(f"session id is longer than {MAX_SESSION_ID_LENGTH} characters")
    if any(ch in session_id for ch in "\x00\r\n{}"):
        raise InvalidInputError("session id contains a forbidden character")
    return session_id


def slack_thread_session(team_id: str, channel_id: str, thread_ts: str) -> str:
    return f"slack:{team_id}:{channel_id}:{thread_ts}"


def slack_dm_session(team_id: str, dm_channel_id: str) -> str:
    return f"slack:{team_id}:{dm_channel_id}"


def discord_thread_session(guild_id: int | str, thread_id: int | str) -> str:
    return f"discord:{guild_id}:{thread_id}"


def discord_dm_session(channel_id: int | str) -> str:
    return f"discord:dm:{channel_id}"


def console_session(user: str) -> str:
    return f"console:{user}"


def parse_session_id(session_id: str) -> SessionAddress:
    """Split an id into its parts; ids of unknown forms come back whole as the channel."""
    parts = session_id.split(":")
    platform = parts[0] if len(parts) > 1 else ""
    if platform == "slack" and len(parts) in (3, 4):
        thread = parts[3] if len(parts) == 4 else ""
        return SessionAddress(platform="slack", workspace=parts[1], channel=parts[2], thread=thread)
    if platform == "discord" and len(parts) == 3:
        if parts[1] == "dm":
            return SessionAddress(platform="discord", workspace="dm", channel=parts[2], thread="")
        return SessionAddress(
            platform="discord", workspace=parts[1], channel=parts[2], thread=parts[2]
        )
    if platform in ("console", "api") and len(parts) == 2:
        return SessionAddress(platform=platform, workspace="", channel=parts[1], thread="")
    return SessionAddress(platform=platform, workspace="", channel=session_id, thread="")
