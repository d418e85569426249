from __future__ import annotations

import threading
import time

import pytest
import tiktoken

from dexter_core.context import tokens
from dexter_core.context.tokens import count_tokens, estimate_tokens, truncate_to_tokens


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("   \n\t ", 0),
        ("revenue", 2),  # 7 letters: one token per 6
        ("AAPL", 1),
        ("2024", 2),  # digits go by threes
        ("Q3", 2),
        ("$85.8", 4),  # "$", "85", ".", "8"
        ("Hello, world!", 4),
        ("café", 4),  # a word with non-ASCII letters: one token a character
    ],
)
def test_estimate_follows_the_piece_rule(text: str, expected: int) -> None:
    assert estimate_tokens(text) == expected


def test_estimate_is_near_four_characters_a_token_on_prose() -> None:
    prose = (
        "Apple reported quarterly revenue of 85.8 billion dollars, up five percent from a "
        "year earlier, as services revenue reached an all-time high and iPhone sales held up."
    )
    ratio = len(prose) / estimate_tokens(prose)
    assert 3.5 <= ratio <= 5.5


def test_count_tokens_never_fails() -> None:
    assert count_tokens("lone surrogate \ud800 here") > 0
    assert count_tokens("x" * 1_000_000) > 100_000


def test_truncate_fits_and_keeps_short_text() -> None:
    text = "word " * 5000
    cut = truncate_to_tokens(text, 100)
    assert count_tokens(cut) <= 100
    assert cut.endswith("…")
    assert len(cut) > 200
    assert truncate_to_tokens("short text", 100) == "short text"
    assert truncate_to_tokens(text, 0) == ""


def test_a_hanging_encoding_download_is_bounded_and_not_retried(monkeypatch) -> None:
    calls: list[str] = []
    release = threading.Event()

    def hanging_get_encoding(name: str) -> object:
        calls.append(name)
        release.wait(5)
        raise ConnectionError("no network")

    monkeypatch.setattr(tiktoken, "get_encoding", hanging_get_encoding)
    loader = tokens._EncodingLoader(timeout_s=0.2)
    started = time.monotonic()
    assert loader.get() is None
    assert time.monotonic() - started < 1.0
    assert loader.get() is None
    release.set()
    assert calls == [tokens.ENCODING_NAME]


def test_huge_texts_are_counted_but_not_kept_in_the_cache() -> None:
    text = "revenue 2024 " * 5000
    assert len(text) > tokens._CACHED_TEXT_CHARS
    cached_before = tokens._count_cached.cache_info().currsize
    assert 10_000 <= count_tokens(text) <= 25_000
    assert tokens._count_cached.cache_info().currsize == cached_before
