"""Encode: merged ruleset versions → z3 formulas over one organisation's evidence.

Input → output: merged ``check.Snapshot``s and the dates they are judged on →
a ``Space`` (every piece of evidence an organisation can give), ``Org`` (one
organisation's evidence as solver variables) and, per snapshot, ``Decisions``
(the level reached, each level's condition, each award and invariant as
formulas over those variables).

The formulas follow ``evaluate.Evaluator`` step by step, so that a model of
them is an organisation the evaluator judges the same way:

1. evidence lists requirements (a bit each) and how many of each unnamed group
   were met (an integer from 0 to the group's size);
2. requirements whose ``applies when`` condition fails count as met, in
   declaration order, seeing no level and no award (the evaluator has not
   decided any yet);
3. derived requirements are met when everything their mapping selects is met;
4. levels are decided lowest first, the rank being the highest that holds so
   far (``level >= X`` inside a level sees only the levels below it);
5. awards are decided in dependency order, then invariants.

History is encoded by what it can do, not entry by entry: for credits of ``Y``
years, the requirements met at some assessment of the last ``Y`` years (windows
of more years contain those of fewer, so the credited sets form a chain); and
the built-in facts earlier assessments give (``previous_assessed_on``,
``recognised_since``, ``consecutive_recognitions``) as variables bound by what
any history must satisfy. Those bounds are necessary, not sufficient, so
``Org.evidence`` builds a real history for a model (a run of recognitions at
most 3 years apart, credits on entries inside their windows) and raises
``Unrealisable`` when it cannot: a proof stays a proof, and a counterexample is
only reported once real evidence gives it.

Dates are (year, month, day) triples with the calendar's validity constraints;
``years since`` is whole years, as ``evaluate.whole_years`` counts them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import z3

from iiprules import model as m
from iiprules.check import BUILTIN_FACTS, Snapshot, select, walk_cond
from iiprules.evaluate import years_before

#: Earliest and latest dates evidence can carry (Python's own range).
FIRST_DAY = dt.date(1, 1, 1)
LAST_DAY = dt.date(9999, 12, 31)

_OPS = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def _key(y: Any, mo: Any, d: Any) -> Any:
    # Lexicographic order of (year, month, day) as one linear term.
    return y * 512 + mo * 32 + d


def date_key(d: dt.date) -> int:
    """The order key of a date, as ``ZDate.key`` computes it."""
    return int(_key(d.year, d.month, d.day))


class ZDate:
    """A date as three solver integers; ``known`` is false for an unknown date."""

    def __init__(self, name: str, optional: bool = False) -> None:
        self.y, self.m, self.d = z3.Int(f"{name}.y"), z3.Int(f"{name}.m"), z3.Int(f"{name}.d")
        self.known: Any = z3.Bool(f"{name}.known") if optional else z3.BoolVal(True)

    def back(self, years: Any) -> z3.ArithRef:
        """The key of the date ``years`` earlier (29 February becomes the 28th)."""
        leapday = z3.And(self.m == 2, self.d == 29, years > 0)
        return _key(self.y - years, self.m, z3.If(leapday, 28, self.d))

    @property
    def key(self) -> z3.ArithRef:
        """The order key: compare dates by comparing keys."""
        return _key(self.y, self.m, self.d)

    def valid(self) -> z3.BoolRef:
        """The calendar's rules: months of 28 to 31 days, 29 February in leap years."""
        y, mo, d = self.y, self.m, self.d
        leap = z3.And(y % 4 == 0, z3.Or(y % 100 != 0, y % 400 == 0))
        return z3.And(
            y >= FIRST_DAY.year,
            y <= LAST_DAY.year,
            mo >= 1,
            mo <= 12,
            d >= 1,
            z3.If(
                mo == 2,
                d <= z3.If(leap, 29, 28),
                z3.If(z3.Or(mo == 4, mo == 6, mo == 9, mo == 11), d <= 30, d <= 31),
            ),
        )

    def value(self, model: z3.ModelRef) -> dt.date | None:
        """The date a model gives (None when unknown)."""
        if not _bool(model, self.known):
            return None
        return dt.date(*(_int(model, v) for v in (self.y, self.m, self.d)))


