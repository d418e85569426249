"""Discord formatting: tables, headings and splitting under the message limit."""

from __future__ import annotations

import re

import pytest

from bots.discord.format_logic import MESSAGE_LIMIT, split_message, to_discord_markdown


def _fences_balanced(part: str) -> bool:
    return len(re.findall(r"^\s*```", part, flags=re.MULTILINE)) % 2 == 0


def _code_block(lines: int, *, language: str = "python") -> str:
    body = "\n".join(f"value_{i} = compute({i})  # step {i}" for i in range(lines))
    return f"```{language}\n{body}\n```"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain answer", ["plain answer"]),
        ("", []),
        ("   \n\n  ", []),
        ("one\n\n\n\ntwo", ["one\n\ntwo"]),
        ("line one\nline two", ["line one\nline two"]),
    ],
)
def test_short_text_stays_one_message(text: str, expected: list[str]) -> None:
    assert split_message(text) == expected


@pytest.mark.parametrize(
    ("paragraphs", "limit", "expected_parts"),
    [
        (["a" * 30, "b" * 30, "c" * 30], 70, ["a" * 30 + "\n\n" + "b" * 30, "c" * 30]),
        (["a" * 30, "b" * 30, "c" * 30], 100, ["a" * 30 + "\n\n" + "b" * 30 + "\n\n" + "c" * 30]),
        (["a" * 45, "b" * 45], 50, ["a" * 45, "b" * 45]),
    ],
)
def test_splits_fall_between_paragraphs(
    paragraphs: list[str], limit: int, expected_parts: list[str]
) -> None:
    assert split_message("\n\n".join(paragraphs), limit=limit) == expected_parts


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("word " * 1000, 2000),  # one huge paragraph of words
        ("x" * 4500, 2000),  # one unbroken line
        ("\n".join(f"line {i}" for i in range(900)), 2000),
        ("Intro.\n\n" + _code_block(150) + "\n\nOutro.", 2000),
        ("Intro.\n\n" + _code_block(150, language="") + "\n\nOutro.", 500),
    ],
)
def test_every_part_is_under_the_limit_and_renders_alone(text: str, limit: int) -> None:
    parts = split_message(text, limit=limit)
    assert len(parts) > 1
    for part in parts:
        assert 0 < len(part) <= limit
        assert _fences_balanced(part)


def test_a_5000_character_answer_with_a_code_block_keeps_every_code_line() -> None:
    code = _code_block(140)
    text = "Here is the model.\n\n" + code + "\n\nThat is all, " + "really " * 40
    assert len(text) >= 5000
    parts = split_message(text)
    assert len(parts) >= 3
    assert all(len(part) <= MESSAGE_LIMIT for part in parts)
    code_parts = [p for p in parts if "value_" in p]
    assert len(code_parts) >= 2
    for part in code_parts:
        assert "```python\nvalue_" in part
        assert _fences_balanced(part)
    joined = "\n".join(parts)
    for i in range(140):
        assert f"value_{i} = compute({i})  # step {i}" in joined
    assert parts[0].startswith("Here is the model.")
    assert parts[-1].rstrip().endswith("really")


def test_code_block_with_blank_lines_is_one_block() -> None:
    text = "```\nfirst\n\nsecond\n```"
    assert split_message(text) == [text]


def test_unclosed_code_block_is_closed() -> None:
    parts = split_message("Look:\n\n```sql\nSELECT 1;")
    assert parts == ["Look:\n\n```sql\nSELECT 1;\n```"]


def test_tilde_fences_reopen_with_tildes() -> None:
    body = "\n".join(f"row {i:04d}" for i in range(60))
    parts = split_message(f"~~~text\n{body}\n~~~", limit=200)
    assert len(parts) > 1
    for part in parts:
        assert part.startswith("~~~text\n")
        assert part.endswith("\n~~~")


def test_limit_too_small_is_refused() -> None:
    with pytest.raises(ValueError):
        split_message("hello", limit=10)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#### Revenue\nUp 8%.", "**Revenue**\nUp 8%."),
        ("## Revenue", "## Revenue"),
        (
            "| Ticker | P/E |\n|---|---:|\n| AAPL | 28.1 |\n| MSFT | 33.4 |",
            "```\nTicker  P/E\n------  ----\nAAPL    28.1\nMSFT    33.4\n```",
        ),
        (
            "Before\n| **Year** | Revenue |\n| --- | --- |\n| 2024 | $391B |\nAfter",
            "Before\n```\nYear  Revenue\n----  -------\n2024  $391B\n```\nAfter",
        ),
        ("```\n| a | b |\n|---|---|\n#### not a heading\n```", None),
        ("a | b and | c", None),
    ],
)
def test_markdown_is_adapted_for_discord(text: str, expected: str | None) -> None:
    assert to_discord_markdown(text) == (text if expected is None else expected)
