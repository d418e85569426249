"""`SessionStore`: the one interface every session store implements.

Public methods validate their input here, once, then call the backend's `_`-prefixed
method. Every store must pass `tests/stores/test_store_contract.py`.
"""

from __future__ import annotations

import abc
import re
import time
from typing import TYPE_CHECKING

from dexter_core.errors import InvalidInputError
from dexter_core.sessions.models import MAX_ANSWER_CHARS, MAX_QUERY_CHARS, SessionMetadata, Turn
from dexter_core.sessions.session_ids import validate_session_id

if TYPE_CHECKING:
    from dexter_core.context.history import MessageHistory
    from dexter_core.settings import Settings

DEFAULT_EVENT_TTL = 24 * 3600
_SURROGATE = re.compile("[\ud800-\udfff]")


class SessionStore(abc.ABC):
    """Conversation history for any number of sessions. Every call is async.

    Implementations raise `StoreUnavailableError` when their backend fails, and
    `InvalidInputError` (a `ValueError`) for bad arguments, changing nothing.
    """

    name: str = "abstract"

    async def append_turn(
        self, session_id: str, turn: Turn, *, if_generation: int | None = None
    ) -> bool:
        """Add `turn` at the end of the session, atomically, and refresh the session's TTL.

        Updates the metadata in the same step (turn count, last activity, participants,
        title from the first query). With `if_generation`, the turn is dropped (returns
        False) when the session was cleared since that generation was read: a clear wins
        over writes already in flight. Returns True when the turn was stored.
        """
        validate_session_id(session_id)
        validate_turn(turn)
        return await self._append_turn(session_id, turn, if_generation)

    async def get_turns(self, session_id: str, limit: int | None = None) -> list[Turn]:
        """The session's verbatim turns, oldest first; `limit` keeps the newest N.

        `[]` for an unknown session. Corrupt or foreign records are skipped with a warning.
        """
        validate_session_id(session_id)
        if limit is not None and (not isinstance(limit, int) or limit <= 0):
            raise InvalidInputError("limit must be a positive integer or None")
        return await self._get_turns(session_id, limit)

    async def get_metadata(self, session_id: str) -> SessionMetadata | None:
        """The session's metadata, or None for a session never written (or expired)."""
        validate_session_id(session_id)
        return await self._get_metadata(session_id)

    async def clear(self, session_id: str) -> None:
        """Forget the session's turns and summary and bump its generation.

        Writes that started before the clear and pass `if_generation` are dropped.
        """
        validate_session_id(session_id)
        await self._clear(session_id)

    async def update_turn(
        self,
        session_id: str,
        turn_id: str,
        *,
        summary: str | None = None,
        embedding: bytes | None = None,
    ) -> bool:
        """Fill in a stored turn's summary and/or embedding, computed after the reply.

        Never reorders or duplicates turns. Returns False when the turn is gone (cleared,
        folded or expired).
        """
        validate_session_id(session_id)
        if summary is None and embedding is None:
            return True
        if summary is not None:
            summary = clean_text(summary)
        return await self._update_turn(session_id, turn_id, summary, embedding)

    async def fold_turns(
        self, session_id: str, *, count: int, summary: str, expected_folded: int
    ) -> bool:
        """Drop the oldest `count` verbatim turns and set the rolling summary to `summary`.

        Compare-and-set on `SessionMetadata.folded_turns == expected_folded`, so two
        processes folding at once cannot fold twice; the loser gets False and changes nothing.
        """
        validate_session_id(session_id)
        if count <= 0:
            raise InvalidInputError("count must be positive")
        return await self._fold_turns(session_id, count, clean_text(summary), expected_folded)

    async def list_sessions(
        self, *, platform: str, channel: str, user_id: str | None = None, limit: int = 20
    ) -> list[SessionMetadata]:
        """Sessions in one channel (and, with `user_id`, that user took part in), newest first."""
        if limit <= 0:
            raise InvalidInputError("limit must be positive")
        return await self._list_sessions(platform, channel, user_id, limit)

    async def claim_event(self, key: str, *, ttl: int = DEFAULT_EVENT_TTL) -> bool:
        """Record a platform event id; True only for the first claim of `key` within `ttl`.

        Shared by every process using the same backend, so a delivery seen by two
        processes is handled once.
        """
        if not key or len(key) > 512:
            raise InvalidInputError("event key must be 1-512 characters")
        if ttl <= 0:
            raise InvalidInputError("event ttl must be positive")
        return await self._claim_event(key, ttl)

    async def load_history(
        self, session_id: str, *, settings: Settings | None = None
    ) -> MessageHistory:
        """A `MessageHistory` over the session's turns, rolling summary and generation.

        `settings` tunes context selection (default: the process's settings).
        """
        from dexter_core.context.history import MessageHistory

        validate_session_id(session_id)
        metadata = await self._get_metadata(session_id)
        turns = await self._get_turns(session_id, None)
        return MessageHistory(
            turns,
            summary=metadata.summary if metadata else "",
            generation=metadata.generation if metadata else 0,
            settings=settings,
        )

    @abc.abstractmethod
    async def ping(self) -> None:
        """Raise `StoreUnavailableError` unless the backend answers."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release connections; the store is not used afterwards."""

    @abc.abstractmethod
    async def _append_turn(
        self, session_id: str, turn: Turn, if_generation: int | None
    ) -> bool: ...

    @abc.abstractmethod
    async def _get_turns(self, session_id: str, limit: int | None) -> list[Turn]: ...

    @abc.abstractmethod
    async def _get_metadata(self, session_id: str) -> SessionMetadata | None: ...

    @abc.abstractmethod
    async def _clear(self, session_id: str) -> None: ...

    @abc.abstractmethod
    async def _update_turn(
        self, session_id: str, turn_id: str, summary: str | None, embedding: bytes | None
    ) -> bool: ...

    @abc.abstractmethod
    async def _fold_turns(
        self, session_id: str, count: int, summary: str, expected_folded: int
    ) -> bool: ...

    @abc.abstractmethod
    async def _list_sessions(
        self, platform: str, channel: str, user_id: str | None, limit: int
    ) -> list[SessionMetadata]: ...

    @abc.abstractmethod
    async def _claim_event(self, key: str, ttl: int) -> bool: ...


