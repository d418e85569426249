"""Context engine latency with embeddings on (all-MiniLM-L6-v2, CPU).

For histories of `--sizes` turns (realistic turns from bench/data/context_quality.json,
each already embedded, as a store would hold them):

- `select_ms`: `select_relevant_messages(query)` with a query never seen before, so its
  embedding is computed inside the call (what a new message costs);
- `select_without_query_encode_ms`: the same call again with the query's vector cached,
  i.e. the selection itself (BM25, similarity, fusion);
- `load_and_first_select_ms`: building a `MessageHistory` from the stored turns plus the
  first selection (the per-turn cost when the history is reloaded for every message);
- `build_context_ms`: the prompt messages, selection included;
- `build_context_long_session_ms`: the same for a session that has been folded (a rolling
  summary of 1,500 characters, as folding writes it) whose answers are long reports of
  about 3,000 characters, so the newest turns are cut to fit the budget;
- `add_turn_ms`: `add_agent_message`, which embeds the new turn.

Prints one JSON object (milliseconds, p50 and p95).

    python bench/context_bench.py [--sizes 100 1000] [--iterations 100]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

# Shared figures live beside this file; run from anywhere.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import percentiles
from dexter_core.context.embeddings import Embedder, get_embedder
from dexter_core.context.history import MessageHistory
from dexter_core.context.summaries import ROLLING_SUMMARY_CHARS
from dexter_core.context.summary_logic import fallback_summary, merge_rolling_summary
from dexter_core.context.turn_texts import embedding_text
from dexter_core.context.vectors import vector_to_bytes
from dexter_core.sessions.models import Turn
from dexter_core.settings import Settings

DATA = Path(__file__).parent / "data" / "context_quality.json"


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _stored_turns(data: dict[str, Any], count: int, embedder: Embedder) -> list[Turn]:
    """`count` turns from the evaluation set (cycled), embedded as enrichment would."""
    source = [turn for conversation in data["conversations"] for turn in conversation["turns"]]
    turns = []
    for i in range(count):
        raw = source[i % len(source)]
        turns.append(
            Turn(
                query=raw["query"],
                answer=raw["answer"],
                user_id=raw["user_id"],
                user_name=raw["user_name"],
                created_at=1_735_700_000.0 + i * 300,
            )
        )
    vectors = embedder.embed_documents([embedding_text(turn) for turn in turns])
    for turn, vector in zip(turns, vectors, strict=True):
        turn.embedding = vector_to_bytes(vector)
    return turns


# Answers in the evaluation set are a few sentences; long agent reports are several of them.
_REPORT_PARTS = 8


def _long_session(stored: list[Turn], settings: Settings, embedder: Embedder) -> MessageHistory:
    """`stored` after folding, each answer a report made of the next few turns' answers."""
    parts = range(_REPORT_PARTS)
    reports = [
        replace(turn, answer="\n\n".join(stored[(i + k) % len(stored)].answer for k in parts))
        for i, turn in enumerate(stored)
    ]
    summary = merge_rolling_summary(
        "",
        [fallback_summary(turn.query, turn.answer) for turn in reports],
        limit=ROLLING_SUMMARY_CHARS,
    )
    return MessageHistory(reports, summary=summary, settings=settings, embedder=embedder)


def run(*, sizes: list[int], iterations: int, data_path: Path = DATA) -> dict[str, Any]:
    settings = Settings(dexter_use_embeddings=True)
    embedder = get_embedder(settings)
    if embedder is None:
        raise SystemExit("the embedding model did not load: see the log line above")
    data = json.loads(data_path.read_text(encoding="utf-8"))
    queries = [p["query"] for c in data["conversations"] for p in c["probes"]]
    # Every timed selection gets a query not seen before: no cached query vectors.
    fresh = (f"{query} (#{n})" for n in range(10**9) for query in queries)
    results: dict[str, Any] = {"iterations": iterations, "sizes": sizes}
    # Figures on a shared machine mean little without how busy it was.
    load_before = os.getloadavg()[0]
    for size in sizes:
        stored = _stored_turns(data, size, embedder)
        history = MessageHistory(stored, settings=settings, embedder=embedder)
        long_session = _long_session(stored, settings, embedder)
        select, select_warm, cold, build, build_long, adds = [], [], [], [], [], []
        for _ in range(iterations):
            query = next(fresh)
            started = time.perf_counter()
            history.select_relevant_messages(query)
            select.append(_elapsed_ms(started))
            started = time.perf_counter()
            history.select_relevant_messages(query)
            select_warm.append(_elapsed_ms(started))

            query = next(fresh)
            embedder.embed_query(query)  # time the reload, not this query's encode
            started = time.perf_counter()
            MessageHistory(stored, settings=settings, embedder=embedder).select_relevant_messages(
                query
            )
            cold.append(_elapsed_ms(started))

            query = next(fresh)
            started = time.perf_counter()
            history.build_context(query)
            build.append(_elapsed_ms(started))

            query = next(fresh)
            embedder.embed_query(query)  # time the prompt building, not this query's encode
            started = time.perf_counter()
            long_session.build_context(query)
            build_long.append(_elapsed_ms(started))

        growing = MessageHistory(stored, settings=settings, embedder=embedder)
        for i in range(iterations):
            turn = stored[i % len(stored)]
            started = time.perf_counter()
            growing.add_agent_message(
                turn.query, turn.answer, user_id=turn.user_id, user_name=turn.user_name
            )
            adds.append(_elapsed_ms(started))
        results[str(size)] = {
            "select_ms": percentiles(select, digits=3),
            "select_without_query_encode_ms": percentiles(select_warm, digits=3),
            "load_and_first_select_ms": percentiles(cold, digits=3),
            "build_context_ms": percentiles(build, digits=3),
            "build_context_long_session_ms": percentiles(build_long, digits=3),
            "add_turn_ms": percentiles(adds, digits=3),
        }
    results["load_average_1m"] = {"before": load_before, "after": os.getloadavg()[0]}
    results["torch_threads"] = _torch_threads()
    return results


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    print(
        json.dumps(run(sizes=args.sizes, iterations=args.iterations, data_path=args.data), indent=1)
    )


if __name__ == "__main__":
    main()
