"""A turn is stored once, after its answer; summary and embedding arrive afterwards."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from dexter_core.agent.events import FinalAnswer, Status
from dexter_core.context.embeddings import get_embedder
from dexter_core.context.summary_logic import fallback_summary
from dexter_core.sessions.memory_store import InMemorySessionStore
from dexter_core.sessions.models import Turn
from tests.agent.conftest import MakeOrchestrator
from tests.fakes.fake_llm import FakeLLM, TextReply

QUERY = "What was Apple's revenue in FY2024?"
ANSWER = "Apple's FY2024 revenue was $391.0B (10-K, fiscal year ended 2024-09-28)."
SUMMARY = "AAPL FY2024 revenue $391.0B"


@pytest.mark.slow  # loads the embedding model
async def test_turn_stored_once_then_enriched_off_the_reply_path(
    make_orchestrator: MakeOrchestrator, llm_server: FakeLLM
) -> None:
    llm_server.add_rule(lambda body: body["model"] == "dexter-fast", TextReply(SUMMARY, delay=0.3))
    llm_server.enqueue(TextReply(ANSWER))
    store = InMemorySessionStore()
    orchestrator = make_orchestrator(dexter_summarize_llm=True, dexter_use_embeddings=True)

    events = [
        event
        async for event in orchestrator.stream(
            QUERY,
            session_id="slack:T1:C1:1700000000.000100",
            session_store=store,
            user_id="U1",
            user_name="Ann",
            platform="slack",
        )
    ]
    *_, answer, stored_status = events
    assert isinstance(answer, FinalAnswer) and answer.text == ANSWER
    assert stored_status == Status(phase="stored")

    # When the stream ends the turn is stored, with the plain summary and no embedding yet:
    # the LLM summary (300 ms away) and the embedding did not hold the reply up.
    (stored,) = await store.get_turns("slack:T1:C1:1700000000.000100")
    assert (stored.query, stored.answer, stored.turn_id) == (QUERY, ANSWER, answer.turn_id)
    assert (stored.user_id, stored.user_name, stored.platform) == ("U1", "Ann", "slack")
    assert stored.usage == answer.usage and stored.usage["llm_calls"] == 1
    assert stored.summary == fallback_summary(QUERY, ANSWER)
    assert stored.embedding is None

    await orchestrator.wait_background()
    (enriched,) = await store.get_turns("slack:T1:C1:1700000000.000100")
    assert enriched.turn_id == stored.turn_id
    assert enriched.summary == SUMMARY
    assert enriched.embedding is not None and len(enriched.embedding) == 384 * 4
    assert len(llm_server.requests_for("dexter-fast")) == 1
    system = llm_server.requests_for("dexter-main")[0]["messages"][0]["content"]
    assert system.endswith("The question at the end comes from Ann.")
    metadata = await store.get_metadata("slack:T1:C1:1700000000.000100")
    assert metadata is not None and metadata.turn_count == 1


@pytest.mark.slow  # loads the embedding model
async def test_the_query_is_embedded_off_the_event_loop(
    make_orchestrator: MakeOrchestrator, llm_server: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    orchestrator = make_orchestrator(dexter_use_embeddings=True)
    embedder = get_embedder(orchestrator.settings)
    assert embedder is not None
    encoded_on: list[int] = []
    encode = embedder.embed_query

    def recording_encode(text: str) -> np.ndarray:
        if text == QUERY:
            encoded_on.append(threading.get_ident())
        return encode(text)

    monkeypatch.setattr(embedder, "embed_query", recording_encode)
    llm_server.enqueue(TextReply(ANSWER))
    store = InMemorySessionStore()
    await store.append_turn("console:ann", Turn(query="Earlier question?", answer="Earlier."))

    events = [
        e async for e in orchestrator.stream(QUERY, session_id="console:ann", session_store=store)
    ]

    assert any(isinstance(e, FinalAnswer) for e in events)
    # The first encode (the slow one) ran in a worker thread; selection then found it
    # remembered instead of encoding on the loop.
    assert encoded_on and encoded_on[0] != threading.get_ident()
