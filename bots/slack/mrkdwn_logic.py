"""Markdown (what the model writes) to Slack mrkdwn (what Slack renders).

Slack has no headings or tables and spells bold, italics, strikethrough and links its own
way; it also needs `&`, `<` and `>` escaped. Code (fenced and inline) is kept verbatim,
only escaped. Tables become aligned monospace blocks, which read well in a chat client.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_INLINE_CODE = re.compile(r"(`+)(.+?)\1")
_IMAGE_OR_LINK = re.compile(r"!?\[([^\]]*)\]\((\S+?)(?:\s+\"[^\"]*\")?\)")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_ITALIC_STAR = re.compile(r"(?<![*\w])\*(?=\S)([^*]+?)(?<=\S)\*(?![*\w])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
# Private-use characters stand in for already-converted spans while the rest is rewritten.
_HOLD_OPEN, _HOLD_CLOSE = "\ue000", "\ue001"
_HELD = re.compile(f"{_HOLD_OPEN}(\\d+){_HOLD_CLOSE}")
_BOLD_MARK = "\ue002"


def escape(text: str) -> str:
    """Escape the three characters Slack treats as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_mrkdwn(markdown: str) -> str:
    """Convert the model's Markdown to Slack mrkdwn, keeping code blocks whole and verbatim."""
    out: list[str] = []
    lines = markdown.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence:
            body, i = _take_fence(lines, i + 1, fence.group(1))
            out.append("```\n" + escape("\n".join(body)) + "\n```" if body else "```\n```")
            continue
        if _TABLE_ROW.match(line) and i + 1 < len(lines) and _TABLE_SEPARATOR.match(lines[i + 1]):
            rows, i = _take_table(lines, i)
            out.append(_render_table(rows))
            continue
        out.append(_convert_line(line))
        i += 1
    return "\n".join(out)


def _take_fence(lines: list[str], start: int, marker: str) -> tuple[list[str], int]:
    """Lines up to the closing fence (or the end, for an unclosed one) and the next index."""
    body: list[str] = []
    i = start
    while i < len(lines):
        if lines[i].strip().startswith(marker):
            return body, i + 1
        body.append(lines[i])
        i += 1
    return body, i


def _take_table(lines: list[str], start: int) -> tuple[list[list[str]], int]:
    rows = [_cells(lines[start])]
    i = start + 2  # skip the header's separator row
    while i < len(lines) and _TABLE_ROW.match(lines[i]):
        rows.append(_cells(lines[i]))
        i += 1
    return rows, i


def _cells(row: str) -> list[str]:
    inner = row.strip()[1:-1]
    return [_plain_inline(cell.strip()) for cell in inner.split("|")]


def _plain_inline(text: str) -> str:
    """Cell text without Markdown emphasis (a code block shows markup literally)."""
    text = _IMAGE_OR_LINK.sub(lambda m: m.group(1) or m.group(2), text)
    text = _BOLD.sub(r"\2", text)
    text = _STRIKE.sub(r"\1", text)
    return _INLINE_CODE.sub(r"\2", text)


def _render_table(rows: list[list[str]]) -> str:
    width = max(len(row) for row in rows)
    padded = [row + [""] * (width - len(row)) for row in rows]
    sizes = [max(len(row[c]) for row in padded) for c in range(width)]
    rendered = [
        "  ".join(cell.ljust(sizes[c]) for c, cell in enumerate(row)).rstrip() for row in padded
    ]
    rendered.insert(1, "  ".join("-" * size for size in sizes))
    return "```\n" + escape("\n".join(rendered)) + "\n```"


def _convert_line(line: str) -> str:
    if _RULE.match(line):
        return "──────────"
    heading = _HEADING.match(line)
    if heading:
        text = _BOLD.sub(r"\2", heading.group(1))
        return f"*{_convert_inline(text)}*" if text else ""
    bullet = _BULLET.match(line)
    if bullet:
        depth = len(bullet.group(1).expandtabs(4)) // 2
        mark = "◦" if depth % 2 else "•"
        return "    " * depth + f"{mark} {_convert_inline(bullet.group(2))}"
    quote_prefix = ""
    stripped = line.lstrip()
    if stripped.startswith(">"):
        quote_prefix, line = "> ", stripped.lstrip(">").lstrip()
    return quote_prefix + _convert_inline(line)


def _convert_inline(text: str) -> str:
    held: list[str] = []

    def hold(rendered: str) -> str:
        held.append(rendered)
        return f"{_HOLD_OPEN}{len(held) - 1}{_HOLD_CLOSE}"

    text = _INLINE_CODE.sub(lambda m: hold(f"`{escape(m.group(2))}`"), text)
    text = _IMAGE_OR_LINK.sub(lambda m: hold(_link(m.group(2), m.group(1))), text)
    text = _AUTOLINK.sub(lambda m: hold(_link(m.group(1), "")), text)
    text = escape(text)
    text = _BOLD.sub(lambda m: f"{_BOLD_MARK}{m.group(2)}{_BOLD_MARK}", text)
    text = _ITALIC_STAR.sub(r"_\1_", text)
    text = _STRIKE.sub(r"~\1~", text)
    text = text.replace(_BOLD_MARK, "*")
    return _HELD.sub(lambda m: held[int(m.group(1))], text)


def _link(url: str, label: str) -> str:
    safe_url = url.replace("&", "&amp;").replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
    if not label or label == url:
        return f"<{safe_url}>"
    return f"<{safe_url}|{escape(label).replace('|', '¦')}>"
