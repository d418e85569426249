"""How embeddings are stored on a `Turn`: little-endian float32 bytes, 4 bytes a dimension."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_DTYPE = np.dtype("<f4")


def vector_to_bytes(vector: np.ndarray) -> bytes:
    """The compact form stored in `Turn.embedding` (1,536 bytes for 384 dimensions)."""
    return np.ascontiguousarray(vector, dtype=_DTYPE).tobytes()


def stack_vectors(blobs: Sequence[bytes | None], dimension: int) -> tuple[np.ndarray, np.ndarray]:
    """A `(len(blobs), dimension)` float32 matrix and a mask of the rows that hold a vector.

    A missing blob, or one of the wrong size (another model's, or corrupt), gives a zero
    row with mask False rather than an error: that turn is simply not ranked by meaning.
    """
    width = dimension * _DTYPE.itemsize
    valid = np.fromiter((blob is not None and len(blob) == width for blob in blobs), bool)
    matrix = np.zeros((len(blobs), dimension), dtype=np.float32)
    if valid.any():
        joined = b"".join(blob for blob, ok in zip(blobs, valid, strict=True) if ok)  # type: ignore[misc]
        matrix[valid] = np.frombuffer(joined, dtype=_DTYPE).reshape(-1, dimension)
    return matrix, valid
