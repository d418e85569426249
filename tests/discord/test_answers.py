"""How answers look on Discord: progress, splitting, mentions, failures, typing."""

from __future__ import annotations

import asyncio
import itertools
import re

from tests.discord.rig import EDIT_INTERVAL, Rig
from tests.fakes.fake_discord import ADA, BOT_ROLE_ID, USER_IDS
from tests.fakes.fake_llm import ErrorReply, TextReply, ToolCall, ToolCallsReply

NO_PINGS = {"parse": []}


def _code_answer() -> str:
    code = "\n".join(
        f"revenue[{i}] = quarter_revenue('AAPL', {i})  # FY{2000 + i}" for i in range(90)
    )
    prose = " ".join(["Apple's services margin keeps widening."] * 30)
    return f"## AAPL revenue model\n\n{prose}\n\n```python\n{code}\n```\n\n{prose}"


async def test_a_5000_character_answer_with_code_is_split_with_fences_kept_whole(rig: Rig) -> None:
    answer = _code_answer()
    assert len(answer) > 5000
    rig.llm.enqueue(TextReply(answer))
    dm = rig.fake.dm_channel_id(ADA)
    await rig.fake.post_user_message("model AAPL revenue in Python", channel_id=dm)
    await rig.answers(dm, count=3)
    parts = rig.texts(dm)
    assert len(parts) >= 3
    for part in parts:
        assert len(part) <= 2000
        assert len(re.findall(r"^```", part, flags=re.MULTILINE)) % 2 == 0
    joined = "\n".join(parts)
    for i in range(90):
        assert f"revenue[{i}] = quarter_revenue('AAPL', {i})  # FY{2000 + i}" in joined
    assert parts[0].startswith("## AAPL revenue model")
    code_parts = [p for p in parts if "quarter_revenue" in p]
    assert len(code_parts) >= 2 and all("```python\n" in p for p in code_parts)


async def test_markdown_tables_become_code_blocks(rig: Rig) -> None:
    rig.llm.enqueue(TextReply("| Ticker | P/E |\n|---|---|\n| AAPL | 28.1 |"))
    dm = rig.fake.dm_channel_id(ADA)
    await rig.fake.post_user_message("P/E of AAPL?", channel_id=dm)
    assert await rig.answers(dm) == ["```\nTicker  P/E\n------  ----\nAAPL    28.1\n```"]


async def test_nothing_dexter_sends_can_ping(rig: Rig) -> None:
    pings = f"@everyone @here <@&{BOT_ROLE_ID}> <@{USER_IDS[ADA]}> look at this"
    rig.llm.enqueue(TextReply(pings))
    message = await rig.mention("ping everyone about AAPL")
    thread_id = await rig.thread_for(message)
    assert await rig.answers(thread_id) == [pings]
    await rig.fake.post_user_message(
        f"<@{rig.adapter.client.user.id}>", mentions=[rig.adapter.client.user.id]
    )
    await rig.fake.send_interaction("dexter-history", channel_id=thread_id)
    await rig.fake.wait_for_call("POST", r"/webhooks/\d+/.+")
    await rig.settle()
    sent = [
        call
        for call in rig.fake.calls
        if call.method in ("POST", "PATCH") and "content" in call.json
    ]
    assert len(sent) >= 3
    for call in sent:
        assert call.json.get("allowed_mentions", {}).get("parse") == [], call.path
        assert call.json["allowed_mentions"].get("replied_user", False) is False


async def test_progress_shows_the_steps_then_the_answer_follows(rig: Rig) -> None:
    rig.llm.enqueue(
        ToolCallsReply([ToolCall("get_income_statements", {"ticker": "AAPL", "period": "annual"})]),
        ToolCallsReply([ToolCall("get_balance_sheets", {"ticker": "AAPL", "period": "annual"})]),
        TextReply("AAPL's data was unavailable, so no figures."),
    )
    message = await rig.mention("AAPL income and balance sheet?")
    thread_id = await rig.thread_for(message)
    texts = await rig.answers(thread_id, count=2)
    progress, answer = texts
    assert answer == "AAPL's data was unavailable, so no figures."
    lines = progress.splitlines()
    assert len(lines) == 2
    assert "AAPL" in lines[0] and "income" in lines[0].lower()
    assert "balance" in lines[1].lower()
    assert all(line[0] in "✅⚠" for line in lines)  # finished steps, no running phase left


