"""`/dexter-history` and `/dexter-clear`: acknowledged at once, answered ephemerally."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bots.slack.history_commands import CommandPlace, HistoryCommands

COMMANDS = {"/dexter-history": "history", "/dexter-clear": "clear"}


def register(app: AsyncApp, commands: HistoryCommands) -> None:
    async def on_command(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        place = CommandPlace(
            team_id=str(body.get("team_id", "")),
            channel=str(body.get("channel_id", "")),
            user=str(body.get("user_id", "")),
        )
        name = COMMANDS[str(body["command"])]
        for text in await commands.run(name, args_text=str(body.get("text") or ""), place=place):
            await respond(text=text, response_type="ephemeral")

    for command in COMMANDS:
        app.command(command)(on_command)
