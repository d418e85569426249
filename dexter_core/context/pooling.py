"""Sentence-transformers' mean pooling and normalisation, for encoders built outside it."""

from __future__ import annotations

from typing import Any


def mean_pool_normalised(hidden: Any, attention_mask: Any) -> Any:
    """Unit-length sentence vectors from a transformer's last hidden states.

    `hidden` is a float tensor `(batch, tokens, dimension)`, `attention_mask` an integer
    tensor `(batch, tokens)`. The mean is over the tokens the mask keeps, then each row is
    scaled to norm 1: exactly what all-MiniLM-L6-v2's Pooling and Normalize modules do, so
    the result equals `SentenceTransformer.encode(..., normalize_embeddings=True)`.
    """
    import torch

    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)
