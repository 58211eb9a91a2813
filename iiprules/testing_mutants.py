"""Mutation testing of rulesets: would the embedded examples notice a reviewer's slip.

Input → output: a checked ruleset → one ``Mutant`` per slip a reviewer could
make in a version's own rules, each *killed* (some example's expectation or an
invariant comes out otherwise), *survived*, or *equivalent* (proved to decide
exactly as the original for every organisation); then a mutation score and
every survivor with its position, as text or JSON.

The slips:

* a threshold one off: ``at least``/``at most``/``count`` N±1, a number or a
  number of years ±1, a date ±1 day, a credit window ±1 year;
* ``and`` ↔ ``or``; an operand of an ``and``/``or`` dropped;
* a comparison one step off: ``>=`` ↔ ``>``, ``<=`` ↔ ``<`` (on counts, facts,
  years and levels);
* a requirement dropped from an explicit list, or a sibling (a requirement of
  the same indicator) added to it; one side of ``+`` dropped, ``except`` or
  ``within`` dropped;
* a level's ``requires`` dropped (the level always holds);
* an award's condition, or an ``applies when``, negated.

Selections by part or indicator are not mutated requirement by requirement: a
slip there is a slip in the part or indicator a requirement sits under, which
the checker and the requirement counts guard.

Each mutant is a copy of the merged version with one node replaced, compiled
into its own ``Evaluator`` (a few milliseconds) and run on the examples' evidence,
built and validated once (``testing_examples.prepare``) and judged by the fast
path. Only examples that pass on the original rules can kill. Survivors are
then given to the z3 encoding ``verify`` uses: when no organisation within the
version's dates is decided differently (levels, awards, invariants), the mutant
is *equivalent*, no example could notice it, and it does not count against the
score. Without z3 installed, survivors stay survivors.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import attrs
from attrs import frozen

from iiprules import model as m
from iiprules.check import CheckedRuleset, Snapshot
from iiprules.diagnostics import EvaluationError
from iiprules.evaluate import Evaluator, Verdict
from iiprules.syntax import unparse_cond, unparse_selection
from iiprules.testing_examples import Prepared, prepare

__all__ = ["Mutant", "MutationReport", "mutate", "render_json", "render_text"]

_SWAP = {">=": ">", ">": ">=", "<=": "<", "<": "<="}


@frozen
class Mutant:
    """One slip in a version's rules and what the examples made of it.

    ``status`` is ``killed``, ``survived``, ``equivalent`` or ``invalid`` (the
    slip does not compile: it cannot be made in a checked ruleset).
    """

    ref: str
    kind: str
    description: str
    span: m.Span
    status: str
    killed_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "ref": self.ref,
            "kind": self.kind,
            "description": self.description,
            "path": self.span.path,
            "line": self.span.line,
            "column": self.span.column,
            "status": self.status,
            "killed_by": self.killed_by,
        }


@frozen
class MutationReport:
    """The mutants of one ruleset version."""

    ref: str
    examples: int
    mutants: tuple[Mutant, ...]
    seconds: float

    def count(self, status: str) -> int:
        """How many mutants have that status."""
        return sum(x.status == status for x in self.mutants)

    @property
    def score(self) -> float:
        """Killed over killed and survived, in percent (100 when there is nothing to kill)."""
        return score(self.count("killed"), self.count("survived"))


def score(killed: int, survived: int) -> float:
    """The mutation score: killed over non-equivalent mutants, in percent."""
    return 100.0 if killed + survived == 0 else 100.0 * killed / (killed + survived)


# -- generating slips --------------------------------------------------------------------------

# A slip: (kind, description, the node's position, the replacement of the root condition).
_Slip = tuple[str, str, m.Span, Any]


def _cond_slips(c: m.Cond, scope: Snapshot) -> Iterator[tuple[str, str, m.Span, m.Cond]]:
    """Every slip inside a condition, as the whole condition rewritten."""
    for kind, new in _local(c, scope):
        yield kind, f"'{unparse_cond(new)}' instead of '{unparse_cond(c)}'", c.span, new
    match c:
        case m.And(items=items) | m.Or(items=items):
            for i, item in enumerate(items):
                for kind, desc, span, new in _cond_slips(item, scope):
                    swapped = (*items[:i], new, *items[i + 1:])
                    yield kind, desc, span, attrs.evolve(c, items=swapped)
        case m.Not(item=item):
            for kind, desc, span, new in _cond_slips(item, scope):
                yield kind, desc, span, attrs.evolve(c, item=new)
        case m.Implies(premise=a, conclusion=b):
            for kind, desc, span, new in _cond_slips(a, scope):
                yield kind, desc, span, attrs.evolve(c, premise=new)
            for kind, desc, span, new in _cond_slips(b, scope):
                yield kind, desc, span, attrs.evolve(c, conclusion=new)
        case m.Quantified() | m.AtLeast() | m.AtMost() | m.CountCmp():
            for kind, desc, span, sel in _selection_slips(c.selection, scope):
                yield kind, desc, span, attrs.evolve(c, selection=sel)


def _local(c: m.Cond, scope: Snapshot) -> Iterator[tuple[str, m.Cond]]:
    """Slips of the node itself."""
    match c:
        case m.And(items=items) | m.Or(items=items):
            other = m.Or if isinstance(c, m.And) else m.And
            if len(items) > 1:
                yield "and/or", other(items, span=c.span)
                for i in range(len(items)):
                    rest = items[:i] + items[i + 1:]
                    fewer = rest[0] if len(rest) == 1 else attrs.evolve(c, items=rest)
                    yield "operand dropped", fewer
        case m.AtLeast(n=n) | m.AtMost(n=n):
            for k in (n - 1, n + 1):
                if k >= 0:
                    yield "threshold", attrs.evolve(c, n=k)
            if c.credit_years is not None:
                yield from _years(c)
        case m.Quantified():
            if c.credit_years is not None:
                yield from _years(c)
        case m.CountCmp(op=op, n=n):
            for k in (n - 1, n + 1):
                if k >= 0:
                    yield "threshold", attrs.evolve(c, n=k)
            if op in _SWAP:
                yield "comparison", attrs.evolve(c, op=_SWAP[op])
        case m.FactCmp(op=op, value=v):
            if isinstance(v, int) and not isinstance(v, bool):
                for k in (v - 1, v + 1):
                    yield "threshold", attrs.evolve(c, value=k)
            elif isinstance(v, dt.date):
                for d in (-1, 1):
                    yield "threshold", attrs.evolve(c, value=v + dt.timedelta(days=d))
            if op in _SWAP and not isinstance(v, (bool, str)):
                yield "comparison", attrs.evolve(c, op=_SWAP[op])
        case m.YearsSince(op=op, n=n):
            for k in (n - 1, n + 1):
                if k >= 0:
                    yield "threshold", attrs.evolve(c, n=k)
            if op in _SWAP:
                yield "comparison", attrs.evolve(c, op=_SWAP[op])
        case m.LevelCmp(op=op):
            if op in _SWAP:
                yield "comparison", attrs.evolve(c, op=_SWAP[op])


def _years(c: m.AtLeast | m.AtMost | m.Quantified) -> Iterator[tuple[str, m.Cond]]:
    assert c.credit_years is not None
    for k in (c.credit_years - 1, c.credit_years + 1):
        if k >= 1:
            yield "threshold", attrs.evolve(c, credit_years=k)


def _selection_slips(
    sel: m.Selection, scope: Snapshot
) -> Iterator[tuple[str, str, m.Span, m.Selection]]:
    """Requirements dropped from or added to a selection, as the selection rewritten."""
    match sel:
        case m.SelList(ids=ids):
            if len(ids) > 1:
                for i, rid in enumerate(ids):
                    fewer = attrs.evolve(sel, ids=ids[:i] + ids[i + 1:])
                    text = f"{rid} dropped from {unparse_selection(sel)}"
                    yield "selection", text, sel.span, fewer
            for rid in _siblings(ids, scope):
                more = attrs.evolve(sel, ids=(*ids, rid))
                yield "selection", f"{rid} added to {unparse_selection(sel)}", sel.span, more
        case m.Union_(left=a, right=b):
            text = unparse_selection(sel)
            yield "selection", f"'{unparse_selection(a)}' instead of '{text}'", sel.span, a
            yield "selection", f"'{unparse_selection(b)}' instead of '{text}'", sel.span, b
            for kind, desc, span, left in _selection_slips(a, scope):
                yield kind, desc, span, attrs.evolve(sel, left=left)
            for kind, desc, span, right in _selection_slips(b, scope):
                yield kind, desc, span, attrs.evolve(sel, right=right)
        case m.Except(left=a, right=b) | m.Within(left=a, right=b):
            word = "except" if isinstance(sel, m.Except) else "within"
            yield "selection", f"'{word} {unparse_selection(b)}' dropped from " \
                f"'{unparse_selection(sel)}'", sel.span, a
            for kind, desc, span, left in _selection_slips(a, scope):
                yield kind, desc, span, attrs.evolve(sel, left=left)


def _siblings(ids: Sequence[str], scope: Snapshot) -> list[str]:
    """For each indicator the list draws on, its first requirement not in the list.

    One sibling per indicator, not every one: the slip is "listed one too many from
    here", and each further sibling would test the same thing again.
    """
    have = set(ids)
    out: dict[str | None, str] = {}
    for i in ids:
        info = scope.requirements.get(i)
        if info is not None and info.indicator is not None:
            out.setdefault(info.indicator, "")
    for rid, r in scope.requirements.items():
        if r.indicator in out and not out[r.indicator] and rid not in have \
                and isinstance(r.node, m.Requirement):
            out[r.indicator] = rid
    return [rid for rid in out.values() if rid]


Rewrite = Callable[[Snapshot], Snapshot]


def _put_level(old: m.Level, new: m.Cond) -> Rewrite:
    def rewrite(s: Snapshot) -> Snapshot:
        levels = tuple(attrs.evolve(x, requires=new) if x is old else x for x in s.levels)
        return attrs.evolve(s, levels=levels)

    return rewrite


def _put_award(old: m.Award, new: m.Cond) -> Rewrite:
    def rewrite(s: Snapshot) -> Snapshot:
        awards = tuple(attrs.evolve(x, requires=new) if x is old else x for x in s.awards)
        return attrs.evolve(s, awards=awards)

    return rewrite


def _put_invariant(old: m.Invariant, new: m.Cond) -> Rewrite:
    def rewrite(s: Snapshot) -> Snapshot:
        invs = tuple(attrs.evolve(x, holds=new) if x is old else x for x in s.invariants)
        return attrs.evolve(s, invariants=invs)

    return rewrite


def _put_requirement(rids: Sequence[str], **changes: Any) -> Rewrite:
    """Replace fields (``applies``, ``maps``) of named requirements."""

    def rewrite(s: Snapshot) -> Snapshot:
        reqs = dict(s.requirements)
        for rid in rids:
            info = reqs[rid]
            node: Any = info.node
            reqs[rid] = attrs.evolve(info, node=attrs.evolve(node, **changes))
        return attrs.evolve(s, requirements=reqs)

    return rewrite


def slips(scope: Snapshot) -> Iterator[tuple[str, str, m.Span, Rewrite]]:
    """Every slip in the version's own rules, as a rewrite of a merged snapshot."""
    base = scope.base

    def own(items: Sequence[Any], attr: str) -> list[Any]:
        return [x for x in items if base is None or not any(x is y for y in getattr(base, attr))]

    for lv in own(scope.levels, "levels"):
        name = f"level {lv.id}"
        yield ("requires dropped", f"{name} with its requires dropped (always reached)",
               lv.span, _put_level(lv, m.Const(True)))
        for kind, desc, span, cond in _cond_slips(lv.requires, scope):
            yield kind, f"{name}: {desc}", span, _put_level(lv, cond)
    for aw in own(scope.awards, "awards"):
        name = f"award {aw.id}"
        yield ("negated", f"{name} with its condition negated", aw.span,
               _put_award(aw, m.Not(aw.requires, span=aw.span)))
        for kind, desc, span, cond in _cond_slips(aw.requires, scope):
            yield kind, f"{name}: {desc}", span, _put_award(aw, cond)
    for inv in own(scope.invariants, "invariants"):
        for kind, desc, span, cond in _cond_slips(inv.holds, scope):
            yield kind, f"invariant {inv.id}: {desc}", span, _put_invariant(inv, cond)
    mappings: dict[int, tuple[m.Selection, list[str]]] = {}
    for rid, r in scope.requirements.items():
        if r.ruleset != scope.ruleset or not isinstance(r.node, m.Requirement):
            continue
        applies = r.node.applies
        if applies is not None:
            yield ("negated", f"requirement {rid} with 'applies when' negated", applies.span,
                   _put_requirement([rid], applies=m.Not(applies, span=applies.span)))
            for kind, desc, span, cond in _cond_slips(applies, scope):
                yield (kind, f"requirement {rid} applies when: {desc}", span,
                       _put_requirement([rid], applies=cond))
        if r.maps is not None:
            mappings.setdefault(id(r.maps), (r.maps, []))[1].append(rid)
    for maps, rids in mappings.values():
        name = f"mapping of {', '.join(rids)}"
        for kind, desc, span, sel in _selection_slips(maps, scope):
            yield kind, f"{name}: {desc}", span, _put_requirement(rids, maps=sel)


