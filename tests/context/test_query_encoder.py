"""Faster query encoders: ONNX Runtime first, then TorchScript, each checked against the model."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from dexter_core.context import onnx_encoder
from dexter_core.context.embeddings import load_minilm
from dexter_core.context.onnx_encoder import default_cache_dir
from dexter_core.context.query_encoder import build_query_encoder, onnx_query_encoder

pytestmark = pytest.mark.slow

PROBES = [
    "and for MSFT?",
    "¿Cuál fue el margen bruto de Apple en 2023?",
    "💰 $NVDA data-center revenue, 10-K vs 10-Q 👀",
    "Summarise Tesla's deliveries by quarter. " * 40,  # past the model's 256 word pieces
]


@pytest.fixture(scope="module")
def minilm() -> Any:
    """The bundled all-MiniLM-L6-v2 as sentence-transformers loads it: the reference."""
    return load_minilm()


def _model_vector(model: Any, text: str) -> np.ndarray:
    return model.encode([text], normalize_embeddings=True, show_progress_bar=False)[0]


def _encoder_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.endswith("query_encoder")]


def test_the_onnx_encoder_gives_the_models_vectors(minilm: Any) -> None:
    encoder = onnx_query_encoder(minilm)
    assert encoder is not None and encoder.kind == "onnx"
    for text in PROBES:
        vector = encoder.encode(text)
        assert vector.dtype == np.float32 and vector.shape == (384,)
        assert float(np.dot(vector, _model_vector(minilm, text))) >= 0.9999


def test_the_export_is_kept_in_the_cache_and_reused(minilm: Any, monkeypatch) -> None:
    assert onnx_query_encoder(minilm) is not None
    assert list(default_cache_dir().glob("query-encoder-*.onnx"))

    def no_export(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cached export must be used")

    monkeypatch.setattr(onnx_encoder, "_export", no_export)
    encoder = onnx_query_encoder(minilm)
    assert encoder is not None and encoder.kind == "onnx"


def test_the_cache_follows_xdg_cache_home(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "dexter"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "dexter"


def _broken_model_dir(tmp_path: Path) -> Path:
    broken = tmp_path / "model"
    broken.mkdir()
    (broken / "config.json").write_text("{not json", encoding="utf-8")
    return broken


def _interrupted_export(model: Any, args: Any, path: str, **options: Any) -> None:
    Path(path).write_bytes(b"\x08\x07partial graph")
    raise RuntimeError("No space left on device")


@pytest.mark.parametrize(
    ("failure", "line"),
    [
        ("onnxruntime-missing", "onnx query encoder not used: onnxruntime is not installed"),
        ("broken-model-dir", "onnx query encoder not used (OSError: "),
        (
            "export-interrupted",
            "onnx query encoder not used (RuntimeError: No space left",
        ),
    ],
    ids=["onnxruntime-missing", "broken-model-dir", "export-interrupted"],
)
def test_an_onnx_encoder_that_cannot_be_built_is_not_used(
    minilm: Any, tmp_path: Path, monkeypatch, caplog, failure: str, line: str
) -> None:
    caplog.set_level(logging.INFO)
    model_dir = None
    if failure == "onnxruntime-missing":
        monkeypatch.setitem(sys.modules, "onnxruntime", None)
    elif failure == "broken-model-dir":
        model_dir = _broken_model_dir(tmp_path)
    else:
        monkeypatch.setattr(torch.onnx, "export", _interrupted_export)
    cache = tmp_path / "cache"
    assert onnx_query_encoder(minilm, model_dir=model_dir, cache_dir=cache) is None
    [logged] = _encoder_lines(caplog)
    assert logged.startswith(line)
    # Nothing half-written is left for the next start to load.
    assert list(cache.glob("*")) == []


class _DisagreeingModel:
    """The real model's parts, but an `encode` that answers other vectors."""

    def __init__(self, model: Any) -> None:
        self._model = model

    def __getitem__(self, index: int) -> Any:
        return self._model[index]

    def encode(self, texts: list[str], **options: Any) -> np.ndarray:
        return np.roll(self._model.encode(texts, **options), 1, axis=1)


def test_an_onnx_encoder_that_disagrees_with_the_model_is_not_used(minilm: Any, caplog) -> None:
    caplog.set_level(logging.INFO)
    assert onnx_query_encoder(_DisagreeingModel(minilm)) is None
    assert _encoder_lines(caplog) == ["onnx query encoder disagrees with the model; not used"]


def test_without_onnx_the_torchscript_encoder_is_used(minilm: Any, tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.INFO)
    encoder = build_query_encoder(
        minilm, model_dir=_broken_model_dir(tmp_path), cache_dir=tmp_path / "cache"
    )
    assert encoder is not None and encoder.kind == "torchscript"
    # One line for the ONNX path that could not be used, none for the one that is.
    assert len(_encoder_lines(caplog)) == 1
    text = PROBES[0]
    assert float(np.dot(encoder.encode(text), _model_vector(minilm, text))) >= 0.9999
