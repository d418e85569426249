"""Discord on the Redis store and the Redis Streams dispatcher (a real Redis server)."""

from __future__ import annotations

import asyncio

from dexter_core.sessions.session_ids import discord_thread_session
from tests.discord.conftest import RigFactory
from tests.fakes.fake_discord import BOB, GUILD_ID


async def test_a_thread_on_redis_answers_in_order_and_once(
    make_rig: RigFactory, redis_url: str, redis_prefix: str
) -> None:
    rig = await make_rig(redis_url=redis_url, dexter_redis_prefix=redis_prefix)
    assert rig.core.store.name != "memory"
    message = await rig.mention("What was AAPL's revenue in 2024?")
    await rig.fake.dispatch("MESSAGE_CREATE", message)  # delivered twice
    thread_id = await rig.thread_for(message)
    await rig.answers(thread_id)
    await asyncio.gather(
        rig.fake.post_user_message("and in 2023?", channel_id=thread_id),
        rig.fake.post_user_message("and its net income?", channel_id=thread_id, author=BOB),
    )
    texts = await rig.answers(thread_id, count=3)
    assert [t.split(" [")[0] for t in texts] == [
        "Echo: What was AAPL's revenue in 2024?",
        "Echo: and in 2023?",
        "Echo: and its net income?",
    ]
    assert len(rig.fake.calls_to("POST", r"/channels/\d+/messages/\d+/threads")) == 1
    turns = await rig.stored_turns(discord_thread_session(GUILD_ID, thread_id), count=3)
    assert [t.query for t in turns] == [
        "What was AAPL's revenue in 2024?",
        "and in 2023?",
        "and its net income?",
    ]
    [history] = await rig.command("dexter-history", channel_id=thread_id)
    assert "3 turns" in history


async def test_a_message_needing_a_lookup_is_not_overtaken(
    make_rig: RigFactory, redis_url: str, redis_prefix: str
) -> None:
    rig = await make_rig(redis_url=redis_url, dexter_redis_prefix=redis_prefix)
    thread_id = await rig.fake.open_user_thread(owner=BOB)
    await rig.mention("What is AAPL's P/E?", channel_id=thread_id)
    await rig.answers(thread_id)
    # The first needs the store to tell the thread is Dexter's; the second mentions it.
    await asyncio.gather(
        rig.fake.post_user_message("first follow-up", channel_id=thread_id),
        rig.mention("second follow-up", channel_id=thread_id),
    )
    texts = await rig.answers(thread_id, count=3)
    assert [t.split(" [")[0] for t in texts[1:]] == [
        "Echo: first follow-up",
        "Echo: second follow-up",
    ]
