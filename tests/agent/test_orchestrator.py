"""The tool-calling loop, end to end: real openai client and aiohttp against the fakes."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from dexter_core.agent.events import (
    AnswerDelta,
    FinalAnswer,
    Notice,
    Status,
    ToolFinished,
    ToolStarted,
    TurnFailed,
)
from dexter_core.agent.orchestrator import Orchestrator
from dexter_core.agent.prompts import REPEATED_CALL_NOTE, STEP_LIMIT_NOTE
from dexter_core.agent.tools import FinancialToolbox, ToolResult
from dexter_core.context.history import MessageHistory
from dexter_core.errors import InvalidInputError, LLMUnavailableError
from dexter_core.sessions.memory_store import InMemorySessionStore
from dexter_core.sessions.redis_store import RedisSessionStore
from dexter_core.settings import Settings
from tests.agent.conftest import MakeOrchestrator
from tests.agent.streams import collect, of_type
from tests.fakes.fake_financial_datasets import FakeFinancialDatasets
from tests.fakes.fake_llm import ErrorReply, FakeLLM, TextReply, ToolCall, ToolCallsReply

INCOME_AAPL = {"ticker": "AAPL", "period": "annual", "limit": 2}


def tool_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in body["messages"] if m["role"] == "tool"]


async def test_two_tool_answer(
    make_orchestrator: MakeOrchestrator, llm_server: FakeLLM, data_server: FakeFinancialDatasets
) -> None:
    llm_server.enqueue(
        ToolCallsReply([ToolCall("get_income_statements", INCOME_AAPL, id="call_1")]),
        ToolCallsReply([ToolCall("get_price_snapshot", {"ticker": "AAPL"}, id="call_2")]),
        TextReply("Apple's FY2024 revenue was $391.0B; the stock trades at $229.87."),
    )
    events = await collect(make_orchestrator().stream("How is Apple doing?"))

    started = of_type(events, ToolStarted)
    assert [s.description for s in started] == [
        "Fetching AAPL income statements (annual)",
        "Fetching the current AAPL price",
    ]
    assert [(f.name, f.ok, f.summary) for f in of_type(events, ToolFinished)] == [
        ("get_income_statements", True, "2 rows"),
        ("get_price_snapshot", True, "1 row"),
    ]
    *_, final, stored = events
    assert isinstance(final, FinalAnswer)
    assert stored == Status(phase="stored")
    assert final.text == "Apple's FY2024 revenue was $391.0B; the stock trades at $229.87."
    assert "".join(d.text for d in of_type(events, AnswerDelta)) == final.text
    assert final.usage["llm_calls"] == 3 and final.usage["tool_calls"] == 2
    assert final.usage["total_tokens"] > 0
    # The model saw each tool's data, tied to its call id, with its source.
    last = llm_server.requests[-1]
    results = {m["tool_call_id"]: json.loads(m["content"]) for m in tool_messages(last)}
    assert results["call_1"]["income_statements"][0]["revenue"] == 391_035_000_000
    assert results["call_1"]["source"].startswith("Financial Datasets API")
    assert results["call_2"]["snapshot"][0]["price"] == 229.87
    assert [r.path for r in data_server.requests] == [
        "/financials/income-statements/",
        "/prices/snapshot/",
    ]
    assert all(r.headers["x-api-key"] == data_server.api_key for r in data_server.requests)
    assert {r["model"] for r in llm_server.requests} == {"dexter-main"}
    assert llm_server.requests[0]["messages"][0]["role"] == "system"
    assert "Dexter" in llm_server.requests[0]["messages"][0]["content"]


async def test_parallel_tool_calls_overlap(
    make_orchestrator: MakeOrchestrator, llm_server: FakeLLM, data_server: FakeFinancialDatasets
) -> None:
    data_server.delay = 0.2
    llm_server.enqueue(
        ToolCallsReply(
            [
                ToolCall("get_income_statements", INCOME_AAPL),
                ToolCall("get_income_statements", {**INCOME_AAPL, "ticker": "MSFT"}),
            ]
        ),
        TextReply("Both fetched."),
    )
    stamps: dict[str, float] = {}
    async for event in make_orchestrator().stream("Compare AAPL and MSFT revenue"):
        if isinstance(event, ToolStarted):
            stamps.setdefault("first_start", time.perf_counter())
        if isinstance(event, ToolFinished):
            stamps["last_finish"] = time.perf_counter()
    assert len(data_server.requests) == 2
    assert stamps["last_finish"] - stamps["first_start"] < 0.35


async def test_step_limit_makes_the_model_answer(
    make_orchestrator: MakeOrchestrator, llm_server: FakeLLM
) -> None:
    calls = iter(range(100))
    llm_server.add_rule(
        lambda body: body.get("tool_choice") != "none",
        lambda body: ToolCallsReply(
            [ToolCall("get_news", {"ticker": "AAPL", "limit": next(calls) % 20 + 1})]
        ),
    )
    llm_server.add_rule(lambda body: True, TextReply("Here is what I found so far."))
    events = await collect(make_orchestrator(dexter_max_steps=3).stream("Everything on AAPL"))

    assert events[-1] == Status(phase="stored")
    assert isinstance(events[-2], FinalAnswer)
    assert events[-2].text == "Here is what I found so far."
    assert len(llm_server.requests) == 4  # three tool steps, then the forced answer
    last = llm_server.requests[-1]
    assert last["tool_choice"] == "none"
    assert last["messages"][-1]["content"] == STEP_LIMIT_NOTE
    assert len(of_type(events, ToolFinished)) == 3


async def test_repeated_call_is_not_rerun(
    make_orchestrator: MakeOrchestrator, llm_server: FakeLLM, data_server: FakeFinancialDatasets
) -> None:
    llm_server.enqueue(
        ToolCallsReply([ToolCall("get_income_statements", INCOME_AAPL)]),
        ToolCallsReply([ToolCall("get_income_statements", dict(reversed(INCOME_AAPL.items())))]),
        TextReply("Revenue was $391.0B."),
    )
    events = await collect(make_orchestrator().stream("AAPL revenue?"))

    assert events[-1] == Status(phase="stored")
    assert isinstance(events[-2], FinalAnswer)
    assert len(data_server.requests) == 1
    assert len(of_type(events, ToolStarted)) == 1
    third = llm_server.requests[2]
    assert tool_messages(third)[-1]["content"] == REPEATED_CALL_NOTE
    # A step of nothing but repeats means the model is looping: it must answer next.
    assert third["tool_choice"] == "none"


async def test_tool_http_error_reaches_the_model_as_text(
    make_orchestrator: MakeOrchestrator, llm_server: FakeLLM, data_server: FakeFinancialDatasets
) -> None:
    data_server.fail("/financials/income-statements", status=500, message="upstream down")
    llm_server.enqueue(
        ToolCallsReply([ToolCall("get_income_statements", INCOME_AAPL)]),
        TextReply("The income statement data is unavailable right now."),
    )
    events = await collect(make_orchestrator().stream("AAPL revenue?"))

    (finished,) = of_type(events, ToolFinished)
    assert not finished.ok
    (result,) = tool_messages(llm_server.requests[-1])
    assert result["content"] == "data unavailable: the data API answered HTTP 500: upstream down"
    assert events[-1] == Status(phase="stored")
    assert isinstance(events[-2], FinalAnswer)


async def test_bad_arguments_and_unknown_tickers_are_recoverable(
    make_orchestrator: MakeOrchestrator, llm_server: FakeLLM, data_server: FakeFinancialDatasets
) -> None:
    llm_server.enqueue(
        ToolCallsReply(
            [
                ToolCall("get_income_statements", {"ticker": "ZZZZ", "period": "annual"}),
                ToolCall(
                    "get_prices",
                    {
                        "ticker": "AAPL",
                        "start_date": "2024-02-30",
                        "end_date": "2024-03-01",
                        "interval": "day",
                    },
                ),
                ToolCall("get_stock_tips", {}),
                ToolCall("get_news", '{"ticker": "AAPL"'),
            ]
        ),
        ToolCallsReply([ToolCall("get_income_statements", INCOME_AAPL)]),
        TextReply("ZZZZ has no data; AAPL revenue was $391.0B."),
    )
    events = await collect(make_orchestrator().stream("ZZZZ vs AAPL"))

    contents = [m["content"] for m in tool_messages(llm_server.requests[1])]
    assert contents[0] == (
        "data unavailable: the data API answered HTTP 404: No data found for ticker ZZZZ"
    )
    assert contents[1].startswith("error: invalid arguments for get_prices: start_date")
    assert contents[2].startswith("error: there is no tool named 'get_stock_tips'")
    assert contents[3].startswith("error: the arguments of get_news were unusable")
    assert events[-1] == Status(phase="stored")
    assert isinstance(events[-2], FinalAnswer)
    assert events[-2].text == "ZZZZ has no data; AAPL revenue was $391.0B."
    # Only the valid calls reached the data API.
    assert [r.params.get("ticker") for r in data_server.requests] == ["ZZZZ", "AAPL"]


async def test_llm_retries_then_succeeds(
    make_orchestrator: MakeOrchestrator, llm_server: FakeLLM
) -> None:
    llm_server.enqueue(
        ErrorReply(429, "slow down", retry_after=0.2), ErrorReply(500), TextReply("Recovered.")
    )
    started = time.perf_counter()
    events = await collect(make_orchestrator().stream("AAPL?"))
    assert events[-1] == Status(phase="stored")
    assert isinstance(events[-2], FinalAnswer) and events[-2].text == "Recovered."
    assert len(llm_server.requests) == 3
    assert time.perf_counter() - started >= 0.2  # Retry-After was honoured


async def test_llm_retries_exhausted(
    make_orchestrator: MakeOrchestrator, llm_server: FakeLLM
) -> None:
    llm_server.add_rule(lambda body: True, ErrorReply(503, "overloaded"))
    orchestrator = make_orchestrator(dexter_llm_max_retries=2)
    events = await collect(orchestrator.stream("AAPL?"))
    assert events[-1] == TurnFailed(
        reason="llm_unavailable",
        message=(
            "The language model is not answering right now, so I can't reply. "
            "Please try again in a minute."
        ),
    )
    assert len(llm_server.requests) == 3
    with pytest.raises(LLMUnavailableError):
        await orchestrator.run("AAPL?")


@pytest.mark.parametrize(
    ("query", "reason", "words"),
    [
        ("", "empty", "Ask me something"),
        ("  \n ", "empty", "Ask me something"),
        ("x" * 101, "too_long", "the limit is 100"),
    ],
)
async def test_bad_queries_are_refused_without_calling_the_llm(
    make_orchestrator: MakeOrchestrator, llm_server: FakeLLM, query: str, reason: str, words: str
) -> None:
    orchestrator = make_orchestrator(dexter_max_query_chars=100)
    events = await collect(orchestrator.stream(query))
    assert len(events) == 1 and isinstance(events[0], TurnFailed)
    assert events[0].reason == reason and words in events[0].message
    with pytest.raises(InvalidInputError):
        await orchestrator.run(query)
    assert llm_server.requests == []


async def test_no_llm_configured_is_a_clear_failure(data_server: FakeFinancialDatasets) -> None:
    orchestrator = Orchestrator(settings=Settings(dexter_use_embeddings=False))
    events = await collect(orchestrator.stream("AAPL?"))
    assert isinstance(events[-1], TurnFailed) and events[-1].reason == "llm_unavailable"
    assert "OPENAI_API_KEY" in events[-1].message
    await orchestrator.aclose()


async def test_turn_timeout(make_orchestrator: MakeOrchestrator, llm_server: FakeLLM) -> None:
    llm_server.enqueue(TextReply("too late", delay=3))
    started = time.perf_counter()
    events = await collect(make_orchestrator(dexter_turn_timeout=0.3).stream("AAPL?"))
    assert isinstance(events[-1], TurnFailed) and events[-1].reason == "timeout"
    assert time.perf_counter() - started < 1.5


async def test_answer_streams_in_pieces_after_an_answering_status(
    make_orchestrator: MakeOrchestrator, llm_server: FakeLLM
) -> None:
    llm_server.enqueue(TextReply("Apple's revenue grew 2% in FY2024 to $391.0B."))
    events = await collect(make_orchestrator().stream("AAPL growth?"))
    deltas = of_type(events, AnswerDelta)
    assert len(deltas) > 3
    phases = [e.phase for e in of_type(events, Status)]
    assert phases[-2:] == ["answering", "stored"]
    assert events.index(deltas[0]) > events.index(of_type(events, Status)[-2])


async def test_follow_up_prompt_contains_the_earlier_turn(
    make_orchestrator: MakeOrchestrator, llm_server: FakeLLM
) -> None:
    store = InMemorySessionStore()
    orchestrator = make_orchestrator()
    llm_server.enqueue(TextReply("Apple's FY2024 revenue was $391.0B."))
    first = await orchestrator.run(
        "What was Apple's revenue in FY2024?", session_id="console:ann", session_store=store
    )
    answer = await orchestrator.run(
        "And how does that compare with MSFT?", session_id="console:ann", session_store=store
    )
    prompt = llm_server.prompt_text(-1)
    assert "What was Apple's revenue in FY2024?" in prompt and first in prompt
    # The echo answer counts the messages before the question: system + one earlier pair.
    assert answer.endswith("[context: 3 messages]")
    assert [t.query for t in await store.get_turns("console:ann")] == [
        "What was Apple's revenue in FY2024?",
        "And how does that compare with MSFT?",
    ]


async def test_run_with_a_message_history(
    make_orchestrator: MakeOrchestrator, llm_server: FakeLLM, settings: Settings
) -> None:
    history = MessageHistory(settings=settings)
    orchestrator = make_orchestrator()
    await orchestrator.run("NVDA data-centre revenue?", message_history=history)
    await orchestrator.run("And its gross margin?", message_history=history)
    assert "NVDA data-centre revenue?" in llm_server.prompt_text(-1)
    assert [t.query for t in history.turns] == [
        "NVDA data-centre revenue?",
        "And its gross margin?",
    ]


async def test_unreachable_store_answers_without_history(
    make_orchestrator: MakeOrchestrator, llm_server: FakeLLM
) -> None:
    store = RedisSessionStore("redis://127.0.0.1:1/0", socket_timeout=0.2)
    try:
        events = await collect(
            make_orchestrator().stream("AAPL?", session_id="console:ann", session_store=store)
        )
    finally:
        await store.close()
    notices = of_type(events, Notice)
    assert [n.text for n in notices] == [
        "Conversation history is unavailable right now; answering without it."
    ]
    assert isinstance(events[-1], FinalAnswer)
    assert events[-1].text == "Echo: AAPL? [context: 1 messages]"


async def test_consumer_stopping_at_the_answer_still_stores_the_turn(
    make_orchestrator: MakeOrchestrator,
) -> None:
    store = InMemorySessionStore()
    orchestrator = make_orchestrator()
    stream = orchestrator.stream("AAPL?", session_id="console:bob", session_store=store)
    async for event in stream:
        if isinstance(event, FinalAnswer):
            break
    await stream.aclose()
    await orchestrator.wait_background()
    assert [t.answer for t in await store.get_turns("console:bob")] == [
        "Echo: AAPL? [context: 1 messages]"
    ]


async def test_concurrent_turns_of_different_sessions(
    make_orchestrator: MakeOrchestrator,
) -> None:
    store = InMemorySessionStore()
    orchestrator = make_orchestrator()
    answers = await asyncio.gather(
        *(
            orchestrator.run(f"Question {i}", session_id=f"console:u{i}", session_store=store)
            for i in range(5)
        )
    )
    assert answers == [f"Echo: Question {i} [context: 1 messages]" for i in range(5)]


class FlakyToolbox(FinancialToolbox):
    """The real toolbox, except that news lookups blow up (a tool breaking its promise)."""

    async def run(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        if name == "get_news":
            raise RuntimeError("news backend exploded")
        return await super().run(name, arguments)


async def test_a_tool_that_raises_does_not_end_the_turn(
    settings: Settings, llm_server: FakeLLM
) -> None:
    orchestrator = Orchestrator(settings=settings, tools=FlakyToolbox(settings))
    llm_server.enqueue(
        ToolCallsReply(
            [
                ToolCall("get_news", {"ticker": "AAPL"}),
                ToolCall("get_price_snapshot", {"ticker": "AAPL"}),
            ]
        ),
        TextReply("AAPL is at $229.87; news is unavailable."),
    )
    events = await collect(orchestrator.stream("AAPL news and price?"))
    await orchestrator.aclose()
    assert events[-1] == Status(phase="stored")
    assert isinstance(events[-2], FinalAnswer)
    news, price = tool_messages(llm_server.requests[-1])
    assert news["content"] == "error: get_news failed unexpectedly; try another way or answer."
    assert json.loads(price["content"])["snapshot"][0]["price"] == 229.87


async def test_a_stream_dying_mid_answer_fails_the_turn_without_a_retry(
    make_orchestrator: MakeOrchestrator, llm_server: FakeLLM
) -> None:
    llm_server.enqueue(TextReply("Apple's revenue was $391.0B in fiscal 2024.", break_after=3))
    events = await collect(make_orchestrator().stream("AAPL revenue?"))
    # The user saw the start of the answer; repeating the request would show it twice.
    assert "".join(d.text for d in of_type(events, AnswerDelta)) == "Apple's revenue was "
    assert isinstance(events[-1], TurnFailed) and events[-1].reason == "llm_unavailable"
    assert len(llm_server.requests) == 1
