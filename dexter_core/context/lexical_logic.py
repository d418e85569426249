"""Lexical relevance: a finance-aware tokenizer and Okapi BM25.

Embeddings capture paraphrase but are weak on exactly what finance questions hinge on:
tickers, fiscal years, quarters. The tokenizer makes those comparable however they are
written: "Apple", "AAPL" and "$AAPL" are one term; "Q3 2024", "3Q24", "third quarter of
2024" and "Q3 FY24" all give the terms `q3` and `2024`; "FY2023" and "fiscal 2023" give
`2023`. Words are lower-cased, English stop words dropped, and plurals folded.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np

# The tables below are data, laid out as tables.
# fmt: off
# Company names people use for the tickers most asked about; the ticker is the term.
COMPANY_ALIASES: Mapping[str, str] = {
    "apple": "aapl", "microsoft": "msft", "alphabet": "googl", "google": "googl",
    "goog": "googl", "amazon": "amzn", "facebook": "meta",
    "nvidia": "nvda", "tesla": "tsla", "berkshire": "brk.b", "brk": "brk.b",
    "jpmorgan": "jpm", "visa": "v", "mastercard": "ma", "walmart": "wmt",
    "exxon": "xom", "exxonmobil": "xom", "chevron": "cvx", "netflix": "nflx",
    "intel": "intc", "broadcom": "avgo", "oracle": "orcl",
    "salesforce": "crm", "adobe": "adbe", "costco": "cost", "pepsico": "pep",
    "pepsi": "pep", "cocacola": "ko", "disney": "dis", "boeing": "ba", "pfizer": "pfe",
    "merck": "mrk", "lilly": "lly", "unitedhealth": "unh", "goldman": "gs",
    "citigroup": "c", "citi": "c",
    "qualcomm": "qcom", "starbucks": "sbux", "nike": "nke", "mcdonald": "mcd",
    "mcdonalds": "mcd", "paypal": "pypl", "uber": "uber", "airbnb": "abnb",
    "palantir": "pltr", "snowflake": "snow", "shopify": "shop", "caterpillar": "cat",
}

_MULTIWORD_ALIASES: Mapping[str, str] = {
    "bank of america": "bac", "home depot": "hd", "johnson & johnson": "jnj",
    "johnson and johnson": "jnj", "coca-cola": "ko", "coca cola": "ko",
    "procter & gamble": "pg", "procter and gamble": "pg", "eli lilly": "lly",
    "exxon mobil": "xom", "goldman sachs": "gs", "morgan stanley": "ms",
    "wells fargo": "wfc", "berkshire hathaway": "brk.b",
}

# Words that mean the same figure in questions and answers.
SYNONYMS: Mapping[str, str] = {
    "sales": "revenue", "turnover": "revenue", "topline": "revenue",
    "repurchase": "buyback", "repurchases": "buyback", "buybacks": "buyback",
    "fcf": "freecashflow", "capex": "capital_expenditure", "p/e": "pe",
    "earnings": "earning", "profits": "profit", "dividends": "dividend",
}

STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers him his how i if in into is
    it its itself just let me more most my no nor not now of off on once only or other our
    ours out over own same she should so some such than that the their theirs them then
    there these they this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours us tell show give get
    please thanks thank ok okay hey hi dexter much many like look looked again compare vs
    versus""".split()  # noqa: SIM905 - a word list reads better as text
)
# fmt: on

_ORDINAL_QUARTERS = {
    "first": "1",
    "1st": "1",
    "second": "2",
    "2nd": "2",
    "third": "3",
    "3rd": "3",
    "fourth": "4",
    "4th": "4",
}

