"""`InMemorySessionStore`: sessions in this process's memory, the default store.

One `threading.Lock` guards everything, so the store may be shared by asyncio tasks and
by threads (each running its own event loop, or none). Every operation holds the lock
only for a few dictionary and list steps, never across an `await`, so the event loop is
never blocked for long. History is lost when the process ends; use the Redis or SQLite
store when it must survive restarts.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
import time
from dataclasses import dataclass, field

from dexter_core.sessions.models import SessionMetadata, Turn
from dexter_core.sessions.store import SessionStore, apply_turn_to_metadata
from dexter_core.sessions.store_logic import (
    DEFAULT_SESSION_TTL,
    cleared_metadata,
    expiry_time,
    is_expired,
    is_generation_current,
    is_listed,
    listing_key,
    new_metadata,
    should_fold,
    should_sweep,
    validate_ttl,
)


@dataclass
class _Session:
    metadata: SessionMetadata
    turns: list[Turn] = field(default_factory=list)
    expires_at: float | None = None


class InMemorySessionStore(SessionStore):
    """Sessions held in a dict. `ttl` is seconds of inactivity before a session is
    forgotten (0 = never); expired sessions vanish when next looked at."""

    name = "memory"

    def __init__(self, *, ttl: float = DEFAULT_SESSION_TTL) -> None:
        self._ttl = validate_ttl(ttl)
        self._lock = threading.Lock()
        self._sessions: dict[str, _Session] = {}
        self._by_channel: dict[tuple[str, str], set[str]] = {}
        self._events: dict[str, float] = {}
        self._last_sweep = time.time()

    async def ping(self) -> None:
        """Always answers: the store lives in this process."""

    async def close(self) -> None:
        """Nothing to release; the sessions stay readable until the store is dropped."""

    async def _append_turn(self, session_id: str, turn: Turn, if_generation: int | None) -> bool:
        now = time.time()
        with self._lock:
            self._sweep_if_due(now)
            session = self._live_session(session_id, now)
            stored_generation = session.metadata.generation if session else 0
            if not is_generation_current(if_generation, stored=stored_generation):
                return False
            if session is None:
                session = self._create_session(session_id)
            session.turns.append(_copy_turn(turn))
            apply_turn_to_metadata(
                session.metadata,
                turn,
                platform=session.metadata.platform,
                channel=session.metadata.channel,
            )
            session.expires_at = expiry_time(now=now, ttl=self._ttl)
            return True

    async def _get_turns(self, session_id: str, limit: int | None) -> list[Turn]:
        with self._lock:
            session = self._live_session(session_id, time.time())
            if session is None:
                return []
            kept = session.turns if limit is None else session.turns[-limit:]
            return [_copy_turn(turn) for turn in kept]

    async def _get_metadata(self, session_id: str) -> SessionMetadata | None:
        with self._lock:
            session = self._live_session(session_id, time.time())
            return _copy_metadata(session.metadata) if session else None

    async def _clear(self, session_id: str) -> None:
        now = time.time()
        with self._lock:
            current = self._live_session(session_id, now)
            session = self._create_session(session_id)
            session.metadata = cleared_metadata(session_id, current.metadata if current else None)
            session.expires_at = expiry_time(now=now, ttl=self._ttl)

    async def _update_turn(
        self, session_id: str, turn_id: str, summary: str | None, embedding: bytes | None
    ) -> bool:
        now = time.time()
        with self._lock:
            session = self._live_session(session_id, now)
            matches = [t for t in session.turns if t.turn_id == turn_id] if session else []
            for turn in matches:
                if summary is not None:
                    turn.summary = summary
                if embedding is not None:
                    turn.embedding = bytes(embedding)
            if matches and session:
                session.expires_at = expiry_time(now=now, ttl=self._ttl)
            return bool(matches)

    async def _fold_turns(
        self, session_id: str, count: int, summary: str, expected_folded: int
    ) -> bool:
        now = time.time()
        with self._lock:
            session = self._live_session(session_id, now)
            if session is None or not should_fold(
                session.metadata,
                verbatim_turns=len(session.turns),
                count=count,
                expected_folded=expected_folded,
            ):
                return False
            del session.turns[:count]
            session.metadata.summary = summary
            session.metadata.folded_turns += count
            session.expires_at = expiry_time(now=now, ttl=self._ttl)
            return True

    async def _list_sessions(
        self, platform: str, channel: str, user_id: str | None, limit: int
    ) -> list[SessionMetadata]:
        now = time.time()
        with self._lock:
            listed = []
            for session_id in list(self._by_channel.get((platform, channel), ())):
                session = self._live_session(session_id, now)
                if session and is_listed(session.metadata, user_id=user_id):
                    listed.append(_copy_metadata(session.metadata))
        listed.sort(key=listing_key, reverse=True)
        return listed[:limit]

    async def _claim_event(self, key: str, ttl: int) -> bool:
        now = time.time()
        with self._lock:
            self._sweep_if_due(now)
            expires_at = self._events.get(key)
            if expires_at is not None and not is_expired(expires_at, now=now):
                return False
            self._events[key] = now + ttl
            return True

    def _create_session(self, session_id: str) -> _Session:
        session = _Session(metadata=new_metadata(session_id))
        self._sessions[session_id] = session
        address = (session.metadata.platform, session.metadata.channel)
        self._by_channel.setdefault(address, set()).add(session_id)
        return session

    def _live_session(self, session_id: str, now: float) -> _Session | None:
        """The session unless absent or expired; an expired one is dropped. Lock held."""
        session = self._sessions.get(session_id)
        if session is not None and is_expired(session.expires_at, now=now):
            self._drop(session_id, session)
            return None
        return session

    def _drop(self, session_id: str, session: _Session) -> None:
        del self._sessions[session_id]
        address = (session.metadata.platform, session.metadata.channel)
        members = self._by_channel.get(address)
        if members is not None:
            members.discard(session_id)
            if not members:
                del self._by_channel[address]

    def _sweep_if_due(self, now: float) -> None:
        """Forget expired sessions and events nobody looked at again. Lock held."""
        if not should_sweep(now=now, last_sweep=self._last_sweep):
            return
        self._last_sweep = now
        for session_id, session in list(self._sessions.items()):
            if is_expired(session.expires_at, now=now):
                self._drop(session_id, session)
        self._events = {k: t for k, t in self._events.items() if not is_expired(t, now=now)}


def _copy_turn(turn: Turn) -> Turn:
    """A copy callers may change without touching the stored turn."""
    return dataclasses.replace(turn, usage=dict(turn.usage), extra=copy.deepcopy(turn.extra))


def _copy_metadata(metadata: SessionMetadata) -> SessionMetadata:
    return dataclasses.replace(metadata, participants=dict(metadata.participants))
