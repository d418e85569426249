"""Splitting long answers at paragraph and code-fence boundaries."""

from __future__ import annotations

import pytest

from bots.slack.split_logic import MAX_PART_CHARS, split_message


@pytest.mark.parametrize(
    ("text", "limit", "parts"),
    [
        ("", 50, []),
        ("   \n\n ", 50, []),
        ("short answer", 50, ["short answer"]),
        ("para one\n\npara two", 50, ["para one\n\npara two"]),
        ("a" * 30 + "\n\n" + "b" * 30, 50, ["a" * 30, "b" * 30]),
        ("line one\nline two\nline three", 20, ["line one\nline two", "line three"]),
        ("First sentence here. Second one here.", 30, ["First sentence here.", "Second one here."]),
        ("x" * 45, 20, ["x" * 20, "x" * 20, "x" * 5]),
        (
            "intro\n\n```\n" + "\n".join(f"row {i}" for i in range(8)) + "\n```",
            40,
            [
                "intro",
                "```\nrow 0\nrow 1\nrow 2\nrow 3\nrow 4\n```",
                "```\nrow 5\nrow 6\nrow 7\n```",
            ],
        ),
        ("```\nopen block\n\nwith blank", 50, ["```\nopen block\n\nwith blank\n```"]),
        ("```inline code```\n\nafter", 50, ["```inline code```\n\nafter"]),
    ],
)
def test_split_message(text: str, limit: int, parts: list[str]) -> None:
    assert split_message(text, limit=limit) == parts


def test_every_part_fits_and_code_blocks_stay_balanced() -> None:
    paragraphs = [f"Paragraph {i} " + "word " * (i * 37 % 400) for i in range(60)]
    code = "```\n" + "\n".join(f"    line {i} = {i * i}" for i in range(900)) + "\n```"
    text = "\n\n".join([*paragraphs[:30], code, *paragraphs[30:]])
    parts = split_message(text)
    assert len(parts) > 3
    assert all(len(part) <= MAX_PART_CHARS for part in parts)
    assert all(part.count("```") % 2 == 0 for part in parts)
    rejoined = " ".join(" ".join(parts).replace("```", " ").split())
    assert rejoined == " ".join(text.replace("```", " ").split())


def test_refuses_a_limit_too_small_for_a_code_block() -> None:
    with pytest.raises(ValueError):
        split_message("text", limit=10)
