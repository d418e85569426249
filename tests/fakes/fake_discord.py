"""A fake Discord on 127.0.0.1 that the real discord.py client logs into, for tests.

Use it as an async context manager (or through the `fake_discord` pytest fixture)::

    async with FakeDiscord() as discord_server:
        settings = Settings(discord_token=discord_server.token,
                            discord_api_url=discord_server.api_url)
        ...  # start the adapter: it logs in, connects to the gateway, gets READY
        message = await discord_server.post_user_message(
            "<@BOT> what is AAPL's P/E?", mentions=[BOT_ID])
        reply = await discord_server.wait_for_call("POST", "/channels/.*/messages")

REST (under `/api/v10`): `GET /users/@me`, `GET /oauth2/applications/@me`, `GET /gateway`
and `/gateway/bot`, application command sync (`PUT` global or guild), channel messages
(`POST`, `PATCH`, `GET` one channel), typing, thread creation from a message, interaction
callbacks, and interaction webhooks (follow-ups, `@original` edits). Every response is
`Content-Type: application/json` exactly, as discord.py only parses that as JSON; every
call is recorded in `calls`. Messages the bot posts come back over the gateway as
MESSAGE_CREATE, as Discord does; a created thread comes back as THREAD_CREATE.

Gateway (websocket at `/gateway`): HELLO, IDENTIFY -> READY (session id, resume URL) and
GUILD_CREATE (channels, roles, the bot's member), heartbeat ACKs, events injected by the
test (`post_user_message`, `send_interaction`, `dispatch`), and `force_reconnect`, which
asks the client to reconnect, takes its RESUME and replays events, including ones it
already saw when told to (duplicate deliveries). With `message_content_allowed=False`, an
IDENTIFY asking for the privileged message-content intent is closed with 4014, as Discord
does for an application without that intent enabled.

Payloads start from the JSON fixtures in `tests/fixtures/discord/`.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import re
import secrets
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import WSMsgType, web

from tests.fakes.loopback import serve_on_loopback

Payload = dict[str, Any]

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "discord"
DISCORD_EPOCH_MS = 1_420_070_400_000
MESSAGE_CONTENT_INTENT = 1 << 15
EPHEMERAL = 1 << 6
CREATE_PUBLIC_THREADS = 1 << 35

_USERS: dict[str, Payload] = json.loads((FIXTURES / "users.json").read_text())
_GUILD: Payload = json.loads((FIXTURES / "guild_create.json").read_text())

BOT_ID = int(_USERS["bot"]["id"])
APPLICATION_ID = BOT_ID
GUILD_ID = int(_GUILD["id"])
BOT_ROLE_ID = int(_GUILD["roles"][1]["id"])
MOD_ROLE_ID = int(_GUILD["roles"][2]["id"])
GENERAL_ID = int(_GUILD["channels"][0]["id"])  # Dexter may open threads here
LOCKED_ID = int(_GUILD["channels"][1]["id"])  # Dexter may post but not open threads
ADA = "ada"
BOB = "bob"
MOD = "mod"  # holds the Moderators role (Manage Messages)
OTHER_BOT = "other_bot"
USER_IDS = {name: int(user["id"]) for name, user in _USERS.items()}
ROLE_PERMISSIONS = {int(role["id"]): int(role["permissions"]) for role in _GUILD["roles"]}


def fixture(name: str) -> Payload:
    """A fresh copy of `tests/fixtures/discord/{name}.json`."""
    return json.loads((FIXTURES / f"{name}.json").read_text())


@dataclass
class Call:
    """One REST request the client made."""

    method: str
    path: str  # under the API base, e.g. "/channels/1/messages"
    query: dict[str, str]
    body: Any
    at: float = field(default_factory=time.monotonic)

    @property
    def json(self) -> Payload:
        return self.body if isinstance(self.body, dict) else {}


class FakeDiscord:
    """A Discord REST API and gateway in one aiohttp server on a random loopback port."""

    def __init__(
        self,
        *,
        token: str = "fake-bot-token.MTE4MDAwMDAwMDAwMDAwMDEwMA",
        message_content_allowed: bool = True,
    ) -> None:
        self.token = token
        self.message_content_allowed = message_content_allowed
        self.calls: list[Call] = []
        self.messages: dict[int, Payload] = {}
        self.channels: dict[int, Payload] = {
            int(c["id"]): c for c in fixture("guild_create")["channels"]
        }
        self.command_syncs: list[Call] = []
        self.identifies = 0
        self.resumes = 0
        self.fail_thread_creation = False
        self._deleted: dict[int, Payload] = {}
        self._failures: list[tuple[str, re.Pattern[str], Callable[[], web.Response]]] = []
        self._snowflakes = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._ws: web.WebSocketResponse | None = None
        self._session_id = ""
        self._sequence = 0
        self._history: list[Payload] = []  # every dispatched event, for RESUME replays
        self._replay_since: int | None = None
        self._connected = asyncio.Event()
        self._changed = asyncio.Condition()

    # -- lifecycle -------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self._port}/gateway"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self._runner, self._port = await serve_on_loopback(app)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- what tests inject -----------------------------------------------------------

    def snowflake(self) -> int:
        """A new id whose timestamp is now, as Discord makes them."""
        now_ms = int(time.time() * 1000)
        return ((now_ms - DISCORD_EPOCH_MS) << 22) | (next(self._snowflakes) & 0xFFF)

    def user_message(
        self,
        content: str,
        *,
        author: str = ADA,
        channel_id: int = GENERAL_ID,
        mentions: Sequence[int] = (),
        mention_roles: Sequence[int] = (),
        attachments: int = 0,
        message_type: int = 0,
    ) -> Payload:
        """A MESSAGE_CREATE payload from `author` (a key of users.json), not yet sent."""
        message = fixture("message_create")
        message_id = self.snowflake()
        channel = self.channels.get(channel_id)
        message.update(
            id=str(message_id),
            channel_id=str(channel_id),
            author=copy.deepcopy(_USERS[author]),
            content=content,
            timestamp=_iso_now(),
            nonce=str(message_id),
            type=message_type,
            mentions=[_mention(user_id) for user_id in mentions],
            mention_roles=[str(role) for role in mention_roles],
            attachments=[
                {**fixture("attachment"), "id": str(self.snowflake())} for _ in range(attachments)
            ],
        )
        if channel is None:  # a DM: no guild, no member
            message.pop("guild_id")
            message.pop("member")
        return message

    async def post_user_message(self, content: str, **kwargs: Any) -> Payload:
        """Create a user's message (see `user_message`) and deliver it as MESSAGE_CREATE."""
        message = self.user_message(content, **kwargs)
        self.messages[int(message["id"])] = message
        await self.dispatch("MESSAGE_CREATE", message)
        return message

    def dm_channel_id(self, user: str) -> int:
        """The id of the DM channel between Dexter and `user` (stable per user)."""
        return USER_IDS[user] + 1_000_000

    async def send_interaction(
        self,
        name: str,
        *,
        user: str = ADA,
        channel_id: int = GENERAL_ID,
        options: Sequence[Payload] = (),
        payload_edit: Callable[[Payload], None] | None = None,
    ) -> Payload:
        """Deliver an INTERACTION_CREATE for slash command `name` run by `user` in
        `channel_id` (a guild channel or thread, even a deleted one, or a DM id from
        `dm_channel_id`); `payload_edit` may change the payload before it is sent."""
        interaction = fixture("interaction_create")
        interaction_id = self.snowflake()
        interaction.update(
            id=str(interaction_id),
            token=f"interaction-token-{interaction_id}",
            channel_id=str(channel_id),
        )
        interaction["data"].update(id=str(self.snowflake()), name=name, options=list(options))
        channel = self.channels.get(channel_id) or self._deleted.get(channel_id)
        if channel is None:
            for key in ("guild_id", "guild", "guild_locale", "member", "app_permissions"):
                interaction.pop(key, None)
            interaction["data"].pop("guild_id", None)
            interaction.update(
                user=copy.deepcopy(_USERS[user]),
                context=1,
                authorizing_integration_owners={"1": str(USER_IDS[user])},
                channel={
                    "id": str(channel_id),
                    "type": 1,
                    "flags": 0,
                    "recipients": [copy.deepcopy(_USERS[user])],
                },
            )
        else:
            member_roles = [str(MOD_ROLE_ID)] if user == MOD else []
            permissions = _permissions_of(member_roles)
            interaction["member"].update(
                user=copy.deepcopy(_USERS[user]), roles=member_roles, permissions=str(permissions)
            )
            interaction["channel"] = {**_partial_channel(channel), "permissions": str(permissions)}
        if payload_edit is not None:
            payload_edit(interaction)
        await self.dispatch("INTERACTION_CREATE", interaction)
        return interaction

    async def dispatch(self, event: str, data: Payload) -> None:
        """Send a DISPATCH event now, or when the client is next connected."""
        self._sequence += 1
        payload = {"op": 0, "t": event, "s": self._sequence, "d": data}
        self._history.append(payload)
        if self._connected.is_set() and self._ws is not None:
            await self._ws.send_str(json.dumps(payload))

    async def force_reconnect(self, *, replay_since: int | None = None) -> None:
        """Tell the client to reconnect (op 7) and wait for its RESUME to complete.

        On RESUME the fake replays the events after the client's sequence number, or
        after `replay_since` when given: a lower number re-delivers events the client
        already handled, as a flaky gateway or a second shard might.
        """
        assert self._ws is not None, "no client is connected"
        self._replay_since = replay_since
        resumes = self.resumes
        self._connected.clear()
        await self._ws.send_str(json.dumps({"op": 7, "d": None}))
        await self.wait_until(lambda: self.resumes > resumes and self._connected.is_set())

    def rate_limit_once(self, method: str, path_pattern: str, *, retry_after: float) -> None:
        """Answer the next matching call with a 429 (Discord's body and headers)."""
        self._failures.append(
            (method, re.compile(path_pattern), lambda: _rate_limited(retry_after))
        )

    def fail_once(
        self, method: str, path_pattern: str, *, status: int, code: int, message: str
    ) -> None:
        """Answer the next matching call with a Discord error, e.g. 404 Unknown interaction."""
        body = {"message": message, "code": code}
        self._failures.append(
            (method, re.compile(path_pattern), lambda: _json(body, status=status))
        )

    @property
    def sequence(self) -> int:
        """The sequence number of the newest dispatched event."""
        return self._sequence

    # -- what tests check ------------------------------------------------------------

    def calls_to(self, method: str, path_pattern: str) -> list[Call]:
        """Recorded calls with this method whose path matches the regex in full."""
        pattern = re.compile(path_pattern)
        return [c for c in self.calls if c.method == method and pattern.fullmatch(c.path)]

    def posted_messages(self, channel_id: int | None = None) -> list[Payload]:
        """Messages Dexter created (channel posts), oldest first, as currently edited."""
        return [
            m
            for m in self.messages.values()
            if int(m["author"]["id"]) == BOT_ID
            and (channel_id is None or int(m["channel_id"]) == channel_id)
        ]

    def followups(self, interaction: Payload) -> list[Call]:
        """Follow-up messages sent for `interaction` (webhook posts with its token)."""
        return self.calls_to("POST", f"/webhooks/{APPLICATION_ID}/{interaction['token']}")

    async def wait_until(self, condition: Callable[[], bool], *, within: float = 5.0) -> None:
        """Wait until `condition()` holds; re-checked after every call and connection."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(condition)

    async def wait_for_call(
        self, method: str, path_pattern: str, *, count: int = 1, within: float = 5.0
    ) -> Call:
        """The `count`-th call matching, waiting for it to happen."""
        await self.wait_until(
            lambda: len(self.calls_to(method, path_pattern)) >= count, within=within
        )
        return self.calls_to(method, path_pattern)[count - 1]

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- gateway ---------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        async for message in ws:
            if message.type is not WSMsgType.TEXT:
                break
            payload = json.loads(message.data)
            op, data = payload.get("op"), payload.get("d")
            if op == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif op == 2:
                await self._identify(ws, data)
            elif op == 6:
                await self._resume(ws, data)
        if self._ws is ws:
            self._connected.clear()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: Payload) -> None:
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        if int(data.get("intents", 0)) & MESSAGE_CONTENT_INTENT and not (
            self.message_content_allowed
        ):
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        self.identifies += 1
        self._session_id = secrets.token_hex(16)
        ready = fixture("ready")
        ready.update(session_id=self._session_id, resume_gateway_url=self.gateway_url)
        self._connected.set()
        await self.dispatch("READY", ready)
        guild = fixture("guild_create")
        guild["channels"] = [c for c in self.channels.values() if c.get("type") == 0]
        guild["threads"] = [c for c in self.channels.values() if c.get("type") == 11]
        await self.dispatch("GUILD_CREATE", guild)
        await self._notify()

    async def _resume(self, ws: web.WebSocketResponse, data: Payload) -> None:
        if data.get("session_id") != self._session_id or data.get("token") != self.token:
            await ws.send_str(json.dumps({"op": 9, "d": False}))
            return
        since = self._replay_since if self._replay_since is not None else int(data["seq"] or 0)
        self._replay_since = None
        for payload in self._history:
            if payload["s"] > since:
                await ws.send_str(json.dumps(payload))
        self.resumes += 1
        self._connected.set()
        await self.dispatch("RESUMED", {"_trace": ["gateway-prd"]})
        await self._notify()

    # -- REST ------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            body = json.loads(raw) if raw and request.content_type == "application/json" else None
        call = Call(method=request.method, path=path, query=dict(request.query), body=body)
        self.calls.append(call)
        try:
            if request.headers.get("Authorization") != f"Bot {self.token}" and not (
                path.startswith(("/webhooks/", "/interactions/"))
            ):
                return _json({"message": "401: Unauthorized", "code": 0}, status=401)
            if failure := self._take_failure(call):
                return failure
            return await self._route(call)
        finally:
            await self._notify()

    async def _route(self, call: Call) -> web.Response:
        method, path = call.method, call.path
        if method == "GET" and path == "/users/@me":
            return _json(_USERS["bot"])
        if method == "GET" and path == "/oauth2/applications/@me":
            return _json(fixture("application"))
        if method == "GET" and path in ("/gateway", "/gateway/bot"):
            return _json(
                {
                    "url": self.gateway_url,
                    "shards": 1,
                    "session_start_limit": {
                        "total": 1000,
                        "remaining": 999,
                        "reset_after": 14_400_000,
                        "max_concurrency": 1,
                    },
                }
            )
        if method == "PUT" and (
            match := re.fullmatch(r"/applications/(\d+)(?:/guilds/(\d+))?/commands", path)
        ):
            self.command_syncs.append(call)
            return _json(
                [
                    {
                        **command,
                        "id": str(self.snowflake()),
                        "application_id": match.group(1),
                        "version": str(self.snowflake()),
                        "guild_id": match.group(2),
                    }
                    for command in call.body or []
                ]
            )
        if match := re.fullmatch(r"/channels/(\d+)/typing", path):
            return (
                _no_content()
                if int(match.group(1)) in self._known_channels()
                else (_unknown_channel())
            )
        if method == "POST" and (match := re.fullmatch(r"/channels/(\d+)/messages", path)):
            return await self._create_message(int(match.group(1)), call.json)
        if method == "PATCH" and (match := re.fullmatch(r"/channels/(\d+)/messages/(\d+)", path)):
            return self._edit_message(int(match.group(2)), call.json)
        if method == "POST" and (
            match := re.fullmatch(r"/channels/(\d+)/messages/(\d+)/threads", path)
        ):
            return await self._create_thread(int(match.group(1)), int(match.group(2)), call.json)
        if method == "GET" and (match := re.fullmatch(r"/channels/(\d+)", path)):
            channel = self.channels.get(int(match.group(1)))
            return _json(channel) if channel else _unknown_channel()
        if method == "POST" and (
            match := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", path)
        ):
            return self._interaction_callback(int(match.group(1)), call.json)
        if match := re.fullmatch(r"/webhooks/(\d+)/([^/]+)(?:/messages/(@original|\d+))?", path):
            return self._webhook(method, match.group(3), call.json)
        return _json({"message": "404: Not Found", "code": 0}, status=404)

    def _take_failure(self, call: Call) -> web.Response | None:
        for index, (method, pattern, respond) in enumerate(self._failures):
            if method == call.method and pattern.fullmatch(call.path):
                del self._failures[index]
                return respond()
        return None

    def _known_channels(self) -> set[int]:
        dms = {self.dm_channel_id(name) for name in _USERS}
        return set(self.channels) | dms

    async def _create_message(self, channel_id: int, body: Payload) -> web.Response:
        if channel_id not in self._known_channels():
            return _unknown_channel()
        content = body.get("content") or ""
        if len(content) > 2000:
            return _json(
                {
                    "message": "Invalid Form Body",
                    "code": 50035,
                    "errors": {
                        "content": {
                            "_errors": [
                                {
                                    "code": "BASE_TYPE_MAX_LENGTH",
                                    "message": "Must be 2000 or fewer in length.",
                                }
                            ]
                        }
                    },
                },
                status=400,
            )
        message = self._bot_message(channel_id, content, flags=body.get("flags", 0))
        if reference := body.get("message_reference"):
            message["message_reference"] = reference
            message["type"] = 19
        self.messages[int(message["id"])] = message
        await self.dispatch("MESSAGE_CREATE", message)
        return _json(message)

    def _edit_message(self, message_id: int, body: Payload) -> web.Response:
        message = self.messages.get(message_id)
        if message is None:
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        if "content" in body:
            message["content"] = body["content"]
        message["edited_timestamp"] = _iso_now()
        return _json(message)

    async def _create_thread(self, channel_id: int, message_id: int, body: Payload) -> web.Response:
        if self.fail_thread_creation or not _bot_may_open_threads(self.channels.get(channel_id)):
            return _json({"message": "Missing Permissions", "code": 50013}, status=403)
        if message_id not in self.messages:
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        thread = fixture("thread")
        now = _iso_now()
        thread.update(id=str(message_id), parent_id=str(channel_id), name=body.get("name", ""))
        thread["thread_metadata"].update(
            archive_timestamp=now,
            create_timestamp=now,
            auto_archive_duration=body.get("auto_archive_duration", 1440),
        )
        thread["member"].update(id=str(message_id), join_timestamp=now)
        self.channels[message_id] = thread
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return _json(thread, status=201)

    async def open_user_thread(self, *, owner: str = ADA, parent_id: int = GENERAL_ID) -> int:
        """A thread someone else opened (THREAD_CREATE delivered); returns its id."""
        thread = fixture("thread")
        thread_id = self.snowflake()
        now = _iso_now()
        thread.update(
            id=str(thread_id),
            parent_id=str(parent_id),
            owner_id=str(USER_IDS[owner]),
            name="Earnings chat",
        )
        thread["thread_metadata"].update(archive_timestamp=now, create_timestamp=now)
        thread.pop("member")
        self.channels[thread_id] = thread
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return thread_id

    def delete_channel(self, channel_id: int) -> None:
        """Forget a channel or thread: later REST calls on it get 404 Unknown Channel."""
        if channel_id in self.channels:
            self._deleted[channel_id] = self.channels.pop(channel_id)

    def _interaction_callback(self, interaction_id: int, body: Payload) -> web.Response:
        flags = (body.get("data") or {}).get("flags", 0)
        return _json(
            {
                "interaction": {
                    "id": str(interaction_id),
                    "type": 2,
                    "response_message_id": str(self.snowflake()),
                    "response_message_loading": body.get("type") == 5,
                    "response_message_ephemeral": bool(flags & EPHEMERAL),
                },
                "resource": {"type": body.get("type")},
            }
        )

    def _webhook(self, method: str, message_ref: str | None, body: Payload) -> web.Response:
        if method == "POST" and message_ref is None:
            message = self._bot_message(0, body.get("content") or "", flags=body.get("flags", 0))
            message["webhook_id"] = str(APPLICATION_ID)
            return _json(message)
        if method == "PATCH" and message_ref is not None:
            return _json(self._bot_message(0, body.get("content") or "", flags=EPHEMERAL))
        return _json({"message": "405: Method Not Allowed", "code": 0}, status=405)

    def _bot_message(self, channel_id: int, content: str, *, flags: int) -> Payload:
        message = fixture("message_create")
        message_id = self.snowflake()
        message.update(
            id=str(message_id),
            channel_id=str(channel_id),
            author=copy.deepcopy(_USERS["bot"]),
            content=content,
            timestamp=_iso_now(),
            flags=flags,
            nonce=None,
        )
        message["member"]["roles"] = [str(BOT_ROLE_ID)]
        if channel_id not in self.channels:
            message.pop("guild_id")
            message.pop("member")
        return message


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


def _json(data: Any, *, status: int = 200) -> web.Response:
    # Exactly "application/json": discord.py does not parse "...; charset=utf-8" as JSON.
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )


def _rate_limited(retry_after: float) -> web.Response:
    response = _json(
        {"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
        status=429,
    )
    response.headers.update(
        {
            "Via": "1.1 google",  # discord.py takes a 429 without it for a Cloudflare ban
            "Retry-After": str(retry_after),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": str(retry_after),
            "X-RateLimit-Bucket": "fake-bucket",
            "X-RateLimit-Scope": "user",
        }
    )
    return response


def _no_content() -> web.Response:
    return web.Response(status=204)


def _unknown_channel() -> web.Response:
    return _json({"message": "Unknown Channel", "code": 10003}, status=404)


def _iso_now() -> str:
    return datetime.now(UTC).isoformat()


def _mention(user_id: int) -> Payload:
    user = next(u for u in _USERS.values() if int(u["id"]) == user_id)
    return copy.deepcopy(user)


def _permissions_of(role_ids: Sequence[str]) -> int:
    permissions = ROLE_PERMISSIONS[GUILD_ID]
    for role in role_ids:
        permissions |= ROLE_PERMISSIONS[int(role)]
    return permissions


def _bot_may_open_threads(channel: Payload | None) -> bool:
    """Whether no overwrite on `channel` denies Dexter's role Create Public Threads."""
    if channel is None:
        return False
    return not any(
        int(overwrite["id"]) == BOT_ROLE_ID and int(overwrite["deny"]) & CREATE_PUBLIC_THREADS
        for overwrite in channel.get("permission_overwrites", [])
    )


def _partial_channel(channel: Payload) -> Payload:
    keys = (
        "id",
        "type",
        "guild_id",
        "name",
        "parent_id",
        "flags",
        "thread_metadata",
        "owner_id",
        "rate_limit_per_user",
        "last_message_id",
        "topic",
        "nsfw",
        "position",
        "permission_overwrites",
    )
    return {key: copy.deepcopy(channel[key]) for key in keys if key in channel}
