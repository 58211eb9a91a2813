"""The symbolic model: a ruleset version's conditions → formulas over additional requirements.

Input → output: a merged snapshot and the evidence as it stands →
``Builder``, whose ``rank_ge(k, n)`` and ``award(id)`` are formulas (``And``,
``Or``, ``Cnt`` over ``Var``s, ``Const`` with the reasons it is constant) in
the requirements that may still be added. The formulas follow the evaluator
step by step (applicability, derived requirements, levels lowest first,
awards in dependency order, credits); ``search.check_agrees`` proves that on
the evidence as it stands before any answer is given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction
from typing import Any

from attrs import frozen

from iiprules import model as m
from iiprules.check import BUILTIN_FACTS, ReqInfo, Snapshot, select
from iiprules.diagnostics import EvaluationError
from iiprules.evaluate import history_facts, whole_years, years_before
from iiprules.evidence import Evidence

OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


_FLIP = {">=": "<", "<": ">=", ">": "<=", "<=": ">", "=": "!=", "!=": "="}


#: Why a part of a formula is constant: the model condition and a detail in words.
Why = tuple[Any, str]


class Const:
    """A constant formula, with the conditions (and details) that make it so."""

    __slots__ = ("value", "whys")

    def __init__(self, value: bool, whys: tuple[Why, ...] = ()) -> None:
        self.value = value
        self.whys = whys


class And:
    """All of ``items`` (flattened, absorbed by ``and_``)."""

    __slots__ = ("items",)

    def __init__(self, items: tuple[Any, ...]) -> None:
        self.items = items


class Or(And):
    """Any of ``items``."""

    __slots__ = ()


class Cnt:
    """``base + Σ max(c_v - d, 0) + Σ [ind]`` compared with ``n``.

    ``terms`` are ``(variable, offset)``; ``inds`` formulas counted as 0 or 1
    (requirements met through a mapping or whose applicability can change).
    """

    __slots__ = ("base", "inds", "n", "node", "op", "terms")

    def __init__(
        self,
        base: int,
        terms: tuple[tuple[int, int], ...],
        inds: tuple[Any, ...],
        op: str,
        n: int,
        node: Any,
    ) -> None:
        self.base, self.terms, self.inds, self.op, self.n, self.node = (
            base,
            terms,
            inds,
            op,
            n,
            node,
        )


_TRUE = Const(True)


_FALSE = Const(False)


@frozen
class _Var:
    """An unmet requirement (capacity 1) or the unmet part of an unnamed group."""

    id: str
    cap: int
    cost: Fraction
    pool: bool
    order: int


def _merge_whys(consts: Iterable[Const]) -> tuple[Why, ...]:
    out: list[Why] = []
    for c in consts:
        for w in c.whys:
            if not any(w[0] is x[0] and w[1] == x[1] for x in out):
                out.append(w)
    return tuple(out)


def _conj(e: Any) -> tuple[Any, ...]:
    return e.items if type(e) is And else (e,)


def _disj(e: Any) -> tuple[Any, ...]:
    return e.items if type(e) is Or else (e,)


def _and(items: Iterable[Any]) -> Any:
    flat: list[Any] = []
    falses: list[Const] = []
    for it in items:
        if type(it) is And:
            flat.extend(it.items)
        elif isinstance(it, Const):
            if not it.value:
                falses.append(it)
        else:
            flat.append(it)
    if falses:
        return Const(False, _merge_whys(falses))
    flat = list({id(x): x for x in flat}.values())
    keep = _absorb(flat, Or, _disj)
    if not keep:
        return _TRUE
    return keep[0] if len(keep) == 1 else And(tuple(keep))


def _absorb(flat: list[Any], kind: type, parts: Callable[[Any], tuple[Any, ...]]) -> list[Any]:
    """Absorption: ``a and (a or b) = a`` (``kind`` Or) and ``a or (a and b) = a`` (And).

    An item is dropped when another item's parts are a subset of its parts; of
    two items with the same parts, the first is kept.
    """
    sets = [frozenset(id(z) for z in parts(x)) for x in flat]
    keep = []
    for i, x in enumerate(flat):
        if type(x) is kind and any(
            j != i and sets[j] <= sets[i] and (sets[j] != sets[i] or j < i)
            for j in range(len(flat))
        ):
            continue
        keep.append(x)
    return keep


def _or(items: Iterable[Any]) -> Any:
    flat: list[Any] = []
    falses: list[Const] = []
    for it in items:
        if type(it) is Or:
            flat.extend(it.items)
        elif isinstance(it, Const):
            if it.value:
                return it
            falses.append(it)
        else:
            flat.append(it)
    flat = list({id(x): x for x in flat}.values())
    if not flat:
        return Const(False, _merge_whys(falses))
    keep = _absorb(flat, And, _conj)
    return keep[0] if len(keep) == 1 else Or(tuple(keep))


class Builder:
    """Compiles a merged snapshot and evidence into formulas, as the evaluator decides.

    Variables are the unmet requirements (and unmet parts of unnamed groups) that
    ``free`` allows to be added; everything else is fixed by the evidence.
    """

    def __init__(
        self,
        scope: Snapshot,
        ev: Evidence,
        free: Callable[[str], bool],
        free_pools: bool,
        costs: Mapping[str, Fraction] | None,
    ) -> None:
        self.scope = scope
        self.ev = ev
        self.reqs = scope.requirements
        self.facts = self._facts()
        named = {rid for rid, r in self.reqs.items() if isinstance(r.node, m.Requirement)}
        self.met0 = {rid for rid in ev.met if rid in named and self.reqs[rid].maps is None}
        self.pools0 = {
            rid: min(ev.unnamed_met.get(rid, 0), r.node.count)
            for rid, r in self.reqs.items()
            if isinstance(r.node, m.Unnamed)
        }
        self.vars: list[_Var] = []
        self.var_of: dict[str, int] = {}
        self.lit: dict[str, Any] = {}
        for rid, r in self.reqs.items():
            node = r.node
            if isinstance(node, m.Unnamed):
                cap = node.count - self.pools0[rid]
                if cap > 0 and free_pools:
                    self._var(rid, cap, self._cost(r, costs), True)
            elif r.maps is None and rid not in self.met0 and free(rid):
                v = self._var(rid, 1, self._cost(r, costs), False)
                self.lit[rid] = Cnt(0, ((v, 0),), (), ">=", 1, None)
        self._neg: dict[int, tuple[Any, Any]] = {}
        self._windows: dict[int, tuple[set[str], dict[str, int]]] = {}
        self._eff_final: dict[str, Any] = {}
        self._awards: dict[str, Any] = {}
        self._award_nodes = {a.id: a for a in scope.awards}
        # 1. applicability, in declaration order, seeing only earlier decisions
        self.applies_order = [
            rid
            for rid, r in self.reqs.items()
            if isinstance(r.node, m.Requirement) and r.node.applies is not None
        ]
        self.na: dict[str, Any] = {}
        self.na_step = {rid: i for i, rid in enumerate(self.applies_order)}
        for i, rid in enumerate(self.applies_order):
            node = self.reqs[rid].node
            assert isinstance(node, m.Requirement) and node.applies is not None
            self.na[rid] = self.neg(self.cond(node.applies, ("applies", i)))
        # 2. levels, lowest first, each seeing the levels below it
        self.levels: list[Any] = []
        for i, lv in enumerate(scope.levels):
            self.levels.append(self.cond(lv.requires, ("level", i)))

    # -- construction helpers
    def _var(self, rid: str, cap: int, cost: Fraction, pool: bool) -> int:
        self.vars.append(_Var(rid, cap, cost, pool, len(self.vars)))
        self.var_of[rid] = len(self.vars) - 1
        return len(self.vars) - 1

    @staticmethod
    def _cost(r: ReqInfo, costs: Mapping[str, Fraction] | None) -> Fraction:
        if costs is None:
            return Fraction(1)
        default = costs.get("default", Fraction(1))
        if r.id in costs:
            return costs[r.id]
        by = r.node.by if isinstance(r.node, m.Requirement) else ()
        if by:
            return sum((costs.get(k, default) for k in by), Fraction(0))
        return default

    def _facts(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, fact in {**BUILTIN_FACTS, **self.scope.facts}.items():
            out[name] = self.ev.facts[name] if name in self.ev.facts else fact.default
        out.update(history_facts(self.ev))
        return out

    def neg(self, e: Any) -> Any:
        """The negation of a formula (memoised: formulas are shared DAGs)."""
        hit = self._neg.get(id(e))
        if hit is not None:
            return hit[1]
        if isinstance(e, Const):
            out: Any = Const(not e.value, e.whys)
        elif type(e) is And:
            out = _or(self.neg(x) for x in e.items)
        elif type(e) is Or:
            out = _and(self.neg(x) for x in e.items)
        else:
            out = Cnt(e.base, e.terms, e.inds, _FLIP[e.op], e.n, e.node)
        self._neg[id(e)] = (e, out)
        self._neg[id(out)] = (out, e)
        return out

    def cnt(
        self,
        base: int,
        terms: list[tuple[int, int]],
        inds: list[Any],
        op: str,
        n: int,
        node: Any,
    ) -> Any:
        """A counting comparison over requirement variables, folded when constant."""
        terms = [(v, d) for v, d in terms if self.vars[v].cap > d]
        hi = base + sum(self.vars[v].cap - d for v, d in terms) + len(inds)
        lo = base
        ok_lo, ok_hi = OPS[op](lo, n), OPS[op](hi, n)
        decided: bool | None = None
        if op in (">=", ">"):
            decided = True if ok_lo else (False if not ok_hi else None)
        elif op in ("<=", "<"):
            decided = True if ok_hi else (False if not ok_lo else None)
        elif op == "=":
            decided = (lo == hi == n) or (False if not lo <= n <= hi else None)
        else:
            decided = (not lo <= n <= hi) or (False if lo == hi == n else None)
        if decided is not None:
            detail = f"{lo} met" if lo == hi else f"between {lo} and {hi} can be met"
            return Const(decided, ((node, detail),) if node is not None else ())
        return Cnt(base, tuple(terms), tuple(inds), op, n, node)

    # -- requirement values
    def eff(self, rid: str, ctx: tuple[str, int | None]) -> Any:
        """Whether a requirement counts as met, as ``True``/``False`` or a formula."""
        if ctx[0] == "applies":
            step = ctx[1]
            assert step is not None
            r = self.reqs[rid]
            na = self.na[rid] if rid in self.na and self.na_step[rid] < step else _FALSE
            if r.maps is not None:
                return na
            return _or([self._lit(rid), na])
        hit = self._eff_final.get(rid)
        if hit is None:
            r = self.reqs[rid]
            na = self.na.get(rid, _FALSE)
            if r.maps is not None:
                derived = self.count_cond(m.Quantified("all", r.maps), ("level", None), None)
                hit = _or([na, derived])
            else:
                hit = _or([self._lit(rid), na])
            self._eff_final[rid] = hit
        return hit

    def _lit(self, rid: str) -> Any:
        if rid in self.met0:
            return _TRUE
        return self.lit.get(rid, _FALSE)

    def _window(self, years: int) -> tuple[set[str], dict[str, int]]:
        hit = self._windows.get(years)
        if hit is None:
            since = years_before(self.ev.assessed_on, years)
            met: set[str] = set()
            pools: dict[str, int] = {}
            for h in self.ev.history:
                if since <= h.assessed_on <= self.ev.assessed_on:
                    met |= h.met
                    for g, n in h.unnamed_met.items():
                        r = self.reqs.get(g)
                        if r is not None and isinstance(r.node, m.Unnamed):
                            pools[g] = max(pools.get(g, 0), min(n, r.node.count))
            hit = self._windows[years] = (met, pools)
        return hit

    # -- conditions
    def count_cond(self, c: Any, ctx: tuple[str, int | None], years: int | None) -> Any:
        """A counting condition (quantified, at least/most, count comparison) as a formula."""
        sel = select(self.scope, c.selection)
        total = sum(r.node.count if isinstance(r.node, m.Unnamed) else 1 for r in sel.values())
        match c:
            case m.Quantified(quant=q):
                op, n = {"all": ("=", total), "any": (">=", 1), "none": ("=", 0)}[q]
            case m.AtLeast(n=k):
                op, n = ">=", k
            case m.AtMost(n=k):
                op, n = "<=", k
            case _:
                op, n = c.op, c.n
        window = self._window(years) if years is not None else None
        base = 0
        terms: list[tuple[int, int]] = []
        inds: list[Any] = []
        for rid, r in sel.items():
            if isinstance(r.node, m.Unnamed):
                p0 = self.pools0[rid]
                v = self.var_of.get(rid)
                if window is None:
                    base += p0
                    if v is not None:
                        terms.append((v, 0))
                else:
                    h = window[1].get(rid, 0)
                    base += max(p0, h)
                    if v is not None:
                        terms.append((v, max(h - p0, 0)))
                continue
            if window is not None and rid in window[0]:
                base += 1
                continue
            e = self.eff(rid, ctx)
            if isinstance(e, Const):
                base += int(e.value)
            elif type(e) is Cnt and e.node is None and len(e.terms) == 1 and not e.inds:
                terms.append(e.terms[0])
            else:
                inds.append(e)
        return self.cnt(base, terms, inds, op, n, c)

    def cond(self, c: m.Cond, ctx: tuple[str, int | None]) -> Any:
        """A model condition as a formula, in the context of what owns it."""
        match c:
            case m.Quantified() | m.AtLeast() | m.AtMost() | m.CountCmp():
                return self.count_cond(c, ctx, getattr(c, "credit_years", None))
            case m.And(items=items):
                return _and(self.cond(i, ctx) for i in items)
            case m.Or(items=items):
                return _or(self.cond(i, ctx) for i in items)
            case m.Not(item=i):
                return self.neg(self.cond(i, ctx))
            case m.Implies(premise=a, conclusion=b):
                return _or([self.neg(self.cond(a, ctx)), self.cond(b, ctx)])
            case m.LevelCmp(op=op, level=lv):
                return self.level_cmp(c, op, self.scope.level_index(lv), ctx)
            case m.AwardRef(award=a):
                if ctx[0] != "award":
                    return Const(False, ((c, "awards are decided after levels"),))
                return self.award(a)
            case m.FactTrue(fact=f):
                return Const(bool(self.facts.get(f)), ((c, self._given(f)),))
            case m.FactCmp(fact=f, op=op, value=v):
                have = self.facts.get(f)
                return Const(have is not None and OPS[op](have, v), ((c, self._given(f)),))
            case m.YearsSince(fact=f, op=op, n=n):
                start = self.facts.get(f)
                ok = start is not None and OPS[op](whole_years(start, self.ev.assessed_on), n)
                return Const(ok, ((c, self._given(f)),))
            case m.Const(value=v):
                return Const(v, ((c, ""),))
        raise EvaluationError(f"cannot plan over {c!r}")  # pragma: no cover

    def _given(self, fact: str) -> str:
        v = self.facts.get(fact)
        if isinstance(v, bool):
            shown = "yes" if v else "no"
        elif isinstance(v, dt.date):
            shown = v.isoformat()
        else:
            shown = str(v)
        if fact in self.ev.facts or fact in BUILTIN_FACTS:
            return "not known" if v is None else f"the evidence gives {shown}"
        return f"not given; taken as {shown} by default"

    def rank_ge(self, k: int, upto: int) -> Any:
        """The rank among the first ``upto`` levels is at least ``k`` (-1: not recognised)."""
        if k <= -1:
            return _TRUE
        return _or(self.levels[j] for j in range(k, upto))

    def level_cmp(self, c: Any, op: str, k: int, ctx: tuple[str, int | None]) -> Any:
        """A comparison with the level reached (``level >= silver``) as a formula."""
        if ctx[0] == "applies":
            return Const(
                OPS[op](-1, k), ((c, "no level is known when applicability is decided"),)
            )
        upto = len(self.scope.levels) if ctx[0] == "award" else ctx[1]
        assert upto is not None
        ge, gt = self.rank_ge(k, upto), self.rank_ge(k + 1, upto)
        out = {
            ">=": lambda: ge,
            ">": lambda: gt,
            "<": lambda: self.neg(ge),
            "<=": lambda: self.neg(gt),
            "=": lambda: _and([ge, self.neg(gt)]),
            "!=": lambda: self.neg(_and([ge, self.neg(gt)])),
        }[op]()
        if isinstance(out, Const) and not out.whys:
            out = Const(out.value, ((c, "decided by the levels below"),))
        return out

    def award(self, aid: str) -> Any:
        """The formula for an award holding (memoised; awards may refer to awards)."""
        hit = self._awards.get(aid)
        if hit is None:
            hit = self._awards[aid] = self.cond(self._award_nodes[aid].requires, ("award", None))
        return hit


