"""Turning the agent's Markdown into Discord messages: tables, headings, and the 2,000 limit.

Discord renders most Markdown itself (bold, lists, links, `#`-`###` headings, code), but not
pipe tables or deeper headings, and refuses messages over 2,000 characters. Everything here
is pure text in, text out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MESSAGE_LIMIT = 2000

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")
_TABLE_DIVIDER = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_DEEP_HEADING = re.compile(r"^#{4,6}\s+(.*)$")


@dataclass(frozen=True)
class _Block:
    """A paragraph, or a fenced code block (`fence` is its opening line)."""

    lines: tuple[str, ...]
    fence: str = ""

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def to_discord_markdown(text: str) -> str:
    """The answer as Discord shows it best: pipe tables as aligned code blocks, `####`+
    headings as bold lines; code blocks untouched."""
    out: list[str] = []
    lines = text.replace("\r\n", "\n").split("\n")
    fence = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        if fence:
            out.append(line)
            if _closes(line, fence):
                fence = ""
            i += 1
            continue
        if _FENCE.match(line):
            fence = line
            out.append(line)
            i += 1
            continue
        if _is_table_start(lines, i):
            end = i + 2
            while end < len(lines) and lines[end].strip().startswith("|"):
                end += 1
            out.extend(_table_as_code(lines[i:end]))
            i = end
            continue
        heading = _DEEP_HEADING.match(line)
        out.append(f"**{heading.group(1).strip()}**" if heading else line)
        i += 1
    return "\n".join(out)


def split_message(text: str, *, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split `text` into messages of at most `limit` characters.

    Breaks fall between paragraphs where possible, then between lines, then between words.
    A code block cut in two is closed at the end of one part and reopened (same language)
    at the start of the next, so every part renders on its own. Blank input gives `[]`.
    """
    if limit < 40:
        raise ValueError("limit must leave room for code fences")
    parts: list[str] = []
    current: list[str] = []

    def fits(blocks: list[str]) -> bool:
        return len("\n\n".join(blocks)) <= limit

    for block in _blocks(text):
        if fits([*current, block.text]):
            current.append(block.text)
            continue
        if current:
            parts.append("\n\n".join(current))
            current = []
        pieces = [block.text] if fits([block.text]) else _split_block(block, limit)
        parts.extend(pieces[:-1])
        current = [pieces[-1]]
    if current:
        parts.append("\n\n".join(current))
    return [part for part in parts if part.strip()]


def _closes(line: str, fence: str) -> bool:
    opener = _FENCE.match(fence)
    closer = _FENCE.match(line)
    if not opener or not closer or closer.group(2).strip():
        return False
    marker, closing = opener.group(1), closer.group(1)
    return closing[0] == marker[0] and len(closing) >= len(marker)


def _blocks(text: str) -> list[_Block]:
    """Paragraphs and whole code blocks, in order; blank lines outside code separate them."""
    blocks: list[_Block] = []
    paragraph: list[str] = []
    code: list[str] = []
    fence = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if fence:
            code.append(line)
            if _closes(line, fence):
                blocks.append(_Block(tuple(code), fence=fence))
                code, fence = [], ""
        elif _FENCE.match(line):
            if paragraph:
                blocks.append(_Block(tuple(paragraph)))
                paragraph = []
            fence, code = line.strip(), [line]
        elif line.strip():
            paragraph.append(line)
        elif paragraph:
            blocks.append(_Block(tuple(paragraph)))
            paragraph = []
    if fence:  # an unclosed block is closed so that it renders as the model meant
        blocks.append(_Block((*code, _closing_for(fence)), fence=fence))
    if paragraph:
        blocks.append(_Block(tuple(paragraph)))
    return blocks


def _closing_for(fence: str) -> str:
    match = _FENCE.match(fence)
    return match.group(1) if match else "```"


def _split_block(block: _Block, limit: int) -> list[str]:
    if not block.fence:
        return _pack_lines(list(block.lines), limit)
    closing = _closing_for(block.fence)
    body = list(block.lines[1:])
    if body and _closes(body[-1], block.fence):
        body = body[:-1]
    room = limit - len(block.fence) - 1 - len(closing) - 1
    return [f"{block.fence}\n{chunk}\n{closing}" for chunk in _pack_lines(body, room)]


def _pack_lines(lines: list[str], limit: int) -> list[str]:
    """Greedily join lines under `limit`; lines longer than `limit` are cut at spaces."""
    chunks: list[str] = []
    current: list[str] = []
    size = -1  # length of "\n".join(current)
    for line in lines:
        for piece in _cut_line(line, limit):
            if current and size + 1 + len(piece) > limit:
                chunks.append("\n".join(current))
                current, size = [], -1
            current.append(piece)
            size += 1 + len(piece)
    if current or not chunks:
        chunks.append("\n".join(current))
    return chunks


def _cut_line(line: str, limit: int) -> list[str]:
    pieces: list[str] = []
    while len(line) > limit:
        cut = line.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        pieces.append(line[:cut])
        line = line[cut:].lstrip(" ")
    pieces.append(line)
    return pieces


def _is_table_start(lines: list[str], i: int) -> bool:
    return (
        lines[i].strip().startswith("|")
        and i + 1 < len(lines)
        and bool(_TABLE_DIVIDER.match(lines[i + 1]))
        and "-" in lines[i + 1]
    )


def _table_as_code(lines: list[str]) -> list[str]:
    rows = [_cells(line) for line in lines if not _TABLE_DIVIDER.match(line)]
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    widths = [max(len(row[c]) for row in rows) for c in range(width)]
    rendered = [
        "  ".join(cell.ljust(widths[c]) for c, cell in enumerate(row)).rstrip() for row in rows
    ]
    rule = "  ".join("-" * w for w in widths)
    return ["```", rendered[0], rule, *rendered[1:], "```"]


def _cells(line: str) -> list[str]:
    stripped = line.strip()
    if stripped.startswith("|"):
        stripped = stripped[1:]
    if stripped.endswith("|"):
        stripped = stripped[:-1]
    return [cell.strip().replace("**", "") for cell in stripped.split("|")]
