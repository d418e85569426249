"""The contract every session store keeps; runs against memory, SQLite and Redis."""

from __future__ import annotations

import asyncio
import time

import pytest

from dexter_core.errors import InvalidInputError
from dexter_core.sessions import session_ids
from dexter_core.sessions.models import MAX_ANSWER_CHARS, Turn
from dexter_core.sessions.store import SessionStore
from tests.stores.conftest import MakeStore

SID = "slack:T1:C1:1700000000.000100"


def make_turn(n: int, **fields: object) -> Turn:
    fields.setdefault("created_at", 1_700_000_000.0 + n)
    return Turn(query=f"question {n}", answer=f"answer {n}", **fields)  # type: ignore[arg-type]


async def append_many(store: SessionStore, session_id: str, count: int) -> list[Turn]:
    turns = [make_turn(n) for n in range(count)]
    for turn in turns:
        assert await store.append_turn(session_id, turn)
    return turns


async def test_turns_come_back_oldest_first_and_limit_keeps_the_newest(store: SessionStore):
    await append_many(store, SID, 5)

    assert [t.query for t in await store.get_turns(SID)] == [f"question {n}" for n in range(5)]
    assert [t.query for t in await store.get_turns(SID, limit=2)] == ["question 3", "question 4"]
    assert len(await store.get_turns(SID, limit=50)) == 5


async def test_a_turn_round_trips_every_field(store: SessionStore):
    turn = Turn(
        query="What was AAPL revenue in 2023?",
        answer="$383.3B [income statement]",
        summary="AAPL revenue 2023",
        user_id="U1",
        user_name="Ada",
        platform="slack",
        created_at=1_700_000_000.25,
        embedding=b"\x00\x01\xff\x80" * 96,
        usage={"prompt_tokens": 10, "completion_tokens": 5},
        extra={"tools": ["income_statements"]},
    )
    await store.append_turn(SID, turn)

    assert await store.get_turns(SID) == [turn]


@pytest.mark.parametrize("limit", [0, -1, 2.5, "3"])
async def test_a_bad_limit_is_refused(store: SessionStore, limit: object):
    await append_many(store, SID, 2)

    with pytest.raises(InvalidInputError):
        await store.get_turns(SID, limit=limit)  # type: ignore[arg-type]
    assert len(await store.get_turns(SID)) == 2


@pytest.mark.parametrize("bad_id", ["", "   ", "x" * 257, "slack:{T1}:C1", "a\nb", "a\x00b", None])
async def test_a_bad_session_id_is_refused_and_changes_nothing(store: SessionStore, bad_id: object):
    await append_many(store, SID, 1)

    with pytest.raises(InvalidInputError):
        await store.append_turn(bad_id, make_turn(9))  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        await store.get_turns(bad_id)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        await store.clear(bad_id)  # type: ignore[arg-type]
    assert [t.query for t in await store.get_turns(SID)] == ["question 0"]


@pytest.mark.parametrize("query", ["", "  \n\t "])
async def test_an_empty_query_is_refused(store: SessionStore, query: str):
    with pytest.raises(InvalidInputError):
        await store.append_turn(SID, Turn(query=query, answer="a"))
    assert await store.get_metadata(SID) is None


async def test_an_oversized_answer_is_refused(store: SessionStore):
    with pytest.raises(InvalidInputError):
        await store.append_turn(SID, Turn(query="q", answer="x" * (MAX_ANSWER_CHARS + 1)))
    assert await store.get_turns(SID) == []


async def test_an_unknown_session_reads_as_empty(store: SessionStore):
    assert await store.get_turns("console:nobody") == []
    assert await store.get_turns("console:nobody", limit=3) == []
    assert await store.get_metadata("console:nobody") is None