# -- running -----------------------------------------------------------------------------------


def _fails(ex: m.Example, ev: Evaluator, v: Verdict) -> bool:
    """True when the verdict breaks one of the example's expectations or an invariant."""
    if not all(v.invariants):
        return True
    awards = dict(zip(ev.award_ids, v.awards, strict=True))
    for e in ex.expects:
        if isinstance(e, m.ExpectLevel):
            if (v.level or "none") != e.level:
                return True
        elif awards.get(e.award, False) != e.eligible:
            return True
    return False


def mutate(prepared: Sequence[Prepared], snap: Snapshot, prove: bool = True) -> MutationReport:
    """Generate the slips of one version and run its (passing) examples on each."""
    start = time.perf_counter()
    killers: list[Prepared] = []
    for p in prepared:
        if p.evaluator is None or p.evidence is None:
            continue
        try:
            if not _fails(p.example, p.evaluator, p.evaluator.decide(p.evidence)):
                killers.append(p)
        except EvaluationError:
            continue
    scopes: dict[int, Snapshot] = {}
    for p in killers:
        assert p.evaluator is not None
        scopes.setdefault(id(p.evaluator), p.evaluator.scope)
    if not scopes:
        return MutationReport(snap.key, 0, (), time.perf_counter() - start)
    first = next(iter(scopes.values()))
    out: list[Mutant] = []
    survivors: list[tuple[int, Callable[[Snapshot], Snapshot]]] = []
    for kind, desc, span, rewrite in slips(first):
        status, killer = "survived", None
        compiled: dict[int, Evaluator] = {}
        try:
            for key, scope in scopes.items():
                compiled[key] = Evaluator(rewrite(scope))
        except (EvaluationError, KeyError, ValueError):
            out.append(Mutant(snap.key, kind, desc, span, "invalid"))
            continue
        for p in killers:
            assert p.evaluator is not None and p.evidence is not None
            mutant = compiled[id(p.evaluator)]
            try:
                dead = _fails(p.example, mutant, mutant.decide(p.evidence))
            except EvaluationError:
                dead = True
            if dead:
                status, killer = "killed", p.example.name
                break
        if status == "survived":
            survivors.append((len(out), rewrite))
        out.append(Mutant(snap.key, kind, desc, span, status, killer))
    if prove and survivors:
        for i, rewrite in survivors:
            if _equivalent(first, rewrite(first)):
                out[i] = attrs.evolve(out[i], status="equivalent")
    return MutationReport(snap.key, len(killers), tuple(out), time.perf_counter() - start)


