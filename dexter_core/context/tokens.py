"""Token counting for the context budget.

`count_tokens` uses tiktoken's `o200k_base` encoding when it can be loaded without the
network (tiktoken's on-disk cache, see `TIKTOKEN_CACHE_DIR`); otherwise it estimates.
tiktoken fetches a missing encoding over HTTP with no timeout, and counting happens on
the event loop, so the load is tried once, in a background thread, and no count ever
waits for it: until it has finished (or when it failed) counts are estimated.
`warm_up_tokens` starts it at start-up and waits up to `WARM_UP_TIMEOUT_S` in a thread, so
a process normally counts exactly from its first turn.

The estimate (`estimate_tokens`) follows how BPE encoders split text: a run of letters
costs one token per 6 characters (common words are a single token), a run of digits one
per 3 (the encoders group digits by three), every other visible symbol one, and
whitespace nothing (it merges into the next piece). On English prose this lands within
about 15 % of o200k_base, and it errs high on numbers and symbols, which is the safe side
for a budget.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Callable
from functools import lru_cache

logger = logging.getLogger(__name__)

ENCODING_NAME = "o200k_base"
WARM_UP_TIMEOUT_S = 3.0

_PIECE = re.compile(r"[^\W\d_]+|\d+|\S", re.UNICODE)
_LETTERS_PER_TOKEN = 6
_DIGITS_PER_TOKEN = 3


def estimate_tokens(text: str) -> int:
    """A tokenizer-free token count for `text` (see the module docstring for the rule)."""
    total = 0
    for piece in _PIECE.findall(text):
        first = piece[0]
        if first.isdigit():
            total += math.ceil(len(piece) / _DIGITS_PER_TOKEN)
        elif first.isalpha() and piece.isascii():
            total += math.ceil(len(piece) / _LETTERS_PER_TOKEN)
        else:
            # Non-ASCII letters (accents, CJK) split into about one token per character.
            total += len(piece)
    return total


Encode = Callable[[str], list[int]]


def _load_tiktoken() -> Encode:
    """tiktoken's encoder for `ENCODING_NAME`; may take long or raise when offline."""
    import tiktoken

    encoding = tiktoken.get_encoding(ENCODING_NAME)
    return lambda text: encoding.encode(text, disallowed_special=())


class _EncodingLoader:
    """Loads the encoding once per process, in a background thread nobody has to wait for."""

    def __init__(self, load: Callable[[], Encode] = _load_tiktoken) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._is_started = False
        self._done = threading.Event()
        self._encode: Encode | None = None

    def get(self) -> Encode | None:
        """The encoder's `encode` once loaded; None while the load runs or when it failed.

        Never blocks: the first call starts the load in a background thread.
        """
        if self._done.is_set():
            return self._encode
        self._start()
        return None

    def wait(self, timeout_s: float) -> bool:
        """Start the load if need be and block up to `timeout_s` for it; True once it ended."""
        self._start()
        return self._done.wait(timeout_s)

    def _start(self) -> None:
        with self._lock:
            if self._is_started:
                return
            self._is_started = True
        # A daemon thread: if tiktoken hangs on the network, the process may still exit.
        threading.Thread(target=self._run, name="tiktoken-load", daemon=True).start()

    def _run(self) -> None:
        try:
            self._encode = self._load()
        except Exception as exc:  # any failure means "estimate instead"
            logger.info(
                "tiktoken encoding %s is not available offline (%s): token counts are estimated",
                ENCODING_NAME,
                type(exc).__name__,
            )
        finally:
            self._done.set()


_loader = _EncodingLoader()


def warm_up_tokens(*, timeout_s: float = WARM_UP_TIMEOUT_S) -> None:
    """Load tiktoken's encoding now, waiting up to `timeout_s`; for start-up, in a thread.

    Counts are estimated until the load ends, however long it takes: no caller of
    `count_tokens` ever waits for it.
    """
    if not _loader.wait(timeout_s):
        logger.info(
            "tiktoken encoding %s not loaded after %gs: token counts are estimated until it is",
            ENCODING_NAME,
            timeout_s,
        )


