"""Plans and pending ranges against brute force on small generated rulesets.

Each ruleset is built as model nodes: a handful of named requirements (some
applicable only under a fact or a count, some derived through a mapping), an
unnamed group, levels and awards whose conditions mix counts, credits,
negations, level comparisons, award references and facts. Brute force asks the
real evaluator about every way of adding requirements (or of judging the pending
ones), so the answers are compared with the evaluator's own semantics.
"""

from __future__ import annotations

import datetime as dt
import itertools
from fractions import Fraction

import attrs
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from iiprules import answers
from iiprules import model as m
from iiprules.check import check
from iiprules.evaluate import Evaluator
from iiprules.evidence import Earlier, Evidence, validate

ON = dt.date(2010, 6, 1)
SRC = m.Meta(sources=(m.Source("generated", "assumed"),))


# -- small rulesets ---------------------------------------------------------------------


class _Gen:
    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        n = draw(st.integers(2, 5))
        self.named = [f"r{i}" for i in range(1, n + 1)]
        self.part = {r: draw(st.sampled_from(["a", "b"])) for r in self.named}
        self.ind = {r: draw(st.sampled_from(["i1", "i2"])) for r in self.named}
        self.pool = draw(st.integers(0, 3))
        self.derived = ["d1"] if draw(st.booleans()) else []

    def selection(self) -> m.Selection:
        d = self.draw
        ids = self.named + self.derived + (["u"] if self.pool else [])
        simple = st.one_of(
            st.sampled_from(
                [m.SelPart("a"), m.SelPart("b"), m.SelIndicator("i1"), m.SelIndicator("i2")]
            ),
            st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True).map(
                lambda xs: m.SelList(tuple(xs))
            ),
        )
        sel = d(simple)
        if d(st.integers(0, 3)) == 0:
            kind = d(st.sampled_from([m.Union_, m.Except, m.Within]))
            sel = kind(sel, d(simple))
        return sel

    def size(self, sel: m.Selection) -> int:
        """How many requirements a selection holds (as ``check.size`` would count them)."""
        return sum(self.pool if x == "u" else 1 for x in self.members(sel))

    def members(self, sel: m.Selection) -> set[str]:
        part = {**self.part, **dict.fromkeys(self.derived, "a"), "u": "b"}
        ind = {**self.ind, **dict.fromkeys(self.derived, "i2")}
        ids = set(self.named) | set(self.derived) | ({"u"} if self.pool else set())
        match sel:
            case m.SelPart(part=p):
                return {x for x in ids if part[x] == p}
            case m.SelIndicator(indicator=i):
                return {x for x in ids if ind.get(x) == i}
            case m.SelList(ids=xs):
                return set(xs) & ids
            case m.Union_(left=a, right=b):
                return self.members(a) | self.members(b)
            case m.Except(left=a, right=b):
                return self.members(a) - self.members(b)
            case m.Within(left=a, right=b):
                return self.members(a) & self.members(b)
        raise TypeError(sel)

    def count(self) -> m.Cond:
        d = self.draw
        sel = self.selection()
        size = self.size(sel)
        years = d(st.sampled_from([None, None, 2, 3]))
        kind = d(st.sampled_from(["all", "all", "any", "least", "least", "none", "most", "cmp"]))
        if kind in ("all", "any", "none"):
            return m.Quantified(kind, sel, years)
        n = d(st.integers(0, min(size, 4)))
        if kind == "least":
            return m.AtLeast(n, sel, years)
        if kind == "most":
            return m.AtMost(n, sel, years)
        op = d(st.sampled_from(list(m.CMP_OPS)))
        if (op == ">" and n >= size) or (op == "<" and n == 0):
            op = ">="
        return m.CountCmp(sel, op, n)

    def cond(self, depth: int, levels: list[str], awards: list[str]) -> m.Cond:
        d = self.draw
        leaves = ["count", "count", "count", "fact"]
        if levels:
            leaves.append("level")
        if awards:
            leaves.append("award")
        if depth > 0:
            leaves += ["and", "and", "or", "or", "not", "implies"]
        kind = d(st.sampled_from(leaves))
        if kind == "count":
            return self.count()
        if kind == "fact":
            return d(
                st.sampled_from(
                    [
                        m.FactTrue("f"),
                        m.FactCmp("k", ">=", 2),
                        m.Not(m.FactTrue("f")),
                        m.Const(True),
                    ]
                )
            )
        if kind == "level":
            return m.LevelCmp(d(st.sampled_from(list(m.CMP_OPS))), d(st.sampled_from(levels)))
        if kind == "award":
            return m.AwardRef(d(st.sampled_from(awards)))
        if kind == "not":
            return m.Not(self.cond(depth - 1, levels, awards))
        if kind == "implies":
            return m.Implies(
                self.cond(depth - 1, levels, awards), self.cond(depth - 1, levels, awards)
            )
        items = tuple(self.cond(depth - 1, levels, awards) for _ in range(d(st.integers(2, 3))))
        return m.And(items) if kind == "and" else m.Or(items)

    def demanding(self, cond: m.Cond) -> m.Cond:
        """Often put a count that needs more requirements in front, so that plans have work."""
        if not self.draw(st.booleans()):
            return cond
        sel = self.selection()
        n = self.draw(st.integers(1, max(1, min(self.size(sel), 4))))
        need = m.Quantified("all", sel) if self.draw(st.booleans()) else m.AtLeast(n, sel)
        if self.size(sel) == 0:
            return cond
        return m.And((need, cond)) if self.draw(st.booleans()) else m.Or((need, self.count()))

    def applies(self) -> m.Cond | None:
        choice = self.draw(st.integers(0, 5))
        if choice == 0:
            return m.FactTrue("f")
        if choice == 1:
            return m.AtLeast(1, m.SelList((self.draw(st.sampled_from(self.named)),)))
        return None


