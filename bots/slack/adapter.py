"""The Slack adapter: a slack-bolt async app in Socket Mode or HTTP mode.

Socket Mode when `SLACK_APP_TOKEN` is set (no public URL needed), else Slack posts to
`POST /slack/events` on the shared HTTP server, where Bolt checks each request's
signature and timestamp with `SLACK_SIGNING_SECRET`. `SLACK_API_URL` sets the Web API base
(for proxies and tests). Web API calls that get 429 wait for `Retry-After` and retry.
"""

from __future__ import annotations

import logging

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bots.adapter import AdapterSpec
from bots.slack.conversation import SlackConversations
from bots.slack.history_commands import HistoryCommands
from bots.slack.identity import IdentityCache
from bots.slack.listeners import commands, events, shortcuts
from bots.slack.sink import make_sink_factory
from bots.slack.threads import ThreadMembership
from bots.slack.users import UserDirectory
from dexter_core.core import Core
from dexter_core.settings import Settings

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
MAX_SLACK_BODY_BYTES = 1024 * 1024
RATE_LIMIT_RETRIES = 2


def why_off(settings: Settings) -> str | None:
    """Why the Slack adapter cannot run with `settings`, or None when it can."""
    if not settings.slack_bot_token:
        return "SLACK_BOT_TOKEN is not set"
    if not settings.slack_app_token and not settings.slack_signing_secret:
        return "set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)"
    return None


def build_client(
    settings: Settings, *, session: aiohttp.ClientSession | None = None
) -> AsyncWebClient:
    """The Web API client: `SLACK_API_URL` as base, 429s retried after `Retry-After`.

    With `session`, every call reuses its connections (else each call opens its own);
    once that session is closed, calls fall back to their own again.
    """
    client = AsyncWebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url, session=session
    )
    client.retry_handlers.append(
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)
    )
    return client


class SlackAdapter:
    """Answers Slack through the shared core; see the module docstring for the modes."""

    name = "slack"

    def __init__(self, core: Core, web_app: web.Application) -> None:
        settings = core.settings
        self._settings = settings
        self._http = aiohttp.ClientSession()
        self.client = build_client(settings, session=self._http)
        self.identity = IdentityCache(self.client)
        self.app = AsyncApp(
            client=self.client,
            signing_secret=settings.slack_signing_secret,
            logger=logging.getLogger("bots.slack.bolt"),
        )
        users = UserDirectory(self.client)
        history = HistoryCommands(
            settings=settings, store=core.store, identity=self.identity, users=users
        )
        conversations = SlackConversations(
            core=core,
            client=self.client,
            identity=self.identity,
            users=users,
            membership=ThreadMembership(store=core.store, client=self.client),
            commands=history,
        )
        events.register(self.app, conversations)
        commands.register(self.app, history)
        shortcuts.register(self.app, history, self.client)
        core.dispatcher.register_sink_factory("slack", make_sink_factory(self.client))
        self._socket_handler: AsyncSocketModeHandler | None = None
        if not self.is_socket_mode:
            web_app.router.add_post(EVENTS_PATH, self.handle_http)

    @property
    def is_socket_mode(self) -> bool:
        return bool(self._settings.slack_app_token)

    async def start(self) -> None:
        """Learn the bot's identity (`auth.test`), then connect Socket Mode if used."""
        identity = await self.identity.get()
        if self.is_socket_mode:
            self._socket_handler = AsyncSocketModeHandler(
                self.app, app_token=self._settings.slack_app_token, web_client=self.client
            )
            await self._socket_handler.connect_async()
        logger.info(
            "Slack adapter started as %s in %s mode",
            identity.user_id,
            "Socket" if self.is_socket_mode else f"HTTP ({EVENTS_PATH})",
        )

    async def stop(self) -> None:
        if self._socket_handler is not None:
            await self._socket_handler.close_async()
            self._socket_handler = None
        # Turns still finishing post through fresh connections after this.
        await self._http.close()

    async def handle_http(self, request: web.Request) -> web.Response:
        """`POST /slack/events`: Bolt verifies, acknowledges and dispatches.

        The body is read under Slack's own size limit rather than the server's API limit:
        a long message arrives twice over (as text and as rich-text blocks). A body over the
        limit is refused with 413, one Bolt cannot parse with 400, before anything happens.
        """
        body = bytearray()
        async for chunk in request.content.iter_chunked(64 * 1024):
            body += chunk
            if len(body) > MAX_SLACK_BODY_BYTES:
                return web.Response(status=413, text="Slack request body too large")
        try:
            bolt_request = AsyncBoltRequest(
                body=body.decode("utf-8"), query=request.query_string, headers=request.headers
            )
        except (ValueError, TypeError, AttributeError):
            return web.Response(status=400, text="malformed Slack request body")
        bolt_response = await self.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)


SPEC = AdapterSpec(name="slack", why_off=why_off, create=SlackAdapter)