def _equivalent(original: Snapshot, mutant: Snapshot) -> bool:
    """True when z3 proves both decide every level, award and invariant alike."""
    try:
        import z3

        from iiprules._verify.encode import LAST_DAY, Decisions, Org, Space
        from iiprules._verify.solve import Prover
    except ImportError:  # z3 is an optional extra: without it, survivors stay survivors
        return False
    first = original.effective
    last = original.until or LAST_DAY
    if original.base is not None:
        first = max(first, original.base.effective)
        if original.base.until is not None:
            last = min(last, original.base.until)
    space = Space([original, mutant], first, last)
    org = Org(space, "o")
    a, b = Decisions(org, original), Decisions(org, mutant)
    differs = [a.rank != b.rank]
    differs += [a.awards[k] != b.awards[k] for k in a.awards if k in b.awards]
    differs += [a.invariants[k] != b.invariants[k] for k in a.invariants if k in b.invariants]
    return Prover(org.domain()).sat(z3.Or(*differs)) == "unsat"


def mutants(
    checked: CheckedRuleset, prove: bool = True, pattern: str | None = None
) -> list[MutationReport]:
    """The mutation report of every version of a ruleset, oldest first.

    Args:
        checked: the ruleset.
        prove: ask z3 whether each survivor is equivalent to the original.
        pattern: only the examples whose name matches this regular expression kill.
    """
    prepared = prepare(checked, pattern)
    return [
        mutate([p for p in prepared if p.snapshot is snap], snap, prove)
        for snap in checked.snapshots
    ]


