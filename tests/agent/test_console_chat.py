"""`dexter chat` driven through pipes and a pseudo-terminal, against the fake servers."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import os
import select
import signal
import sys
from asyncio.subprocess import PIPE
from pathlib import Path

import pytest

from bots.console.chat import run_chat
from bots.console.chat_logic import Command, format_history, parse_command
from dexter_core import metrics
from dexter_core.sessions.models import Turn
from dexter_core.settings import Settings
from tests.fakes.fake_llm import FakeLLM, TextReply, ToolCall, ToolCallsReply

ROOT = Path(__file__).resolve().parents[2]


async def chat(settings: Settings, script: str, *, user: str = "ann") -> tuple[int, str]:
    out = io.StringIO()
    code = await run_chat(settings, user=user, stdin=io.StringIO(script), stdout=out)
    return code, out.getvalue()


async def test_question_with_tool_progress_history_and_clear(
    settings: Settings, llm_server: FakeLLM
) -> None:
    llm_server.enqueue(
        ToolCallsReply([ToolCall("get_income_statements", {"ticker": "AAPL", "period": "annual"})]),
        TextReply("Apple's FY2024 revenue was $391.0B."),
    )
    code, out = await chat(
        settings, "What was Apple's revenue?\n/history\n/clear\n/history\n/quit\nignored\n"
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[1:4] == [
        "you> … Thinking",
        "… Fetching AAPL income statements (annual)",
        "dexter> Apple's FY2024 revenue was $391.0B.",
    ]
    assert "dexter> Apple's FY2024 revenue was $391.0B." in out
    assert "ann: What was Apple's revenue?\n   Dexter: Apple's FY2024 revenue was $391.0B." in out
    assert "History cleared" in out
    assert out.rstrip().endswith("No history yet in this conversation.\nyou>")
    assert len(llm_server.requests) == 2  # nothing after /quit was asked


async def test_follow_up_sees_the_earlier_turn(settings: Settings, llm_server: FakeLLM) -> None:
    code, out = await chat(settings, "Apple revenue FY2024?\nAnd MSFT?\n")
    assert code == 0
    assert "dexter> Echo: Apple revenue FY2024? [context: 1 messages]" in out
    assert "dexter> Echo: And MSFT? [context: 3 messages]" in out
    assert "Apple revenue FY2024?" in llm_server.prompt_text(-1)


async def test_questions_are_turns_of_the_shared_dispatcher(
    settings: Settings, llm_server: FakeLLM
) -> None:
    answered = {"platform": "console", "outcome": "answered"}
    before = metrics.REGISTRY.get_sample_value("dexter_turns_total", answered) or 0.0
    limited = dataclasses.replace(settings, dexter_user_rate_limit=1)

    code, out = await chat(limited, "AAPL?\nMSFT?\n/history\n")

    assert code == 0
    assert "dexter> Echo: AAPL? [context: 1 messages]" in out
    # The dispatcher's per-user limit applies to the console as to any platform.
    assert "dexter> You're sending messages faster than I can answer them (limit: 1 a" in out
    assert "ann: AAPL?" in out and "ann: MSFT?" not in out
    assert len(llm_server.requests) == 1
    assert metrics.REGISTRY.get_sample_value("dexter_turns_total", answered) == before + 1


async def test_history_survives_a_restart_with_sqlite(settings: Settings, tmp_path: Path) -> None:
    durable = dataclasses.replace(settings, dexter_sqlite_path=str(tmp_path / "chat.db"))
    await chat(durable, "NVDA margins?\n")
    code, out = await chat(durable, "/history\n")
    assert code == 0 and "ann: NVDA margins?" in out


async def test_empty_and_oversized_input(settings: Settings, llm_server: FakeLLM) -> None:
    small = dataclasses.replace(settings, dexter_max_query_chars=20)
    code, out = await chat(small, "\n   \n" + "x" * 25 + "\n")
    assert code == 0
    assert "the limit is 20" in out
    assert llm_server.requests == []


async def test_failed_llm_is_a_message_not_a_traceback(
    settings: Settings, llm_server: FakeLLM
) -> None:
    llm_server.require_key = True
    code, out = await chat(dataclasses.replace(settings, openai_api_key="sk-wrong"), "AAPL?\n")
    assert code == 0
    assert "dexter> The language model is not answering right now" in out
    assert "Traceback" not in out and "sk-wrong" not in out


async def test_no_llm_configured_says_what_to_set() -> None:
    code, out = await chat(Settings(), "AAPL?\n")
    assert code == 2
    assert "OPENAI_API_KEY" in out and "OPENAI_BASE_URL" in out
    assert "Traceback" not in out


async def test_status_line_is_overwritten_on_a_terminal(
    settings: Settings, llm_server: FakeLLM
) -> None:
    llm_server.enqueue(
        ToolCallsReply([ToolCall("get_price_snapshot", {"ticker": "AAPL"})]),
        TextReply("AAPL is at $229.87."),
    )
    leader, follower = os.openpty()
    with os.fdopen(follower, "w", encoding="utf-8") as terminal:
        code = await run_chat(
            settings, user="ann", stdin=io.StringIO("AAPL price?\n"), stdout=terminal
        )
    output = b""
    while chunk := _read_available(leader):
        output += chunk
    os.close(leader)
    text = output.decode()
    assert code == 0
    assert (
        "you> \r\x1b[K… Thinking"
        "\r\x1b[K… Fetching the current AAPL price"
        "\r\x1b[Kdexter> AAPL is at $229.87.\r\n"
    ) in text


def _read_available(fd: int) -> bytes:
    ready, _, _ = select.select([fd], [], [], 0.2)
    try:
        return os.read(fd, 65536) if ready else b""
    except OSError:  # Linux reports EIO once the terminal's other end is closed
        return b""


@pytest.mark.parametrize(
    ("line", "command"),
    [
        ("/history", Command.HISTORY),
        ("/HISTORY", Command.HISTORY),
        ("/clear", Command.CLEAR),
        ("/quit", Command.QUIT),
        ("/exit", Command.QUIT),
        ("/whatever", Command.HELP),
        ("  /clear now", Command.CLEAR),
        ("What about /r/stocks?", None),
        ("", None),
    ],
)
def test_parse_command(line: str, command: Command | None) -> None:
    assert parse_command(line) is command


def test_format_history_shortens_long_answers() -> None:
    turn = Turn(query="AAPL?", answer="word " * 200, user_name="ann", created_at=0)
    listing = format_history([turn])
    assert listing.startswith("1. [") and "ann: AAPL?" in listing
    assert listing.endswith("…") and len(listing) < 400


async def test_dexter_chat_command_end_to_end(llm_server: FakeLLM, tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "OPENAI_BASE_URL": llm_server.base_url,
        "OPENAI_API_KEY": llm_server.api_key,
        "DEXTER_USE_EMBEDDINGS": "false",
        "USER": "carol",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bots.cli",
        "chat",
        cwd=tmp_path,
        env=env,
        stdin=PIPE,
        stdout=PIPE,
        stderr=PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(b"AAPL revenue?\n")
    await process.stdin.drain()
    answer = b"dexter> Echo: AAPL revenue? [context: 1 messages]\nyou> "
    shown = await asyncio.wait_for(process.stdout.readuntil(answer), 60)
    assert b"session console:carol" in shown
    # Ctrl-C while the chat waits for the next question ends it at once.
    process.send_signal(signal.SIGINT)
    await asyncio.wait_for(process.wait(), 5)
    assert process.returncode == 130
    errors = await process.stderr.read()
    assert b"Traceback" not in errors
    # Without LOG_LEVEL the chat logs only problems: no INFO lines around the conversation.
    assert b" INFO " not in errors
