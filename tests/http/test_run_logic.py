"""What `dexter run` starts and how it says so."""

from __future__ import annotations

import pytest
from aiohttp import web

from bots.adapter import Adapter, AdapterSpec
from bots.run_logic import ServiceState, describe_access, http_url, split_adapters, startup_summary
from dexter_core.core import Core
from dexter_core.settings import Settings


def spec(name: str, needs: str) -> AdapterSpec:
    def why_off(settings: Settings) -> str | None:
        return None if getattr(settings, needs) else f"{needs.upper()} is not set"

    def create(core: Core, app: web.Application) -> Adapter:
        raise AssertionError("not created in these tests")

    return AdapterSpec(name=name, why_off=why_off, create=create)


SPECS = [spec("slack", "slack_bot_token"), spec("discord", "discord_token")]


@pytest.mark.parametrize(
    ("settings", "on", "off"),
    [
        (Settings(), [], ["slack", "discord"]),
        (Settings(slack_bot_token="xoxb-1"), ["slack"], ["discord"]),
        (Settings(slack_bot_token="xoxb-1", discord_token="d"), ["slack", "discord"], []),
    ],
)
def test_split_adapters(settings: Settings, on: list[str], off: list[str]) -> None:
    running, stopped = split_adapters(SPECS, settings)
    assert [s.name for s in running] == on
    assert [s.name for s in stopped] == off
    assert all(not s.is_on and s.detail.endswith("is not set") for s in stopped)


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 8000, "http://127.0.0.1:8000"),
        ("::1", 9000, "http://[::1]:9000"),
        ("[::1]", 9000, "http://[::1]:9000"),
        ("localhost", 80, "http://localhost:80"),
    ],
)
def test_http_url(host: str, port: int, url: str) -> None:
    assert http_url(host, port) == url


@pytest.mark.parametrize(
    ("settings", "text"),
    [
        (Settings(), "no credentials"),
        (Settings(backend_api_key="k"), "API key"),
        (Settings(jwt_secret="s"), "JWT (sessions owned by sub)"),
        (Settings(backend_api_key="k", jwt_secret="s"), "API key + JWT (sessions owned by sub)"),
    ],
)
def test_describe_access(settings: Settings, text: str) -> None:
    assert describe_access(settings) == text


def test_startup_summary_lists_every_service_then_store_and_llm() -> None:
    summary = startup_summary(
        [
            ServiceState(name="http", is_on=True, detail="http://127.0.0.1:8000 (API key)"),
            ServiceState(name="discord", is_on=False, detail="DISCORD_TOKEN is not set"),
        ],
        store_name="redis",
        settings=Settings(openai_api_key="sk-x", dexter_model="gpt-test"),
    )
    assert summary.splitlines() == [
        "Dexter is running (Ctrl-C stops it):",
        "  http     on   http://127.0.0.1:8000 (API key)",
        "  discord  off  DISCORD_TOKEN is not set",
        "  store    redis",
        "  llm      model gpt-test",
    ]


def test_startup_summary_warns_when_no_llm_is_configured() -> None:
    summary = startup_summary([], store_name="memory", settings=Settings())
    assert "OPENAI_API_KEY" in summary.splitlines()[-1]
