"""The session API: create a session, ask in it (answer streamed), read and clear it.

Only sessions this server issued through `POST /agent/session` can be used, and only by
the caller they were issued to: another caller gets 403 when the session has history,
404 otherwise (as for ids never issued), so ids cannot be probed.
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from bots.http.errors import ApiError
from bots.http.keys import CORE, SIGNING_KEY, SUBJECT
from bots.http.request_logic import SESSION_COOKIE, chosen_session, parse_query_body
from bots.http.session_access_logic import API_PREFIX, is_issued_to, mint_session_id
from bots.http.turn_stream import QueueSink, stream_turn
from dexter_core.core import Core
from dexter_core.dispatch.requests import SubmitStatus, TurnRequest
from dexter_core.sessions.models import SessionMetadata, Turn
from dexter_core.sessions.session_ids import validate_session_id

# How each refusal of the dispatcher reaches the client.
SUBMIT_REFUSALS: dict[SubmitStatus, tuple[int, str]] = {
    SubmitStatus.SESSION_BUSY: (429, "This session already has questions waiting; retry soon."),
    SubmitStatus.RATE_LIMITED: (429, "Too many questions this minute; retry in a moment."),
    SubmitStatus.SHUTTING_DOWN: (503, "The server is shutting down; retry shortly."),
    SubmitStatus.DUPLICATE: (409, "This request was already received."),
}
# Without JWT the caller has no identity beyond the session: the session id stands in as
# the user id (so the per-user rate limit applies per session, not to all API clients).
ANONYMOUS_NAME = "api"


def add_agent_routes(app: web.Application) -> None:
    app.router.add_post("/agent/session", create_session)
    app.router.add_post("/agent/query", query)
    app.router.add_get("/agent/history", get_history)
    app.router.add_delete("/agent/history", clear_history)


async def create_session(request: web.Request) -> web.Response:
    """201 with a new session id, also set as the session cookie."""
    settings = request.app[CORE].settings
    session_id = mint_session_id(key=request.app[SIGNING_KEY], owner=request[SUBJECT])
    response = web.json_response({"session_id": session_id}, status=201)
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        httponly=True,
        samesite="Lax",
        secure=settings.secure_cookies,
        path="/agent",
        max_age=settings.dexter_session_ttl or None,
    )
    return response


async def query(request: web.Request) -> web.StreamResponse:
    """Hand the question to the dispatcher and stream the turn's events as SSE."""
    core = request.app[CORE]
    body = parse_query_body(
        await request.read(), max_query_chars=core.settings.dexter_max_query_chars
    )
    session_id = await _accessible_session(request, explicit=body.session_id)
    subject = request[SUBJECT]
    turn_request = TurnRequest(
        session_id=session_id,
        text=body.query,
        platform="api",
        user_id=subject or session_id,
        user_name=subject or ANONYMOUS_NAME,
    )
    sink = QueueSink()
    result = await core.dispatcher.submit(turn_request, sink=sink)
    if not result.is_accepted:
        status, default_message = SUBMIT_REFUSALS[result.status]
        raise ApiError(status, result.status.value, result.message or default_message)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache",
            # Proxies such as nginx would otherwise hold the events back.
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    await stream_turn(
        response, sink, session_id=session_id, deadline=time.monotonic() + _stream_limit(core)
    )
    return response


async def get_history(request: web.Request) -> web.Response:
    """The session's turns, oldest first, and its metadata (null before the first turn)."""
    store = request.app[CORE].store
    session_id = await _accessible_session(request, explicit=request.query.get("session_id"))
    turns = await store.get_turns(session_id)
    metadata = await store.get_metadata(session_id)
    return web.json_response(
        {
            "session_id": session_id,
            "metadata": _metadata_view(metadata) if metadata else None,
            "turns": [_turn_view(turn) for turn in turns],
        }
    )


async def clear_history(request: web.Request) -> web.Response:
    """Forget the session's turns and summary; the session id stays usable."""
    session_id = await _accessible_session(request, explicit=request.query.get("session_id"))
    await request.app[CORE].store.clear(session_id)
    return web.json_response({"session_id": session_id, "cleared": True})


async def _accessible_session(request: web.Request, *, explicit: str | None) -> str:
    """The session the request names, once the caller is known to own it."""
    session_id = validate_session_id(
        chosen_session(explicit=explicit, cookie=request.cookies.get(SESSION_COOKIE))
    )
    if is_issued_to(session_id, key=request.app[SIGNING_KEY], owner=request[SUBJECT]):
        return session_id
    if (
        session_id.startswith(API_PREFIX)
        and await request.app[CORE].store.get_metadata(session_id) is not None
    ):
        raise ApiError(403, "forbidden", "This session belongs to someone else.")
    raise ApiError(404, "unknown_session", "No such session; create one with POST /agent/session.")


def _stream_limit(core: Core) -> float:
    """How long a stream waits for its turn to end: every turn queued ahead, plus its own."""
    settings = core.settings
    return settings.dexter_turn_timeout * (settings.dexter_session_queue_limit + 1)


def _turn_view(turn: Turn) -> dict[str, Any]:
    return {
        "turn_id": turn.turn_id,
        "query": turn.query,
        "answer": turn.answer,
        "summary": turn.summary,
        "created_at": turn.created_at,
        "user": turn.user_id,
        "user_name": turn.user_name,
    }


def _metadata_view(metadata: SessionMetadata) -> dict[str, Any]:
    return {
        "title": metadata.title,
        "created_at": metadata.created_at,
        "last_activity": metadata.last_activity,
        "turn_count": metadata.turn_count,
        "participants": metadata.participants,
        "summary": metadata.summary,
    }
