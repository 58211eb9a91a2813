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
from collections.abc import Iterable, Mapping
from typing import Any

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

    def to_dict(self) -> dict[str, Any]:
        """The diagnostic as JSON-ready data, in the one shape every problem has.

        Keys: ``code``, ``severity``, ``message``; ``path``, ``line``, ``column``,
        ``end_line``, ``end_column`` when it has a position; ``hint`` when it has
        one. Evidence problems add ``field`` (see ``EvidenceProblem.to_dict``).
        """
        out: dict[str, Any] = {
            "code": self.code, "severity": self.severity, "message": self.message
        }
        if self.span is not None:
            s = self.span
            out.update(path=s.path, line=s.line, column=s.column,
                       end_line=s.end_line, end_column=s.end_column)
        if self.hint:
            out["hint"] = self.hint
        return out

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


# -- the error model -------------------------------------------------------------------
#
# Every error iiprules raises for its caller to handle is an ``IIPError``; each
# carries its problems as ``Diagnostic``/``EvidenceProblem`` objects, which turn into
# JSON in one shape (``to_dict``), so the CLI, the service and a caller's own
# tooling report them alike. Each class also subclasses the builtin it refines
# (``ValueError``, ``LookupError``), so code written before the base existed keeps
# catching what it caught.

#: Code of a ruleset that cannot be found (an unknown name, version or date).
RULESET_NOT_FOUND = "IIP380"
#: Code of an evaluation failure on a checked ruleset (a bug or a bad caller).
EVALUATION_FAILED = "IIP390"


class IIPError(Exception):
    """The base of every error iiprules raises for its caller to handle.

    ``problems`` holds what went wrong, each with a stable code and a position
    where one is known; ``to_dict`` is the error as JSON. ``index`` is the
    organisation's position in the input of ``evaluate_many`` when the error
    came from there, and None otherwise.
    """

    index: int | None = None

    @property
    def problems(self) -> tuple[Diagnostic | EvidenceProblem, ...]:
        """Every problem this error reports, in the order found."""
        return (Diagnostic(self.code, ERROR, str(self)),)

    @property
    def code(self) -> str:
        """The code of the first problem (``IIP3xx`` and so on)."""
        return "IIP000"

    def to_dict(self) -> dict[str, Any]:
        """The error as JSON-ready data: its kind, its text and every problem."""
        out: dict[str, Any] = {
            "error": type(self).__name__,
            "message": str(self),
            "problems": [p.to_dict() for p in self.problems],
        }
        if self.index is not None:
            out["index"] = self.index
        return out


@attrs.define(auto_exc=True)
class RulesError(IIPError):
    """A ruleset could not be used: it has syntax or check errors (all of them)."""

    diagnostics: tuple[Diagnostic, ...]

    @property
    def problems(self) -> tuple[Diagnostic, ...]:
        """The ruleset's diagnostics (errors and any warnings shown with them)."""
        return self.diagnostics

    @property
    def code(self) -> str:
        """The code of the first diagnostic."""
        return self.diagnostics[0].code if self.diagnostics else "IIP200"

    def __str__(self) -> str:
        return render_all(self.diagnostics)


@attrs.define(auto_exc=True)
class RulesSyntaxError(RulesError):
    """The text of a ruleset does not follow the grammar."""


#: The code of an evidence problem that names no more precise one.
EVIDENCE_PROBLEM = "IIP300"

