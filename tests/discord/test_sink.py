"""The turn sink on its own, through the real client: re-runs, notices, typing limits."""

from __future__ import annotations

import asyncio

from bots.discord.sink import DiscordTurnSink, ReplyTarget, sink_for_request
from dexter_core.agent.events import (
    Event,
    FinalAnswer,
    Notice,
    Status,
    ToolFinished,
    ToolStarted,
    TurnEnded,
)
from dexter_core.dispatch.post_ledgers import MemoryPostLedger
from dexter_core.dispatch.requests import TurnRequest
from tests.discord.rig import Rig
from tests.fakes.fake_discord import ADA, GENERAL_ID, GUILD_ID


def _sink(
    rig: Rig,
    channel_id: int,
    ledger: MemoryPostLedger,
    *,
    typing_limit: float = 30.0,
    reference: int | None = None,
) -> DiscordTurnSink:
    target = ReplyTarget(channel_id=channel_id, guild_id=GUILD_ID, reference_message_id=reference)
    request = TurnRequest(
        session_id=f"discord:{GUILD_ID}:{channel_id}",
        text="q",
        platform="discord",
        reply_to=target.to_dict(),
    )
    return sink_for_request(
        rig.adapter.client,
        request,
        ledger,
        edit_interval=0.05,
        typing_interval=0.05,
        typing_limit=typing_limit,
    )


TURN: list[Event] = [
    Status(phase="queued"),
    Status(phase="thinking"),
    ToolStarted(
        call_id="1",
        name="get_prices",
        arguments={"ticker": "AAPL"},
        description="Fetching AAPL prices",
    ),
    ToolFinished(call_id="1", name="get_prices", ok=True, duration_ms=3.0),
    FinalAnswer(text="First paragraph. " * 80 + "\n\n" + "Second paragraph. " * 80),
]


async def test_a_turn_run_again_with_its_ledger_posts_nothing_twice(rig: Rig) -> None:
    ledger = MemoryPostLedger()
    first = _sink(rig, GENERAL_ID, ledger)
    for event in TURN:
        await first.send(event)
    posts = len(rig.fake.calls_to("POST", f"/channels/{GENERAL_ID}/messages"))
    assert posts == 3  # progress and two answer parts
    again = _sink(rig, GENERAL_ID, ledger)
    for event in TURN:
        await again.send(event)
    assert len(rig.fake.calls_to("POST", f"/channels/{GENERAL_ID}/messages")) == posts
    progress, *parts = rig.texts(GENERAL_ID)
    assert progress == "✅ Fetching AAPL prices"
    assert [p.split(".")[0] for p in parts] == ["First paragraph", "Second paragraph"]


async def test_only_the_first_message_replies_to_the_question(rig: Rig) -> None:
    question = await rig.fake.post_user_message("no thread here", channel_id=GENERAL_ID)
    sink = _sink(rig, GENERAL_ID, MemoryPostLedger(), reference=int(question["id"]))
    for event in TURN:
        await sink.send(event)
    posts = rig.fake.calls_to("POST", f"/channels/{GENERAL_ID}/messages")
    assert [("message_reference" in p.json) for p in posts] == [True, False, False]


async def test_a_notice_is_a_small_line(rig: Rig) -> None:
    sink = _sink(rig, GENERAL_ID, MemoryPostLedger())
    await sink.send(Notice(text="History is unavailable; answering without it."))
    await sink.send(FinalAnswer(text="Answer."))
    assert rig.texts(GENERAL_ID) == ["-# History is unavailable; answering without it.", "Answer."]


async def test_typing_stops_at_its_limit_even_without_an_end(rig: Rig) -> None:
    sink = _sink(rig, GENERAL_ID, MemoryPostLedger(), typing_limit=0.2)
    await sink.send(Status(phase="thinking"))
    await asyncio.sleep(0.35)
    typing = len(rig.fake.calls_to("POST", f"/channels/{GENERAL_ID}/typing"))
    assert typing >= 2
    await asyncio.sleep(0.2)
    assert len(rig.fake.calls_to("POST", f"/channels/{GENERAL_ID}/typing")) == typing


async def test_a_deleted_progress_message_does_not_stop_the_answer(rig: Rig) -> None:
    sink = _sink(rig, GENERAL_ID, MemoryPostLedger())
    for event in TURN[:3]:
        await sink.send(event)
    [progress] = rig.fake.posted_messages(GENERAL_ID)
    del rig.fake.messages[int(progress["id"])]
    for event in TURN[3:]:
        await sink.send(event)
    assert len(rig.fake.posted_messages(GENERAL_ID)) == 2
    assert rig.fake.calls_to("PATCH", rf"/channels/{GENERAL_ID}/messages/\d+")


def test_reply_target_round_trips_as_json_values() -> None:
    target = ReplyTarget(channel_id=1, guild_id=None, reference_message_id=3)
    assert target.to_dict() == {"channel_id": "1", "guild_id": None, "reference_message_id": "3"}
    assert ReplyTarget.from_dict(target.to_dict()) == target
    assert ReplyTarget.from_dict({"channel_id": "5"}) == ReplyTarget(channel_id=5)


async def test_sinks_for_dms_post_in_the_dm(rig: Rig) -> None:
    dm = rig.fake.dm_channel_id(ADA)
    target = ReplyTarget(channel_id=dm)
    request = TurnRequest(
        session_id=f"discord:dm:{dm}", text="q", platform="discord", reply_to=target.to_dict()
    )
    sink = sink_for_request(
        rig.adapter.client,
        request,
        MemoryPostLedger(),
        edit_interval=1.0,
        typing_interval=1.0,
        typing_limit=5.0,
    )
    await sink.send(FinalAnswer(text="In the DM."))
    assert rig.texts(dm) == ["In the DM."]


async def test_the_end_of_a_stored_turn_posts_and_edits_nothing(rig: Rig) -> None:
    sink = _sink(rig, GENERAL_ID, MemoryPostLedger())
    for event in TURN:
        await sink.send(event)
    calls_for_the_answer = len(rig.fake.calls)

    await sink.send(Status(phase="stored"))
    await sink.send(TurnEnded())
    await asyncio.sleep(0.1)  # past the progress edit and typing intervals

    assert len(rig.fake.calls) == calls_for_the_answer
    progress, *parts = rig.texts(GENERAL_ID)
    assert progress == "✅ Fetching AAPL prices"
    assert len(parts) == 2
