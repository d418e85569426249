"""A faster encoder for single short texts: the model's transformer traced with TorchScript.

`SentenceTransformer.encode` spends about a third of a one-query call in Python around
the matrix products; a frozen TorchScript trace of the same weights skips most of that.
The traced path is only used after it has reproduced `encode`'s vectors on texts of
different lengths; otherwise (another architecture, another library version) there is
none and `encode` is used as usual.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

QueryEncoder = Callable[[str], np.ndarray]

_CHECK_TEXTS = (
    "AAPL",
    "What was Apple's gross margin in fiscal 2023, and how does it compare with Microsoft's "
    "over the same period? Please include the operating margin and the sources.",
)
_MIN_AGREEMENT = 0.9999


def trace_query_encoder(model: Any) -> QueryEncoder | None:
    """A function text -> unit float32 vector equal to `model.encode`'s, or None.

    `model` is a sentence-transformers model of a BERT-style transformer with mean
    pooling and normalisation, like all-MiniLM-L6-v2.
    """
    try:
        encoder = _trace(model)
        for text in _CHECK_TEXTS:
            expected = model.encode([text], normalize_embeddings=True, show_progress_bar=False)
            if float(np.dot(encoder(text), expected[0])) < _MIN_AGREEMENT:
                logger.info("Traced query encoder disagrees with the model; not used")
                return None
    except Exception as exc:  # tracing is an optimisation: any failure means "not used"
        logger.info("Traced query encoder unavailable (%s: %s)", type(exc).__name__, exc)
        return None
    return encoder


def _trace(model: Any) -> QueryEncoder:
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
            mask = features["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            vector = torch.nn.functional.normalize(pooled, dim=-1)[0]
        return vector.numpy().astype(np.float32, copy=False)

    return encode
