"""The exceptions Dexter raises. Callers catch these, never a library's own."""

from __future__ import annotations


class DexterError(Exception):
    """Base of every error Dexter raises on purpose."""


class InvalidInputError(DexterError, ValueError):
    """Input was refused before anything changed (empty query, bad session id, ...)."""


class StoreUnavailableError(DexterError):
    """The session store's backend could not be reached or answered with an error."""


class LLMUnavailableError(DexterError):
    """No LLM is configured, or it kept failing after the retries."""


class TurnTimeoutError(DexterError):
    """A turn ran past its wall-clock limit."""
