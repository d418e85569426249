"""Where discord.py sends its REST calls and opens its gateway: `DISCORD_API_URL` and
`DISCORD_GATEWAY_URL`, for a proxy or a test server.

discord.py builds every REST URL (bot calls and interaction webhooks alike) from the class
attribute `discord.http.Route.BASE`, and a plain `Client` opens its first gateway
connection at `DiscordWebSocket.DEFAULT_GATEWAY`; both are process-wide, which suits one
Discord connection per process. This module is the only place that sets them.
"""

from __future__ import annotations

import logging

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from dexter_core.settings import Settings

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"


def use_api_url(settings: Settings) -> None:
    """Point every REST call at `DISCORD_API_URL` (call before logging in)."""
    base = (settings.discord_api_url or DEFAULT_API_URL).rstrip("/")
    Route.BASE = base
    if base != DEFAULT_API_URL:
        logger.info("Discord REST calls go to %s", base)


async def use_gateway_url(client: discord.Client, settings: Settings) -> None:
    """Point the gateway connection where the settings say (call after logging in).

    `DISCORD_GATEWAY_URL` wins; else, with a non-default `DISCORD_API_URL`, the gateway
    that API names in `GET /gateway/bot` (a proxy or test server knows its own); else
    Discord's public gateway.
    """
    gateway = settings.discord_gateway_url
    if not gateway and Route.BASE != DEFAULT_API_URL:
        try:
            _, gateway, _ = await client.http.get_bot_gateway()
        except discord.GatewayNotFound:
            logger.warning(
                "%s does not name a gateway (GET /gateway/bot failed); using Discord's. "
                "Set DISCORD_GATEWAY_URL to choose one.",
                Route.BASE,
            )
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway or DEFAULT_GATEWAY_URL)
    if gateway:
        logger.info("Discord gateway at %s", gateway)
