"""`/dexter-history` and `/dexter-clear` (and their text forms) in threads, DMs and channels."""

from __future__ import annotations

import logging

import pytest

from bots.discord.commands import NOTHING_TO_CLEAR_REPLY, UNKNOWN_COMMAND_REPLY
from bots.discord.history_logic import CLEAR_REFUSED_REPLY, NOT_A_SESSION_REPLY
from dexter_core.sessions.session_ids import discord_dm_session, discord_thread_session
from tests.discord.conftest import RigFactory
from tests.discord.rig import Rig, make_turn
from tests.fakes.fake_discord import (
    ADA,
    BOB,
    BOT_ID,
    EPHEMERAL,
    GENERAL_ID,
    GUILD_ID,
    LOCKED_ID,
    MOD,
    USER_IDS,
)

FULL = [{"name": "full", "type": 5, "value": True}]


async def _thread_with_turns(rig: Rig) -> int:
    message = await rig.mention("What was AAPL's revenue in 2024?")
    thread_id = await rig.thread_for(message)
    await rig.answers(thread_id)
    await rig.fake.post_user_message("and its net income?", channel_id=thread_id)
    await rig.answers(thread_id, count=2)
    return thread_id


async def test_history_in_a_thread_is_deferred_ephemeral_and_lists_the_turns(rig: Rig) -> None:
    thread_id = await _thread_with_turns(rig)
    interaction = await rig.fake.send_interaction("dexter-history", channel_id=thread_id)
    callback = await rig.fake.wait_for_call(
        "POST", f"/interactions/{interaction['id']}/.+/callback"
    )
    assert callback.json == {"type": 5, "data": {"flags": EPHEMERAL}}
    await rig.settle()
    [history] = [c.json["content"] for c in rig.fake.followups(interaction)]
    assert "2 turns" in history
    assert history.index("What was AAPL's revenue in 2024?") < history.index("and its net income?")
    assert f"<@{USER_IDS[ADA]}> asked" in history
    assert "<t:" in history


async def test_history_full_shows_the_answers(rig: Rig) -> None:
    thread_id = await _thread_with_turns(rig)
    [history] = await rig.command("dexter-history", channel_id=thread_id, options=FULL)
    assert "Echo: What was AAPL's revenue in 2024?" in history
    assert "Whole answers" not in history


async def test_history_in_a_dm(rig: Rig) -> None:
    dm = rig.fake.dm_channel_id(BOB)
    await rig.fake.post_user_message("TSLA deliveries?", channel_id=dm, author=BOB)
    await rig.answers(dm)
    [history] = await rig.command("dexter-history", channel_id=dm, user=BOB)
    assert "TSLA deliveries?" in history and "1 turn" in history


async def test_history_in_a_plain_channel_points_at_dexters_threads(rig: Rig) -> None:
    message = await rig.mention("What is AMD's P/E?")
    thread_id = await rig.thread_for(message)
    await rig.answers(thread_id)
    [reply] = await rig.command("dexter-history", channel_id=GENERAL_ID)
    assert reply.startswith(NOT_A_SESSION_REPLY)
    assert f"<#{thread_id}> What is AMD's P/E?" in reply


async def test_history_in_a_channel_dexter_answers_in_place_shows_that_session(rig: Rig) -> None:
    await rig.mention("What is META's margin?", channel_id=LOCKED_ID)
    await rig.answers(LOCKED_ID)
    [history] = await rig.command("dexter-history", channel_id=LOCKED_ID)
    assert "What is META's margin?" in history


async def test_clear_by_a_participant_forgets_the_thread(rig: Rig) -> None:
    thread_id = await _thread_with_turns(rig)
    [reply] = await rig.command("dexter-clear", channel_id=thread_id)
    assert "Cleared" in reply and "2 turns" in reply
    session_id = discord_thread_session(GUILD_ID, thread_id)
    assert await rig.core.store.get_turns(session_id) == []
    await rig.fake.post_user_message("what did I ask before?", channel_id=thread_id)
    await rig.answers(thread_id, count=3)
    assert "AAPL" not in str(rig.llm.requests[-1]["messages"])


async def test_clear_is_refused_to_others_and_allowed_to_moderators(rig: Rig) -> None:
    thread_id = await _thread_with_turns(rig)
    session_id = discord_thread_session(GUILD_ID, thread_id)
    assert await rig.command("dexter-clear", channel_id=thread_id, user=BOB) == [
        CLEAR_REFUSED_REPLY
    ]
    assert len(await rig.core.store.get_turns(session_id)) == 2
    [reply] = await rig.command("dexter-clear", channel_id=thread_id, user=MOD)
    assert reply.startswith("Cleared")
    assert await rig.core.store.get_turns(session_id) == []


