"""Which Discord messages Dexter answers, where, and what it makes of their text.

Pure decisions over facts the message handler gathers; no discord.py objects here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import Enum

THREAD_NAME_LIMIT = 100
DEFAULT_THREAD_NAME = "Dexter"

TEXT_ONLY_REPLY = (
    "I can only read text for now: please type your question (attachments are not read)."
)
EMPTY_MENTION_REPLY = (
    "Ask me about companies, markets or filings, e.g. "
    "“@Dexter how did NVDA's revenue grow over the last four quarters?”"
)
NOT_ENABLED_REPLY = "Dexter is not enabled for you here."


class Place(Enum):
    DM = "dm"
    THREAD = "thread"
    CHANNEL = "channel"  # a text or announcement channel, where threads can be opened
    OTHER = "other"  # e.g. a voice channel's chat: answered in place


class Action(Enum):
    IGNORE = "ignore"
    ANSWER_HERE = "answer_here"  # in the DM or thread the message is in
    OPEN_THREAD = "open_thread"  # on the message, then answer there
    REPLY_IN_CHANNEL = "reply_in_channel"  # reply to the message; the session is the channel


class TextCommand(Enum):
    HISTORY = "history"
    HISTORY_FULL = "history full"
    CLEAR = "clear"


@dataclass(frozen=True, kw_only=True)
class MessageFacts:
    """What matters about one MESSAGE_CREATE for deciding whether to answer it."""

    from_bot: bool  # any bot, Dexter included
    is_system: bool  # joins, pins, thread-created notices, ...
    place: Place
    mentions_dexter: bool
    thread_is_dexters: bool = False  # Dexter opened the thread or holds its session
    can_open_threads: bool = False


def route_message(facts: MessageFacts) -> Action:
    """Answer DMs, mentions, and every message in a thread that is Dexter's; nothing else."""
    if facts.from_bot or facts.is_system:
        return Action.IGNORE
    if facts.place is Place.DM:
        return Action.ANSWER_HERE
    if facts.place is Place.THREAD:
        is_for_dexter = facts.mentions_dexter or facts.thread_is_dexters
        return Action.ANSWER_HERE if is_for_dexter else Action.IGNORE
    if not facts.mentions_dexter:
        return Action.IGNORE
    if facts.place is Place.CHANNEL and facts.can_open_threads:
        return Action.OPEN_THREAD
    return Action.REPLY_IN_CHANNEL


def is_owner_relevant(facts: MessageFacts) -> bool:
    """Whether knowing if the thread is Dexter's would change `route_message`'s answer,
    i.e. whether the store lookup that tells is worth making."""
    return route_message(replace(facts, thread_is_dexters=True)) is not route_message(
        replace(facts, thread_is_dexters=False)
    )


def strip_mentions(text: str, *, user_id: int, role_ids: tuple[int, ...] = ()) -> str:
    """The text without Dexter's user or role mention tags, whitespace tidied."""
    ids = "|".join(str(i) for i in (user_id, *role_ids))
    cleaned = re.sub(rf"<@[!&]?(?:{ids})>", " ", text)
    return "\n".join(" ".join(line.split()) for line in cleaned.splitlines()).strip()


def reply_for_empty(*, has_attachments: bool, addressed: bool) -> str | None:
    """What to say to a message with no text, or None to let it pass silently.

    A message that only carries files gets told Dexter reads text; a bare mention gets an
    example question; anything else without text (e.g. when the message-content intent
    is off, Discord sends thread messages without their text) is left alone.
    """
    if has_attachments:
        return TEXT_ONLY_REPLY
    return EMPTY_MENTION_REPLY if addressed else None


def parse_text_command(text: str) -> TextCommand | None:
    """`history`, `history full` or `clear` said to Dexter, else None."""
    words = " ".join(text.lower().strip(" .!?").split())
    return next((command for command in TextCommand if command.value == words), None)


def thread_name(question: str) -> str:
    """A thread title from the question: its first line, at most 100 characters."""
    first_line = next((line for line in question.splitlines() if line.strip()), "")
    name = " ".join(first_line.split())
    if not name:
        return DEFAULT_THREAD_NAME
    if len(name) <= THREAD_NAME_LIMIT:
        return name
    return name[: THREAD_NAME_LIMIT - 1].rstrip() + "…"
