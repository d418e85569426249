"""The store benchmark still runs and prints its figures (tiny sizes)."""

from __future__ import annotations

from tests.bench_helpers import run_bench


def test_the_store_bench_prints_its_figures(redis_url: str):
    figures = run_bench(
        "store_bench.py",
        "--iterations",
        "5",
        "--small",
        "2",
        "--large",
        "6",
        "--redis-url",
        redis_url,
        timeout=60,
    )
    assert figures["sizes"] == {"small": 2, "large": 6}
    for call in ("append_turn_ms", "get_turns_limit_10_ms"):
        assert set(figures[call]) == {"2", "6"}
        assert all(0 < stats["p50"] <= stats["p95"] for stats in figures[call].values())
    assert 0 < figures["floor_rpush_ms"]["p50"] <= figures["floor_rpush_ms"]["p95"]
    assert set(figures["append_p50_over_floor_p50"]) == {"2", "6"}
    assert set(figures["large_over_small_p50"]) == {"append_turn", "get_turns"}
