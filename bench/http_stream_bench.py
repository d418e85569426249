"""The HTTP API's cost per streamed turn, and its throughput with many sessions at once.

Runs the real server (aiohttp, the embedded dispatcher, the orchestrator, the in-memory
store) on loopback against the fake OpenAI-compatible server, which answers every
question at once with the same ~60-word streamed text.

- Latency: one client asks `questions` questions in a row over HTTP, then as many are
  submitted to the dispatcher directly (no HTTP; a sink that only notes the end), after
  a few warm-up turns each. `http_overhead_ms` is the difference of the medians: what the
  HTTP layer adds to a turn (request parsing, auth, SSE framing and writing, the client's
  parsing).
- Throughput: `sessions` clients each create a session and ask `questions` questions in
  a row, all clients at once.

Prints one JSON object.

    python bench/http_stream_bench.py [--sessions 20] [--questions 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

# The fake servers live with the tests; run from anywhere.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import percentiles
from bots.http import create_app
from dexter_core.agent.events import Event, is_turn_over
from dexter_core.bootstrap import build_core, close_core
from dexter_core.core import Core
from dexter_core.dispatch.requests import TurnRequest
from dexter_core.settings import Settings
from tests.fakes.fake_llm import FakeLLM, TextReply
from tests.fakes.loopback import serve_on_loopback

ANSWER = (
    "Apple's revenue for fiscal 2024 was $391.0B, up 2.0% from $383.3B in fiscal 2023, "
    "according to its 10-K income statement. Net income was $93.7B and diluted EPS $6.08. "
    "The stock last traded at $229.87, a market capitalisation of about $3.47T, so the "
    "shares trade at roughly 37 times trailing earnings."
)


WARMUP = 3


async def ask_over_http(
    http: aiohttp.ClientSession, base: str, session_id: str, query: str
) -> tuple[float, float, bool]:
    """(ms to the first event, ms to `done`, answered) for one question."""
    started = time.perf_counter()
    first_event = 0.0
    answered = False
    async with http.post(
        f"{base}/agent/query", json={"query": query, "session_id": session_id}
    ) as response:
        async for line in response.content:
            if line.startswith(b"event: ") and not first_event:
                first_event = time.perf_counter()
            if line.startswith(b"event: answer"):
                answered = True
    done = time.perf_counter()
    return (first_event - started) * 1000, (done - started) * 1000, answered


async def client_over_http(
    base: str, questions: int, *, warmup: int = 0
) -> list[tuple[float, float, bool]]:
    """Timings of `questions` questions in one new session, after `warmup` untimed ones."""
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/agent/session") as created:
            session_id = (await created.json())["session_id"]
        timings = [
            await ask_over_http(http, base, session_id, f"question {n} about AAPL")
            for n in range(warmup + questions)
        ]
    return timings[warmup:]


class CollectingSink:
    """Keeps nothing but the moment the turn was over (stored or failed), as for `done`."""

    def __init__(self) -> None:
        self.ended = asyncio.Event()

    async def send(self, event: Event) -> None:
        if is_turn_over(event):
            self.ended.set()


async def client_direct(core: Core, questions: int, *, warmup: int) -> list[float]:
    """ms per question submitted to the dispatcher in-process, after `warmup` untimed ones."""
    timings = []
    for n in range(warmup + questions):
        sink = CollectingSink()
        started = time.perf_counter()
        request = TurnRequest(
            session_id="api:bench-direct", text=f"question {n} about AAPL", platform="api"
        )
        await core.dispatcher.submit(request, sink=sink)
        await sink.ended.wait()
        timings.append((time.perf_counter() - started) * 1000)
    return timings[warmup:]


async def bench(sessions: int, questions: int) -> dict[str, Any]:
    async with FakeLLM() as llm:
        llm.add_rule(lambda body: True, TextReply(ANSWER))
        settings = Settings(
            openai_base_url=llm.base_url,
            openai_api_key=llm.api_key,
            dexter_use_embeddings=False,
            dexter_user_rate_limit=sessions * questions * 2,
            dexter_max_concurrency=max(16, sessions),
        )
        core = await build_core(settings)
        runner, port = await serve_on_loopback(create_app(core), access_log=None)
        base = f"http://127.0.0.1:{port}"
        try:
            sequential = await client_over_http(base, questions, warmup=WARMUP)
            direct_ms = await client_direct(core, questions, warmup=WARMUP)
            started = time.perf_counter()
            concurrent = await asyncio.gather(
                *(client_over_http(base, questions) for _ in range(sessions))
            )
            concurrent_seconds = time.perf_counter() - started
        finally:
            await runner.cleanup()
            await close_core(core, grace=10)
    http_ms = [t[1] for t in sequential]
    turns = [turn for client in concurrent for turn in client]
    return {
        "sessions": sessions,
        "questions_per_session": questions,
        "latency": {
            "first_event_ms": percentiles([t[0] for t in sequential]),
            "turn_over_http_ms": percentiles(http_ms),
            "turn_in_process_ms": percentiles(direct_ms),
            "http_overhead_ms": round(statistics.median(http_ms) - statistics.median(direct_ms), 2),
        },
        "concurrent": {
            "turns": len(turns),
            "answered": sum(1 for t in turns if t[2]),
            "turns_per_second": round(len(turns) / concurrent_seconds, 1),
            "turn_over_http_ms": percentiles([t[1] for t in turns]),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--questions", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(bench(args.sessions, args.questions)), indent=2))


if __name__ == "__main__":
    main()
