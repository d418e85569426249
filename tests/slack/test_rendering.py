"""How turns look in Slack: progress edits, long answers, failures, Slack's own limits."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from itertools import pairwise

from bots.slack.adapter import build_client
from bots.slack.sink import ActiveTurns, SlackTurnSink
from dexter_core.agent.events import (
    FinalAnswer,
    Notice,
    Status,
    ToolFinished,
    ToolStarted,
    TurnEnded,
)
from dexter_core.dispatch.post_ledgers import MemoryPostLedger
from tests.fakes.fake_llm import ErrorReply, TextReply, ToolCall, ToolCallsReply
from tests.fakes.fake_slack import FakeSlack, Scripted, mention_payload
from tests.slack.conftest import BASE_SETTINGS, Slack, SlackFactory

ROOT = "1700000000.000100"
# Long words keep the fake LLM's word-by-word stream short.
LONG_ANSWER = "\n\n".join(
    [
        f"Paragraph {n}: " + "revenue-grew-strongly-in-every-segment-this-year " * 25
        for n in range(6)
    ]
    + ["```\n" + "\n".join(f"row-{n}|{n * 1.5:.1f}" for n in range(400)) + "\n```"]
)


async def test_a_long_answer_is_split_at_boundaries_with_code_blocks_whole(slack: Slack) -> None:
    slack.llm.enqueue(TextReply(LONG_ANSWER))
    await slack.send(mention_payload("Tell me everything", ts=ROOT))
    parts = await slack.answers("C0MARKETS", ROOT, count=4)
    assert len(parts) == 4
    assert all(len(part) <= 3900 for part in parts)
    assert all(part.count("```") % 2 == 0 for part in parts)
    assert parts[0].startswith("Paragraph 0:")  # the placeholder became the first part
    assert "row-399|598.5" in parts[-1]
    # Cuts fell between paragraphs, or between lines of the code block.
    assert all(p.startswith(("Paragraph", "```")) for p in parts)
    assert all(p.rstrip().endswith(("this-year", "```")) for p in parts)


async def test_tool_steps_show_as_progress_edits(slack: Slack) -> None:
    slack.llm.enqueue(
        ToolCallsReply([ToolCall("get_income_statements", {"ticker": "AAPL", "period": "annual"})]),
        TextReply("Revenue was $383B.", delay=1.2),
    )
    await slack.send(mention_payload("AAPL income?", ts=ROOT))
    await slack.answers("C0MARKETS", ROOT)
    edits = [call.args["text"] for call in slack.fake.calls_to("chat.update")]
    assert any("AAPL" in edit and edit.startswith(":hourglass") for edit in edits[:-1]), edits
    assert edits[-1] == "Revenue was $383B."
    times = [call.at for call in slack.fake.calls_to("chat.update")[:-1]]
    assert all(later - earlier >= 0.95 for earlier, later in pairwise(times))


async def test_a_slack_429_during_progress_edits_is_waited_out(slack: Slack) -> None:
    slack.fake.script("chat.update", Scripted(status=429, retry_after=1))
    slack.llm.enqueue(
        ToolCallsReply([ToolCall("get_stock_prices", {"ticker": "AAPL"})]),
        TextReply("AAPL closed at $190.", delay=0.2),
    )
    await slack.send(mention_payload("AAPL price?", ts=ROOT))
    assert await slack.answers("C0MARKETS", ROOT) == ["AAPL closed at $190."]
    updates = slack.fake.calls_to("chat.update")
    assert len(updates) >= 2
    assert updates[1].at - updates[0].at >= 1.0  # Retry-After honoured


async def test_the_llm_failing_mid_turn_gives_one_honest_line(make_slack: SlackFactory) -> None:
    slack = await make_slack(dexter_llm_max_retries=0)
    slack.llm.enqueue(
        ToolCallsReply([ToolCall("get_stock_prices", {"ticker": "AAPL"})]),
        *[ErrorReply(503, "upstream down")] * 10,
    )
    await slack.send(mention_payload("AAPL price?", ts=ROOT))
    [line] = await slack.answers("C0MARKETS", ROOT)
    assert line.startswith(":warning: ") and "\n" not in line
    assert len(line) < 200
    assert "upstream down" not in line


async def test_msg_too_long_from_slack_posts_the_part_in_smaller_pieces(slack: Slack) -> None:
    slack.fake.max_text_chars = 1000
    slack.llm.enqueue(TextReply("First paragraph. " * 40 + "\n\n" + "Second paragraph. " * 40))
    await slack.send(mention_payload("Explain", ts=ROOT))
    await slack.answers("C0MARKETS", ROOT, count=2)
    texts = [m["text"] for m in slack.fake.thread("C0MARKETS", ROOT) if m.get("bot_id")]
    joined = " ".join(texts)
    assert joined.count("First paragraph.") == 40 and joined.count("Second paragraph.") == 40


async def test_a_rerun_turn_posts_nothing_twice(fake_slack: FakeSlack) -> None:
    client = build_client(replace(BASE_SETTINGS, slack_api_url=fake_slack.api_url))
    ledger = MemoryPostLedger()
    reply_to = {"channel": "C0MARKETS", "thread_ts": ROOT}
    answer = FinalAnswer(text="\n\n".join(["word " * 700] * 3))
    for _ in range(2):  # the same request run twice, e.g. after a crash, with its ledger
        sink = SlackTurnSink(
            client=client, reply_to=reply_to, ledger=ledger, active_turns=ActiveTurns()
        )
        await sink.send(Status(phase="thinking"))
        await sink.send(Notice(text="History is unavailable; answering without it."))
        await sink.send(answer)
    messages = fake_slack.thread("C0MARKETS", ROOT)
    assert len(messages) == 4  # the placeholder (now part 1), the notice, parts 2 and 3
    assert len(fake_slack.calls_to("chat.postMessage")) == 4
    assert messages[1]["blocks"][0]["type"] == "context"


async def test_events_after_the_answer_change_nothing(fake_slack: FakeSlack) -> None:
    client = build_client(replace(BASE_SETTINGS, slack_api_url=fake_slack.api_url))
    active_turns = ActiveTurns()
    sink = SlackTurnSink(
        client=client,
        reply_to={"channel": "D0ALICEDM"},
        ledger=MemoryPostLedger(),
        active_turns=active_turns,
    )
    assert active_turns.count == 1
    await sink.send(ToolStarted(call_id="1", name="get_prices", arguments={}, description="Prices"))
    await sink.send(FinalAnswer(text="Done."))
    await sink.send(ToolFinished(call_id="1", name="get_prices", ok=True, duration_ms=1.0))
    [message] = fake_slack.messages["D0ALICEDM"]
    assert message["text"] == "Done." and "thread_ts" not in message
    assert active_turns.count == 0


async def test_the_end_of_a_stored_turn_posts_and_edits_nothing(fake_slack: FakeSlack) -> None:
    client = build_client(replace(BASE_SETTINGS, slack_api_url=fake_slack.api_url))
    sink = SlackTurnSink(
        client=client,
        reply_to={"channel": "C0MARKETS", "thread_ts": ROOT},
        ledger=MemoryPostLedger(),
        active_turns=ActiveTurns(),
    )
    await sink.send(Status(phase="queued"))
    await sink.send(FinalAnswer(text="Revenue was $383B."))
    calls_for_the_answer = [call.method for call in fake_slack.calls]

    await sink.send(Status(phase="stored"))
    await sink.send(TurnEnded())
    await asyncio.sleep(0.05)  # a progress edit would be due at once: none is made

    assert calls_for_the_answer == ["chat.postMessage", "chat.update"]
    assert [call.method for call in fake_slack.calls] == calls_for_the_answer
    assert [m["text"] for m in fake_slack.thread("C0MARKETS", ROOT)] == ["Revenue was $383B."]
