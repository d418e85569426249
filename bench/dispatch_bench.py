"""Turn pipeline throughput and per-turn overhead on Redis, in one and in two processes.

Worker processes run the Redis dispatcher with the Redis session store; this process
submits (through a dispatcher that answers nothing itself) and serves the fake
OpenAI-compatible LLM (tests/fakes), which answers at once. Two agents:

- `instant`: the dispatcher tests' scripted orchestrator, which answers at once and
  appends the turn to the store, so what is measured is the pipeline itself (submit,
  stream, lease, ledger, sink, store, acknowledgement);
- `real`: the real orchestrator through the openai client against the fake LLM, with
  embeddings off or on (on: every turn is embedded after it is stored).

For every configuration:
- throughput: `--sessions` sessions at once, `--messages` each (a session's messages
  sent one after another without waiting for answers), turns per second from the first
  submission to the last answer;
- overhead: `--overhead-turns` turns one at a time, the time from submission until the
  answer reaches the sink minus the time the agent itself took;
- and the check that nothing was lost or duplicated: every request answered exactly
  once, every session's stored turns in send order.

Prints one JSON object.

    python bench/dispatch_bench.py [--sessions 500] [--messages 2] [--overhead-turns 50]
        [--agents instant real] [--processes 1 2] [--embeddings off on]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

# The fake LLM lives with the tests; run from anywhere.
_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(_ROOT))

from redis.asyncio import Redis  # noqa: E402

from bench.figures import percentiles  # noqa: E402
from dexter_core.agent.events import Event, FinalAnswer, TurnFailed  # noqa: E402
from dexter_core.agent.orchestrator import Orchestrator  # noqa: E402
from dexter_core.dispatch.redis_streams import RedisDispatcher  # noqa: E402
from dexter_core.dispatch.requests import PostLedger, TurnRequest  # noqa: E402
from dexter_core.sessions.redis_store import RedisSessionStore  # noqa: E402
from dexter_core.sessions.store import SessionStore  # noqa: E402
from dexter_core.settings import Settings  # noqa: E402
from tests.dispatch.scripted_orchestrator import ScriptedOrchestrator  # noqa: E402
from tests.fakes.fake_llm import FakeLLM  # noqa: E402

PLATFORM = "bench"
LEASE_TTL = 10.0


# -- the worker process -------------------------------------------------------------------


class TimedAgent:
    """Wraps an agent, recording how long each query took it (stream start to answer)."""

    def __init__(self, inner: Orchestrator | ScriptedOrchestrator) -> None:
        self._inner = inner
        self.seconds: dict[str, float] = {}

    async def stream(self, query: str, **kwargs: Any) -> AsyncIterator[Event]:
        started = time.time()
        async for event in self._inner.stream(query, **kwargs):
            if isinstance(event, FinalAnswer | TurnFailed):
                self.seconds[query] = time.time() - started
            yield event

    async def wait_background(self) -> None:
        await self._inner.wait_background()

    async def aclose(self) -> None:
        await self._inner.aclose()


class RecordingSink:
    """Posts the outcome to `{prefix}:posts` once per request (via the ledger), with when
    the answer arrived and how long the agent took."""

    def __init__(
        self,
        client: Redis,
        prefix: str,
        request: TurnRequest,
        ledger: PostLedger,
        agent: TimedAgent,
    ) -> None:
        self._client, self._prefix, self._request = client, prefix, request
        self._ledger, self._agent = ledger, agent

    async def send(self, event: Event) -> None:
        if not isinstance(event, FinalAnswer | TurnFailed) or await self._ledger.get("posted"):
            return
        post = {
            "request_id": self._request.request_id,
            "ok": isinstance(event, FinalAnswer),
            "submitted": self._request.received_at,
            "answered": time.time(),
            "agent_seconds": self._agent.seconds.pop(self._request.text, 0.0),
        }
        await self._client.rpush(f"{self._prefix}:posts", json.dumps(post))
        await self._ledger.set("posted", "1")


async def run_worker(config: dict[str, Any]) -> None:
    settings = _settings(config)
    client = Redis.from_url(config["redis_url"])
    store = RedisSessionStore(config["redis_url"], prefix=config["prefix"])
    inner = (
        ScriptedOrchestrator() if config["agent"] == "instant" else Orchestrator(settings=settings)
    )
    agent = TimedAgent(inner)
    dispatcher = RedisDispatcher(
        orchestrator=agent,  # type: ignore[arg-type]
        store=store,
        settings=settings,
        lease_ttl=LEASE_TTL,
    )

    async def sink_factory(request: TurnRequest, ledger: PostLedger) -> RecordingSink:
        return RecordingSink(client, config["prefix"], request, ledger, agent)

    dispatcher.register_sink_factory(PLATFORM, sink_factory)
    if isinstance(inner, Orchestrator):
        await _warm_up(inner, store)
    await dispatcher.start()
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    await client.rpush(f"{config['prefix']}:ready", os.getpid())
    await stopping.wait()
    await dispatcher.stop(grace=5)
    await agent.aclose()
    await store.close()
    await client.aclose()


async def _warm_up(orchestrator: Orchestrator, store: SessionStore) -> None:
    """Load what a process loads once (tokenizer, embedding model) before taking work."""
    session_id = f"{PLATFORM}:warm-up-{os.getpid()}"
    async for _ in orchestrator.stream("warm up", session_id=session_id, session_store=store):
        pass
    await orchestrator.wait_background()


def _settings(config: dict[str, Any]) -> Settings:
    return Settings(
        openai_base_url=config["llm_url"],
        openai_api_key="sk-bench",
        redis_url=config["redis_url"],
        dexter_redis_prefix=config["prefix"],
        dexter_use_embeddings=config["embeddings"],
        dexter_session_queue_limit=0,
        dexter_user_rate_limit=0,
        financial_datasets_api_url="http://127.0.0.1:9",
    )


# -- the measuring process ----------------------------------------------------------------


async def measure(
    *,
    agent: str,
    processes: int,
    embeddings: bool,
    sessions: int,
    messages: int,
    overhead_turns: int,
    redis_url: str,
    llm: FakeLLM,
) -> dict[str, Any]:
    """One configuration: start workers, measure overhead then throughput, check, clean up."""
    prefix = f"dexter-bench-{uuid.uuid4().hex[:8]}"
    config = {
        "redis_url": redis_url,
        "prefix": prefix,
        "llm_url": llm.base_url,
        "agent": agent,
        "embeddings": embeddings,
    }
    client = Redis.from_url(redis_url)
    store = RedisSessionStore(redis_url, prefix=prefix)
    submitter = RedisDispatcher(
        orchestrator=ScriptedOrchestrator(),  # type: ignore[arg-type]
        store=store,
        settings=_settings(config),
        lease_ttl=LEASE_TTL,
        consumers=0,
    )
    submitter.register_sink_factory(PLATFORM, _never_called)
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--worker",
            json.dumps(config),
            cwd=_ROOT,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )
        for _ in range(processes)
    ]
    try:
        await submitter.start()
        await _wait_for(client, f"{prefix}:ready", processes, within=120)
        overhead = await _overhead(submitter, client, prefix, overhead_turns)
        throughput = await _throughput(submitter, client, store, prefix, sessions, messages)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            await worker.wait()
        await submitter.stop(grace=0)
        await store.close()
        keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=1000)]
        if keys:
            await client.delete(*keys)
        await client.aclose()
    return {
        "agent": agent,
        "processes": processes,
        "embeddings": embeddings,
        **throughput,
        "overhead_ms": overhead,
    }


async def _never_called(request: TurnRequest, ledger: PostLedger) -> RecordingSink:
    raise AssertionError("the submitting process answers nothing")


async def _overhead(
    submitter: RedisDispatcher, client: Redis, prefix: str, turns: int
) -> dict[str, float]:
    """Turns one at a time: time to the answer minus the agent's own time, in ms."""
    overheads = []
    for i in range(turns):
        await submitter.submit(_request(f"{PLATFORM}:overhead", f"overhead {i}"))
        await _wait_for(client, f"{prefix}:posts", i + 1, within=30)
    for post in await _posts(client, prefix):
        overheads.append((post["answered"] - post["submitted"] - post["agent_seconds"]) * 1000)
    await client.delete(f"{prefix}:posts")
    return percentiles(overheads)


