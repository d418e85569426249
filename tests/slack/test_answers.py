"""What Dexter answers in Slack, and where: through the real Bolt app and core."""

from __future__ import annotations

import asyncio

from tests.fakes.fake_llm import TextReply
from tests.fakes.fake_slack import (
    BOT_ID,
    BOT_USER_ID,
    Scripted,
    event_payload,
    mention_payload,
)
from tests.slack.conftest import Slack

ROOT = "1700000000.000100"


async def test_mention_is_answered_in_a_thread_on_the_message(slack: Slack) -> None:
    slack.llm.enqueue(TextReply("**Apple** revenue was $383.3B in FY2023."))
    delivery = await slack.send(mention_payload("What was Apple's revenue in 2023?", ts=ROOT))
    assert delivery.status == 200
    answers = await slack.answers("C0MARKETS", ROOT)
    assert answers == ["*Apple* revenue was $383.3B in FY2023."]
    assert "What was Apple's revenue in 2023?" in slack.llm.prompt_text()
    assert f"<@{BOT_USER_ID}>" not in slack.llm.prompt_text()
    turns = await slack.core.store.get_turns(f"slack:T0001ACME:C0MARKETS:{ROOT}")
    assert [(t.query, t.user_id, t.user_name) for t in turns] == [
        ("What was Apple's revenue in 2023?", "U0ALICE", "alice")
    ]


async def test_slack_dropping_the_connection_on_a_name_lookup_still_gets_an_answer(
    slack: Slack,
) -> None:
    # slack_sdk and aiohttp retry a dropped connection a few times: drop every attempt.
    slack.fake.script("users.info", *[Scripted(drop=True)] * 8)
    slack.llm.enqueue(TextReply("Apple's revenue was $383.3B."))
    await slack.send(mention_payload("Apple revenue?", ts=ROOT))
    assert await slack.answers("C0MARKETS", ROOT) == ["Apple's revenue was $383.3B."]
    turns = await slack.core.store.get_turns(f"slack:T0001ACME:C0MARKETS:{ROOT}")
    assert [(t.query, t.user_id, t.user_name) for t in turns] == [("Apple revenue?", "U0ALICE", "")]


async def test_placeholder_comes_first_and_becomes_the_answer(slack: Slack) -> None:
    slack.llm.enqueue(TextReply("Done.", delay=0.3))
    await slack.send(mention_payload("Slow one", ts=ROOT))
    await slack.answers("C0MARKETS", ROOT)
    posts = slack.fake.calls_to("chat.postMessage")
    assert len(posts) == 1 and posts[0].args["text"].startswith(":hourglass")
    assert posts[0].args["thread_ts"] == ROOT
    assert slack.fake.calls_to("chat.update")[-1].args["text"] == "Done."


async def test_follow_up_in_the_thread_needs_no_mention_and_sees_the_first_turn(
    slack: Slack,
) -> None:
    await slack.send(mention_payload("What was Apple's revenue in 2023?", ts=ROOT))
    await slack.answers("C0MARKETS", ROOT)
    follow_up = event_payload(text="And Microsoft's?", ts="1700000060.000300", thread_ts=ROOT)
    await slack.send(follow_up)
    answers = await slack.answers("C0MARKETS", ROOT, count=2)
    assert answers[1].startswith("Echo: And Microsoft's?")
    assert "What was Apple's revenue in 2023?" in slack.llm.prompt_text()
    assert not slack.fake.calls_to("conversations.replies")  # the store knew the thread


async def test_thread_where_dexter_posted_but_has_no_session_is_checked_with_slack(
    slack: Slack,
) -> None:
    slack.fake.add_message("C0MARKETS", ts=ROOT, user="U0BOB", text="earnings thread")
    slack.fake.messages["C0MARKETS"].append(
        {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "text": "hi",
            "ts": "1700000001.000000",
            "thread_ts": ROOT,
        }
    )
    await slack.send(event_payload(text="and margins?", ts="1700000070.000100", thread_ts=ROOT))
    answers = await slack.answers("C0MARKETS", ROOT, count=2)
    assert answers[-1].startswith("Echo: and margins?")
    assert len(slack.fake.calls_to("conversations.replies")) == 1


