"""The session API end to end: a real server, the real core, the fake LLM."""

from __future__ import annotations

import asyncio
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from dexter_core.sessions.models import Turn
from tests.fakes.fake_financial_datasets import FakeFinancialDatasets
from tests.fakes.fake_llm import TextReply, ToolCall, ToolCallsReply
from tests.http.conftest import Api, ApiFactory, SseEvent, read_sse


def answer_of(events: list[SseEvent]) -> str:
    (answer,) = [e.data["text"] for e in events if e.name == "answer"]
    return answer


async def test_session_life_cycle(api: Api) -> None:
    session_id = await api.new_session()
    assert session_id.startswith("api:")
    assert (await api.history(session_id)) == {
        "session_id": session_id,
        "metadata": None,
        "turns": [],
    }

    events = await api.ask("What was AAPL revenue in 2024?", session_id)

    names = [e.name for e in events]
    assert names[0] == "status"
    assert names[-3:] == ["answer", "status", "done"]
    assert events[-2].data == {"phase": "stored", "message": ""}
    assert set(names) <= {"status", "tool", "delta", "answer", "error", "done"}
    answer = answer_of(events)
    assert answer.startswith("Echo: What was AAPL revenue in 2024?")
    assert "".join(e.data["text"] for e in events if e.name == "delta") == answer
    assert events[-1].data == {"session_id": session_id, "ok": True}

    (turn,) = (await api.history(session_id))["turns"]  # stored before `done`
    assert turn["query"] == "What was AAPL revenue in 2024?"
    assert turn["answer"] == answer
    assert turn["user"] == session_id  # without JWT the session is all we know of the caller
    assert turn["created_at"] > 0
    assert "summary" in turn
    metadata = (await api.history(session_id))["metadata"]
    assert metadata["turn_count"] == 1
    assert metadata["title"] == "What was AAPL revenue in 2024?"

    cleared = await api.client.delete("/agent/history", params={"session_id": session_id})
    assert cleared.status == 200
    assert await cleared.json() == {"session_id": session_id, "cleared": True}
    assert (await api.history(session_id))["turns"] == []


async def test_follow_up_sees_the_earlier_turn(api: Api) -> None:
    session_id = await api.new_session()
    await api.ask("Tell me about AAPL", session_id)
    await api.ask("and MSFT?", session_id)
    assert "Tell me about AAPL" in api.llm.prompt_text(-1)


async def test_history_read_right_after_done_has_the_turn(api: Api) -> None:
    store = api.core.store
    append_turn = store.append_turn

    async def slow_append(session_id: str, turn: Turn, **options: Any) -> bool:
        await asyncio.sleep(0.3)  # a store slower than the answer's delivery
        return await append_turn(session_id, turn, **options)

    store.append_turn = slow_append  # type: ignore[method-assign]
    session_id = await api.new_session()

    events = await api.ask("AAPL revenue?", session_id)

    assert events[-1].name == "done" and events[-1].data["ok"] is True
    (turn,) = (await api.history(session_id))["turns"]
    assert turn["query"] == "AAPL revenue?"
    assert turn["answer"] == answer_of(events)


async def test_the_cookie_is_the_session(api: Api) -> None:
    created = await api.client.post("/agent/session")
    session_id = (await created.json())["session_id"]
    cookie = created.headers["Set-Cookie"]
    assert f"dexter_session={session_id}" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/agent" in cookie
    assert "Secure" not in cookie

    # No session_id in the body: the client's cookie names the session.
    response = await api.client.post("/agent/query", json={"query": "cookie question"})
    events = await read_sse(response)
    assert events[-1].data == {"session_id": session_id, "ok": True}
    history = await api.client.get("/agent/history")
    assert (await history.json())["session_id"] == session_id


async def test_secure_cookies(make_api: ApiFactory) -> None:
    api = await make_api(secure_cookies=True)
    created = await api.client.post("/agent/session")
    assert "Secure" in created.headers["Set-Cookie"]


async def test_a_client_that_leaves_mid_stream_does_not_lose_the_turn(api: Api) -> None:
    api.llm.enqueue(TextReply("one two three four five six seven eight", chunk_delay=0.05))
    session_id = await api.new_session()
    response = await api.client.post(
        "/agent/query", json={"query": "long answer please", "session_id": session_id}
    )
    async for line in response.content:
        if line.startswith(b"event: delta"):
            break
    response.close()

    (turn,) = await api.wait_for_turns(session_id, 1)
    assert turn["query"] == "long answer please"
    assert turn["answer"] == "one two three four five six seven eight"


async def test_concurrent_questions_in_one_session_are_answered_in_order(api: Api) -> None:
    api.llm.enqueue(TextReply("first answer", delay=0.3), TextReply("second answer"))
    session_id = await api.new_session()

    first = await api.client.post(
        "/agent/query", json={"query": "first question", "session_id": session_id}
    )
    # Headers arrive once the dispatcher accepted the first question; ask the second now.
    second = await api.client.post(
        "/agent/query", json={"query": "second question", "session_id": session_id}
    )
    first_events, second_events = await asyncio.gather(read_sse(first), read_sse(second))

    assert answer_of(first_events) == "first answer"
    assert answer_of(second_events) == "second answer"
    turns = (await api.history(session_id))["turns"]
    assert [(t["query"], t["answer"]) for t in turns] == [
        ("first question", "first answer"),
        ("second question", "second answer"),
    ]
    # The second turn ran after the first was stored, so the model saw it.
    assert "first answer" in api.llm.prompt_text(-1)


