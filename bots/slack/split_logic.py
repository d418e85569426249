"""Splitting a long mrkdwn answer into messages Slack shows whole.

Slack truncates a message's `text` at 40,000 characters, but already breaks text longer
than about 4,000 characters into several messages on its own, in arbitrary places. So
Dexter posts parts of at most `MAX_PART_CHARS` (3,900) characters, cut where a reader
expects a break: between paragraphs, else between lines, else between words. A code block
cut in two is closed at the end of one part and reopened at the start of the next, so
both parts still render as code.
"""

from __future__ import annotations

MAX_PART_CHARS = 3_900
_FENCE = "```"


def split_message(text: str, *, limit: int = MAX_PART_CHARS) -> list[str]:
    """Parts of `text`, in order, each at most `limit` characters; `[]` for blank text.

    Joining the parts with blank lines gives back the text, except for whitespace at the
    cuts and the fence lines added around a code block that had to be cut.
    """
    if limit < 2 * len(_FENCE) + 10:
        raise ValueError("limit is too small to hold a code block")
    parts: list[str] = []
    current = ""
    for block in _blocks(text):
        for piece in _fit(block, limit):
            joined = f"{current}\n\n{piece}" if current else piece
            if len(joined) <= limit:
                current = joined
            else:
                parts.append(current)
                current = piece
    if current:
        parts.append(current)
    return parts


def _blocks(text: str) -> list[str]:
    """Paragraphs and whole code blocks, the units a cut should not go through."""
    blocks: list[str] = []
    paragraph: list[str] = []
    fence: list[str] | None = None
    for line in text.split("\n"):
        if fence is not None:
            fence.append(line)
            if line.strip().startswith(_FENCE):
                blocks.append("\n".join(fence))
                fence = None
        elif line.strip().startswith(_FENCE):
            _flush(paragraph, blocks)
            fence = [line]
            if line.strip() != _FENCE and line.strip().endswith(_FENCE):  # ```one line```
                blocks.append(line)
                fence = None
        elif not line.strip():
            _flush(paragraph, blocks)
        else:
            paragraph.append(line)
    if fence is not None:
        fence.append(_FENCE)  # close an unclosed block so the rest does not render as code
        blocks.append("\n".join(fence))
    _flush(paragraph, blocks)
    return blocks


def _flush(paragraph: list[str], blocks: list[str]) -> None:
    if paragraph:
        blocks.append("\n".join(paragraph))
        paragraph.clear()


def _fit(block: str, limit: int) -> list[str]:
    """`block` as pieces of at most `limit` characters."""
    if len(block) <= limit:
        return [block]
    if block.startswith(_FENCE):
        return _fit_code(block, limit)
    return _cut(block, limit, separators=("\n", ". ", " "))


def _fit_code(block: str, limit: int) -> list[str]:
    lines = block.split("\n")
    opening, body = lines[0], "\n".join(lines[1:-1])
    room = limit - len(opening) - len(_FENCE) - 2
    return [f"{opening}\n{chunk}\n{_FENCE}" for chunk in _cut(body, room, separators=("\n", " "))]


def _cut(text: str, limit: int, *, separators: tuple[str, ...]) -> list[str]:
    """Cut at the last separator that fits, trying separators in order; hard cut if none."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        at = -1
        for separator in separators:
            at = rest.rfind(separator, 0, limit)
            if at > 0:
                at += len(separator.rstrip())
                break
        if at <= 0:
            at = limit
        head, rest = rest[:at].rstrip(), rest[at:].lstrip(" ").removeprefix("\n")
        if head:
            pieces.append(head)
    if rest.strip():
        pieces.append(rest)
    return pieces