async def test_thread_replies_where_dexter_never_took_part_are_ignored(slack: Slack) -> None:
    slack.fake.add_message("C0MARKETS", ts=ROOT, user="U0BOB", text="lunch?")
    for n in range(2):
        await slack.send(event_payload(text=f"sure {n}", ts=f"1700000070.00010{n}", thread_ts=ROOT))
        await slack.settle()
    assert not slack.fake.calls_to("chat.postMessage")
    assert len(slack.fake.calls_to("conversations.replies")) == 1  # the answer is remembered


async def test_dm_is_answered_at_the_top_level_as_one_conversation(slack: Slack) -> None:
    dm = {"channel": "D0ALICEDM", "channel_type": "im"}
    await slack.send(event_payload(text="AAPL P/E?", ts="1700000100.000100", **dm))
    assert (await slack.answers("D0ALICEDM", None)) == ["Echo: AAPL P/E? [context: 1 messages]"]
    await slack.send(event_payload(text="and MSFT?", ts="1700000200.000100", **dm))
    answers = await slack.answers("D0ALICEDM", None, count=2)
    assert answers[1].startswith("Echo: and MSFT?")
    assert "AAPL P/E?" in slack.llm.prompt_text()
    assert len(await slack.core.store.get_turns("slack:T0001ACME:D0ALICEDM")) == 2


async def test_bots_self_edits_deletions_and_joins_are_ignored(slack: Slack) -> None:
    dm = {"channel": "D0ALICEDM", "channel_type": "im"}
    ignored = [
        event_payload(text="from a bot", bot_id="B0OTHER", **dm),
        event_payload(text="bot message", subtype="bot_message", **dm),
        event_payload(text="myself", user=BOT_USER_ID, **dm),
        event_payload(text="edited", subtype="message_changed", hidden=True, **dm),
        event_payload(text="", subtype="message_deleted", hidden=True, **dm),
        event_payload(text="<@U0ALICE> has joined", subtype="channel_join"),
        event_payload(text="top-level chatter"),
        # The `message` copy of a channel mention: the `app_mention` answers it.
        event_payload(text=f"<@{BOT_USER_ID}> hi"),
    ]
    for n, payload in enumerate(ignored):
        payload["event"]["ts"] = f"1700000300.00000{n}"
        assert (await slack.send(payload)).status == 200
    await slack.settle()
    assert not slack.fake.calls_to("chat.postMessage")
    assert not slack.fake.ephemerals
    assert not slack.llm.requests


async def test_a_reply_before_dexter_answered_a_mention_root_is_answered(slack: Slack) -> None:
    # Another process is answering the root mention: no session, no Dexter message yet.
    slack.fake.add_message("C0MARKETS", ts=ROOT, user="U0BOB", text=f"<@{BOT_USER_ID}> AAPL?")
    await slack.send(event_payload(text="and MSFT too", ts="1700000070.000100", thread_ts=ROOT))
    [answer] = await slack.answers("C0MARKETS", ROOT)
    assert answer.startswith("Echo: and MSFT too")


async def test_two_messages_in_one_thread_at_once_are_both_answered_in_order(slack: Slack) -> None:
    await slack.send(mention_payload("AAPL revenue?", ts=ROOT))
    await slack.answers("C0MARKETS", ROOT)
    first = event_payload(text="and MSFT?", ts="1700000070.000100", thread_ts=ROOT)
    second = event_payload(text="and GOOG?", ts="1700000070.000200", thread_ts=ROOT, user="U0BOB")
    await asyncio.gather(slack.send(first), slack.send(second))
    answers = await slack.answers("C0MARKETS", ROOT, count=3)
    assert {answers[1].split(" [")[0], answers[2].split(" [")[0]} == {
        "Echo: and MSFT?",
        "Echo: and GOOG?",
    }
    turns = await slack.core.store.get_turns(f"slack:T0001ACME:C0MARKETS:{ROOT}")
    assert len(turns) == 3
    # The later of the two saw the earlier one.
    assert turns[1].query in slack.llm.prompt_text(-1)
