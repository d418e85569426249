"""The texts a turn is indexed and shown by."""

from __future__ import annotations

import time

from dexter_core.sessions.models import Turn

# The model reads at most 256 word pieces; more characters only cost tokenizer time.
_EMBEDDED_QUERY_CHARS = 600
_EMBEDDED_ANSWER_CHARS = 600
# BM25 looks at the question and the start of the answer, where its subject is named.
_INDEXED_QUERY_CHARS = 2000
_INDEXED_ANSWER_CHARS = 2000


def speaker_and_time(turn: Turn) -> str:
    """`who, YYYY-MM-DD HH:MM UTC` for a turn."""
    who = turn.user_name or turn.user_id or "user"
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(turn.created_at))
    return f"{who}, {when}"


def embedding_text(turn: Turn) -> str:
    """What a turn's embedding is computed from: who asked and when, the question, the answer."""
    who = turn.user_name or turn.user_id or "user"
    when = time.strftime("%Y-%m-%d", time.gmtime(turn.created_at))
    query = turn.query[:_EMBEDDED_QUERY_CHARS]
    return f"{who} asked on {when}: {query}\nAnswer: {turn.answer[:_EMBEDDED_ANSWER_CHARS]}"


def lexical_text(turn: Turn) -> str:
    """What a turn's BM25 terms are taken from: who asked, the question, the answer's start."""
    who = turn.user_name or turn.user_id
    query = turn.query[:_INDEXED_QUERY_CHARS]
    return f"{who}\n{query}\n{turn.answer[:_INDEXED_ANSWER_CHARS]}"
