"""Positions: character offsets and 1-based spans ⇄ LSP line/character positions.

Input → output: a text → a ``LineIndex`` that converts both ways.

Why a module of its own: the model counts columns in characters from 1 (as
Lark does), the protocol counts UTF-16 code units from 0. Rulesets quote
sources with dashes, accents and section signs, so the two differ on real
lines; converting in one place keeps every feature right on them.
"""

from __future__ import annotations

import bisect

from lsprotocol import types as lsp

from iiprules.model import Span


def _utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


class LineIndex:
    """Line starts of a text, for converting offsets and positions."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                self.starts.append(i + 1)

    def line_of(self, offset: int) -> int:
        """The 0-based line holding a character offset."""
        return max(bisect.bisect_right(self.starts, offset) - 1, 0)

    def position(self, offset: int) -> lsp.Position:
        """The protocol position of a character offset."""
        offset = min(max(offset, 0), len(self.text))
        line = self.line_of(offset)
        start = self.starts[line]
        return lsp.Position(line, _utf16_len(self.text[start:offset]))

    def range(self, start: int, end: int) -> lsp.Range:
        """The protocol range of two character offsets."""
        return lsp.Range(self.position(start), self.position(end))

    def offset(self, pos: lsp.Position) -> int:
        """The character offset of a protocol position (clamped to the text)."""
        if pos.line >= len(self.starts):
            return len(self.text)
        start = self.starts[pos.line]
        end = self.starts[pos.line + 1] - 1 if pos.line + 1 < len(self.starts) else len(self.text)
        units = 0
        i = start
        while i < end and units < pos.character:
            units += 2 if ord(self.text[i]) > 0xFFFF else 1
            i += 1
        return i

    def span_offset(self, line: int, column: int) -> int:
        """The character offset of a 1-based line and column (as spans hold them)."""
        if line < 1:
            return 0
        if line > len(self.starts):
            return len(self.text)
        return min(self.starts[line - 1] + max(column - 1, 0), len(self.text))

    def span_range(self, span: Span) -> lsp.Range:
        """The protocol range of a model span (an empty span widens to one character)."""
        start = self.span_offset(span.line, span.column)
        end = self.span_offset(span.end_line, span.end_column)
        if end <= start:
            end = min(start + 1, len(self.text))
        return self.range(start, end)
