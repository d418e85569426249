from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator

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


def test_a_hanging_encoding_download_is_tried_once_and_never_waited_for(monkeypatch) -> None:
    calls: list[str] = []
    release = threading.Event()

    def hanging_get_encoding(name: str) -> object:
        calls.append(name)
        release.wait(5)
        raise ConnectionError("no network")

    monkeypatch.setattr(tiktoken, "get_encoding", hanging_get_encoding)
    loader = tokens._EncodingLoader()
    started = time.monotonic()
    assert loader.get() is None
    assert loader.get() is None
    assert time.monotonic() - started < 0.05
    assert loader.wait(0.1) is False  # a warm-up gives up at its deadline
    release.set()
    assert loader.wait(5) is True
    assert loader.get() is None
    assert calls == [tokens.ENCODING_NAME]


def test_counts_are_estimated_until_a_slow_load_ends_then_exact(monkeypatch) -> None:
    release = threading.Event()

    def slow_load() -> Callable[[str], list[bytes]]:
        release.wait(5)
        return _bpe_like

    loader = tokens._EncodingLoader(slow_load)
    monkeypatch.setattr(tokens, "_loader", loader)
    text = "Apple's revenue was $383.3 billion in fiscal 2023."
    try:
        started = time.monotonic()
        first = count_tokens(text)
        # Its only cost is starting the loader's thread (a few ms on a busy machine).
        assert time.monotonic() - started < 0.05
        assert first == estimate_tokens(text)
        release.set()
        assert loader.wait(5)
        # The estimate counted meanwhile is not served from the cache any more.
        assert count_tokens(text) == len(_bpe_like(text)) != first
    finally:
        release.set()


def test_huge_texts_are_counted_but_not_kept_in_the_cache() -> None:
    text = "revenue 2024 " * 5000
    assert len(text) > tokens._CACHED_TEXT_CHARS
    cached_before = tokens._count_cached.cache_info().currsize
    assert 10_000 <= count_tokens(text) <= 25_000
    assert tokens._count_cached.cache_info().currsize == cached_before


PROSE = (
    "Apple's gross margin was 44.1% in fiscal 2023, up from 43.3% a year earlier, as the "
    "services mix grew. Operating margin held at 29.8%. Sources: 10-K filings. "
) * 30
CJK = "アップルの2023年度の売上総利益率は44.1%でした。前年から改善しています。" * 40
LONG_WORDS = "Pneumonoultramicroscopicsilicovolcanoconiosis-revenue_2024 " * 60
EMOJI = "📈 Revenue up 👨‍👩‍👧‍👦 families 🇺🇸 market 😀😀😀 " * 60
FIGURES = "| AAPL | 2023 | 383,285 | 44.13% | $96,995M |\n" * 80
TEXTS = {"prose": PROSE, "cjk": CJK, "long-words": LONG_WORDS, "emoji": EMOJI, "figures": FIGURES}
BUDGETS = [1, 2, 3, 7, 20, 100, 493, 2000]


def _bpe_like(text: str) -> list[bytes]:
    """A stand-in for a BPE encoding: each whitespace-led word, 4 UTF-8 bytes a token."""
    pieces = re.findall(r"\s*\S+|\s+", text)
    encoded = [piece.encode("utf-8", "surrogatepass") for piece in pieces]
    return [piece[i : i + 4] for piece in encoded for i in range(0, len(piece), 4)]


class _FixedEncoding:
    def get(self) -> Callable[[str], list[bytes]]:
        return _bpe_like


@pytest.fixture(params=["estimate", "bpe-like"])
def counter(request, monkeypatch) -> Iterator[str]:
    """Token counts by the estimate, or by an encoder (as when tiktoken's encoding loads)."""
    if request.param == "bpe-like":
        monkeypatch.setattr(tokens, "_loader", _FixedEncoding())
    tokens._count_cached.cache_clear()
    yield request.param
    tokens._count_cached.cache_clear()


@pytest.mark.parametrize("budget", BUDGETS)
@pytest.mark.parametrize("name", sorted(TEXTS))
def test_truncation_keeps_its_promise(counter: str, name: str, budget: int) -> None:
    text = TEXTS[name]
    cut = truncate_to_tokens(text, budget)
    assert count_tokens(cut) <= budget
    if count_tokens(text) <= budget:
        assert cut == text
    elif budget <= count_tokens(" …"):
        assert cut == ""
    else:
        assert cut.endswith(" …")
        assert text.startswith(cut.removesuffix(" …"))
        # Close to the budget: what is lost is a small slack and the word cut at the end.
        longest_word = max(count_tokens(word) for word in text.split())
        assert count_tokens(cut) >= budget - max(budget // 16, 8) - longest_word


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_truncation_counts_about_the_text_once(counter: str, name: str, monkeypatch) -> None:
    counted: list[int] = []
    count_uncached = tokens._count_uncached

    def recording(text: str) -> int:
        counted.append(len(text))
        return count_uncached(text)

    monkeypatch.setattr(tokens, "_count_uncached", recording)
    text = TEXTS[name] * 20
    cut = truncate_to_tokens(text, 300)
    assert count_tokens(cut) <= 300
    # The whole text once, then a few prefixes near the result's length, not a binary
    # search's dozen counts of ever-halving prefixes.
    assert counted[0] == len(text)
    assert len(counted) <= 10
    assert sum(counted[1:]) <= 10 * len(cut)