#: Longest value quoted in a message; longer ones are cut (a 10,000-character
#: value repeated in every error row helps nobody).
QUOTE_LIMIT = 60


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """A value as a message shows it: short, in the terms of YAML and JSON.

    Text is quoted and cut to ``limit`` characters; mappings and lists are
    named, never printed (an internal repr is not something a reviewer reads).
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        if len(value) > limit:
            return repr(value[:limit]) + f"... ({len(value):,} characters)"
        return repr(value)
    if isinstance(value, int):
        if value.bit_length() > 200:  # str() of a huge int is slow, and refused past 4,300 digits
            return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
        return str(value)
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "a list"
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "..."


@frozen
class EvidenceProblem:
    """One thing wrong with evidence: a code, the field path, and where it is written.

    ``field`` is a path into the document (``met[3]``, ``facts.employees``,
    ``history[0].assessed_on``); ``line`` and ``column`` are 1-based and known for
    YAML and JSON files alike (None for a mapping given in Python).
    """

    code: str
    message: str
    field: str | None = None
    path: str | None = None
    line: int | None = None
    column: int | None = None
    line_text: str | None = attrs.field(default=None, eq=False, repr=False)

    def where(self) -> str:
        """``path:line:column`` as far as known (``evidence`` for a mapping)."""
        where = self.path or "evidence"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def __str__(self) -> str:
        field = f" field '{self.field}':" if self.field else ""
        return f"{self.where()}:{field} {self.message}"

    def render(self) -> str:
        """The problem as a reviewer sees it: the one-line text, then a caret line."""
        text = str(self)
        if self.line is None or not self.line_text:
            return text
        column = self.column or 1
        span = Span(self.path or "evidence", self.line, column, self.line, column + 1,
                    "\n" * (self.line - 1) + self.line_text)
        return "\n".join([text, *caret_lines(span)])

    def to_dict(self) -> dict[str, Any]:
        """The problem as JSON, in the shape of ``Diagnostic.to_dict``."""
        out: dict[str, Any] = {"code": self.code, "severity": ERROR, "message": self.message}
        for key in ("path", "line", "column", "field"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    def located(self, path: str, line: int | None) -> EvidenceProblem:
        """The same problem, placed in a file (for evidence read from a population row)."""
        if self.path is not None:
            return self
        return attrs.evolve(self, path=path, line=self.line if self.line is not None else line)


class EvidenceError(IIPError, ValueError):
    """Evidence about an organisation is malformed or does not fit the ruleset.

    It carries every problem found (``problems``), not just the first; ``str()``
    is one line per problem, each naming the file, line, column and field.

    ``EvidenceError(message, field, path, line)`` makes an error of one problem, as
    before; ``EvidenceError.of(problems)`` one of several. ``message``, ``field``,
    ``path``, ``line``, ``column`` and ``code`` are those of the first problem.
    """

    def __init__(
        self,
        message: str = "malformed evidence",
        field: str | None = None,
        path: str | None = None,
        line: int | None = None,
        code: str = EVIDENCE_PROBLEM,
        column: int | None = None,
    ) -> None:
        problem = EvidenceProblem(code, message, field, path, line, column)
        self._problems: tuple[EvidenceProblem, ...] = (problem,)
        super().__init__(str(problem))

    @classmethod
    def of(cls, problems: Iterable[EvidenceProblem]) -> EvidenceError:
        """An error reporting several problems (at least one)."""
        found = tuple(problems)
        if not found:
            raise ValueError("an EvidenceError needs at least one problem")
        exc = cls.__new__(cls)
        exc._problems = found
        Exception.__init__(exc, "\n".join(map(str, found)))
        return exc

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from its problems, so it crosses process boundaries whole.
        return (_rebuild_evidence_error, (type(self), self._problems, self.index))

    @property
    def problems(self) -> tuple[EvidenceProblem, ...]:
        """Every problem found, in document order."""
        return self._problems

    @property
    def message(self) -> str:
        """The first problem's message."""
        return self._problems[0].message

    @property
    def field(self) -> str | None:
        """The first problem's field path."""
        return self._problems[0].field

    @property
    def path(self) -> str | None:
        """The file the evidence came from, if any."""
        return self._problems[0].path

    @property
    def line(self) -> int | None:
        """The first problem's line (1-based), if known."""
        return self._problems[0].line

    @property
    def column(self) -> int | None:
        """The first problem's column (1-based), if known."""
        return self._problems[0].column

    @property
    def code(self) -> str:
        """The first problem's code."""
        return self._problems[0].code

    def located(self, path: str, line: int | None = None) -> EvidenceError:
        """The same problems placed in a file where they had none (population rows)."""
        exc = EvidenceError.of(p.located(path, line) for p in self._problems)
        exc.index = self.index
        return exc

    def render(self) -> str:
        """Every problem with its caret line, for a terminal."""
        return "\n".join(p.render() for p in self._problems)

    def __str__(self) -> str:
        return "\n".join(map(str, self._problems))

    def __repr__(self) -> str:
        return f"EvidenceError({list(self._problems)!r})"


def _rebuild_evidence_error(
    cls: type[EvidenceError], problems: tuple[EvidenceProblem, ...], index: int | None
) -> EvidenceError:
    exc = cls.of(problems)
    exc.index = index
    return exc


@attrs.define(auto_exc=True)
class EvaluationError(IIPError):
    """Evaluation failed although the ruleset was checked (a bug or a bad caller)."""

    message: str
    span: Span | None = None

    @property
    def problems(self) -> tuple[Diagnostic, ...]:
        """One diagnostic: the message, where the rule is written."""
        return (Diagnostic(EVALUATION_FAILED, ERROR, self.message, self.span),)

    @property
    def code(self) -> str:
        """``IIP390``."""
        return EVALUATION_FAILED

    def __str__(self) -> str:
        if self.span is None:
            return self.message
        return f"{self.span.path}:{self.span.line}:{self.span.column}: {self.message}"


@attrs.define(auto_exc=True)
class RulesetNotFound(IIPError, LookupError):
    """No ruleset of that name (or no version of it) could be found."""

    message: str

    @property
    def problems(self) -> tuple[Diagnostic, ...]:
        """One diagnostic: what is missing and, where it helps, what exists."""
        return (Diagnostic(RULESET_NOT_FOUND, ERROR, self.message),)

    @property
    def code(self) -> str:
        """``IIP380``."""
        return RULESET_NOT_FOUND

    def __str__(self) -> str:
        return self.message
