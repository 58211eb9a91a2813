"""The search: formulas over requirements → the cheapest points that satisfy them.

Input → output: a ``Builder``'s formulas → a ``Problem`` over *atoms* (groups
of interchangeable requirements: every count, mapping and credit window treats
them alike and they cost the same; an atom's variable is how many of it are
added) → ``Search.solve(k)``: the k cheapest satisfying points, exactly.
Best-first branch and bound over boxes of atom counts: necessary bounds are
propagated from the count thresholds, an admissible lower bound on the
remaining cost orders the boxes, and a box is split only when its cheapest
point fails. The first box whose cheapest point satisfies the formula is
optimal; equally good boxes give the alternatives.

Why not z3 (as ``verify`` uses): the same question posed as z3 ``Optimize`` over
``_verify.encode`` gives the same answers but is typically 70 times slower on
the packaged rulesets (benchmarks/bench_plan.py, which keeps that candidate), and
would make z3 a need of ``plan``.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

from attrs import frozen

from iiprules import model as m
from iiprules.answers.common import ReqText
from iiprules.answers.formula import OPS, And, Builder, Cnt, Const, Or, Why
from iiprules.diagnostics import EvaluationError
from iiprules.evaluate import Evaluator
from iiprules.evidence import Evidence
from iiprules.explain import describe_cond


@frozen
class Atom:
    """A group of interchangeable requirement variables, its size and its cost each."""

    vars: tuple[int, ...]
    cap: int
    cost: Fraction


class Problem:
    """The formulas under ``roots`` over groups of interchangeable variables."""

    def __init__(self, b: Builder, roots: Sequence[Any]) -> None:
        self.b = b
        self.roots = roots
        cnts: list[Cnt] = []
        seen: set[int] = set()
        stack = list(roots)
        while stack:
            e = stack.pop()
            if id(e) in seen:
                continue
            seen.add(id(e))
            if type(e) in (And, Or):
                stack.extend(e.items)
            elif type(e) is Cnt:
                cnts.append(e)
                stack.extend(e.inds)
        occ: dict[int, list[tuple[int, int]]] = {}
        for k, c in enumerate(cnts):
            for v, d in c.terms:
                occ.setdefault(v, []).append((k, d))
        groups: dict[Any, list[int]] = {}
        for v in sorted(occ):
            var = b.vars[v]
            roles = tuple(occ[v])
            key: Any = ("solo", v) if any(d for _k, d in roles) else (roles, var.cost)
            groups.setdefault(key, []).append(v)
        self.atoms: list[Atom] = []
        self.atom_of: dict[int, int] = {}
        for vs in groups.values():
            for v in vs:
                self.atom_of[v] = len(self.atoms)
            cap = sum(b.vars[v].cap for v in vs)
            self.atoms.append(Atom(tuple(vs), cap, b.vars[vs[0]].cost))
        self.caps = tuple(a.cap for a in self.atoms)
        self._aterms: dict[int, tuple[tuple[int, int], ...]] = {}

    def aterms(self, c: Cnt) -> tuple[tuple[int, int], ...]:
        """A count's terms per atom: ``(atom, how many of the count's vars it holds)``."""
        hit = self._aterms.get(id(c))
        if hit is None:
            seen: dict[int, int] = {}
            for v, d in c.terms:
                a = self.atom_of.get(v)
                if a is not None and a not in seen:
                    seen[a] = d
            # ids are stable: the builder keeps every node (negations included) alive
            hit = self._aterms[id(c)] = tuple(seen.items())
        return hit

    # -- evaluation at a point
    def value(self, e: Any, pt: Sequence[int], memo: dict[int, bool]) -> bool:
        """The formula's truth at a point (atom counts)."""
        hit = memo.get(id(e))
        if hit is not None:
            return hit
        t = type(e)
        if t is Const:
            out = bool(e.value)
        elif t is And:
            out = all(self.value(x, pt, memo) for x in e.items)
        elif t is Or:
            out = any(self.value(x, pt, memo) for x in e.items)
        else:
            out = bool(OPS[e.op](self.count(e, pt, memo), e.n))
        memo[id(e)] = out
        return out

    def count(self, c: Cnt, pt: Sequence[int], memo: dict[int, bool]) -> int:
        """A count's value at a point."""
        n = c.base
        for a, d in self.aterms(c):
            n += max(pt[a] - d, 0)
        for x in c.inds:
            n += self.value(x, pt, memo)
        return n