def count_tokens(text: str) -> int:
    """Tokens in `text`: exact with tiktoken's encoding when loaded, else estimated.

    Never raises, whatever the text (empty, huge, lone surrogates), and never waits for
    the encoding to load.
    """
    if len(text) > _CACHED_TEXT_CHARS:
        return _count_uncached(text)
    return _count_cached(text, _loader.get())


# The same turns are counted on every context build; huge texts are not kept alive for it.
_CACHED_TEXT_CHARS = 16_384


@lru_cache(maxsize=8192)
def _count_cached(text: str, encode: Encode | None) -> int:
    # `encode` is part of the key: counts estimated before the encoding loaded are not
    # served once it has.
    return _count_with(text, encode)


def _count_uncached(text: str) -> int:
    return _count_with(text, _loader.get())


def _count_with(text: str, encode: Encode | None) -> int:
    if not text:
        return 0
    if encode is not None:
        try:
            return len(encode(text))
        except Exception:  # e.g. text tiktoken's Rust core refuses; the estimate still holds
            pass
    return estimate_tokens(text)


def truncate_to_tokens(text: str, max_tokens: int, *, marker: str = " …") -> str:
    """`text` cut at a word boundary so that it plus `marker` costs at most `max_tokens`.

    Returns `text` unchanged when it already fits, "" when not even the marker fits.
    Costs one count of `text` and a few counts of prefixes about as long as the result,
    so the work is about linear in the text's length.
    """
    total = count_tokens(text)
    if total <= max_tokens:
        return text
    marker_cost = count_tokens(marker)
    if max_tokens <= marker_cost:
        return ""
    kept = text[: _fitting_prefix_length(text, total=total, max_tokens=max_tokens, marker=marker)]
    boundary = kept.rfind(" ")
    if boundary > len(kept) // 2:
        at_word = kept[:boundary].rstrip() + marker
        # Counted rather than assumed: a BPE encoder may merge across the new end differently.
        if _count_uncached(at_word) <= max_tokens:
            return at_word
    return kept.rstrip() + marker


# A search ends once the kept prefix is within this share of the budget (1/64: 31 tokens of
# 2,000), or after so many probes; every probe re-counts a prefix as long as the answer.
_BUDGET_SLACK_SHARE = 64
_MAX_PROBES = 8


def _fitting_prefix_length(text: str, *, total: int, max_tokens: int, marker: str) -> int:
    """A prefix length of `text` whose `text[:length].rstrip() + marker` was counted to cost
    at most `max_tokens`, near the longest such (0 when no probe fitted).

    `total` is `text`'s own count, which must exceed `max_tokens`. Token counts grow about
    in proportion to the prefix, so each probe interpolates between the longest prefix
    known to fit and the shortest known not to (regula falsi). Where the density is uneven
    the probes keep landing on one side; the other side's weight is then halved (the
    Illinois rule), so the bracket still closes in a few probes.
    """
    fits, fits_cost = 0, count_tokens(marker)
    # The whole text plus the marker: near `total + marker`, never worth a count of its own.
    over, over_cost = len(text), total + fits_cost
    room, excess = float(max_tokens - fits_cost), float(over_cost - max_tokens)
    slack = max_tokens // _BUDGET_SLACK_SHARE
    last_fitted: bool | None = None
    for _ in range(_MAX_PROBES):
        if over - fits <= 1 or fits_cost >= max_tokens - slack:
            break
        probe = fits + round((over - fits) * room / (room + excess))
        probe = max(fits + 1, min(probe, over - 1))
        cost = _count_uncached(text[:probe].rstrip() + marker)
        fitted = cost <= max_tokens
        if fitted:
            fits, fits_cost, room = probe, cost, float(max_tokens - cost)
        else:
            over, over_cost, excess = probe, cost, float(cost - max_tokens)
        if fitted is last_fitted:
            if fitted:
                excess /= 2
            else:
                room /= 2
        last_fitted = fitted
    return fits