def _int(model: z3.ModelRef, v: z3.ArithRef) -> int:
    return int(model.eval(v, model_completion=True).as_long())


def _bool(model: z3.ModelRef, v: z3.BoolRef) -> bool:
    return bool(z3.is_true(model.eval(v, model_completion=True)))


def _all_conds(scope: Snapshot) -> Iterable[m.Cond]:
    yield from (lv.requires for lv in scope.levels)
    yield from (a.requires for a in scope.awards)
    yield from (i.holds for i in scope.invariants)
    for r in scope.requirements.values():
        if isinstance(r.node, m.Requirement) and r.node.applies is not None:
            yield r.node.applies


def credit_years(scope: Snapshot) -> set[int]:
    """Every ``counting credits from the last N years`` of a merged snapshot."""
    out: set[int] = set()
    for cond in _all_conds(scope):
        for c in walk_cond(cond):
            years = getattr(c, "credit_years", None)
            if years is not None:
                out.add(years)
    return out


class Unrealisable(ValueError):
    """A model of the formulas that no real evidence gives (history facts are over-approximated)."""


class Space:
    """Everything an organisation's evidence can say, for one or more merged snapshots.

    Named requirements derived in any of the snapshots cannot be listed (the
    evidence would be rejected); a group's count is bounded by its smallest size.
    """

    def __init__(self, scopes: Sequence[Snapshot], first: dt.date, last: dt.date) -> None:
        self.scopes = tuple(scopes)
        self.named: dict[str, None] = {}
        self.listable: dict[str, None] = {}
        self.pools: dict[str, int] = {}
        self.facts: dict[tuple[str, str], m.Fact] = {}
        derived: set[str] = set()
        for s in scopes:
            for rid, r in s.requirements.items():
                if isinstance(r.node, m.Unnamed):
                    self.pools[rid] = min(r.node.count, self.pools.get(rid, r.node.count))
                else:
                    self.named.setdefault(rid)
                    if r.maps is not None:
                        derived.add(rid)
            for f in s.facts.values():
                self.facts.setdefault((f.id, f.type), f)
        self.listable = {rid: None for rid in self.named if rid not in derived}
        self.years = sorted(set().union(*(credit_years(s) for s in scopes)))
        # A credit window must start in year 1 or later: the evaluator cannot
        # count back past it (it raises ValueError), so earlier dates are left out.
        earliest = dt.date(1 + max(self.years, default=0), 1, 1)
        self.first = max(first, earliest)
        self.last = last