_INF = math.inf


class Box:
    """Per-box caches: three-valued truth, necessary bounds, lower bounds on cost."""

    __slots__ = ("hi", "lo", "lo_memo", "p", "tri_memo")

    def __init__(self, p: Problem, lo: tuple[int, ...], hi: tuple[int, ...]) -> None:
        self.p, self.lo, self.hi = p, lo, hi
        self.tri_memo: dict[int, bool | None] = {}
        self.lo_memo: dict[int, bool] = {}

    def at_lo(self, e: Any) -> bool:
        """The formula's truth at the box's cheapest point."""
        return self.p.value(e, self.lo, self.lo_memo)

    def count_lo(self, c: Cnt) -> int:
        """A count's value at the box's cheapest point."""
        return self.p.count(c, self.lo, self.lo_memo)

    def range(self, c: Cnt) -> tuple[int, int]:
        """The lowest and highest value of a count over the box."""
        lo = hi = c.base
        for a, d in self.p.aterms(c):
            lo += max(self.lo[a] - d, 0)
            hi += max(self.hi[a] - d, 0)
        for x in c.inds:
            t = self.tri(x)
            lo += t is True
            hi += t is not False
        return lo, hi

    def tri(self, e: Any) -> bool | None:
        """True / False when ``e`` holds at every / no point of the box, else None."""
        key = id(e)
        if key in self.tri_memo:
            return self.tri_memo[key]
        t = type(e)
        out: bool | None
        if t is Const:
            out = e.value
        elif t is And:
            vals = [self.tri(x) for x in e.items]
            out = False if False in vals else (True if all(v is True for v in vals) else None)
        elif t is Or:
            vals = [self.tri(x) for x in e.items]
            out = True if True in vals else (False if all(v is False for v in vals) else None)
        else:
            lo, hi = self.range(e)
            n, op = e.n, e.op
            if op in (">=", ">"):
                need = n if op == ">=" else n + 1
                out = True if lo >= need else (False if hi < need else None)
            elif op in ("<=", "<"):
                cap = n if op == "<=" else n - 1
                out = True if hi <= cap else (False if lo > cap else None)
            elif op == "=":
                out = True if lo == hi == n else (False if not lo <= n <= hi else None)
            else:
                out = False if lo == hi == n else (True if not lo <= n <= hi else None)
        self.tri_memo[key] = out
        return out

    def needs(self, c: Cnt) -> tuple[int | None, int | None]:
        """The least and greatest count that can satisfy a count node (None: no bound)."""
        n, op = c.n, c.op
        if op == ">=":
            return n, None
        if op == ">":
            return n + 1, None
        if op == "<=":
            return None, n
        if op == "<":
            return None, n - 1
        if op == "=":
            return n, n
        lo, hi = self.range(c)
        return (n + 1 if lo == n else None), (n - 1 if hi == n else None)

    # -- necessary bounds: any point of the box satisfying e lies within them
    def bounds(self, e: Any, neg: Callable[[Any], Any]) -> tuple[dict[int, int], dict[int, int]]:
        """Necessary bounds: any point of the box satisfying ``e`` lies within them."""
        t = self.tri(e)
        if t is True:
            return {}, {}
        typ = type(e)
        if typ is And:
            low: dict[int, int] = {}
            up: dict[int, int] = {}
            for x in e.items:
                lx, ux = self.bounds(x, neg)
                for a, v in lx.items():
                    low[a] = max(low.get(a, v), v)
                for a, v in ux.items():
                    up[a] = min(up.get(a, v), v)
            return low, up
        if typ is Or:
            alts = [self.bounds(x, neg) for x in e.items if self.tri(x) is not False]
            if not alts:
                return {}, {}
            low = dict(alts[0][0])
            up = dict(alts[0][1])
            for lx, ux in alts[1:]:
                low = {a: min(v, lx[a]) for a, v in low.items() if a in lx}
                up = {a: max(v, ux[a]) for a, v in up.items() if a in ux}
            return low, up
        if typ is Const:
            return {}, {}
        low, up = {}, {}
        need_lo, need_hi = self.needs(e)
        cmin, cmax = self.range(e)
        if need_lo is not None:
            slack = cmax - need_lo
            for a, d in self.p.aterms(e):
                target = max(self.hi[a] - d, 0) - slack
                if target > 0 and d + target > self.lo[a]:
                    low[a] = max(low.get(a, 0), d + target)
            if slack == 0:
                for x in e.inds:
                    if self.tri(x) is None:
                        lx, ux = self.bounds(x, neg)
                        for a, v in lx.items():
                            low[a] = max(low.get(a, v), v)
                        for a, v in ux.items():
                            up[a] = min(up.get(a, v), v)
        if need_hi is not None:
            slack = need_hi - cmin
            for a, d in self.p.aterms(e):
                limit = d + max(self.lo[a] - d, 0) + slack
                if limit < self.hi[a]:
                    up[a] = min(up.get(a, limit), limit)
            if slack == 0:
                for x in e.inds:
                    if self.tri(x) is None:
                        lx, ux = self.bounds(neg(x), neg)
                        for a, v in lx.items():
                            low[a] = max(low.get(a, v), v)
                        for a, v in ux.items():
                            up[a] = min(up.get(a, v), v)
        return low, up

    # -- lower bound on the cost of reaching e from the box's cheapest point
    def h(self, e: Any, w: Sequence[Fraction], memo: dict[int, Any]) -> Any:
        """An admissible lower bound on the cost of satisfying ``e`` from the cheapest point."""
        key = id(e)
        if key in memo:
            return memo[key]
        out: Any
        t = self.tri(e)
        if t is False:
            out = _INF
        elif t is True or self.at_lo(e):
            out = Fraction(0)
        elif type(e) is And:
            out = max((self.h(x, w, memo) for x in e.items), default=Fraction(0))
        elif type(e) is Or:
            out = min((self.h(x, w, memo) for x in e.items), default=_INF)
        elif type(e) is Cnt:
            out = self._h_count(e, w, memo)
        else:
            out = Fraction(0)
        memo[key] = out
        return out

    def _h_count(self, c: Cnt, w: Sequence[Fraction], memo: dict[int, Any]) -> Any:
        have = self.count_lo(c)
        need_lo, need_hi = self.needs(c)
        if need_lo is not None and have < need_lo:
            deficit = need_lo - have
            units: list[tuple[Any, int]] = []  # (unit cost, how many)
            for a, d in self.p.aterms(c):
                more = max(self.hi[a] - d, 0) - max(self.lo[a] - d, 0)
                if more > 0:
                    units.append((w[a], more))
            ind_costs = [
                self.h(x, w, memo) for x in c.inds if not self.at_lo(x) and self.tri(x) is not False
            ]
            available = sum(k for _u, k in units) + len(ind_costs)
            if available < deficit:
                return _INF
            # additive: atom units are distinct requirements; mapped ones may be free
            left = deficit - len(ind_costs)
            additive: Any = Fraction(0)
            for u, k in sorted(units, key=lambda x: x[0]):
                if left <= 0:
                    break
                take = min(k, left)
                additive += u * take
                left -= take
            # any solution gains `deficit` units, each costing at least its own bound
            singles = sorted(
                [(u, k) for u, k in units] + [(x, 1) for x in ind_costs], key=lambda x: x[0]
            )
            seen = 0
            kth: Any = Fraction(0)
            for u, k in singles:
                seen += k
                if seen >= deficit:
                    kth = u
                    break
            return max(additive, kth)
        if need_hi is not None and have > need_hi:
            excess = have - need_hi
            offs = sorted(
                self.h(self.p.b.neg(x), w, memo)
                for x in c.inds
                if self.at_lo(x) and self.tri(x) is not True
            )
            return offs[excess - 1] if len(offs) >= excess else _INF
        return Fraction(0)

    # -- where to branch
    def pick(self, e: Any, w: Sequence[Fraction], memo: dict[int, Any]) -> tuple[int, int] | None:
        """An atom and a value to split at, chosen to move towards satisfying ``e``."""
        if self.tri(e) is not None or self.at_lo(e):
            return None
        t = type(e)
        if t is And:
            for x in sorted(e.items, key=lambda x: -_finite(self.h(x, w, memo))):
                if not self.at_lo(x):
                    hit = self.pick(x, w, memo)
                    if hit:
                        return hit
            return None
        if t is Or:
            for x in sorted(e.items, key=lambda x: _finite(self.h(x, w, memo))):
                hit = self.pick(x, w, memo)
                if hit:
                    return hit
            return None
        if t is not Cnt:
            return None
        have = self.count_lo(e)
        need_lo, need_hi = self.needs(e)
        if need_lo is not None and have < need_lo:
            deficit = need_lo - have
            best = None
            for a, d in self.p.aterms(e):
                if self.hi[a] > max(self.lo[a], d):
                    key = (w[a], a)
                    if best is None or key < best[0]:
                        best = (key, a, d)
            if best is not None:
                _k, a, d = best
                v = min(self.hi[a], d + max(self.lo[a] - d, 0) + deficit)
                return a, max(v, self.lo[a] + 1)
            for x in e.inds:
                if not self.at_lo(x):
                    hit = self.pick(x, w, memo)
                    if hit:
                        return hit
        if need_hi is not None and have > need_hi:
            for x in e.inds:
                if self.at_lo(x) and self.tri(x) is not True:
                    hit = self.pick(self.p.b.neg(x), w, memo)
                    if hit:
                        return hit
        return None


