"""Message shortcuts "Dexter history" and "Clear Dexter history": act on the message's thread."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.history_commands import CommandPlace, HistoryCommands
from bots.slack.replies import reply_privately

SHORTCUTS = {"dexter_history": "history", "dexter_clear": "clear"}


def register(app: AsyncApp, commands: HistoryCommands, client: AsyncWebClient) -> None:
    async def on_shortcut(ack: AsyncAck, shortcut: dict[str, Any]) -> None:
        await ack()
        channel = str((shortcut.get("channel") or {}).get("id", ""))
        user = str((shortcut.get("user") or {}).get("id", ""))
        message = shortcut.get("message") or {}
        # A message in a thread belongs to that thread; a channel message roots its own.
        # A DM's top-level message belongs to the DM session (thread_ts None).
        thread_ts = message.get("thread_ts") or (
            None if channel.startswith("D") else message.get("ts")
        )
        place = CommandPlace(
            team_id=str((shortcut.get("team") or {}).get("id", "")),
            channel=channel,
            user=user,
            thread_ts=str(thread_ts) if thread_ts else None,
        )
        command = SHORTCUTS[str(shortcut["callback_id"])]
        for text in await commands.run(command, args_text="", place=place):
            await reply_privately(
                client, channel=channel, user=user, thread_ts=place.thread_ts, text=text
            )

    for callback_id in SHORTCUTS:
        app.shortcut(callback_id)(on_shortcut)
