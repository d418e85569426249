"""`dexter doctor`: checks the settings and what Dexter can reach, and says how to fix
what is missing. Each part is tried with one small real request; secrets are never printed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from collections.abc import Callable
from typing import Any, TextIO

import aiohttp

from bots.doctor_logic import Check, Outcome, discord_me_check, exit_code, render, slack_auth_check
from dexter_core.agent.llm import LLMClient
from dexter_core.agent.tools.client import DataUnavailable, FinancialDatasetsClient
from dexter_core.agent.tools.specs import SPECS_BY_NAME
from dexter_core.errors import LLMUnavailableError, StoreUnavailableError
from dexter_core.redaction import redact, secrets_of
from dexter_core.sessions.factory import get_session_store
from dexter_core.settings import Settings

CHECK_TIMEOUT = 10.0


async def run_doctor(settings: Settings, *, out: TextIO = sys.stdout) -> int:
    """Print the report; 0 when every configured part is reachable and an LLM is set."""
    checks = await asyncio.gather(
        _check_store(settings),
        _check_llm(settings),
        _check_data_api(settings),
        _check_slack(settings),
        _check_discord(settings),
    )
    # Details quote what servers and libraries said; mask any secret they echoed back.
    out.write(redact(render(list(checks)), secrets_of(settings)))
    out.flush()
    return exit_code(list(checks))


async def _check_store(settings: Settings) -> Check:
    if settings.redis_url:
        kind, fix = "Redis (REDIS_URL)", "check REDIS_URL and that the Redis server is running"
    elif settings.dexter_sqlite_path:
        kind, fix = f"SQLite file {settings.dexter_sqlite_path}", "check DEXTER_SQLITE_PATH"
    else:
        kind, fix = (
            "in memory (history is lost on restart; set REDIS_URL or DEXTER_SQLITE_PATH)",
            "",
        )
    try:
        store = get_session_store(settings)
    except Exception as exc:  # a bad URL or path: report it, whatever the library raised
        return Check("store", Outcome.FAILED, f"{kind}: {type(exc).__name__}: {exc}", fix)
    try:
        await asyncio.wait_for(store.ping(), CHECK_TIMEOUT)
        return Check("store", Outcome.OK, kind)
    except (StoreUnavailableError, TimeoutError) as exc:
        return Check("store", Outcome.FAILED, f"{kind}: {exc or 'timed out'}", fix)
    finally:
        await store.close()


async def _check_llm(settings: Settings) -> Check:
    if not settings.llm_configured:
        return Check(
            "LLM",
            Outcome.MISSING,
            "no LLM endpoint is configured",
            "set OPENAI_API_KEY, or OPENAI_BASE_URL for a local OpenAI-compatible server "
            "(Ollama, vLLM, llama.cpp, LiteLLM)",
        )
    where = settings.openai_base_url or "OpenAI"
    quick = dataclasses.replace(
        settings, dexter_llm_max_retries=0, dexter_llm_timeout=CHECK_TIMEOUT
    )
    client = LLMClient(quick)
    try:
        await client.complete([{"role": "user", "content": "ping"}], max_tokens=1)
        return Check("LLM", Outcome.OK, f"{where} answers with model {settings.dexter_model}")
    except LLMUnavailableError as exc:
        return Check(
            "LLM",
            Outcome.FAILED,
            f"{where}: {exc}",
            "check OPENAI_API_KEY, OPENAI_BASE_URL and DEXTER_MODEL",
        )
    finally:
        await client.aclose()


async def _check_data_api(settings: Settings) -> Check:
    if not settings.financial_datasets_api_key:
        return Check(
            "data API",
            Outcome.OFF,
            "FINANCIAL_DATASETS_API_KEY not set: Dexter answers without financial data",
            "set FINANCIAL_DATASETS_API_KEY (from financialdatasets.ai)",
        )
    client = FinancialDatasetsClient(settings, timeout=CHECK_TIMEOUT)
    try:
        await client.fetch(SPECS_BY_NAME["get_price_snapshot"], {"ticker": "AAPL"})
        return Check("data API", Outcome.OK, settings.financial_datasets_api_url)
    except DataUnavailable as exc:
        return Check(
            "data API",
            Outcome.FAILED,
            str(exc),
            "check FINANCIAL_DATASETS_API_KEY and FINANCIAL_DATASETS_API_URL",
        )
    finally:
        await client.aclose()


async def _check_slack(settings: Settings) -> Check:
    if not settings.slack_bot_token:
        return Check("Slack", Outcome.OFF, "SLACK_BOT_TOKEN not set (optional)")
    if not (settings.slack_app_token or settings.slack_signing_secret):
        return Check(
            "Slack",
            Outcome.MISSING,
            "no way to receive events",
            "set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)",
        )
    url = settings.slack_api_url.rstrip("/") + "/auth.test"
    headers = {"Authorization": f"Bearer {settings.slack_bot_token}"}
    return await _http_check(
        "Slack", "POST", url, headers, slack_auth_check, "check SLACK_API_URL and the network"
    )


async def _check_discord(settings: Settings) -> Check:
    if not settings.discord_token:
        return Check("Discord", Outcome.OFF, "DISCORD_TOKEN not set (optional)")
    url = settings.discord_api_url.rstrip("/") + "/users/@me"
    headers = {"Authorization": f"Bot {settings.discord_token}"}
    return await _http_check(
        "Discord", "GET", url, headers, discord_me_check, "check DISCORD_API_URL and the network"
    )


async def _http_check(
    part: str,
    method: str,
    url: str,
    headers: dict[str, str],
    interpret: Callable[[int, Any], Check],
    fix: str,
) -> Check:
    timeout = aiohttp.ClientTimeout(total=CHECK_TIMEOUT)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.request(method, url, headers=headers) as response,
        ):
            try:
                body = await response.json(content_type=None)
            except ValueError:
                body = None
            return interpret(response.status, body)
    except (aiohttp.ClientError, TimeoutError) as exc:
        return Check(part, Outcome.FAILED, f"cannot reach {url} ({type(exc).__name__})", fix)