def _finite(x: Any) -> Any:
    return x if x != _INF else Fraction(10**12)


class Search:
    """Best-first branch and bound over boxes of group counts.

    Minimises (cost, number of requirements) lexicographically. A box is kept
    with a lower bound on every point in it; the cheapest point of the box that
    is popped first and satisfies the root is optimal.
    """

    def __init__(self, p: Problem, root: Any) -> None:
        self.p = p
        self.root = root
        self.cost_w = [a.cost for a in p.atoms]
        self.unit_w = [Fraction(1)] * len(p.atoms)

    def _key(self, box: Box) -> tuple[Any, Any]:
        lo = box.lo
        cost = sum((w * c for w, c in zip(self.cost_w, lo, strict=True)), Fraction(0))
        count = sum(lo)
        hc = box.h(self.root, self.cost_w, {})
        hn = box.h(self.root, self.unit_w, {})
        return cost + hc, count + hn

    def _tighten(self, lo: tuple[int, ...], hi: tuple[int, ...]) -> Box | None:
        for _ in range(10_000):
            box = Box(self.p, lo, hi)
            if box.tri(self.root) is False:
                return None
            low, up = box.bounds(self.root, self.p.b.neg)
            if not low and not up:
                return box
            nlo, nhi = list(lo), list(hi)
            for a, v in low.items():
                nlo[a] = max(nlo[a], v)
            for a, v in up.items():
                nhi[a] = min(nhi[a], v)
            if any(x > y for x, y in zip(nlo, nhi, strict=True)):
                return None
            if (tuple(nlo), tuple(nhi)) == (lo, hi):
                return box
            lo, hi = tuple(nlo), tuple(nhi)
        return Box(self.p, lo, hi)  # pragma: no cover - bounds only ever tighten

    def solve(self, limit: int) -> list[tuple[int, ...]]:
        """Up to ``limit`` optimal points (atom counts), best first; [] when none exists."""
        n = len(self.p.atoms)
        start = (tuple([0] * n), tuple(self.p.caps))
        seq = itertools.count()
        heap: list[Any] = [((Fraction(0), Fraction(0)), next(seq), start)]
        best: tuple[Any, Any] | None = None
        found: list[tuple[int, ...]] = []
        while heap:
            prio, _s, (lo, hi) = heapq.heappop(heap)
            if best is not None and prio > best:
                break
            box = self._tighten(lo, hi)
            if box is None:
                continue
            key = self._key(box)
            if key[0] == _INF or key[1] == _INF:
                continue
            if key > prio:
                heapq.heappush(heap, (key, next(seq), (box.lo, box.hi)))
                continue
            if box.at_lo(self.root):
                if best is None:
                    best = key
                if key == best:
                    found.append(box.lo)
                    if len(found) >= limit:
                        break
                # every other point of the box adds requirements: strictly worse
                continue
            split = box.pick(self.root, self.cost_w, {})
            if split is None:
                split = next(((a, box.lo[a] + 1) for a in range(n) if box.lo[a] < box.hi[a]), None)
                if split is None:
                    continue
            a, v = split
            below = (*box.hi[:a], v - 1, *box.hi[a + 1 :])
            above = (*box.lo[:a], v, *box.lo[a + 1 :])
            heapq.heappush(heap, (key, next(seq), (box.lo, below)))
            heapq.heappush(heap, (key, next(seq), (above, box.hi)))
        return found

    def feasible(self) -> bool:
        """True when some point satisfies the root."""
        return bool(self.solve(1))