async def _throughput(
    submitter: RedisDispatcher,
    client: Redis,
    store: RedisSessionStore,
    prefix: str,
    sessions: int,
    messages: int,
) -> dict[str, Any]:
    names = [f"{PLATFORM}:load-{i}" for i in range(sessions)]
    sent: list[TurnRequest] = []

    async def send(session: str) -> None:
        for i in range(messages):
            request = _request(session, f"{session} message {i}")
            sent.append(request)
            if not (await submitter.submit(request)).is_accepted:
                raise RuntimeError(f"request refused: {request.text}")

    started = time.time()
    await asyncio.gather(*(send(name) for name in names))
    submitted = time.time() - started
    total = sessions * messages
    await _wait_for(client, f"{prefix}:posts", total, within=max(60, total / 5))
    posts = await _posts(client, prefix)
    seconds = max(p["answered"] for p in posts) - started
    await asyncio.sleep(1.0)  # room for any duplicate to show up
    posts = await _posts(client, prefix)
    answered = [p["request_id"] for p in posts]
    out_of_order = 0
    for name in names:
        expected = [f"{name} message {i}" for i in range(messages)]
        stored = [turn.query for turn in await store.get_turns(name)]
        out_of_order += stored != expected
    return {
        "turns": total,
        "seconds": round(seconds, 2),
        "turns_per_s": round(total / seconds, 1),
        "submit_ms_per_turn": round(submitted / total * 1000, 2),
        "lost": len({r.request_id for r in sent} - set(answered)),
        "duplicated": len(answered) - len(set(answered)),
        "failed": sum(not p["ok"] for p in posts),
        "sessions_out_of_order": out_of_order,
        "latency_under_load_ms": percentiles(
            [(p["answered"] - p["submitted"]) * 1000 for p in posts]
        ),
    }


