"""`dexter doctor` against the fake LLM, data API, Slack and Discord, and with nothing set."""

from __future__ import annotations

import dataclasses
import io
from typing import Any

import pytest

from bots.doctor import run_doctor
from bots.doctor_logic import (
    Check,
    Outcome,
    discord_me_check,
    exit_code,
    render,
    slack_auth_check,
)
from dexter_core.settings import Settings
from tests.fakes.fake_discord import FakeDiscord
from tests.fakes.fake_slack import APP_TOKEN, BOT_TOKEN, FakeSlack


async def doctor(settings: Settings) -> tuple[int, str]:
    out = io.StringIO()
    code = await run_doctor(settings, out=out)
    return code, out.getvalue()


def outcome_of(report: str, part: str) -> str:
    (line,) = [line for line in report.splitlines() if line.split()[1:2] == [part]]
    return line.split()[0]


async def test_everything_configured_and_reachable(settings: Settings) -> None:
    slack = FakeSlack()
    await slack.start()
    try:
        async with FakeDiscord() as discord:
            full = dataclasses.replace(
                settings,
                slack_bot_token=BOT_TOKEN,
                slack_app_token=APP_TOKEN,
                slack_api_url=slack.api_url,
                discord_token=discord.token,
                discord_api_url=discord.api_url,
            )
            code, report = await doctor(full)
    finally:
        await slack.close()
    assert code == 0, report
    assert [outcome_of(report, part) for part in ("store", "LLM", "Slack", "Discord")] == ["ok"] * 4
    assert "ok       data API" in report
    assert report.rstrip().endswith("Everything configured is reachable.")
    assert [c.method for c in slack.calls] == ["auth.test"]
    for secret in (BOT_TOKEN, APP_TOKEN, settings.openai_api_key, discord.token):
        assert secret not in report


async def test_nothing_configured_says_what_to_set() -> None:
    code, report = await doctor(Settings())
    assert code == 1
    assert outcome_of(report, "LLM") == "MISSING"
    assert "fix: set OPENAI_API_KEY, or OPENAI_BASE_URL" in report
    assert "off      data API" in report and "FINANCIAL_DATASETS_API_KEY" in report
    assert outcome_of(report, "Slack") == "off" and outcome_of(report, "Discord") == "off"
    assert outcome_of(report, "store") == "ok"
    assert report.rstrip().endswith("1 problem found.")


async def test_unreachable_or_refused_parts_fail(settings: Settings) -> None:
    async with FakeDiscord() as discord:
        broken = dataclasses.replace(
            settings,
            openai_api_key="sk-wrong",
            financial_datasets_api_key="fd-wrong",
            redis_url="redis://127.0.0.1:1/0",
            discord_token="not-the-token",
            discord_api_url=discord.api_url,
            slack_bot_token="xoxb-unreachable",
            slack_signing_secret="s",
            slack_api_url="http://127.0.0.1:1/api/",
        )
        code, report = await doctor(broken)
    assert code == 1
    for part in ("store", "LLM", "Slack", "Discord"):
        assert outcome_of(report, part) == "FAILED", report
    assert "FAILED   data API" in report
    assert "HTTP 401" in report
    assert "5 problems found." in report
    for secret in ("sk-wrong", "fd-wrong", "not-the-token", "xoxb-unreachable"):
        assert secret not in report


@pytest.mark.parametrize(
    ("status", "body", "outcome", "words"),
    [
        (200, {"ok": True, "user": "dexter", "team": "Acme"}, Outcome.OK, "@dexter in Acme"),
        (200, {"ok": False, "error": "invalid_auth"}, Outcome.FAILED, "refused the bot token"),
        (200, {"ok": False, "error": "ratelimited"}, Outcome.FAILED, "ratelimited"),
        (502, None, Outcome.FAILED, "HTTP 502"),
    ],
)
def test_slack_auth_check(status: int, body: Any, outcome: Outcome, words: str) -> None:
    check = slack_auth_check(status, body)
    assert check.outcome is outcome and words in check.detail


@pytest.mark.parametrize(
    ("status", "body", "outcome", "words"),
    [
        (200, {"id": "1", "username": "Dexter"}, Outcome.OK, "signed in as Dexter"),
        (401, {"message": "401: Unauthorized"}, Outcome.FAILED, "refused the bot token"),
        (200, {"unexpected": True}, Outcome.FAILED, "HTTP 200"),
        (500, None, Outcome.FAILED, "HTTP 500"),
    ],
)
def test_discord_me_check(status: int, body: Any, outcome: Outcome, words: str) -> None:
    check = discord_me_check(status, body)
    assert check.outcome is outcome and words in check.detail


@pytest.mark.parametrize(
    ("outcomes", "code"),
    [
        ([Outcome.OK, Outcome.OFF], 0),
        ([Outcome.OK, Outcome.MISSING], 1),
        ([Outcome.FAILED, Outcome.OFF], 1),
    ],
)
def test_exit_code(outcomes: list[Outcome], code: int) -> None:
    assert exit_code([Check(f"p{i}", o, "") for i, o in enumerate(outcomes)]) == code


def test_render_aligns_parts_and_shows_fixes() -> None:
    text = render(
        [Check("LLM", Outcome.MISSING, "none", "set X"), Check("store", Outcome.OK, "memory")]
    )
    assert text.splitlines() == [
        "Dexter doctor",
        "  MISSING  LLM    none",
        "                  fix: set X",
        "  ok       store  memory",
        "1 problem found.",
    ]
