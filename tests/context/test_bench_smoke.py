"""The context benchmarks still run and print their figures (tiny sizes, in-process)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from dexter_core.context.embeddings import Embedder

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    # Dataclasses look their module up in sys.modules while the class is built.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _run_main(module: ModuleType, argv: list[str], monkeypatch, capsys) -> dict:
    monkeypatch.setattr(sys, "argv", [module.__file__, *argv])
    module.main()
    return json.loads(capsys.readouterr().out)


def test_the_evaluation_set_is_what_its_generator_writes() -> None:
    generator = _load("context_quality_data")
    stored = json.loads(generator.OUTPUT.read_text(encoding="utf-8"))
    assert stored == generator.build()
    conversations = stored["conversations"]
    assert len(conversations) >= 20
    assert all(len(c["turns"]) >= 40 for c in conversations)
    for conversation in conversations:
        for probe in conversation["probes"]:
            assert probe["relevant"], probe
            assert all(0 <= i < probe["position"] for i in probe["relevant"])
    kinds = {p["kind"] for c in conversations for p in c["probes"]}
    assert kinds == {"recall", "compare", "followup", "who"}


@pytest.mark.slow
def test_context_bench_prints_latencies(embedder: Embedder, monkeypatch, capsys) -> None:
    figures = _run_main(
        _load("context_bench"), ["--sizes", "5", "20", "--iterations", "3"], monkeypatch, capsys
    )
    assert figures["sizes"] == [5, 20]
    for size in ("5", "20"):
        for name in (
            "select_ms",
            "select_without_query_encode_ms",
            "build_context_long_session_ms",
            "add_turn_ms",
        ):
            stats = figures[size][name]
            assert 0 < stats["p50"] <= stats["p95"]


@pytest.mark.slow
def test_context_quality_prints_hit_rates(embedder: Embedder, monkeypatch, capsys) -> None:
    figures = _run_main(_load("context_quality"), ["--conversations", "1"], monkeypatch, capsys)
    assert figures["conversations"] == 1
    assert set(figures["hit_rate"]) == {"recency", "embeddings", "lexical", "combined"}
    for strategy in figures["hit_rate"].values():
        assert 0 <= strategy["@5"]["all"] <= strategy["@10"]["all"] <= 1
    # The whole point: relevant old turns come back that recency alone misses.
    assert (
        figures["hit_rate"]["combined"]["@5"]["all"] > figures["hit_rate"]["recency"]["@5"]["all"]
    )
    assert figures["prompt_tokens"]["build_context_max"] <= figures["prompt_tokens"]["budget"]
