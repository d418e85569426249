"""A fake OpenAI-compatible chat-completions server on 127.0.0.1, for tests.

Use it as an async context manager (or through the `fake_llm` pytest fixture below)::

    async with FakeLLM() as llm:
        settings = Settings(openai_base_url=llm.base_url, openai_api_key=llm.api_key)
        llm.enqueue(
            ToolCallsReply([ToolCall("get_income_statements", {"ticker": "AAPL"})]),
            TextReply("AAPL revenue was $391.0B in FY2024."),
        )
        ...  # drive the real `openai` client against llm.base_url
        assert "AAPL" in llm.requests[-1]["messages"][-1]["content"]

It speaks `POST /v1/chat/completions`, both plain JSON and streaming (SSE `data: {chunk}`
lines ending with `data: [DONE]`, plus the usage chunk when
`stream_options.include_usage` is set), and `GET /v1/models`.

What it answers, first match wins:

1. rules added with `add_rule(match, reply, times=None)`: `match(body) -> bool`, e.g. to
   answer every summary request (`body["model"] == "fast"`) the same way;
2. the queue filled by `enqueue(*replies)`, one reply per request, in order;
3. the default "echo": `Echo: <last user message> [context: <n> messages]`, where n counts
   the messages before the last user one (system prompt and history included), so a test
   can see how much context the model was given.

A reply is a `TextReply`, a `ToolCallsReply` (streamed as incremental `tool_calls` deltas,
finish_reason "tool_calls"), an `ErrorReply` (any status, optional `Retry-After` /
`retry-after-ms` headers), or a callable `(body) -> reply` deciding from the request.
Every reply has `delay` (seconds before the response starts; a large value is a hang) and
text replies `chunk_delay` (seconds between streamed chunks) and `break_after` (drop the
connection after that many streamed chunks).

Every request body is kept, in arrival order, in `requests`; `headers` keeps the headers.
With `require_key=True` a request without `Authorization: Bearer <api_key>` gets a 401.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

import pytest
from aiohttp import web

from tests.fakes.loopback import LoopbackFake

Body = dict[str, Any]


@dataclass
class TextReply:
    """An answer of plain text, streamed word by word when the request streams."""

    text: str
    _: KW_ONLY
    delay: float = 0.0
    chunk_delay: float = 0.0
    finish_reason: str = "stop"
    # Drop the connection after this many streamed text chunks (a server dying mid-answer).
    break_after: int | None = None


@dataclass
class ToolCall:
    """One function call; `arguments` as a dict (sent as JSON) or a raw string (may be broken)."""

    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)
    id: str = field(default_factory=lambda: f"call_{uuid.uuid4().hex[:12]}")

    @property
    def arguments_json(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments)


@dataclass
class ToolCallsReply:
    """The model asks for these tool calls (optionally with some text before them)."""

    calls: list[ToolCall]
    _: KW_ONLY
    text: str = ""
    delay: float = 0.0


@dataclass
class ErrorReply:
    """An HTTP error in OpenAI's error shape, e.g. 429 with `retry_after=0.05`."""

    status: int
    message: str = "fake error"
    _: KW_ONLY
    retry_after: float | None = None
    retry_after_ms: float | None = None
    delay: float = 0.0


Reply = TextReply | ToolCallsReply | ErrorReply
ReplySource = Reply | Callable[[Body], Reply]


@dataclass
class _Rule:
    match: Callable[[Body], bool]
    reply: ReplySource
    times: int | None