def _request(session: str, text: str) -> TurnRequest:
    return TurnRequest(session_id=session, text=text, platform=PLATFORM)


async def _posts(client: Redis, prefix: str) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in await client.lrange(f"{prefix}:posts", 0, -1)]


async def _wait_for(client: Redis, key: str, count: int, *, within: float) -> None:
    deadline = time.monotonic() + within
    while await client.llen(key) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{key} did not reach {count} entries in {within:.0f}s")
        await asyncio.sleep(0.02)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    runs = []
    async with FakeLLM() as llm:
        for agent in args.agents:
            for embeddings in [e == "on" for e in args.embeddings] if agent == "real" else [False]:
                for processes in args.processes:
                    runs.append(
                        await measure(
                            agent=agent,
                            processes=processes,
                            embeddings=embeddings,
                            sessions=args.sessions,
                            messages=args.messages,
                            overhead_turns=args.overhead_turns,
                            redis_url=args.redis_url,
                            llm=llm,
                        )
                    )
    return {
        "bench": "dispatch",
        "sessions": args.sessions,
        "messages_per_session": args.messages,
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "runs": runs,
    }


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--messages", type=int, default=2)
    parser.add_argument("--overhead-turns", type=int, default=50)
    parser.add_argument(
        "--agents", nargs="+", default=["instant", "real"], choices=["instant", "real"]
    )
    parser.add_argument("--processes", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--embeddings", nargs="+", default=["off", "on"], choices=["off", "on"])
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = _parse(sys.argv[1:])
    if arguments.worker:
        asyncio.run(run_worker(json.loads(arguments.worker)))
    else:
        print(json.dumps(asyncio.run(main(arguments)), indent=2))
