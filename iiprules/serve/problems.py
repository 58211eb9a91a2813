"""Problem documents (RFC 9457): every client error as ``application/problem+json``.

Input → output: one of the library's exceptions (or a limit the service enforces)
→ a JSON object with ``type``, ``title``, ``status``, ``detail`` and ``instance``,
extended with the CLI's own ``code`` and an ``errors`` list holding each problem's
code, message, field path (as the CLI writes it, and as an RFC 6901 JSON pointer),
line and column. The ``detail`` is the very line the CLI prints, so a message read
in a browser is the one a reviewer already knows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from iiprules.diagnostics import (
    Diagnostic,
    EvaluationError,
    EvidenceError,
    RulesError,
    RulesetNotFound,
)

MEDIA_TYPE = "application/problem+json"

#: Problem types are URNs: stable names a client can match, not pages to fetch.
TYPE_PREFIX = "urn:iiprules:problem:"

#: Fields whose sub-keys are names that may contain dots (``unnamed_met.W.other``).
_KEYED = ("unnamed_met", "facts")


class Problem(Exception):
    """A client error the service answers with a problem document.

    Args:
        status: the HTTP status (4xx).
        kind: the last part of the problem type (``evidence``, ``too-large`` …).
        title: a short summary that does not change between occurrences.
        detail: what went wrong this time, in the CLI's words.
        code: the CLI's code (``IIP301``) or the service's (``IIP-HTTP-413``).
        errors: each problem with its position.
        headers: extra response headers (``Allow``, ``Retry-After``).
    """

    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str,
        code: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.code = code or f"IIP-HTTP-{status}"
        self.errors = errors or []
        self.headers = dict(headers or {})

    def to_dict(self, instance: str | None = None) -> dict[str, Any]:
        """The problem document."""
        out: dict[str, Any] = {
            "type": TYPE_PREFIX + self.kind,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
            "errors": self.errors,
        }
        if instance is not None:
            out["instance"] = instance
        return out

    def body(self, instance: str | None = None) -> bytes:
        """The problem document as UTF-8 JSON."""
        return json.dumps(self.to_dict(instance), ensure_ascii=False).encode()


def json_pointer(field: str | None) -> str | None:
    """The CLI's field path (``history[0].met[2]``, ``facts.employees``) as a JSON pointer.

    >>> json_pointer("history[0].unnamed_met.W.other")
    '/history/0/unnamed_met/W.other'
    """
    if not field:
        return None if field is None else ""
    parts: list[str] = []
    rest = field
    while rest:
        m = re.match(r"([^.\[]+)((?:\[\d+\])*)\.?", rest)
        if m is None:  # pragma: no cover - every field path the library builds matches
            parts.append(rest)
            break
        name, indexes = m.group(1), m.group(2)
        parts.append(name)
        parts.extend(re.findall(r"\[(\d+)\]", indexes))
        rest = rest[m.end():]
        if name in _KEYED and rest:
            parts.append(rest)  # the rest is one key, dots and all
            break
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def diagnostic_dict(d: Diagnostic) -> dict[str, Any]:
    """A rules diagnostic in the shape ``iiprules check --format json`` prints."""
    out: dict[str, Any] = {"code": d.code, "severity": d.severity, "message": d.message}
    if d.span is not None:
        out.update(
            path=d.span.path,
            line=d.span.line,
            column=d.span.column,
            end_line=d.span.end_line,
            end_column=d.span.end_column,
        )
    if d.hint:
        out["hint"] = d.hint
    return out


def evidence_error_dict(exc: EvidenceError) -> dict[str, Any]:
    """One evidence problem: its code, message, field path, pointer and line."""
    out: dict[str, Any] = {"code": exc.code, "severity": "error", "message": exc.message}
    if exc.field is not None:
        out["field"] = exc.field
        out["pointer"] = json_pointer(exc.field)
    if exc.line is not None:
        out["line"] = exc.line
    column = getattr(exc, "column", None)
    if column is not None:
        out["column"] = column
    return out


def _items(exc: Exception) -> list[dict[str, Any]] | None:
    """Every problem of an error in the library's one JSON shape, with a JSON pointer added.

    None when the error does not carry its problems (an older error model).
    """
    problems = getattr(exc, "problems", None)
    if not problems or not all(hasattr(p, "to_dict") for p in problems):
        return None
    out = []
    for p in problems:
        d = dict(p.to_dict())
        if d.get("field") is not None:
            d["pointer"] = json_pointer(d["field"])
        out.append(d)
    return out


def from_exception(exc: Exception, not_found_status: int = 422) -> Problem:
    """The problem document for one of the library's exceptions.

    Args:
        exc: ``EvidenceError``, ``RulesError``, ``RulesetNotFound`` or ``EvaluationError``.
        not_found_status: 404 when the missing ruleset was named in the URL path,
            422 when it was named in the query or body.

    Raises:
        TypeError: any other exception (a bug: the caller lets it become a 500).
    """
    items = _items(exc)
    code = getattr(exc, "code", None)
    code = code if isinstance(code, str) else None
    if isinstance(exc, EvidenceError):
        items = items or [evidence_error_dict(exc)]
        return Problem(422, "evidence", "The evidence cannot be judged", str(exc), code, items)
    if isinstance(exc, RulesError):
        diags = items or [diagnostic_dict(d) for d in exc.diagnostics]
        code = exc.diagnostics[0].code if exc.diagnostics else code
        first = exc.diagnostics[0].render() if exc.diagnostics else "the rules have errors"
        return Problem(422, "rules", "The rules have errors", first, code, diags)
    if isinstance(exc, RulesetNotFound):
        # Without the library's own code, the problem type names the kind instead.
        code = code or f"IIP-HTTP-{not_found_status}"
        items = items or [{"code": code, "severity": "error", "message": str(exc)}]
        return Problem(not_found_status, "ruleset-not-found", "No such ruleset, version or target",
                       str(exc), code, items)
    if isinstance(exc, EvaluationError):
        code = code or "IIP-HTTP-422"
        items = items or [{"code": code, "severity": "error", "message": str(exc)}]
        return Problem(422, "evaluation", "The evidence cannot be evaluated",
                       f"cannot evaluate: {exc}", code, items)
    raise TypeError(f"not a client error: {exc.__class__.__name__}")


def limit(status: int, kind: str, title: str, detail: str, **facts: Any) -> Problem:
    """A problem for a bound the service enforces (size, rows, depth, time)."""
    item = {"code": f"IIP-HTTP-{status}", "severity": "error", "message": detail, **facts}
    return Problem(status, kind, title, detail, None, [item])