async def test_clear_in_a_dm_and_with_nothing_to_clear(rig: Rig) -> None:
    dm = rig.fake.dm_channel_id(ADA)
    await rig.seed_turns(discord_dm_session(dm), make_turn("old DM question"))
    [reply] = await rig.command("dexter-clear", channel_id=dm)
    assert reply.startswith("Cleared")
    assert await rig.core.store.get_turns(discord_dm_session(dm)) == []
    assert await rig.command("dexter-clear", channel_id=dm) == [NOTHING_TO_CLEAR_REPLY]


async def test_clear_in_a_plain_channel_points_at_the_threads(rig: Rig) -> None:
    [reply] = await rig.command("dexter-clear", channel_id=GENERAL_ID)
    assert reply.startswith(NOT_A_SESSION_REPLY)
    assert "Mention @Dexter" in reply


async def test_a_replayed_interaction_is_handled_once(rig: Rig) -> None:
    thread_id = await _thread_with_turns(rig)
    interaction = await rig.fake.send_interaction("dexter-clear", channel_id=thread_id)
    await rig.fake.dispatch("INTERACTION_CREATE", interaction)
    await rig.fake.wait_for_call("POST", f"/interactions/{interaction['id']}/.+/callback")
    await rig.settle()
    assert len(rig.fake.calls_to("POST", f"/interactions/{interaction['id']}/.+/callback")) == 1
    [reply] = [c.json["content"] for c in rig.fake.followups(interaction)]
    assert reply.startswith("Cleared")


async def test_text_forms_work_inside_a_thread(rig: Rig) -> None:
    thread_id = await _thread_with_turns(rig)
    await rig.fake.post_user_message(
        f"<@{BOT_ID}> history", channel_id=thread_id, mentions=[BOT_ID]
    )
    texts = await rig.answers(thread_id, count=3)
    assert "What was AAPL's revenue in 2024?" in texts[2] and "2 turns" in texts[2]
    await rig.fake.post_user_message(
        f"<@{BOT_ID}> clear", channel_id=thread_id, mentions=[BOT_ID], author=BOB
    )
    texts = await rig.answers(thread_id, count=4)
    assert texts[3] == CLEAR_REFUSED_REPLY
    await rig.fake.post_user_message(f"<@{BOT_ID}> clear", channel_id=thread_id, mentions=[BOT_ID])
    texts = await rig.answers(thread_id, count=5)
    assert texts[4].startswith("Cleared")
    assert await rig.core.store.get_turns(discord_thread_session(GUILD_ID, thread_id)) == []
    assert len(rig.llm.requests) == 2  # commands never reach the agent


async def test_unknown_commands_get_a_clear_reply(rig: Rig) -> None:
    assert await rig.command("dexter-portfolio") == [UNKNOWN_COMMAND_REPLY]


async def test_an_unknown_option_is_ignored(rig: Rig) -> None:
    thread_id = await _thread_with_turns(rig)
    options = [{"name": "page", "type": 4, "value": 3}]
    [history] = await rig.command("dexter-history", channel_id=thread_id, options=options)
    assert "2 turns" in history


async def test_commands_from_a_deleted_thread_still_answer(rig: Rig) -> None:
    thread_id = await _thread_with_turns(rig)
    rig.fake.delete_channel(thread_id)
    [history] = await rig.command("dexter-history", channel_id=thread_id)
    assert "2 turns" in history
    [clear] = await rig.command("dexter-clear", channel_id=thread_id)
    assert clear.startswith("Cleared")
    assert await rig.command("dexter-history", channel_id=thread_id) == [
        "No Dexter conversation here yet: nothing to show."
    ]


async def test_an_interaction_that_cannot_be_deferred_is_dropped_quietly(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    rig.fake.fail_once(
        "POST",
        r"/interactions/\d+/.+/callback",
        status=404,
        code=10062,
        message="Unknown interaction",
    )
    interaction = await rig.fake.send_interaction("dexter-history")
    await rig.fake.wait_for_call("POST", f"/interactions/{interaction['id']}/.+/callback")
    await rig.settle()
    assert rig.fake.followups(interaction) == []
    assert "could not defer interaction" in caplog.text
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    [reply] = await rig.command("dexter-history")
    assert reply.startswith(NOT_A_SESSION_REPLY)


async def test_commands_outside_the_allow_list_are_refused(make_rig: RigFactory) -> None:
    rig = await make_rig(dexter_allowed_users=frozenset({str(USER_IDS[BOB])}))
    assert await rig.command("dexter-history", channel_id=rig.fake.dm_channel_id(ADA)) == [
        "Dexter is not enabled for you here."
    ]
