"""History and clear, from a slash command, a mention in a thread or a message shortcut.

What a command acts on: the thread it was run for (mention in a thread, shortcut); else
the thread a link points to; else, in a DM, the DM; else the caller's latest Dexter thread
in the channel, listing their others. History is readable by whoever can see the place
the command runs in; clearing a channel thread needs a participant or a workspace admin.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bots.slack.command_logic import CommandArgs, link_problem, parse_command_args, thread_link
from bots.slack.history_logic import format_history, format_thread_list
from bots.slack.identity import BotIdentity, IdentityCache
from bots.slack.mrkdwn_logic import escape
from bots.slack.replies import NOT_ENABLED
from bots.slack.split_logic import MAX_PART_CHARS
from bots.slack.users import UserDirectory
from dexter_core.errors import StoreUnavailableError
from dexter_core.sessions.models import SessionMetadata
from dexter_core.sessions.session_ids import (
    parse_session_id,
    slack_dm_session,
    slack_thread_session,
)
from dexter_core.sessions.store import SessionStore
from dexter_core.settings import Settings

logger = logging.getLogger(__name__)

STORE_DOWN = "I can't reach the conversation store right now. Please try again in a minute."
OTHER_THREADS = 10


@dataclass(frozen=True, kw_only=True)
class CommandPlace:
    """Where a command was run. `thread_ts` is set when it was run for one thread."""

    team_id: str
    channel: str
    user: str
    thread_ts: str | None = None

    @property
    def is_dm(self) -> bool:
        return self.channel.startswith("D")


@dataclass(frozen=True, kw_only=True)
class _Target:
    session_id: str
    title: str  # "this thread", "your latest thread here (<link|title>)", ...
    others: list[SessionMetadata] = field(default_factory=list)


class HistoryCommands:
    def __init__(
        self,
        *,
        settings: Settings,
        store: SessionStore,
        identity: IdentityCache,
        users: UserDirectory,
    ) -> None:
        self._settings = settings
        self._store = store
        self._identity = identity
        self._users = users

    async def run(self, command: str, *, args_text: str, place: CommandPlace) -> list[str]:
        """Run "history" or "clear"; the messages to show the caller (ephemeral)."""
        if not self._settings.is_allowed(user_id=place.user, channel_ids=(place.channel,)):
            return [NOT_ENABLED]
        args = parse_command_args(args_text, command=command)
        if args.error:
            return [args.error]
        try:
            identity = await self._identity.get()
            target = await self._target(args, place, identity)
            if isinstance(target, str):
                return [target]
            if command == "history":
                return await self._history(target, args, identity)
            return [await self._clear(target, place)]
        except StoreUnavailableError as error:
            logger.warning("%s command failed: %s", command, error)
            return [STORE_DOWN]

    async def _target(
        self, args: CommandArgs, place: CommandPlace, identity: BotIdentity
    ) -> _Target | str:
        """The session the command acts on, or why there is none."""
        if place.thread_ts is not None or args.link is not None:
            if args.link is not None:
                problem = link_problem(args.link, team_url=identity.team_url, channel=place.channel)
                if problem:
                    return problem
                thread_ts, title = args.link.thread_ts, "that thread"
            else:
                thread_ts, title = str(place.thread_ts), "this thread"
            session_id = slack_thread_session(place.team_id, place.channel, thread_ts)
            if await self._store.get_metadata(session_id) is None:
                return f"Dexter has no conversation in {title}."
            return _Target(session_id=session_id, title=title)
        if place.is_dm:
            return _Target(
                session_id=slack_dm_session(place.team_id, place.channel), title="this DM"
            )
        mine = [
            meta
            for meta in await self._store.list_sessions(
                platform="slack", channel=place.channel, user_id=place.user, limit=OTHER_THREADS + 1
            )
            if _is_thread_of(meta.session_id, team_id=place.team_id)
        ]
        if not mine:
            return (
                f"You have no Dexter threads in <#{place.channel}> yet. Mention @Dexter to "
                "start one, or pass a thread link."
            )
        latest = parse_session_id(mine[0].session_id)
        link = thread_link(
            team_url=identity.team_url, channel=latest.channel, thread_ts=latest.thread
        )
        label = escape(mine[0].title or "untitled").replace("|", "¦")
        return _Target(
            session_id=mine[0].session_id,
            title=f"your latest thread here (<{link}|{label}>)",
            others=mine[1:],
        )

    async def _history(
        self, target: _Target, args: CommandArgs, identity: BotIdentity
    ) -> list[str]:
        turns = await self._store.get_turns(target.session_id)
        page = format_history(
            turns, title=f"History of {target.title}", full=args.full, page=args.page
        )
        listing = format_thread_list(
            target.others,
            team_url=identity.team_url,
            heading="Your other Dexter threads here (add a thread link to pick one):",
        )
        if not listing:
            return [page.text]
        if len(page.text) + len(listing) + 2 <= MAX_PART_CHARS:
            return [f"{page.text}\n\n{listing}"]
        return [page.text, listing]

    async def _clear(self, target: _Target, place: CommandPlace) -> str:
        metadata = await self._store.get_metadata(target.session_id)
        if metadata is None or not metadata.turn_count:
            return f"There is nothing to clear in {target.title}."
        if not await self._is_allowed_to_clear(metadata, user=place.user):
            return (
                f"Only people who took part in {target.title}, or workspace admins and owners, "
                "can clear it."
            )
        await self._store.clear(target.session_id)
        count = metadata.turn_count
        return (
            f"Cleared the history of {target.title} ({count} turn{'s' if count != 1 else ''}). "
            "Dexter starts fresh there."
        )

    async def _is_allowed_to_clear(self, metadata: SessionMetadata, *, user: str) -> bool:
        if parse_session_id(metadata.session_id).channel.startswith("D"):
            return True  # only the DM's owner can run commands in it
        if user in metadata.participants:
            return True
        return (await self._users.member(user)).is_admin


def _is_thread_of(session_id: str, *, team_id: str) -> bool:
    address = parse_session_id(session_id)
    return address.platform == "slack" and address.workspace == team_id and bool(address.thread)
