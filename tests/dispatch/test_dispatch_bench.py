"""The dispatch benchmark still runs, with tiny sizes, and finds nothing lost."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

_BENCH = Path(__file__).resolve().parents[2] / "bench" / "dispatch_bench.py"


async def test_dispatch_bench_smoke(redis_url: str) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(_BENCH),
        "--sessions",
        "4",
        "--messages",
        "2",
        "--overhead-turns",
        "2",
        "--agents",
        "instant",
        "real",
        "--processes",
        "1",
        "--embeddings",
        "off",
        "--redis-url",
        redis_url,
        stdout=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(120):
        stdout, _ = await process.communicate()
    assert process.returncode == 0
    report = json.loads(stdout)
    assert [(r["agent"], r["processes"]) for r in report["runs"]] == [("instant", 1), ("real", 1)]
    for run in report["runs"]:
        assert run["turns"] == 8
        assert (run["lost"], run["duplicated"], run["failed"]) == (0, 0, 0)
        assert run["sessions_out_of_order"] == 0
        assert run["turns_per_s"] > 0 and run["overhead_ms"]["p95"] > 0
