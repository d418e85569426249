"""What `dexter chat` decides without touching the terminal: commands, and the text of
history listings and progress lines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import Enum

from dexter_core.agent.events import Event, Status, ToolFinished, ToolStarted
from dexter_core.sessions.history_view_logic import shorten
from dexter_core.sessions.models import Turn

HELP = "Ask about companies, markets and filings. Commands: /history, /clear, /quit."
NO_LLM_HELP = """Dexter needs a language model to chat, and none is configured.
Set one of these (in the environment or in a .env file), then run `dexter chat` again:
  OPENAI_API_KEY=sk-...                     an OpenAI API key
  OPENAI_BASE_URL=http://localhost:11434/v1 a local OpenAI-compatible server
                                            (Ollama, vLLM, llama.cpp server, LiteLLM)
"""
NO_DATA_HELP = "Note: FINANCIAL_DATASETS_API_KEY is not set, so Dexter cannot fetch financial data."
ANSWER_PREVIEW_CHARS = 300


class Command(Enum):
    HISTORY = "/history"
    CLEAR = "/clear"
    QUIT = "/quit"
    HELP = "/help"


_ALIASES = {"/exit": Command.QUIT, "/q": Command.QUIT, "/?": Command.HELP}


def parse_command(line: str) -> Command | None:
    """The command `line` is, or None for a question (anything not starting with "/")."""
    word = line.strip().split(maxsplit=1)[0].lower() if line.strip() else ""
    if not word.startswith("/"):
        return None
    if word in _ALIASES:
        return _ALIASES[word]
    try:
        return Command(word)
    except ValueError:
        return Command.HELP


def format_history(turns: Sequence[Turn], *, tz: dt.tzinfo | None = None) -> str:
    """The session's turns, oldest first, each question in full and the answer shortened."""
    if not turns:
        return "No history yet in this conversation."
    lines = []
    for number, turn in enumerate(turns, start=1):
        when = dt.datetime.fromtimestamp(turn.created_at, tz=tz).strftime("%Y-%m-%d %H:%M")
        who = turn.user_name or turn.user_id or "you"
        answer = shorten(" ".join(turn.answer.split()), ANSWER_PREVIEW_CHARS)
        lines.append(f"{number}. [{when}] {who}: {turn.query}\n   Dexter: {answer}")
    return "\n".join(lines)


def status_text(event: Event) -> str | None:
    """The progress line an event puts up, or None when it changes nothing."""
    if isinstance(event, ToolStarted):
        return f"… {event.description or event.name}"
    if isinstance(event, ToolFinished) and not event.ok:
        return f"… {event.name}: {event.summary}"
    if isinstance(event, Status) and event.phase == "planning":
        return "… Thinking"
    return None