@st.composite
def small_rulesets(draw: st.DrawFn) -> m.Ruleset:
    """A checked-clean ruleset with at most 5 named requirements and a group of up to 3."""
    g = _Gen(draw)
    members: dict[str, list[m.Member]] = {"i1": [], "i2": []}
    for r in g.named:
        members[g.ind[r]].append(
            m.Requirement(
                r,
                g.part[r],
                f"requirement {r}",
                by=(draw(st.sampled_from(m.WHO)),),
                meta=SRC,
                applies=g.applies(),
            )
        )
    for dname in g.derived:
        maps = m.SelList(
            tuple(draw(st.lists(st.sampled_from(g.named), min_size=1, max_size=3, unique=True)))
        )
        if g.pool and draw(st.booleans()):
            maps = m.Union_(maps, m.SelList(("u",)))
        members["i2"].append(m.Requirement(dname, "a", "derived", meta=SRC, maps=maps))
    items: list[m.Item] = [
        m.Part("a", "Part A"),
        m.Part("b", "Part B"),
        m.Fact("f", "boolean", draw(st.booleans())),
        m.Fact("k", "number", 2),
        m.Principle(
            "p",
            "P",
            indicators=(
                m.Indicator("i1", "One", members=tuple(members["i1"])),
                m.Indicator("i2", "Two", members=tuple(members["i2"])),
            ),
        ),
    ]
    if g.pool:
        items.append(m.Unnamed("u", g.pool, "b", SRC))
    levels: list[str] = []
    for i in range(draw(st.integers(1, 3))):
        cond = g.demanding(g.cond(2, levels, []))
        if levels and draw(st.booleans()):
            cond = m.And((m.LevelCmp(">=", levels[-1]), cond))
        items.append(m.Level(f"l{i}", f"Level {i}", cond, SRC))
        levels.append(f"l{i}")
    awards: list[str] = []
    for i in range(draw(st.integers(1, 2))):
        cond = g.demanding(g.cond(2, levels, awards))
        items.append(m.Award(f"a{i}", "themed", f"Award {i}", cond, SRC))
        awards.append(f"a{i}")
    return m.Ruleset("gen", (m.Version("1", dt.date(2000, 1, 1), items=tuple(items)),))


def compiled(model: m.Ruleset) -> Evaluator | None:
    result = check(model)
    if result.checked is None:
        return None
    return Evaluator(result.checked.snapshots[0])


