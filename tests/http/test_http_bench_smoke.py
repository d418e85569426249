"""The HTTP streaming benchmark runs and prints its figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "http_stream_bench.py"


@pytest.mark.slow
def test_the_http_bench_prints_its_figures() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--sessions", "2", "--questions", "2"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["concurrent"]["turns"] == figures["concurrent"]["answered"] == 4
    latency = figures["latency"]
    for name in ("first_event_ms", "turn_over_http_ms", "turn_in_process_ms"):
        assert 0 < latency[name]["p50"] <= latency[name]["p95"] <= latency[name]["max"], name
    assert latency["first_event_ms"]["p50"] <= latency["turn_over_http_ms"]["p50"]
