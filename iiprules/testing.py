"""Hypothesis strategies generated from any checked ruleset.

Input → output: a checked ruleset (a version of it, merged with the version it
builds on) → strategies of ``Evidence`` drawn over the ruleset's own
requirement ids, unnamed groups, facts and history, for property tests here or
in other projects::

    from hypothesis import given
    from iiprules import api, testing

    plan = testing.Plan.of(api.load("lm_theme"), "2009")

    @given(plan.evidence())
    def test_gold_gets_the_certificate(ev):
        outcome = plan.evaluate(ev)
        assert outcome.level != "gold" or outcome.award("lm_themed")

Random evidence almost never lands where rules go wrong (a Gold organisation
needs all 165 requirements), so most draws are *aimed*: a level, award,
invariant or counting condition is picked and evidence built to meet it exactly
(every threshold at its number, every fact at its boundary), then left as it is
(just met) or one requirement, one unit of a group or one day short of it (just
missed), with optional noise on top. Hypothesis shrinks all of it.

This module imports Hypothesis; ``import iiprules`` does not import this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs
from attrs import frozen
from hypothesis import strategies as st

from iiprules import model as m
from iiprules.api import evaluator_for, load
from iiprules.check import BUILTIN_FACTS, CheckedRuleset, Snapshot, select, walk_cond
from iiprules.evaluate import Evaluator, Outcome, years_before
from iiprules.evidence import Earlier, Evidence, validate

__all__ = ["Plan", "as_document", "evidence_for"]

#: How far past a version's effective date (when it has no end) evidence is dated.
OPEN_ENDED_YEARS = 15


@frozen
class _Want:
    """What aimed evidence must contain: ids met now, group counts, facts, history."""

    met: frozenset[str] = frozenset()
    pools: Mapping[str, int] = attrs.field(factory=dict)
    facts: Mapping[str, Any] = attrs.field(factory=dict)
    credits: Mapping[int, frozenset[str]] = attrs.field(factory=dict)
    runs: int | None = None

    def __or__(self, other: _Want) -> _Want:
        pools = dict(self.pools)
        for k, v in other.pools.items():
            pools[k] = max(v, pools.get(k, 0))
        credits = dict(self.credits)
        for y, ids in other.credits.items():
            credits[y] = credits.get(y, frozenset()) | ids
        runs = max((r for r in (self.runs, other.runs) if r is not None), default=None)
        return _Want(self.met | other.met, pools, {**self.facts, **other.facts}, credits, runs)


@frozen(eq=False, repr=False)
class Plan:
    """A version of a checked ruleset, compiled, with what its conditions count.

    Build one with ``Plan.of`` and draw from ``evidence()``; ``evaluate`` judges
    a drawn ``Evidence`` with the same compiled evaluator.
    """

    checked: CheckedRuleset
    snapshot: Snapshot
    evaluator: Evaluator
    first: dt.date
    last: dt.date

    @classmethod
    def of(cls, ruleset: CheckedRuleset | str, version: str | None = None) -> Plan:
        """The plan for a version (default: the newest) of a ruleset or a ruleset ref.

        Raises:
            RulesetNotFound: no such ruleset, or it builds on one with no suitable version.
            KeyError: no such version.
        """
        checked = load(ruleset) if isinstance(ruleset, str) else ruleset
        snap = checked.version(version) if version else checked.snapshots[-1]
        ev = evaluator_for(checked, snap, None)
        first = snap.effective
        if ev.scope.base is not None:
            first = max(first, ev.scope.base.effective)
        # 29 February plus whole years is 28 February when the year has none.
        last = snap.until or first.replace(
            year=first.year + OPEN_ENDED_YEARS, day=min(first.day, 28 if first.month == 2 else 31)
        )
        if ev.scope.base is not None and ev.scope.base.until is not None:
            last = min(last, ev.scope.base.until)
        return cls(checked, snap, ev, first, last)

    @property
    def scope(self) -> Snapshot:
        """The merged snapshot the evidence is drawn over."""
        return self.evaluator.scope

    @property
    def ref(self) -> str:
        """The pinned name of the version (``name@label``)."""
        return f"{self.checked.name}@{self.snapshot.label}"

    def __repr__(self) -> str:
        # Short, because Hypothesis prints the strategies built from a plan.
        return f"Plan({self.ref!r})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    def evaluate(self, ev: Evidence, explain: bool = False) -> Outcome:
        """Judge drawn evidence with the compiled evaluator.

        Raises:
            EvaluationError: as ``Evaluator.evaluate``.
        """
        return self.evaluator.evaluate(ev, explain)

    # -- what the ruleset offers ---------------------------------------------------------

    def listable(self) -> list[str]:
        """Named requirements evidence may list (not derived), in declaration order."""
        return [
            k
            for k, r in self.scope.requirements.items()
            if isinstance(r.node, m.Requirement) and r.maps is None
        ]

    def groups(self) -> dict[str, int]:
        """Unnamed groups and their sizes."""
        return {
            k: r.node.count
            for k, r in self.scope.requirements.items()
            if isinstance(r.node, m.Unnamed)
        }

    def targets(self) -> list[tuple[str, m.Cond]]:
        """Every condition worth aiming at: levels, awards, invariants and their parts."""
        out: list[tuple[str, m.Cond]] = []
        for lv in self.scope.levels:
            out.append((f"level:{lv.id}", lv.requires))
        for aw in self.scope.awards:
            out.append((f"award:{aw.id}", aw.requires))
        for inv in self.scope.invariants:
            out.append((f"invariant:{inv.id}", inv.holds))
        for owner, cond in list(out):
            for c in walk_cond(cond):
                if isinstance(c, (m.AtLeast, m.AtMost, m.CountCmp, m.Quantified)) and c is not cond:
                    out.append((f"{owner}:count", c))
        return out

    # -- strategies ------------------------------------------------------------------------

    def dates(self) -> st.SearchStrategy[dt.date]:
        """Assessment dates in force for the version (and the version it builds on)."""
        return st.dates(self.first, self.last)

    def evidence(self, history: bool = True) -> st.SearchStrategy[Evidence]:
        """Validated evidence, mostly aimed at the ruleset's boundaries.

        Args:
            history: also draw earlier assessments (credits, recognitions).
        """
        return st.one_of(
            _random_evidence(self, history),
            _aimed_evidence(self, history),
            _aimed_evidence(self, history),
            _aimed_evidence(self, history),
        )

    def more(self, ev: Evidence) -> st.SearchStrategy[Evidence]:
        """The same organisation meeting more requirements (now, in groups or as credits)."""
        return _more(self, ev)


def evidence_for(
    ruleset: CheckedRuleset | str, version: str | None = None
) -> st.SearchStrategy[Evidence]:
    """Validated evidence for a version of a ruleset (see ``Plan.evidence``)."""
    return Plan.of(ruleset, version).evidence()


def as_document(ev: Evidence) -> dict[str, Any]:
    """Evidence as the plain mapping ``iiprules.evaluate`` reads (lists in declaration order)."""
    doc: dict[str, Any] = {
        "organisation": ev.organisation,
        "assessed_on": ev.assessed_on.isoformat(),
        "met": sorted(ev.met),
    }
    if ev.unnamed_met:
        doc["unnamed_met"] = dict(ev.unnamed_met)
    if ev.facts:
        doc["facts"] = {
            k: v.isoformat() if isinstance(v, dt.date) else v for k, v in ev.facts.items()
        }
    if ev.history:
        doc["history"] = [
            {
                "assessed_on": h.assessed_on.isoformat(),
                "met": sorted(h.met),
                **({"unnamed_met": dict(h.unnamed_met)} if h.unnamed_met else {}),
                **({"level": h.level} if h.level else {}),
            }
            for h in ev.history
        ]
    return doc


# -- drawing ------------------------------------------------------------------------------


def _fact_values(plan: Plan, f: m.Fact) -> st.SearchStrategy[Any]:
    consts: list[Any] = [
        c.value
        for _o, cond in plan.targets()
        for c in walk_cond(cond)
        if isinstance(c, m.FactCmp) and c.fact == f.id
    ]
    if f.type == "boolean":
        return st.booleans()
    if f.type == "number":
        near = [v + d for v in consts for d in (-1, 0, 1)]
        return (
            st.one_of(st.sampled_from(near), st.integers(-5, 50)) if near else st.integers(-5, 50)
        )
    near_dates = [v + dt.timedelta(days=d) for v in consts for d in (-1, 0, 1)]
    wide = st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))
    return st.one_of(st.sampled_from(near_dates), wide) if near_dates else wide


@st.composite
def _facts(draw: Any, plan: Plan, fixed: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for fid, f in plan.scope.facts.items():
        if fid in fixed:
            out[fid] = fixed[fid]
        elif f.default is None or draw(st.booleans()):
            out[fid] = draw(_fact_values(plan, f))
    return out


@st.composite
def _history(
    draw: Any, plan: Plan, on: dt.date, credits: Mapping[int, frozenset[str]], runs: int | None
) -> list[Earlier]:
    listable = plan.listable()
    out: list[Earlier] = []
    # Credits: on the first day of their window (just in), or the day before (just out).
    for years, ids in sorted(credits.items()):
        start = years_before(on, years)
        when = start - dt.timedelta(days=draw(st.sampled_from([0, 0, 0, 1])))
        out.append(Earlier(when, frozenset(ids), {}, None, "none"))
    # Recognitions: an unbroken run, each within 3 years of the next (or one day late).
    n = runs if runs is not None else draw(st.integers(0, 4))
    d = on
    for _ in range(n):
        d = years_before(d, 3) + dt.timedelta(days=draw(st.sampled_from([0, 0, 30, 400, -1])))
        d = min(d, on)
        out.append(Earlier(d, frozenset(), {}, None, draw(st.sampled_from([None, None, "none"]))))
    if listable and draw(st.booleans()):
        extra = draw(st.sets(st.sampled_from(listable), max_size=6))
        when = draw(st.dates(years_before(on, 6), on))
        out.append(Earlier(when, frozenset(extra)))
    shuffled: list[Earlier] = draw(st.permutations(out))
    return shuffled


@st.composite
def _random_evidence(draw: Any, plan: Plan, history: bool) -> Evidence:
    listable = plan.listable()
    density = draw(st.sampled_from([0.0, 0.2, 0.5, 0.8, 0.95, 1.0]))
    rnd = draw(st.randoms(use_true_random=False))
    met = frozenset(k for k in listable if rnd.random() < density)
    pools = {g: draw(st.integers(0, size)) for g, size in plan.groups().items()}
    return _finish(draw, plan, _Want(met, pools), history)


@st.composite
def _aimed_evidence(draw: Any, plan: Plan, history: bool) -> Evidence:
    targets = plan.targets()
    if not targets:
        drawn: Evidence = draw(_random_evidence(plan, history))
        return drawn
    _owner, cond = draw(st.sampled_from(targets))
    on = draw(plan.dates())
    # Mostly make the target hold; sometimes fail (an invariant's counterexample).
    want = _Aim(plan, draw, on).satisfy(cond, draw(st.sampled_from([True, True, False])))
    # Just met, or one short: drop one requirement or one unit of a group.
    mode = draw(st.sampled_from(["met", "short", "short", "noise"]))
    met, pools = set(want.met), dict(want.pools)
    if mode == "short" and (met or any(pools.values())):
        choices = sorted(met) + [f"#{g}" for g, n in pools.items() if n]
        drop = draw(st.sampled_from(choices))
        if drop.startswith("#"):
            pools[drop[1:]] -= 1
        else:
            met.discard(drop)
    elif mode == "noise":
        met |= (
            draw(st.sets(st.sampled_from(plan.listable()), max_size=5))
            if plan.listable()
            else set()
        )
    want = attrs.evolve(want, met=frozenset(met), pools=pools)
    return _finish(draw, plan, want, history, on)


def _finish(
    draw: Any, plan: Plan, want: _Want, history: bool, on: dt.date | None = None
) -> Evidence:
    on = on or draw(plan.dates())
    facts = draw(_facts(plan, want.facts))
    earlier = draw(_history(plan, on, want.credits, want.runs)) if history else []
    raw = Evidence(
        "Drawn organisation",
        on,
        frozenset(want.met),
        {k: v for k, v in want.pools.items() if v},
        {},
        tuple(earlier),
        raw_facts=facts,
    )
    return validate(raw, [plan.scope])


@st.composite
def _more(draw: Any, plan: Plan, ev: Evidence) -> Evidence:
    listable = plan.listable()
    extra = draw(st.sets(st.sampled_from(listable), max_size=len(listable))) if listable else set()
    pools = dict(ev.unnamed_met)
    for g, size in plan.groups().items():
        have = pools.get(g, 0)
        pools[g] = draw(st.integers(have, size))
    history = list(ev.history)
    if history and draw(st.booleans()):
        i = draw(st.integers(0, len(history) - 1))
        h = history[i]
        added = draw(st.sets(st.sampled_from(listable), max_size=5)) if listable else set()
        history[i] = attrs.evolve(h, met=h.met | frozenset(added))
    return attrs.evolve(
        ev,
        met=ev.met | frozenset(extra),
        unnamed_met={k: v for k, v in pools.items() if v},
        history=tuple(history),
    )


class _Aim:
    """Builds what evidence must contain to make a condition hold (or fail), at its boundary."""

    def __init__(self, plan: Plan, draw: Any, on: dt.date) -> None:
        self.plan, self.draw, self.on = plan, draw, on
        self.scope = plan.scope
        self.depth = 0

    def satisfy(self, c: m.Cond, want: bool = True) -> _Want:
        """Evidence that makes ``c`` come out as ``want`` (a best effort, not a solver)."""
        self.depth += 1
        try:
            if self.depth > 40:  # levels and awards referring to each other
                return _Want()
            return self._satisfy(c, want)
        finally:
            self.depth -= 1

    def _satisfy(self, c: m.Cond, want: bool) -> _Want:
        draw = self.draw
        match c:
            case m.And(items=items) | m.Or(items=items):
                every = isinstance(c, m.And) == want
                if every:
                    out = _Want()
                    for i in items:
                        out = out | self.satisfy(i, want)
                    return out
                return self.satisfy(draw(st.sampled_from(items)), want)
            case m.Not(item=i):
                return self.satisfy(i, not want)
            case m.Implies(premise=a, conclusion=b):
                if want:
                    return self.satisfy(b, True) if draw(st.booleans()) else self.satisfy(a, False)
                return self.satisfy(a, True) | self.satisfy(b, False)
            case m.Quantified(quant=q, selection=s, credit_years=y):
                total = self._total(s)
                n = {"all": total, "any": 1, "none": 0}[q]
                op = {"all": ">=", "any": ">=", "none": "<="}[q]
                return self._count(s, op, n, want, y)
            case m.AtLeast(n=n, selection=s, credit_years=y):
                return self._count(s, ">=", n, want, y)
            case m.AtMost(n=n, selection=s, credit_years=y):
                return self._count(s, "<=", n, want, y)
            case m.CountCmp(selection=s, op=op, n=n):
                return self._count(s, op, n, want, None)
            case m.LevelCmp(op=op, level=lv):
                ids = [x.id for x in self.scope.levels]
                at = ids.index(lv)
                reach = {">=": at, ">": at + 1, "=": at, "<=": -1, "<": -1, "!=": -1}[op]
                if not want:
                    reach = {">=": at - 1, ">": at, "=": at - 1, "<=": at + 1, "<": at,
                             "!=": at}[op]
                if 0 <= reach < len(ids):
                    return self.satisfy(self.scope.levels[reach].requires, True)
                return _Want()
            case m.AwardRef(award=a):
                award = next(x for x in self.scope.awards if x.id == a)
                return self.satisfy(award.requires, want)
            case m.FactTrue(fact=f):
                return _Want(facts={f: want})
            case m.FactCmp(fact=f, op=op, value=v):
                return self._fact(f, op, v, want)
            case m.YearsSince(fact=f, op=op, n=n):
                if f in BUILTIN_FACTS:
                    return _Want(runs=max(n, 0) // 3 + 1)
                years = _boundary(op, n, want)
                return _Want(facts={f: years_before(self.on, max(years, 0))})
        return _Want()

    def _total(self, s: m.Selection) -> int:
        return sum(
            r.node.count if isinstance(r.node, m.Unnamed) else 1
            for r in select(self.scope, s).values()
        )

    def _count(self, s: m.Selection, op: str, n: int, want: bool, years: int | None) -> _Want:
        total = self._total(s)
        k = min(max(_boundary(op, n, want), 0), total)
        reqs = select(self.scope, s)
        named = [rid for rid, r in reqs.items() if isinstance(r.node, m.Requirement)]
        groups = {rid: r.node.count for rid, r in reqs.items() if isinstance(r.node, m.Unnamed)}
        order = self.draw(st.permutations(named)) if named else []
        picked = list(order[:k])
        left = k - len(picked)
        pools: dict[str, int] = {}
        for g, size in groups.items():
            take = min(left, size)
            pools[g] = take
            left -= take
        met: set[str] = set()
        for rid in picked:
            met |= self._meet(rid)
        if years is not None and met and self.draw(st.booleans()):
            moved = frozenset(self.draw(st.sets(st.sampled_from(sorted(met)), min_size=1)))
            return _Want(frozenset(met - moved), pools, credits={years: moved})
        return _Want(frozenset(met), pools)

    def _meet(self, rid: str) -> set[str]:
        """The listable ids that make ``rid`` met (a derived one through its mapping)."""
        r = self.scope.requirements[rid]
        if r.maps is None:
            return {rid}
        out: set[str] = set()
        for k, info in select(self.scope, r.maps).items():
            if isinstance(info.node, m.Requirement) and k != rid:
                out |= self._meet(k)
        return out

    def _fact(self, f: str, op: str, v: Any, want: bool) -> _Want:
        if f == "consecutive_recognitions":
            return _Want(runs=max(_boundary(op, v, want), 0))
        if f in BUILTIN_FACTS:
            return _Want()
        if isinstance(v, bool):
            return _Want(facts={f: v if (op == "=") == want else not v})
        if isinstance(v, int):
            return _Want(facts={f: _boundary(op, v, want)})
        return _Want(facts={f: v + dt.timedelta(days=_boundary(op, 0, want))})


def _boundary(op: str, n: int, want: bool) -> int:
    """The value nearest ``n`` that makes ``x op n`` come out as ``want``."""
    if want:
        return {">=": n, ">": n + 1, "<=": n, "<": n - 1, "=": n, "!=": n + 1}[op]
    return {">=": n - 1, ">": n, "<=": n + 1, "<": n, "=": n + 1, "!=": n}[op]
