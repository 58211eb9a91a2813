"""Where passes put what they find: a de-duplicating sink, and precise spans for ids.

Input → output: (code, message, span, hint) → ``Diagnostic`` objects, each
problem once however many versions show it.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from iiprules import model as m
from iiprules.diagnostics import ERROR, WARNING, Diagnostic


class Sink:
    """Collects diagnostics from every pass; the same problem is kept once."""

    def __init__(self, removed: frozenset[str] = frozenset()) -> None:
        self.items: dict[tuple[Any, ...], Diagnostic] = {}
        #: Ids the edit under review removed from a used ruleset (for wording only).
        self.removed = removed

    def error(self, code: str, message: str, span: m.Span | None, hint: str | None = None) -> None:
        self._add(Diagnostic(code, ERROR, message, _real(span), hint))

    def warning(
        self, code: str, message: str, span: m.Span | None, hint: str | None = None
    ) -> None:
        self._add(Diagnostic(code, WARNING, message, _real(span), hint))

    def _add(self, d: Diagnostic) -> None:
        # The same problem seen through several versions is reported once.
        self.items.setdefault((d.code, d.message, d.sort_key()), d)


def _real(span: m.Span | None) -> m.Span | None:
    if span is None or span.line == 0:
        return None
    return span


def id_span(node: Any) -> m.Span:
    """The span of an item narrowed to its id on its first line, for a precise caret."""
    span: m.Span = node.span
    ident = getattr(node, "id", None)
    if not ident or span.line == 0:
        return span
    text = span.line_text()
    at = text.find(f" {ident}", max(span.column - 1, 0))
    if at < 0:
        return span
    col = at + 2
    return attrs.evolve(span, column=col, end_line=span.line, end_column=col + len(ident))



def id_in_list_span(sel: m.SelList, id_: str) -> m.Span:
    """The span of one id inside a written ``[...]`` list, for a caret on that id alone."""
    span = sel.span
    if span.line == 0 or not span.source:
        return span
    lines = span.source.split("\n")
    start = sum(len(ln) + 1 for ln in lines[: span.line - 1]) + span.column - 1
    end = sum(len(ln) + 1 for ln in lines[: span.end_line - 1]) + span.end_column - 1
    mo = re.compile(r"(?<![\w.])" + re.escape(id_) + r"(?![\w.])").search(span.source, start, end)
    if mo is None:
        return span
    line = span.source.count("\n", 0, mo.start()) + 1
    col = mo.start() - (span.source.rfind("\n", 0, mo.start()) + 1) + 1
    return attrs.evolve(span, line=line, column=col, end_line=line, end_column=col + len(id_))
