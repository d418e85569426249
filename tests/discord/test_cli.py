"""`dexter discord` as users run it: a real process logging into the fake Discord."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.fakes.fake_discord import ADA, FakeDiscord
from tests.fakes.fake_llm import FakeLLM

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


async def test_dexter_discord_answers_and_stops_cleanly(tmp_path: Path) -> None:
    async with FakeDiscord() as fake, FakeLLM() as llm:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(REPO),
            "DEXTER_USE_EMBEDDINGS": "false",
            "DISCORD_TOKEN": fake.token,
            "DISCORD_API_URL": fake.api_url,
            "OPENAI_BASE_URL": llm.base_url,
            "OPENAI_API_KEY": llm.api_key,
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bots.cli",
            "discord",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await fake.wait_until(lambda: fake.identifies == 1, within=20)
            dm = fake.dm_channel_id(ADA)
            await fake.post_user_message("What is AAPL's P/E?", channel_id=dm)
            await fake.wait_until(lambda: bool(fake.posted_messages(dm)), within=20)
            assert fake.posted_messages(dm)[0]["content"].startswith("Echo: What is AAPL's P/E?")
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(20):
                stdout, stderr = await process.communicate()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert process.returncode == 0, stderr.decode()
    output = stdout.decode() + stderr.decode()
    assert "discord" in stdout.decode().lower()
    assert fake.token not in output