async def test_metadata_follows_the_appends(store: SessionStore):
    await store.append_turn(SID, make_turn(1, user_id="U1", user_name="Ada"))
    await store.append_turn(SID, make_turn(2, user_id="U2", user_name="Grace"))
    await store.append_turn(SID, make_turn(3, user_id="U1"))

    meta = await store.get_metadata(SID)
    assert meta is not None
    assert meta.session_id == SID
    assert (meta.platform, meta.channel) == ("slack", "C1")
    assert meta.turn_count == 3
    assert meta.title == "question 1"
    assert meta.created_at == 1_700_000_001.0
    assert meta.last_activity == 1_700_000_003.0
    assert meta.participants == {"U1": "Ada", "U2": "Grace"}
    assert (meta.summary, meta.folded_turns, meta.generation) == ("", 0, 0)


@pytest.mark.parametrize(
    ("session_id", "platform", "channel"),
    [
        (session_ids.slack_thread_session("T1", "C1", "1700000000.000100"), "slack", "C1"),
        (session_ids.slack_dm_session("T1", "D42"), "slack", "D42"),
        (session_ids.discord_thread_session(111, 222), "discord", "222"),
        (session_ids.discord_dm_session(333), "discord", "333"),
        (session_ids.console_session("ada"), "console", "ada"),
        ("api:6f1c2d9e-4b7a-4c2e-9a51-0d3c8e7f1a2b", "api", "6f1c2d9e-4b7a-4c2e-9a51-0d3c8e7f1a2b"),
    ],
)
async def test_every_session_id_form_round_trips(
    store: SessionStore, session_id: str, platform: str, channel: str
):
    await store.append_turn(session_id, make_turn(1, user_id="U1"))

    assert [t.query for t in await store.get_turns(session_id)] == ["question 1"]
    meta = await store.get_metadata(session_id)
    assert meta is not None
    assert (meta.session_id, meta.platform, meta.channel) == (session_id, platform, channel)
    listed = await store.list_sessions(platform=platform, channel=channel)
    assert [m.session_id for m in listed] == [session_id]


async def test_sessions_never_see_each_others_turns(store: SessionStore):
    # Ids that share prefixes, as a careless key scheme would confuse them.
    first, second = "slack:T1:C1", "slack:T1:C1:1700000000.000100"
    await store.append_turn(first, make_turn(1))
    await store.append_turn(second, make_turn(2))
    await store.clear(second)

    assert [t.query for t in await store.get_turns(first)] == ["question 1"]
    assert await store.get_turns(second) == []
    assert (await store.get_metadata(first)).turn_count == 1  # type: ignore[union-attr]


async def test_clear_forgets_turns_and_summary_and_moves_the_generation_on(store: SessionStore):
    await append_many(store, SID, 3)
    assert await store.fold_turns(SID, count=1, summary="older", expected_folded=0)

    await store.clear(SID)

    assert await store.get_turns(SID) == []
    meta = await store.get_metadata(SID)
    assert meta is not None
    assert (meta.turn_count, meta.summary, meta.folded_turns, meta.title) == (0, "", 0, "")
    assert meta.participants == {}
    assert meta.generation == 1
    await store.append_turn(SID, make_turn(7))
    assert [t.query for t in await store.get_turns(SID)] == ["question 7"]


async def test_clear_wins_over_a_write_already_in_flight(store: SessionStore):
    await append_many(store, SID, 1)
    seen = await store.get_metadata(SID)
    assert seen is not None

    await store.clear(SID)
    stored = await store.append_turn(SID, make_turn(5), if_generation=seen.generation)

    assert stored is False
    assert await store.get_turns(SID) == []
    after = await store.get_metadata(SID)
    assert after is not None and after.turn_count == 0
    assert await store.append_turn(SID, make_turn(6), if_generation=after.generation)
    assert [t.query for t in await store.get_turns(SID)] == ["question 6"]


async def test_clear_during_concurrent_writes_leaves_no_older_turn(store: SessionStore):
    seen = await store.get_metadata(SID)
    generation = seen.generation if seen else 0
    writers = [store.append_turn(SID, make_turn(n), if_generation=generation) for n in range(20)]
    results = await asyncio.gather(*writers[:10], store.clear(SID), *writers[10:])

    # Whatever landed before the clear is gone; whatever came after it was refused.
    assert await store.get_turns(SID) == []
    meta = await store.get_metadata(SID)
    assert meta is not None
    assert (meta.turn_count, meta.generation) == (0, generation + 1)
    assert results[10] is None


