"""`LLMClient` through the real openai client against the fake server."""

from __future__ import annotations

import dataclasses
import logging
import time

import pytest

from dexter_core.agent.llm import Completion, LLMClient, TextDelta
from dexter_core.errors import LLMUnavailableError
from dexter_core.settings import Settings
from tests.fakes.fake_llm import ErrorReply, FakeLLM, TextReply, ToolCall, ToolCallsReply

MESSAGES = [{"role": "user", "content": "What is AAPL's P/E?"}]


async def test_streamed_tool_calls_and_usage(settings: Settings, llm_server: FakeLLM) -> None:
    llm_server.enqueue(
        ToolCallsReply(
            [
                ToolCall("get_financial_metrics_snapshot", {"ticker": "AAPL"}, id="c1"),
                ToolCall("get_price_snapshot", {"ticker": "AAPL"}, id="c2"),
            ]
        )
    )
    client = LLMClient(settings)
    items = [item async for item in client.stream_chat(MESSAGES, tools=[])]
    await client.aclose()
    (completion,) = items
    assert isinstance(completion, Completion)
    assert completion.finish_reason == "tool_calls"
    assert [(c.id, c.name, c.parsed_arguments()) for c in completion.tool_calls] == [
        ("c1", "get_financial_metrics_snapshot", {"ticker": "AAPL"}),
        ("c2", "get_price_snapshot", {"ticker": "AAPL"}),
    ]
    assert completion.usage["total_tokens"] == (
        completion.usage["prompt_tokens"] + completion.usage["completion_tokens"]
    )
    assert llm_server.requests[0]["stream_options"] == {"include_usage": True}


async def test_streamed_text_arrives_in_pieces(settings: Settings, llm_server: FakeLLM) -> None:
    llm_server.enqueue(TextReply("AAPL trades at 35 times earnings."))
    client = LLMClient(settings)
    items = [item async for item in client.stream_chat(MESSAGES)]
    await client.aclose()
    pieces = [i.text for i in items if isinstance(i, TextDelta)]
    assert len(pieces) > 1 and "".join(pieces) == "AAPL trades at 35 times earnings."
    assert isinstance(items[-1], Completion) and items[-1].text == "".join(pieces)


async def test_complete_text_uses_the_fast_model(settings: Settings, llm_server: FakeLLM) -> None:
    llm_server.enqueue(TextReply("  AAPL P/E 35  "))
    client = LLMClient(settings)
    assert await client.complete_text(MESSAGES, max_tokens=20) == "AAPL P/E 35"
    await client.aclose()
    assert llm_server.requests[0]["model"] == "dexter-fast"
    assert llm_server.requests[0]["max_tokens"] == 20


async def test_retry_after_ms_is_honoured(settings: Settings, llm_server: FakeLLM) -> None:
    llm_server.enqueue(ErrorReply(429, retry_after_ms=150), TextReply("ok"))
    client = LLMClient(settings, backoff_base=0.0)
    started = time.perf_counter()
    assert (await client.complete(MESSAGES)).text == "ok"
    await client.aclose()
    assert time.perf_counter() - started >= 0.15


async def test_timeouts_are_retried(settings: Settings, llm_server: FakeLLM) -> None:
    llm_server.enqueue(TextReply("late", delay=1.0), TextReply("on time"))
    client = LLMClient(dataclasses.replace(settings, dexter_llm_timeout=0.2), backoff_base=0.01)
    assert (await client.complete(MESSAGES)).text == "on time"
    await client.aclose()
    assert len(llm_server.requests) == 2


async def test_request_errors_are_not_retried(settings: Settings, llm_server: FakeLLM) -> None:
    llm_server.enqueue(ErrorReply(400, "bad tool schema"))
    client = LLMClient(settings, backoff_base=0.01)
    with pytest.raises(LLMUnavailableError, match="HTTP 400"):
        await client.complete(MESSAGES)
    await client.aclose()
    assert len(llm_server.requests) == 1


async def test_exhausted_retries_raise_our_error_and_never_log_the_key(
    settings: Settings, llm_server: FakeLLM, caplog: pytest.LogCaptureFixture
) -> None:
    llm_server.add_rule(lambda body: True, ErrorReply(500, "boom"))
    client = LLMClient(settings, backoff_base=0.01)
    with caplog.at_level(logging.DEBUG), pytest.raises(LLMUnavailableError, match="4 attempts"):
        async for _ in client.stream_chat(MESSAGES):
            pass
    await client.aclose()
    assert len(llm_server.requests) == 4  # the first try and DEXTER_LLM_MAX_RETRIES=3
    assert "retry 3 of 3" in caplog.text
    assert llm_server.api_key not in caplog.text


async def test_wrong_key_is_reported_without_retrying(
    settings: Settings, llm_server: FakeLLM
) -> None:
    client = LLMClient(dataclasses.replace(settings, openai_api_key="sk-wrong"))
    with pytest.raises(LLMUnavailableError, match="HTTP 401") as caught:
        await client.complete_text(MESSAGES)
    await client.aclose()
    assert "sk-wrong" not in str(caught.value)
    assert len(llm_server.requests) == 1


async def test_base_url_alone_uses_a_placeholder_key(llm_server: FakeLLM) -> None:
    llm_server.require_key = False  # like a local Ollama or vLLM server
    client = LLMClient(Settings(openai_base_url=llm_server.base_url))
    assert (await client.complete(MESSAGES)).text.startswith("Echo: What is AAPL's P/E?")
    await client.aclose()
    assert llm_server.headers[0]["Authorization"] == "Bearer not-needed"


async def test_no_llm_configured() -> None:
    client = LLMClient(Settings())
    with pytest.raises(LLMUnavailableError, match="OPENAI_API_KEY"):
        await client.complete_text(MESSAGES)
