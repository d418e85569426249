"""Arguments of the history and clear commands, and Slack thread links.

Both `/dexter-history` and `@Dexter history` take the same words: `full` (whole answers
instead of summaries), `page N`, and, for slash commands in a channel, a thread link
(copied with "Copy link" on any message of the thread).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

HISTORY_USAGE = "Usage: `/dexter-history [thread link] [full] [page N]`"
CLEAR_USAGE = "Usage: `/dexter-clear [thread link]`"

_LINK_PATH = re.compile(r"^/archives/([A-Z0-9]+)/p(\d{10})(\d{6})$")
_TS = re.compile(r"^\d{10}\.\d{6}$")
_MAX_PAGE = 10_000


@dataclass(frozen=True, kw_only=True)
class ThreadLink:
    """A link to a message: the workspace host, channel and the thread's root ts."""

    host: str
    channel: str
    thread_ts: str


@dataclass(frozen=True, kw_only=True)
class CommandArgs:
    full: bool = False
    page: int = 1
    link: ThreadLink | None = None
    error: str = ""  # non-empty when the words could not be understood


def parse_command_args(text: str, *, command: str) -> CommandArgs:
    """Parse the words after a history (`command="history"`) or clear command."""
    usage = HISTORY_USAGE if command == "history" else CLEAR_USAGE
    full, page, link = False, 1, None
    words = text.split()
    i = 0
    while i < len(words):
        word, lowered = words[i], words[i].lower()
        if command == "history" and lowered == "full":
            full = True
        elif command == "history" and lowered == "page" and i + 1 < len(words):
            i += 1
            if not words[i].isdigit() or not 1 <= int(words[i]) <= _MAX_PAGE:
                return CommandArgs(error=f"`{words[i][:40]}` is not a page number. {usage}")
            page = int(words[i])
        elif "slack.com/archives/" in word and link is None:
            link = parse_thread_link(word)
            if link is None:
                return CommandArgs(error=f"That does not look like a Slack thread link. {usage}")
        else:
            return CommandArgs(error=f"I don't know `{word[:40]}`. {usage}")
        i += 1
    return CommandArgs(full=full, page=page, link=link)


def parse_thread_link(text: str) -> ThreadLink | None:
    """The thread a message link points into, or None if `text` is not such a link.

    Accepts the link as Slack sends it in command text (`<https://…>` or `<https://…|label>`).
    A link to a reply carries `thread_ts`, the root of its thread.
    """
    url = text.strip().removeprefix("<").removesuffix(">").split("|", 1)[0]
    parts = urlsplit(url)
    match = _LINK_PATH.match(parts.path)
    if parts.scheme != "https" or not parts.hostname or not match:
        return None
    if not parts.hostname.endswith(".slack.com"):
        return None
    query = parse_qs(parts.query.replace("&amp;", "&"))
    thread_ts = query.get("thread_ts", [f"{match.group(2)}.{match.group(3)}"])[0]
    if not _TS.match(thread_ts):
        return None
    return ThreadLink(host=parts.hostname, channel=match.group(1), thread_ts=thread_ts)


def thread_link(*, team_url: str, channel: str, thread_ts: str) -> str:
    """The permalink of a thread's root message, built from the workspace URL."""
    return f"{team_url.rstrip('/')}/archives/{channel}/p{thread_ts.replace('.', '')}"


def link_problem(link: ThreadLink, *, team_url: str, channel: str) -> str | None:
    """Why `link` cannot be used in `channel` of this workspace, or None when it can."""
    team_host = urlsplit(team_url).hostname
    if team_host and link.host != team_host:
        return "That link is to another Slack workspace; I can only look at threads here."
    if link.channel != channel:
        return f"That link is to a thread in <#{link.channel}>. Run the command in that channel."
    return None
