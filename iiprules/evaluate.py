"""Evaluate: a checked ruleset version + evidence → ``Outcome`` (+ traces).

Input → output: a merged ``check.Snapshot`` (a version of a checked ruleset
with the version it builds on) → an ``Evaluator``, compiled once; then
``Evaluator.evaluate(evidence) → Outcome``.

Compilation turns every requirement into a bit of an integer, every selection
into a bit mask (plus the unnamed groups it contains), and every condition into
a small tree of node objects. Evaluating an organisation is then popcounts and
mask tests: no name is looked up and no model node is walked per call. The
same compiled nodes produce the explanation (``trace``), so the fast answer and
the explained answer cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from attrs import field, frozen

from iiprules import model as m
from iiprules.check import (
    BUILTIN_FACTS,
    RECOGNITION_YEARS,
    Snapshot,
    all_conditions,
    select,
    walk_cond,
)
from iiprules.diagnostics import EvaluationError
from iiprules.evidence import Evidence

# -- results ------------------------------------------------------------------------


@frozen
class Trace:
    """Why a condition held or not: the model node, the figures, the children.

    ``count``/``needed``/``total`` are set for counting conditions; ``missing``
    lists the named requirements of the selection that were not met, and
    ``short`` the unnamed groups that fell short, as ``(id, met, size)``.
    """

    node: Any
    holds: bool
    count: int | None = None
    needed: int | None = None
    total: int | None = None
    missing: tuple[str, ...] = ()
    short: tuple[tuple[str, int, int], ...] = ()
    credited: tuple[str, ...] = ()
    value: Any = None
    children: tuple[Trace, ...] = ()


@frozen
class Decision:
    """One decision of an outcome: a level, an award or an invariant."""

    id: str
    kind: str
    title: str
    holds: bool
    ruleset: str
    trace: Trace | None = field(default=None, eq=False)
    award_kind: str | None = None


@frozen
class Outcome:
    """The result of evaluating one organisation.

    ``level`` is the highest level reached (None: not recognised); ``awards``
    maps every award to whether the organisation is eligible.
    """

    organisation: str
    assessed_on: dt.date
    rulesets: tuple[tuple[str, str], ...]
    level: str | None
    level_title: str | None
    levels: tuple[Decision, ...]
    awards: tuple[Decision, ...]
    invariants: tuple[Decision, ...] = ()
    met: frozenset[str] = frozenset()
    derived: Mapping[str, bool] = field(factory=dict)
    not_applicable: tuple[str, ...] = ()
    requirement_text: Mapping[str, str] = field(factory=dict, eq=False, repr=False)
    titles: Mapping[str, str] = field(factory=dict, eq=False, repr=False)

    @property
    def award_results(self) -> dict[str, bool]:
        """Every award's id and whether it is reached, in declaration order."""
        return {a.id: a.holds for a in self.awards}

    def award(self, award_id: str) -> bool:
        """Whether the award is reached.

        Raises:
            KeyError: no evaluated ruleset has that award.
        """
        return self.award_results[award_id]

    def next_level(self) -> Decision | None:
        """The decision for the level above the one reached, if there is one."""
        ids = [d.id for d in self.levels]
        i = ids.index(self.level) + 1 if self.level in ids else 0
        return self.levels[i] if i < len(self.levels) else None

    def to_dict(self, explanation: bool = True) -> dict[str, Any]:
        """The outcome as plain JSON-ready data, in a stable shape."""
        from_trace = _trace_dict
        out: dict[str, Any] = {
            "organisation": self.organisation,
            "assessed_on": self.assessed_on.isoformat(),
            "rulesets": [{"name": n, "version": v} for n, v in self.rulesets],
            "level": self.level,
            "awards": {a.id: a.holds for a in self.awards},
        }
        out["invariants"] = {i.id: i.holds for i in self.invariants}
        if explanation:
            out["explanation"] = {
                "levels": [_decision_dict(d, from_trace) for d in self.levels],
                "awards": [_decision_dict(d, from_trace) for d in self.awards],
                "not_applicable": list(self.not_applicable),
                "derived": dict(sorted(self.derived.items())),
            }
        return out


