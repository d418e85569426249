"""How `/dexter-history` and `/dexter-clear` read in Discord, and who may clear.

History comes as a few messages under the 2,000-character limit, oldest first; when the
session is longer than fits, the newest turns are shown and the rest counted. Times use
Discord's `<t:…>` tag so each reader sees their own time zone.
"""

from __future__ import annotations

from dataclasses import dataclass

from bots.discord.format_logic import MESSAGE_LIMIT, split_message, to_discord_markdown
from dexter_core.sessions.history_view_logic import (
    count_of,
    pack_newest_first,
    question_preview,
    shorten,
    summary_preview,
)
from dexter_core.sessions.models import Turn

MAX_HISTORY_MESSAGES = 5
MAX_LISTED_THREADS = 10
_HEADER_ROOM = 200

NOT_A_SESSION_REPLY = (
    "This channel is not a Dexter conversation: each question to Dexter gets its own "
    "thread. Run this command inside one of them."
)
CLEAR_REFUSED_REPLY = (
    "Only people who took part in this conversation, or members with Manage Messages, can clear it."
)


@dataclass(frozen=True, kw_only=True)
class ThreadRef:
    """A Dexter thread to point at: its channel id and title."""

    thread_id: int
    title: str


def history_messages(
    turns: list[Turn],
    *,
    full: bool,
    limit: int = MESSAGE_LIMIT,
    max_messages: int = MAX_HISTORY_MESSAGES,
) -> list[str]:
    """The session's history as at most `max_messages` messages of at most `limit` characters.

    Each turn shows when, who, the question, and its summary (`full`: the whole answer).
    """
    if not turns:
        return ["No Dexter conversation here yet: nothing to show."]
    room = limit - _HEADER_ROOM
    pages = pack_newest_first([_entry(turn, full=full, room=room) for turn in turns], room=room)
    shown = pages[:max_messages]
    shown_turns = sum(len(page) for page in shown)
    header = f"**Dexter history** · {count_of(len(turns), 'turn')}"
    if shown_turns < len(turns):
        header += f" · the newest {shown_turns} shown, {len(turns) - shown_turns} older not"
    if not full:
        header += "\n-# Whole answers: `/dexter-history full:True`"
    messages = ["\n\n".join(page) for page in reversed(shown)]
    messages[0] = f"{header}\n\n{messages[0]}"
    return messages


def cleared_reply(turn_count: int) -> str:
    return (
        f"Cleared this conversation's history ({count_of(turn_count, 'turn')}). "
        "Dexter starts afresh here."
    )


def is_allowed_to_clear(
    *, user_id: str, participants: dict[str, str], can_manage_messages: bool, is_dm: bool
) -> bool:
    """DMs belong to the person in them; elsewhere participants and moderators may clear."""
    return is_dm or can_manage_messages or user_id in participants


def threads_pointer(threads: list[ThreadRef]) -> str:
    """The plain-channel reply: what to do, and Dexter's threads here to do it in."""
    if not threads:
        return NOT_A_SESSION_REPLY + " Mention @Dexter with a question to start one."
    lines = [NOT_A_SESSION_REPLY, "", "Dexter's threads here:"]
    lines += [
        f"• <#{ref.thread_id}> {shorten(ref.title, 80)}" for ref in threads[:MAX_LISTED_THREADS]
    ]
    return "\n".join(lines)


def _entry(turn: Turn, *, full: bool, room: int) -> str:
    who = f"<@{turn.user_id}>" if turn.user_id else (turn.user_name or "someone")
    body = to_discord_markdown(turn.answer) if full else summary_preview(turn)
    entry = f"<t:{int(turn.created_at)}:f> · {who} asked:\n> {question_preview(turn)}\n{body}"
    if len(entry) <= room:
        return entry
    return split_message(entry, limit=room - 20)[0] + "\n-# …(cut here)"