async def test_update_turn_merges_summary_and_embedding(store: SessionStore):
    turns = await append_many(store, SID, 3)

    assert await store.update_turn(SID, turns[1].turn_id, summary="short")
    assert await store.update_turn(SID, turns[1].turn_id, embedding=b"\x01\x02\x03\x04")

    got = await store.get_turns(SID)
    assert [t.turn_id for t in got] == [t.turn_id for t in turns]
    assert (got[1].summary, got[1].embedding) == ("short", b"\x01\x02\x03\x04")
    assert (got[0].summary, got[0].embedding) == ("", None)
    assert (await store.get_turns(SID, limit=2))[0].summary == "short"


async def test_update_turn_is_false_for_unknown_and_cleared_turns(store: SessionStore):
    turns = await append_many(store, SID, 1)

    assert await store.update_turn(SID, "no-such-turn", summary="x") is False
    assert await store.update_turn("console:nobody", turns[0].turn_id, summary="x") is False
    await store.clear(SID)
    assert await store.update_turn(SID, turns[0].turn_id, embedding=b"\x00" * 4) is False
    assert await store.get_turns(SID) == []


async def test_fold_drops_the_oldest_turns_and_sets_the_summary(store: SessionStore):
    turns = await append_many(store, SID, 5)
    await store.update_turn(SID, turns[0].turn_id, summary="first")

    assert await store.fold_turns(SID, count=2, summary="rolling", expected_folded=0)

    assert [t.query for t in await store.get_turns(SID)] == [
        "question 2",
        "question 3",
        "question 4",
    ]
    meta = await store.get_metadata(SID)
    assert meta is not None
    assert (meta.summary, meta.folded_turns, meta.turn_count) == ("rolling", 2, 5)
    assert await store.update_turn(SID, turns[0].turn_id, summary="gone") is False


async def test_fold_is_refused_when_stale_or_larger_than_the_history(store: SessionStore):
    await append_many(store, SID, 3)

    assert await store.fold_turns(SID, count=1, summary="s", expected_folded=5) is False
    assert await store.fold_turns(SID, count=4, summary="s", expected_folded=0) is False
    assert (
        await store.fold_turns("console:nobody", count=1, summary="s", expected_folded=0) is False
    )
    with pytest.raises(InvalidInputError):
        await store.fold_turns(SID, count=0, summary="s", expected_folded=0)
    assert len(await store.get_turns(SID)) == 3
    assert (await store.get_metadata(SID)).summary == ""  # type: ignore[union-attr]


async def test_two_concurrent_folds_exactly_one_wins(make_store: MakeStore):
    first, second = await make_store(), await make_store()
    await append_many(first, SID, 6)

    results = await asyncio.gather(
        first.fold_turns(SID, count=2, summary="by first", expected_folded=0),
        second.fold_turns(SID, count=2, summary="by second", expected_folded=0),
    )

    assert sorted(results) == [False, True]
    meta = await first.get_metadata(SID)
    assert meta is not None and meta.folded_turns == 2
    assert meta.summary == ("by first" if results[0] else "by second")
    assert (await second.get_turns(SID))[0].query == "question 2"


async def test_list_sessions_newest_first_with_a_user_filter(store: SessionStore):
    older, newer, other_channel = "slack:T1:C1:1.1", "slack:T1:C1:2.2", "slack:T1:C2:3.3"
    await store.append_turn(older, make_turn(1, user_id="U1"))
    await store.append_turn(newer, make_turn(2, user_id="U2"))
    await store.append_turn(other_channel, make_turn(3, user_id="U1"))
    await store.append_turn(older, make_turn(4, user_id="U3"))

    everyone = await store.list_sessions(platform="slack", channel="C1")
    assert [m.session_id for m in everyone] == [older, newer]
    assert everyone[0].participants == {"U1": "", "U3": ""}
    only_u2 = await store.list_sessions(platform="slack", channel="C1", user_id="U2")
    assert [m.session_id for m in only_u2] == [newer]
    assert await store.list_sessions(platform="slack", channel="C1", user_id="U9") == []
    assert len(await store.list_sessions(platform="slack", channel="C1", limit=1)) == 1
    assert await store.list_sessions(platform="discord", channel="C1") == []


