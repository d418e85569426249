"""Posting short replies (refusals, command output) where a message or command came from.

Replies are best effort: a Slack error is logged, never raised into a listener.
"""

from __future__ import annotations

import logging

from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.api_errors import SLACK_ERRORS

logger = logging.getLogger(__name__)

NOT_ENABLED = "Sorry, Dexter is not enabled here. Ask a workspace admin if you need it."


async def reply_in_thread(
    client: AsyncWebClient, *, channel: str, thread_ts: str | None, text: str
) -> None:
    """A visible reply in the thread (at the top level of a DM when `thread_ts` is None)."""
    try:
        await client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text)
    except SLACK_ERRORS as error:
        logger.warning("could not reply in %s: %s", channel, error)


async def reply_privately(
    client: AsyncWebClient, *, channel: str, user: str, thread_ts: str | None, text: str
) -> None:
    """An ephemeral reply only `user` sees, in the thread when `thread_ts` is given."""
    try:
        await client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, text=text)
    except SLACK_ERRORS as error:
        logger.warning("could not reply privately in %s: %s", channel, error)
