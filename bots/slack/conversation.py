"""From a Slack message event to a queued turn (or a short reply, or nothing).

Runs after Bolt has acknowledged the event. Redeliveries are dropped twice over: the
dispatcher claims the Slack `event_id`, and this module claims the message's
`client_msg_id`, which stays the same when Slack redelivers a message under a new event
id. Both claims live in the session store's backend, so they hold across processes.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.history_commands import STORE_DOWN, CommandPlace, HistoryCommands
from bots.slack.identity import IdentityCache
from bots.slack.message_logic import Action, MessageDecision, decide, refusal
from bots.slack.replies import NOT_ENABLED, reply_in_thread, reply_privately
from bots.slack.threads import ThreadMembership
from bots.slack.users import UserDirectory
from dexter_core.core import Core
from dexter_core.dispatch.requests import SubmitStatus, TurnRequest
from dexter_core.errors import StoreUnavailableError

logger = logging.getLogger(__name__)


class SlackConversations:
    def __init__(
        self,
        *,
        core: Core,
        client: AsyncWebClient,
        identity: IdentityCache,
        users: UserDirectory,
        membership: ThreadMembership,
        commands: HistoryCommands,
    ) -> None:
        self._core = core
        self._client = client
        self._identity = identity
        self._users = users
        self._membership = membership
        self._commands = commands

    async def on_event(self, *, kind: str, body: dict[str, Any]) -> None:
        """Handle one `app_mention` or `message` event body (an `event_callback`)."""
        event = body.get("event")
        if not isinstance(event, dict):
            return
        identity = await self._identity.get()
        team_id = str(body.get("team_id") or identity.team_id)
        decision = decide(kind=kind, event=event, team_id=team_id, bot_user_id=identity.user_id)
        if decision.action is Action.IGNORE:
            return
        if decision.action is Action.CHECK_THREAD and not await self._membership.is_taking_part(
            session_id=decision.session_id,
            channel=decision.channel,
            thread_ts=str(decision.thread_ts),
            identity=identity,
        ):
            return
        settings = self._core.settings
        is_allowed = settings.is_allowed(user_id=decision.user, channel_ids=(decision.channel,))
        refused = refusal(
            text=decision.text,
            has_files=decision.has_files,
            max_chars=settings.dexter_max_query_chars,
        )
        will_submit = is_allowed and decision.command is None and refused is None
        if not await self._is_first_delivery(body, event, claim_event_id=not will_submit):
            return
        if not is_allowed:
            await self._reply_privately(decision, NOT_ENABLED)
        elif decision.command is not None:
            await self._run_command(decision, team_id=team_id)
        elif refused is not None:
            await reply_in_thread(
                self._client, channel=decision.channel, thread_ts=decision.thread_ts, text=refused
            )
        else:
            await self._submit(decision, body=body, event=event, team_id=team_id)

    async def _submit(
        self,
        decision: MessageDecision,
        *,
        body: dict[str, Any],
        event: dict[str, Any],
        team_id: str,
    ) -> None:
        member = await self._users.member(decision.user)
        request = TurnRequest(
            session_id=decision.session_id,
            text=decision.text,
            platform="slack",
            user_id=decision.user,
            user_name=member.display_name,
            event_id=str(body.get("event_id") or ""),
            reply_to={
                "team": team_id,
                "channel": decision.channel,
                "thread_ts": decision.thread_ts,
                "user": decision.user,
                "message_ts": str(event.get("ts") or ""),
            },
        )
        if decision.thread_ts is not None:
            self._membership.remember(decision.session_id)
        try:
            result = await self._core.dispatcher.submit(request)
        except StoreUnavailableError as error:
            logger.warning("could not queue a Slack message: %s", error)
            result_message = STORE_DOWN
        else:
            if result.is_accepted or result.status is SubmitStatus.DUPLICATE:
                return
            result_message = result.message
        if result_message:
            await reply_in_thread(
                self._client,
                channel=decision.channel,
                thread_ts=decision.thread_ts,
                text=result_message,
            )

    async def _run_command(self, decision: MessageDecision, *, team_id: str) -> None:
        """`@Dexter history|clear`: in a thread or DM it acts there; at a channel's top
        level it acts like the slash command (the caller's latest thread)."""
        thread_ts = decision.thread_ts if decision.in_thread else None
        place = CommandPlace(
            team_id=team_id, channel=decision.channel, user=decision.user, thread_ts=thread_ts
        )
        for text in await self._commands.run(
            str(decision.command), args_text=decision.text, place=place
        ):
            await self._reply_privately(decision, text)

    async def _reply_privately(self, decision: MessageDecision, text: str) -> None:
        await reply_privately(
            self._client,
            channel=decision.channel,
            user=decision.user,
            thread_ts=decision.thread_ts if decision.in_thread else None,
            text=text,
        )

    async def _is_first_delivery(
        self, body: dict[str, Any], event: dict[str, Any], *, claim_event_id: bool
    ) -> bool:
        """Claim the message (and, for what is not queued as a turn, the event id).

        A store that cannot be reached lets the message through: answering twice is
        better than never.
        """
        keys = []
        if event.get("client_msg_id"):
            keys.append(f"slack:cmsg:{event['client_msg_id']}")
        if claim_event_id and body.get("event_id"):
            keys.append(f"slack:event:{body['event_id']}")
        for key in keys:
            try:
                if not await self._core.store.claim_event(key):
                    return False
            except StoreUnavailableError as error:
                logger.warning("could not claim %s; handling it anyway: %s", key, error)
        return True
