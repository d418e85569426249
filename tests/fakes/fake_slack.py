"""A fake Slack on loopback: the Web API methods Dexter calls, Socket Mode, response URLs.

The real slack_sdk / slack-bolt talk to it: point `AsyncWebClient(base_url=fake.api_url)`
at it. Every Web API call is recorded; a method can be scripted to answer 429 with
`Retry-After` or a Slack error such as `msg_too_long`. The Socket Mode endpoint
(`apps.connections.open` hands out its ws:// URL) sends `hello`, then the envelopes a test
pushes, and records the acks. Helpers build realistic payloads (from
`tests/fixtures/slack/`) and send them signed, as Slack does in HTTP mode.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from tests.fakes.loopback import serve_on_loopback

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "slack"
TEAM_ID = "T0001ACME"
BOT_USER_ID = "U0DEXTER"
BOT_ID = "B0DEXTER"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
APP_TOKEN = "xapp-1-A0DEXTER-1111111111-abcdef0123456789"
# Real Slack truncates text past 40,000 characters; the fake refuses it (`msg_too_long`),
# so a test notices any message that would have been cut.
MAX_TEXT_CHARS = 40_000


def load_fixture(name: str) -> dict[str, Any]:
    """A fresh copy of `tests/fixtures/slack/{name}.json`."""
    return json.loads((FIXTURES / f"{name}.json").read_text())


@dataclass(frozen=True)
class ApiCall:
    """One Web API call as received; `at` is `time.monotonic()` on arrival."""

    method: str
    args: dict[str, Any]
    token: str
    at: float


@dataclass(frozen=True, kw_only=True)
class Scripted:
    """One scripted answer: HTTP `status` (429 adds `Retry-After`) or a Slack `error`;
    with `drop`, no answer at all: the connection is closed under the call."""

    status: int = 200
    retry_after: int = 1
    error: str = ""
    drop: bool = False


class FakeSlack:
    """The fake server. `await start()`, use `api_url`, `await close()`."""

    def __init__(self, *, max_text_chars: int = MAX_TEXT_CHARS) -> None:
        self.calls: list[ApiCall] = []
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []
        self.acks: dict[str, dict[str, Any]] = {}
        self.connections_opened = 0
        self.users: dict[str, dict[str, Any]] = load_fixture("users")
        self._auth = load_fixture("auth_test")
        self.max_text_chars = max_text_chars
        self._scripts: dict[str, list[Scripted]] = {}
        self._sockets: list[web.WebSocketResponse] = []
        self._ts_counter = 0
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # ---- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_get("/link/", self._socket)
        self._runner, port = await serve_on_loopback(app, access_log=None)
        self.base_url = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    # ---- scripting and inspection ----------------------------------------------------

    def script(self, method: str, *answers: Scripted) -> None:
        """Answer the next calls of `method` with `answers`, in order, then normally."""
        self._scripts.setdefault(method, []).extend(answers)

    def calls_to(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method]

    def add_message(
        self, channel: str, *, ts: str, user: str, text: str, thread_ts: str | None = None
    ) -> None:
        """Seed a message written outside Dexter (what conversations.replies returns)."""
        message = {"type": "message", "user": user, "text": text, "ts": ts}
        if thread_ts:
            message["thread_ts"] = thread_ts
        self.messages.setdefault(channel, []).append(message)

    def thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """The thread's messages (root first, then replies by ts) as they now read."""
        found = [
            m
            for m in self.messages.get(channel, [])
            if m["ts"] == thread_ts or m.get("thread_ts") == thread_ts
        ]
        return sorted(found, key=lambda m: m["ts"])

    def bot_messages(self, channel: str) -> list[dict[str, Any]]:
        return [m for m in self.messages.get(channel, []) if m.get("user") == BOT_USER_ID]

    def new_response_url(self) -> str:
        return f"{self.base_url}/response/{uuid.uuid4().hex}"

    async def wait_for(self, predicate: Callable[[], Any], *, within: float = 5.0) -> Any:
        """Wait until `predicate()` is truthy (re-checked on every change) and return it."""
        async with asyncio.timeout(within), self._changed:
            while not (result := predicate()):
                await self._changed.wait()
            return result

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ---- Web API ---------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(await request.post())
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        self.calls.append(ApiCall(method, args, token, time.monotonic()))
        try:
            scripted = self._scripts.get(method)
            if scripted:
                answer = scripted.pop(0)
                if answer.drop and request.transport is not None:
                    request.transport.close()
                    return web.Response()
                if answer.status == 429:
                    return web.json_response(
                        {"ok": False, "error": "ratelimited"},
                        status=429,
                        headers={"Retry-After": str(answer.retry_after)},
                    )
                return web.json_response({"ok": False, "error": answer.error}, status=answer.status)
            handler = getattr(self, "_m_" + method.replace(".", "_"), None)
            if handler is None:
                return web.json_response({"ok": False, "error": "unknown_method"})
            if not token.startswith("xapp-" if method == "apps.connections.open" else "xoxb-"):
                return web.json_response({"ok": False, "error": "not_authed"})
            return web.json_response(handler(args))
        finally:
            await self._notify()

    def _m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._auth

    def _next_ts(self) -> str:
        self._ts_counter += 1
        return f"1700009000.{self._ts_counter:06d}"

    def _text_error(self, args: dict[str, Any]) -> dict[str, Any] | None:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        if len(str(args.get("text", ""))) > self.max_text_chars:
            return {"ok": False, "error": "msg_too_long"}
        return None

    def _m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        if error := self._text_error(args):
            return error
        message = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "text": args.get("text", ""),
            "blocks": args.get("blocks"),
            "ts": self._next_ts(),
        }
        if args.get("thread_ts"):
            message["thread_ts"] = str(args["thread_ts"])
        self.messages.setdefault(str(args["channel"]), []).append(message)
        return {"ok": True, "channel": args["channel"], "ts": message["ts"], "message": message}

    def _m_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        if error := self._text_error(args):
            return error
        for message in self.messages.get(str(args["channel"]), []):
            if message["ts"] == args.get("ts") and message.get("user") == BOT_USER_ID:
                message["text"] = args.get("text", "")
                message["blocks"] = args.get("blocks")
                message["edits"] = message.get("edits", 0) + 1
                return {"ok": True, "channel": args["channel"], "ts": message["ts"]}
        return {"ok": False, "error": "message_not_found"}

    def _m_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        if error := self._text_error(args):
            return error
        self.ephemerals.append(dict(args))
        return {"ok": True, "message_ts": self._next_ts()}

    def _m_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = str(args.get("user", ""))
        known = self.users.get(user_id)
        if known is None:
            return {"ok": False, "error": "user_not_found"}
        return {
            "ok": True,
            "user": {
                "id": user_id,
                "team_id": TEAM_ID,
                "name": known["name"],
                "real_name": known["real_name"],
                "is_admin": known["is_admin"],
                "is_owner": known["is_owner"],
                "is_primary_owner": False,
                "is_bot": known.get("is_bot", False),
                "profile": {"display_name": known["display_name"], "real_name": known["real_name"]},
            },
        }

    def _m_conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        found = self.thread(str(args.get("channel", "")), str(args.get("ts", "")))
        if not found:
            return {"ok": False, "error": "thread_not_found"}
        return {"ok": True, "messages": found, "has_more": False, "response_metadata": {}}

    def _m_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        self.connections_opened += 1
        return {
            "ok": True,
            "url": f"{self.base_url.replace('http', 'ws')}/link/?ticket={uuid.uuid4()}",
        }

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.responses.append({"key": request.match_info["key"], **body})
        await self._notify()
        return web.Response(text="ok")

    # ---- Socket Mode -----------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {"host": "applink-fake", "approximate_connection_time": 18060},
                "connection_info": {"app_id": "A0DEXTER"},
            }
        )
        await self._notify()
        try:
            async for message in ws:
                if message.type == aiohttp.WSMsgType.TEXT:
                    data = json.loads(message.data)
                    if "envelope_id" in data:
                        self.acks[data["envelope_id"]] = data
                        await self._notify()
        finally:
            self._sockets.remove(ws)
            await self._notify()
        return ws

    @property
    def open_sockets(self) -> int:
        return sum(1 for ws in self._sockets if not ws.closed)

    async def send_envelope(
        self, kind: str, payload: dict[str, Any], *, retry_attempt: int = 0
    ) -> str:
        """Push an envelope (`events_api`, `slash_commands`, `interactive`); its id."""
        await self.wait_for(lambda: self.open_sockets, within=10)
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "accepts_response_payload": kind != "events_api",
            "payload": payload,
        }
        if kind == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = "timeout" if retry_attempt else ""
        await next(ws for ws in self._sockets if not ws.closed).send_json(envelope)
        return envelope_id

    async def drop_connections(self) -> None:
        """Close every Socket Mode connection from the server side (clients reconnect)."""
        for ws in list(self._sockets):
            await ws.close()


