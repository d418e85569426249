"""`DISCORD_API_URL` and `DISCORD_GATEWAY_URL` steer the real discord.py client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bots.discord.endpoints import (
    DEFAULT_API_URL,
    DEFAULT_GATEWAY_URL,
    use_api_url,
    use_gateway_url,
)
from dexter_core.settings import Settings
from tests.fakes.fake_discord import FakeDiscord


@pytest.fixture
async def logged_in(
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[FakeDiscord, discord.Client]]:
    """A plain discord.py client logged in at the fake (class attributes restored after)."""
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    async with FakeDiscord() as fake:
        use_api_url(Settings(discord_api_url=fake.api_url + "/"))
        client = discord.Client(intents=discord.Intents.none())
        await client.login(fake.token)
        try:
            yield fake, client
        finally:
            await client.close()


async def test_the_api_url_is_where_rest_calls_go(
    logged_in: tuple[FakeDiscord, discord.Client],
) -> None:
    fake, _ = logged_in
    assert fake.api_url == Route.BASE
    assert [c.path for c in fake.calls[:2]] == ["/users/@me", "/oauth2/applications/@me"]


async def test_the_gateway_comes_from_that_api_by_default(
    logged_in: tuple[FakeDiscord, discord.Client],
) -> None:
    fake, client = logged_in
    await use_gateway_url(client, Settings(discord_api_url=fake.api_url))
    assert yarl.URL(fake.gateway_url) == DiscordWebSocket.DEFAULT_GATEWAY


async def test_the_gateway_setting_wins(logged_in: tuple[FakeDiscord, discord.Client]) -> None:
    fake, client = logged_in
    settings = Settings(discord_api_url=fake.api_url, discord_gateway_url="ws://127.0.0.1:9/gw")
    await use_gateway_url(client, settings)
    assert yarl.URL("ws://127.0.0.1:9/gw") == DiscordWebSocket.DEFAULT_GATEWAY
    assert fake.calls_to("GET", "/gateway/bot") == []


async def test_an_api_without_a_gateway_falls_back_to_discords(
    logged_in: tuple[FakeDiscord, discord.Client], caplog: pytest.LogCaptureFixture
) -> None:
    fake, client = logged_in
    fake.fail_once("GET", "/gateway/bot", status=404, code=0, message="404: Not Found")
    await use_gateway_url(client, Settings(discord_api_url=fake.api_url))
    assert yarl.URL(DEFAULT_GATEWAY_URL) == DiscordWebSocket.DEFAULT_GATEWAY
    assert "DISCORD_GATEWAY_URL" in caplog.text


def test_the_default_api_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Route, "BASE", "http://elsewhere")
    use_api_url(Settings())
    assert DEFAULT_API_URL == Route.BASE
