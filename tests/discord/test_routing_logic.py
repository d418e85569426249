"""Which messages Dexter answers, and how it reads their text."""

from __future__ import annotations

import pytest

from bots.discord.routing_logic import (
    EMPTY_MENTION_REPLY,
    TEXT_ONLY_REPLY,
    Action,
    MessageFacts,
    Place,
    TextCommand,
    is_owner_relevant,
    parse_text_command,
    reply_for_empty,
    route_message,
    strip_mentions,
    thread_name,
)


def _facts(place: Place, **overrides: bool) -> MessageFacts:
    values = {"from_bot": False, "is_system": False, "mentions_dexter": False}
    values.update(overrides)
    return MessageFacts(place=place, **values)


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (_facts(Place.DM), Action.ANSWER_HERE),
        (_facts(Place.DM, from_bot=True), Action.IGNORE),
        (_facts(Place.DM, is_system=True), Action.IGNORE),
        (_facts(Place.CHANNEL), Action.IGNORE),
        (_facts(Place.CHANNEL, mentions_dexter=True, can_open_threads=True), Action.OPEN_THREAD),
        (_facts(Place.CHANNEL, mentions_dexter=True), Action.REPLY_IN_CHANNEL),
        (_facts(Place.CHANNEL, mentions_dexter=True, from_bot=True), Action.IGNORE),
        (_facts(Place.OTHER, mentions_dexter=True, can_open_threads=True), Action.REPLY_IN_CHANNEL),
        (_facts(Place.OTHER), Action.IGNORE),
        (_facts(Place.THREAD), Action.IGNORE),
        (_facts(Place.THREAD, thread_is_dexters=True), Action.ANSWER_HERE),
        (_facts(Place.THREAD, mentions_dexter=True), Action.ANSWER_HERE),
        (_facts(Place.THREAD, thread_is_dexters=True, from_bot=True), Action.IGNORE),
        (_facts(Place.THREAD, thread_is_dexters=True, is_system=True), Action.IGNORE),
    ],
)
def test_route_message(facts: MessageFacts, expected: Action) -> None:
    assert route_message(facts) is expected


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (_facts(Place.THREAD), True),
        (_facts(Place.THREAD, mentions_dexter=True), False),
        (_facts(Place.THREAD, from_bot=True), False),
        (_facts(Place.THREAD, is_system=True), False),
        (_facts(Place.DM), False),
        (_facts(Place.CHANNEL), False),
    ],
)
def test_is_owner_relevant_only_for_unaddressed_human_thread_messages(
    facts: MessageFacts, expected: bool
) -> None:
    assert is_owner_relevant(facts) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<@42> what is AAPL's P/E?", "what is AAPL's P/E?"),
        ("<@!42> hi", "hi"),
        ("<@&7> revenue of MSFT", "revenue of MSFT"),
        ("compare <@42> and   <@99>", "compare and <@99>"),
        ("<@42>", ""),
        ("line one\n<@42> line two", "line one\nline two"),
    ],
)
def test_strip_mentions(text: str, expected: str) -> None:
    assert strip_mentions(text, user_id=42, role_ids=(7,)) == expected


@pytest.mark.parametrize(
    ("has_attachments", "addressed", "expected"),
    [
        (True, True, TEXT_ONLY_REPLY),
        (True, False, TEXT_ONLY_REPLY),
        (False, True, EMPTY_MENTION_REPLY),
        (False, False, None),
    ],
)
def test_reply_for_empty(has_attachments: bool, addressed: bool, expected: str | None) -> None:
    assert reply_for_empty(has_attachments=has_attachments, addressed=addressed) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("history", TextCommand.HISTORY),
        ("History!", TextCommand.HISTORY),
        ("history   full", TextCommand.HISTORY_FULL),
        ("clear", TextCommand.CLEAR),
        ("clear.", TextCommand.CLEAR),
        ("clear the history of AAPL's dividends", None),
        ("what is the history of AAPL?", None),
        ("", None),
    ],
)
def test_parse_text_command(text: str, expected: TextCommand | None) -> None:
    assert parse_text_command(text) is expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is AAPL's P/E?", "What is AAPL's P/E?"),
        ("\n\n  first   line \nsecond", "first line"),
        ("", "Dexter"),
        ("x" * 150, "x" * 99 + "…"),
    ],
)
def test_thread_name(question: str, expected: str) -> None:
    name = thread_name(question)
    assert name == expected
    assert 1 <= len(name) <= 100
