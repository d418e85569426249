"""Which Slack message events Dexter answers, in which session, and where it replies.

Slack sends a channel mention twice (an `app_mention` and a `message`): the mention is
answered from `app_mention`, so the `message` copy is ignored. DMs come only as
`message` events. A thread reply without a mention is answered only when Dexter already
takes part in that thread, which the caller checks (`Action.CHECK_THREAD`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any

from bots.slack.command_logic import parse_command_args
from dexter_core.sessions.session_ids import slack_dm_session, slack_thread_session

# Subtypes that are still a person writing: a message with a file, a reply also sent
# to the channel. Every other subtype (edits, deletions, joins, bots, ...) is ignored.
_HUMAN_SUBTYPES = frozenset({"file_share", "thread_broadcast"})
_COMMAND_WORDS = frozenset({"history", "clear"})


class Action(Enum):
    IGNORE = "ignore"
    ANSWER = "answer"
    CHECK_THREAD = "check_thread"  # answer only if Dexter takes part in the thread


@dataclass(frozen=True, kw_only=True)
class MessageDecision:
    """What to do with one message event.

    `thread_ts` is where the reply goes (None: top level of a DM). `command` is "history"
    or "clear" when the message is a mention-command, with its arguments in `text`.
    """

    action: Action
    session_id: str = ""
    channel: str = ""
    user: str = ""
    thread_ts: str | None = None
    text: str = ""
    command: str | None = None
    has_files: bool = False
    is_dm: bool = False
    in_thread: bool = False  # written inside an existing thread (not at the top level)


IGNORE = MessageDecision(action=Action.IGNORE)


def decide(*, kind: str, event: dict[str, Any], team_id: str, bot_user_id: str) -> MessageDecision:
    """Decide about an `app_mention` (`kind="app_mention"`) or `message` event."""
    if not _is_human_message(event, bot_user_id=bot_user_id):
        return IGNORE
    channel, user, ts = str(event.get("channel", "")), str(event["user"]), str(event["ts"])
    raw_text = str(event.get("text") or "")
    mentioned = _is_mentioned(raw_text, bot_user_id)
    is_dm = event.get("channel_type") == "im" or channel.startswith("D")
    thread_root = str(event.get("thread_ts") or "")
    in_thread = bool(thread_root) and thread_root != ts

    if kind == "app_mention":
        if is_dm:
            return IGNORE  # the DM's `message` event carries it
        action = Action.ANSWER
    elif is_dm:
        action = Action.ANSWER
    elif mentioned or not in_thread:
        return IGNORE  # a mention is answered from its `app_mention`; top level is not for us
    else:
        action = Action.CHECK_THREAD

    if is_dm and not in_thread:
        session_id, reply_ts = slack_dm_session(team_id, channel), None
    else:
        reply_ts = thread_root or ts
        session_id = slack_thread_session(team_id, channel, reply_ts)
    text = strip_mentions(raw_text, bot_user_id)
    command, rest = _split_command(text) if mentioned else (None, text)
    return MessageDecision(
        action=action,
        session_id=session_id,
        channel=channel,
        user=user,
        thread_ts=reply_ts,
        text=rest,
        command=command,
        has_files=bool(event.get("files")),
        is_dm=is_dm,
        in_thread=in_thread,
    )


def strip_mentions(text: str, bot_user_id: str) -> str:
    """`text` without the bot's own tag(s), whitespace collapsed at the ends."""
    return re.sub(rf"<@{re.escape(bot_user_id)}(\|[^>]*)?>", " ", text).strip()


def refusal(*, text: str, has_files: bool, max_chars: int) -> str | None:
    """A short reply for a message that cannot be a question, or None when it can."""
    if len(text) > max_chars:
        return (
            f"That message is {len(text):,} characters long; I can take questions of up to "
            f"{max_chars:,}. Please shorten it."
        )
    if text.strip():
        return None
    if has_files:
        return "I can only read text, not files. Please type your question."
    return "Ask me a question after the mention, e.g. _@Dexter what was Apple's revenue in 2023?_"


def _is_human_message(event: dict[str, Any], *, bot_user_id: str) -> bool:
    subtype = event.get("subtype")
    if subtype is not None and subtype not in _HUMAN_SUBTYPES:
        return False
    if event.get("bot_id") or event.get("bot_profile") or event.get("hidden"):
        return False
    user = event.get("user")
    return bool(user) and user != bot_user_id and bool(event.get("ts"))


def _is_mentioned(text: str, bot_user_id: str) -> bool:
    return bool(bot_user_id) and f"<@{bot_user_id}" in text


def _split_command(text: str) -> tuple[str | None, str]:
    """("history", "full") for "history full"; (None, text) when it is a question.

    A command word followed by words that are not its arguments ("history of Apple's
    dividend") is a question.
    """
    words = text.split(maxsplit=1)
    if not words or words[0].lower() not in _COMMAND_WORDS:
        return None, text
    command, rest = words[0].lower(), words[1] if len(words) > 1 else ""
    if parse_command_args(rest, command=command).error:
        return None, text
    return command, rest
