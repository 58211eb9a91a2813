"""Diagnostics: the checker's findings on a document, as protocol diagnostics.

Input → output: a ``Doc`` → ``lsp.Diagnostic``s, the same codes, messages,
positions and hints as ``iiprules check`` prints.

The hint goes after the message on its own line, worded as the terminal shows
it, so a reviewer reads the same advice in both places. A "did you mean" hint
also travels as data (the wrong name and the candidates), which the code
actions turn into quick fixes without parsing messages twice.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from lsprotocol import types as lsp

from iiprules.diagnostics import Diagnostic
from iiprules.lsp.state import Doc, State

SOURCE = "iiprules"
_QUOTED = re.compile(r"'([^']*)'")


def to_lsp(doc: Doc, d: Diagnostic) -> lsp.Diagnostic:
    """One checker diagnostic as the protocol's."""
    if d.span is not None and d.span.line > 0:
        rng = doc.lines.span_range(d.span)
    else:
        rng = lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0))
    message = d.message if not d.hint else f"{d.message}\nhint: {d.hint}"
    return lsp.Diagnostic(
        range=rng,
        message=message,
        severity=lsp.DiagnosticSeverity.Error if d.is_error else lsp.DiagnosticSeverity.Warning,
        code=d.code,
        source=SOURCE,
        data=fix_data(d),
    )


def fix_data(d: Diagnostic) -> dict[str, Any] | None:
    """The wrong name and its suggested replacements, when the hint says "did you mean"."""
    if not d.hint or not d.hint.startswith("did you mean"):
        return None
    candidates = _QUOTED.findall(d.hint)
    quoted = [w for w in _QUOTED.findall(d.message) if w not in candidates]
    if not candidates or not quoted:
        return None
    # The message may quote several words ("requirement 'X' is in unknown part 'Y'",
    # "unknown word 'requirment'; expected ... '{'"): the wrong one is the closest
    # to what the checker suggests.
    wrong = max(quoted, key=lambda w: difflib.SequenceMatcher(None, w, candidates[0]).ratio())
    return {"wrong": wrong, "candidates": candidates}


def diagnostics(state: State, doc: Doc) -> list[lsp.Diagnostic]:
    """Every diagnostic of a document, in the checker's order."""
    return [to_lsp(doc, d) for d in state.analyse(doc).result.diagnostics]
