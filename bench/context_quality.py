"""Context selection quality on labelled finance conversations, and the prompt tokens saved.

For every probe of bench/data/context_quality.json (see bench/context_quality_data.py),
the history is the conversation up to the probe. Each strategy picks k turns (k = 5, 10)
and the hit rate is the share of the probe's labelled turns among them (all probes
pooled), overall and per probe kind:

- `recency`: the newest k turns;
- `embeddings`: the k turns most similar to the probe (all-MiniLM-L6-v2 alone);
- `lexical`: the k best BM25 turns alone;
- `combined`: `MessageHistory.select_relevant_messages(probe, limit=k)` as shipped
  (newest DEXTER_RECENT_TURNS always, then embeddings + BM25 + recency fused).

Tokens: `build_context(probe).tokens` with the default settings against the whole
history laid out the same way (every turn in full). Prints one JSON object.

    python bench/context_quality.py [--conversations N] [--data PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dexter_core.context.embeddings import Embedder, get_embedder
from dexter_core.context.formatter import format_context
from dexter_core.context.history import MessageHistory
from dexter_core.context.lexical_logic import bm25_scores, term_column, term_counts, tokenize
from dexter_core.context.summary_logic import fallback_summary
from dexter_core.context.turn_texts import embedding_text, lexical_text
from dexter_core.context.vectors import vector_to_bytes
from dexter_core.sessions.models import Turn
from dexter_core.settings import Settings

DATA = Path(__file__).parent / "data" / "context_quality.json"
KS = (5, 10)

Strategy = Callable[[list[Turn], np.ndarray, str, int], list[int]]


def _turns(conversation: dict[str, Any], embedder: Embedder) -> tuple[list[Turn], np.ndarray]:
    """The conversation's turns, each embedded once as the product does when it stores one."""
    turns = [
        Turn(
            query=t["query"],
            answer=t["answer"],
            summary=fallback_summary(t["query"], t["answer"]),
            user_id=t["user_id"],
            user_name=t["user_name"],
            platform="slack",
            created_at=float(t["created_at"]),
        )
        for t in conversation["turns"]
    ]
    vectors = embedder.embed_documents([embedding_text(turn) for turn in turns])
    for turn, vector in zip(turns, vectors, strict=True):
        turn.embedding = vector_to_bytes(vector)
    return turns, vectors


def _recency(turns: list[Turn], vectors: np.ndarray, query: str, k: int) -> list[int]:
    return list(range(max(0, len(turns) - k), len(turns)))


def _top(scores: np.ndarray, k: int) -> list[int]:
    return [int(i) for i in np.argsort(-scores, kind="stable")[:k]]


def _embeddings_alone(embedder: Embedder) -> Strategy:
    def pick(turns: list[Turn], vectors: np.ndarray, query: str, k: int) -> list[int]:
        return _top(vectors[: len(turns)] @ embedder.embed_query(query), k)

    return pick


def _lexical_alone(turns: list[Turn], vectors: np.ndarray, query: str, k: int) -> list[int]:
    documents = [term_counts(lexical_text(turn)) for turn in turns]
    lengths = np.array([sum(d.values()) for d in documents], dtype=np.float64)
    columns = [term_column(term, documents) for term in dict.fromkeys(tokenize(query))]
    return _top(bm25_scores(columns, lengths), k)


def _combined(embedder: Embedder, settings: Settings) -> Strategy:
    def pick(turns: list[Turn], vectors: np.ndarray, query: str, k: int) -> list[int]:
        history = MessageHistory(turns, settings=settings, embedder=embedder)
        position = {turn.turn_id: i for i, turn in enumerate(turns)}
        return [position[t.turn_id] for t in history.select_relevant_messages(query, limit=k)]

    return pick


def _full_history_tokens(turns: Sequence[Turn]) -> int:
    """The prompt cost of sending every turn in full, formatted as build_context does."""
    unlimited = format_context(turns, recent_count=len(turns), rolling_summary="", budget=10**9)
    return unlimited.tokens


def evaluate(data: dict[str, Any], *, conversations: int | None = None) -> dict[str, Any]:
    """Hit rates per strategy and k, per probe kind, and the token comparison."""
    embedder = get_embedder(Settings(dexter_use_embeddings=True))
    if embedder is None:
        raise SystemExit("the embedding model did not load: see the log line above")
    settings = Settings(dexter_use_embeddings=True)
    strategies: dict[str, Strategy] = {
        "recency": _recency,
        "embeddings": _embeddings_alone(embedder),
        "lexical": _lexical_alone,
        "combined": _combined(embedder, settings),
    }
    hits: dict[tuple[str, int, str], list[int]] = defaultdict(lambda: [0, 0])
    context_tokens: list[int] = []
    full_tokens: list[int] = []
    selected_turns: list[int] = []
    started = time.perf_counter()
    used = data["conversations"][:conversations]
    for conversation in used:
        turns, vectors = _turns(conversation, embedder)
        for probe in conversation["probes"]:
            prefix = turns[: probe["position"]]
            relevant = set(probe["relevant"])
            for name, strategy in strategies.items():
                for k in KS:
                    found = len(relevant & set(strategy(prefix, vectors, probe["query"], k)))
                    for kind in (probe["kind"], "all"):
                        tally = hits[(name, k, kind)]
                        tally[0] += found
                        tally[1] += len(relevant)
            history = MessageHistory(prefix, settings=settings, embedder=embedder)
            context = history.build_context(probe["query"])
            context_tokens.append(context.tokens)
            selected_turns.append(len(context.turns))
            full_tokens.append(_full_history_tokens(prefix))

    kinds = sorted({kind for _, _, kind in hits} - {"all"})
    hit_rate = {
        name: {
            f"@{k}": {
                kind: round(hits[(name, k, kind)][0] / max(1, hits[(name, k, kind)][1]), 3)
                for kind in ("all", *kinds)
            }
            for k in KS
        }
        for name in strategies
    }
    return {
        "conversations": len(used),
        "turns": sum(len(c["turns"]) for c in used),
        "probes": sum(len(c["probes"]) for c in used),
        "probes_by_kind": {
            kind: sum(1 for c in used for p in c["probes"] if p["kind"] == kind) for kind in kinds
        },
        "labelled_turns": hits[("recency", KS[0], "all")][1],
        "hit_rate": hit_rate,
        "prompt_tokens": {
            "build_context_mean": round(statistics.mean(context_tokens), 1),
            "build_context_max": max(context_tokens),
            "full_history_mean": round(statistics.mean(full_tokens), 1),
            "full_history_max": max(full_tokens),
            "saving": round(1 - sum(context_tokens) / sum(full_tokens), 3),
            "turns_in_context_mean": round(statistics.mean(selected_turns), 2),
            "budget": settings.dexter_context_token_budget,
        },
        "settings": {
            "recent_turns": settings.dexter_recent_turns,
            "max_context_messages": settings.dexter_max_context_messages,
        },
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--conversations", type=int, default=None, help="use only the first N")
    args = parser.parse_args()
    data = json.loads(args.data.read_text(encoding="utf-8"))
    print(json.dumps(evaluate(data, conversations=args.conversations), indent=1))


if __name__ == "__main__":
    main()
