"""The Slack benchmark runs and prints its figures."""

from __future__ import annotations

from tests.bench_helpers import run_bench


def test_the_slack_bench_prints_its_figures() -> None:
    figures = run_bench("slack_bench.py", "--threads", "3", "--llm-delay", "0.05")
    assert figures["deliveries"] == 6
    for name in ("http_ack_ms", "event_to_placeholder_ms"):
        assert 0 < figures[name]["p50"] <= figures[name]["p95"] <= figures[name]["max"]
