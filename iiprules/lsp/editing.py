"""Edits the server proposes: formatting, and the checker's "did you mean" fixes.

Input → output: a ``Doc`` (and the diagnostics the client shows) → text edits
and code actions.

Formatting is ``iiprules fmt``'s layout (comments kept) through the adapter;
on a text with syntax errors it refuses, and the refusal is shown instead of a
changed file. A quick fix replaces the misspelt name, found by the data
each diagnostic carries, with each of the names the checker suggests.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types as lsp

from iiprules.lsp.adapter import format_text
from iiprules.lsp.state import Doc


def formatting(doc: Doc) -> tuple[list[lsp.TextEdit] | None, str | None]:
    """The edit that formats the whole document, or a refusal saying why not."""
    result = format_text(doc.text, doc.display_path)
    if result.text is None:
        return None, result.refusal
    if result.text == doc.text:
        return [], None
    whole = doc.lines.range(0, len(doc.text))
    return [lsp.TextEdit(whole, result.text)], None


def code_actions(doc: Doc, diagnostics: Sequence[lsp.Diagnostic]) -> list[lsp.CodeAction]:
    """A quick fix per suggested name, for each "did you mean" diagnostic."""
    out: list[lsp.CodeAction] = []
    for d in diagnostics:
        data = d.data if isinstance(d.data, dict) else None
        if not data or "wrong" not in data:
            continue
        target = _find(doc, d.range, str(data["wrong"]))
        if target is None:
            continue
        for i, candidate in enumerate(data.get("candidates", [])):
            out.append(lsp.CodeAction(
                title=f"Replace '{data['wrong']}' with '{candidate}'",
                kind=lsp.CodeActionKind.QuickFix,
                diagnostics=[d],
                is_preferred=i == 0,
                edit=lsp.WorkspaceEdit(changes={doc.uri: [lsp.TextEdit(target, str(candidate))]}),
            ))
    return out


def _find(doc: Doc, rng: lsp.Range, wrong: str) -> lsp.Range | None:
    """The misspelt word: within the diagnostic's range, else on its lines."""
    start = doc.lines.offset(rng.start)
    end = doc.lines.offset(rng.end)
    line_start = doc.lines.starts[rng.start.line] if rng.start.line < len(doc.lines.starts) else 0
    line_end_idx = rng.end.line + 1
    line_end = (doc.lines.starts[line_end_idx] if line_end_idx < len(doc.lines.starts)
                else len(doc.text))
    words = [t for t in doc.tokens if t.kind == "word" and t.text == wrong]
    for lo, hi in ((start, end), (line_start, line_end)):
        for t in words:
            if t.start >= lo and t.end <= hi:
                return doc.lines.range(t.start, t.end)
    return None
