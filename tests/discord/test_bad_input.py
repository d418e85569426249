"""Odd and hostile messages: a clear reply or a silent ignore, never a crash or stuck typing."""

from __future__ import annotations

from bots.discord.commands import STORE_DOWN_REPLY
from bots.discord.routing_logic import EMPTY_MENTION_REPLY, TEXT_ONLY_REPLY
from tests.discord.conftest import RigFactory
from tests.discord.rig import Rig
from tests.fakes.fake_discord import ADA, BOT_ID, GENERAL_ID


async def test_a_4000_character_message_is_answered_in_a_thread_with_a_short_name(rig: Rig) -> None:
    question = "Compare these companies' margins: " + " ".join(["AAPL MSFT NVDA"] * 280)
    question = question[:3990]
    message = await rig.mention(question)
    thread_id = await rig.thread_for(message)
    answer = await rig.answers(thread_id, count=3)  # the echo is split under 2,000 characters
    assert answer[0].startswith("Echo: Compare these companies' margins")
    [create] = rig.fake.calls_to("POST", r"/channels/\d+/messages/\d+/threads")
    assert 1 <= len(create.json["name"]) <= 100
    assert question in str(rig.llm.requests[-1]["messages"])


async def test_a_message_over_the_query_limit_gets_one_clear_refusal(make_rig: RigFactory) -> None:
    rig = await make_rig(dexter_max_query_chars=1000)
    dm = rig.fake.dm_channel_id(ADA)
    await rig.fake.post_user_message("x" * 4000, channel_id=dm)
    [refusal] = await rig.answers(dm)
    assert "1000" in refusal or "1,000" in refusal
    assert rig.llm.requests == []


async def test_only_attachments_get_told_dexter_reads_text(rig: Rig) -> None:
    await rig.fake.post_user_message(f"<@{BOT_ID}>", mentions=[BOT_ID], attachments=2)
    assert await rig.answers(GENERAL_ID) == [TEXT_ONLY_REPLY]
    assert rig.fake.calls_to("POST", r"/channels/\d+/(typing|messages/\d+/threads)") == []
    assert rig.llm.requests == []


async def test_only_a_mention_gets_an_example_question(rig: Rig) -> None:
    message = await rig.fake.post_user_message(f"<@{BOT_ID}>", mentions=[BOT_ID])
    assert await rig.answers(GENERAL_ID) == [EMPTY_MENTION_REPLY]
    [post] = rig.fake.calls_to("POST", f"/channels/{GENERAL_ID}/messages")
    assert str(post.json["message_reference"]["message_id"]) == message["id"]
    assert rig.llm.requests == []


async def test_a_textless_thread_message_passes_silently(rig: Rig) -> None:
    message = await rig.mention("What is AAPL's P/E?")
    thread_id = await rig.thread_for(message)
    await rig.answers(thread_id)
    # What Discord sends for a thread message when the message-content intent is off.
    await rig.fake.post_user_message("", channel_id=thread_id)
    await rig.settle()
    assert len(rig.texts(thread_id)) == 1
    assert len(rig.llm.requests) == 1


async def test_a_flood_from_one_user_is_refused_politely(make_rig: RigFactory) -> None:
    rig = await make_rig(dexter_user_rate_limit=1)
    dm = rig.fake.dm_channel_id(ADA)
    await rig.fake.post_user_message("first", channel_id=dm)
    await rig.answers(dm)
    await rig.fake.post_user_message("second", channel_id=dm)
    texts = await rig.answers(dm, count=2)
    assert "faster than I can answer" in texts[1]
    assert len(rig.llm.requests) == 1


async def test_a_mention_of_everyone_is_not_a_mention_of_dexter(rig: Rig) -> None:
    message = rig.fake.user_message("@everyone market is open")
    message["mention_everyone"] = True
    await rig.fake.dispatch("MESSAGE_CREATE", message)
    await rig.settle()
    assert rig.fake.calls_to("POST", r"/channels/\d+/(typing|messages|messages/\d+/threads)") == []


async def test_an_unreachable_store_still_answers_and_says_so(make_rig: RigFactory) -> None:
    rig = await make_rig(redis_url="redis://127.0.0.1:1/0")
    dm = rig.fake.dm_channel_id(ADA)
    await rig.fake.post_user_message("AAPL P/E?", channel_id=dm)
    await rig.fake.wait_until(lambda: any(t.startswith("Echo:") for t in rig.texts(dm)), within=10)
    notice, answer = rig.texts(dm)
    assert notice.startswith("-# ") and "unavailable" in notice
    assert answer.startswith("Echo: AAPL P/E?")
    interaction = await rig.fake.send_interaction("dexter-history", channel_id=dm)
    await rig.fake.wait_until(lambda: bool(rig.fake.followups(interaction)))
    assert [c.json["content"] for c in rig.fake.followups(interaction)] == [STORE_DOWN_REPLY]
