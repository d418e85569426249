"""The agent overhead benchmark runs and prints its figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "agent_overhead_bench.py"


def test_the_agent_bench_prints_its_figures() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--turns", "3", "--warmup", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["turns"] == 3
    for name in ("overhead_ms", "total_ms", "inside_llm_ms", "inside_tools_ms"):
        assert 0 <= figures[name]["p50"] <= figures[name]["p95"], name
    assert figures["total_ms"]["p50"] >= figures["overhead_ms"]["p50"]
    assert figures["inside_tools_ms"]["p50"] > 0
