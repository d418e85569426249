"""Which message events Dexter answers, and in which session."""

from __future__ import annotations

from typing import Any

import pytest

from bots.slack.message_logic import Action, decide, refusal, strip_mentions

BOT = "UBOT"
TEAM = "T1"


def _event(**fields: Any) -> dict[str, Any]:
    return {"type": "message", "user": "U1", "ts": "1700000000.000100", "channel": "C1"} | fields


@pytest.mark.parametrize(
    ("kind", "event", "action", "session", "thread_ts"),
    [
        # A top-level mention starts a thread rooted at the message.
        (
            "app_mention",
            _event(text=f"<@{BOT}> AAPL?"),
            Action.ANSWER,
            "slack:T1:C1:1700000000.000100",
            "1700000000.000100",
        ),
        # A mention inside a thread belongs to the thread.
        (
            "app_mention",
            _event(text=f"<@{BOT}> and MSFT?", thread_ts="1699999999.000001"),
            Action.ANSWER,
            "slack:T1:C1:1699999999.000001",
            "1699999999.000001",
        ),
        # The `message` copy of a channel mention is left to `app_mention`.
        (
            "message",
            _event(text=f"<@{BOT}> AAPL?", channel_type="channel"),
            Action.IGNORE,
            "",
            None,
        ),
        # Top-level channel chatter is not for Dexter.
        ("message", _event(text="lunch?", channel_type="channel"), Action.IGNORE, "", None),
        # A thread reply without a mention: only if Dexter takes part.
        (
            "message",
            _event(text="and MSFT?", channel_type="channel", thread_ts="1699999999.000001"),
            Action.CHECK_THREAD,
            "slack:T1:C1:1699999999.000001",
            "1699999999.000001",
        ),
        # DMs: top level is the DM session, replies at the top level.
        (
            "message",
            _event(text="AAPL?", channel="D1", channel_type="im"),
            Action.ANSWER,
            "slack:T1:D1",
            None,
        ),
        # A thread inside a DM is its own session.
        (
            "message",
            _event(text="more", channel="D1", channel_type="im", thread_ts="1699999999.000001"),
            Action.ANSWER,
            "slack:T1:D1:1699999999.000001",
            "1699999999.000001",
        ),
        # The DM's `message` event carries a mention; its `app_mention` copy is dropped.
        ("app_mention", _event(text=f"<@{BOT}> hi", channel="D1"), Action.IGNORE, "", None),
        # A message with a file is still a person writing.
        (
            "message",
            _event(text="see file", channel="D1", channel_type="im", subtype="file_share"),
            Action.ANSWER,
            "slack:T1:D1",
            None,
        ),
    ],
)
def test_decide_answers(
    kind: str, event: dict[str, Any], action: Action, session: str, thread_ts: str | None
) -> None:
    decision = decide(kind=kind, event=event, team_id=TEAM, bot_user_id=BOT)
    assert decision.action is action
    assert decision.session_id == session
    assert decision.thread_ts == thread_ts


@pytest.mark.parametrize(
    "event",
    [
        _event(text="edited", channel="D1", channel_type="im", subtype="message_changed"),
        _event(channel="D1", channel_type="im", subtype="message_deleted"),
        _event(text="joined", channel_type="channel", subtype="channel_join"),
        _event(text="from a bot", channel="D1", channel_type="im", bot_id="B9"),
        _event(text="bot message", channel="D1", channel_type="im", subtype="bot_message"),
        _event(text="myself", channel="D1", channel_type="im", user=BOT),
        {"type": "message", "channel": "D1", "channel_type": "im", "text": "no user", "ts": "1.2"},
        _event(text="hidden", channel="D1", channel_type="im", hidden=True),
    ],
)
def test_decide_ignores_what_no_person_wrote(event: dict[str, Any]) -> None:
    assert (
        decide(kind="message", event=event, team_id=TEAM, bot_user_id=BOT).action is Action.IGNORE
    )


@pytest.mark.parametrize(
    ("text", "command", "rest"),
    [
        (f"<@{BOT}> history", "history", ""),
        (f"<@{BOT}> History full", "history", "full"),
        (f"<@{BOT}> history page 2", "history", "page 2"),
        (f"<@{BOT}> clear", "clear", ""),
        (f"<@{BOT}> history of Apple's dividend", None, "history of Apple's dividend"),
        (f"<@{BOT}> clear the air on margins", None, "clear the air on margins"),
        (f"<@{BOT}>", None, ""),
    ],
)
def test_mention_commands(text: str, command: str | None, rest: str) -> None:
    event = _event(text=text, thread_ts="1699999999.000001")
    decision = decide(kind="app_mention", event=event, team_id=TEAM, bot_user_id=BOT)
    assert (decision.command, decision.text) == (command, rest)


def test_a_command_word_without_a_mention_is_a_question() -> None:
    event = _event(text="history", channel="D1", channel_type="im")
    decision = decide(kind="message", event=event, team_id=TEAM, bot_user_id=BOT)
    assert (decision.command, decision.text) == (None, "history")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"<@{BOT}> what about AAPL?", "what about AAPL?"),
        (f"<@{BOT}|dexter> hi <@U2>", "hi <@U2>"),
        (f"ask <@{BOT}> twice <@{BOT}>", "ask   twice"),
    ],
)
def test_strip_mentions(text: str, expected: str) -> None:
    assert strip_mentions(text, BOT) == expected


@pytest.mark.parametrize(
    ("text", "has_files", "fragment"),
    [
        ("What is AAPL's P/E?", False, None),
        ("", False, "Ask me a question"),
        ("   ", True, "only read text"),
        ("x" * 60_000, False, "60,000 characters"),
    ],
)
def test_refusal(text: str, has_files: bool, fragment: str | None) -> None:
    reply = refusal(text=text, has_files=has_files, max_chars=8000)
    assert reply is None if fragment is None else fragment in (reply or "")
