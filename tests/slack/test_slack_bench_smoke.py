"""The Slack benchmark runs and prints its figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "slack_bench.py"


def test_the_slack_bench_prints_its_figures() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--threads", "3", "--llm-delay", "0.05"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["deliveries"] == 6
    for name in ("http_ack_ms", "event_to_placeholder_ms"):
        assert 0 < figures[name]["p50"] <= figures[name]["p95"] <= figures[name]["max"]
