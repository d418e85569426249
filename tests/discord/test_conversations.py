"""What Dexter answers on Discord, where, and exactly once, through the real client."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from dexter_core.sessions.session_ids import discord_dm_session, discord_thread_session
from tests.discord.conftest import RigFactory
from tests.discord.rig import Rig
from tests.fakes.fake_discord import (
    ADA,
    BOB,
    BOT_ID,
    BOT_ROLE_ID,
    GENERAL_ID,
    GUILD_ID,
    LOCKED_ID,
    OTHER_BOT,
    USER_IDS,
)


async def test_mention_opens_a_thread_named_from_the_question_and_answers_there(rig: Rig) -> None:
    message = await rig.mention("What was AAPL's gross margin last quarter?")
    thread_id = await rig.thread_for(message)
    [answer] = await rig.answers(thread_id)
    assert answer == "Echo: What was AAPL's gross margin last quarter? [context: 1 messages]"
    [create] = rig.fake.calls_to("POST", f"/channels/{GENERAL_ID}/messages/{message['id']}/threads")
    assert create.json["name"] == "What was AAPL's gross margin last quarter?"
    assert rig.texts(GENERAL_ID) == []  # nothing posted in the channel itself
    typing = rig.fake.calls_to("POST", f"/channels/{thread_id}/typing")
    posts = rig.fake.calls_to("POST", f"/channels/{thread_id}/messages")
    assert typing and typing[0].at <= posts[0].at
    session_id = discord_thread_session(GUILD_ID, thread_id)
    [turn] = await rig.core.store.get_turns(session_id)
    assert (turn.query, turn.user_id, turn.user_name) == (
        "What was AAPL's gross margin last quarter?",
        str(USER_IDS[ADA]),
        "Ada Lovelace",
    )


async def test_follow_up_in_the_thread_needs_no_mention_and_sees_the_first_turn(rig: Rig) -> None:
    message = await rig.mention("What was AAPL's revenue in 2024?")
    thread_id = await rig.thread_for(message)
    await rig.answers(thread_id)
    await rig.fake.post_user_message("and how does that compare with MSFT?", channel_id=thread_id)
    answers = await rig.answers(thread_id, count=2)
    assert answers[1].startswith("Echo: and how does that compare with MSFT?")
    prompt = str(rig.llm.requests[-1]["messages"])
    assert "What was AAPL's revenue in 2024?" in prompt
    turns = await rig.core.store.get_turns(discord_thread_session(GUILD_ID, thread_id))
    assert [t.query for t in turns] == [
        "What was AAPL's revenue in 2024?",
        "and how does that compare with MSFT?",
    ]


async def test_dm_is_answered_in_the_dm_with_its_own_session(rig: Rig) -> None:
    dm = rig.fake.dm_channel_id(ADA)
    await rig.fake.post_user_message("Summarise NVDA's last 10-K", channel_id=dm)
    [answer] = await rig.answers(dm)
    assert answer.startswith("Echo: Summarise NVDA's last 10-K")
    assert rig.fake.calls_to("POST", r"/channels/\d+/messages/\d+/threads") == []
    [turn] = await rig.core.store.get_turns(discord_dm_session(dm))
    assert turn.user_id == str(USER_IDS[ADA])


async def test_mentioning_dexters_role_counts_as_a_mention(rig: Rig) -> None:
    message = await rig.fake.post_user_message(
        f"<@&{BOT_ROLE_ID}> price of TSLA?", mention_roles=[BOT_ROLE_ID]
    )
    thread_id = await rig.thread_for(message)
    assert (await rig.answers(thread_id))[0].startswith("Echo: price of TSLA?")


async def _other_bot_mentions(rig: Rig) -> None:
    await rig.fake.post_user_message(f"<@{BOT_ID}> buy signal", author=OTHER_BOT, mentions=[BOT_ID])


async def _own_message(rig: Rig) -> None:
    await rig.fake.post_user_message(
        f"<@{BOT_ID}> talking to myself", author="bot", mentions=[BOT_ID]
    )


async def _no_mention_in_channel(rig: Rig) -> None:
    await rig.fake.post_user_message("what is AAPL's P/E?")


async def _someone_elses_thread(rig: Rig) -> None:
    thread_id = await rig.fake.open_user_thread(owner=BOB)
    await rig.fake.post_user_message("what is AAPL's P/E?", channel_id=thread_id)


async def _system_message(rig: Rig) -> None:
    await rig.fake.post_user_message(f"<@{BOT_ID}>", mentions=[BOT_ID], message_type=7)


async def _edit(rig: Rig) -> None:
    message = rig.fake.user_message(f"<@{BOT_ID}> edited question", mentions=[BOT_ID])
    await rig.fake.dispatch("MESSAGE_UPDATE", {**message, "edited_timestamp": message["timestamp"]})


@pytest.mark.parametrize(
    "send",
    [
        _other_bot_mentions,
        _own_message,
        _no_mention_in_channel,
        _someone_elses_thread,
        _system_message,
        _edit,
    ],
)
async def test_messages_not_for_dexter_are_ignored(
    rig: Rig, send: Callable[[Rig], Awaitable[None]]
) -> None:
    await send(rig)
    await rig.settle()
    assert rig.fake.calls_to("POST", r"/channels/\d+/(typing|messages|messages/\d+/threads)") == []
    assert rig.llm.requests == []


async def test_a_mention_in_someone_elses_thread_makes_dexter_follow_it(rig: Rig) -> None:
    thread_id = await rig.fake.open_user_thread(owner=BOB)
    await rig.fake.post_user_message(
        f"<@{BOT_ID}> what is AAPL's P/E?", channel_id=thread_id, mentions=[BOT_ID]
    )
    await rig.answers(thread_id)
    await rig.fake.post_user_message("and MSFT's?", channel_id=thread_id, author=BOB)
    answers = await rig.answers(thread_id, count=2)
    assert answers[1].startswith("Echo: and MSFT's?")


async def test_the_same_message_delivered_twice_is_answered_once(rig: Rig) -> None:
    message = await rig.mention("What is the yield curve doing?")
    await rig.fake.dispatch("MESSAGE_CREATE", message)
    thread_id = await rig.thread_for(message)
    await rig.answers(thread_id)
    await rig.settle()
    assert len(rig.texts(thread_id)) == 1
    assert len(rig.fake.calls_to("POST", r"/channels/\d+/messages/\d+/threads")) == 1
    assert len(rig.llm.requests) == 1


async def test_a_resume_that_replays_a_message_answers_it_once(rig: Rig) -> None:
    before = rig.fake.sequence
    dm = rig.fake.dm_channel_id(ADA)
    await rig.fake.post_user_message("AMZN free cash flow?", channel_id=dm)
    await rig.answers(dm)
    await rig.fake.force_reconnect(replay_since=before)
    await rig.settle()
    assert rig.fake.resumes == 1
    assert rig.texts(dm) == ["Echo: AMZN free cash flow? [context: 1 messages]"]
    assert len(rig.llm.requests) == 1


async def test_messages_sent_while_disconnected_arrive_on_resume(rig: Rig) -> None:
    dm = rig.fake.dm_channel_id(BOB)
    await rig.fake.force_reconnect()
    await rig.fake.post_user_message("GOOG buybacks?", channel_id=dm, author=BOB)
    [answer] = await rig.answers(dm)
    assert answer.startswith("Echo: GOOG buybacks?")


async def test_without_thread_permission_it_replies_in_the_channel(rig: Rig) -> None:
    first = await rig.mention("What is META's operating margin?", channel_id=LOCKED_ID)
    [answer] = await rig.answers(LOCKED_ID)
    assert answer.startswith("Echo: What is META's operating margin?")
    assert rig.fake.calls_to("POST", r"/channels/\d+/messages/\d+/threads") == []
    [post] = rig.fake.calls_to("POST", f"/channels/{LOCKED_ID}/messages")
    assert str(post.json["message_reference"]["message_id"]) == first["id"]
    await rig.mention("and its net margin?", channel_id=LOCKED_ID, author=BOB)
    answers = await rig.answers(LOCKED_ID, count=2)
    assert answers[1].startswith("Echo: and its net margin?")
    assert "What is META's operating margin?" in str(rig.llm.requests[-1]["messages"])
    session_id = discord_thread_session(GUILD_ID, LOCKED_ID)
    assert len(await rig.core.store.get_turns(session_id)) == 2


async def test_a_thread_refused_by_discord_falls_back_to_a_reply(rig: Rig) -> None:
    rig.fake.fail_thread_creation = True
    message = await rig.mention("What is the S&P 500's P/E?")
    [answer] = await rig.answers(GENERAL_ID)
    assert answer.startswith("Echo: What is the S&P 500's P/E?")
    [post] = rig.fake.calls_to("POST", f"/channels/{GENERAL_ID}/messages")
    assert str(post.json["message_reference"]["message_id"]) == message["id"]


async def test_concurrent_messages_in_one_thread_are_both_answered_in_order(rig: Rig) -> None:
    message = await rig.mention("first question")
    thread_id = await rig.thread_for(message)
    await rig.answers(thread_id)
    await asyncio.gather(
        rig.fake.post_user_message("second question", channel_id=thread_id),
        rig.fake.post_user_message("third question", channel_id=thread_id, author=BOB),
    )
    answers = await rig.answers(thread_id, count=3)
    assert [a.split(" [")[0] for a in answers] == [
        "Echo: first question",
        "Echo: second question",
        "Echo: third question",
    ]


async def test_allow_lists_let_a_thread_count_as_its_parent(make_rig: RigFactory) -> None:
    rig = await make_rig(dexter_allowed_channels=frozenset({str(GENERAL_ID)}))
    message = await rig.mention("allowed here?")
    thread_id = await rig.thread_for(message)
    await rig.answers(thread_id)
    await rig.fake.post_user_message("and in the thread?", channel_id=thread_id)
    answers = await rig.answers(thread_id, count=2)
    assert answers[1].startswith("Echo: and in the thread?")
    await rig.mention("and over here?", channel_id=LOCKED_ID)
    [refusal] = await rig.answers(LOCKED_ID)
    assert refusal == "Dexter is not enabled for you here."
    assert len(rig.llm.requests) == 2


async def test_allow_listed_users_only(make_rig: RigFactory) -> None:
    rig = await make_rig(dexter_allowed_users=frozenset({str(USER_IDS[BOB])}))
    dm = rig.fake.dm_channel_id(ADA)
    await rig.fake.post_user_message("hello?", channel_id=dm)
    assert await rig.answers(dm) == ["Dexter is not enabled for you here."]
    assert rig.llm.requests == []
