"""A forgiving look at the shape of a ruleset's text: blocks, statements, words.

Input → output: any text, even one the parser rejects → its ``{ }`` blocks
(with the statement that opens each, and the line), the extent of the
statement around a position, and the word at a position.

The parser stops at the first token it cannot take; to say *which* block is
left open, or to skip a broken item and read on, syntax errors need the
shape of the text around the error. This scan skips comments and quoted texts
(a text left open ends at the end of its line, as the lexer would fail there)
and never fails.
"""

from __future__ import annotations

import re

from attrs import frozen

#: Blocks whose statements are items; a broken item inside one is skipped whole.
CONTAINERS = frozenset({"version", "principle", "indicator", "extend"})

_WORD = re.compile(r"[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*")


@frozen
class Block:
    """A ``{`` and its matching ``}`` (``close`` is None when the file ends first)."""

    open: int
    close: int | None
    line: int
    header: str  # the statement's words before the '{', e.g. 'level bronze "Bronze"'

    @property
    def keyword(self) -> str:
        """The first word of the statement that opens the block (``change`` skipped)."""
        words = self.header.split()
        if words[:1] == ["change"]:
            words = words[1:]
        return words[0] if words else ""

    def describe(self) -> str:
        """The block as a reviewer names it: ``level bronze``, ``version 2009``."""
        words = self.header.split()
        if words[:1] == ["change"]:
            words = words[1:]
        return " ".join(words[:2]) if words else "block"

    def contains(self, pos: int, end: int) -> bool:
        """True when ``pos`` lies after the '{' and up to its '}' (or the end)."""
        close = end if self.close is None else self.close
        return self.open < pos <= close


@frozen
class Shape:
    """The blocks of a text and where its stray '}' are."""

    blocks: tuple[Block, ...]
    stray: tuple[int, ...]


def skip(text: str, i: int) -> int:
    """The offset after the comment or quoted text starting at ``i`` (``i`` if neither)."""
    if text[i] == "#":
        end = text.find("\n", i)
        return len(text) if end < 0 else end
    if text[i] == '"':
        if text.startswith('"""', i):
            end = text.find('"""', i + 3)
            return len(text) if end < 0 else end + 3
        j = i + 1
        while j < len(text) and text[j] not in '"\n':
            j += 2 if text[j] == "\\" else 1
        return j + 1 if j < len(text) and text[j] == '"' else j
    return i


def shape(text: str) -> Shape:
    """Every block of the text, in order of their '{', and the '}' that close nothing."""
    found: list[Block] = []
    stack: list[tuple[int, int]] = []  # (index in found, offset of '{')
    stray: list[int] = []
    line, i, n = 1, 0, len(text)
    while i < n:
        ch = text[i]
        if ch in '#"':
            j = skip(text, i)
            line += text.count("\n", i, j)
            i = j
            continue
        if ch == "\n":
            line += 1
        elif ch == "{":
            start = text.rfind("\n", 0, i) + 1
            found.append(Block(i, None, line, text[start:i].strip()))
            stack.append((len(found) - 1, i))
        elif ch == "}":
            if stack:
                k, _ = stack.pop()
                b = found[k]
                found[k] = Block(b.open, i, b.line, b.header)
            else:
                stray.append(i)
        i += 1
    return Shape(tuple(found), tuple(stray))


def innermost(sh: Shape, pos: int, end: int, containers_only: bool = False) -> Block | None:
    """The innermost block around ``pos``."""
    best: Block | None = None
    for b in sh.blocks:
        if containers_only and b.keyword not in CONTAINERS:
            continue
        if b.contains(pos, end) and (best is None or b.open > best.open):
            best = b
    return best


def statement(text: str, sh: Shape, pos: int) -> tuple[int, int] | None:
    """The extent of the item around ``pos``, or None outside every container block.

    An item runs from its first word to the end of its line, or past the '}' of
    the block it opens.
    """
    c = innermost(sh, pos, len(text), containers_only=True)
    if c is None:
        return None
    stop = len(text) if c.close is None else c.close
    depth, start, i = 0, None, c.open + 1
    while i < stop:
        ch = text[i]
        if ch in '#"':
            if start is None and ch == '"':
                start = i
            i = skip(text, i)
            continue
        if depth == 0 and ch == "\n":
            if start is not None and start <= pos < i:
                return start, i
            start = None
        elif not ch.isspace() and start is None:
            start = i
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(depth - 1, 0)
        i += 1
    if start is not None and start <= pos <= stop:
        return start, stop
    return None


def word_at(text: str, pos: int) -> tuple[int, int]:
    """The extent of the word (letters, digits, '_', dotted) that touches ``pos``."""
    start = pos
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    mo = _WORD.match(text, start)
    if mo is None or mo.end() <= pos:
        return pos, pos
    return start, mo.end()


def blank(text: str, start: int, end: int) -> str:
    """The text with ``[start, end)`` replaced by spaces (newlines kept, so positions hold)."""
    middle = "".join(ch if ch == "\n" else " " for ch in text[start:end])
    return text[:start] + middle + text[end:]


def replace_char(text: str, pos: int, ch: str) -> str:
    """The text with the one character at ``pos`` replaced."""
    return text[:pos] + ch + text[pos + 1 :]
