"""Slack responsiveness: how fast Events API deliveries are acknowledged while Dexter is
busy answering, and how soon the placeholder appears in the thread.

Runs the real slack-bolt app in HTTP mode (signed requests, Bolt's checks), the real core
(embedded dispatcher, in-memory store) and the agent against the fake Slack and the fake
OpenAI-compatible server on loopback (tests/fakes), which run with the sender in a second
process, as Slack and the LLM run elsewhere in production. `--threads` mentions arrive `--gap`
seconds apart, each starting its own thread, then one follow-up per thread while the first
answers are still being written (the fake LLM takes `--llm-delay` seconds per answer).
After one warm-up turn, measured from the moment each request is sent:

- HTTP ack: until Slack would get its 200 (goal: p95 under 100 ms, far inside Slack's 3 s);
- placeholder: until `chat.postMessage` of the placeholder reaches Slack (goal: p95 under
  500 ms).

Prints one JSON object.

    python bench/slack_bench.py [--threads 50] [--gap 0.01] [--llm-delay 1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp

# The fake servers live with the tests; run from anywhere.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import percentiles
from bots.http import create_app
from bots.slack.adapter import SlackAdapter
from bots.slack.progress_logic import THINKING_TEXT
from dexter_core.bootstrap import build_core, close_core
from dexter_core.settings import Settings
from tests.fakes.fake_llm import FakeLLM, TextReply
from tests.fakes.fake_slack import (
    BOT_TOKEN,
    SIGNING_SECRET,
    FakeSlack,
    deliver,
    event_payload,
    mention_payload,
)
from tests.fakes.loopback import serve_on_loopback

ACK_GOAL_MS = 100.0
PLACEHOLDER_GOAL_MS = 500.0


def bench(*, threads: int, gap: float, llm_delay: float) -> dict[str, Any]:
    """Run Slack's side (fake Slack, fake LLM, the sender) in a child process and Dexter
    in this one, as in production, so the fakes' work does not hold Dexter's event loop."""
    here, there = multiprocessing.get_context("fork").Pipe()
    slack_side = multiprocessing.get_context("fork").Process(
        target=_slack_side, args=(there, threads, gap, llm_delay), daemon=True
    )
    slack_side.start()
    there.close()  # so this side sees the end of the pipe if the child dies
    try:
        urls = here.recv()
        figures = asyncio.run(_dexter_side(here, urls))
    finally:
        slack_side.join(timeout=30)
    acks, placeholders = figures
    ack_ms = percentiles(acks, scale=1000, digits=1)
    placeholder_ms = percentiles(placeholders, scale=1000, digits=1)
    return {
        "threads": threads,
        "deliveries": len(acks),
        "gap_s": gap,
        "llm_delay_s": llm_delay,
        "http_ack_ms": ack_ms,
        "event_to_placeholder_ms": placeholder_ms,
        "goals_ms": {"http_ack_p95": ACK_GOAL_MS, "placeholder_p95": PLACEHOLDER_GOAL_MS},
        "meets_goals": ack_ms["p95"] < ACK_GOAL_MS and placeholder_ms["p95"] < PLACEHOLDER_GOAL_MS,
    }


async def _dexter_side(pipe: Connection, urls: dict[str, str]) -> tuple[list[float], list[float]]:
    """Dexter: the Slack adapter in HTTP mode on the real core, until Slack's side is done."""
    settings = Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=urls["slack_api"],
        openai_base_url=urls["llm"],
        openai_api_key="sk-fake-test-key",
        dexter_use_embeddings=False,
        dexter_user_rate_limit=0,
        dexter_max_concurrency=64,
        financial_datasets_api_url="http://127.0.0.1:9/unused",
    )
    core = await build_core(settings, start=False)
    web_app = create_app(core, with_agent_api=False)  # the shared server, as `dexter run`
    adapter = SlackAdapter(core, web_app)
    await core.dispatcher.start()
    runner, port = await serve_on_loopback(web_app, access_log=None)
    await adapter.start()
    try:
        pipe.send(f"http://127.0.0.1:{port}/slack/events")
        figures = await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
        await core.dispatcher.wait_idle()  # type: ignore[attr-defined]
    finally:
        await adapter.stop()
        await runner.cleanup()
        await close_core(core, grace=5.0)
        pipe.send("stopped")
    return figures


def _slack_side(pipe: Connection, threads: int, gap: float, llm_delay: float) -> None:
    asyncio.run(_slack_side_async(pipe, threads=threads, gap=gap, llm_delay=llm_delay))


