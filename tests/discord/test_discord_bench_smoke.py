"""The Discord benchmark runs and prints its figures."""

from __future__ import annotations

from tests.bench_helpers import run_bench


def test_the_discord_bench_prints_its_figures() -> None:
    figures = run_bench(
        "discord_bench.py", "--messages", "3", "--interactions", "2", "--llm-delay", "0.05"
    )
    assert (figures["messages"], figures["interactions"]) == (3, 2)
    for name in ("first_visible_sign_ms", "typing_ms", "interaction_defer_ms"):
        assert 0 < figures[name]["p50"] <= figures[name]["p95"] <= figures[name]["max"], name
    assert figures["first_visible_sign_ms"]["p50"] <= figures["typing_ms"]["p50"]
    assert isinstance(figures["meets_goals"], bool)
