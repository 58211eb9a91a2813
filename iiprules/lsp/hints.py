"""Inlay hints and code lenses: numbers and results written beside the text.

Input → output: a ``Doc`` → inlay hints (each selection's size after it:
``at least 26 of part extended`` /126) and code lenses (over each ``example``,
whether it passes, by running it as ``iiprules test`` does).

Both need the checked ruleset of the text as it stands: a hint from an older
text would sit at the wrong place, and an example's result from an older text
would be a lie, so neither is shown while the text has errors (the lens says
so instead).

When a population file is configured (``initializationOptions`` or the
``iiprules.population`` setting), each level of the ruleset gets a lens with
how many of its organisations reach it, counted as ``iiprules evaluate
--population`` counts them, from the saved file: an unsaved text says so
rather than show counts of another text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
from lsprotocol import types as lsp

from iiprules import model as m
from iiprules.api import ExampleResult
from iiprules.check import select, size
from iiprules.diagnostics import EvidenceError, RulesError, RulesetNotFound
from iiprules.lsp.adapter import examples, population_counts, read_disk
from iiprules.lsp.state import Doc, State

#: The command a lens runs: the examples of a document, again.
RUN_EXAMPLES = "iiprules.runExamples"

_COUNTED = (m.AtLeast, m.AtMost, m.CountCmp)


def _selections(node: Any) -> Iterator[tuple[m.Selection, bool]]:
    """Every selection written in a node, with whether a count is asked of it.

    Iterative, so a deeply nested condition cannot exhaust the stack.
    """
    stack = [node]
    while stack:
        x = stack.pop()
        if isinstance(x, tuple):
            stack.extend(reversed(x))
            continue
        if not attrs.has(type(x)) or isinstance(x, m.Span | m.Meta):
            continue
        if isinstance(x, (*_COUNTED, m.Quantified)):
            yield x.selection, isinstance(x, _COUNTED)
            continue
        if isinstance(x, m.GivenMet):
            yield x.selection, x.count is not None
            continue
        if isinstance(x, m.Requirement | m.Indicator) and x.maps is not None:
            yield x.maps, False
        for f in attrs.fields(type(x)):
            if f.name not in ("span", "meta", "maps"):
                stack.append(getattr(x, f.name))


def inlay_hints(state: State, doc: Doc, rng: lsp.Range | None = None) -> list[lsp.InlayHint]:
    """After each selection in a condition, mapping or example: how many it holds."""
    analysis = state.analyse(doc)
    model = analysis.model
    checked = analysis.checked
    if model is None or checked is None:
        return []
    out: list[lsp.InlayHint] = []
    for version, snap in zip(model.versions, checked.snapshots, strict=False):
        scope = checked.scope(snap)
        for sel, counted in _selections(version.items):
            if sel.span.line == 0:
                continue
            at = doc.lines.span_offset(sel.span.end_line, sel.span.end_column)
            pos = doc.lines.position(at)
            if rng is not None and not (rng.start.line <= pos.line <= rng.end.line):
                continue
            total = size(select(scope, sel))
            out.append(lsp.InlayHint(
                position=pos,
                label=f"/{total}" if counted else f"({total})",
                kind=lsp.InlayHintKind.Type,
                padding_left=not counted,
                tooltip=f"this selection holds {total} requirement(s) in version {snap.label}",
            ))
    return out


_RUNS: dict[tuple[str, str], list[ExampleResult]] = {}


def results(state: State, doc: Doc) -> list[ExampleResult] | None:
    """The document's examples run (cached while its text is unchanged); None on errors."""
    checked = state.analyse(doc).checked
    if checked is None:
        return None
    key = (doc.uri, hashlib.blake2b(doc.text.encode("utf-8"), digest_size=16).hexdigest())
    if key not in _RUNS:
        if len(_RUNS) > 32:
            _RUNS.clear()
        _RUNS[key] = examples(checked)
    return _RUNS[key]


def _lens_title(r: ExampleResult) -> str:
    if r.passed:
        return f"✔ passes (version {r.version})"
    return f"✘ fails (version {r.version}): " + "; ".join(r.failures)


def code_lenses(state: State, doc: Doc) -> list[lsp.CodeLens]:
    """A lens over each example saying whether it passes; clicking runs them again."""
    found = results(state, doc)
    if found is None:
        first = next((t for t in doc.tokens if t.text == "example"), None)
        if first is None:
            return []
        at = doc.lines.range(first.start, first.end)
        title = "examples not run: the ruleset has errors"
        return [lsp.CodeLens(at, lsp.Command(title=title, command=""))]
    out: list[lsp.CodeLens] = []
    for r in found:
        line = max(r.span.line - 1, 0)
        at = lsp.Range(lsp.Position(line, 0), lsp.Position(line, 0))
        out.append(lsp.CodeLens(at, lsp.Command(
            title=_lens_title(r), command=RUN_EXAMPLES, arguments=[doc.uri]
        )))
    return out


_COUNTS: dict[tuple[str, str, float, float], tuple[int, dict[str, int]] | str] = {}


def _population_counts(doc: Doc, population: Path) -> tuple[int, dict[str, int]] | str:
    """Counts per level, or why there are none; cached by both files' modification times."""
    if doc.path is None:
        return "population: not a file"
    if read_disk(doc.path) != doc.text:
        return "population: save the file to count"
    try:
        key = (str(doc.path), str(population), doc.path.stat().st_mtime,
               population.stat().st_mtime)
    except OSError:
        return f"population: cannot read {population.name}"
    if key not in _COUNTS:
        if len(_COUNTS) > 16:
            _COUNTS.clear()
        try:
            _COUNTS[key] = population_counts(doc.path, population)
        except (EvidenceError, RulesetNotFound, RulesError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
            _COUNTS[key] = f"population: {first}"
    return _COUNTS[key]


def level_lenses(state: State, doc: Doc, population: Path) -> list[lsp.CodeLens]:
    """Over each level declared here: how many organisations of the population reach it."""
    checked = state.analyse(doc).checked
    if checked is None:
        return []
    scope = checked.scope(checked.snapshots[-1])
    order = [lv.id for lv in scope.levels]
    decls = [x for x in doc.names if x.kind == "level" and x.declaration]
    if not decls:
        return []
    counts = _population_counts(doc, population)
    out: list[lsp.CodeLens] = []
    for x in decls:
        at = doc.lines.range(x.token.start, x.token.start)
        at = lsp.Range(lsp.Position(at.start.line, 0), lsp.Position(at.start.line, 0))
        if isinstance(counts, str):
            title = counts
        else:
            judged, levels = counts
            rank = order.index(x.name) if x.name in order else len(order)
            reached = sum(levels.get(lv, 0) for lv in order[rank:])
            title = f"{reached} of {judged} organisations reach it ({population.name})"
        out.append(lsp.CodeLens(at, lsp.Command(title=title, command="")))
    return out


def run_examples(state: State, doc: Doc) -> dict[str, Any]:
    """Every example's result, and a one-line summary ("12 example(s), 0 failed")."""
    found = results(state, doc)
    if found is None:
        return {"summary": "examples not run: the ruleset has errors", "results": []}
    failed = sum(not r.passed for r in found)
    return {
        "summary": f"{len(found)} example(s), {failed} failed",
        "results": [
            {"name": r.name, "version": r.version, "passed": r.passed,
             "failures": list(r.failures), "line": r.span.line}
            for r in found
        ],
    }