@st.composite
def evidence_for(draw: st.DrawFn, ev: Evaluator) -> Evidence:
    """Evidence over a compiled ruleset: met requirements, a group count, facts, history."""
    scope = ev.scope
    named = [
        k
        for k, r in scope.requirements.items()
        if isinstance(r.node, m.Requirement) and r.maps is None
    ]
    met = (
        draw(st.lists(st.sampled_from(named), unique=True, max_size=len(named) // 2 + 1))
        if named
        else []
    )
    pools = {}
    if "u" in scope.requirements:
        pools["u"] = draw(st.integers(0, scope.requirements["u"].node.count))
    history = []
    for _ in range(draw(st.integers(0, 2))):
        when = ON - dt.timedelta(days=draw(st.sampled_from([100, 700, 1200, 1500])))
        hmet = draw(st.lists(st.sampled_from(named), unique=True)) if named else []
        hpools = {}
        if "u" in scope.requirements:
            hpools["u"] = draw(st.integers(0, scope.requirements["u"].node.count))
        history.append(
            Earlier(
                when, frozenset(hmet), hpools, None, draw(st.sampled_from([None, "none", "l0"]))
            )
        )
    raw = {"f": draw(st.booleans()), "k": draw(st.integers(1, 3))}
    e = Evidence("Gen Ltd", ON, frozenset(met), pools, {}, tuple(history), raw_facts=raw)
    return validate(e, [scope])


# -- brute force --------------------------------------------------------------------------


def reached(ev: Evaluator, e: Evidence, target: str) -> bool:
    got = ev.evaluate(e, explain=True)
    scope = ev.scope
    if any(lv.id == target for lv in scope.levels):
        return got.level is not None and scope.level_index(got.level) >= scope.level_index(target)
    return got.award(target)


def brute_plan(ev: Evaluator, e: Evidence, target: str, cost: dict[str, Fraction]):
    """The least (cost, count) over every way of adding requirements, or None."""
    scope = ev.scope
    free = [
        k
        for k, r in scope.requirements.items()
        if isinstance(r.node, m.Requirement) and r.maps is None and k not in e.met
    ]
    room = 0
    if "u" in scope.requirements:
        room = scope.requirements["u"].node.count - e.unnamed_met.get("u", 0)
    best = None
    for bits in itertools.product([0, 1], repeat=len(free)):
        chosen = {k for k, b in zip(free, bits, strict=True) if b}
        for extra in range(room + 1):
            key = (
                sum((cost[k] for k in chosen), Fraction(0)) + cost.get("u", Fraction(1)) * extra,
                len(chosen) + extra,
            )
            if best is not None and key >= best:
                continue
            pools = dict(e.unnamed_met)
            if extra:
                pools["u"] = pools.get("u", 0) + extra
            if reached(ev, attrs.evolve(e, met=e.met | chosen, unnamed_met=pools), target):
                best = key
    return best


def completions(ev: Evaluator, e: Evidence):
    pending = sorted(e.pending)
    for bits in itertools.product([0, 1], repeat=len(pending)):
        chosen = frozenset(k for k, b in zip(pending, bits, strict=True) if b)
        yield chosen, ev.evaluate(attrs.evolve(e, met=e.met | chosen), explain=True)


# -- properties ---------------------------------------------------------------------------


@settings(max_examples=150)
@given(model=small_rulesets(), data=st.data())
def test_plan_reaches_the_target_and_nothing_cheaper_does(model, data):
    """The plan, applied, reaches the target; brute force finds nothing cheaper or smaller."""
    ev = compiled(model)
    assume(ev is not None)
    e = data.draw(evidence_for(ev))
    scope = ev.scope
    target = data.draw(
        st.sampled_from([lv.id for lv in scope.levels] + [a.id for a in scope.awards])
    )
    priced = data.draw(st.booleans())
    ids = [k for k, r in scope.requirements.items() if r.maps is None]
    cost = {k: Fraction(data.draw(st.integers(0, 3))) for k in ids} if priced else {}
    want = brute_plan(ev, e, target, cost if priced else {k: Fraction(1) for k in ids})
    got = answers.plan(e, target, cost=cost if priced else None, alternatives=2, evaluators=[ev])
    if want is None:
        assert not got.reachable
        assert got.reasons
        return
    assert got.reachable
    assert 1 <= len(got.options) <= 3
    seen = set()
    for option in got.options:
        assert want == (Fraction(option.cost), option.count)
        assert reached(ev, option.apply(e), target)
        key = tuple(
            (p.choose, tuple(r.id for r in p.requirements), p.unnamed) for p in option.picks
        )
        assert key not in seen
        seen.add(key)


@settings(max_examples=150)
@given(model=small_rulesets(), data=st.data(), solver=st.booleans())
def test_pending_bounds_agree_with_every_completion(model, data, solver):
    """Level bounds and award statuses equal those over every completion of the pending set."""
    ev = compiled(model)
    assume(ev is not None)
    e = data.draw(evidence_for(ev))
    unmet = [
        k
        for k, r in ev.scope.requirements.items()
        if isinstance(r.node, m.Requirement) and r.maps is None and k not in e.met
    ]
    assume(unmet)
    pending = frozenset(data.draw(st.lists(st.sampled_from(unmet), min_size=1, unique=True)))
    e = attrs.evolve(e, pending=pending)
    got = answers.pending_range(e, evaluators=[ev], enumeration_limit=0 if solver else 4096)
    scope = ev.scope
    results = list(completions(ev, e))
    ranks = [scope.level_index(o.level) if o.level else -1 for _c, o in results]
    level = lambda i: scope.levels[i].id if i >= 0 else None  # noqa: E731
    assert level(min(ranks)) == got.level_min
    assert level(max(ranks)) == got.level_max
    by_id = {a.id: a for a in got.awards}
    for award in scope.awards:
        values = {o.award(award.id) for _c, o in results}
        status = "yes" if values == {True} else ("no" if values == {False} else "undecided")
        assert status == by_id[award.id].status
        # exactly the pending requirements whose judgement alone can flip it decide it
        flips = set()
        table = {c: o.award(award.id) for c, o in results}
        for c, value in table.items():
            for r in pending - c:
                if table[c | {r}] != value:
                    flips.add(r)
        named = set(by_id[award.id].deciders)
        if status != "undecided":
            assert set() == named
        elif solver:
            assert flips <= named
        else:
            assert flips == named
