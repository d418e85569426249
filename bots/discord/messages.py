"""`MessageHandler`: from a MESSAGE_CREATE to a turn request handed to the dispatcher.

Read top to bottom: decide whether the message is for Dexter, claim it once, check the
allow-lists, read its text, pick (or open) the thread it is answered in, submit.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator

import discord

from bots.discord.commands import STORE_DOWN_REPLY, Commands
from bots.discord.conversations import (
    allowed_channel_ids,
    claim_once,
    is_dexters_thread,
    place_of,
    session_id_for,
)
from bots.discord.routing_logic import (
    NOT_ENABLED_REPLY,
    Action,
    MessageFacts,
    Place,
    is_owner_relevant,
    parse_text_command,
    reply_for_empty,
    route_message,
    strip_mentions,
    thread_name,
)
from bots.discord.sink import NO_MENTIONS, PLATFORM_ERRORS, ReplyTarget
from dexter_core.core import Core
from dexter_core.dispatch.requests import SubmitStatus, TurnRequest
from dexter_core.errors import StoreUnavailableError

logger = logging.getLogger(__name__)

THREAD_ARCHIVE_MINUTES = 1440
_USER_MESSAGE_TYPES = (discord.MessageType.default, discord.MessageType.reply)


class ArrivalOrder:
    """Per-channel first-in, first-out: while one message of a channel is being handled,
    the next waits, so a thread's messages reach the dispatcher in the order they arrived
    (handling awaits the store and Discord, which would otherwise let them overtake)."""

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._holders: dict[int, int] = {}

    @contextlib.asynccontextmanager
    async def turn_of(self, channel_id: int) -> AsyncIterator[None]:
        lock = self._locks.setdefault(channel_id, asyncio.Lock())
        self._holders[channel_id] = self._holders.get(channel_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._holders[channel_id] -= 1
            if not self._holders[channel_id]:
                del self._locks[channel_id], self._holders[channel_id]


class MessageHandler:
    """Answers DMs, mentions and messages in Dexter's threads by submitting turns."""

    def __init__(self, *, client: discord.Client, core: Core, commands: Commands) -> None:
        self._client = client
        self._core = core
        self._commands = commands
        self._order = ArrivalOrder()
        # Threads this process was mentioned in: followed from the mention on, before
        # the first answer is stored and the store can tell.
        self._followed: set[int] = set()

    async def handle(self, message: discord.Message) -> None:
        """Handle one new message; never raises (errors are logged)."""
        try:
            async with self._order.turn_of(message.channel.id):
                await self._handle(message)
        except Exception:
            logger.exception("could not handle Discord message %s", message.id)

    async def _handle(self, message: discord.Message) -> None:
        me = self._client.user
        if me is None:
            return
        channel = await self._resolve_channel(message)
        facts = await self._facts(message, channel, bot_id=me.id)
        action = route_message(facts)
        if action is Action.IGNORE:
            return
        if not await claim_once(self._core.store, f"discord:message:{message.id}"):
            logger.info("duplicate delivery of message %s ignored", message.id)
            return
        addressed = facts.mentions_dexter or facts.place is Place.DM
        if not self._core.settings.is_allowed(
            user_id=str(message.author.id), channel_ids=allowed_channel_ids(channel)
        ):
            if addressed:
                await _reply(message, NOT_ENABLED_REPLY)
            return
        text = strip_mentions(message.content, user_id=me.id, role_ids=_own_role_ids(message))
        if not text:
            reply = reply_for_empty(has_attachments=bool(message.attachments), addressed=addressed)
            if reply:
                await _reply(message, reply)
            return
        if facts.mentions_dexter and (command := parse_text_command(text)):
            await self._commands.run_text_command(message, command)
            return
        target = await self._reply_target(message, channel, action, question=text)
        if facts.place is Place.THREAD:
            self._followed.add(target.channel_id)
        await self._submit(message, target, text)

    async def _resolve_channel(self, message: discord.Message) -> object:
        """The message's channel; fetched when this process has not cached it (e.g. an
        archived thread), so its kind is known."""
        channel = message.channel
        is_uncached = isinstance(channel, discord.PartialMessageable)
        if is_uncached and message.guild is not None and not message.author.bot:
            try:
                return await self._client.fetch_channel(channel.id)
            except PLATFORM_ERRORS as error:
                logger.warning("could not look up channel %s: %s", channel.id, error)
        return channel

    async def _facts(
        self, message: discord.Message, channel: object, *, bot_id: int
    ) -> MessageFacts:
        place = place_of(channel)
        own_roles = _own_role_ids(message)
        mentions_dexter = any(user.id == bot_id for user in message.mentions) or any(
            role.id in own_roles for role in message.role_mentions
        )
        facts = MessageFacts(
            from_bot=message.author.bot,
            is_system=message.type not in _USER_MESSAGE_TYPES,
            place=place,
            mentions_dexter=mentions_dexter,
            can_open_threads=place is Place.CHANNEL and _can_open_threads(channel),
        )
        if is_owner_relevant(facts):
            is_dexters = getattr(channel, "id", None) in self._followed or (
                await is_dexters_thread(channel, store=self._core.store, bot_id=bot_id)
            )
            facts = dataclasses.replace(facts, thread_is_dexters=is_dexters)
        return facts

    async def _reply_target(
        self, message: discord.Message, channel: object, action: Action, *, question: str
    ) -> ReplyTarget:
        """Where the answer goes; opens a thread on the message when that is the action.

        Without permission to open one (or if Discord refuses), Dexter replies to the
        message in the channel, and the channel itself is the session.
        """
        guild_id = message.guild.id if message.guild else None
        if action is Action.OPEN_THREAD:
            try:
                thread = await message.create_thread(
                    name=thread_name(question), auto_archive_duration=THREAD_ARCHIVE_MINUTES
                )
                return ReplyTarget(channel_id=thread.id, guild_id=guild_id)
            except PLATFORM_ERRORS as error:
                logger.warning(
                    "could not open a thread in channel %s, replying in place: %s",
                    message.channel.id,
                    error,
                )
            action = Action.REPLY_IN_CHANNEL
        if action is Action.REPLY_IN_CHANNEL:
            return ReplyTarget(
                channel_id=message.channel.id, guild_id=guild_id, reference_message_id=message.id
            )
        return ReplyTarget(channel_id=getattr(channel, "id", message.channel.id), guild_id=guild_id)

    async def _submit(self, message: discord.Message, target: ReplyTarget, text: str) -> None:
        request = TurnRequest(
            session_id=session_id_for(channel_id=target.channel_id, guild_id=target.guild_id),
            text=text,
            platform="discord",
            user_id=str(message.author.id),
            user_name=message.author.display_name,
            event_id=str(message.id),
            reply_to=target.to_dict(),
        )
        try:
            result = await self._core.dispatcher.submit(request)
        except StoreUnavailableError as error:
            logger.warning("could not queue the turn: %s", error)
            await self._tell(target, STORE_DOWN_REPLY)
            return
        if result.is_accepted or result.status is SubmitStatus.DUPLICATE:
            return
        logger.info(
            "turn refused (%s)", result.status.value, extra={"session_id": request.session_id}
        )
        if result.message:
            await self._tell(target, result.message)

    async def _tell(self, target: ReplyTarget, text: str) -> None:
        channel = self._client.get_partial_messageable(target.channel_id, guild_id=target.guild_id)
        try:
            await channel.send(text, allowed_mentions=NO_MENTIONS)
        except PLATFORM_ERRORS as error:
            logger.warning("could not tell the user why there is no answer: %s", error)


async def _reply(message: discord.Message, text: str) -> None:
    try:
        await message.reply(text, mention_author=False, allowed_mentions=NO_MENTIONS)
    except PLATFORM_ERRORS as error:
        logger.warning("could not reply to message %s: %s", message.id, error)


def _own_role_ids(message: discord.Message) -> tuple[int, ...]:
    """Dexter's own managed role in the guild: people often mention it instead of the bot."""
    role = message.guild.self_role if message.guild else None
    return (role.id,) if role else ()


def _can_open_threads(channel: object) -> bool:
    guild = getattr(channel, "guild", None)
    if guild is None or not hasattr(channel, "permissions_for"):
        return False
    return channel.permissions_for(guild.me).create_public_threads
