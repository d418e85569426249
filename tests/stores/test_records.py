"""The stored turn record: `Turn.to_record()` minus the embedding, turn id first."""

from __future__ import annotations

import json

from dexter_core.sessions.models import Turn
from dexter_core.sessions.records import decode_record, encode_record


def test_a_record_is_the_turns_own_record_without_the_embedding():
    turn = Turn(
        query="q",
        answer="营收 📈",
        user_id="U1",
        embedding=b"\x00\x01",
        usage={"prompt_tokens": 3},
        extra={"tools": ["prices"]},
    )

    encoded = encode_record(turn)

    assert encoded.startswith(f'{{"turn_id":"{turn.turn_id}"'.encode())
    assert json.loads(encoded) == {**turn.to_record(), "embedding": None}
    assert decode_record(encoded, session_id="console:ada") == Turn(
        **{**vars(turn), "embedding": None}
    )


def test_text_that_is_not_utf8_safe_in_extra_is_clamped():
    encoded = encode_record(Turn(query="q", answer="a", extra={"note": "x\ud800"}))

    assert json.loads(encoded)["extra"] == {"note": "x\ufffd"}
