"""`dexter slack` in Socket Mode, as a user runs it, answering through the fake Slack."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from tests.fakes.fake_llm import FakeLLM, TextReply
from tests.fakes.fake_slack import APP_TOKEN, BOT_TOKEN, FakeSlack, mention_payload

ROOT = "1700000000.000100"


async def test_dexter_slack_connects_answers_and_stops_on_sigterm(
    fake_slack: FakeSlack, fake_llm: FakeLLM
) -> None:
    fake_llm.enqueue(TextReply("Apple's revenue was **$383.3B** in FY2023."))
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": fake_slack.api_url,
        "OPENAI_BASE_URL": fake_llm.base_url,
        "OPENAI_API_KEY": fake_llm.api_key,
        "DEXTER_USE_EMBEDDINGS": "false",
        "DEXTER_PORT": "0",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from bots.cli import main; raise SystemExit(main(['slack']))",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await fake_slack.wait_for(lambda: fake_slack.open_sockets, within=60)
        await fake_slack.send_envelope("events_api", mention_payload("AAPL revenue?", ts=ROOT))
        answered = await fake_slack.wait_for(
            lambda: [
                m
                for m in fake_slack.bot_messages("C0MARKETS")
                if m.get("thread_ts") == ROOT and not m["text"].startswith(":hourglass")
            ],
            within=30,
        )
        assert answered[0]["text"] == "Apple's revenue was *$383.3B* in FY2023."
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert BOT_TOKEN not in stderr.decode() and APP_TOKEN not in stderr.decode()
