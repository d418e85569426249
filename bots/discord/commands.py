"""`/dexter-history` and `/dexter-clear`, and their text forms "@Dexter history" / "clear".

Both act on the conversation of the place they are run in: a thread or DM, or a channel
where Dexter answered in place. In a plain channel they say so and point at Dexter's
threads there. Slash commands are claimed once (a replayed interaction does nothing),
deferred at once as ephemeral, and answered with follow-ups.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bots.discord.conversations import (
    allowed_channel_ids,
    claim_once,
    has_session,
    is_dexters_thread,
    place_of,
    session_id_for,
)
from bots.discord.history_logic import (
    CLEAR_REFUSED_REPLY,
    ThreadRef,
    cleared_reply,
    history_messages,
    is_allowed_to_clear,
    threads_pointer,
)
from bots.discord.routing_logic import NOT_ENABLED_REPLY, Place, TextCommand
from bots.discord.sink import NO_MENTIONS, PLATFORM_ERRORS
from dexter_core.core import Core
from dexter_core.errors import StoreUnavailableError

if TYPE_CHECKING:
    from bots.discord.client import DexterClient

logger = logging.getLogger(__name__)

NOTHING_TO_CLEAR_REPLY = "There is no Dexter conversation here to clear."
STORE_DOWN_REPLY = (
    "Conversation storage is unavailable right now. Please try again in a few minutes."
)
UNKNOWN_COMMAND_REPLY = (
    "I don't know that command or option. Try `/dexter-history` (option `full`) or `/dexter-clear`."
)
COMMAND_FAILED_REPLY = "Sorry, something went wrong running that command. Please try again."


class Commands:
    """What history and clear answer, whichever way they were asked."""

    def __init__(self, *, core: Core, client: discord.Client) -> None:
        self._core = core
        self._client = client

    async def history(self, channel: object, *, guild_id: int | None, full: bool) -> list[str]:
        """The history of the conversation here, as messages to send."""
        try:
            session_id = await self._session_here(channel, guild_id=guild_id)
            if session_id is None:
                return [threads_pointer(await self._dexter_threads(channel))]
            return history_messages(await self._core.store.get_turns(session_id), full=full)
        except StoreUnavailableError as error:
            logger.warning("history unavailable: %s", error)
            return [STORE_DOWN_REPLY]

    async def clear(
        self, channel: object, *, guild_id: int | None, user_id: int, can_manage_messages: bool
    ) -> str:
        """Clear the conversation here if this user may; the reply says what happened."""
        try:
            session_id = await self._session_here(channel, guild_id=guild_id)
            if session_id is None:
                return threads_pointer(await self._dexter_threads(channel))
            metadata = await self._core.store.get_metadata(session_id)
            if metadata is None or metadata.turn_count == 0:
                return NOTHING_TO_CLEAR_REPLY
            if not is_allowed_to_clear(
                user_id=str(user_id),
                participants=metadata.participants,
                can_manage_messages=can_manage_messages,
                is_dm=guild_id is None,
            ):
                return CLEAR_REFUSED_REPLY
            await self._core.store.clear(session_id)
        except StoreUnavailableError as error:
            logger.warning("clear unavailable: %s", error)
            return STORE_DOWN_REPLY
        logger.info("session cleared", extra={"session_id": session_id, "user_id": str(user_id)})
        return cleared_reply(metadata.turn_count)

    async def run_text_command(self, message: discord.Message, command: TextCommand) -> None:
        """Answer "@Dexter history" / "history full" / "clear" with replies in place."""
        guild_id = message.guild.id if message.guild else None
        if command is TextCommand.CLEAR:
            replies = [
                await self.clear(
                    message.channel,
                    guild_id=guild_id,
                    user_id=message.author.id,
                    can_manage_messages=_can_manage_messages(message),
                )
            ]
        else:
            replies = await self.history(
                message.channel, guild_id=guild_id, full=command is TextCommand.HISTORY_FULL
            )
        for text in replies:
            try:
                await message.reply(text, mention_author=False, allowed_mentions=NO_MENTIONS)
            except PLATFORM_ERRORS as error:
                logger.warning("could not answer a text command: %s", error)

    async def _session_here(self, channel: object, *, guild_id: int | None) -> str | None:
        channel_id = getattr(channel, "id", None)
        if channel_id is None:
            return None
        session_id = session_id_for(channel_id=channel_id, guild_id=guild_id)
        if place_of(channel) in (Place.DM, Place.THREAD) or guild_id is None:
            return session_id
        return session_id if await has_session(self._core.store, session_id) else None

    async def _dexter_threads(self, channel: object) -> list[ThreadRef]:
        """Dexter's active threads under `channel`, as far as this process's cache knows."""
        bot_id = self._client.user.id if self._client.user else 0
        refs = []
        for thread in getattr(channel, "threads", []):
            if await is_dexters_thread(thread, store=self._core.store, bot_id=bot_id):
                refs.append(ThreadRef(thread_id=thread.id, title=thread.name))
        return refs


class DexterCommandTree(app_commands.CommandTree):
    """The application commands: every interaction claimed once and deferred at once."""

    def __init__(self, client: DexterClient, *, core: Core, commands: Commands) -> None:
        super().__init__(client)
        self._client = client
        self._core = core
        self._commands = commands
        self._add_commands()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Drop replayed interactions; defer the rest (ephemeral) before any work."""
        if not self._client.is_accepting:
            return False
        if not await claim_once(self._core.store, f"discord:interaction:{interaction.id}"):
            logger.info("duplicate interaction %s ignored", interaction.id)
            return False
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
        except PLATFORM_ERRORS as error:
            # Expired (over 3 s late) or already answered elsewhere: nothing more can be sent.
            logger.warning("could not defer interaction %s: %s", interaction.id, error)
            return False
        channel_ids = allowed_channel_ids(interaction.channel)
        if not self._core.settings.is_allowed(
            user_id=str(interaction.user.id), channel_ids=channel_ids
        ):
            await _follow_up(interaction, NOT_ENABLED_REPLY)
            return False
        return True

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError, /
    ) -> None:
        """Unknown commands and options get a clear reply; failures a short one and a log."""
        if isinstance(error, app_commands.CommandNotFound | app_commands.TransformerError):
            logger.info("unknown command or option: %s", error)
            reply = UNKNOWN_COMMAND_REPLY
        else:
            logger.error("command failed", exc_info=error)
            reply = COMMAND_FAILED_REPLY
        if interaction.response.is_done():
            await _follow_up(interaction, reply)
            return
        try:
            await interaction.response.send_message(reply, ephemeral=True)
        except PLATFORM_ERRORS as send_error:
            logger.warning("could not answer an interaction: %s", send_error)

    def _add_commands(self) -> None:
        commands = self._commands

        @self.command(
            name="dexter-history", description="Show this thread's or DM's conversation with Dexter"
        )
        @app_commands.describe(full="Show whole answers instead of summaries")
        async def history(interaction: discord.Interaction, full: bool = False) -> None:
            replies = await commands.history(
                interaction.channel, guild_id=interaction.guild_id, full=full is True
            )
            for text in replies:
                await _follow_up(interaction, text)

        @self.command(
            name="dexter-clear", description="Make Dexter forget this thread's or DM's conversation"
        )
        async def clear(interaction: discord.Interaction) -> None:
            reply = await commands.clear(
                interaction.channel,
                guild_id=interaction.guild_id,
                user_id=interaction.user.id,
                can_manage_messages=interaction.permissions.manage_messages,
            )
            await _follow_up(interaction, reply)


async def sync_commands(tree: app_commands.CommandTree, *, guild_id: str) -> None:
    """Register the commands: on one guild (instant) when `guild_id` is set, else globally
    (Discord may take a while to show them). A failure is logged; Dexter still answers
    mentions and DMs."""
    try:
        if guild_id:
            guild = discord.Object(id=int(guild_id))
            tree.copy_global_to(guild=guild)
            synced = await tree.sync(guild=guild)
        else:
            synced = await tree.sync()
    except PLATFORM_ERRORS as error:
        logger.warning("could not register application commands: %s", error)
        return
    logger.info(
        "registered %d application commands %s",
        len(synced),
        f"on guild {guild_id}" if guild_id else "globally",
    )


async def _follow_up(interaction: discord.Interaction, text: str) -> None:
    try:
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
    except PLATFORM_ERRORS as error:
        logger.warning("could not answer an interaction: %s", error)


def _can_manage_messages(message: discord.Message) -> bool:
    author = message.author
    channel = message.channel
    if not isinstance(author, discord.Member) or not hasattr(channel, "permissions_for"):
        return False
    return channel.permissions_for(author).manage_messages
