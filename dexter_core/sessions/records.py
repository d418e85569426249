"""How the persistent stores write a turn record, and read it back defensively.

A record is the UTF-8 JSON of `Turn.to_record()` with the turn id first (Redis scripts
find it there without decoding the record) and without the embedding, which stores keep
as raw bytes beside the record.
"""

from __future__ import annotations

import dataclasses
import json
import logging

from dexter_core.sessions.models import SCHEMA_VERSION, Turn
from dexter_core.sessions.store import clean_text

logger = logging.getLogger(__name__)

_RECORD_FIELDS = tuple(
    f.name for f in dataclasses.fields(Turn) if f.name not in ("turn_id", "embedding")
)


def encode_record(turn: Turn) -> bytes:
    """The stored form of `turn`, embedding left out."""
    # Field by field rather than through `Turn.to_record()`, which deep-copies the turn
    # and base64-encodes the embedding: a good part of an append's time, for nothing here.
    record = {
        "turn_id": turn.turn_id,
        **{name: getattr(turn, name) for name in _RECORD_FIELDS},
        "embedding": None,
        "v": SCHEMA_VERSION,
    }
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        # Query and answer are clean already; this catches what callers put in `extra`.
        return clean_text(text).encode("utf-8")


def decode_record(raw: bytes, *, session_id: str) -> Turn | None:
    """The turn in a stored record, or None (with a warning) for a corrupt or foreign one."""
    try:
        return Turn.from_record(json.loads(raw))
    except (ValueError, TypeError) as exc:
        logger.warning("Skipping an unreadable turn record in session %s: %s", session_id, exc)
        return None
