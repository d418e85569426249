"""`SQLiteSessionStore`: sessions in one SQLite file, for a single machine without Redis.

All database work runs on one dedicated thread per store (sqlite3 connections belong to
the thread that made them), so the event loop never waits on disk. The file is in WAL
mode with a busy timeout, and every write is one `BEGIN IMMEDIATE` transaction, so
several processes may share the file: concurrent appends queue up and none is lost.
Expired sessions are hidden at once and deleted by the next write that meets them (and
by a periodic sweep).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from dexter_core.errors import StoreUnavailableError
from dexter_core.sessions.models import SessionMetadata, Turn
from dexter_core.sessions.records import decode_record, encode_record
from dexter_core.sessions.store import SessionStore, apply_turn_to_metadata
from dexter_core.sessions.store_logic import (
    DEFAULT_SESSION_TTL,
    cleared_metadata,
    expiry_time,
    is_expired,
    is_generation_current,
    new_metadata,
    should_fold,
    should_sweep,
    validate_ttl,
)

T = TypeVar("T")

SCHEMA_VERSION = 1
BUSY_TIMEOUT_SECONDS = 10.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    session_id    TEXT PRIMARY KEY,
    platform      TEXT NOT NULL,
    channel       TEXT NOT NULL,
    title         TEXT NOT NULL,
    created_at    REAL NOT NULL,
    last_activity REAL NOT NULL,
    turn_count    INTEGER NOT NULL,
    summary       TEXT NOT NULL,
    folded_turns  INTEGER NOT NULL,
    generation    INTEGER NOT NULL,
    expires_at    REAL
);
CREATE INDEX IF NOT EXISTS sessions_by_channel
    ON sessions (platform, channel, last_activity);
CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions (expires_at);
CREATE TABLE IF NOT EXISTS participants (
    session_id TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    user_name  TEXT NOT NULL,
    PRIMARY KEY (session_id, user_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS turns (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    turn_id    TEXT NOT NULL,
    record     BLOB NOT NULL,
    summary    TEXT,
    embedding  BLOB
);
CREATE INDEX IF NOT EXISTS turns_by_session ON turns (session_id, seq);
CREATE INDEX IF NOT EXISTS turns_by_id ON turns (session_id, turn_id);
CREATE TABLE IF NOT EXISTS events (
    key        TEXT PRIMARY KEY,
    expires_at REAL NOT NULL
) WITHOUT ROWID;
"""

_LIVE = "(expires_at IS NULL OR expires_at > ?)"
_METADATA_COLUMNS = (
    "session_id, platform, channel, title, created_at, last_activity, turn_count, summary, "
    "folded_turns, generation"
)


