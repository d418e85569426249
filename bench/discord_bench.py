"""Discord responsiveness: how soon a user sees Dexter react, and how fast commands defer.

Runs the real discord.py client, the real core (embedded dispatcher, in-memory store) and
the agent against the fake Discord and the fake OpenAI-compatible server on loopback
(tests/fakes), with the adapter's production timings. Mentions arrive every `--gap`
seconds in one channel, each opening its own thread, while earlier answers are still
being written (the fake LLM takes `--llm-delay` seconds per answer). Measured from the
moment the gateway frame is sent:

- first visible sign: the earliest of the thread being opened and the typing indicator
  (goal: p95 under 500 ms); typing alone is reported too;
- interaction defer: `/dexter-history` in those threads, to the deferred callback
  (goal: p95 under 300 ms, far inside Discord's 3 s).

Prints one JSON object.

    python bench/discord_bench.py [--messages 50] [--interactions 50] [--gap 0.02]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

# The fake servers live with the tests; run from anywhere.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import percentiles
from bots.discord.adapter import DiscordAdapter
from dexter_core.bootstrap import build_core, close_core
from dexter_core.settings import Settings
from tests.fakes.fake_discord import BOT_ID, FakeDiscord
from tests.fakes.fake_llm import FakeLLM, TextReply

FIRST_SIGN_GOAL_MS = 500.0
DEFER_GOAL_MS = 300.0


async def bench(
    *, messages: int, interactions: int, gap: float, llm_delay: float
) -> dict[str, Any]:
    async with FakeDiscord() as fake, FakeLLM() as llm:
        llm.add_rule(
            lambda body: True,
            lambda body: TextReply("AAPL's gross margin was 46.2% last quarter.", delay=llm_delay),
        )
        settings = Settings(
            discord_token=fake.token,
            discord_api_url=fake.api_url,
            openai_base_url=llm.base_url,
            openai_api_key=llm.api_key,
            dexter_use_embeddings=False,
            dexter_user_rate_limit=0,
            dexter_max_concurrency=64,
            financial_datasets_api_url="http://127.0.0.1:9/unused",
        )
        core = await build_core(settings)
        adapter = DiscordAdapter(core, guild_ready_timeout=0.05)
        await adapter.start()
        try:
            first_sign, typing = await _mentions(fake, count=messages, gap=gap)
            defer = await _interactions(fake, threads=list(first_sign), count=interactions, gap=gap)
            await core.dispatcher.wait_idle()  # type: ignore[attr-defined]
        finally:
            await adapter.stop()
            await close_core(core, grace=5.0)
    first_sign_ms = percentiles(list(first_sign.values()))
    defer_ms = percentiles(defer)
    return {
        "messages": messages,
        "interactions": interactions,
        "gap_s": gap,
        "llm_delay_s": llm_delay,
        "first_visible_sign_ms": first_sign_ms,
        "typing_ms": percentiles(list(typing.values())),
        "interaction_defer_ms": defer_ms,
        "goals_ms": {"first_visible_sign_p95": FIRST_SIGN_GOAL_MS, "defer_p95": DEFER_GOAL_MS},
        "meets_goals": first_sign_ms["p95"] < FIRST_SIGN_GOAL_MS
        and defer_ms["p95"] < DEFER_GOAL_MS,
    }


async def _mentions(
    fake: FakeDiscord, *, count: int, gap: float
) -> tuple[dict[int, float], dict[int, float]]:
    """Send `count` mentions; per thread, ms to the first visible sign and to typing."""
    sent: dict[int, float] = {}
    for i in range(count):
        started = time.monotonic()
        message = await fake.post_user_message(
            f"<@{BOT_ID}> question {i}: AAPL gross margin?", mentions=[BOT_ID]
        )
        sent[int(message["id"])] = started
        await asyncio.sleep(gap)
    await fake.wait_until(
        lambda: all(fake.calls_to("POST", f"/channels/{t}/typing") for t in sent), within=60
    )
    first_sign: dict[int, float] = {}
    typing: dict[int, float] = {}
    for thread_id, started in sent.items():
        opened = fake.calls_to("POST", rf"/channels/\d+/messages/{thread_id}/threads")[0].at
        typed = fake.calls_to("POST", f"/channels/{thread_id}/typing")[0].at
        first_sign[thread_id] = (min(opened, typed) - started) * 1000
        typing[thread_id] = (typed - started) * 1000
    return first_sign, typing


async def _interactions(
    fake: FakeDiscord, *, threads: list[int], count: int, gap: float
) -> list[float]:
    """Run `/dexter-history` `count` times across `threads`; ms to each deferral."""
    sent: dict[str, float] = {}
    for i in range(count):
        started = time.monotonic()
        interaction = await fake.send_interaction(
            "dexter-history", channel_id=threads[i % len(threads)]
        )
        sent[interaction["id"]] = started
        await asyncio.sleep(gap)
    await fake.wait_until(
        lambda: all(fake.calls_to("POST", f"/interactions/{i}/.+/callback") for i in sent),
        within=60,
    )
    return [
        (fake.calls_to("POST", f"/interactions/{i}/.+/callback")[0].at - started) * 1000
        for i, started in sent.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50)
    parser.add_argument("--interactions", type=int, default=50)
    parser.add_argument("--gap", type=float, default=0.02, help="seconds between deliveries")
    parser.add_argument("--llm-delay", type=float, default=0.5, help="seconds per LLM answer")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    figures = asyncio.run(
        bench(
            messages=args.messages,
            interactions=args.interactions,
            gap=args.gap,
            llm_delay=args.llm_delay,
        )
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
