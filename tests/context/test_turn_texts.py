from __future__ import annotations

from dexter_core.context.turn_texts import embedding_text, lexical_text, speaker_and_time
from dexter_core.sessions.models import Turn

TURN = Turn(
    query="AAPL margin?", answer="44%", user_name="Ada", user_id="U1", created_at=1_700_000_000
)


def test_embedded_text_names_who_asked_and_when() -> None:
    assert embedding_text(TURN) == "Ada asked on 2023-11-14: AAPL margin?\nAnswer: 44%"


def test_lexical_text_names_who_asked() -> None:
    assert lexical_text(TURN) == "Ada\nAAPL margin?\n44%"


def test_speaker_falls_back_to_the_user_id() -> None:
    anonymous = Turn(query="q", answer="a", user_id="U9", created_at=1_700_000_000)
    assert speaker_and_time(TURN) == "Ada, 2023-11-14 22:13 UTC"
    assert speaker_and_time(anonymous) == "U9, 2023-11-14 22:13 UTC"


def test_long_texts_are_cut_before_indexing() -> None:
    long_turn = Turn(query="q" * 50_000, answer="x" * 10_000, user_name="Ada", created_at=0)
    assert len(embedding_text(long_turn)) < 1300
    assert len(lexical_text(long_turn)) < 4100
