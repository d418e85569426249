"""The agent overhead benchmark runs and prints its figures."""

from __future__ import annotations

from tests.bench_helpers import run_bench


def test_the_agent_bench_prints_its_figures() -> None:
    figures = run_bench("agent_overhead_bench.py", "--turns", "3", "--warmup", "1")
    assert figures["turns"] == 3
    for name in ("overhead_ms", "total_ms", "inside_llm_ms", "inside_tools_ms"):
        assert 0 <= figures[name]["p50"] <= figures[name]["p95"], name
    assert figures["total_ms"]["p50"] >= figures["overhead_ms"]["p50"]
    assert figures["inside_tools_ms"]["p50"] > 0
