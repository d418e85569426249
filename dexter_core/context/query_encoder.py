"""Faster encoders for single short texts, checked against the model before use.

`SentenceTransformer.encode` spends much of a one-query call in Python around the matrix
products. Two faster paths give the same vectors:

- **onnx**: the model exported to ONNX and run by ONNX Runtime (see
  `dexter_core.context.onnx_encoder`), the faster of the two;
- **torchscript**: a frozen TorchScript trace of the model's transformer.

`build_query_encoder` takes the first that loads and reproduces `encode`'s vectors on
texts of different lengths and scripts; each one that cannot is named in one log line.
When neither can (another architecture, another library version), there is none and
`encode` is used as usual.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dexter_core.context.onnx_encoder import default_cache_dir, onnx_encode
from dexter_core.context.pooling import mean_pool_normalised

logger = logging.getLogger(__name__)

_CHECK_TEXTS = (
    "AAPL",
    "What was Apple's gross margin in fiscal 2023, and how does it compare with Microsoft's "
    "over the same period? Please include the operating margin and the sources.",
    "トヨタの2024年度の営業利益は? 📈 and in USD",
    # Longer than the model's 256 word pieces: the cut must be the same too.
    "revenue grew " * 120,
)
_MIN_AGREEMENT = 0.9999


@dataclass(frozen=True)
class QueryEncoder:
    """`encode(text)` gives the unit float32 vector `SentenceTransformer.encode` would.

    `kind` says which path it is: "onnx" or "torchscript".
    """

    kind: str
    encode: Callable[[str], np.ndarray]


def build_query_encoder(
    model: Any, *, model_dir: Path | None = None, cache_dir: Path | None = None
) -> QueryEncoder | None:
    """The fastest query encoder that agrees with `model`, or None.

    `model` is a sentence-transformers model of a BERT-style transformer with mean
    pooling and normalisation, like all-MiniLM-L6-v2. `model_dir` (default: the directory
    it was loaded from) is what the ONNX export reads; `cache_dir` (default
    `default_cache_dir()`) is where the export is kept.
    """
    return onnx_query_encoder(model, model_dir=model_dir, cache_dir=cache_dir) or (
        trace_query_encoder(model)
    )


def onnx_query_encoder(
    model: Any, *, model_dir: Path | None = None, cache_dir: Path | None = None
) -> QueryEncoder | None:
    """The ONNX Runtime encoder for `model` (see `build_query_encoder`), or None."""

    def make() -> Callable[[str], np.ndarray]:
        transformer = model[0]
        return onnx_encode(
            transformer.tokenizer,
            max_length=int(transformer.max_seq_length),
            model_dir=model_dir or Path(transformer.auto_model.name_or_path),
            cache_dir=cache_dir or default_cache_dir(),
        )

    return _checked(model, "onnx", make)


def trace_query_encoder(model: Any) -> QueryEncoder | None:
    """The TorchScript encoder for `model` (see `build_query_encoder`), or None."""
    return _checked(model, "torchscript", lambda: _trace(model))


def _checked(
    model: Any, kind: str, make: Callable[[], Callable[[str], np.ndarray]]
) -> QueryEncoder | None:
    """`make()`'s encoder when it reproduces `model.encode`; else None and one log line."""
    try:
        encode = make()
        for text in _CHECK_TEXTS:
            expected = model.encode([text], normalize_embeddings=True, show_progress_bar=False)
            if float(np.dot(encode(text), expected[0])) < _MIN_AGREEMENT:
                logger.info("%s query encoder disagrees with the model; not used", kind)
                return None
    except ImportError as exc:
        logger.info("%s query encoder not used: %s is not installed", kind, exc.name or exc)
        return None
    except Exception as exc:  # a faster path is an optimisation: any failure means "not used"
        logger.info("%s query encoder not used (%s: %s)", kind, type(exc).__name__, exc)
        return None
    return QueryEncoder(kind=kind, encode=encode)


def _trace(model: Any) -> Callable[[str], np.ndarray]:
    import torch

    transformer = model[0]
    tokenizer = transformer.tokenizer
    max_length = int(transformer.max_seq_length)
    sample = tokenizer(["warm up"], return_tensors="pt")
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TracerWarnings about shape-dependent branches
        traced = torch.jit.trace(
            transformer.auto_model,
            (sample["input_ids"], sample["attention_mask"]),
            strict=False,
        )
        frozen = torch.jit.freeze(traced.eval())

    def encode(text: str) -> np.ndarray:
        with torch.inference_mode():
            features = tokenizer(
                [text], return_tensors="pt", truncation=True, max_length=max_length
            )
            hidden = frozen(features["input_ids"], features["attention_mask"])
            hidden = hidden["last_hidden_state"] if isinstance(hidden, dict) else hidden[0]
            vector = mean_pool_normalised(hidden, features["attention_mask"])[0]
        return vector.numpy().astype(np.float32, copy=False)

    return encode
