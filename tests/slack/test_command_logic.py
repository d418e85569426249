"""History/clear arguments and thread links."""

from __future__ import annotations

import pytest

from bots.slack.command_logic import (
    ThreadLink,
    link_problem,
    parse_command_args,
    parse_thread_link,
    thread_link,
)

LINK = "https://acme.slack.com/archives/C0123ABC/p1700000000123456"
REPLY_LINK = LINK + "?thread_ts=1699999999.000100&cid=C0123ABC"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            LINK,
            ThreadLink(host="acme.slack.com", channel="C0123ABC", thread_ts="1700000000.123456"),
        ),
        (
            f"<{LINK}>",
            ThreadLink(host="acme.slack.com", channel="C0123ABC", thread_ts="1700000000.123456"),
        ),
        (
            f"<{LINK}|label>",
            ThreadLink(host="acme.slack.com", channel="C0123ABC", thread_ts="1700000000.123456"),
        ),
        (
            REPLY_LINK,
            ThreadLink(host="acme.slack.com", channel="C0123ABC", thread_ts="1699999999.000100"),
        ),
        (
            REPLY_LINK.replace("&", "&amp;"),
            ThreadLink(host="acme.slack.com", channel="C0123ABC", thread_ts="1699999999.000100"),
        ),
        ("http://acme.slack.com/archives/C0123ABC/p1700000000123456", None),
        ("https://evil.example.com/archives/C0123ABC/p1700000000123456", None),
        ("https://acme.slack.com/archives/C0123ABC/p17000", None),
        ("https://acme.slack.com/archives/C0123ABC", None),
        (LINK + "?thread_ts=oops", None),
        ("not a link", None),
    ],
)
def test_parse_thread_link(text: str, expected: ThreadLink | None) -> None:
    assert parse_thread_link(text) == expected


@pytest.mark.parametrize(
    ("command", "text", "full", "page", "has_link", "error"),
    [
        ("history", "", False, 1, False, ""),
        ("history", "full", True, 1, False, ""),
        ("history", "FULL page 3", True, 3, False, ""),
        ("history", f"<{LINK}> full", True, 1, True, ""),
        ("history", "page 0", False, 1, False, "not a page number"),
        ("history", "page two", False, 1, False, "not a page number"),
        ("history", "everything", False, 1, False, "I don't know `everything`"),
        ("clear", "", False, 1, False, ""),
        ("clear", LINK, False, 1, True, ""),
        ("clear", "full", False, 1, False, "Usage: `/dexter-clear"),
        ("clear", "https://acme.slack.com/archives/C1/pxyz", False, 1, False, "does not look like"),
    ],
)
def test_parse_command_args(
    command: str, text: str, full: bool, page: int, has_link: bool, error: str
) -> None:
    args = parse_command_args(text, command=command)
    assert (args.full, args.page, args.link is not None) == (full, page, has_link)
    assert error in args.error if error else args.error == ""


@pytest.mark.parametrize(
    ("link", "channel", "problem"),
    [
        (LINK, "C0123ABC", None),
        (LINK, "C999", "Run the command in that channel"),
        (LINK.replace("acme", "other"), "C0123ABC", "another Slack workspace"),
    ],
)
def test_link_problem(link: str, channel: str, problem: str | None) -> None:
    parsed = parse_thread_link(link)
    assert parsed is not None
    found = link_problem(parsed, team_url="https://acme.slack.com/", channel=channel)
    assert found is None if problem is None else problem in (found or "")


def test_thread_link_round_trips() -> None:
    url = thread_link(
        team_url="https://acme.slack.com/", channel="C1", thread_ts="1700000000.123456"
    )
    assert url == "https://acme.slack.com/archives/C1/p1700000000123456"
    assert parse_thread_link(url) == ThreadLink(
        host="acme.slack.com", channel="C1", thread_ts="1700000000.123456"
    )
