"""`DexterClient`: the discord.py client with Dexter's intents, mention rules and handlers."""

from __future__ import annotations

import discord

from bots.discord.commands import Commands, DexterCommandTree, sync_commands
from bots.discord.messages import MessageHandler
from bots.discord.sink import NO_MENTIONS
from dexter_core.core import Core


def dexter_intents(*, message_content: bool) -> discord.Intents:
    """Guilds, guild messages and DMs; message content when the application may have it
    (without it Discord still sends the text of mentions and DMs)."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = message_content
    return intents


class DexterClient(discord.Client):
    """Routes new messages to the message handler and interactions to the command tree."""

    def __init__(self, *, core: Core, message_content: bool, guild_ready_timeout: float) -> None:
        super().__init__(
            intents=dexter_intents(message_content=message_content),
            allowed_mentions=NO_MENTIONS,
            guild_ready_timeout=guild_ready_timeout,
        )
        self._core = core
        # False once the adapter is stopping: new events are left alone.
        self.is_accepting = True
        commands = Commands(core=core, client=self)
        self.tree = DexterCommandTree(self, core=core, commands=commands)
        self._messages = MessageHandler(client=self, core=core, commands=commands)

    async def setup_hook(self) -> None:
        """Runs once logged in, before the gateway connects: register the commands."""
        await sync_commands(self.tree, guild_id=self._core.settings.dexter_discord_guild_id)

    async def on_message(self, message: discord.Message) -> None:
        if self.is_accepting:
            await self._messages.handle(message)