async def _slack_side_async(
    pipe: Connection, *, threads: int, gap: float, llm_delay: float
) -> None:
    """Slack and the LLM: serve the fakes, send the deliveries, report what was measured."""
    async with FakeLLM() as llm:
        llm.add_rule(
            lambda body: True,
            lambda body: TextReply("AAPL's gross margin was 46.2% last quarter.", delay=llm_delay),
        )
        fake = FakeSlack()
        await fake.start()
        loop = asyncio.get_running_loop()
        try:
            pipe.send({"slack_api": fake.api_url, "llm": llm.base_url})
            url = await loop.run_in_executor(None, pipe.recv)
            async with aiohttp.ClientSession() as http:
                await _warm_up(fake, http, url)
                pipe.send(await _deliveries(fake, http, url, threads=threads, gap=gap))
            await loop.run_in_executor(None, pipe.recv)  # Dexter has stopped
        finally:
            await fake.close()


async def _warm_up(fake: FakeSlack, http: aiohttp.ClientSession, url: str) -> None:
    """One whole turn first, as a running bot has had: the first turn pays one-off set-up
    costs (clients, connections, lazy imports) that are not what this measures."""
    await deliver(http, url, event=mention_payload("warm-up", ts="1600000000.000001"))
    await fake.wait_for(
        lambda: any(
            m.get("thread_ts") == "1600000000.000001" and not m["text"].startswith(":hourglass")
            for m in fake.bot_messages("C0MARKETS")
        ),
        within=60,
    )
    fake.calls.clear()


async def _deliveries(
    fake: FakeSlack, http: aiohttp.ClientSession, url: str, *, threads: int, gap: float
) -> tuple[list[float], list[float]]:
    """Send a mention per thread, then a follow-up per thread; ack and placeholder times."""
    roots = [f"1700000000.{n:06d}" for n in range(threads)]
    for n, root in enumerate(roots):
        # What Slack holds: the mention roots each thread (seen by conversations.replies).
        fake.add_message("C0MARKETS", ts=root, user=f"U{n:08d}", text=f"<@U0DEXTER> question {n}")
        fake.users[f"U{n:08d}"] = {
            "name": f"analyst{n}",
            "real_name": f"Analyst {n}",
            "display_name": f"analyst{n}",
            "is_admin": False,
            "is_owner": False,
        }
    payloads = [
        mention_payload(f"question {n}: AAPL gross margin?", ts=root, user=f"U{n:08d}")
        for n, root in enumerate(roots)
    ] + [
        event_payload(
            text=f"and MSFT? ({n})", ts=f"1700000100.{n:06d}", thread_ts=root, user=f"U{n:08d}"
        )
        for n, root in enumerate(roots)
    ]
    sent: list[float] = []
    tasks = []
    for payload in payloads:
        sent.append(time.monotonic())
        tasks.append(asyncio.create_task(deliver(http, url, event=payload)))
        await asyncio.sleep(gap)
    deliveries = await asyncio.gather(*tasks)
    assert all(d.status == 200 for d in deliveries), [d.status for d in deliveries]

    def placeholders() -> list[float] | None:
        calls = [
            call for call in fake.calls_to("chat.postMessage") if call.args["text"] == THINKING_TEXT
        ]
        return [call.at for call in calls] if len(calls) == len(payloads) else None

    posted = await fake.wait_for(placeholders, within=120)
    # Placeholders and sends pair up in order per thread; compare each with its own send.
    by_thread: dict[str, list[float]] = {}
    for call in fake.calls_to("chat.postMessage"):
        if call.args["text"] == THINKING_TEXT:
            by_thread.setdefault(str(call.args["thread_ts"]), []).append(call.at)
    placeholder_delays = []
    for index, payload in enumerate(payloads):
        event = payload["event"]
        root = str(event.get("thread_ts") or event["ts"])
        wave = 0 if index < threads else 1
        placeholder_delays.append(sorted(by_thread[root])[wave] - sent[index])
    assert len(posted) == len(placeholder_delays)
    return [d.seconds for d in deliveries], placeholder_delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=50)
    parser.add_argument("--gap", type=float, default=0.01, help="seconds between deliveries")
    parser.add_argument("--llm-delay", type=float, default=1.0, help="seconds per LLM answer")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    figures = bench(threads=args.threads, gap=args.gap, llm_delay=args.llm_delay)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
