"""Fixtures for the context engine's tests."""

from __future__ import annotations

import pytest

from dexter_core.context.embeddings import Embedder, get_embedder
from dexter_core.settings import Settings


@pytest.fixture
def recency_settings() -> Settings:
    """Embeddings off: selection by recency, no model loaded."""
    return Settings(dexter_use_embeddings=False)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real all-MiniLM-L6-v2, loaded once for the whole test run."""
    loaded = get_embedder(Settings(dexter_use_embeddings=True))
    assert loaded is not None, "the bundled all-MiniLM-L6-v2 model should load"
    return loaded
