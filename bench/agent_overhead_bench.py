"""Orchestrator overhead per turn: wall time minus the time spent inside LLM and tool calls.

Runs turns of one console session against the fake OpenAI-compatible server and the fake
Financial Datasets API on loopback (tests/fakes), through the real openai client and
aiohttp, with embeddings off and the in-memory store. Each turn: two tool calls in
parallel (income statements and a price snapshot), then a streamed ~60-word answer.
"Inside" time is measured around the LLM stream's every chunk wait and around tool runs
(overlapping runs counted once), so what is left is the orchestrator's own work: context,
prompt, events, tool planning, JSON, the store append. Prints one JSON object.

    python bench/agent_overhead_bench.py [--turns 200] [--warmup 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

# The fake servers live with the tests; run from anywhere.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dexter_core.agent.events import FinalAnswer
from dexter_core.agent.llm import Completion, LLMClient, TextDelta
from dexter_core.agent.orchestrator import Orchestrator
from dexter_core.agent.tools import FinancialToolbox, ToolResult
from dexter_core.sessions.memory_store import InMemorySessionStore
from dexter_core.settings import Settings
from tests.fakes.fake_financial_datasets import FakeFinancialDatasets
from tests.fakes.fake_llm import FakeLLM, TextReply, ToolCall, ToolCallsReply

ANSWER = (
    "Apple's revenue for fiscal 2024 was $391.0B, up 2.0% from $383.3B in fiscal 2023, "
    "according to its 10-K income statement. Net income was $93.7B and diluted EPS $6.08. "
    "The stock last traded at $229.87, a market capitalisation of about $3.47T, so the "
    "shares trade at roughly 37 times trailing earnings."
)


class BusyClock:
    """Adds up the time during which at least one timed call is in progress."""

    def __init__(self) -> None:
        self.total = 0.0
        self._active = 0
        self._since = 0.0

    def enter(self) -> None:
        if self._active == 0:
            self._since = time.perf_counter()
        self._active += 1

    def leave(self) -> None:
        self._active -= 1
        if self._active == 0:
            self.total += time.perf_counter() - self._since


class TimedLLM(LLMClient):
    """The real client, with the time spent waiting on the server put on `clock`."""

    def __init__(self, settings: Settings, clock: BusyClock) -> None:
        super().__init__(settings)
        self._clock = clock

    async def stream_chat(self, *args: Any, **kwargs: Any) -> AsyncIterator[TextDelta | Completion]:
        stream = super().stream_chat(*args, **kwargs)
        while True:
            self._clock.enter()
            try:
                item = await anext(stream)
            except StopAsyncIteration:
                return
            finally:
                self._clock.leave()
            yield item


class TimedToolbox(FinancialToolbox):
    """The real toolbox, with the time tool calls take put on `clock`."""

    def __init__(self, settings: Settings, clock: BusyClock) -> None:
        super().__init__(settings)
        self._busy = clock

    async def run(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        self._busy.enter()
        try:
            return await super().run(name, arguments)
        finally:
            self._busy.leave()


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered) * 1000, 3), "p95": round(p95 * 1000, 3)}


async def bench(turns: int, warmup: int) -> dict[str, Any]:
    async with FakeLLM() as llm_server, FakeFinancialDatasets() as data_server:
        settings = Settings(
            openai_base_url=llm_server.base_url,
            openai_api_key=llm_server.api_key,
            financial_datasets_api_url=data_server.base_url,
            financial_datasets_api_key=data_server.api_key,
            dexter_use_embeddings=False,
        )
        llm_clock, tool_clock = BusyClock(), BusyClock()
        orchestrator = Orchestrator(
            settings=settings,
            llm=TimedLLM(settings, llm_clock),
            tools=TimedToolbox(settings, tool_clock),
        )
        store = InMemorySessionStore()
        samples: dict[str, list[float]] = {"total": [], "llm": [], "tools": [], "overhead": []}
        for n in range(warmup + turns):
            llm_server.enqueue(
                ToolCallsReply(
                    [
                        ToolCall(
                            "get_income_statements",
                            {"ticker": "AAPL", "period": "annual", "limit": n % 12 + 1},
                        ),
                        ToolCall("get_price_snapshot", {"ticker": "AAPL"}),
                    ]
                ),
                TextReply(ANSWER),
            )
            llm_before, tools_before = llm_clock.total, tool_clock.total
            started = time.perf_counter()
            async for event in orchestrator.stream(
                f"How did Apple do in fiscal 2024? ({n})",
                session_id="console:bench",
                session_store=store,
            ):
                final = event
            total = time.perf_counter() - started
            assert isinstance(final, FinalAnswer), final
            await orchestrator.wait_background()
            if n < warmup:
                continue
            llm = llm_clock.total - llm_before
            tools = tool_clock.total - tools_before
            for name, value in (
                ("total", total),
                ("llm", llm),
                ("tools", tools),
                ("overhead", total - llm - tools),
            ):
                samples[name].append(value)
        await orchestrator.aclose()
    overhead = percentiles(samples["overhead"])
    return {
        "bench": "agent_overhead",
        "turns": turns,
        "embeddings": False,
        "store": "memory",
        "overhead_ms": overhead,
        "total_ms": percentiles(samples["total"]),
        "inside_llm_ms": percentiles(samples["llm"]),
        "inside_tools_ms": percentiles(samples["tools"]),
        "goal_p50_ms": 5.0,
        "meets_goal": overhead["p50"] <= 5.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(bench(args.turns, args.warmup))))


if __name__ == "__main__":
    main()