class FakeLLM(LoopbackFake):
    """The fake server; see the module docstring."""

    def __init__(self, *, api_key: str = "sk-fake-test-key", require_key: bool = False) -> None:
        self.api_key = api_key
        self.require_key = require_key
        self.requests: list[Body] = []
        self.headers: list[dict[str, str]] = []
        self._queue: deque[ReplySource] = deque()
        self._rules: list[_Rule] = []

    # -- scripting -------------------------------------------------------------------

    def enqueue(self, *replies: ReplySource) -> None:
        """Answer the next requests with these replies, one each, in order."""
        self._queue.extend(replies)

    def add_rule(
        self, match: Callable[[Body], bool], reply: ReplySource, *, times: int | None = None
    ) -> None:
        """Answer requests matching `match` with `reply` (`times` times, or always)."""
        self._rules.append(_Rule(match, reply, times))

    @property
    def pending(self) -> int:
        """Queued replies not used yet."""
        return len(self._queue)

    # -- what the model saw ---------------------------------------------------------------

    def prompt_text(self, index: int = -1) -> str:
        """All message contents of request `index`, joined: what the model was shown."""
        return "\n".join(_content_text(m) for m in self.requests[index].get("messages", []))

    def requests_for(self, model: str) -> list[Body]:
        return [r for r in self.requests if r.get("model") == model]

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What to give the openai client (or OPENAI_BASE_URL)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def make_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat_completions)
        app.router.add_get("/v1/models", self._models)
        return app

    # -- handlers ----------------------------------------------------------------------

    async def _models(self, request: web.Request) -> web.Response:
        if (denied := self._check_key(request)) is not None:
            return denied
        return web.json_response(
            {"object": "list", "data": [{"id": "fake-model", "object": "model", "owned_by": "x"}]}
        )

    async def _chat_completions(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return _error_response(400, "request body is not JSON")
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        if (denied := self._check_key(request)) is not None:
            return denied
        reply = self._next_reply(body)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if isinstance(reply, ErrorReply):
            return _error_response(
                reply.status,
                reply.message,
                retry_after=reply.retry_after,
                retry_after_ms=reply.retry_after_ms,
            )
        if body.get("stream"):
            return await self._stream(request, body, reply)
        return web.json_response(_completion(body, reply))

    def _check_key(self, request: web.Request) -> web.Response | None:
        if self.require_key and request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error_response(401, "Incorrect API key provided")
        return None

    def _next_reply(self, body: Body) -> Reply:
        for rule in self._rules:
            if rule.times != 0 and rule.match(body):
                if rule.times is not None:
                    rule.times -= 1
                return _resolve(rule.reply, body)
        if self._queue:
            return _resolve(self._queue.popleft(), body)
        return TextReply(_echo(body))

    async def _stream(
        self, request: web.Request, body: Body, reply: TextReply | ToolCallsReply
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        chunk_id = f"chatcmpl-{uuid.uuid4().hex[:16]}"
        created = int(time.time())

        async def send(delta: Body, finish_reason: str | None = None) -> None:
            chunk = {
                "id": chunk_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": body.get("model", "fake-model"),
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
            }
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())

        await send({"role": "assistant", "content": ""})
        chunk_delay = reply.chunk_delay if isinstance(reply, TextReply) else 0.0
        break_after = reply.break_after if isinstance(reply, TextReply) else None
        for sent, piece in enumerate(_pieces(reply.text)):
            if sent == break_after and request.transport is not None:
                request.transport.abort()
                return response
            if chunk_delay:
                await asyncio.sleep(chunk_delay)
            await send({"content": piece})
        if isinstance(reply, ToolCallsReply):
            for index, call in enumerate(reply.calls):
                await send(
                    {
                        "tool_calls": [
                            {
                                "index": index,
                                "id": call.id,
                                "type": "function",
                                "function": {"name": call.name, "arguments": ""},
                            }
                        ]
                    }
                )
                for fragment in _fragments(call.arguments_json):
                    await send(
                        {"tool_calls": [{"index": index, "function": {"arguments": fragment}}]}
                    )
            await send({}, "tool_calls")
        else:
            await send({}, reply.finish_reason)
        if (body.get("stream_options") or {}).get("include_usage"):
            usage_chunk = {
                "id": chunk_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": body.get("model", "fake-model"),
                "choices": [],
                "usage": _usage(body, reply),
            }
            await response.write(f"data: {json.dumps(usage_chunk)}\n\n".encode())
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response


@pytest.fixture
async def fake_llm() -> AsyncIterator[FakeLLM]:
    """A running `FakeLLM`; import this name into a conftest to use it as a fixture."""
    async with FakeLLM() as server:
        yield server


# -- response shapes ---------------------------------------------------------------------


def _resolve(source: ReplySource, body: Body) -> Reply:
    return source(body) if callable(source) else source


def _echo(body: Body) -> str:
    messages = body.get("messages", [])
    last_user = max(
        (i for i, m in enumerate(messages) if m.get("role") == "user"), default=len(messages)
    )
    question = _content_text(messages[last_user]) if last_user < len(messages) else ""
    return f"Echo: {question} [context: {last_user} messages]"


def _content_text(message: Body) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content or ""


def _pieces(text: str) -> list[str]:
    """Split text into word-sized chunks that join back to exactly `text`."""
    return re.findall(r"\S+\s*|\s+", text)


def _fragments(arguments: str, size: int = 7) -> list[str]:
    return [arguments[i : i + size] for i in range(0, len(arguments), size)] or [""]


def _usage(body: Body, reply: TextReply | ToolCallsReply) -> dict[str, int]:
    prompt = max(1, len(json.dumps(body.get("messages", []))) // 4)
    produced = reply.text + (
        "".join(c.name + c.arguments_json for c in reply.calls)
        if isinstance(reply, ToolCallsReply)
        else ""
    )
    completion = max(1, len(produced) // 4)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _completion(body: Body, reply: TextReply | ToolCallsReply) -> Body:
    message: Body = {"role": "assistant", "content": reply.text or None}
    finish_reason = "stop"
    if isinstance(reply, ToolCallsReply):
        message["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments_json},
            }
            for call in reply.calls
        ]
        finish_reason = "tool_calls"
    else:
        finish_reason = reply.finish_reason
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:16]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake-model"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": _usage(body, reply),
    }


def _error_response(
    status: int,
    message: str,
    *,
    retry_after: float | None = None,
    retry_after_ms: float | None = None,
) -> web.Response:
    headers: dict[str, str] = {}
    if retry_after is not None:
        headers["Retry-After"] = f"{retry_after:g}"
    if retry_after_ms is not None:
        headers["retry-after-ms"] = f"{retry_after_ms:g}"
    error_type = "rate_limit_exceeded" if status == 429 else "server_error"
    if status < 500 and status != 429:
        error_type = "invalid_request_error"
    return web.json_response(
        {"error": {"message": message, "type": error_type, "param": None, "code": None}},
        status=status,
        headers=headers,
    )