# ---- payloads ------------------------------------------------------------------------


def event_payload(
    *,
    kind: str = "message",
    text: str = "",
    user: str = "U0ALICE",
    channel: str = "C0MARKETS",
    channel_type: str = "channel",
    ts: str = "1700000050.000200",
    thread_ts: str | None = None,
    event_id: str | None = None,
    client_msg_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An Events API `event_callback` body around an `app_mention` or `message` event."""
    body = load_fixture("app_mention" if kind == "app_mention" else "message")
    event = body["event"]
    event.update(text=text, user=user, channel=channel, ts=ts, event_ts=ts)
    # Slack sends the text a second time as rich text blocks.
    event["blocks"][0]["elements"][0]["elements"] = [{"type": "text", "text": text}]
    event["client_msg_id"] = client_msg_id or str(uuid.uuid4())
    if kind == "app_mention":
        event.pop("channel_type", None)
    else:
        event["channel_type"] = channel_type
    if thread_ts:
        event["thread_ts"] = thread_ts
    event.update(extra)
    body["event_id"] = event_id or f"Ev{uuid.uuid4().hex[:10].upper()}"
    body["event_time"] = int(float(ts))
    return body


def mention_payload(text: str, **fields: Any) -> dict[str, Any]:
    """An `app_mention` body; `text` follows the bot's tag."""
    return event_payload(kind="app_mention", text=f"<@{BOT_USER_ID}> {text}".rstrip(), **fields)


def command_form(
    command: str,
    text: str = "",
    *,
    user: str = "U0ALICE",
    channel: str = "C0MARKETS",
    response_url: str,
) -> dict[str, str]:
    """A slash command's form fields, as Slack posts them."""
    form = load_fixture("slash_command")
    form.update(
        command=command, text=text, user_id=user, channel_id=channel, response_url=response_url
    )
    form["channel_name"] = "directmessage" if channel.startswith("D") else "markets"
    return form


def shortcut_payload(
    callback_id: str,
    *,
    response_url: str,
    user: str = "U0ALICE",
    channel: str = "C0MARKETS",
    message_ts: str = "1700000050.000200",
    thread_ts: str | None = None,
) -> dict[str, Any]:
    """A message shortcut (`message_action`) on the message `message_ts`."""
    payload = load_fixture("message_shortcut")
    payload.update(callback_id=callback_id, response_url=response_url, message_ts=message_ts)
    payload["user"]["id"] = user
    payload["channel"]["id"] = channel
    message = payload["message"]
    message["ts"] = message_ts
    message.pop("thread_ts", None)
    if thread_ts:
        message["thread_ts"] = thread_ts
    return payload


# ---- HTTP mode: signed requests ------------------------------------------------------


def sign(
    body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """The `X-Slack-Signature` (v0 HMAC-SHA256) and `X-Slack-Request-Timestamp` headers."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Signature": f"v0={digest}", "X-Slack-Request-Timestamp": stamp}


@dataclass(frozen=True)
class Delivery:
    status: int
    text: str
    seconds: float


async def deliver(
    session: aiohttp.ClientSession,
    url: str,
    *,
    event: dict[str, Any] | None = None,
    form: dict[str, str] | None = None,
    interactive: dict[str, Any] | None = None,
    raw: str | None = None,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
    retry_num: int | None = None,
) -> Delivery:
    """POST one signed request the way Slack does: an event (JSON), a slash command
    (form) or an interaction (form with a `payload` field), or a `raw` JSON body."""
    if event is not None or raw is not None:
        body, content_type = raw if raw is not None else json.dumps(event), "application/json"
    elif form is not None:
        body, content_type = urlencode(form), "application/x-www-form-urlencoded"
    else:
        body = urlencode({"payload": json.dumps(interactive)})
        content_type = "application/x-www-form-urlencoded"
    headers = {"Content-Type": content_type, **sign(body, secret=secret, timestamp=timestamp)}
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    started = time.perf_counter()
    async with session.post(url, data=body.encode(), headers=headers) as response:
        text = await response.text()
    return Delivery(response.status, text, time.perf_counter() - started)
