"""The `dexter` command as users run it: a real process, real signals, real sockets."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.fake_llm import FakeLLM, TextReply
from tests.http.conftest import read_sse

REPO = Path(__file__).resolve().parents[2]
URL = re.compile(r"http://127\.0\.0\.1:(\d+)")
STARTUP_TIMEOUT = 20.0

pytestmark = pytest.mark.slow


def dexter_env(**settings: str) -> dict[str, str]:
    """A clean environment: no settings leak in from the machine running the tests."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO),
        "HF_HUB_OFFLINE": "1",
        "DEXTER_PORT": "0",
        "DEXTER_USE_EMBEDDINGS": "false",
        **settings,
    }


async def start(*args: str, cwd: Path, **settings: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bots.cli",
        *args,
        cwd=cwd,
        env=dexter_env(**settings),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def read_summary(process: asyncio.subprocess.Process) -> tuple[str, int]:
    """The start-up summary printed on stdout, and the port the server listens on."""
    assert process.stdout is not None
    lines: list[str] = []
    async with asyncio.timeout(STARTUP_TIMEOUT):
        while True:
            line = (await process.stdout.readline()).decode()
            assert line, f"exited before the summary: {await process.stderr.read()!r}"
            lines.append(line)
            if line.strip().startswith("llm"):
                break
    summary = "".join(lines)
    match = URL.search(summary)
    assert match, summary
    return summary, int(match.group(1))


@pytest.fixture
async def processes() -> AsyncIterator[list[asyncio.subprocess.Process]]:
    started: list[asyncio.subprocess.Process] = []
    yield started
    for process in started:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_serve_answers_health_and_exits_cleanly_on_sigterm(
    tmp_path: Path, processes: list[asyncio.subprocess.Process]
) -> None:
    process = await start("serve", cwd=tmp_path)
    processes.append(process)
    summary, port = await read_summary(process)
    assert "http" in summary and "on" in summary

    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/healthz") as response,
    ):
        assert response.status == 200
        assert await response.json() == {"status": "ok"}

    process.send_signal(signal.SIGTERM)
    async with asyncio.timeout(10):
        assert await process.wait() == 0


async def test_run_with_nothing_configured_says_what_is_on_and_off(
    tmp_path: Path, processes: list[asyncio.subprocess.Process]
) -> None:
    process = await start("run", cwd=tmp_path)
    processes.append(process)
    summary, _ = await read_summary(process)

    lines = {line.split()[0]: line for line in summary.splitlines()[1:]}
    assert " on " in lines["http"]
    assert "no credentials" in lines["http"]
    assert " off " in lines["slack"]
    assert "SLACK_BOT_TOKEN" in lines["slack"]
    assert "memory" in lines["store"]
    assert "OPENAI_API_KEY" in lines["llm"]

    process.send_signal(signal.SIGINT)
    async with asyncio.timeout(10):
        assert await process.wait() == 0


async def test_shutdown_lets_the_turn_in_flight_finish(
    tmp_path: Path, processes: list[asyncio.subprocess.Process]
) -> None:
    async with FakeLLM() as llm:
        llm.enqueue(TextReply("finished despite the shutdown", delay=1.0))
        process = await start(
            "serve", cwd=tmp_path, OPENAI_BASE_URL=llm.base_url, OPENAI_API_KEY=llm.api_key
        )
        processes.append(process)
        _, port = await read_summary(process)
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{base}/agent/session") as created:
                session_id = (await created.json())["session_id"]
            async with session.post(
                f"{base}/agent/query", json={"query": "slow one", "session_id": session_id}
            ) as response:
                process.send_signal(signal.SIGTERM)
                events = await read_sse(response)

        assert [e.data["text"] for e in events if e.name == "answer"] == [
            "finished despite the shutdown"
        ]
        async with asyncio.timeout(15):
            assert await process.wait() == 0


@pytest.mark.parametrize(
    ("args", "settings", "message"),
    [
        (["serve"], {"DEXTER_PORT": "eighty"}, "DEXTER_PORT='eighty' is not a valid int"),
        (["run"], {"LOG_LEVEL": "LOUD"}, "LOG_LEVEL='LOUD' is not a log level"),
        (["serve"], {"DEXTER_HOST": "0.0.0.0"}, "DEXTER_ALLOW_PUBLIC_BIND=true"),
        (["slack"], {}, "SLACK_BOT_TOKEN"),
        (["discord"], {}, "DISCORD_TOKEN"),
    ],
)
async def test_bad_settings_exit_2_with_one_clear_line(
    tmp_path: Path, args: list[str], settings: dict[str, str], message: str
) -> None:
    process = await start(*args, cwd=tmp_path, **settings)
    async with asyncio.timeout(STARTUP_TIMEOUT):
        stdout, stderr = await process.communicate()
    assert process.returncode == 2
    error_lines = stderr.decode().strip().splitlines()
    assert len(error_lines) == 1, stderr.decode()
    assert error_lines[0].startswith("dexter")
    assert message in error_lines[0]
    assert stdout == b""


async def test_the_console_script_is_the_same_command(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        Path(sys.executable).with_name("dexter"),
        "--help",
        cwd=tmp_path,
        env=dexter_env(),
        stdout=asyncio.subprocess.PIPE,
    )
    stdout, _ = await process.communicate()
    assert process.returncode == 0
    for command in ("run", "serve", "slack", "chat", "doctor"):
        assert command in stdout.decode()


async def test_chat_is_wired_to_the_console(tmp_path: Path) -> None:
    process = await start("chat", cwd=tmp_path)
    async with asyncio.timeout(STARTUP_TIMEOUT):
        stdout, _ = await process.communicate(b"/quit\n")
    assert process.returncode == 2
    assert "OPENAI_API_KEY" in stdout.decode()


async def test_doctor_is_wired_to_the_checks(tmp_path: Path) -> None:
    process = await start("doctor", cwd=tmp_path)
    async with asyncio.timeout(STARTUP_TIMEOUT):
        stdout, _ = await process.communicate()
    assert process.returncode == 1
    assert "OPENAI_API_KEY" in stdout.decode()