class Org:
    """One organisation's evidence as solver variables."""

    def __init__(self, space: Space, tag: str) -> None:
        self.space = space
        self.tag = tag
        self.given = {rid: z3.Bool(f"{tag}:met:{rid}") for rid in space.listable}
        self.pool = {pid: z3.Int(f"{tag}:unnamed:{pid}") for pid in space.pools}
        self.hist = {
            y: {rid: z3.Bool(f"{tag}:credit{y}:{rid}") for rid in space.named} for y in space.years
        }
        self.hist_pool = {
            y: {pid: z3.Int(f"{tag}:credit{y}:{pid}") for pid in space.pools} for y in space.years
        }
        self.facts: dict[tuple[str, str], Any] = {}
        for key, f in space.facts.items():
            name = f"{tag}:fact:{f.id}"
            if f.type == "boolean":
                self.facts[key] = z3.Bool(name)
            elif f.type == "number":
                self.facts[key] = z3.Int(name)
            else:
                self.facts[key] = ZDate(name)
        self.on = ZDate(f"{tag}:assessed_on")
        # The built-in facts that earlier assessments give (``evaluate.history_facts``).
        self.previous = ZDate(f"{tag}:previous_assessed_on", optional=True)
        self.since = ZDate(f"{tag}:recognised_since", optional=True)
        self.runs = z3.Int(f"{tag}:consecutive_recognitions")

    def _history_domain(self) -> list[Any]:
        """What earlier assessments can give: necessary conditions, checked on realising."""
        prev, since, runs, on = self.previous, self.since, self.runs, self.on
        credits = [
            z3.Or(
                z3.Or([b for b in self.hist[y].values()] or [z3.BoolVal(False)]),
                z3.Or([p > 0 for p in self.hist_pool[y].values()] or [z3.BoolVal(False)]),
            )
            for y in self.space.years
        ]
        out = [
            runs >= 0,
            since.known == (runs >= 1),
            z3.Implies(prev.known, z3.And(prev.valid(), prev.key <= on.key)),
            z3.Implies(z3.Not(prev.known), runs == 0),
            z3.Implies(
                runs >= 1,
                z3.And(
                    prev.known,
                    since.valid(),
                    prev.key >= on.back(3),
                    since.key <= prev.key,
                    since.key >= prev.back(3 * (runs - 1)),
                    z3.Implies(runs == 1, since.key == prev.key),
                ),
            ),
        ]
        for y, used in zip(self.space.years, credits, strict=True):
            out.append(z3.Implies(used, z3.And(prev.known, prev.key >= on.back(y))))
        return out

    def domain(self) -> list[z3.BoolRef]:
        """What makes the variables a valid piece of evidence."""
        out: list[z3.BoolRef] = [
            self.on.valid(),
            self.on.key >= date_key(self.space.first),
            self.on.key <= date_key(self.space.last),
        ]
        for pid, size in self.space.pools.items():
            out += [self.pool[pid] >= 0, self.pool[pid] <= size]
            for y in self.space.years:
                out += [self.hist_pool[y][pid] >= 0, self.hist_pool[y][pid] <= size]
        # Credit windows are nested: what counts for fewer years counts for more.
        for a, b in zip(self.space.years, self.space.years[1:], strict=False):
            out += [z3.Implies(self.hist[a][r], self.hist[b][r]) for r in self.space.named]
            out += [self.hist_pool[a][p] <= self.hist_pool[b][p] for p in self.space.pools]
        out += [v.valid() for v in self.facts.values() if isinstance(v, ZDate)]
        return out + self._history_domain()

    def at_most(self, other: Org) -> list[z3.BoolRef]:
        """Constraints: no more met than ``other``, with the same facts and date."""
        # Pointwise order as arithmetic too (0/1 terms), so that the solver's linear
        # relaxation sees at once that a superset cannot have a smaller count.
        out = [z3.If(self.given[r], 1, 0) <= z3.If(other.given[r], 1, 0) for r in self.given]
        out += [self.pool[p] <= other.pool[p] for p in self.pool]
        for y in self.space.years:
            out += [
                z3.If(self.hist[y][r], 1, 0) <= z3.If(other.hist[y][r], 1, 0)
                for r in self.space.named
            ]
            out += [self.hist_pool[y][p] <= other.hist_pool[y][p] for p in self.space.pools]
        for key, v in self.facts.items():
            w = other.facts[key]
            out += [v.key == w.key] if isinstance(v, ZDate) else [v == w]
        out += [self.on.key == other.on.key, self.runs == other.runs]
        for d, e in ((self.previous, other.previous), (self.since, other.since)):
            out += [d.known == e.known, d.key == e.key]
        return out

    def size(self) -> z3.ArithRef:
        """How much the evidence says: requirements met now and as credits."""
        terms: list[Any] = [z3.If(b, 1, 0) for b in self.given.values()]
        terms += list(self.pool.values())
        for y in self.space.years:
            terms += [z3.If(b, 1, 0) for b in self.hist[y].values()]
            terms += list(self.hist_pool[y].values())
        return z3.Sum(terms) if terms else z3.IntVal(0)

    def unusual(self) -> z3.ArithRef:
        """How many facts differ from their defaults (fewer is easier to read)."""
        terms: list[Any] = []
        for key, f in self.space.facts.items():
            v = self.facts[key]
            if f.default is None:
                continue
            same = v.key == date_key(f.default) if isinstance(v, ZDate) else v == f.default  # type: ignore[arg-type]
            terms.append(z3.If(same, 0, 1))
        terms += [z3.If(self.previous.known, 1, 0), self.runs]
        return z3.Sum(terms) if terms else z3.IntVal(0)

    def plausible(self) -> list[Any]:
        """Wishes that make a counterexample easier to read: date facts from 1900 on."""
        return [v.y >= 1900 for v in self.facts.values() if isinstance(v, ZDate)]

    def evidence(
        self, model: z3.ModelRef, scope: Snapshot, organisation: str, notes: str
    ) -> dict[str, Any]:
        """The evidence a model describes, as a document in ``scope``'s terms."""
        on = self.on.value(model)
        order = list(scope.requirements)
        met = [r for r in order if r in self.given and _bool(model, self.given[r])]
        doc: dict[str, Any] = {"organisation": organisation, "notes": notes}
        doc["assessed_on"] = on
        doc["met"] = met
        pools = {p: _int(model, self.pool[p]) for p in self.pool if p in scope.requirements}
        if any(pools.values()):
            doc["unnamed_met"] = {p: n for p, n in pools.items() if n}
        facts: dict[str, Any] = {}
        for fid, ftype in self.space.facts:
            if scope.facts.get(fid) is None or scope.facts[fid].type != ftype:
                continue
            v = self.facts[(fid, ftype)]
            if isinstance(v, ZDate):
                value: Any = v.value(model)
            elif ftype == "number":
                value = _int(model, v)
            else:
                value = _bool(model, v)
            default = scope.facts[fid].default
            if default is None or value != default:
                facts[fid] = value
        if facts:
            doc["facts"] = facts
        history = self._history(model, scope, on)  # type: ignore[arg-type]
        if history:
            doc["history"] = history
        return doc

    def _history(self, model: z3.ModelRef, scope: Snapshot, on: dt.date) -> list[dict[str, Any]]:
        """Earlier assessments that give the model's history facts and credits.

        The run of recognitions is spread from ``recognised_since`` to
        ``previous_assessed_on``, steps of at most 3 years; what counts as credits
        for ``Y`` years (and not for fewer) goes on an entry dated in that window:
        one of the run, or an unrecognised one (level ``none``) before the run.

        Raises:
            Unrealisable: no such history exists (the model is spurious).
        """
        prev, since, runs = (
            self.previous.value(model),
            self.since.value(model),
            _int(model, self.runs),
        )
        entries: list[dict[str, Any]] = []
        if prev is not None:
            if runs == 0:
                entries.append({"assessed_on": prev, "level": "none", "met": []})
            else:
                assert since is not None  # the domain ties them together
                d = prev
                dates = [d]
                for _ in range(runs - 1):
                    d = max(since, years_before(d, 3))
                    dates.append(d)
                if dates[-1] != since:
                    raise Unrealisable("the run of recognitions cannot reach its first date")
                entries.extend({"assessed_on": x, "met": []} for x in dates)
        order = list(scope.requirements)
        seen: set[str] = set()
        seen_pools: dict[str, int] = {}
        hi = on
        for y in self.space.years:
            lo = years_before(on, y)
            ids = [
                r
                for r in order
                if r in self.hist[y] and r not in seen and _bool(model, self.hist[y][r])
            ]
            counts = {
                p: n
                for p in self.hist_pool[y]
                if p in scope.requirements
                and (n := _int(model, self.hist_pool[y][p])) > seen_pools.get(p, 0)
            }
            seen.update(ids)
            seen_pools.update(counts)
            if ids or counts:
                inside = [e for e in entries if lo <= e["assessed_on"] <= hi]
                if inside:
                    entry = inside[0]
                else:
                    first = min((e["assessed_on"] for e in entries), default=None)
                    if first is not None and lo >= first:
                        raise Unrealisable(f"no earlier assessment can give the {y}-year credits")
                    entry = {"assessed_on": lo, "level": "none", "met": []}
                    entries.append(entry)
                entry["met"] = entry["met"] + ids
                if counts:
                    entry["unnamed_met"] = {**entry.get("unnamed_met", {}), **counts}
            hi = lo - dt.timedelta(days=1)
        return sorted(entries, key=lambda e: e["assessed_on"])


