"""MessageHistory with embeddings off (recency) and its prompt building."""

from __future__ import annotations

import pytest

from dexter_core.context.formatter import MEMORY_HEADER, message_tokens
from dexter_core.context.history import MessageHistory
from dexter_core.errors import InvalidInputError
from dexter_core.sessions.models import Turn
from dexter_core.settings import Settings


def _history(count: int, settings: Settings, *, answer_words: int = 20) -> MessageHistory:
    history = MessageHistory(settings=settings)
    for i in range(count):
        history.add_agent_message(
            f"Question {i} about AAPL revenue?",
            f"Answer {i}: " + "revenue grew strongly " * answer_words,
            user_id=f"U{i % 2}",
            user_name=f"user{i % 2}",
            platform="slack",
            created_at=1_700_000_000 + i * 60,
        )
    return history


def _queries(turns: list[Turn]) -> list[str]:
    return [turn.query for turn in turns]


def test_add_agent_message_records_metadata_summary_and_no_embedding(recency_settings) -> None:
    history = MessageHistory(settings=recency_settings)
    turn = history.add_agent_message(
        "What was MSFT revenue?", "$62B", user="Ada", user_id="U1", channel="C1"
    )
    assert history.turns == [turn]
    assert (turn.user_name, turn.user_id, turn.extra) == ("Ada", "U1", {"channel": "C1"})
    assert turn.summary == "Q: What was MSFT revenue? → A: $62B"
    assert turn.embedding is None
    assert turn.created_at > 0


@pytest.mark.parametrize(
    ("query", "answer"),
    [("", "a"), ("   \n", "a"), ("q", None), ("x" * 100_001, "a")],
    ids=["empty", "blank", "answer-not-text", "query-too-long"],
)
def test_add_agent_message_refuses_bad_input(recency_settings, query, answer) -> None:
    history = MessageHistory(settings=recency_settings)
    with pytest.raises(InvalidInputError):
        history.add_agent_message(query, answer)
    assert history.turns == []


def test_text_that_is_not_utf8_safe_is_cleaned(recency_settings) -> None:
    history = MessageHistory(settings=recency_settings)
    turn = history.add_agent_message("broken \ud800 query", "answer \udfff")
    assert "\ud800" not in turn.query and "\udfff" not in turn.answer
    assert history.build_context("next?").tokens > 0


@pytest.mark.parametrize(
    ("turns", "recent", "max_messages", "limit", "expected"),
    [
        (20, 3, 10, None, list(range(10, 20))),
        (20, 3, 10, 4, list(range(16, 20))),
        (20, 3, 10, 2, [18, 19]),
        (2, 3, 10, None, [0, 1]),
        (0, 3, 10, None, []),
    ],
)
def test_recency_selection(turns, recent, max_messages, limit, expected) -> None:
    settings = Settings(
        dexter_use_embeddings=False,
        dexter_recent_turns=recent,
        dexter_max_context_messages=max_messages,
    )
    history = _history(turns, settings)
    selected = history.select_relevant_messages("and for MSFT?", limit=limit)
    assert _queries(selected) == [f"Question {i} about AAPL revenue?" for i in expected]


@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_select_refuses_a_blank_query(recency_settings, query) -> None:
    with pytest.raises(InvalidInputError, match="query"):
        _history(3, recency_settings).select_relevant_messages(query)


@pytest.mark.parametrize("limit", [0, -1, True, 2.5])
def test_select_refuses_a_limit_below_one(recency_settings, limit) -> None:
    with pytest.raises(InvalidInputError, match="limit"):
        _history(3, recency_settings).select_relevant_messages("q?", limit=limit)


def test_build_context_fits_everything_when_there_is_room(recency_settings) -> None:
    history = _history(5, recency_settings)
    context = history.build_context("and for MSFT?")
    assert [m["role"] for m in context.messages] == ["user", "assistant"] * 5
    assert context.messages[0]["content"].startswith("[user0, 2023-11-14 22:13 UTC] Question 0")
    assert context.messages[1]["content"] == history.turns[0].answer
    assert context.turns == history.turns
    assert context.tokens == sum(message_tokens(m["content"]) for m in context.messages)


@pytest.mark.parametrize("budget", [200, 400, 800, 2000])
def test_build_context_stays_within_the_budget(budget: int) -> None:
    settings = Settings(dexter_use_embeddings=False, dexter_context_token_budget=budget)
    history = _history(30, settings, answer_words=60)
    context = history.build_context("and for MSFT?")
    assert 0 < context.tokens <= budget
    assert context.turns[-1] == history.turns[-1]
    newest_query = history.turns[-1].query
    assert any(newest_query in message["content"] for message in context.messages)


def test_tight_budget_keeps_newer_turns_in_full_and_older_by_summary() -> None:
    settings = Settings(dexter_use_embeddings=False, dexter_context_token_budget=600)
    history = _history(10, settings, answer_words=25)
    context = history.build_context("and for MSFT?")
    memory = context.messages[0]
    assert memory["role"] == "system" and memory["content"].startswith(MEMORY_HEADER)
    summarised = [t for t in context.turns if t.summary in memory["content"]]
    in_full = [t for t in context.turns if any(m["content"] == t.answer for m in context.messages)]
    assert summarised and in_full
    assert max(t.created_at for t in summarised) < min(t.created_at for t in in_full)
    assert in_full[-1] == history.turns[-1]


def test_rolling_summary_is_included_and_capped() -> None:
    settings = Settings(dexter_use_embeddings=False, dexter_context_token_budget=400)
    turns = _history(2, settings).turns
    rolling = "Earlier the team compared AAPL and MSFT margins. " * 40
    context = MessageHistory(turns, summary=rolling, settings=settings).build_context("next?")
    memory = context.messages[0]["content"]
    assert "Summary of the oldest turns: Earlier the team compared AAPL" in memory
    assert len(memory) < len(rolling)
    assert context.tokens <= 400


def test_a_huge_recent_answer_is_cut_not_dropped() -> None:
    settings = Settings(dexter_use_embeddings=False, dexter_context_token_budget=500)
    history = _history(3, settings)
    history.add_agent_message("Show the full 10-K text", "risk factor " * 80_000)  # about 1 MB
    context = history.build_context("summarise it")
    assert context.tokens <= 500
    assert context.messages[-1]["content"].startswith("risk factor")
    assert context.messages[-1]["content"].endswith("…")


def test_history_built_from_stored_turns_keeps_summary_and_generation(recency_settings) -> None:
    turns = _history(4, recency_settings).turns
    history = MessageHistory(turns, summary="rolled", generation=3, settings=recency_settings)
    assert (history.turns, history.summary, history.generation) == (turns, "rolled", 3)
    assert history.embedder is None


def test_an_empty_history_gives_an_empty_context(recency_settings) -> None:
    context = MessageHistory(settings=recency_settings).build_context("What is AAPL's P/E?")
    assert (context.messages, context.turns, context.tokens) == ([], [], 0)
    folded_only = MessageHistory(summary="Ada asked about AAPL margins.", settings=recency_settings)
    [memory] = folded_only.build_context("And MSFT?").messages
    assert memory["role"] == "system"
    assert memory["content"].endswith("Summary of the oldest turns: Ada asked about AAPL margins.")
