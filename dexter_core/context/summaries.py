"""Short summaries of turns, and the rolling summary that folded turns merge into.

Without an LLM (the default) a turn's summary is `query[:60]` + `answer[:80]` and the
rolling summary is a plain join of the folded turns' summaries, capped in length keeping
the newest. With `DEXTER_SUMMARIZE_LLM=true` and a `TextCompleter`, both are written by
the fast model; any error, empty reply or timeout falls back to the plain form.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from dexter_core.agent.llm_protocol import TextCompleter
from dexter_core.context.summary_logic import fallback_summary, merge_rolling_summary
from dexter_core.settings import Settings

logger = logging.getLogger(__name__)

SUMMARY_TIMEOUT_S = 10.0
TURN_SUMMARY_CHARS = 100
ROLLING_SUMMARY_CHARS = 1500

_TURN_PROMPT = (
    "Summarise this exchange from a financial-research conversation in one line of at "
    "most 100 characters. Keep tickers, periods and key figures. Reply with the summary only."
)
_ROLLING_PROMPT = (
    "Merge the running summary of a financial-research conversation with the summaries of "
    "the turns that follow it into one updated summary of at most {limit} characters. Keep "
    "tickers, periods, figures and what the users wanted. Reply with the summary only."
)


async def _ask(
    completer: TextCompleter, *, instruction: str, content: str, max_chars: int
) -> str | None:
    """The completer's one-line answer, or None on any failure, timeout or empty reply."""
    messages = [
        {"role": "system", "content": instruction},
        {"role": "user", "content": content},
    ]
    try:
        reply = await asyncio.wait_for(
            completer.complete_text(messages, fast=True, max_tokens=max(32, max_chars // 2)),
            timeout=SUMMARY_TIMEOUT_S,
        )
    except Exception as exc:  # the plain summary is always good enough
        logger.warning("LLM summary failed (%s); using the plain summary", type(exc).__name__)
        return None
    text = " ".join(reply.split()) if isinstance(reply, str) else ""
    if not text:
        logger.warning("LLM summary came back empty; using the plain summary")
        return None
    return text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "…"


async def summarize(
    query: str, answer: str, *, completer: TextCompleter | None, settings: Settings
) -> str:
    """A turn's summary: the LLM's (about 100 characters) when enabled, else the fallback."""
    if settings.dexter_summarize_llm and completer is not None:
        content = f"Question: {query[:2000]}\n\nAnswer: {answer[:6000]}"
        text = await _ask(
            completer,
            instruction=_TURN_PROMPT,
            content=content,
            max_chars=TURN_SUMMARY_CHARS + 20,
        )
        if text:
            return text
    return fallback_summary(query, answer)


async def fold_into_summary(
    previous: str,
    summaries: Sequence[str],
    *,
    completer: TextCompleter | None,
    settings: Settings,
) -> str:
    """The new rolling summary after folding turns with these `summaries` into `previous`."""
    if settings.dexter_summarize_llm and completer is not None:
        listed = "\n".join(f"- {summary}" for summary in summaries)
        content = f"Running summary: {previous or '(none yet)'}\n\nNext turns:\n{listed}"
        text = await _ask(
            completer,
            instruction=_ROLLING_PROMPT.format(limit=ROLLING_SUMMARY_CHARS),
            content=content,
            max_chars=ROLLING_SUMMARY_CHARS,
        )
        if text:
            return text
    return merge_rolling_summary(previous, summaries, limit=ROLLING_SUMMARY_CHARS)