def clean_text(text: str) -> str:
    """Replace lone surrogates (text that cannot be encoded as UTF-8) with U+FFFD."""
    return _SURROGATE.sub("\ufffd", text) if _has_surrogates(text) else text


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def validate_turn(turn: Turn) -> None:
    """Refuse turns no store should keep; clamp text that is not UTF-8-safe in place."""
    if not isinstance(turn, Turn):
        raise InvalidInputError("append_turn takes a Turn")
    if not isinstance(turn.query, str) or not turn.query.strip():
        raise InvalidInputError("a turn needs a non-empty query")
    if not isinstance(turn.answer, str):
        raise InvalidInputError("a turn's answer must be text")
    if len(turn.query) > MAX_QUERY_CHARS:
        raise InvalidInputError(f"query is longer than {MAX_QUERY_CHARS} characters")
    if len(turn.answer) > MAX_ANSWER_CHARS:
        raise InvalidInputError(f"answer is longer than {MAX_ANSWER_CHARS} characters")
    turn.query = clean_text(turn.query)
    turn.answer = clean_text(turn.answer)
    turn.summary = clean_text(turn.summary)
    turn.user_name = clean_text(turn.user_name)
    if not turn.created_at:
        turn.created_at = time.time()


def apply_turn_to_metadata(
    metadata: SessionMetadata, turn: Turn, *, platform: str, channel: str
) -> SessionMetadata:
    """The metadata after `turn` is appended: the one rule every backend follows."""
    if not metadata.created_at:
        metadata.created_at = turn.created_at
    metadata.platform = metadata.platform or platform
    metadata.channel = metadata.channel or channel
    metadata.title = metadata.title or _title_from(turn.query)
    metadata.last_activity = max(metadata.last_activity, turn.created_at)
    metadata.turn_count += 1
    if turn.user_id:
        metadata.participants[turn.user_id] = turn.user_name or metadata.participants.get(
            turn.user_id, ""
        )
    return metadata


def _title_from(query: str) -> str:
    line = " ".join(query.split())
    return line if len(line) <= 80 else line[:79].rstrip() + "…"
