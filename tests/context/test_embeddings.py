"""Embeddings: the off switches, load failures, the stored form, and the real model."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from dexter_core.context import embeddings
from dexter_core.context.embeddings import Embedder, EmbedderLoader
from dexter_core.context.history import MessageHistory
from dexter_core.context.query_encoder import trace_query_encoder
from dexter_core.context.vectors import stack_vectors, vector_to_bytes
from dexter_core.sessions.models import Turn
from dexter_core.settings import Settings

ON = Settings(dexter_use_embeddings=True, dexter_recent_turns=3, dexter_max_context_messages=4)


def _never_called() -> object:
    raise AssertionError("the model must not be loaded")


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.endswith("embeddings")]


def test_setting_off_means_no_model_and_one_log_line(caplog) -> None:
    caplog.set_level(logging.INFO)
    loader = EmbedderLoader(load_model=_never_called)
    off = Settings(dexter_use_embeddings=False)
    assert loader.get(off) is None
    assert loader.get(off) is None
    assert _warnings(caplog) == [
        "Embeddings off (DEXTER_USE_EMBEDDINGS=false): context is selected by recency"
    ]


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            ImportError("No module named 'sentence_transformers'", name="sentence_transformers"),
            "sentence_transformers is not installed",
        ),
        (OSError("model.safetensors is truncated"), "failed to load (OSError: model.safetensors"),
    ],
    ids=["not-installed", "broken-model"],
)
def test_a_model_that_cannot_load_turns_embeddings_off_once(
    caplog, monkeypatch, error, reason
) -> None:
    calls = []

    def failing_load() -> object:
        calls.append(1)
        raise error

    # The process-wide loader is the one whose model fails, as in a broken install.
    monkeypatch.setattr(embeddings, "_default_loader", EmbedderLoader(load_model=failing_load))
    assert embeddings.get_embedder(ON) is None
    history = MessageHistory(settings=ON)
    assert history.embedder is None
    assert len(calls) == 1
    [line] = _warnings(caplog)
    assert reason in line and "selected by recency" in line
    for i in range(6):
        history.add_agent_message(f"q{i}", f"a{i}")
    assert [t.query for t in history.select_relevant_messages("q0")] == ["q2", "q3", "q4", "q5"]


def test_vectors_round_trip_and_bad_blobs_are_masked() -> None:
    vector = np.array([0.6, 0.8, 0.0], dtype=np.float32)
    blob = vector_to_bytes(vector)
    assert len(blob) == 12
    matrix, valid = stack_vectors([blob, None, b"\x00" * 8, blob], 3)
    assert valid.tolist() == [True, False, False, True]
    assert matrix[0].tolist() == pytest.approx([0.6, 0.8, 0.0])
    assert matrix[1].tolist() == [0.0, 0.0, 0.0]


CONVERSATION = [
    ("What was Apple's gross margin in fiscal 2023?", "Apple's gross margin was 44.1%."),
    ("How many vehicles did Tesla deliver in Q3 2023?", "Tesla delivered 435,059 vehicles."),
    ("What did JPMorgan earn in net interest income last year?", "NII was $89.3B in 2023."),
    ("Show me Nvidia's data center revenue for Q2 FY2024.", "Data center revenue was $10.3B."),
    ("Any insider selling at Microsoft recently?", "Two directors sold shares in May."),
    ("What is Coca-Cola's dividend yield?", "About 3.1% at the current price."),
    ("How much debt does Boeing carry?", "Total debt was about $52B."),
    ("What's Amazon's AWS operating income?", "AWS earned $7.2B in Q4 2023."),
]


@pytest.mark.slow
def test_real_model_vectors_are_unit_float32(embedder: Embedder) -> None:
    vectors = embedder.embed_documents(["Apple revenue", "Tesla deliveries"])
    assert vectors.dtype == np.float32 and vectors.shape == (2, 384)
    assert np.linalg.norm(vectors, axis=1) == pytest.approx([1.0, 1.0], abs=1e-5)
    # Queries go through the ONNX encoder, which must agree with the model's encode.
    assert embedder.has_fast_queries
    assert embedder.query_encoder_kind == "onnx"
    assert embedder.embed_query("Apple revenue") == pytest.approx(vectors[0], abs=1e-5)


def test_a_model_that_cannot_be_traced_has_no_fast_query_path() -> None:
    assert trace_query_encoder(object()) is None


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Remind me how profitable the iPhone maker's products were, margin-wise", 0),
        ("How many cars did the EV company hand over to customers that quarter?", 1),
        ("What did the big bank make from lending spreads?", 2),
    ],
)
def test_real_model_picks_the_paraphrased_old_turn(
    embedder: Embedder, question: str, expected: int
) -> None:
    history = MessageHistory(settings=ON, embedder=embedder)
    for query, answer in CONVERSATION:
        turn = history.add_agent_message(query, answer, user_name="Ada")
        assert turn.embedding is not None and len(turn.embedding) == 384 * 4
    selected = history.select_relevant_messages(question)
    # Three recent turns plus exactly one older one: the turn the question paraphrases.
    assert [t.query for t in selected] == [CONVERSATION[expected][0]] + [
        query for query, _ in CONVERSATION[-3:]
    ]


class _ModelFailingAfterWarmUp:
    """A sentence-transformers stand-in whose encode breaks after loading (e.g. out of memory)."""

    def encode(self, texts: list[str], **options: object) -> np.ndarray:
        if texts == ["warm-up"]:
            return np.full((1, 4), 0.5, dtype=np.float32)
        raise RuntimeError("out of memory")


def test_a_failing_query_encode_falls_back_to_recency(caplog) -> None:
    embedder = Embedder(_ModelFailingAfterWarmUp())
    history = MessageHistory(
        [Turn(query=f"q{i}", answer=f"a{i}") for i in range(6)], settings=ON, embedder=embedder
    )
    assert [t.query for t in history.select_relevant_messages("q0")] == ["q2", "q3", "q4", "q5"]
    assert "Query embedding failed (out of memory); selecting by recency" in caplog.text
