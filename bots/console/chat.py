"""`dexter chat`: a terminal conversation on the same core as the bots.

The session is `console:{user}` in the store the settings choose, so the conversation is
still there next time. Answers are printed as they stream in; tool progress shows on one
status line, overwritten in place on a terminal and printed line by line when the output
is a pipe or a file.
"""

from __future__ import annotations

import asyncio
import getpass
import logging
import sys
import threading
from typing import TextIO

from bots.console.chat_logic import (
    HELP,
    NO_DATA_HELP,
    NO_LLM_HELP,
    Command,
    format_history,
    parse_command,
    status_text,
)
from dexter_core.agent.events import AnswerDelta, FinalAnswer, Notice, TurnFailed
from dexter_core.agent.orchestrator import Orchestrator
from dexter_core.context.embeddings import get_embedder
from dexter_core.errors import InvalidInputError, StoreUnavailableError
from dexter_core.sessions.factory import get_session_store
from dexter_core.sessions.session_ids import console_session, validate_session_id
from dexter_core.sessions.store import SessionStore
from dexter_core.settings import Settings

logger = logging.getLogger(__name__)

EXIT_NOT_CONFIGURED = 2
_CLEAR_LINE = "\r\x1b[K"


class _Screen:
    """The terminal side of the chat: plain lines, the prompt, and the status line."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._is_tty = _is_tty(out)
        self._status_shown = False

    def line(self, text: str) -> None:
        self.clear_status()
        self._out.write(text + "\n")
        self._out.flush()

    def write(self, text: str) -> None:
        self.clear_status()
        self._out.write(text)
        self._out.flush()

    def status(self, text: str) -> None:
        if self._is_tty:
            self._out.write(_CLEAR_LINE + text)
            self._status_shown = True
        else:
            self._out.write(text + "\n")
        self._out.flush()

    def clear_status(self) -> None:
        if self._status_shown:
            self._out.write(_CLEAR_LINE)
            self._status_shown = False


class _LineReader:
    """Reads input lines in a daemon thread and hands them to the event loop.

    A read waiting for the user must not keep the process alive: Ctrl-C at the prompt
    ends the chat at once, where a worker thread of the loop's executor would be waited for.
    """

    def __init__(self, stream: TextIO) -> None:
        self._lines: asyncio.Queue[str] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        threading.Thread(target=self._read, args=(stream, loop), daemon=True).start()

    async def readline(self) -> str:
        """The next line with its newline, or "" at end of input."""
        return await self._lines.get()

    def _read(self, stream: TextIO, loop: asyncio.AbstractEventLoop) -> None:
        while True:
            line = stream.readline()
            try:
                loop.call_soon_threadsafe(self._lines.put_nowait, line)
            except RuntimeError:  # the chat is over and its loop closed
                return
            if not line:
                return


async def run_chat(
    settings: Settings,
    *,
    user: str | None = None,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
) -> int:
    """Chat until /quit or end of input. Returns the exit code: 0, or 2 when no LLM is set."""
    if not settings.llm_configured:
        stdout.write(NO_LLM_HELP)
        stdout.flush()
        return EXIT_NOT_CONFIGURED
    user = user or getpass.getuser()
    session_id = console_session(user)
    try:
        validate_session_id(session_id)
    except InvalidInputError as exc:
        stdout.write(f"Cannot chat as {user!r}: {exc}\n")
        return EXIT_NOT_CONFIGURED
    screen = _Screen(stdout)
    store = get_session_store(settings)
    orchestrator = Orchestrator(settings=settings)
    # The embedding model takes seconds to load: start now, while the user types.
    warm_up = asyncio.create_task(asyncio.to_thread(get_embedder, settings))
    lines = _LineReader(stdin)
    screen.line(f"Dexter, session {session_id}. {HELP}")
    if not settings.financial_datasets_api_key:
        screen.line(NO_DATA_HELP)
    try:
        while True:
            screen.write("you> ")
            line = await lines.readline()
            if not line:
                screen.line("")
                break
            text = line.strip()
            if not text:
                continue
            command = parse_command(text)
            if command is Command.QUIT:
                break
            if command is None:
                await _answer(orchestrator, store, session_id, user, text, screen)
            else:
                await _run_command(command, store, session_id, screen)
    finally:
        await warm_up
        await orchestrator.aclose()
        await store.close()
    return 0


async def _answer(
    orchestrator: Orchestrator,
    store: SessionStore,
    session_id: str,
    user: str,
    text: str,
    screen: _Screen,
) -> None:
    answering = False
    async for event in orchestrator.stream(
        text,
        session_id=session_id,
        session_store=store,
        user_id=user,
        user_name=user,
        platform="console",
    ):
        if isinstance(event, AnswerDelta):
            if not answering:
                screen.write("dexter> ")
                answering = True
            screen.write(event.text)
        elif isinstance(event, FinalAnswer):
            screen.line("" if answering else f"dexter> {event.text}")
        elif isinstance(event, TurnFailed):
            if answering:
                screen.line("")
            screen.line(f"dexter> {event.message}")
        elif isinstance(event, Notice):
            screen.line(f"(note: {event.text})")
        elif not answering and (progress := status_text(event)) is not None:
            screen.status(progress)


async def _run_command(
    command: Command, store: SessionStore, session_id: str, screen: _Screen
) -> None:
    try:
        if command is Command.HISTORY:
            screen.line(format_history(await store.get_turns(session_id)))
        elif command is Command.CLEAR:
            await store.clear(session_id)
            screen.line("History cleared: the next question starts a new conversation.")
        else:
            screen.line(HELP)
    except StoreUnavailableError as exc:
        logger.warning("%s failed: %s", command.value, exc)
        screen.line("The conversation history is unavailable right now; try again shortly.")


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
