"""The records a session is made of: turns and the session's metadata.

Both serialise to plain dicts carrying `SCHEMA_VERSION` under the key `"v"`, so a
store can tell its own records from corrupt or foreign ones.
"""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_VERSION = 1
MAX_QUERY_CHARS = 100_000
MAX_ANSWER_CHARS = 2_000_000


@dataclass(kw_only=True)
class Turn:
    """One exchange of a session: a question and Dexter's answer.

    `embedding` is a little-endian float32 vector as bytes (what the context engine
    stores); `summary` is short text used when the context budget is tight. Both may be
    filled in after the turn is stored (see `SessionStore.update_turn`).
    """

    query: str
    answer: str
    summary: str = ""
    user_id: str = ""
    user_name: str = ""
    platform: str = ""
    created_at: float = field(default_factory=time.time)
    turn_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    embedding: bytes | None = None
    usage: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready dict (the embedding base64-encoded) tagged with the schema version."""
        record = asdict(self)
        record["embedding"] = (
            base64.b64encode(self.embedding).decode("ascii") if self.embedding else None
        )
        record["v"] = SCHEMA_VERSION
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Turn:
        """Rebuild a turn from `to_record`'s output; raises ValueError on anything else."""
        if not isinstance(record, dict) or record.get("v") != SCHEMA_VERSION:
            raise ValueError("not a Dexter turn record of this schema version")
        data = {k: v for k, v in record.items() if k != "v"}
        embedding = data.get("embedding")
        data["embedding"] = base64.b64decode(embedding) if embedding else None
        try:
            turn = cls(**data)
        except TypeError as exc:
            raise ValueError(f"turn record has unexpected fields: {exc}") from None
        if not isinstance(turn.query, str) or not isinstance(turn.answer, str):
            raise ValueError("turn record has a non-text query or answer")
        return turn


@dataclass(kw_only=True)
class SessionMetadata:
    """What a store knows about a session besides its turns.

    `turn_count` counts turns appended since the session began or was last cleared,
    folded ones included; `summary` is the rolling summary of turns folded out of the
    verbatim history, and `folded_turns` how many turns it covers. `generation` goes up by
    one on every clear: a write made against an older generation is dropped.
    `participants` maps user id to display name.
    """

    session_id: str
    platform: str = ""
    channel: str = ""
    title: str = ""
    created_at: float = 0.0
    last_activity: float = 0.0
    turn_count: int = 0
    participants: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    folded_turns: int = 0
    generation: int = 0

    def to_record(self) -> dict[str, Any]:
        record = asdict(self)
        record["v"] = SCHEMA_VERSION
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> SessionMetadata:
        if not isinstance(record, dict) or record.get("v") != SCHEMA_VERSION:
            raise ValueError("not a Dexter session record of this schema version")
        try:
            return cls(**{k: v for k, v in record.items() if k != "v"})
        except TypeError as exc:
            raise ValueError(f"session record has unexpected fields: {exc}") from None
