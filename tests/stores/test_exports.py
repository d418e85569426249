"""The session API is importable from the package root."""

from __future__ import annotations

import pytest

import dexter_core
from dexter_core.sessions.factory import get_session_store
from dexter_core.sessions.memory_store import InMemorySessionStore
from dexter_core.sessions.models import SessionMetadata, Turn
from dexter_core.sessions.redis_store import RedisSessionStore
from dexter_core.sessions.sqlite_store import SQLiteSessionStore


def test_the_stores_and_records_are_exported_from_the_package():
    assert dexter_core.Turn is Turn
    assert dexter_core.SessionMetadata is SessionMetadata
    assert dexter_core.InMemorySessionStore is InMemorySessionStore
    assert dexter_core.RedisSessionStore is RedisSessionStore
    assert dexter_core.SQLiteSessionStore is SQLiteSessionStore
    assert dexter_core.get_session_store is get_session_store


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = dexter_core.no_such_thing  # type: ignore[attr-defined]
