"""The Discord adapter: `SPEC` for `dexter run` / `dexter discord`, and `DiscordAdapter`.

`start()` logs in, registers the application commands, connects to the gateway and returns
once Discord says READY. If the application lacks the privileged message-content intent,
it connects again without it (mentions and DMs still work) and says so in the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref

import aiohttp
import discord
from aiohttp import web

from bots.adapter import AdapterSpec
from bots.discord.client import DexterClient
from bots.discord.endpoints import use_api_url, use_gateway_url
from bots.discord.sink import DiscordTurnSink, sink_for_request
from dexter_core.core import Core
from dexter_core.dispatch.requests import PostLedger, TurnRequest
from dexter_core.errors import DexterError
from dexter_core.settings import Settings

logger = logging.getLogger(__name__)

READY_TIMEOUT = 30.0
# Seconds discord.py waits after the last GUILD_CREATE before it reports ready.
GUILD_READY_TIMEOUT = 2.0
# Discord shows "typing" for about 10 s after each signal.
TYPING_INTERVAL = 8.0
# Margin past the turn deadline after which a typing indicator stops whatever happens.
TYPING_MARGIN = 15.0


class DiscordStartError(DexterError):
    """The Discord connection could not be made; the message says why and what to check."""


def why_off(settings: Settings) -> str | None:
    """None when Discord can run with these settings, else what is missing."""
    if not settings.discord_token:
        return "DISCORD_TOKEN is not set"
    if settings.dexter_discord_guild_id and not settings.dexter_discord_guild_id.isdigit():
        return "DEXTER_DISCORD_GUILD_ID is not a Discord server id (digits only)"
    return None


class DiscordAdapter:
    """Dexter's connection to Discord, sharing the process's core."""

    name = "discord"

    def __init__(
        self,
        core: Core,
        *,
        ready_timeout: float = READY_TIMEOUT,
        guild_ready_timeout: float = GUILD_READY_TIMEOUT,
        edit_interval: float = 1.0,
        typing_interval: float = TYPING_INTERVAL,
    ) -> None:
        self._core = core
        self._ready_timeout = ready_timeout
        self._guild_ready_timeout = guild_ready_timeout
        self._edit_interval = edit_interval
        self._typing_interval = typing_interval
        self._client: DexterClient | None = None
        self._connection: asyncio.Task[None] | None = None
        self._is_ready = asyncio.Event()
        # Sinks of turns under way; the dispatcher holds them, so finished ones drop out.
        self._sinks: weakref.WeakSet[DiscordTurnSink] = weakref.WeakSet()
        # Registered now, before the dispatcher starts, so a turn recovered from an earlier
        # run finds its factory; its sink waits for the connection.
        core.dispatcher.register_sink_factory("discord", self._build_sink)

    @property
    def client(self) -> DexterClient:
        """The connected client; raises before `start()`."""
        if self._client is None:
            raise RuntimeError("the Discord adapter is not started")
        return self._client

    async def start(self) -> None:
        """Connect and begin answering; returns once READY, else raises DiscordStartError."""
        use_api_url(self._core.settings)
        try:
            await self._connect(message_content=True)
        except discord.PrivilegedIntentsRequired:
            logger.warning(
                "the Message Content intent is not enabled for this Discord application: "
                "Dexter answers mentions and DMs only. Enable it under Bot > Privileged "
                "Gateway Intents in the Developer Portal to answer every message in its threads."
            )
            await self._connect(message_content=False)
        self._is_ready.set()
        user = self.client.user
        logger.info("connected to Discord as %s (%s)", user, user.id if user else "?")

    async def stop(self) -> None:
        """Stop taking events, give turns under way `DEXTER_SHUTDOWN_GRACE` seconds to post
        their answers, then disconnect."""
        client, connection = self._client, self._connection
        if client is None:
            return
        client.is_accepting = False
        unfinished = [sink.finished.wait() for sink in self._sinks if not sink.finished.is_set()]
        if unfinished:
            logger.info("waiting for %d Discord answers before disconnecting", len(unfinished))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._core.settings.dexter_shutdown_grace):
                    await asyncio.gather(*unfinished)
        await client.close()
        if connection is not None:
            # A closed client leaves its reconnect loop, unless it sleeps in a backoff.
            connection.cancel()
            await asyncio.wait({connection}, timeout=5.0)
        self._client = self._connection = None
        self._is_ready.clear()

    async def _connect(self, *, message_content: bool) -> None:
        settings = self._core.settings
        client = DexterClient(
            core=self._core,
            message_content=message_content,
            guild_ready_timeout=self._guild_ready_timeout,
        )
        try:
            await client.login(settings.discord_token)
            await use_gateway_url(client, settings)
        except discord.LoginFailure:
            await client.close()
            raise DiscordStartError(
                "Discord refused DISCORD_TOKEN: copy the bot token again from the "
                "Developer Portal (Bot > Reset Token)"
            ) from None
        except (discord.HTTPException, aiohttp.ClientError, OSError) as error:
            await client.close()
            raise DiscordStartError(
                f"could not reach Discord's API ({type(error).__name__}: {error}); check "
                "the network or DISCORD_API_URL"
            ) from None
        connection = asyncio.create_task(client.connect(reconnect=True), name="discord-gateway")
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait(
            {connection, ready}, timeout=self._ready_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready in done:
            self._client, self._connection = client, connection
            connection.add_done_callback(_log_connection_end)
            return
        ready.cancel()
        await client.close()
        if connection in done:
            error = connection.exception()
            if isinstance(error, discord.PrivilegedIntentsRequired):
                raise error
            raise DiscordStartError(f"the Discord gateway connection failed: {error}")
        connection.cancel()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await connection
        raise DiscordStartError(
            f"Discord did not report ready within {self._ready_timeout:.0f} s; check the "
            "network or DISCORD_GATEWAY_URL"
        )

    async def _build_sink(self, request: TurnRequest, ledger: PostLedger) -> DiscordTurnSink:
        """The dispatcher's sink factory for `discord` requests (waits for the connection)."""
        async with asyncio.timeout(self._ready_timeout):
            await self._is_ready.wait()
        sink = sink_for_request(
            self.client,
            request,
            ledger,
            edit_interval=self._edit_interval,
            typing_interval=self._typing_interval,
            typing_limit=self._core.settings.dexter_turn_timeout + TYPING_MARGIN,
        )
        self._sinks.add(sink)
        return sink


def _log_connection_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("the Discord gateway connection ended: %s", task.exception())


def _create(core: Core, web_app: web.Application) -> DiscordAdapter:
    return DiscordAdapter(core)


SPEC = AdapterSpec(name="discord", why_off=why_off, create=_create)
