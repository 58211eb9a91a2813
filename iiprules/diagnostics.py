"""Diagnostics: one shape for every problem, and its rendering with a caret.

Input → output: a span and a message → a ``Diagnostic`` that renders as::

    rulesets/standard.rules:12:5: error IIP201: duplicate requirement '1.1'
       12 |     requirement 1.1 in standard by top_managers {
          |                 ^^^
    hint: requirement '1.1' is first declared at line 8

Codes are stable: ``IIP1xx`` syntax, ``IIP2xx`` checks, ``IIP3xx`` evidence
and evaluation. Tests and tools match on codes, people read messages.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import attrs
from attrs import frozen

from iiprules.model import Span

ERROR = "error"
WARNING = "warning"


@frozen
class Diagnostic:
    """A problem found in a ruleset or in evidence, with where and what to do."""

    code: str
    severity: str
    message: str
    span: Span | None = None
    hint: str | None = None

    @property
    def is_error(self) -> bool:
        """True for errors, False for warnings."""
        return self.severity == ERROR

    def sort_key(self) -> tuple[str, int, int, str]:
        """Order diagnostics by file and position, then by code."""
        if self.span is None:
            return ("", 0, 0, self.code)
        return (self.span.path, self.span.line, self.span.column, self.code)

    def render(self) -> str:
        """The diagnostic as a reviewer sees it: location, message, caret, hint."""
        where = ""
        if self.span is not None:
            where = f"{self.span.path}:{self.span.line}:{self.span.column}: "
        lines = [f"{where}{self.severity} {self.code}: {self.message}"]
        if self.span is not None and self.span.line_text():
            lines.extend(caret_lines(self.span))
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)


def caret_lines(span: Span) -> list[str]:
    """The span's first line with a gutter, and a caret line under the span."""
    text = span.line_text().expandtabs(1)
    gutter = f"{span.line:>5} | "
    start = max(span.column - 1, 0)
    if span.end_line == span.line and span.end_column > span.column:
        width = span.end_column - span.column
    else:
        width = max(len(text.rstrip()) - start, 1)
    width = max(1, min(width, max(len(text) - start, 1)))
    return [gutter + text, " " * (len(gutter) - 2) + "| " + " " * start + "^" * width]


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A "did you mean" hint naming the closest candidates, or None."""
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=3, cutoff=0.6)
    if not close:
        return None
    return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"


def render_all(diagnostics: Iterable[Diagnostic]) -> str:
    """Render diagnostics one after the other, separated by blank lines."""
    return "\n\n".join(d.render() for d in diagnostics)


@attrs.define(auto_exc=True)
class RulesError(Exception):
    """A ruleset could not be used: it has syntax or check errors."""

    diagnostics: tuple[Diagnostic, ...]

    def __str__(self) -> str:
        return render_all(self.diagnostics)


@attrs.define(auto_exc=True)
class RulesSyntaxError(RulesError):
    """The text of a ruleset does not follow the grammar."""


@attrs.define(auto_exc=True)
class EvidenceError(ValueError):
    """Evidence about an organisation is malformed or does not fit the ruleset.

    ``str()`` is one line naming the file, the field and (for YAML) the line.
    """

    message: str
    field: str | None = None
    path: str | None = None
    line: int | None = None
    code: str = "IIP301"

    def __str__(self) -> str:
        where = self.path or "evidence"
        if self.line is not None:
            where += f":{self.line}"
        field = f" field '{self.field}':" if self.field else ""
        return f"{where}:{field} {self.message}"


@attrs.define(auto_exc=True)
class EvaluationError(Exception):
    """Evaluation failed although the ruleset was checked (a bug or a bad caller)."""

    message: str
    span: Span | None = None

    def __str__(self) -> str:
        if self.span is None:
            return self.message
        return f"{self.span.path}:{self.span.line}:{self.span.column}: {self.message}"


@attrs.define(auto_exc=True)
class RulesetNotFound(LookupError):
    """No ruleset of that name (or no version of it) could be found."""

    message: str

    def __str__(self) -> str:
        return self.message