def unreachable_reasons(p: Problem, root: Any, b: Builder, info: ReqText) -> tuple[str, ...]:
    """Why no point satisfies ``root``: the conditions that are false over the whole box."""
    box = Box(p, tuple([0] * len(p.atoms)), tuple(p.caps))
    whys: list[Why] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        e = stack.pop()
        if id(e) in seen or box.tri(e) is not False:
            continue
        seen.add(id(e))
        if isinstance(e, Const):
            whys.extend(e.whys)
        elif type(e) in (And, Or):
            stack.extend(reversed([x for x in e.items if box.tri(x) is False]))
        elif e.node is not None:
            lo, hi = box.range(e)
            detail = f"{lo} already met" if lo == hi else f"only {lo} to {hi} can be met"
            whys.append((e.node, detail))
    out: list[str] = []
    for node, detail in whys:
        text = describe_cond(node, b.scope) if node is not None else "a condition"
        line = f"{text} is needed" + (f", but {detail}" if detail else "")
        if isinstance(node, (m.FactTrue, m.FactCmp, m.YearsSince)):
            line += "; adding requirements cannot change a fact"
        if line not in out:
            out.append(line)
    if not out:
        out.append(
            "no combination of additional requirements satisfies it: its conditions "
            "conflict with the requirements already met"
        )
    return tuple(out)


def check_agrees(b: Builder, evaluator: Evaluator, ev: Evidence) -> None:
    """The compiled formulas must judge the evidence as it stands as the evaluator does."""
    scope = b.scope
    roots = [b.rank_ge(k, len(scope.levels)) for k in range(len(scope.levels))]
    roots += [b.award(a.id) for a in scope.awards]
    p = Problem(b, roots)
    zero = tuple([0] * len(p.atoms))
    memo: dict[int, bool] = {}
    rank = max((k for k in range(len(scope.levels)) if p.value(roots[k], zero, memo)), default=-1)
    # the explained path is the reference semantics; it is judged once here
    got = evaluator.evaluate(ev, explain=True)
    want = scope.level_index(got.level) if got.level else -1
    awards = {a.id: p.value(b.award(a.id), zero, memo) for a in scope.awards}
    if rank != want or awards != got.award_results:
        raise EvaluationError(  # pragma: no cover - a bug in this module
            f"internal error: answers and the evaluator disagree on {scope.key}"
        )
