"""Markdown to Slack mrkdwn."""

from __future__ import annotations

import pytest

from bots.slack.mrkdwn_logic import escape, to_mrkdwn


@pytest.mark.parametrize(
    ("markdown", "mrkdwn"),
    [
        ("**Revenue** rose", "*Revenue* rose"),
        ("__Revenue__ rose", "*Revenue* rose"),
        ("a *sharp* rise", "a _sharp_ rise"),
        ("~~old~~ new", "~old~ new"),
        ("[10-K](https://sec.gov/x?a=1&b=2)", "<https://sec.gov/x?a=1&amp;b=2|10-K>"),
        ("see <https://sec.gov>", "see <https://sec.gov>"),
        ("![chart](https://img/x.png)", "<https://img/x.png|chart>"),
        ("# Apple", "*Apple*"),
        ("### **Apple** results ###", "*Apple results*"),
        ("- one", "• one"),
        ("  - nested", "    ◦ nested"),
        ("* star item", "• star item"),
        ("1. first", "1. first"),
        ("> quoted *it*", "> quoted _it_"),
        ("---", "──────────"),
        ("P/E < 30 & rising > 2", "P/E &lt; 30 &amp; rising &gt; 2"),
        ("use `a<b` and `**x**`", "use `a&lt;b` and `**x**`"),
        ("snake_case_name and 2*3*4", "snake_case_name and 2*3*4"),
        ("<script>", "&lt;script&gt;"),
        ("[a|b](https://x.com/p|q)", "<https://x.com/p%7Cq|a¦b>"),
    ],
)
def test_inline_and_line_markup(markdown: str, mrkdwn: str) -> None:
    assert to_mrkdwn(markdown) == mrkdwn


@pytest.mark.parametrize(
    ("markdown", "mrkdwn"),
    [
        ("```python\nx = a < b\n**not bold**\n```", "```\nx = a &lt; b\n**not bold**\n```"),
        ("```\nunclosed\n# not a heading", "```\nunclosed\n# not a heading\n```"),
        ("```\n```", "```\n```"),
        (
            "| Ticker | P/E |\n|---|---:|\n| **AAPL** | 30 |\n| MSFT | 35.5 |",
            "```\nTicker  P/E\n------  ----\nAAPL    30\nMSFT    35.5\n```",
        ),
        ("| a | b |\n| c | d |", "| a | b |\n| c | d |"),  # no separator row: not a table
    ],
)
def test_blocks(markdown: str, mrkdwn: str) -> None:
    assert to_mrkdwn(markdown) == mrkdwn


def test_escape_only_touches_slack_control_characters() -> None:
    assert escape("a & b <c> *d*") == "a &amp; b &lt;c&gt; *d*"
