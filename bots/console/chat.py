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
from dexter_core.agent.events import (
    AnswerDelta,
    Event,
    FinalAnswer,
    Notice,
    TurnFailed,
    is_turn_over,
)
from dexter_core.bootstrap import build_core, close_core
from dexter_core.context.embeddings import get_embedder
from dexter_core.core import Core
from dexter_core.dispatch.requests import TurnRequest
from dexter_core.errors import InvalidInputError, StoreUnavailableError
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
        self._is_muted = False

    def line(self, text: str) -> None:
        self.write(text + "\n")

    def write(self, text: str) -> None:
        if self._is_muted:
            return
        self.clear_status()
        self._out.write(text)
        self._out.flush()

    def status(self, text: str) -> None:
        if self._is_muted:
            return
        if self._is_tty:
            self._out.write(_CLEAR_LINE + text)
            self._status_shown = True
        else:
            self._out.write(text + "\n")
        self._out.flush()

    def mute(self) -> None:
        """Show nothing more: the chat is over."""
        self._is_muted = True

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
    """Chat until /quit or end of input. Returns the exit code: 0, or 2 when no LLM is set.

    Each question goes to the process's dispatcher, like a Slack or Discord message; the
    next prompt appears once the turn is over (answered and stored, or failed).
    """
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
    core = await build_core(settings)
    # The embedding model takes seconds to load: start now, while the user types.
    warm_up = asyncio.create_task(asyncio.to_thread(get_embedder, settings))
    grace = settings.dexter_shutdown_grace
    try:
        await _converse(core, _LineReader(stdin), screen, session_id=session_id, user=user)
    except asyncio.CancelledError:
        # Ctrl-C: a turn under way is dropped at once, and nothing more is shown of it.
        screen.mute()
        grace = 0.0
        raise
    finally:
        await warm_up
        await close_core(core, grace=grace)
    return 0


async def _converse(
    core: Core, lines: _LineReader, screen: _Screen, *, session_id: str, user: str
) -> None:
    screen.line(f"Dexter, session {session_id}. {HELP}")
    if not core.settings.financial_datasets_api_key:
        screen.line(NO_DATA_HELP)
    while True:
        screen.write("you> ")
        line = await lines.readline()
        if not line:
            screen.line("")
            return
        text = line.strip()
        if not text:
            continue
        command = parse_command(text)
        if command is Command.QUIT:
            return
        if command is None:
            await _ask(core, text, screen, session_id=session_id, user=user)
        else:
            await _run_command(command, core.store, session_id, screen)


async def _ask(core: Core, text: str, screen: _Screen, *, session_id: str, user: str) -> None:
    """Hand the question to the dispatcher and show its turn until the turn is over."""
    view = _TurnView(screen)
    request = TurnRequest(
        session_id=session_id, text=text, platform="console", user_id=user, user_name=user
    )
    result = await core.dispatcher.submit(request, sink=view)
    if not result.is_accepted:
        screen.line(f"dexter> {result.message}")
        return
    await view.over.wait()


class _TurnView:
    """The sink of one console turn: progress on the status line, the answer as it
    streams, failures and notes as lines. `over` is set once the turn is over."""

    def __init__(self, screen: _Screen) -> None:
        self._screen = screen
        self._is_answering = False
        self.over = asyncio.Event()

    async def send(self, event: Event) -> None:
        screen = self._screen
        if isinstance(event, AnswerDelta):
            if not self._is_answering:
                screen.write("dexter> ")
                self._is_answering = True
            screen.write(event.text)
        elif isinstance(event, FinalAnswer):
            screen.line("" if self._is_answering else f"dexter> {event.text}")
        elif isinstance(event, TurnFailed):
            if self._is_answering:
                screen.line("")
            screen.line(f"dexter> {event.message}")
        elif isinstance(event, Notice):
            screen.line(f"(note: {event.text})")
        elif not self._is_answering and (progress := status_text(event)) is not None:
            screen.status(progress)
        if is_turn_over(event):
            self.over.set()


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
