"""`LLMClient`: chat completions against any OpenAI-compatible server, with our retries.

One retry policy lives here (the `openai` client's own retries are off): 429 (honouring
`retry-after-ms` / `Retry-After`), 408/409, 5xx, timeouts and connection errors are retried
with exponential backoff and jitter, at most `DEXTER_LLM_MAX_RETRIES` times; then, or when
no LLM is configured, the call raises `LLMUnavailableError`. The API key is never logged.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import openai

from dexter_core import metrics
from dexter_core.agent.llm_logic import ToolCallAssembler, ToolCallRequest
from dexter_core.agent.retry_logic import backoff_delay, is_retryable_status, retry_after_seconds
from dexter_core.errors import LLMUnavailableError
from dexter_core.settings import Settings

logger = logging.getLogger(__name__)

# Local servers (Ollama, vLLM, llama.cpp) accept any key, but the openai client wants one.
PLACEHOLDER_API_KEY = "not-needed"

Message = dict[str, Any]


@dataclass(frozen=True)
class TextDelta:
    """A piece of answer text, as the server streamed it."""

    text: str


@dataclass
class Completion:
    """One finished model reply: its text, the tool calls it asked for, and token usage."""

    text: str
    tool_calls: list[ToolCallRequest] = field(default_factory=list)
    usage: dict[str, int] = field(default_factory=dict)
    finish_reason: str = ""


class LLMClient:
    """Chat completions (streaming and not) for the agent and the context engine.

    Implements `TextCompleter` (dexter_core/agent/llm_protocol.py). `backoff_base` is the
    first retry's wait in seconds before jitter; `jitter` returns a factor in [0.5, 1].
    """

    def __init__(
        self,
        settings: Settings,
        *,
        backoff_base: float = 0.5,
        jitter: Callable[[], float] = lambda: random.uniform(0.5, 1.0),
    ) -> None:
        self.settings = settings
        self._backoff_base = backoff_base
        self._jitter = jitter
        self._client: openai.AsyncOpenAI | None = None

    @property
    def model(self) -> str:
        return self.settings.dexter_model

    async def stream_chat(
        self,
        messages: list[Message],
        *,
        tools: list[dict[str, Any]] | None = None,
        tool_choice: str | None = None,
        model: str | None = None,
    ) -> AsyncIterator[TextDelta | Completion]:
        """Stream one reply: `TextDelta`s as text arrives, then exactly one `Completion`.

        A failure before any text arrived is retried; a stream that breaks after text was
        shown cannot be retried without repeating it, so it raises `LLMUnavailableError`.
        """
        request = self._request(messages, model=model, tools=tools, tool_choice=tool_choice)
        request |= {"stream": True, "stream_options": {"include_usage": True}}
        for attempt in range(self.settings.dexter_llm_max_retries + 1):
            shown_text = False
            try:
                assembler = ToolCallAssembler()
                parts: list[str] = []
                usage: dict[str, int] = {}
                finish_reason = ""
                async with await self._openai().chat.completions.create(**request) as stream:
                    async for chunk in stream:
                        if chunk.usage is not None:
                            usage = _usage_dict(chunk.usage)
                        for choice in chunk.choices:
                            delta = choice.delta
                            if delta.content:
                                shown_text = True
                                parts.append(delta.content)
                                yield TextDelta(delta.content)
                            for call in delta.tool_calls or ():
                                function = call.function
                                assembler.add(
                                    index=call.index,
                                    call_id=call.id,
                                    name=function.name if function else None,
                                    arguments=function.arguments if function else None,
                                )
                            finish_reason = choice.finish_reason or finish_reason
                yield _finished(Completion("".join(parts), assembler.calls(), usage, finish_reason))
                return
            except Exception as exc:
                if shown_text:
                    raise LLMUnavailableError(
                        f"the LLM stream broke off mid-answer ({_reason(exc)})"
                    ) from exc
                await self._before_retry(exc, attempt)

    async def complete(
        self,
        messages: list[Message],
        *,
        model: str | None = None,
        max_tokens: int | None = None,
        tools: list[dict[str, Any]] | None = None,
    ) -> Completion:
        """One non-streaming reply, retried like `stream_chat`."""
        request = self._request(messages, model=model, tools=tools, tool_choice=None)
        if max_tokens is not None:
            request["max_tokens"] = max_tokens
        for attempt in range(self.settings.dexter_llm_max_retries + 1):
            try:
                response = await self._openai().chat.completions.create(**request)
                choice = response.choices[0]
                calls = [
                    ToolCallRequest(c.id, c.function.name, c.function.arguments or "")
                    for c in choice.message.tool_calls or ()
                    if getattr(c, "function", None) is not None
                ]
                usage = _usage_dict(response.usage) if response.usage else {}
                return _finished(
                    Completion(
                        choice.message.content or "", calls, usage, choice.finish_reason or ""
                    )
                )
            except Exception as exc:
                await self._before_retry(exc, attempt)
        raise AssertionError("unreachable: the retry loop returns or raises")

    async def complete_text(
        self, messages: list[dict[str, str]], *, fast: bool = True, max_tokens: int = 200
    ) -> str:
        """One short text reply (summaries), on DEXTER_FAST_MODEL when `fast`."""
        model = self.settings.dexter_fast_model if fast else self.settings.dexter_model
        completion = await self.complete(list(messages), model=model, max_tokens=max_tokens)
        return completion.text.strip()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    # -- internals -----------------------------------------------------------------------

    def _openai(self) -> openai.AsyncOpenAI:
        if not self.settings.llm_configured:
            raise LLMUnavailableError(
                "no LLM is configured: set OPENAI_API_KEY, or OPENAI_BASE_URL for a local server"
            )
        if self._client is None:
            self._client = openai.AsyncOpenAI(
                api_key=self.settings.openai_api_key or PLACEHOLDER_API_KEY,
                base_url=self.settings.openai_base_url or None,
                timeout=self.settings.dexter_llm_timeout,
                max_retries=0,
            )
        return self._client

    def _request(
        self,
        messages: list[Message],
        *,
        model: str | None,
        tools: list[dict[str, Any]] | None,
        tool_choice: str | None,
    ) -> dict[str, Any]:
        """Keyword arguments for `chat.completions.create`.

        The conversation and tool schemas go in `extra_body`, which the client sends as
        is: its typed transform of `messages` and `tools` costs milliseconds of CPU per
        call for a long conversation, and ours are plain JSON already.
        """
        body: dict[str, Any] = {"messages": messages}
        if tools:
            body["tools"] = tools
            if tool_choice:
                body["tool_choice"] = tool_choice
        return {"model": model or self.model, "messages": [], "extra_body": body}

    async def _before_retry(self, exc: Exception, attempt: int) -> None:
        """Sleep before the next attempt, or raise `LLMUnavailableError` if there is none."""
        if isinstance(exc, LLMUnavailableError):
            raise exc
        if not _is_retryable(exc):
            raise LLMUnavailableError(f"the LLM refused the request ({_reason(exc)})") from exc
        max_retries = self.settings.dexter_llm_max_retries
        retry_after = (
            retry_after_seconds(exc.response.headers)
            if isinstance(exc, openai.APIStatusError)
            else None
        )
        wait = backoff_delay(
            attempt, base=self._backoff_base, jitter=self._jitter(), retry_after=retry_after
        )
        if attempt >= max_retries or wait is None:
            raise LLMUnavailableError(
                f"the LLM kept failing ({_reason(exc)}) after {attempt + 1} attempts"
            ) from exc
        logger.warning(
            "LLM call failed (%s); retry %d of %d in %.2fs",
            _reason(exc),
            attempt + 1,
            max_retries,
            wait,
        )
        await asyncio.sleep(wait)


def _is_retryable(exc: Exception) -> bool:
    if isinstance(exc, openai.APIStatusError):
        return is_retryable_status(exc.status_code)
    if isinstance(exc, openai.APIConnectionError):
        return True
    # Any other library error is a request problem; anything else is the transport
    # failing while a stream was read (the connection dropped), which is worth retrying.
    return not isinstance(exc, openai.OpenAIError)


def _reason(exc: Exception) -> str:
    """Why a call failed, in words safe for logs (the key is never part of it)."""
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code}: {_short(exc.message)}"
    if isinstance(exc, openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, openai.APIConnectionError):
        return "connection error"
    return _short(str(exc)) or type(exc).__name__


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _usage_dict(usage: Any) -> dict[str, int]:
    return {
        "prompt_tokens": int(getattr(usage, "prompt_tokens", 0) or 0),
        "completion_tokens": int(getattr(usage, "completion_tokens", 0) or 0),
        "total_tokens": int(getattr(usage, "total_tokens", 0) or 0),
    }


def _finished(completion: Completion) -> Completion:
    """`completion`, its tokens counted in `dexter_llm_tokens` (once per call: some
    servers repeat a running usage total on every streamed chunk)."""
    metrics.LLM_TOKENS.labels(kind="prompt").inc(completion.usage.get("prompt_tokens", 0))
    metrics.LLM_TOKENS.labels(kind="completion").inc(completion.usage.get("completion_tokens", 0))
    return completion
