"""`SlackTurnSink`: one turn's placeholder, progress edits and answer in its thread.

The placeholder is posted on the turn's first event and edited with progress at most about
once a second; the answer replaces it (its first part) and further parts follow as
replies. Every post is recorded in the request's `PostLedger` ("placeholder", "part:N",
...) before the next one, so a turn run again after a crash skips what is already posted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.api_errors import SLACK_ERRORS
from bots.slack.mrkdwn_logic import escape, to_mrkdwn
from bots.slack.progress_logic import (
    THINKING_TEXT,
    Progress,
    edit_delay,
    edit_interval,
    render_progress,
)
from bots.slack.split_logic import split_message
from dexter_core.agent.events import (
    AnswerDelta,
    Event,
    FinalAnswer,
    Notice,
    Status,
    ToolFinished,
    ToolStarted,
    TurnFailed,
)
from dexter_core.dispatch.requests import PostLedger, SinkFactory, TurnRequest

logger = logging.getLogger(__name__)

EMPTY_ANSWER = "_(Dexter had nothing to say to that.)_"
_MIN_RESPLIT_CHARS = 200


class ActiveTurns:
    """How many turns this process is showing in Slack (progress edits share one budget)."""

    def __init__(self) -> None:
        self.count = 0


class SlackTurnSink:
    """Shows one turn in Slack. `reply_to` holds `channel` and `thread_ts` (None: DM top level)."""

    def __init__(
        self,
        *,
        client: AsyncWebClient,
        reply_to: dict[str, Any],
        ledger: PostLedger,
        active_turns: ActiveTurns,
    ) -> None:
        self._client = client
        self._channel = str(reply_to["channel"])
        self._thread_ts = reply_to.get("thread_ts") or None
        self._ledger = ledger
        self._active_turns = active_turns
        active_turns.count += 1
        self._progress = Progress()
        self._placeholder_ts: str | None = None
        self._has_placeholder = False
        self._last_edit_at: float | None = None
        self._shown_text = ""
        self._pending_edit: asyncio.Task[None] | None = None
        self._notices = 0
        self._is_finished = False
        self._lock = asyncio.Lock()  # one Slack call of this turn at a time, in order

    async def send(self, event: Event) -> None:
        if self._is_finished:
            return
        if isinstance(event, FinalAnswer | TurnFailed):
            self._is_finished = True
            self._active_turns.count -= 1
            await self._cancel_pending_edit()
        async with self._lock:
            await self._ensure_placeholder()
        if isinstance(event, FinalAnswer):
            await self._post_answer(event.text)
        elif isinstance(event, TurnFailed):
            await self._post_failure(event.message)
        elif isinstance(event, Notice):
            await self._post_notice(event.text)
        elif self._track(event):
            self._schedule_edit()

    # ---- progress --------------------------------------------------------------------

    def _track(self, event: Event) -> bool:
        """Fold `event` into the progress; True when the placeholder should change."""
        if isinstance(event, Status):
            if event.phase == "queued" or event.phase == self._progress.phase:
                return False
            self._progress.phase = event.phase
        elif isinstance(event, ToolStarted):
            self._progress.start_step(
                call_id=event.call_id, name=event.name, description=event.description
            )
        elif isinstance(event, ToolFinished):
            self._progress.finish_step(call_id=event.call_id, ok=event.ok)
        elif isinstance(event, AnswerDelta):
            if self._progress.phase == "answering":
                return False
            self._progress.phase = "answering"
        else:
            return False
        return True

    def _schedule_edit(self) -> None:
        if self._placeholder_ts is None or self._pending_edit is not None:
            return  # the pending edit will show the latest progress
        self._pending_edit = asyncio.create_task(self._edit_when_due())

    async def _edit_when_due(self) -> None:
        delay = edit_delay(
            now=time.monotonic(),
            last_edit_at=self._last_edit_at,
            interval=edit_interval(active_turns=self._active_turns.count),
        )
        await asyncio.sleep(delay)
        async with self._lock:
            self._pending_edit = None  # events from now on schedule the next edit
            text = render_progress(self._progress)
            if text == self._shown_text or self._is_finished:
                return
            self._last_edit_at = time.monotonic()
            try:
                await self._update(text)
            except SLACK_ERRORS as error:
                logger.warning("progress edit failed in %s: %s", self._channel, error)

    async def _cancel_pending_edit(self) -> None:
        task, self._pending_edit = self._pending_edit, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _update(self, text: str) -> None:
        await self._client.chat_update(channel=self._channel, ts=self._placeholder_ts, text=text)
        self._shown_text = text

    # ---- posts -----------------------------------------------------------------------

    async def _ensure_placeholder(self) -> None:
        if self._has_placeholder:
            return
        self._has_placeholder = True
        self._placeholder_ts = await self._ledger_get("placeholder")
        if self._placeholder_ts is None:
            self._placeholder_ts = await self._post(THINKING_TEXT)
            self._shown_text = THINKING_TEXT
            if self._placeholder_ts is not None:
                await self._ledger_set("placeholder", self._placeholder_ts)

    async def _post_answer(self, markdown: str) -> None:
        parts = split_message(to_mrkdwn(markdown)) or [EMPTY_ANSWER]
        async with self._lock:
            for number, part in enumerate(parts):
                await self._post_once(f"part:{number}", part, replace_placeholder=number == 0)

    async def _post_failure(self, message: str) -> None:
        async with self._lock:
            await self._post_once(
                "failed", f":warning: {escape(message)}", replace_placeholder=True
            )

    async def _post_notice(self, text: str) -> None:
        self._notices += 1
        key = f"notice:{self._notices}"
        async with self._lock:
            if await self._ledger_get(key) is not None:
                return
            line = escape(text)
            blocks = [{"type": "context", "elements": [{"type": "mrkdwn", "text": line}]}]
            ts = await self._post(line, blocks=blocks)
            if ts is not None:
                await self._ledger_set(key, ts)

    async def _post_once(self, key: str, text: str, *, replace_placeholder: bool) -> None:
        """Post `text` under ledger `key` unless already posted; replace the placeholder
        with it when asked. Text Slack calls too long is cut in halves and posted as
        `key.0`, `key.1`, ..."""
        if await self._ledger_get(key) is not None:
            return
        ts: str | None = None
        try:
            if replace_placeholder and self._placeholder_ts is not None:
                await self._update(text)
                ts = self._placeholder_ts
            else:
                ts = await self._post(text, raise_too_long=True)
        except SlackApiError as error:
            if error.response.get("error") != "msg_too_long" or len(text) < _MIN_RESPLIT_CHARS:
                logger.warning("could not post %s in %s: %s", key, self._channel, error)
                if replace_placeholder:  # the placeholder may be gone: post anew
                    ts = await self._post(text)
            else:
                pieces = split_message(text, limit=max(_MIN_RESPLIT_CHARS, len(text) // 2))
                for number, piece in enumerate(pieces):
                    await self._post_once(
                        f"{key}.{number}",
                        piece,
                        replace_placeholder=replace_placeholder and not number,
                    )
                ts = "split"
        except SLACK_ERRORS as error:
            logger.warning("could not post %s in %s: %s", key, self._channel, error)
        if ts is not None:
            await self._ledger_set(key, ts)

    async def _post(
        self, text: str, *, blocks: list[dict[str, Any]] | None = None, raise_too_long: bool = False
    ) -> str | None:
        """Post in the thread; the new message's ts, or None when Slack refused."""
        try:
            answer = await self._client.chat_postMessage(
                channel=self._channel, thread_ts=self._thread_ts, text=text, blocks=blocks
            )
        except SlackApiError as error:
            if raise_too_long and error.response.get("error") == "msg_too_long":
                raise
            logger.warning("chat.postMessage failed in %s: %s", self._channel, error)
            return None
        except SLACK_ERRORS as error:
            logger.warning("chat.postMessage failed in %s: %s", self._channel, error)
            return None
        return str(answer["ts"])

    # ---- ledger (a failing ledger must not stop the answer) ---------------------------

    async def _ledger_get(self, key: str) -> str | None:
        try:
            return await self._ledger.get(key)
        except Exception as error:
            logger.warning("post ledger unreadable (%s); posting %s anyway", error, key)
            return None

    async def _ledger_set(self, key: str, value: str) -> None:
        try:
            await self._ledger.set(key, value)
        except Exception as error:
            logger.warning("post ledger unwritable (%s) for %s", error, key)


def make_sink_factory(client: AsyncWebClient) -> SinkFactory:
    """The factory the dispatcher calls to show a Slack request's turn."""
    active_turns = ActiveTurns()

    async def factory(request: TurnRequest, ledger: PostLedger) -> SlackTurnSink:
        return SlackTurnSink(
            client=client, reply_to=request.reply_to, ledger=ledger, active_turns=active_turns
        )

    return factory
