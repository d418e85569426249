"""Whether Dexter takes part in a channel thread, so a reply there needs no mention.

Asked for every thread reply in every channel Dexter is in, so the answer comes from the
store when it can (a thread with a session is one Dexter takes part in), then from what
this process started, and only then from `conversations.replies`, whose answer is
remembered a while.
"""

from __future__ import annotations

import logging
import time

from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.api_errors import SLACK_ERRORS
from bots.slack.identity import BotIdentity
from dexter_core.errors import StoreUnavailableError
from dexter_core.sessions.store import SessionStore

logger = logging.getLogger(__name__)

NEGATIVE_SECONDS = 60.0
_MAX_REMEMBERED = 10_000


class ThreadMembership:
    def __init__(self, *, store: SessionStore, client: AsyncWebClient) -> None:
        self._store = store
        self._client = client
        self._joined: set[str] = set()
        self._not_joined: dict[str, float] = {}

    def remember(self, session_id: str) -> None:
        """Note that Dexter answers in this session's thread (before the store knows)."""
        if len(self._joined) >= _MAX_REMEMBERED:
            self._joined.clear()
        self._joined.add(session_id)
        self._not_joined.pop(session_id, None)

    async def is_taking_part(
        self, *, session_id: str, channel: str, thread_ts: str, identity: BotIdentity
    ) -> bool:
        if session_id in self._joined:
            return True
        try:
            if await self._store.get_metadata(session_id) is not None:
                self.remember(session_id)
                return True
        except StoreUnavailableError as error:
            logger.warning("store unavailable while checking a thread: %s", error)
        checked = self._not_joined.get(session_id)
        if checked is not None and time.monotonic() - checked < NEGATIVE_SECONDS:
            return False
        if await self._is_in_thread_per_slack(
            channel=channel, thread_ts=thread_ts, identity=identity
        ):
            self.remember(session_id)
            return True
        if len(self._not_joined) >= _MAX_REMEMBERED:
            self._not_joined.clear()
        self._not_joined[session_id] = time.monotonic()
        return False

    async def _is_in_thread_per_slack(
        self, *, channel: str, thread_ts: str, identity: BotIdentity
    ) -> bool:
        """Dexter posted in the thread, or its root mentions Dexter (an answer on its way,
        perhaps from another process)."""
        try:
            answer = await self._client.conversations_replies(
                channel=channel, ts=thread_ts, limit=200
            )
        except SLACK_ERRORS as error:
            logger.warning("conversations.replies failed for %s/%s: %s", channel, thread_ts, error)
            return False
        messages = answer.get("messages") or []
        if messages and f"<@{identity.user_id}" in str(messages[0].get("text") or ""):
            return True
        return any(
            message.get("user") == identity.user_id
            or (identity.bot_id and message.get("bot_id") == identity.bot_id)
            for message in messages
        )
