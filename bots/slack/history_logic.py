"""How history and thread listings read in Slack, paginated under the message limit.

Page 1 holds the newest turns; within a page turns run oldest first, as a conversation
reads. Times use Slack's `<!date^…>` token so each reader sees their own time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bots.slack.command_logic import thread_link
from bots.slack.mrkdwn_logic import escape, to_mrkdwn
from bots.slack.split_logic import MAX_PART_CHARS
from dexter_core.sessions.history_view_logic import (
    count_of,
    pack_newest_first,
    question_preview,
    summary_preview,
)
from dexter_core.sessions.models import SessionMetadata, Turn
from dexter_core.sessions.session_ids import parse_session_id

_FRAME_ROOM = 300  # the header and footer around a page's entries


@dataclass(frozen=True, kw_only=True)
class HistoryPage:
    text: str
    page: int
    pages: int


def slack_time(timestamp: float) -> str:
    """A time every reader sees in their own zone (UTC in clients that cannot)."""
    fallback = datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(timestamp)}^{{date_short_pretty}} {{time}}|{fallback}>"


def format_history(
    turns: list[Turn],
    *,
    title: str,
    full: bool,
    page: int,
    limit: int = MAX_PART_CHARS,
) -> HistoryPage:
    """Page `page` of the history, each turn with its time, who asked, question and summary.

    `full` shows whole answers instead of summaries. A page past the end gives the last.
    """
    if not turns:
        return HistoryPage(text=f"{title}: no turns yet.", page=1, pages=1)
    room = limit - _FRAME_ROOM
    entries = [_entry(turn, full=full, room=room) for turn in turns]
    pages = pack_newest_first(entries, room=room)
    number = min(max(page, 1), len(pages))
    header = f"*{title}* ({count_of(len(turns), 'turn')})"
    footer = ""
    if len(pages) > 1:
        footer = f"\n\n_Page {number} of {len(pages)} (page 1 is the newest)"
        footer += f" · older: `page {number + 1}`_" if number < len(pages) else "_"
    if not full:
        footer += "\n_Whole answers: add `full`._"
    text = header + "\n\n" + "\n\n".join(pages[number - 1]) + footer
    return HistoryPage(text=text, page=number, pages=len(pages))


def format_thread_list(sessions: list[SessionMetadata], *, team_url: str, heading: str) -> str:
    """A bulleted list of threads with links, titles, turn counts and last activity."""
    if not sessions:
        return ""
    lines = [heading]
    for meta in sessions:
        address = parse_session_id(meta.session_id)
        link = thread_link(team_url=team_url, channel=address.channel, thread_ts=address.thread)
        title = escape(meta.title or "untitled").replace("|", "¦")
        lines.append(
            f"• <{link}|{title}> · {count_of(meta.turn_count, 'turn')}"
            f" · last {slack_time(meta.last_activity)}"
        )
    return "\n".join(lines)


def _entry(turn: Turn, *, full: bool, room: int) -> str:
    who = f"<@{turn.user_id}>" if turn.user_id else escape(turn.user_name or "someone")
    question = escape(question_preview(turn))
    body = to_mrkdwn(turn.answer) if full else escape(summary_preview(turn))
    entry = f"*{slack_time(turn.created_at)}* · {who} asked:\n> {question}\n{body}"
    if len(entry) <= room:
        return entry
    cut = entry[: room - 40].rstrip()
    if cut.count("```") % 2:
        cut += "\n```"  # close a code block the cut went through
    return cut + "\n_…(cut here)_"
