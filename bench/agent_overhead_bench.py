"""Orchestrator overhead per turn: wall time minus the time spent inside LLM and tool calls.

Runs turns of console sessions (20 turns each by default) against the fake
OpenAI-compatible server and the fake Financial Datasets API on loopback (tests/fakes, in
a process of their own), through the real openai client and aiohttp, with embeddings off
and the in-memory store. Each turn: two tool calls in parallel (income statements and a
price snapshot), then a streamed ~60-word answer.

"Inside" time is measured around every wait for the LLM stream and around tool runs
(overlapping runs counted once), so what is left is the orchestrator's own work: context,
prompt, events, tool planning, JSON, the store append. Both wall-clock and CPU time are
reported (on a machine shared with other work the wall figure includes waiting for a
CPU), and the CPU time spent building the context is shown apart. Prints one JSON object.

    python bench/agent_overhead_bench.py [--turns 200] [--warmup 20] [--session-turns 20]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import multiprocessing
import sys
import time
from collections.abc import AsyncIterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

# The fake servers live with the tests; run from anywhere.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import percentiles
from dexter_core.agent.events import FinalAnswer, TurnFailed
from dexter_core.agent.llm import Completion, LLMClient, TextDelta
from dexter_core.agent.orchestrator import Orchestrator
from dexter_core.agent.tools import FinancialToolbox, ToolResult
from dexter_core.context.formatter import PromptContext
from dexter_core.context.history import MessageHistory
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


def now() -> tuple[float, float]:
    """Wall-clock and process CPU seconds: on a busy machine the two tell different stories."""
    return time.perf_counter(), time.process_time()


class BusyClock:
    """Adds up the time (wall, CPU) during which at least one timed call is in progress."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0
        self._active = 0
        self._since = (0.0, 0.0)

    def enter(self) -> None:
        if self._active == 0:
            self._since = now()
        self._active += 1

    def leave(self) -> None:
        self._active -= 1
        if self._active == 0:
            wall, cpu = now()
            self.wall += wall - self._since[0]
            self.cpu += cpu - self._since[1]


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


class TimedStore(InMemorySessionStore):
    """The in-memory store, whose histories put their context building on `clock`.

    Context building is part of the overhead; timed apart, it shows how much of it is
    the context engine's.
    """

    def __init__(self, clock: BusyClock) -> None:
        super().__init__()
        self._busy = clock

    async def load_history(self, session_id: str, **kwargs: Any) -> MessageHistory:
        history = await super().load_history(session_id, **kwargs)
        build_context = history.build_context

        def timed_build_context(query: str) -> PromptContext:
            self._busy.enter()
            try:
                return build_context(query)
            finally:
                self._busy.leave()

        history.build_context = timed_build_context  # type: ignore[method-assign]
        return history


def scripted_reply(body: dict[str, Any]) -> TextReply | ToolCallsReply:
    """Each turn: two tool calls for the question, then the answer once results are in."""
    messages = body["messages"]
    if messages[-1]["role"] == "tool":
        return TextReply(ANSWER)
    number = int(messages[-1]["content"].rsplit("(", 1)[1].rstrip(")"))
    return ToolCallsReply(
        [
            ToolCall(
                "get_income_statements",
                {"ticker": "AAPL", "period": "annual", "limit": number % 12 + 1},
            ),
            ToolCall("get_price_snapshot", {"ticker": "AAPL"}),
        ]
    )


def serve_fakes(ports: Connection) -> None:
    """Run both fake servers in this (separate) process until it is terminated.

    A process of their own keeps the servers' work off the measured process's clock.
    """

    async def serve() -> None:
        async with FakeLLM() as llm_server, FakeFinancialDatasets() as data_server:
            llm_server.add_rule(lambda body: True, scripted_reply)
            ports.send(
                (llm_server.base_url, llm_server.api_key, data_server.base_url, data_server.api_key)
            )
            await asyncio.Event().wait()

    asyncio.run(serve())


async def bench(
    turns: int,
    warmup: int,
    *,
    session_turns: int,
    llm_url: str,
    llm_key: str,
    data_url: str,
    data_key: str,
) -> dict[str, Any]:
    settings = Settings(
        openai_base_url=llm_url,
        openai_api_key=llm_key,
        financial_datasets_api_url=data_url,
        financial_datasets_api_key=data_key,
        dexter_use_embeddings=False,
    )
    llm_clock, tool_clock = BusyClock(), BusyClock()
    orchestrator = Orchestrator(
        settings=settings,
        llm=TimedLLM(settings, llm_clock),
        tools=TimedToolbox(settings, tool_clock),
    )
    context_clock = BusyClock()
    store = TimedStore(context_clock)
    samples: dict[str, list[float]] = {
        name: [] for name in ("total", "llm", "tools", "overhead", "overhead_cpu", "context_cpu")
    }
    for n in range(warmup + turns):
        llm_before = (llm_clock.wall, llm_clock.cpu)
        tools_before = (tool_clock.wall, tool_clock.cpu)
        context_before = context_clock.cpu
        started = now()
        final = None
        async for event in orchestrator.stream(
            f"How did Apple do in fiscal 2024? ({n})",
            session_id=f"console:bench-{n // session_turns}",
            session_store=store,
        ):
            if isinstance(event, FinalAnswer | TurnFailed):
                final = event
        ended = now()
        assert isinstance(final, FinalAnswer), final
        await orchestrator.wait_background()
        if n < warmup:
            continue
        total = ended[0] - started[0]
        llm = llm_clock.wall - llm_before[0]
        tools = tool_clock.wall - tools_before[0]
        cpu_inside = llm_clock.cpu - llm_before[1] + tool_clock.cpu - tools_before[1]
        for name, value in (
            ("total", total),
            ("llm", llm),
            ("tools", tools),
            ("overhead", total - llm - tools),
            ("overhead_cpu", ended[1] - started[1] - cpu_inside),
            ("context_cpu", context_clock.cpu - context_before),
        ):
            samples[name].append(value)
    await orchestrator.aclose()
    ms = functools.partial(percentiles, scale=1000, digits=3)
    overhead = ms(samples["overhead"])
    return {
        "bench": "agent_overhead",
        "turns": turns,
        "embeddings": False,
        "store": "memory",
        "turns_per_session": session_turns,
        "overhead_ms": overhead,
        "overhead_cpu_ms": ms(samples["overhead_cpu"]),
        "of_which_context_cpu_ms": ms(samples["context_cpu"]),
        "total_ms": ms(samples["total"]),
        "inside_llm_ms": ms(samples["llm"]),
        "inside_tools_ms": ms(samples["tools"]),
        "goal_p50_ms": 5.0,
        "meets_goal": overhead["p50"] <= 5.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument(
        "--session-turns",
        type=int,
        default=20,
        help="turns per session before the next starts (past 50 turns are folded)",
    )
    args = parser.parse_args()
    receiver, sender = multiprocessing.Pipe(duplex=False)
    servers = multiprocessing.Process(target=serve_fakes, args=(sender,), daemon=True)
    servers.start()
    try:
        llm_url, llm_key, data_url, data_key = receiver.recv()
        figures = asyncio.run(
            bench(
                args.turns,
                args.warmup,
                session_turns=args.session_turns,
                llm_url=llm_url,
                llm_key=llm_key,
                data_url=data_url,
                data_key=data_key,
            )
        )
    finally:
        servers.terminate()
        servers.join()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
