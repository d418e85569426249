"""Redis session store latency: `append_turn` and `get_turns(limit=10)` beside a raw RPUSH.

Measures both calls in a session holding a small and a large number of turns (10 and
1,000 by default) and the floor: a plain redis-py RPUSH of the same record over the same
connection pool. All measurements are interleaved, so all see the same machine load.
Prints one JSON object. Keys it creates are under a fresh prefix and deleted at the end.

    python bench/store_bench.py [--iterations 1000] [--small 10] [--large 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

# `bench.figures` is imported from the repository root; run from anywhere.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import percentiles
from dexter_core.redaction import redact
from dexter_core.sessions.models import Turn
from dexter_core.sessions.records import encode_record
from dexter_core.sessions.redis_store import RedisSessionStore

EMBEDDING = bytes(range(256)) * 6  # 384 float32 values, as all-MiniLM-L6-v2 gives
ANSWER = (
    "Apple's fiscal 2023 revenue was $383.3B, down 2.8% from $394.3B in 2022; services grew "
    "to $85.2B while iPhone revenue was $200.6B. Gross margin widened to 44.1%. "
) * 8


def make_turn(n: int) -> Turn:
    return Turn(
        query=f"How did AAPL revenue change in fiscal 2023 versus 2022? ({n})",
        answer=ANSWER,
        summary="AAPL FY23 revenue $383.3B, -2.8% y/y; services $85.2B",
        user_id="U024BE7LH",
        user_name="Ada",
        platform="slack",
        embedding=EMBEDDING,
    )


async def measure(
    store: RedisSessionStore,
    client: aioredis.Redis,
    *,
    prefix: str,
    sizes: tuple[int, ...],
    iterations: int,
) -> dict[int, dict[str, list[int]]]:
    """Time appends, raw RPUSHes and reads in one session per size, round-robin.

    Every iteration visits each size in turn, so all of them see the same machine load.
    After each timed append the oldest turn is folded away, untimed, so a session stays
    at its size throughout.
    """
    record = encode_record(make_turn(0))
    for size in sizes:
        for n in range(size):
            await store.append_turn(session_of(size), make_turn(n))
    samples = {size: {"append": [], "floor": [], "get": []} for size in sizes}
    warmup = max(3, iterations // 20)
    for i in range(warmup + iterations):
        for size in sizes:
            session_id, floor_key = session_of(size), f"{prefix}:floor:{size}"
            turn = make_turn(size + i)
            started = time.perf_counter_ns()
            await client.rpush(floor_key, record)
            floor_ns = time.perf_counter_ns() - started
            started = time.perf_counter_ns()
            await store.append_turn(session_id, turn)
            append_ns = time.perf_counter_ns() - started
            started = time.perf_counter_ns()
            await store.get_turns(session_id, limit=10)
            get_ns = time.perf_counter_ns() - started
            await store.fold_turns(session_id, count=1, summary="", expected_folded=i)
            await client.ltrim(floor_key, -size, -1)
            if i >= warmup:
                samples[size]["floor"].append(floor_ns)
                samples[size]["append"].append(append_ns)
                samples[size]["get"].append(get_ns)
    return samples


def session_of(size: int) -> str:
    return f"slack:T1:C1:{size}.bench"


async def run(*, redis_url: str, iterations: int, small: int, large: int) -> dict[str, Any]:
    prefix = f"dexter-bench-{uuid.uuid4().hex[:12]}"
    client = aioredis.from_url(redis_url)
    store = RedisSessionStore(client, prefix=prefix, ttl=3600)
    try:
        results = await measure(
            store, client, prefix=prefix, sizes=(small, large), iterations=iterations
        )
    finally:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*", count=1000)]
        if keys:
            await client.delete(*keys)
        await client.aclose()

    ms = functools.partial(percentiles, scale=1e-6, digits=4)  # from nanoseconds
    floor = ms(results[small]["floor"] + results[large]["floor"])
    append = {str(size): ms(results[size]["append"]) for size in (small, large)}
    get = {str(size): ms(results[size]["get"]) for size in (small, large)}
    return {
        "redis": redact(redis_url),
        "iterations": iterations,
        "sizes": {"small": small, "large": large},
        "floor_rpush_ms": floor,
        "append_turn_ms": append,
        "get_turns_limit_10_ms": get,
        "append_p50_over_floor_p50": {
            size: round(stats["p50"] / floor["p50"], 2) for size, stats in append.items()
        },
        "large_over_small_p50": {
            "append_turn": round(append[str(large)]["p50"] / append[str(small)]["p50"], 2),
            "get_turns": round(get[str(large)]["p50"] / get[str(small)]["p50"], 2),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--small", type=int, default=10, help="turns in the small session")
    parser.add_argument("--large", type=int, default=1000, help="turns in the large session")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
    )
    args = parser.parse_args()
    figures = asyncio.run(
        run(
            redis_url=args.redis_url, iterations=args.iterations, small=args.small, large=args.large
        )
    )
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
