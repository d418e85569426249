"""History pages and thread listings."""

from __future__ import annotations

import pytest

from bots.slack.history_logic import format_history, format_thread_list, slack_time
from dexter_core.sessions.models import SessionMetadata, Turn


def _turn(i: int, *, answer: str = "", summary: str = "") -> Turn:
    return Turn(
        query=f"question {i} <b>",
        answer=answer or f"**answer** {i}",
        summary=summary,
        user_id=f"U{i}",
        created_at=1_700_000_000 + i * 60,
    )


def test_slack_time_token_has_a_utc_fallback() -> None:
    assert slack_time(1_700_000_000.7) == (
        "<!date^1700000000^{date_short_pretty} {time}|2023-11-14 22:13 UTC>"
    )


def test_empty_history() -> None:
    page = format_history([], title="This thread", full=False, page=1)
    assert (page.text, page.pages) == ("This thread: no turns yet.", 1)


def test_summary_mode_shows_time_who_question_and_summary() -> None:
    page = format_history(
        [_turn(1, summary="AAPL revenue up")], title="This thread", full=False, page=1
    )
    assert page.text.startswith("*This thread* (1 turn)")
    assert "<@U1> asked:\n> question 1 &lt;b&gt;\nAAPL revenue up" in page.text
    assert "add `full`" in page.text


def test_full_mode_shows_whole_answers_as_mrkdwn() -> None:
    page = format_history([_turn(1)], title="T", full=True, page=1)
    assert "*answer* 1" in page.text
    assert "add `full`" not in page.text


@pytest.mark.parametrize(("requested", "shown"), [(1, 1), (2, 2), (99, 3), (0, 1)])
def test_pages_stay_under_the_limit_and_page_one_is_newest(requested: int, shown: int) -> None:
    turns = [_turn(i, answer="w " * 150) for i in range(12)]
    page = format_history(turns, title="T", full=True, page=requested, limit=2000)
    assert (page.page, page.pages) == (shown, 3)
    assert len(page.text) <= 2000
    if shown == 1:
        assert "question 11" in page.text and "question 0 " not in page.text
        assert "older: `page 2`" in page.text


def test_an_entry_longer_than_a_page_is_cut_with_its_code_block_closed() -> None:
    answer = "```\n" + "\n".join(f"row {i}" for i in range(2000)) + "\n```"
    page = format_history([_turn(1, answer=answer)], title="T", full=True, page=1, limit=1500)
    assert len(page.text) <= 1500
    assert page.text.count("```") % 2 == 0
    assert "(cut here)" in page.text


def test_thread_list_links_titles_and_counts() -> None:
    sessions = [
        SessionMetadata(
            session_id="slack:T1:C1:1700000000.000100",
            title="AAPL <margins>",
            turn_count=3,
            last_activity=1_700_000_500,
        ),
        SessionMetadata(
            session_id="slack:T1:C1:1700000100.000200",
            title="",
            turn_count=1,
            last_activity=1_700_000_600,
        ),
    ]
    text = format_thread_list(
        sessions, team_url="https://acme.slack.com/", heading="Your other threads here:"
    )
    lines = text.split("\n")
    assert lines[0] == "Your other threads here:"
    assert lines[1].startswith(
        "• <https://acme.slack.com/archives/C1/p1700000000000100|AAPL &lt;margins&gt;>"
        " · 3 turns · last <!date^1700000500^"
    )
    assert lines[2].startswith(
        "• <https://acme.slack.com/archives/C1/p1700000100000200|untitled> · 1 turn"
    )
    assert format_thread_list([], team_url="https://acme.slack.com/", heading="x") == ""
