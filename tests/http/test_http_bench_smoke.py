"""The HTTP streaming benchmark runs and prints its figures."""

from __future__ import annotations

import pytest

from tests.bench_helpers import run_bench


@pytest.mark.slow
def test_the_http_bench_prints_its_figures() -> None:
    figures = run_bench("http_stream_bench.py", "--sessions", "2", "--questions", "2")
    assert figures["concurrent"]["turns"] == figures["concurrent"]["answered"] == 4
    latency = figures["latency"]
    for name in ("first_event_ms", "turn_over_http_ms", "turn_in_process_ms"):
        assert 0 < latency[name]["p50"] <= latency[name]["p95"] <= latency[name]["max"], name
    assert latency["first_event_ms"]["p50"] <= latency["turn_over_http_ms"]["p50"]