class Decisions:
    """What a merged snapshot decides for an organisation, as formulas."""

    def __init__(self, org: Org, scope: Snapshot) -> None:
        self.org = org
        self.scope = scope
        self.level_ids = [lv.id for lv in scope.levels]
        self._sels: dict[Any, tuple[list[str], list[str]]] = {}
        bits: dict[str, Any] = {}
        for rid, r in scope.requirements.items():
            if isinstance(r.node, m.Requirement):
                bits[rid] = org.given.get(rid, z3.BoolVal(False))
        self.bits = bits
        self.rank: Any = z3.IntVal(-1)
        self.awards: dict[str, Any] = {}
        self.not_applicable: dict[str, Any] = {}
        # 2. applies when: in declaration order, before any level or award.
        for rid, r in scope.requirements.items():
            if isinstance(r.node, m.Requirement) and r.node.applies is not None:
                na = z3.Not(self.cond(r.node.applies))
                self.not_applicable[rid] = na
                bits[rid] = z3.Or(bits[rid], na)
        # 3. derived requirements, dependencies first.
        for rid, sel in _derived_order(scope):
            named, pools = self._sel(sel)
            full = [bits[k] for k in named] + [
                org.pool[p] == scope.requirements[p].node.count for p in pools  # type: ignore[union-attr]
            ]
            bits[rid] = z3.Or(bits[rid], z3.And(full) if full else z3.BoolVal(True))
        # 4. levels, lowest first.
        self.level_holds: list[Any] = []
        for i, lv in enumerate(scope.levels):
            h = self.cond(lv.requires)
            self.level_holds.append(h)
            self.rank = z3.If(h, i, self.rank)
        # 5. awards in dependency order, then invariants.
        for aw in award_order(scope):
            self.awards[aw.id] = self.cond(aw.requires)
        self.invariants = {inv.id: self.cond(inv.holds) for inv in scope.invariants}

    def reaches(self, level: str) -> Any:
        """The organisation is recognised at ``level`` or above."""
        return self.rank >= self.level_ids.index(level)

    def _sel(self, sel: m.Selection) -> tuple[list[str], list[str]]:
        hit = self._sels.get(sel)
        if hit is None:
            reqs = select(self.scope, sel)
            named = [k for k, r in reqs.items() if isinstance(r.node, m.Requirement)]
            pools = [k for k, r in reqs.items() if isinstance(r.node, m.Unnamed)]
            hit = self._sels[sel] = (named, pools)
        return hit

    def count(self, sel: m.Selection, years: int | None) -> tuple[Any, int]:
        """The count of a selection met (counting credits when ``years`` is set), and its size."""
        named, pools = self._sel(sel)
        org = self.org
        terms: list[Any] = []
        for k in named:
            bit = self.bits[k]
            if years is not None:
                bit = z3.Or(bit, org.hist[years][k])
            terms.append(z3.If(bit, 1, 0))
        for p in pools:
            v = org.pool[p]
            if years is not None:
                h = org.hist_pool[years][p]
                v = z3.If(v >= h, v, h)
            terms.append(v)
        total = len(named) + sum(self.scope.requirements[p].node.count for p in pools)  # type: ignore[misc,union-attr]
        return (z3.Sum(terms) if terms else z3.IntVal(0)), total

    def fact(self, name: str) -> Any:
        """The solver variable of a fact (built-in ones come from the date and history)."""
        builtin = {
            "assessed_on": self.org.on,
            "previous_assessed_on": self.org.previous,
            "recognised_since": self.org.since,
            "consecutive_recognitions": self.org.runs,
        }
        if name in builtin:
            return builtin[name]
        if name in BUILTIN_FACTS:
            raise ValueError(f"verify does not know the built-in fact '{name}'")
        f = self.scope.facts[name]
        return self.org.facts[(f.id, f.type)]

    def cond(self, c: m.Cond) -> Any:
        """A condition as a formula, in the state decided so far."""
        match c:
            case m.Quantified(quant=q, selection=s, credit_years=y):
                n, total = self.count(s, y)
                return {"all": n == total, "any": n >= 1, "none": n == 0}[q]
            case m.AtLeast(n=k, selection=s, credit_years=y):
                return self.count(s, y)[0] >= k
            case m.AtMost(n=k, selection=s, credit_years=y):
                return self.count(s, y)[0] <= k
            case m.CountCmp(selection=s, op=op, n=k):
                return _OPS[op](self.count(s, None)[0], k)
            case m.And(items=items):
                return z3.And([self.cond(i) for i in items])
            case m.Or(items=items):
                return z3.Or([self.cond(i) for i in items])
            case m.Not(item=i):
                return z3.Not(self.cond(i))
            case m.Implies(premise=a, conclusion=b):
                return z3.Implies(self.cond(a), self.cond(b))
            case m.LevelCmp(op=op, level=lv):
                return _OPS[op](self.rank, self.level_ids.index(lv))
            case m.AwardRef(award=a):
                return self.awards.get(a, z3.BoolVal(False))
            case m.FactTrue(fact=f):
                return self.fact(f)
            case m.FactCmp(fact=f, op=op, value=v):
                var = self.fact(f)
                if isinstance(var, ZDate):  # an unknown date satisfies no comparison
                    return z3.And(var.known, _OPS[op](var.key, date_key(v)))  # type: ignore[arg-type]
                return _OPS[op](var, v)
            case m.YearsSince(fact=f, op=op, n=k):
                start, on = self.fact(f), self.org.on
                later = z3.If(on.m * 32 + on.d < start.m * 32 + start.d, 1, 0)
                return z3.And(start.known, _OPS[op](on.y - start.y - later, k))
            case m.Const(value=v):
                return z3.BoolVal(v)
        raise TypeError(f"cannot encode {c!r}")  # pragma: no cover - the model is closed


def _derived_order(scope: Snapshot) -> list[tuple[str, m.Selection]]:
    derived = {rid: r.maps for rid, r in scope.requirements.items() if r.maps is not None}
    order: list[tuple[str, m.Selection]] = []
    done: set[str] = set()
    while len(done) < len(derived):
        before = len(done)
        for rid, sel in derived.items():
            if rid not in done and all(k in done for k in select(scope, sel) if k in derived):
                order.append((rid, sel))
                done.add(rid)
        if len(done) == before:  # the checker rejects cycles
            raise ValueError("mapping cycle")
    return order


def award_order(scope: Snapshot) -> list[m.Award]:
    awards = {a.id: a for a in scope.awards}
    order: list[m.Award] = []
    done: set[str] = set()
    while len(done) < len(awards):
        before = len(done)
        for aid, a in awards.items():
            deps = [c.award for c in walk_cond(a.requires) if isinstance(c, m.AwardRef)]
            if aid not in done and all(d in done or d not in awards for d in deps):
                order.append(a)
                done.add(aid)
        if len(done) == before:  # the checker rejects cycles
            raise ValueError("award cycle")
    return order
