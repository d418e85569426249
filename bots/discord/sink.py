"""`DiscordTurnSink`: one turn shown in Discord while the dispatcher runs it.

Typing while Dexter works; a progress message, edited at most about once a second, once
the agent takes a step worth showing; then the answer in as many messages as the
2,000-character limit needs. Every post is recorded in the request's `PostLedger`, so a
turn re-run after a crash posts nothing twice. Nothing Dexter sends can ping anyone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord

from bots.discord.format_logic import split_message, to_discord_markdown
from bots.discord.progress_logic import EditThrottle, ProgressView
from dexter_core.agent.events import Event, FinalAnswer, Notice, TurnFailed
from dexter_core.dispatch.requests import PostLedger, TurnRequest

logger = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
EMPTY_ANSWER = "I have no answer to that. Could you rephrase the question?"
PLATFORM_ERRORS = (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError)


@dataclass(frozen=True, kw_only=True)
class ReplyTarget:
    """Where a turn's answer goes: `TurnRequest.reply_to`, JSON-able for other processes.

    `reference_message_id` is set when the answer replies to the user's message in a
    channel (no thread could be opened); in threads and DMs it is None.
    """

    channel_id: int
    guild_id: int | None = None
    reference_message_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "channel_id": str(self.channel_id),
            "guild_id": _str_or_none(self.guild_id),
            "reference_message_id": _str_or_none(self.reference_message_id),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReplyTarget:
        """Rebuild from `to_dict`; raises ValueError when the channel id is missing."""
        return cls(
            channel_id=int(data["channel_id"]),
            guild_id=_int_or_none(data.get("guild_id")),
            reference_message_id=_int_or_none(data.get("reference_message_id")),
        )


def sink_for_request(
    client: discord.Client,
    request: TurnRequest,
    ledger: PostLedger,
    *,
    edit_interval: float,
    typing_interval: float,
    typing_limit: float,
) -> DiscordTurnSink:
    """The sink showing `request`'s turn where its `reply_to` says, posting through `client`."""
    target = ReplyTarget.from_dict(request.reply_to)
    return DiscordTurnSink(
        channel=client.get_partial_messageable(target.channel_id, guild_id=target.guild_id),
        reference_message_id=target.reference_message_id,
        ledger=ledger,
        edit_interval=edit_interval,
        typing_interval=typing_interval,
        typing_limit=typing_limit,
        request_id=request.request_id,
    )


class DiscordTurnSink:
    """Renders one turn's events in one Discord channel or thread.

    `finished` is set once the answer (or failure) has been posted, or given up on.
    """

    def __init__(
        self,
        *,
        channel: discord.PartialMessageable,
        reference_message_id: int | None,
        ledger: PostLedger,
        edit_interval: float,
        typing_interval: float,
        typing_limit: float,
        request_id: str = "",
    ) -> None:
        self._channel = channel
        self._reference_message_id = reference_message_id
        self._ledger = ledger
        self._view = ProgressView()
        self._throttle = EditThrottle(interval=edit_interval)
        self._typing_interval = typing_interval
        self._typing_limit = typing_limit
        self._request_id = request_id
        self._lock = asyncio.Lock()
        self._typing: asyncio.Task[None] | None = None
        self._typing_again = asyncio.Event()
        self._pending_edit: asyncio.Task[None] | None = None
        self._notices = 0
        self._is_finishing = False
        self.finished = asyncio.Event()

    async def send(self, event: Event) -> None:
        """Show `event`. Platform errors are logged, never raised."""
        if self._is_finishing:
            return
        if isinstance(event, FinalAnswer | TurnFailed):
            try:
                await self._finish()
                if isinstance(event, FinalAnswer):
                    parts = split_message(to_discord_markdown(event.text)) or [EMPTY_ANSWER]
                    for index, part in enumerate(parts):
                        await self._post_once(f"part:{index}", part)
                else:
                    await self._post_once("failed", event.message)
            finally:
                self.finished.set()
        elif isinstance(event, Notice):
            self._notices += 1
            await self._post_once(f"notice:{self._notices}", f"-# {event.text}")
        else:
            self._start_typing()
            if self._view.apply(event) and self._view.has_steps:
                await self._show_progress()

    # -- typing ----------------------------------------------------------------------

    def _start_typing(self) -> None:
        if self._typing is None:
            self._typing = asyncio.create_task(self._keep_typing(), name="discord-typing")

    async def _keep_typing(self) -> None:
        """Signal typing now and every few seconds (and again right after each post,
        which ends Discord's indicator) until the turn finishes or `typing_limit` passes,
        so no path leaves it running."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._typing_limit):
                while True:
                    try:
                        await self._channel.typing()
                    except PLATFORM_ERRORS as error:
                        logger.warning("typing signal failed: %s", _describe(error))
                    self._typing_again.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._typing_again.wait(), self._typing_interval)

    async def _finish(self) -> None:
        """Stop typing and progress edits; leave the progress message showing what was done."""
        self._is_finishing = True
        for task in (self._typing, self._pending_edit):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._view.has_steps:
            await self._write_progress(self._view.render(finished=True))

    # -- progress --------------------------------------------------------------------

    async def _show_progress(self) -> None:
        delay = self._throttle.delay_before_edit(asyncio.get_running_loop().time())
        if delay == 0:
            await self._write_progress(self._view.render())
        elif self._pending_edit is None or self._pending_edit.done():
            self._pending_edit = asyncio.create_task(self._write_progress_later(delay))

    async def _write_progress_later(self, delay: float) -> None:
        await asyncio.sleep(delay)
        await self._write_progress(self._view.render())

    async def _write_progress(self, text: str) -> None:
        async with self._lock:
            self._throttle.record_edit(asyncio.get_running_loop().time())
            message_id = await self._ledger.get("progress")
            if message_id is None:
                await self._post_unlocked("progress", text)
                return
            try:
                await self._channel.get_partial_message(int(message_id)).edit(
                    content=text, allowed_mentions=NO_MENTIONS
                )
            except PLATFORM_ERRORS as error:
                logger.warning(
                    "progress edit failed: %s",
                    _describe(error),
                    extra={"request_id": self._request_id},
                )

    # -- posting ---------------------------------------------------------------------

    async def _post_once(self, key: str, text: str) -> None:
        """Post `text` unless the ledger says `key` was posted already."""
        async with self._lock:
            await self._post_unlocked(key, text)

    async def _post_unlocked(self, key: str, text: str) -> None:
        if await self._ledger.get(key) is not None:
            return
        reference = None
        if self._reference_message_id is not None:
            reference = discord.MessageReference(
                message_id=self._reference_message_id,
                channel_id=self._channel.id,
                fail_if_not_exists=False,
            )
            self._reference_message_id = None  # only Dexter's first message is a reply
        try:
            message = await self._channel.send(
                text,
                reference=reference,
                allowed_mentions=NO_MENTIONS,
            )
        except PLATFORM_ERRORS as error:
            logger.warning(
                "posting %s failed: %s",
                key,
                _describe(error),
                extra={"request_id": self._request_id},
            )
            return
        await self._ledger.set(key, str(message.id))
        self._typing_again.set()


def _describe(error: BaseException) -> str:
    if isinstance(error, discord.HTTPException):
        return f"HTTP {error.status} (code {error.code}) {error.text}"
    return f"{type(error).__name__}: {error}"


def _str_or_none(value: int | None) -> str | None:
    return None if value is None else str(value)


def _int_or_none(value: Any) -> int | None:
    return None if value in (None, "") else int(value)
