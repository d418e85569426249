from __future__ import annotations

import numpy as np
import pytest

from dexter_core.context.lexical_logic import bm25_scores, term_column, term_counts, tokenize


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("What was Apple's revenue in Q3 2024?", ["aapl", "revenue", "q3", "2024"]),
        ("and for $MSFT?", ["msft"]),
        ("3Q24 margins for AAPL", ["q3", "2024", "margin", "aapl"]),
        ("the third quarter of 2024", ["q3", "2024"]),
        ("Q3 FY24 sales", ["q3", "2024", "revenue"]),
        ("Q3'24", ["q3", "2024"]),
        ("q2-23 EPS 5.2%", ["q2", "2023", "eps", "5.2"]),
        # A bare number after a quarter is a figure, not a two-digit year.
        ("Q3 revenue was 85 billion", ["q3", "revenue", "85", "billion"]),
        ("FY2023 vs FY 22", ["2023", "2022"]),
        ("first half 2023", ["h1", "2023"]),
        ("Coca-Cola dividends", ["ko", "dividend"]),
        ("Bank of America buybacks", ["bac", "buyback"]),
        ("BRK.B book value", ["brk.b", "book", "value"]),
        ("Google and Alphabet and GOOG", ["googl", "googl", "googl"]),
        ("", []),
        ("what is the", []),
    ],
)
def test_tokenize_makes_finance_terms_comparable(text: str, terms: list[str]) -> None:
    assert tokenize(text) == terms


def _score(query: str, documents: list[str]) -> np.ndarray:
    counts = [term_counts(document) for document in documents]
    lengths = np.array([sum(c.values()) for c in counts], dtype=np.float64)
    columns = [term_column(term, counts) for term in dict.fromkeys(tokenize(query))]
    return bm25_scores(columns, lengths)


def test_bm25_prefers_the_document_sharing_rare_terms() -> None:
    documents = [
        "Microsoft cloud revenue grew 20% in Q2 2023",
        "Apple gross margin was 44.1% in fiscal 2023",
        "Apple services revenue hit a record in Q4 2023",
        "Tesla delivered 435,000 vehicles in Q3 2023",
    ]
    scores = _score("AAPL gross margin 2023", documents)
    assert scores[1] > scores[2] > scores[3] > 0  # all, then ticker and year, then year
    scores = _score("TSLA deliveries", documents)
    assert scores[3] > 0 and scores[:3].sum() == 0


def test_bm25_without_query_terms_or_documents_is_all_zero() -> None:
    assert _score("what is the", ["Apple revenue"]).tolist() == [0.0]
    assert _score("Apple", []).tolist() == []
