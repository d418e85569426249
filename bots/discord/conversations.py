"""Which conversation a Discord channel is: its kind, its session id, whether it is Dexter's.

Shared by the message handler and the commands. A thread or DM is one session; a plain
channel is one only where Dexter had to answer in place (it could not open a thread).
"""

from __future__ import annotations

import logging

import discord

from bots.discord.routing_logic import Place
from dexter_core.errors import StoreUnavailableError
from dexter_core.sessions.session_ids import discord_dm_session, discord_thread_session
from dexter_core.sessions.store import SessionStore

logger = logging.getLogger(__name__)

_THREAD_TYPES = {
    discord.ChannelType.public_thread,
    discord.ChannelType.private_thread,
    discord.ChannelType.news_thread,
}
_CHANNEL_TYPES = {discord.ChannelType.text, discord.ChannelType.news}
_DM_TYPES = {discord.ChannelType.private, discord.ChannelType.group}


def place_of(channel: object) -> Place:
    """The kind of place `channel` is (DM, thread, channel with threads, other)."""
    kind = getattr(channel, "type", None)
    if kind in _DM_TYPES:
        return Place.DM
    if kind in _THREAD_TYPES:
        return Place.THREAD
    if kind in _CHANNEL_TYPES:
        return Place.CHANNEL
    return Place.OTHER


def session_id_for(*, channel_id: int, guild_id: int | None) -> str:
    """The session of a DM (no guild), or of a thread or channel in a guild."""
    if guild_id is None:
        return discord_dm_session(channel_id)
    return discord_thread_session(guild_id, channel_id)


async def has_session(store: SessionStore, session_id: str) -> bool:
    """Whether the store holds this session; False (logged) when the store is down."""
    try:
        return await store.get_metadata(session_id) is not None
    except StoreUnavailableError as error:
        logger.warning("session lookup failed, treating %s as new: %s", session_id, error)
        return False


async def is_dexters_thread(thread: discord.Thread, *, store: SessionStore, bot_id: int) -> bool:
    """A thread Dexter opened, or one where it was mentioned and so holds a session."""
    if thread.owner_id == bot_id:
        return True
    return await has_session(store, session_id_for(channel_id=thread.id, guild_id=thread.guild.id))


def allowed_channel_ids(channel: object) -> tuple[str, ...]:
    """The ids the channel allow-list is checked against: a thread counts as its parent."""
    ids = [str(getattr(channel, "id", ""))]
    parent_id = getattr(channel, "parent_id", None)
    if parent_id:
        ids.append(str(parent_id))
    return tuple(ids)


async def claim_once(store: SessionStore, key: str) -> bool:
    """True the first time `key` is claimed in the store's backend (shared by every
    process); True too when the store cannot tell, as a rare double answer beats a lost one."""
    try:
        return await store.claim_event(key)
    except StoreUnavailableError as error:
        logger.warning("could not record %s, handling it anyway: %s", key, error)
        return True