def _decision_dict(d: Decision, from_trace: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": d.id, "title": d.title, "holds": d.holds, "ruleset": d.ruleset}
    if d.award_kind:
        out["kind"] = d.award_kind
    if d.trace is not None:
        out["because"] = from_trace(d.trace)
    return out


def _trace_dict(t: Trace) -> dict[str, Any]:
    from iiprules.syntax import unparse_cond

    out: dict[str, Any] = {"condition": unparse_cond(t.node), "holds": t.holds}
    if t.count is not None:
        out["met"] = t.count
        out["needed"] = t.needed
        out["of"] = t.total
    if t.missing:
        out["missing"] = list(t.missing)
    if t.short:
        out["unnamed_short"] = [{"group": g, "met": n, "of": s} for g, n, s in t.short]
    if t.credited:
        out["credited"] = list(t.credited)
    if t.value is not None:
        out["value"] = t.value.isoformat() if isinstance(t.value, dt.date) else t.value
    if t.children:
        out["parts"] = [_trace_dict(c) for c in t.children]
    return out


# -- the evaluation environment ------------------------------------------------------


class _Env:
    """Per-organisation state: bit masks and counts, never names."""

    __slots__ = ("_credits", "awards", "facts", "history", "met", "on", "pools", "rank")

    def __init__(
        self,
        met: int,
        pools: list[int],
        facts: dict[str, Any],
        on: dt.date,
        history: list[tuple[dt.date, int, list[int]]],
    ) -> None:
        self.met = met
        self.pools = pools
        self.facts = facts
        self.on = on
        self.history = history
        self.rank = -1
        self.awards: dict[str, bool] = {}
        self._credits: dict[int, tuple[int, list[int]]] = {}

    def credited(self, years: int) -> tuple[int, list[int]]:
        """Met now, or met at an earlier assessment no more than ``years`` before."""
        hit = self._credits.get(years)
        if hit is None:
            since = _years_before(self.on, years)
            met, pools = self.met, list(self.pools)
            for date, hmask, hpools in self.history:
                if since <= date <= self.on:
                    met |= hmask
                    pools = [max(a, b) for a, b in zip(pools, hpools, strict=True)]
            hit = self._credits[years] = (met, pools)
        return hit


def _years_before(on: dt.date, years: int) -> dt.date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


def whole_years(start: dt.date, end: dt.date) -> int:
    """Whole years from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years


_CMP = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


# -- compiled conditions ------------------------------------------------------------


class _Sel:
    """A compiled selection: a mask of named requirements and the unnamed groups."""

    __slots__ = ("ids", "mask", "pool_ids", "pool_sizes", "pools", "total")

    def __init__(
        self,
        mask: int,
        pools: tuple[int, ...],
        total: int,
        ids: tuple[str, ...],
        pool_ids: tuple[str, ...],
        pool_sizes: tuple[int, ...],
    ) -> None:
        self.mask = mask
        self.pools = pools
        self.total = total
        self.ids = ids
        self.pool_ids = pool_ids
        self.pool_sizes = pool_sizes

    def count(self, met: int, pools: Sequence[int]) -> int:
        n = (met & self.mask).bit_count()
        for i in self.pools:
            n += pools[i]
        return n


class _Node:
    __slots__ = ("node",)

    def __init__(self, node: Any) -> None:
        self.node = node

    def holds(self, env: _Env) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def trace(self, env: _Env, ev: Evaluator) -> Trace:
        return Trace(self.node, self.holds(env))


class _Count(_Node):
    """all / any / none / at least / at most / count-compare, as (op, n) on a count."""

    __slots__ = ("n", "op", "sel", "years")

    def __init__(self, node: Any, sel: _Sel, op: str, n: int, years: int | None) -> None:
        super().__init__(node)
        self.sel, self.op, self.n, self.years = sel, op, n, years

    def _state(self, env: _Env) -> tuple[int, Sequence[int]]:
        if self.years is None:
            return env.met, env.pools
        return env.credited(self.years)

    def holds(self, env: _Env) -> bool:
        met, pools = self._state(env)
        return _CMP[self.op](self.sel.count(met, pools), self.n)

    def trace(self, env: _Env, ev: Evaluator) -> Trace:
        met, pools = self._state(env)
        count = self.sel.count(met, pools)
        ok = _CMP[self.op](count, self.n)
        bits = ev.bits_of(self.sel.ids)
        missing = tuple(i for i, bit in zip(self.sel.ids, bits, strict=True) if not met & bit)
        short = tuple(
            (pid, pools[pi], size)
            for pid, pi, size in zip(
                self.sel.pool_ids, self.sel.pools, self.sel.pool_sizes, strict=True
            )
            if pools[pi] < size
        )
        credited: tuple[str, ...] = ()
        if self.years is not None:
            # met only thanks to an earlier assessment: say so in the explanation
            credited = tuple(
                i
                for i, bit in zip(self.sel.ids, bits, strict=True)
                if met & bit and not env.met & bit
            )
        return Trace(self.node, ok, count, self.n, self.sel.total, missing, short, credited)


class _And(_Node):
    __slots__ = ("items",)

    def __init__(self, node: Any, items: list[_Node]) -> None:
        super().__init__(node)
        self.items = items

    def holds(self, env: _Env) -> bool:
        return all(i.holds(env) for i in self.items)

    def trace(self, env: _Env, ev: Evaluator) -> Trace:
        kids = tuple(i.trace(env, ev) for i in self.items)
        return Trace(self.node, all(k.holds for k in kids), children=kids)


class _Or(_And):
    __slots__ = ()

    def holds(self, env: _Env) -> bool:
        return any(i.holds(env) for i in self.items)

    def trace(self, env: _Env, ev: Evaluator) -> Trace:
        kids = tuple(i.trace(env, ev) for i in self.items)
        return Trace(self.node, any(k.holds for k in kids), children=kids)


class _Not(_Node):
    __slots__ = ("item",)

    def __init__(self, node: Any, item: _Node) -> None:
        super().__init__(node)
        self.item = item

    def holds(self, env: _Env) -> bool:
        return not self.item.holds(env)

    def trace(self, env: _Env, ev: Evaluator) -> Trace:
        kid = self.item.trace(env, ev)
        return Trace(self.node, not kid.holds, children=(kid,))


class _Implies(_Node):
    __slots__ = ("a", "b")

    def __init__(self, node: Any, a: _Node, b: _Node) -> None:
        super().__init__(node)
        self.a, self.b = a, b

    def holds(self, env: _Env) -> bool:
        return (not self.a.holds(env)) or self.b.holds(env)

    def trace(self, env: _Env, ev: Evaluator) -> Trace:
        a, b = self.a.trace(env, ev), self.b.trace(env, ev)
        return Trace(self.node, (not a.holds) or b.holds, children=(a, b))


class _Level(_Node):
    __slots__ = ("op", "rank")

    def __init__(self, node: Any, op: str, rank: int) -> None:
        super().__init__(node)
        self.op, self.rank = op, rank

    def holds(self, env: _Env) -> bool:
        return _CMP[self.op](env.rank, self.rank)


class _AwardRef(_Node):
    __slots__ = ("award",)

    def __init__(self, node: Any, award: str) -> None:
        super().__init__(node)
        self.award = award

    def holds(self, env: _Env) -> bool:
        return env.awards.get(self.award, False)


class _Fact(_Node):
    __slots__ = ("fact", "op", "value")

    def __init__(self, node: Any, fact: str, op: str | None, value: Any) -> None:
        super().__init__(node)
        self.fact, self.op, self.value = fact, op, value

    def holds(self, env: _Env) -> bool:
        v = env.facts[self.fact]
        if self.op is None:
            return bool(v)
        if v is None:  # an unknown date (no earlier assessment) satisfies no comparison
            return False
        return _CMP[self.op](v, self.value)

    def trace(self, env: _Env, ev: Evaluator) -> Trace:
        return Trace(self.node, self.holds(env), value=env.facts[self.fact])


class _YearsSince(_Fact):
    __slots__ = ()

    def holds(self, env: _Env) -> bool:
        start = env.facts[self.fact]
        if start is None:
            return False
        return _CMP[self.op](whole_years(start, env.on), self.value)


class _Const(_Node):
    __slots__ = ("value",)

    def __init__(self, node: Any, value: bool) -> None:
        super().__init__(node)
        self.value = value

    def holds(self, env: _Env) -> bool:
        return self.value


# -- the compiled evaluator ----------------------------------------------------------


class Evaluator:
    """A checked ruleset version compiled for fast, repeated evaluation.

    Build one per (merged) snapshot and reuse it: compiling walks the model once;
    evaluating an organisation does not.
    """

    def __init__(self, scope: Snapshot) -> None:
        """Compile a merged snapshot (see ``check.CheckedRuleset.scope``)."""
        self.scope = scope
        self.rulesets: tuple[tuple[str, str], ...] = tuple(
            (s.ruleset, s.label) for s in ([scope.base] if scope.base else []) + [scope]
        )
        self.index: dict[str, int] = {}
        self.pool_index: dict[str, int] = {}
        self.pool_sizes: list[int] = []
        for rid, r in scope.requirements.items():
            if isinstance(r.node, m.Unnamed):
                self.pool_index[rid] = len(self.pool_sizes)
                self.pool_sizes.append(r.node.count)
            else:
                self.index[rid] = len(self.index)
        self._sel_cache: dict[Any, _Sel] = {}
        self.text = {
            rid: r.node.text
            for rid, r in scope.requirements.items()
            if isinstance(r.node, m.Requirement)
        }
        self.level_ids = tuple(lv.id for lv in scope.levels)
        self.titles = titles_of(scope)
        self._applies = [
            (rid, 1 << self.index[rid], self._cond(r.node.applies))
            for rid, r in scope.requirements.items()
            if isinstance(r.node, m.Requirement) and r.node.applies is not None
        ]
        self._derived = [
            (rid, 1 << self.index[rid], self._sel(r.maps)) for rid, r in self._derived_order()
        ]
        self._levels = [(lv, self._cond(lv.requires)) for lv in scope.levels]
        self._awards = [(aw, self._cond(aw.requires)) for aw in self._award_order()]
        self._invariants = [(inv, self._cond(inv.holds)) for inv in scope.invariants]
        self._award_owner = {aw.id: _owner(scope, aw, "awards") for aw in scope.awards}
        self._level_owner = {lv.id: _owner(scope, lv, "levels") for lv in scope.levels}
        self._facts = {**BUILTIN_FACTS, **scope.facts}
        conds = [c for _o, c in all_conditions(scope)] + [lv.requires for lv in scope.levels]
        self._used_facts = {
            c.fact
            for cond in conds
            for c in walk_cond(cond)
            if isinstance(c, (m.FactTrue, m.FactCmp, m.YearsSince))
        }

    # compilation helpers
    def bits_of(self, ids: Iterable[str]) -> list[int]:
        """The bit of each named requirement id."""
        return [1 << self.index[i] for i in ids]

    def _sel(self, sel: m.Selection) -> _Sel:
        hit = self._sel_cache.get(sel)
        if hit is None:
            reqs = select(self.scope, sel)
            mask, ids, pools, pids, psizes, total = 0, [], [], [], [], 0
            for rid, r in reqs.items():
                if isinstance(r.node, m.Unnamed):
                    pools.append(self.pool_index[rid])
                    pids.append(rid)
                    psizes.append(r.node.count)
                    total += r.node.count
                else:
                    mask |= 1 << self.index[rid]
                    ids.append(rid)
                    total += 1
            hit = self._sel_cache[sel] = _Sel(
                mask, tuple(pools), total, tuple(ids), tuple(pids), tuple(psizes)
            )
        return hit

    def _cond(self, c: m.Cond) -> _Node:
        # Conditions are at most check.MAX_DEPTH deep, so recursion is safe here.
        match c:
            case m.Quantified(quant=q, selection=s, credit_years=y):
                sel = self._sel(s)
                op, n = {"all": ("=", sel.total), "any": (">=", 1), "none": ("=", 0)}[q]
                return _Count(c, sel, op, n, y)
            case m.AtLeast(n=n, selection=s, credit_years=y):
                return _Count(c, self._sel(s), ">=", n, y)
            case m.AtMost(n=n, selection=s, credit_years=y):
                return _Count(c, self._sel(s), "<=", n, y)
            case m.CountCmp(selection=s, op=op, n=n):
                return _Count(c, self._sel(s), op, n, None)
            case m.And(items=items):
                return _And(c, [self._cond(i) for i in items])
            case m.Or(items=items):
                return _Or(c, [self._cond(i) for i in items])
            case m.Not(item=i):
                return _Not(c, self._cond(i))
            case m.Implies(premise=a, conclusion=b):
                return _Implies(c, self._cond(a), self._cond(b))
            case m.LevelCmp(op=op, level=lv):
                return _Level(c, op, self.level_ids.index(lv))
            case m.AwardRef(award=a):
                return _AwardRef(c, a)
            case m.FactTrue(fact=f):
                return _Fact(c, f, None, None)
            case m.FactCmp(fact=f, op=op, value=v):
                return _Fact(c, f, op, v)
            case m.YearsSince(fact=f, op=op, n=n):
                return _YearsSince(c, f, op, n)
            case m.Const(value=v):
                return _Const(c, v)
        raise EvaluationError(f"cannot compile {c!r}", getattr(c, "span", None))

    def _derived_order(self) -> list[tuple[str, Any]]:
        derived = {rid: r for rid, r in self.scope.requirements.items() if r.maps is not None}
        order: list[tuple[str, Any]] = []
        done: set[str] = set()
        while len(done) < len(derived):
            progressed = False
            for rid, r in derived.items():
                if rid in done:
                    continue
                deps = [k for k in select(self.scope, r.maps) if k in derived]
                if all(d in done for d in deps):
                    order.append((rid, r))
                    done.add(rid)
                    progressed = True
            if not progressed:  # the checker rejects cycles; this is a guard
                raise EvaluationError(
                    "mapping cycle among " + ", ".join(sorted(set(derived) - done))
                )
        return order

    def _award_order(self) -> list[m.Award]:
        awards = {a.id: a for a in self.scope.awards}
        order: list[m.Award] = []
        done: set[str] = set()
        while len(order) < len(awards):
            progressed = False
            for aid, a in awards.items():
                if aid in done:
                    continue
                deps = [c.award for c in walk_cond(a.requires) if isinstance(c, m.AwardRef)]
                if all(d in done for d in deps):
                    order.append(a)
                    done.add(aid)
                    progressed = True
            if not progressed:
                raise EvaluationError("award cycle among " + ", ".join(sorted(set(awards) - done)))
        return order

    # evaluation
    def _env(self, ev: Evidence) -> tuple[_Env, tuple[str, ...], dict[str, bool]]:
        met = 0
        index = self.index
        for rid in ev.met:
            bit = index.get(rid)
            if bit is not None:
                met |= 1 << bit
        pools = [0] * len(self.pool_sizes)
        for pid, n in ev.unnamed_met.items():
            pi = self.pool_index.get(pid)
            if pi is not None:
                pools[pi] = min(n, self.pool_sizes[pi])
        facts: dict[str, Any] = {}
        for name, fact in self._facts.items():
            if name in ev.facts:
                facts[name] = ev.facts[name]
            elif fact.default is not None:
                facts[name] = fact.default
            else:
                facts[name] = None
        facts.update(history_facts(ev))
        history = []
        for h in ev.history:
            hmask = 0
            for rid in h.met:
                bit = index.get(rid)
                if bit is not None:
                    hmask |= 1 << bit
            hpools = [0] * len(self.pool_sizes)
            for pid, n in h.unnamed_met.items():
                pi = self.pool_index.get(pid)
                if pi is not None:
                    hpools[pi] = min(n, self.pool_sizes[pi])
            history.append((h.assessed_on, hmask, hpools))
        env = _Env(met, pools, facts, ev.assessed_on, history)
        na: list[str] = []
        for rid, bit, cond in self._applies:
            if not cond.holds(env):
                env.met |= bit
                na.append(rid)
        derived: dict[str, bool] = {}
        for rid, bit, sel in self._derived:
            ok = sel.count(env.met, env.pools) == sel.total
            if ok:
                env.met |= bit
            derived[rid] = ok
        return env, tuple(na), derived

    def evaluate(self, ev: Evidence, explain: bool = True) -> Outcome:
        """Judge one organisation's (validated) evidence.

        Args:
            ev: evidence, already checked with ``evidence.validate``.
            explain: also build a trace for every decision (slower).

        Raises:
            EvaluationError: a fact the rules need has no value and no default.
        """
        env, na, derived = self._env(ev)
        for name, v in env.facts.items():
            if v is None and name in self._used_facts and name not in BUILTIN_FACTS:
                raise EvaluationError(
                    f"fact '{name}' is needed but missing from the evidence and has no default"
                )
        level_decisions = []
        for rank, (lv, node) in enumerate(self._levels):
            ok = node.holds(env)
            trace = node.trace(env, self) if explain else None
            if ok:
                env.rank = rank
            level_decisions.append(
                Decision(lv.id, "level", lv.title, ok, self._level_owner[lv.id], trace)
            )
        level = self._levels[env.rank][0] if env.rank >= 0 else None
        award_decisions = {}
        for aw, node in self._awards:
            ok = node.holds(env)
            env.awards[aw.id] = ok
            award_decisions[aw.id] = Decision(
                aw.id,
                "award",
                aw.title,
                ok,
                self._award_owner[aw.id],
                node.trace(env, self) if explain else None,
                aw.kind,
            )
        awards = tuple(award_decisions[a.id] for a in self.scope.awards)
        invariants = tuple(
            Decision(
                inv.id,
                "invariant",
                inv.title,
                node.holds(env),
                self.scope.ruleset,
                node.trace(env, self) if explain else None,
            )
            for inv, node in self._invariants
        )
        return Outcome(
            ev.organisation,
            ev.assessed_on,
            self.rulesets,
            level.id if level else None,
            level.title if level else None,
            tuple(level_decisions),
            awards,
            invariants,
            ev.met,
            derived,
            na,
            self.text,
            self.titles,
        )


def history_facts(ev: Evidence) -> dict[str, Any]:
    """The built-in facts computed from the evidence's date and earlier assessments.

    An earlier assessment counts as a recognition when it names a level other than
    ``none``, or names no level at all (older records often give only the date).
    """
    earlier = sorted(
        (h for h in ev.history if h.assessed_on <= ev.assessed_on), key=lambda h: h.assessed_on
    )
    previous = earlier[-1].assessed_on if earlier else None
    run: list[dt.date] = []
    nxt = ev.assessed_on
    for h in reversed(earlier):
        recognised = h.level is None or h.level != "none"
        if not recognised or _years_before(nxt, RECOGNITION_YEARS) > h.assessed_on:
            break
        run.append(h.assessed_on)
        nxt = h.assessed_on
    return {
        "assessed_on": ev.assessed_on,
        "previous_assessed_on": previous,
        "recognised_since": run[-1] if run else None,
        "consecutive_recognitions": len(run),
    }


def titles_of(scope: Snapshot) -> dict[str, str]:
    """Titles by ``kind:id`` (``part:standard`` → "The Standard"), for explanations."""
    out: dict[str, str] = {}
    for k, p in scope.parts.items():
        out[f"part:{k}"] = p.title
    for k, t in scope.topics.items():
        out[f"topic:{k}"] = t.title
    for k, i in scope.indicators.items():
        out[f"indicator:{k}"] = i.node.title
    for k, p in scope.principles.items():
        out[f"principle:{k}"] = p.title
    for lv in scope.levels:
        out[f"level:{lv.id}"] = lv.title
    for aw in scope.awards:
        out[f"award:{aw.id}"] = aw.title
    return out


def _owner(scope: Snapshot, item: Any, attr: str) -> str:
    if scope.base is not None and any(x is item for x in getattr(scope.base, attr)):
        return scope.base.ruleset
    return scope.ruleset


def combine(outcomes: Sequence[Outcome]) -> Outcome:
    """One outcome from several rulesets judged on the same evidence.

    The level is reported once (from the first ruleset that has levels); the
    awards and invariants of every ruleset are kept, each once.
    """
    if not outcomes:
        raise EvaluationError("no ruleset was evaluated")
    first = next((o for o in outcomes if o.levels), outcomes[0])
    rulesets: list[tuple[str, str]] = []
    awards: dict[str, Decision] = {}
    invariants: dict[str, Decision] = {}
    derived: dict[str, bool] = {}
    na: list[str] = []
    for o in outcomes:
        for r in o.rulesets:
            if r not in rulesets:
                rulesets.append(r)
        for a in o.awards:
            awards.setdefault(a.id, a)
        for i in o.invariants:
            invariants.setdefault(i.id, i)
        derived.update(o.derived)
        na.extend(x for x in o.not_applicable if x not in na)
    text: dict[str, str] = {}
    titles: dict[str, str] = {}
    for o in outcomes:
        text.update(o.requirement_text)
        titles.update(o.titles)
    return Outcome(
        first.organisation,
        first.assessed_on,
        tuple(rulesets),
        first.level,
        first.level_title,
        first.levels,
        tuple(awards.values()),
        tuple(invariants.values()),
        first.met,
        derived,
        tuple(na),
        text,
        titles,
    )
