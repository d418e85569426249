"""Logging in, command registration and the gateway, through the real discord.py client."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

import pytest
from discord.http import Route

from bots.discord.adapter import SPEC, DiscordAdapter, DiscordStartError
from bots.registry import ADAPTER_SPECS
from dexter_core.bootstrap import build_core, close_core
from dexter_core.settings import Settings
from tests.discord.conftest import RigFactory
from tests.discord.rig import BASE_SETTINGS, Rig
from tests.fakes.fake_discord import ADA, APPLICATION_ID, BOT_ID, GUILD_ID, FakeDiscord
from tests.fakes.fake_llm import TextReply


async def test_start_logs_in_registers_commands_and_connects(rig: Rig) -> None:
    assert rig.adapter.client.user is not None
    assert rig.adapter.client.user.id == BOT_ID
    assert rig.fake.identifies == 1
    assert rig.fake.api_url == Route.BASE
    [sync] = rig.fake.command_syncs
    assert sync.method == "PUT"
    assert sync.path == f"/applications/{APPLICATION_ID}/commands"
    commands = {command["name"]: command for command in sync.body}
    assert set(commands) == {"dexter-history", "dexter-clear"}
    [full] = commands["dexter-history"]["options"]
    assert (full["name"], full["type"], full.get("required", False)) == ("full", 5, False)
    assert commands["dexter-clear"].get("options", []) == []


async def test_guild_id_registers_commands_on_that_guild(make_rig: RigFactory) -> None:
    rig = await make_rig(dexter_discord_guild_id=str(GUILD_ID))
    [sync] = rig.fake.command_syncs
    assert sync.path == f"/applications/{APPLICATION_ID}/guilds/{GUILD_ID}/commands"
    assert {command["name"] for command in sync.body} == {"dexter-history", "dexter-clear"}


async def test_without_the_message_content_intent_it_connects_without_it(
    make_rig: RigFactory, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bots.discord.adapter"):
        rig = await make_rig(message_content_allowed=False)
    assert rig.adapter.client.intents.message_content is False
    assert "Message Content intent is not enabled" in caplog.text
    # Mentions still carry their text, so they are answered.
    message = await rig.mention("what is AAPL's P/E?")
    thread_id = await rig.thread_for(message)
    assert (await rig.answers(thread_id))[-1].startswith("Echo: what is AAPL's P/E?")


async def test_a_refused_token_is_a_clear_error_without_the_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with FakeDiscord() as fake:
        settings = replace(
            BASE_SETTINGS,
            discord_token="wrong-token-value",
            discord_api_url=fake.api_url,
            openai_base_url="http://127.0.0.1:9/v1",
        )
        core = await build_core(settings)
        adapter = DiscordAdapter(core, guild_ready_timeout=0.05)
        try:
            with pytest.raises(DiscordStartError, match="refused DISCORD_TOKEN"):
                await adapter.start()
        finally:
            await adapter.stop()
            await close_core(core, grace=1.0)
    assert "wrong-token-value" not in caplog.text


async def test_an_unreachable_api_is_a_clear_error() -> None:
    settings = replace(
        BASE_SETTINGS,
        discord_token="t",
        discord_api_url="http://127.0.0.1:9/api/v10",
        openai_base_url="http://127.0.0.1:9/v1",
    )
    core = await build_core(settings)
    adapter = DiscordAdapter(core, guild_ready_timeout=0.05)
    try:
        with pytest.raises(DiscordStartError, match="DISCORD_API_URL"):
            await adapter.start()
    finally:
        await close_core(core, grace=1.0)


async def test_gateway_url_setting_wins_over_the_api(make_rig: RigFactory) -> None:
    async with FakeDiscord() as other:
        rig = await make_rig(discord_gateway_url=other.gateway_url)
        assert (other.identifies, rig.fake.identifies) == (1, 0)
        assert rig.fake.calls_to("GET", "/gateway/bot") == []
        assert other.calls == []


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (Settings(), "DISCORD_TOKEN is not set"),
        (Settings(discord_token="t"), None),
        (Settings(discord_token="t", dexter_discord_guild_id="123"), None),
        (
            Settings(discord_token="t", dexter_discord_guild_id="my-server"),
            "DEXTER_DISCORD_GUILD_ID is not a Discord server id (digits only)",
        ),
    ],
)
def test_why_off(settings: Settings, expected: str | None) -> None:
    assert SPEC.why_off(settings) == expected


def test_discord_is_registered_for_dexter_run() -> None:
    assert SPEC in ADAPTER_SPECS
    assert SPEC.name == "discord"


async def test_resume_keeps_the_session(rig: Rig) -> None:
    await rig.fake.force_reconnect()
    assert rig.fake.resumes == 1
    assert rig.fake.identifies == 1
    message = await rig.mention("still there?")
    thread_id = await rig.thread_for(message)
    assert (await rig.answers(thread_id))[-1].startswith("Echo: still there?")


async def test_stop_lets_answers_under_way_be_posted_then_disconnects(rig: Rig) -> None:
    rig.llm.enqueue(TextReply("Slow but sure.", delay=0.4))
    dm = rig.fake.dm_channel_id(ADA)
    await rig.fake.post_user_message("a slow question", channel_id=dm)
    await rig.fake.wait_for_call("POST", f"/channels/{dm}/typing")
    client = rig.adapter.client
    await rig.adapter.stop()
    assert rig.texts(dm) == ["Slow but sure."]
    assert client.is_closed()
    await rig.fake.post_user_message("anyone there?", channel_id=dm)
    await asyncio.sleep(0.1)
    assert rig.texts(dm) == ["Slow but sure."]