class SQLiteSessionStore(SessionStore):
    """Sessions in the SQLite file at `path` (created, with its directory, if missing).

    `ttl` is seconds of inactivity before a session is forgotten (0 = never).
    """

    name = "sqlite"

    def __init__(self, path: str | os.PathLike[str], *, ttl: float = DEFAULT_SESSION_TTL) -> None:
        self._path = Path(path)
        self._ttl = validate_ttl(ttl)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dexter-sqlite")
        # Opened, used and closed only on the executor's one thread.
        self._conn: sqlite3.Connection | None = None
        self._closed = False
        self._last_sweep = time.time()

    async def ping(self) -> None:
        await self._run("answer a ping", lambda conn: conn.execute("SELECT 1").fetchone())

    async def close(self) -> None:
        """Close the connection and stop the store's thread; calling it again does nothing."""
        if self._closed:
            return
        self._closed = True

        def close_connection() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        await asyncio.get_running_loop().run_in_executor(self._executor, close_connection)
        self._executor.shutdown(wait=False)

    async def _append_turn(self, session_id: str, turn: Turn, if_generation: int | None) -> bool:
        record = encode_record(turn)

        def append(conn: sqlite3.Connection) -> bool:
            with self._writing(conn) as now:
                metadata = self._live_metadata(conn, session_id, now)
                if metadata is None:
                    _delete_session(conn, session_id)
                    metadata = new_metadata(session_id)
                if not is_generation_current(if_generation, stored=metadata.generation):
                    return False
                apply_turn_to_metadata(
                    metadata, turn, platform=metadata.platform, channel=metadata.channel
                )
                self._save_metadata(conn, metadata, now)
                conn.execute(
                    "INSERT INTO turns (session_id, turn_id, record, embedding)"
                    " VALUES (?, ?, ?, ?)",
                    (session_id, turn.turn_id, record, turn.embedding),
                )
                return True

        return await self._run("append a turn", append)

    async def _get_turns(self, session_id: str, limit: int | None) -> list[Turn]:
        def read(conn: sqlite3.Connection) -> list[tuple[bytes, str | None, bytes | None]]:
            rows = conn.execute(
                "SELECT t.record, t.summary, t.embedding FROM turns AS t"
                " JOIN sessions AS s ON s.session_id = t.session_id"
                " WHERE t.session_id = ? AND (s.expires_at IS NULL OR s.expires_at > ?)"
                " ORDER BY t.seq DESC LIMIT ?",
                (session_id, time.time(), -1 if limit is None else limit),
            ).fetchall()
            rows.reverse()
            return rows

        turns = []
        for record, summary, embedding in await self._run("read turns", read):
            turn = decode_record(record, session_id=session_id)
            if turn is None:
                continue
            if summary is not None:
                turn.summary = summary
            if embedding is not None:
                turn.embedding = embedding
            turns.append(turn)
        return turns

    async def _get_metadata(self, session_id: str) -> SessionMetadata | None:
        def read(conn: sqlite3.Connection) -> SessionMetadata | None:
            with self._reading(conn) as now:
                return self._live_metadata(conn, session_id, now)

        return await self._run("read session metadata", read)

    async def _clear(self, session_id: str) -> None:
        def clear(conn: sqlite3.Connection) -> None:
            with self._writing(conn) as now:
                current = self._live_metadata(conn, session_id, now)
                _delete_session(conn, session_id)
                self._save_metadata(conn, cleared_metadata(session_id, current), now)

        await self._run("clear a session", clear)

    async def _update_turn(
        self, session_id: str, turn_id: str, summary: str | None, embedding: bytes | None
    ) -> bool:
        def update(conn: sqlite3.Connection) -> bool:
            with self._writing(conn) as now:
                if self._live_metadata(conn, session_id, now) is None:
                    return False
                updated = conn.execute(
                    "UPDATE turns SET summary = COALESCE(?, summary),"
                    " embedding = COALESCE(?, embedding) WHERE session_id = ? AND turn_id = ?",
                    (summary, embedding, session_id, turn_id),
                ).rowcount
                if updated:
                    self._touch(conn, session_id, now)
                return updated > 0

        return await self._run("update a turn", update)

    async def _fold_turns(
        self, session_id: str, count: int, summary: str, expected_folded: int
    ) -> bool:
        def fold(conn: sqlite3.Connection) -> bool:
            with self._writing(conn) as now:
                metadata = self._live_metadata(conn, session_id, now)
                (verbatim,) = conn.execute(
                    "SELECT COUNT(*) FROM turns WHERE session_id = ?", (session_id,)
                ).fetchone()
                if metadata is None or not should_fold(
                    metadata, verbatim_turns=verbatim, count=count, expected_folded=expected_folded
                ):
                    return False
                conn.execute(
                    "DELETE FROM turns WHERE seq IN (SELECT seq FROM turns WHERE session_id = ?"
                    " ORDER BY seq LIMIT ?)",
                    (session_id, count),
                )
                metadata.summary = summary
                metadata.folded_turns += count
                self._save_metadata(conn, metadata, now)
                return True

        return await self._run("fold turns", fold)

    async def _list_sessions(
        self, platform: str, channel: str, user_id: str | None, limit: int
    ) -> list[SessionMetadata]:
        # The SQL form of `store_logic.is_listed`: sessions with turns (and the user).
        query = (
            "SELECT session_id FROM sessions WHERE platform = ? AND channel = ?"
            f" AND turn_count > 0 AND {_LIVE}"
        )
        params: list[object] = [platform, channel, time.time()]
        if user_id is not None:
            query += (
                " AND EXISTS (SELECT 1 FROM participants AS p"
                " WHERE p.session_id = sessions.session_id AND p.user_id = ?)"
            )
            params.append(user_id)
        query += " ORDER BY last_activity DESC, session_id DESC LIMIT ?"
        params.append(limit)

        def listing(conn: sqlite3.Connection) -> list[SessionMetadata]:
            with self._reading(conn) as now:
                ids = [row[0] for row in conn.execute(query, params)]
                found = (self._live_metadata(conn, session_id, now) for session_id in ids)
                return [metadata for metadata in found if metadata is not None]

        return await self._run("list sessions", listing)

    async def _claim_event(self, key: str, ttl: int) -> bool:
        def claim(conn: sqlite3.Connection) -> bool:
            with self._writing(conn) as now:
                row = conn.execute("SELECT expires_at FROM events WHERE key = ?", (key,)).fetchone()
                if row is not None and not is_expired(row[0], now=now):
                    return False
                conn.execute(
                    "INSERT OR REPLACE INTO events (key, expires_at) VALUES (?, ?)",
                    (key, now + ttl),
                )
                return True

        return await self._run("claim an event", claim)

    async def _run(self, action: str, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` on the store's thread with its connection; errors become ours."""

        def call() -> T:
            try:
                return work(self._connection())
            except (sqlite3.Error, OSError) as exc:
                raise StoreUnavailableError(
                    f"SQLite database {self._path} could not {action}: {exc}"
                ) from exc

        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    def _connection(self) -> sqlite3.Connection:
        """The store thread's connection, opened (and the schema made) on first use."""
        if self._conn is not None:
            return self._conn
        self._path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: transactions are begun explicitly, below.
        conn = sqlite3.connect(self._path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            with _transaction(conn, "BEGIN IMMEDIATE"):
                (version,) = conn.execute("PRAGMA user_version").fetchone()
                if version not in (0, SCHEMA_VERSION):
                    raise sqlite3.DatabaseError(f"unknown schema version {version}")
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return conn

    @contextlib.contextmanager
    def _writing(self, conn: sqlite3.Connection) -> Iterator[float]:
        """One write transaction, taking the write lock up front; yields the time."""
        with _transaction(conn, "BEGIN IMMEDIATE"):
            now = time.time()
            self._sweep_if_due(conn, now)
            yield now

    @contextlib.contextmanager
    def _reading(self, conn: sqlite3.Connection) -> Iterator[float]:
        """One read transaction, so several queries see the same snapshot."""
        with _transaction(conn, "BEGIN"):
            yield time.time()

    def _live_metadata(
        self, conn: sqlite3.Connection, session_id: str, now: float
    ) -> SessionMetadata | None:
        row = conn.execute(
            f"SELECT {_METADATA_COLUMNS} FROM sessions WHERE session_id = ? AND {_LIVE}",
            (session_id, now),
        ).fetchone()
        if row is None:
            return None
        metadata = SessionMetadata(**dict(zip(_METADATA_COLUMNS.split(", "), row, strict=True)))
        metadata.participants = dict(
            conn.execute(
                "SELECT user_id, user_name FROM participants WHERE session_id = ?", (session_id,)
            ).fetchall()
        )
        return metadata

    def _save_metadata(
        self, conn: sqlite3.Connection, metadata: SessionMetadata, now: float
    ) -> None:
        """Write `metadata` whole, with a fresh expiry time."""
        values = [getattr(metadata, name) for name in _METADATA_COLUMNS.split(", ")]
        conn.execute(
            f"INSERT OR REPLACE INTO sessions ({_METADATA_COLUMNS}, expires_at)"
            f" VALUES ({', '.join('?' * (len(values) + 1))})",
            (*values, expiry_time(now=now, ttl=self._ttl)),
        )
        conn.executemany(
            "INSERT OR REPLACE INTO participants (session_id, user_id, user_name) VALUES (?, ?, ?)",
            [(metadata.session_id, uid, name) for uid, name in metadata.participants.items()],
        )

    def _touch(self, conn: sqlite3.Connection, session_id: str, now: float) -> None:
        conn.execute(
            "UPDATE sessions SET expires_at = ? WHERE session_id = ?",
            (expiry_time(now=now, ttl=self._ttl), session_id),
        )

    def _sweep_if_due(self, conn: sqlite3.Connection, now: float) -> None:
        """Delete sessions and events that expired; inside a write transaction."""
        if not should_sweep(now=now, last_sweep=self._last_sweep):
            return
        self._last_sweep = now
        expired = "SELECT session_id FROM sessions WHERE expires_at <= ?"
        conn.execute(f"DELETE FROM turns WHERE session_id IN ({expired})", (now,))
        conn.execute(f"DELETE FROM participants WHERE session_id IN ({expired})", (now,))
        conn.execute("DELETE FROM sessions WHERE expires_at <= ?", (now,))
        conn.execute("DELETE FROM events WHERE expires_at <= ?", (now,))


@contextlib.contextmanager
def _transaction(conn: sqlite3.Connection, begin: str) -> Iterator[None]:
    conn.execute(begin)
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _delete_session(conn: sqlite3.Connection, session_id: str) -> None:
    for table in ("turns", "participants", "sessions"):
        conn.execute(f"DELETE FROM {table} WHERE session_id = ?", (session_id,))
