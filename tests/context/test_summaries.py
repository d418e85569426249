from __future__ import annotations

import asyncio

import pytest

from dexter_core.context import summaries
from dexter_core.context.summaries import fold_into_summary, summarize
from dexter_core.context.summary_logic import (
    fallback_summary,
    merge_rolling_summary,
    turns_to_fold,
)
from dexter_core.settings import Settings
from tests.context.scripted_completer import ScriptedCompleter

LLM_ON = Settings(dexter_summarize_llm=True, dexter_use_embeddings=False)
LLM_OFF = Settings(dexter_summarize_llm=False, dexter_use_embeddings=False)


@pytest.mark.parametrize(
    ("query", "answer", "expected"),
    [
        ("What was AAPL revenue?", "85.8B", "Q: What was AAPL revenue? → A: 85.8B"),
        ("q" * 100, "a" * 100, f"Q: {'q' * 60} → A: {'a' * 80}"),
        ("multi\nline   query", "an\tanswer", "Q: multi line query → A: an answer"),
    ],
)
def test_fallback_summary_is_the_start_of_both(query: str, answer: str, expected: str) -> None:
    assert fallback_summary(query, answer) == expected


@pytest.mark.parametrize(
    ("previous", "parts", "limit", "expected"),
    [
        ("", ["a", "b"], 100, "a | b"),
        ("old", ["new"], 100, "old | new"),
        ("", [" ", ""], 100, ""),
        # Too long: the oldest text goes, cut on an entry boundary.
        ("aaaaaaaaaa", ["bbbb", "cccc"], 12, "…bbbb | cccc"),
        ("aaaaaaaaaa", ["bbbb", "cccc"], 14, "…bbbb | cccc"),
        # No boundary near: cut mid-entry rather than lose most of the room.
        ("", ["x" * 30], 10, "…" + "x" * 9),
    ],
)
def test_merge_rolling_summary(previous: str, parts: list[str], limit: int, expected: str) -> None:
    merged = merge_rolling_summary(previous, parts, limit=limit)
    assert merged == expected
    assert len(merged) <= limit


@pytest.mark.parametrize(
    ("verbatim", "max_turns", "expected"),
    [(10, 50, 0), (50, 50, 0), (51, 50, 1), (75, 50, 25), (10, 0, 0)],
)
def test_turns_to_fold(verbatim: int, max_turns: int, expected: int) -> None:
    assert turns_to_fold(verbatim, max_turns=max_turns) == expected


async def test_llm_summary_uses_the_fast_model() -> None:
    completer = ScriptedCompleter("AAPL Q3 2024 revenue $85.8B, +5% y/y")
    summary = await summarize("AAPL Q3 revenue?", "It was...", completer=completer, settings=LLM_ON)
    assert summary == "AAPL Q3 2024 revenue $85.8B, +5% y/y"
    assert completer.calls[0]["fast"] is True
    assert "AAPL Q3 revenue?" in completer.calls[0]["messages"][-1]["content"]


async def test_llm_summary_is_capped_in_length() -> None:
    completer = ScriptedCompleter("word " * 100)
    summary = await summarize("q", "a", completer=completer, settings=LLM_ON)
    assert len(summary) <= summaries.TURN_SUMMARY_CHARS + 20


@pytest.mark.parametrize(
    "reply", [RuntimeError("500 from the LLM"), "", "   \n"], ids=["error", "empty", "blank"]
)
async def test_llm_summary_falls_back(reply: str | Exception, caplog) -> None:
    completer = ScriptedCompleter(reply)
    summary = await summarize("What was MSFT EPS?", "2.94", completer=completer, settings=LLM_ON)
    assert summary == fallback_summary("What was MSFT EPS?", "2.94")
    assert "plain summary" in caplog.text


async def test_llm_summary_times_out_to_the_fallback(monkeypatch) -> None:
    monkeypatch.setattr(summaries, "SUMMARY_TIMEOUT_S", 0.05)
    completer = ScriptedCompleter("too late", delay=5)
    summary = await asyncio.wait_for(
        summarize("NVDA margin?", "75%", completer=completer, settings=LLM_ON), timeout=2
    )
    assert summary == fallback_summary("NVDA margin?", "75%")


async def test_without_the_setting_the_llm_is_not_asked() -> None:
    completer = ScriptedCompleter("never used")
    summary = await summarize("q?", "a", completer=completer, settings=LLM_OFF)
    assert summary == fallback_summary("q?", "a")
    assert completer.calls == []


async def test_fold_uses_the_llm_then_falls_back() -> None:
    merged = await fold_into_summary(
        "old", ["s1", "s2"], completer=ScriptedCompleter("merged"), settings=LLM_ON
    )
    assert merged == "merged"
    failing = ScriptedCompleter(RuntimeError("down"))
    merged = await fold_into_summary("old", ["s1", "s2"], completer=failing, settings=LLM_ON)
    assert merged == "old | s1 | s2"
