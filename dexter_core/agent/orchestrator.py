"""`Orchestrator`: one turn of Dexter — context, the tool-calling loop, the answer, the store.

`stream()` yields progress events (dexter_core/agent/events.py): `FinalAnswer` or
`TurnFailed`, and after an answer `Status(phase="stored")` once the turn is in the history;
expected failures never raise out of it. `run()` is the seed's entry point: the same turn,
returning the answer text. The turn is appended to the session store right after the answer
is yielded (iterate the stream to its end so that happens before the next turn of the
session starts); summary and embedding follow in a background task.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from dexter_core import metrics
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
from dexter_core.agent.llm import Completion, LLMClient, Message, TextDelta
from dexter_core.agent.prompts import REPEATED_CALL_NOTE, STEP_LIMIT_NOTE, system_prompt
from dexter_core.agent.stage_times import StageTimes
from dexter_core.agent.tools import FinancialToolbox, Toolbox, ToolResult
from dexter_core.agent.turn_logic import (
    PlannedCall,
    add_usage,
    plan_tool_calls,
    refusal_for,
    tool_label,
)
from dexter_core.context.embeddings import get_embedder
from dexter_core.context.enrichment import enrich_turn
from dexter_core.context.history import MessageHistory
from dexter_core.context.summary_logic import fallback_summary
from dexter_core.errors import (
    DexterError,
    InvalidInputError,
    LLMUnavailableError,
    StoreUnavailableError,
    TurnTimeoutError,
)
from dexter_core.sessions.models import Turn
from dexter_core.sessions.store import SessionStore
from dexter_core.settings import Settings, get_settings

logger = logging.getLogger(__name__)

HISTORY_UNAVAILABLE = "Conversation history is unavailable right now; answering without it."
LLM_UNAVAILABLE = (
    "The language model is not answering right now, so I can't reply. Please try again in a minute."
)
NO_LLM = (
    "No language model is configured for Dexter yet (OPENAI_API_KEY, or OPENAI_BASE_URL for "
    "a local server), so I can't answer."
)
TIMED_OUT = "This question took too long to answer, so I stopped. Try a narrower question."
INTERNAL = "Something went wrong while answering. Please try again."
NO_ANSWER = "I couldn't put an answer together from the data I gathered."


@dataclass
class _Done:
    """The agent loop finished: with the answer text and usage, or with an error."""

    text: str = ""
    usage: dict[str, int] = dataclasses.field(default_factory=dict)
    error: BaseException | None = None


class Orchestrator:
    """Runs turns against an LLM with the Financial Datasets tools.

    `model` overrides DEXTER_MODEL; `llm` and `tools` replace the default LLM client and
    toolbox (they are closed by `aclose` either way).
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        settings: Settings | None = None,
        llm: LLMClient | None = None,
        tools: Toolbox | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        self.model = model or self.settings.dexter_model
        self.llm = llm or LLMClient(self.settings)
        self.tools: Toolbox = tools or FinancialToolbox(self.settings)
        self._tool_names = frozenset(
            definition["function"]["name"] for definition in self.tools.definitions()
        )
        self._history: MessageHistory | None = None
        self._background: set[asyncio.Task[Any]] = set()

    async def run(
        self,
        query: str,
        message_history: MessageHistory | None = None,
        session_id: str | None = None,
        session_store: SessionStore | None = None,
    ) -> str:
        """Answer `query` and return the text.

        With `session_id` and `session_store` the session's context is loaded and the turn
        appended to the store; otherwise `message_history` (default: this orchestrator's
        own) provides the context and records the turn. Raises `InvalidInputError` for an
        empty or oversized query, `LLMUnavailableError`, or `TurnTimeoutError`.
        """
        answer = ""
        async for event in self.stream(
            query,
            session_id=session_id,
            session_store=session_store,
            message_history=message_history,
        ):
            if isinstance(event, FinalAnswer):
                answer = event.text
            elif isinstance(event, TurnFailed):
                raise _error_for(event)
        return answer

    async def stream(
        self,
        query: str,
        *,
        session_id: str | None = None,
        session_store: SessionStore | None = None,
        message_history: MessageHistory | None = None,
        user_id: str = "",
        user_name: str = "",
        platform: str = "",
    ) -> AsyncIterator[Event]:
        """Run one turn, yielding its progress and then `FinalAnswer` or `TurnFailed`.

        After an answer the turn is appended to the store (or the history) and, when that
        worked, `Status(phase="stored")` is the stream's last event; a failed append is
        logged and ends the stream without it.
        """
        refusal = refusal_for(query, max_chars=self.settings.dexter_max_query_chars)
        if refusal is not None:
            yield refusal
            return
        if not self.settings.llm_configured:
            yield TurnFailed(reason="llm_unavailable", message=NO_LLM)
            return
        deadline = asyncio.get_running_loop().time() + self.settings.dexter_turn_timeout
        yield Status(phase="thinking", message="Reading the conversation")
        if self.settings.dexter_use_embeddings:
            # Histories embed queries; the first use loads the model, which takes seconds
            # and must happen off the event loop (later calls return at once).
            embedder = await asyncio.to_thread(get_embedder, self.settings)
            if embedder is not None:
                # Encoding the query takes milliseconds and waits for any turn embedding in
                # progress: do it off the loop, so selection below finds it remembered.
                await asyncio.to_thread(embedder.embed_query, query)
        times = StageTimes()
        use_store = session_store is not None and session_id is not None
        if use_store:
            try:
                with times.measure("context_load"):
                    history = await session_store.load_history(session_id, settings=self.settings)
            except StoreUnavailableError:
                logger.warning(
                    "history of session %s unavailable; answering without it", session_id
                )
                yield Notice(text=HISTORY_UNAVAILABLE)
                history = MessageHistory(settings=self.settings)
        elif message_history is not None:
            history = message_history
        else:
            history = self._own_history()

        with times.measure("context_load"):  # selecting what of the history the model sees
            messages = self._prompt(history, query, asker=user_name or user_id)
        queue: asyncio.Queue[Event | _Done] = asyncio.Queue()
        worker = asyncio.create_task(self._agent_loop(messages, queue.put_nowait, times))
        try:
            while True:
                try:
                    async with asyncio.timeout_at(deadline):
                        item = await queue.get()
                except TimeoutError:
                    logger.warning("turn timed out after %.0fs", self.settings.dexter_turn_timeout)
                    yield TurnFailed(reason="timeout", message=TIMED_OUT)
                    return
                if isinstance(item, _Done):
                    break
                yield item
        finally:
            if not worker.done():
                worker.cancel()
            times.observe()
        if item.error is not None:
            yield _failure_for(item.error)
            return

        turn = Turn(
            query=query,
            answer=item.text,
            summary=fallback_summary(query, item.text),
            user_id=user_id,
            user_name=user_name,
            platform=platform,
            usage=item.usage,
        )
        saved = False
        try:
            yield FinalAnswer(
                text=item.text,
                turn_id=turn.turn_id,
                usage=item.usage,
                stage_seconds=dict(times.seconds),
            )
            if use_store:
                is_stored = await self._store_turn(
                    session_store, session_id, turn, history.generation
                )
            else:
                is_stored = self._remember(history, turn)
            saved = True
            if is_stored:
                yield Status(phase="stored")
        finally:
            # The consumer stopped at the answer: the turn is still owed to the history.
            if not saved and use_store:
                self._spawn(self._store_turn(session_store, session_id, turn, history.generation))
            elif not saved:
                self._remember(history, turn)

    async def wait_background(self) -> None:
        """Wait until every summary/embedding task started so far has finished."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    async def aclose(self) -> None:
        """Finish background work, then close the LLM and data API clients."""
        await self.wait_background()
        await self.tools.aclose()
        await self.llm.aclose()

    # -- the turn's parts ---------------------------------------------------------------------

    def _prompt(self, history: MessageHistory, query: str, *, asker: str) -> list[Message]:
        context = history.build_context(query)
        return [
            {"role": "system", "content": system_prompt(dt.date.today(), asker=asker)},
            *context.messages,
            {"role": "user", "content": query},
        ]

    async def _agent_loop(
        self, messages: list[Message], emit: Callable[[Event], None], times: StageTimes
    ) -> None:
        """The tool-calling loop; reports through `emit` and ends with a `_Done`."""
        try:
            text, usage = await self._answer(messages, emit, times)
            emit(_Done(text=text, usage=usage))
        except Exception as exc:
            emit(_Done(error=exc))

    async def _answer(
        self, messages: list[Message], emit: Callable[[Event], None], times: StageTimes
    ) -> tuple[str, dict[str, int]]:
        usage: dict[str, int] = {}
        seen: set[str] = set()
        definitions = self.tools.definitions()
        must_answer = False
        for step in range(self.settings.dexter_max_steps + 1):
            if step == self.settings.dexter_max_steps and not must_answer:
                messages.append({"role": "user", "content": STEP_LIMIT_NOTE})
                must_answer = True
            emit(Status(phase="planning" if step == 0 else "thinking"))
            with times.measure("llm"):
                completion = await self._complete(messages, definitions, must_answer, emit)
            add_usage(usage, completion.usage)
            add_usage(usage, {"llm_calls": 1})
            if not completion.tool_calls or must_answer:
                return completion.text.strip() or NO_ANSWER, usage
            messages.append(_assistant_message(completion))
            planned = plan_tool_calls(completion.tool_calls, seen=seen)
            with times.measure("tools"):
                results = await self._run_tools(planned, emit)
            add_usage(usage, {"tool_calls": sum(p.should_run for p in planned)})
            messages.extend(
                {"role": "tool", "tool_call_id": p.call.id, "content": content}
                for p, content in zip(planned, results, strict=True)
            )
            # A step that only repeats earlier calls is a loop: the next reply must answer.
            must_answer = all(p.is_repeat for p in planned)
        raise AssertionError("unreachable: the last step always answers")

    async def _complete(
        self,
        messages: list[Message],
        definitions: list[dict[str, Any]],
        must_answer: bool,
        emit: Callable[[Event], None],
    ) -> Completion:
        answering = False
        async for item in self.llm.stream_chat(
            messages,
            tools=definitions,
            tool_choice="none" if must_answer else None,
            model=self.model,
        ):
            if isinstance(item, TextDelta):
                if not answering:
                    emit(Status(phase="answering"))
                    answering = True
                emit(AnswerDelta(text=item.text))
            else:
                return item
        raise LLMUnavailableError("the LLM stream ended without a reply")

    async def _run_tools(
        self, planned: list[PlannedCall], emit: Callable[[Event], None]
    ) -> list[str]:
        """Run the step's fresh calls concurrently; results in the order of `planned`."""
        for p in planned:
            if p.should_run:
                emit(
                    ToolStarted(
                        call_id=p.call.id,
                        name=p.call.name,
                        arguments=p.arguments,
                        description=self.tools.describe(p.call.name, p.arguments),
                    )
                )

        async def run_one(p: PlannedCall) -> str:
            if p.error:
                return p.error
            if p.is_repeat:
                return REPEATED_CALL_NOTE
            started = time.perf_counter()
            result = await self._call_tool(p)
            emit(
                ToolFinished(
                    call_id=p.call.id,
                    name=p.call.name,
                    ok=result.ok,
                    duration_ms=(time.perf_counter() - started) * 1000,
                    summary=result.summary,
                )
            )
            return result.content

        return list(await asyncio.gather(*(run_one(p) for p in planned)))

    async def _call_tool(self, p: PlannedCall) -> ToolResult:
        """Run one call; counted in the tool metrics, errors included."""
        label = tool_label(p.call.name, known=self._tool_names)
        metrics.TOOL_CALLS.labels(tool=label).inc()
        try:
            result = await self.tools.run(p.call.name, p.arguments)
        except Exception:
            # Tools promise not to raise; one that does still must not end the turn.
            logger.exception("tool %s raised", p.call.name)
            text = f"error: {p.call.name} failed unexpectedly; try another way or answer."
            result = ToolResult(ok=False, content=text, summary=text)
        if not result.ok:
            metrics.TOOL_ERRORS.labels(tool=label).inc()
        return result

    async def _store_turn(
        self, store: SessionStore, session_id: str, turn: Turn, generation: int
    ) -> bool:
        """Append `turn` unless the session was cleared since its context was read;
        True when it was appended."""
        try:
            stored = await store.append_turn(session_id, turn, if_generation=generation)
        except (StoreUnavailableError, InvalidInputError) as exc:
            logger.warning("turn of session %s not stored: %s", session_id, exc)
            return False
        if not stored:
            logger.info("turn of session %s not stored: the history was cleared", session_id)
            return False
        self._spawn(
            enrich_turn(store, session_id, turn, settings=self.settings, completer=self.llm)
        )
        return True

    def _own_history(self) -> MessageHistory:
        """The history `run` uses when given neither a store nor a history."""
        if self._history is None:
            self._history = MessageHistory(settings=self.settings)
        return self._history

    def _remember(self, history: MessageHistory, turn: Turn) -> bool:
        """Add `turn` to an in-memory history; True when it was added."""
        try:
            history.add_agent_message(
                turn.query,
                turn.answer,
                user_id=turn.user_id,
                user_name=turn.user_name,
                platform=turn.platform,
                usage=turn.usage,
                turn_id=turn.turn_id,
                created_at=turn.created_at,
            )
        except InvalidInputError as exc:
            logger.warning("turn not added to the history: %s", exc)
            return False
        return True

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background_done)

    def _background_done(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.warning("background turn work failed: %r", task.exception())


def _assistant_message(completion: Completion) -> Message:
    return {
        "role": "assistant",
        "content": completion.text or None,
        "tool_calls": [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
            for call in completion.tool_calls
        ],
    }


def _failure_for(error: BaseException) -> TurnFailed:
    if isinstance(error, LLMUnavailableError):
        logger.warning("turn failed: %s", error)
        return TurnFailed(reason="llm_unavailable", message=LLM_UNAVAILABLE)
    logger.error("turn failed unexpectedly", exc_info=error)
    return TurnFailed(reason="internal", message=INTERNAL)


def _error_for(failure: TurnFailed) -> Exception:
    """The exception `run` raises for a failed turn."""
    if failure.reason in ("empty", "too_long"):
        return InvalidInputError(failure.message)
    if failure.reason == "timeout":
        return TurnTimeoutError(failure.message)
    if failure.reason == "llm_unavailable":
        return LLMUnavailableError(failure.message)
    return DexterError(failure.message)
