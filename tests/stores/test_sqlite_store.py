"""What only the SQLite store promises: its file, and failures as our error."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest

from dexter_core.errors import StoreUnavailableError
from dexter_core.sessions import store_logic
from dexter_core.sessions.models import Turn
from dexter_core.sessions.sqlite_store import SQLiteSessionStore

SID = "console:ada"


async def test_the_file_is_in_wal_mode_and_a_corrupt_record_is_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    path = tmp_path / "sessions.db"
    store = SQLiteSessionStore(path)
    await store.append_turn(SID, Turn(query="before", answer="a"))
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        conn.execute(
            "INSERT INTO turns (session_id, turn_id, record) VALUES (?, 'x', ?)",
            (SID, b'{"v": 99}'),
        )
    await store.append_turn(SID, Turn(query="after", answer="a"))

    with caplog.at_level(logging.WARNING):
        turns = await store.get_turns(SID)

    assert [t.query for t in turns] == ["before", "after"]
    assert "unreadable turn record" in caplog.text
    await store.close()


async def test_a_file_that_is_not_a_database_fails_with_our_error(tmp_path: Path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"these are not the sessions you are looking for" * 100)
    store = SQLiteSessionStore(path)

    with pytest.raises(StoreUnavailableError, match=r"notes\.txt"):
        await store.get_turns(SID)
    with pytest.raises(StoreUnavailableError):
        await store.ping()
    await store.close()


async def test_a_database_of_a_newer_schema_is_refused(tmp_path: Path):
    path = tmp_path / "sessions.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version=7")
    store = SQLiteSessionStore(path)

    with pytest.raises(StoreUnavailableError, match="schema version 7"):
        await store.append_turn(SID, Turn(query="q", answer="a"))
    await store.close()


async def test_expired_sessions_are_deleted_from_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(store_logic, "SWEEP_INTERVAL", 0.0)
    path = tmp_path / "sessions.db"
    store = SQLiteSessionStore(path, ttl=0.2)
    await store.append_turn("console:old", Turn(query="q", answer="a", user_id="U1"))
    await asyncio.sleep(0.3)

    await store.append_turn("console:new", Turn(query="q", answer="a"))

    with sqlite3.connect(path) as conn:
        sessions = [row[0] for row in conn.execute("SELECT session_id FROM sessions")]
        turns = [row[0] for row in conn.execute("SELECT session_id FROM turns")]
        participants = conn.execute("SELECT COUNT(*) FROM participants").fetchone()[0]
    assert sessions == turns == ["console:new"]
    assert participants == 0
    await store.close()