async def test_list_sessions_skips_cleared_sessions(store: SessionStore):
    await store.append_turn("slack:T1:C1:1.1", make_turn(1, user_id="U1"))
    await store.append_turn("slack:T1:C1:2.2", make_turn(2, user_id="U1"))
    await store.clear("slack:T1:C1:2.2")

    listed = await store.list_sessions(platform="slack", channel="C1", user_id="U1")

    assert [m.session_id for m in listed] == ["slack:T1:C1:1.1"]
    with pytest.raises(InvalidInputError):
        await store.list_sessions(platform="slack", channel="C1", limit=0)


async def test_an_event_is_claimed_once(make_store: MakeStore):
    first, second = await make_store(), await make_store()

    results = await asyncio.gather(*(s.claim_event("slack:Ev123") for s in (first, second) * 3))

    assert results.count(True) == 1
    assert await first.claim_event("slack:Ev124") is True
    with pytest.raises(InvalidInputError):
        await first.claim_event("")
    with pytest.raises(InvalidInputError):
        await first.claim_event("k", ttl=0)


async def test_a_claimed_event_can_be_claimed_again_after_its_ttl(store: SessionStore):
    assert await store.claim_event("discord:msg:1", ttl=1)
    await asyncio.sleep(1.1)
    assert await store.claim_event("discord:msg:1", ttl=1)


async def test_a_one_megabyte_answer_and_lone_surrogates_round_trip(store: SessionStore):
    big = ("Revenue grew 8% — 营收 📈 " * 40_000)[:1_000_000]
    await store.append_turn(SID, Turn(query="q\ud800 part", answer=big, user_name="A\udfffda"))

    [turn] = await store.get_turns(SID)
    assert turn.answer == big
    assert turn.query == "q\ufffd part"
    assert turn.user_name == "A\ufffdda"
    assert (await store.get_metadata(SID)).title == "q\ufffd part"  # type: ignore[union-attr]
    assert await store.update_turn(SID, turn.turn_id, summary="s\udc80")
    assert (await store.get_turns(SID))[0].summary == "s\ufffd"


async def test_a_session_expires_after_its_ttl_of_inactivity(make_store: MakeStore):
    store = await make_store(ttl=0.4)
    await store.append_turn(SID, make_turn(1, user_id="U1"))
    await store.clear("console:gone")

    await asyncio.sleep(0.6)

    assert await store.get_turns(SID) == []
    assert await store.get_metadata(SID) is None
    assert await store.get_metadata("console:gone") is None
    assert await store.list_sessions(platform="slack", channel="C1") == []
    assert await store.append_turn(SID, make_turn(2), if_generation=0)
    assert [t.query for t in await store.get_turns(SID)] == ["question 2"]


async def test_activity_keeps_a_session_alive(make_store: MakeStore):
    store = await make_store(ttl=0.6)
    for n in range(3):
        await store.append_turn(SID, make_turn(n))
        await asyncio.sleep(0.3)

    assert len(await store.get_turns(SID)) == 3


async def test_a_zero_ttl_means_sessions_never_expire(make_store: MakeStore):
    store = await make_store(ttl=0)
    await store.append_turn(SID, make_turn(1))
    await store.clear("console:kept")

    assert len(await store.get_turns(SID)) == 1
    assert (await store.get_metadata("console:kept")).generation == 1  # type: ignore[union-attr]


async def test_a_store_reopened_on_the_same_backend_sees_the_history(
    make_store: MakeStore, store_kind: str
):
    if store_kind == "memory":
        pytest.skip("the in-memory store keeps nothing past its own lifetime")
    first = await make_store()
    await append_many(first, SID, 2)
    await first.close()

    second = await make_store()
    assert [t.query for t in await second.get_turns(SID)] == ["question 0", "question 1"]


async def test_ping_answers(store: SessionStore):
    started = time.monotonic()
    await store.ping()
    assert time.monotonic() - started < 1.0