async def test_progress_edits_are_throttled(rig: Rig) -> None:
    steps = [
        ToolCallsReply([ToolCall(name, {"ticker": "MSFT", "period": "annual"})], delay=0.15)
        for name in ("get_income_statements", "get_balance_sheets", "get_cash_flow_statements")
    ]
    rig.llm.enqueue(*steps, TextReply("Done.", delay=0.15))
    dm = rig.fake.dm_channel_id(ADA)
    await rig.fake.post_user_message("MSFT statements?", channel_id=dm)
    await rig.answers(dm, count=2)
    progress_id = rig.fake.posted_messages(dm)[0]["id"]
    created = rig.fake.calls_to("POST", f"/channels/{dm}/messages")[0]
    edits = rig.fake.calls_to("PATCH", f"/channels/{dm}/messages/{progress_id}")
    writes = [created.at] + [e.at for e in edits[:-1]]  # the last edit marks the end
    assert len(writes) >= 3, "the steps were never shown while working"
    # Nine visible changes (start, finish, phase per step) in about 0.6 s.
    assert len(writes) <= (writes[-1] - writes[0]) / EDIT_INTERVAL + 2
    # Receipt times at the fake jitter with load; without the throttle gaps are ~1 ms.
    gaps = [b - a for a, b in itertools.pairwise(writes)]
    assert all(gap >= EDIT_INTERVAL * 0.5 for gap in gaps), gaps


async def test_a_rate_limited_edit_is_retried_by_discord_py(rig: Rig) -> None:
    rig.fake.rate_limit_once("POST", r"/channels/\d+/messages", retry_after=0.2)
    dm = rig.fake.dm_channel_id(ADA)
    await rig.fake.post_user_message("MSFT dividend?", channel_id=dm)
    [answer] = await rig.answers(dm)
    assert answer.startswith("Echo: MSFT dividend?")
    posts = rig.fake.calls_to("POST", f"/channels/{dm}/messages")
    assert len(posts) == 2 and posts[1].at - posts[0].at >= 0.15


async def test_the_llm_failing_mid_turn_gives_one_honest_message_and_stops_typing(rig: Rig) -> None:
    rig.llm.enqueue(
        ToolCallsReply([ToolCall("get_income_statements", {"ticker": "NVDA", "period": "annual"})]),
        *[ErrorReply(500, "upstream exploded") for _ in range(4)],
    )
    message = await rig.mention("NVDA income statements?")
    thread_id = await rig.thread_for(message)
    progress, failure = await rig.answers(thread_id, count=2)
    assert "NVDA" in progress
    assert "language model" in failure.lower()
    assert "upstream exploded" not in failure
    assert len(failure) < 200
    typing = len(rig.fake.calls_to("POST", f"/channels/{thread_id}/typing"))
    await asyncio.sleep(0.3)  # typing is refreshed every 50 ms in these tests while working
    assert len(rig.fake.calls_to("POST", f"/channels/{thread_id}/typing")) == typing
    assert len(rig.texts(thread_id)) == 2
    assert await rig.core.store.get_turns(f"discord:{message['guild_id']}:{thread_id}") == []


async def test_typing_is_refreshed_while_working_and_stops_with_the_answer(rig: Rig) -> None:
    rig.llm.enqueue(TextReply("Slow answer.", delay=0.4))
    dm = rig.fake.dm_channel_id(ADA)
    await rig.fake.post_user_message("slow question", channel_id=dm)
    await rig.answers(dm)
    typing = rig.fake.calls_to("POST", f"/channels/{dm}/typing")
    assert len(typing) >= 3
    [answer_post] = rig.fake.calls_to("POST", f"/channels/{dm}/messages")
    assert all(call.at <= answer_post.at for call in typing)
    await asyncio.sleep(0.3)
    assert len(rig.fake.calls_to("POST", f"/channels/{dm}/typing")) == len(typing)


async def test_a_deleted_thread_mid_turn_breaks_nothing(rig: Rig) -> None:
    rig.llm.enqueue(TextReply("Too late.", delay=0.3))
    message = await rig.mention("question for a doomed thread")
    thread_id = await rig.thread_for(message)
    rig.fake.delete_channel(thread_id)
    await rig.settle()
    assert rig.texts(thread_id) == []
    dm = rig.fake.dm_channel_id(ADA)
    await rig.fake.post_user_message("still answering?", channel_id=dm)
    assert (await rig.answers(dm))[0].startswith("Echo: still answering?")