_MULTIWORD = re.compile(
    "|".join(re.escape(name) for name in sorted(_MULTIWORD_ALIASES, key=len, reverse=True))
)
_ORDINAL_QUARTER = re.compile(r"\b(first|1st|second|2nd|third|3rd|fourth|4th)\s+quarter\b")
_HALF = re.compile(r"\b(first|second)\s+half\b")
# A bare two-digit number after "Q3" is a figure, not a year, unless marked ("FY24", "'24").
_YEAR_AFTER_QUARTER = (
    r"(?:\s*(?:of\s+)?((?:19|20)\d\d)|\s*(?:fy|cy)\s*'?(\d{2}|\d{4})|\s*['-](\d{2}))\b"
)
_Q_FIRST = re.compile(r"\bq([1-4])(?:" + _YEAR_AFTER_QUARTER + ")?")
_Q_LAST = re.compile(r"\b([1-4])q(?:'?(\d{2})\b|" + _YEAR_AFTER_QUARTER + ")?")
_FISCAL_YEAR = re.compile(r"\b(?:fy|cy)\s*'?(\d{4}|\d{2})\b")
_WORD = re.compile(r"[a-z0-9$][a-z0-9$&./'’-]*")
_TRAILING = ".-'’/&"


def _year(digits: str) -> str:
    return digits if len(digits) == 4 else f"20{digits}"


def _quarter(match: re.Match[str]) -> str:
    year = next((group for group in match.groups()[1:] if group), None)
    return f"q{match.group(1)} {_year(year)}" if year else f"q{match.group(1)}"


def _normalise_periods(text: str) -> str:
    """Rewrite every way of naming a quarter, half or fiscal year as `qN YYYY` / `hN` / `YYYY`."""
    text = _ORDINAL_QUARTER.sub(lambda m: f"q{_ORDINAL_QUARTERS[m.group(1)]}", text)
    text = _HALF.sub(lambda m: "h1" if m.group(1) == "first" else "h2", text)
    text = _Q_LAST.sub(_quarter, text)
    text = _Q_FIRST.sub(_quarter, text)
    return _FISCAL_YEAR.sub(lambda m: _year(m.group(1)), text)


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _term(word: str) -> str | None:
    word = word.rstrip(_TRAILING)
    if word.endswith(("'s", "’s")):
        word = word[:-2]
    word = word.lstrip("$")
    if not word or word in STOP_WORDS:
        return None
    if word in SYNONYMS:
        return SYNONYMS[word]
    if word in COMPANY_ALIASES:
        return COMPANY_ALIASES[word]
    if word[0].isdigit():
        # "5.2%" and "5.2" are one figure; "2,024" style separators are not split on.
        return word.rstrip("%") or None
    if len(word) == 1:
        return None
    stemmed = _stem(word)
    return COMPANY_ALIASES.get(stemmed, stemmed)


def tokenize(text: str) -> list[str]:
    """The BM25 terms of `text`, in order, repeats kept."""
    lowered = _normalise_periods(text.lower())
    lowered = _MULTIWORD.sub(lambda m: _MULTIWORD_ALIASES[m.group(0)], lowered)
    terms = []
    for word in _WORD.findall(lowered):
        term = _term(word)
        if term is not None:
            terms.append(term)
    return terms


@lru_cache(maxsize=8192)
def term_counts(text: str) -> Counter[str]:
    """`tokenize(text)` as counts. Cached: a session's history is reloaded on every turn."""
    return Counter(tokenize(text))


def term_column(term: str, documents: Sequence[Mapping[str, int]]) -> np.ndarray:
    """How often `term` occurs in each document (term counts), as floats."""
    return np.fromiter((doc.get(term, 0) for doc in documents), np.float64, len(documents))


def bm25_scores(
    columns: Sequence[np.ndarray], lengths: np.ndarray, *, k1: float = 1.2, b: float = 0.75
) -> np.ndarray:
    """Okapi BM25 of each document for a query given as one `term_column` per distinct term.

    `lengths` are the documents' lengths in terms. Scores are >= 0; 0 means no query
    term occurs in the document.
    """
    count = len(lengths)
    scores = np.zeros(count, dtype=np.float64)
    if count == 0:
        return scores
    average = max(float(lengths.mean()), 1.0)
    norm = k1 * (1.0 - b + b * lengths / average)
    for tf in columns:
        frequency = int(np.count_nonzero(tf))
        if frequency == 0:
            continue
        idf = math.log(1.0 + (count - frequency + 0.5) / (frequency + 0.5))
        scores += idf * tf * (k1 + 1.0) / (tf + norm)
    return scores