# -- reports -------------------------------------------------------------------------------


def render_text(reports: Sequence[MutationReport]) -> str:
    """Score per version, every surviving mutant with its position, then the total."""
    lines: list[str] = []
    for r in reports:
        lines.append(
            f"{r.ref}: {len(r.mutants)} mutant(s), {r.count('killed')} killed, "
            f"{r.count('survived')} survived, {r.count('equivalent')} equivalent; "
            f"score {r.score:.1f}% ({r.examples} example(s), {r.seconds:.2f} s)"
        )
        for x in r.mutants:
            if x.status == "survived":
                lines.append(f"  survived: {x.span.path}:{x.span.line}:{x.span.column}: "
                             f"no example notices {x.description}")
        for x in r.mutants:
            if x.status == "equivalent":
                lines.append(f"  equivalent: {x.span.path}:{x.span.line}:{x.span.column}: "
                             f"{x.description} (proved to decide alike)")
    killed = sum(r.count("killed") for r in reports)
    survived = sum(r.count("survived") for r in reports)
    total = sum(len(r.mutants) for r in reports)
    lines.append(f"total: {total} mutant(s), {killed} killed, {survived} survived; "
                 f"mutation score {score(killed, survived):.1f}%")
    return "\n".join(lines) + "\n"


def render_json(reports: Sequence[MutationReport]) -> str:
    """One JSON document: the total score, then each version's mutants."""
    killed = sum(r.count("killed") for r in reports)
    survived = sum(r.count("survived") for r in reports)
    doc = {
        "summary": {
            "mutants": sum(len(r.mutants) for r in reports),
            "killed": killed,
            "survived": survived,
            "equivalent": sum(r.count("equivalent") for r in reports),
            "invalid": sum(r.count("invalid") for r in reports),
            "score": round(score(killed, survived), 2),
        },
        "versions": [
            {
                "ref": r.ref,
                "examples": r.examples,
                "score": round(r.score, 2),
                "seconds": round(r.seconds, 3),
                "mutants": [x.to_dict() for x in r.mutants],
            }
            for r in reports
        ],
    }
    return json.dumps(doc, indent=2) + "\n"
