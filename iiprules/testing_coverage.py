"""Coverage of a ruleset by its embedded examples: decisions, conditions, boundaries.

Input → output: a checked ruleset → one ``VersionCoverage`` per version with
examples: every coverage item of the version's own rules, whether the examples
cover it, and where it is written; then text or JSON.

"This line ran" says little about rules, where every condition runs for every
organisation. So coverage is measured the way avionics tools measure it
(DO-178C decision and condition coverage, with the MC/DC "independent effect"
of each operand), on the version's own levels, awards, invariants, ``applies
when`` conditions and mappings:

* **decisions**: every level and award is reached in some example and not
  reached in another; every ``applies when`` comes out both ways; every mapping
  is met and not met; every invariant is exercised (an ``implies`` invariant
  with its premise true, so it is not only vacuously kept);
* **conditions**: every atomic condition (a count, a fact, a level or award
  reference) is true in some example and false in another;
* **boundaries**: every counting or numeric comparison is met exactly at its
  threshold and missed one step away (``at least 26`` at 26 and at 25; ``all of``
  a selection with all and with one short; a date one day either side);
* **operands**: every operand of an ``and``, ``or`` or ``implies`` decides the
  result in some example (the other operands at values that let it);
* **requirements**: every requirement and unnamed group the version declares
  decides some outcome in some example: taking it out (or adding it) changes a
  level, an award or an invariant.

Values come from the explained evaluator's traces (the same nodes the rules were
written with), so they are the values the evaluator used. ``applies when``
conditions have no trace of their own: they are traced as extra invariants over
a copy of the version, which gives the values they had, except that a count in
such a condition then sees requirements found not applicable after it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from typing import Any

import attrs
from attrs import frozen

from iiprules import model as m
from iiprules.check import CheckedRuleset, Snapshot, walk_cond
from iiprules.diagnostics import EvaluationError
from iiprules.evaluate import Evaluator, Trace, whole_years
from iiprules.evidence import Evidence
from iiprules.syntax import unparse_cond, unparse_selection
from iiprules.testing_examples import Prepared, prepare

__all__ = ["CATEGORIES", "Item", "VersionCoverage", "coverage", "render_json", "render_text"]

#: Coverage categories, in report order.
CATEGORIES = ("decision", "condition", "boundary", "operand", "requirement")

#: How a category is named in the text report.
PLURALS = {
    "decision": "decisions",
    "condition": "conditions",
    "boundary": "boundaries",
    "operand": "operands",
    "requirement": "requirements",
}

_APPLIES = "__applies__"


@frozen
class Item:
    """One thing the examples should exercise, and whether they do."""

    category: str
    label: str
    span: m.Span
    covered: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "category": self.category,
            "label": self.label,
            "path": self.span.path,
            "line": self.span.line,
            "column": self.span.column,
            "covered": self.covered,
        }


@frozen
class VersionCoverage:
    """The coverage items of one ruleset version, measured over its examples."""

    ref: str
    examples: int
    items: tuple[Item, ...]

    def figures(self) -> dict[str, tuple[int, int]]:
        """``category → (covered, total)``, plus ``all``."""
        out: dict[str, tuple[int, int]] = {}
        for cat in CATEGORIES:
            mine = [i for i in self.items if i.category == cat]
            out[cat] = (sum(i.covered for i in mine), len(mine))
        out["all"] = (sum(i.covered for i in self.items), len(self.items))
        return out

    @property
    def uncovered(self) -> tuple[Item, ...]:
        """The items no example covers, in position order."""
        return tuple(i for i in self.items if not i.covered)


def percent(covered: int, total: int) -> float:
    """Coverage as a percentage; nothing to cover counts as complete."""
    return 100.0 if total == 0 else 100.0 * covered / total


# -- measuring ---------------------------------------------------------------------------


class _Seen:
    """What the examples showed of each condition node (keyed by the node's identity)."""

    def __init__(self) -> None:
        self.values: dict[int, set[bool]] = {}
        self.numbers: dict[int, set[int]] = {}
        self.decides: dict[tuple[int, int], bool] = {}

    def trace(self, t: Trace, on: dt.date) -> None:
        stack = [t]
        while stack:
            node = stack.pop()
            key = id(node.node)
            self.values.setdefault(key, set()).add(node.holds)
            number = _number(node, on)
            if number is not None:
                self.numbers.setdefault(key, set()).add(number)
            kids = node.children
            if isinstance(node.node, (m.And, m.Or)):
                control = isinstance(node.node, m.And)
                for i in range(len(kids)):
                    # Operand i decides when every other operand lets it through.
                    if all(o.holds == control for j, o in enumerate(kids) if j != i):
                        self.decides[(key, i)] = True
            elif isinstance(node.node, m.Implies) and len(kids) == 2:
                a, b = kids
                if not b.holds:
                    self.decides[(key, 0)] = True
                if a.holds:
                    self.decides[(key, 1)] = True
            stack.extend(kids)


def _number(t: Trace, on: dt.date) -> int | None:
    """The integer a comparison node compares (a count, a number, a date), if any."""
    if t.count is not None:
        return t.count
    node, v = t.node, t.value
    if isinstance(node, m.YearsSince):
        return whole_years(v, on) if isinstance(v, dt.date) else None
    if isinstance(node, m.FactCmp) and not isinstance(v, bool):
        if isinstance(v, int):
            return v
        if isinstance(v, dt.date):
            return v.toordinal()
    return None


def _threshold(c: m.Cond, total: int | None) -> tuple[str, int] | None:
    """A comparison node as ``(op, n)`` on an integer, or None."""
    match c:
        case m.AtLeast(n=n):
            return ">=", n
        case m.AtMost(n=n):
            return "<=", n
        case m.CountCmp(op=op, n=n):
            return op, n
        case m.Quantified(quant=q):
            if q == "any":
                return ">=", 1
            if q == "none":
                return "<=", 0
            return (">=", total) if total is not None else None
        case m.YearsSince(op=op, n=n):
            return op, n
        case m.FactCmp(op=op, value=v) if not isinstance(v, (bool, str)):
            if isinstance(v, int):
                return op, v
            return op, v.toordinal()
    return None


def _boundaries(op: str, n: int, total: int | None) -> list[tuple[str, set[int]]]:
    """The values that show a comparison met exactly at its threshold and missed by one."""
    hi = total if total is not None else None

    def ok(v: int) -> bool:
        return v >= 0 if total is not None else True

    pairs: list[tuple[str, set[int]]]
    if op in (">=", ">"):
        at = n if op == ">=" else n + 1
        pairs = [(f"met exactly at {at}", {at}), (f"missed at {at - 1}", {at - 1})]
    elif op in ("<=", "<"):
        at = n if op == "<=" else n - 1
        pairs = [(f"met exactly at {at}", {at}), (f"missed at {at + 1}", {at + 1})]
    elif op == "=":
        pairs = [(f"met at {n}", {n}), (f"missed at {n - 1} or {n + 1}", {n - 1, n + 1})]
    else:  # "!="
        pairs = [(f"missed at {n}", {n}), (f"met at {n - 1} or {n + 1}", {n - 1, n + 1})]
    out = []
    for label, values in pairs:
        possible = {v for v in values if ok(v) and (hi is None or v <= hi)}
        if possible:
            out.append((label, possible))
    return out


def _roots(scope: Snapshot) -> Iterator[tuple[str, str, m.Cond, m.Span]]:
    """The version's own decisions: ``(kind, id, condition, span)``."""
    own = scope.ruleset
    base = scope.base
    for lv in scope.levels:
        if base is None or not any(lv is x for x in base.levels):
            yield "level", lv.id, lv.requires, lv.span
    for aw in scope.awards:
        if base is None or not any(aw is x for x in base.awards):
            yield "award", aw.id, aw.requires, aw.span
    for inv in scope.invariants:
        if base is None or not any(inv is x for x in base.invariants):
            yield "invariant", inv.id, inv.holds, inv.span
    for rid, r in scope.requirements.items():
        if r.ruleset == own and isinstance(r.node, m.Requirement) and r.node.applies is not None:
            yield "applies", rid, r.node.applies, r.node.applies.span


def _tracing_evaluator(scope: Snapshot) -> Evaluator:
    """An evaluator of the version with each ``applies when`` traced as an invariant."""
    extra = tuple(
        m.Invariant(f"{_APPLIES}{rid}", rid, cond, span=cond.span)
        for kind, rid, cond, _s in _roots(scope)
        if kind == "applies"
    )
    if not extra:
        return Evaluator(scope)
    return Evaluator(attrs.evolve(scope, invariants=tuple(scope.invariants) + extra))


def _flip(ev: Evidence, rid: str, group: int | None) -> Evidence:
    if group is None:
        return attrs.evolve(ev, met=ev.met ^ {rid})
    pools = dict(ev.unnamed_met)
    have = pools.get(rid, 0)
    pools[rid] = have - 1 if have > 0 else 1  # one unit fewer, or one where there was none
    return attrs.evolve(ev, unnamed_met={k: v for k, v in pools.items() if v})


def measure(prepared: Sequence[Prepared], snap: Snapshot) -> VersionCoverage:
    """The coverage of one version by its prepared examples."""
    runnable = [p for p in prepared if p.evaluator is not None and p.evidence is not None]
    ref = snap.key
    scope = runnable[0].evaluator.scope if runnable else snap  # type: ignore[union-attr]
    seen = _Seen()
    decisions: dict[tuple[str, str], set[bool]] = {}
    derived_seen: dict[str, set[bool]] = {}
    decisive: set[str] = set()
    own_reqs = {
        rid: r
        for rid, r in scope.requirements.items()
        if r.ruleset == scope.ruleset and r.maps is None
    }
    tracers: dict[int, Evaluator] = {}
    for p in runnable:
        assert p.evaluator is not None and p.evidence is not None
        tracer = tracers.get(id(p.evaluator))
        if tracer is None:
            tracer = tracers[id(p.evaluator)] = _tracing_evaluator(p.evaluator.scope)
        try:
            o = tracer.evaluate(p.evidence, explain=True)
        except EvaluationError:
            continue
        for d in (*o.levels, *o.awards, *o.invariants):
            kind = "applies" if d.id.startswith(_APPLIES) else d.kind
            ident = d.id.removeprefix(_APPLIES)
            decisions.setdefault((kind, ident), set()).add(d.holds)
            if d.trace is not None:
                seen.trace(d.trace, o.assessed_on)
        for rid, ok in o.derived.items():
            derived_seen.setdefault(rid, set()).add(ok)
        # Requirements: does taking one out (or adding it) change any decision?
        base = p.evaluator.decide(p.evidence)
        for rid, r in own_reqs.items():
            if rid in decisive:
                continue
            size = r.node.count if isinstance(r.node, m.Unnamed) else None
            try:
                if p.evaluator.decide(_flip(p.evidence, rid, size)) != base:
                    decisive.add(rid)
            except EvaluationError:
                continue
    items: list[Item] = []
    for kind, ident, cond, span in _roots(scope):
        got = decisions.get((kind, ident), set())
        if kind == "invariant":
            premise = cond.premise if isinstance(cond, m.Implies) else None
            if premise is not None:
                items.append(Item("decision", f"invariant {ident}: exercised with its premise "
                                  f"({unparse_cond(premise)}) true", span,
                                  True in seen.values.get(id(premise), set())))
            else:
                items.append(Item("decision", f"invariant {ident}: exercised", span, bool(got)))
        else:
            what = {"level": "reached", "award": "reached", "applies": "applies"}[kind]
            name = f"{kind} {ident}" if kind != "applies" else f"requirement {ident}"
            negative = {"reached": "not reached", "applies": "does not apply"}[what]
            items.append(Item("decision", f"{name}: {what}", span, True in got))
            items.append(Item("decision", f"{name}: {negative}", span, False in got))
        owner = f"requirement {ident} applies when" if kind == "applies" else f"{kind} {ident}"
        items.extend(_condition_items(owner, cond, seen, scope))
    mappings: dict[int, tuple[m.Selection, list[str]]] = {}
    for rid, r in scope.requirements.items():
        if r.ruleset == scope.ruleset and r.maps is not None:
            mappings.setdefault(id(r.maps), (r.maps, []))[1].append(rid)
    for sel, rids in mappings.values():
        got = set().union(*(derived_seen.get(rid, set()) for rid in rids))
        name = f"mapping of {', '.join(rids)} ({unparse_selection(sel)})"
        items.append(Item("decision", f"{name}: met", sel.span, True in got))
        items.append(Item("decision", f"{name}: not met", sel.span, False in got))
    for rid, r in own_reqs.items():
        what = "unnamed group" if isinstance(r.node, m.Unnamed) else "requirement"
        items.append(Item("requirement", f"{what} {rid}: decides an outcome", r.node.span,
                          rid in decisive))
    items.sort(key=lambda i: (i.span.path, i.span.line, i.span.column))
    return VersionCoverage(ref, len(runnable), tuple(items))


def _condition_items(owner: str, root: m.Cond, seen: _Seen, scope: Snapshot) -> list[Item]:
    items: list[Item] = []
    for c in walk_cond(root):
        text = unparse_cond(c)
        where = f"{owner}: {text}"
        vals = seen.values.get(id(c), set())
        if isinstance(c, (m.And, m.Or)):
            operands: tuple[m.Cond, ...] = c.items
        elif isinstance(c, m.Implies):
            operands = (c.premise, c.conclusion)
        else:
            operands = ()
        if operands:
            for i, op in enumerate(operands):
                label = f"{owner}: '{unparse_cond(op)}' decides '{text}'"
                items.append(Item("operand", label, op.span, (id(c), i) in seen.decides))
            continue
        if isinstance(c, (m.Not, m.Const)):
            continue  # a negation has the values of its operand; a constant has one
        items.append(Item("condition", f"{where} true", c.span, True in vals))
        items.append(Item("condition", f"{where} false", c.span, False in vals))
        total = None
        if isinstance(c, (m.Quantified, m.AtLeast, m.AtMost, m.CountCmp)):
            from iiprules.check import select

            sel = select(scope, c.selection)
            total = sum(r.node.count if isinstance(r.node, m.Unnamed) else 1
                        for r in sel.values())
        th = _threshold(c, total)
        if th is None:
            continue
        nums = seen.numbers.get(id(c), set())
        for label, values in _boundaries(th[0], th[1], total):
            if isinstance(c, m.FactCmp) and isinstance(c.value, dt.date):
                label = _date_label(label)
            items.append(Item("boundary", f"{where} {label}", c.span, bool(nums & values)))
    return items


def _date_label(label: str) -> str:
    """Boundary labels on dates read as dates, not day numbers."""
    words = label.split()
    out = []
    for w in words:
        if w.isdigit() and len(w) >= 6:
            out.append(dt.date.fromordinal(int(w)).isoformat())
        else:
            out.append(w)
    return " ".join(out)


def coverage(checked: CheckedRuleset, pattern: str | None = None) -> list[VersionCoverage]:
    """The coverage of every version of a ruleset by its examples, oldest first.

    Args:
        checked: the ruleset.
        pattern: only the examples whose name matches this regular expression.
    """
    prepared = prepare(checked, pattern)
    out = []
    for snap in checked.snapshots:
        mine = [p for p in prepared if p.snapshot is snap]
        out.append(measure(mine, snap))
    return out


# -- reports -------------------------------------------------------------------------------


def render_text(reports: Sequence[VersionCoverage]) -> str:
    """Figures per version and category, then every uncovered item with its position."""
    lines: list[str] = []
    for r in reports:
        figs = r.figures()
        got, total = figs["all"]
        lines.append(
            f"{r.ref}: {r.examples} example(s), {percent(got, total):.1f}% covered ({got}/{total})"
        )
        for cat in CATEGORIES:
            got, total = figs[cat]
            lines.append(f"  {PLURALS[cat]:<13} {got:>4}/{total:<4} {percent(got, total):6.1f}%")
        for i in r.uncovered:
            lines.append(f"  not covered: {i.span.path}:{i.span.line}:{i.span.column}: {i.label}")
    got = sum(r.figures()["all"][0] for r in reports)
    total = sum(r.figures()["all"][1] for r in reports)
    lines.append(f"total: {percent(got, total):.1f}% covered ({got}/{total})")
    return "\n".join(lines) + "\n"


def totals(reports: Sequence[VersionCoverage]) -> dict[str, tuple[int, int]]:
    """``category → (covered, total)`` summed over versions, plus ``all``."""
    out: dict[str, tuple[int, int]] = {}
    for cat in (*CATEGORIES, "all"):
        out[cat] = (
            sum(r.figures()[cat][0] for r in reports),
            sum(r.figures()[cat][1] for r in reports),
        )
    return out


def render_json(reports: Sequence[VersionCoverage]) -> str:
    """One JSON document: totals, then each version's figures and items."""
    def figures(f: dict[str, tuple[int, int]]) -> dict[str, dict[str, float]]:
        return {
            k: {"covered": a, "total": b, "percent": round(percent(a, b), 2)}
            for k, (a, b) in f.items()
        }

    doc = {
        "summary": figures(totals(reports)),
        "versions": [
            {
                "ref": r.ref,
                "examples": r.examples,
                "figures": figures(r.figures()),
                "items": [i.to_dict() for i in r.items],
            }
            for r in reports
        ],
    }
    return json.dumps(doc, indent=2) + "\n"