async def test_a_full_session_queue_is_refused_with_429(make_api: ApiFactory) -> None:
    api = await make_api(dexter_session_queue_limit=1)
    api.llm.enqueue(TextReply("slow", delay=0.5))
    session_id = await api.new_session()
    first = await api.client.post("/agent/query", json={"query": "one", "session_id": session_id})
    second = await api.client.post("/agent/query", json={"query": "two", "session_id": session_id})
    assert second.status == 429
    assert (await second.json())["error"] == "session_busy"
    assert answer_of(await read_sse(first)) == "slow"


def sample(metrics_text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(metrics_text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return 0.0


async def test_metrics_count_requests_and_turns(api: Api) -> None:
    before = await _scrape(api)
    session_id = await api.new_session()
    await api.ask("one", session_id)
    await api.ask("two", session_id)
    after = await _scrape(api)

    query_labels = {"route": "/agent/query", "method": "POST", "status": "200"}
    turn_labels = {"platform": "api", "outcome": "answered"}
    assert (
        sample(after, "dexter_http_requests_total", **query_labels)
        - sample(before, "dexter_http_requests_total", **query_labels)
        == 2
    )
    assert (
        sample(after, "dexter_turns_total", **turn_labels)
        - sample(before, "dexter_turns_total", **turn_labels)
        == 2
    )
    assert (
        sample(after, "dexter_turn_stage_seconds_count", stage="total")
        - sample(before, "dexter_turn_stage_seconds_count", stage="total")
        == 2
    )


async def test_metrics_count_what_one_turn_with_tools_did(make_api: ApiFactory) -> None:
    async with FakeFinancialDatasets() as data:
        api = await make_api(
            financial_datasets_api_url=data.base_url, financial_datasets_api_key=data.api_key
        )
        api.llm.enqueue(
            ToolCallsReply(
                [ToolCall("get_price_snapshot", {"ticker": "AAPL"}), ToolCall("made_up_tool", {})]
            ),
            TextReply("AAPL is at $229.87."),
        )
        before = await _scrape(api)
        session_id = await api.new_session()
        events = await api.ask("AAPL price?", session_id)
        after = await _scrape(api)

    def grew(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    usage = next(e.data["usage"] for e in events if e.name == "answer")
    assert usage["llm_calls"] == 2 and usage["tool_calls"] == 2
    assert grew("dexter_llm_tokens_total", kind="prompt") == usage["prompt_tokens"] > 0
    assert grew("dexter_llm_tokens_total", kind="completion") == usage["completion_tokens"] > 0
    assert grew("dexter_tool_calls_total", tool="get_price_snapshot") == 1
    assert grew("dexter_tool_errors_total", tool="get_price_snapshot") == 0
    # A tool the model made up is counted under one fixed label, as an error.
    assert grew("dexter_tool_calls_total", tool="unknown") == 1
    assert grew("dexter_tool_errors_total", tool="unknown") == 1
    assert "made_up_tool" not in after
    for stage in ("queue_wait", "context_load", "llm", "tools", "post", "total"):
        assert grew("dexter_turn_stage_seconds_count", stage=stage) == 1, stage
    assert grew("dexter_turn_stage_seconds_sum", stage="llm") > 0


async def _scrape(api: Api) -> str:
    response = await api.client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    return await response.text()


async def test_health_and_readiness(api: Api) -> None:
    health = await api.client.get("/healthz")
    assert (health.status, await health.json()) == (200, {"status": "ok"})
    ready = await api.client.get("/readyz")
    assert ready.status == 200
    assert (await ready.json())["status"] == "ready"


async def test_not_ready_without_an_llm(make_api: ApiFactory) -> None:
    api = await make_api(openai_base_url="", openai_api_key="")
    ready = await api.client.get("/readyz")
    assert ready.status == 503
    body = await ready.json()
    assert body["status"] == "unready"
    assert any("OPENAI_API_KEY" in reason for reason in body["reasons"])


async def test_cors_is_off_unless_configured(make_api: ApiFactory) -> None:
    closed = await make_api()
    response = await closed.client.get("/healthz", headers={"Origin": "https://app.example"})
    assert "Access-Control-Allow-Origin" not in response.headers

    api = await make_api(dexter_cors_origins=("https://app.example",))
    preflight = await api.client.options(
        "/agent/query",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "X-API-Key" in preflight.headers["Access-Control-Allow-Headers"]
    session = await api.client.post("/agent/session", headers={"Origin": "https://app.example"})
    assert session.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert session.headers["Access-Control-Allow-Credentials"] == "true"
    other = await api.client.post("/agent/session", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
