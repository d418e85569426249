"""How the persistent stores write a turn record, and read it back defensively.

A record is the UTF-8 JSON of `Turn.to_record()` with the turn id first (Redis scripts
find it there without decoding the record) and without the embedding, which stores keep
as raw bytes beside the record.
"""

from __future__ import annotations

import json
import logging

from dexter_core.sessions.models import Turn
from dexter_core.sessions.store import clean_text

logger = logging.getLogger(__name__)


def encode_record(turn: Turn) -> bytes:
    """The stored form of `turn`, embedding left out."""
    record = turn.to_record()
    record["embedding"] = None
    text = json.dumps(
        {"turn_id": record.pop("turn_id"), **record}, ensure_ascii=False, separators=(",", ":")
    )
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
