"""History pages, the plain-channel pointer, and who may clear."""

from __future__ import annotations

import re

import pytest

from bots.discord.history_logic import (
    NOT_A_SESSION_REPLY,
    ThreadRef,
    cleared_reply,
    history_messages,
    is_allowed_to_clear,
    threads_pointer,
)
from dexter_core.sessions.models import Turn


def _turn(i: int, *, answer: str = "", summary: str = "") -> Turn:
    return Turn(
        query=f"question {i} about AAPL",
        answer=answer or f"answer {i}",
        summary=summary or f"summary {i}",
        user_id="1001",
        user_name="Ada",
        created_at=1_700_000_000 + i,
    )


def test_empty_history_says_so() -> None:
    assert history_messages([], full=False) == ["No Dexter conversation here yet: nothing to show."]


def test_short_history_is_one_message_with_time_who_question_and_summary() -> None:
    [message] = history_messages([_turn(1), _turn(2)], full=False)
    assert message.startswith("**Dexter history** · 2 turns")
    assert "<t:1700000001:f> · <@1001> asked:\n> question 1 about AAPL\nsummary 1" in message
    assert message.index("question 1") < message.index("question 2")
    assert "answer 1" not in message
    assert "/dexter-history full:True" in message


def test_full_history_shows_answers_in_discord_markdown() -> None:
    turn = _turn(1, answer="#### Revenue\n| a | b |\n|---|---|\n| 1 | 2 |")
    [message] = history_messages([turn], full=True)
    assert "**Revenue**" in message
    assert "```\na  b\n-  -\n1  2\n```" in message
    assert "full:True" not in message


@pytest.mark.parametrize(
    ("turn_count", "full", "max_messages"),
    [(40, False, 5), (400, False, 5), (30, True, 3), (3, True, 5)],
)
def test_pages_stay_under_the_limits_and_keep_the_newest(
    turn_count: int, full: bool, max_messages: int
) -> None:
    long_answer = "Revenue grew. " * 60 + "\n\n```python\n" + "x = 1\n" * 200 + "```"
    turns = [_turn(i, answer=long_answer, summary="s" * 400) for i in range(turn_count)]
    messages = history_messages(turns, full=full, max_messages=max_messages)
    assert 1 <= len(messages) <= max_messages
    for message in messages:
        assert len(message) <= 2000
        assert len(re.findall(r"^```", message, flags=re.MULTILINE)) % 2 == 0
    joined = "\n".join(messages)
    assert f"question {turn_count - 1} about AAPL" in joined
    shown = re.findall(r"question (\d+) about", joined)
    assert [int(n) for n in shown] == sorted(int(n) for n in shown)
    if len(shown) < turn_count:
        assert f"{turn_count - len(shown)} older not" in messages[0]


def test_turn_without_user_id_shows_the_name() -> None:
    turn = Turn(query="q", answer="a", user_name="Grace", created_at=1_700_000_000)
    assert "· Grace asked:" in history_messages([turn], full=False)[0]


@pytest.mark.parametrize(
    ("user_id", "participants", "can_manage", "is_dm", "expected"),
    [
        ("1", {"1": "Ada"}, False, False, True),
        ("2", {"1": "Ada"}, False, False, False),
        ("2", {"1": "Ada"}, True, False, True),
        ("2", {}, False, True, True),
    ],
)
def test_is_allowed_to_clear(
    user_id: str, participants: dict[str, str], can_manage: bool, is_dm: bool, expected: bool
) -> None:
    assert (
        is_allowed_to_clear(
            user_id=user_id,
            participants=participants,
            can_manage_messages=can_manage,
            is_dm=is_dm,
        )
        is expected
    )


def test_threads_pointer_lists_thread_links() -> None:
    text = threads_pointer(
        [ThreadRef(thread_id=5, title="AAPL margins"), ThreadRef(thread_id=6, title="MSFT")]
    )
    assert text.startswith(NOT_A_SESSION_REPLY)
    assert "• <#5> AAPL margins\n• <#6> MSFT" in text


def test_threads_pointer_without_threads_says_how_to_start() -> None:
    assert "Mention @Dexter" in threads_pointer([])


@pytest.mark.parametrize(("count", "expected"), [(1, "(1 turn)"), (3, "(3 turns)")])
def test_cleared_reply(count: int, expected: str) -> None:
    assert expected in cleared_reply(count)
