"""Evaluate: a checked ruleset version + evidence → ``Outcome`` (+ traces).

Input → output: a merged ``check.Snapshot`` (a version of a checked ruleset
with the version it builds on) → an ``Evaluator``, compiled once; then
``Evaluator.evaluate(evidence) → Outcome``, ``Evaluator.decide(evidence) →
Verdict`` (no explanation, fastest), or, through ``Evaluator.vector_kernel``,
the decisions of a whole chunk of organisations at once (see ``batch``).

Compiling makes one *plan* of the version: every named requirement gets a bit,
every unnamed group a counter, every selection a set of requirements (a mask),
every condition a small tree of node objects, and the order of the stages is
fixed (``applies when`` in declaration order, derived requirements dependencies
first, levels lowest first, awards dependencies first, invariants). Three
things are made from that one plan:

* the *explained path*: the nodes interpret the plan and build a ``Trace`` for
  every decision (``evaluate(ev, explain=True)``);
* the *scalar fast path*: the plan is translated into the text of one
  straight-line Python function over the evidence's frozenset of ids (subset
  tests, set differences, counters; shared counts computed once and only when
  needed), compiled once (``decide`` and ``evaluate(ev, explain=False)``);
* the *vectorised path*: the plan translated into a numpy function over packed
  bit masks of a chunk of organisations (popcounts over ``uint64`` words),
  built on demand for a batch's layout (``vector_kernel``).

The generated functions are not ``eval`` of user input. Their text is made (in
``_evaluate/codegen.py``) from the checked model only: the identifiers are ones
the generator chooses (``met``, ``t3``, ``K12``), the operators come from a
fixed table, and integers are written only after an ``int`` type check. Every
name and value taken from a ruleset (requirement ids, fact names, dates, level
ids) reaches the function as a constant bound in its globals (``K0``, ``K1``,
...), never as source text; the function gets no builtins but ``len``; and
evidence is only ever *data* passed to the compiled function. The text is kept
as the function's ``__doc__`` for reading. Tests compare all three paths on
random organisations.

Two small choices where the paths could differ, made once for all: a derived
requirement listed in evidence (which validation refuses) is decided by its
mapping alone; and a fact with a default that evidence sets to None explicitly
(which validation also refuses) counts as unknown, not as missing.

The stages live in ``_evaluate/``, each module small enough to read whole and
re-exported here: ``nodes`` (the plan's condition nodes, traces, date windows,
history facts), ``codegen`` (the scalar function's text), ``vecgen`` (the numpy
kernel's text) and ``results`` (``Decision``, ``Outcome``, ``Verdict``, ``combine``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from iiprules import model as m
from iiprules._evaluate.nodes import (
    _NO_HISTORY_FACTS,
    _And,
    _AwardRef,
    _Const,
    _Count,
    _Env,
    _Fact,
    _Implies,
    _Level,
    _Node,
    _Not,
    _Or,
    _Sel,
    _YearsSince,
)

# Re-exported: part of what ``evaluate`` offers (they live below it, see _evaluate/nodes).
from iiprules._evaluate.nodes import Layout as Layout
from iiprules._evaluate.nodes import Trace as Trace
from iiprules._evaluate.nodes import date_key as date_key
from iiprules._evaluate.nodes import history_facts as history_facts
from iiprules._evaluate.nodes import recognition_run as recognition_run
from iiprules._evaluate.nodes import whole_years as whole_years
from iiprules._evaluate.nodes import years_before as years_before
from iiprules._evaluate.results import Decision as Decision
from iiprules._evaluate.results import Outcome as Outcome
from iiprules._evaluate.results import Verdict as Verdict
from iiprules._evaluate.results import combine as combine
from iiprules.check import (
    BUILTIN_FACTS,
    Snapshot,
    all_conditions,
    walk_cond,
)
from iiprules.diagnostics import EvaluationError
from iiprules.evidence import Earlier, Evidence


class _Selector:
    """What a selection denotes, answered from indexes made once.

    ``check.select`` scans every requirement for each selection; compiling a large
    ruleset asks thousands of them.
    """

    def __init__(self, scope: Snapshot) -> None:
        self.reqs = scope.requirements
        self.order = {rid: i for i, rid in enumerate(scope.requirements)}
        self.by: dict[tuple[str, Any], list[str]] = {}
        for rid, r in scope.requirements.items():
            self.by.setdefault(("part", r.node.part), []).append(rid)
            self.by.setdefault(("indicator", r.indicator), []).append(rid)
            self.by.setdefault(("principle", r.principle), []).append(rid)
            if isinstance(r.node, m.Requirement):
                self.by.setdefault(("topic", r.node.topic), []).append(rid)

    def select(self, sel: m.Selection) -> list[tuple[str, Any]]:
        """The requirements a selection denotes, in declaration order (as ``check.select``)."""
        return [(rid, self.reqs[rid]) for rid in self._ids(sel)]

    def _ids(self, sel: m.Selection) -> list[str]:
        # Selections are at most check.MAX_DEPTH deep, so recursion is safe here.
        match sel:
            case m.SelPart(part=p):
                return self.by.get(("part", p), [])
            case m.SelIndicator(indicator=i):
                return self.by.get(("indicator", i), [])
            case m.SelPrinciple(principle=p):
                return self.by.get(("principle", p), [])
            case m.SelTopic(topic=t):
                return self.by.get(("topic", t), [])
            case m.SelList(ids=ids):
                return sorted({i for i in ids if i in self.order}, key=self.order.__getitem__)
            case m.Union_(left=a, right=b):
                both = set(self._ids(a)) | set(self._ids(b))
                return sorted(both, key=self.order.__getitem__)
            case m.Except(left=a, right=b):
                right = set(self._ids(b))
                return [i for i in self._ids(a) if i not in right]
            case m.Within(left=a, right=b):
                right = set(self._ids(b))
                return [i for i in self._ids(a) if i in right]
        raise EvaluationError(f"cannot compile the selection {sel!r}")


def _missing(name: str) -> None:
    raise EvaluationError(
        f"fact '{name}' is needed but missing from the evidence and has no default"
    )


class Evaluator:
    """A checked ruleset version compiled for fast, repeated evaluation.

    Build one per (merged) snapshot and reuse it: compiling walks the model once;
    evaluating an organisation does not. ``decide`` is the compiled function
    itself (an instance attribute), so calling it costs one call.
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
        self.pool_ids: list[str] = []
        for rid, r in scope.requirements.items():
            if isinstance(r.node, m.Unnamed):
                self.pool_index[rid] = len(self.pool_sizes)
                self.pool_sizes.append(r.node.count)
                self.pool_ids.append(rid)
            else:
                self.index[rid] = len(self.index)
        self._id_at = list(self.index)
        self._bit = {rid: 1 << i for rid, i in self.index.items()}
        self._sel_cache: dict[Any, _Sel] = {}
        self._selector = _Selector(scope)
        self.text = {
            rid: r.node.text
            for rid, r in scope.requirements.items()
            if isinstance(r.node, m.Requirement)
        }
        self.level_ids = tuple(lv.id for lv in scope.levels)
        #: Award ids in declaration order (the order of ``Verdict.awards``).
        self.award_ids = tuple(aw.id for aw in scope.awards)
        #: Invariant ids in declaration order (the order of ``Verdict.invariants``).
        self.invariant_ids = tuple(inv.id for inv in scope.invariants)
        self.titles = titles_of(scope)
        self._applies = [
            (rid, 1 << self.index[rid], self._cond(r.node.applies))
            for rid, r in scope.requirements.items()
            if isinstance(r.node, m.Requirement) and r.node.applies is not None
        ]
        self._derived = [
            (rid, 1 << self.index[rid], self._sel(r.maps)) for rid, r in self._derived_order()
        ]
        self._derived_ids = {rid for rid, _b, _s in self._derived}
        self._derived_mask = sum(b for _r, b, _s in self._derived)
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
        # Facts whose absence is an error, in the order the explained path checks them.
        self._missing_check = [
            name
            for name, fact in scope.facts.items()
            if name in self._used_facts and name not in BUILTIN_FACTS and fact.default is None
        ]
        # Decisions without a trace depend only on the answer: made once, shared.
        self._level_decisions = [
            (
                Decision(lv.id, "level", lv.title, False, self._level_owner[lv.id]),
                Decision(lv.id, "level", lv.title, True, self._level_owner[lv.id]),
            )
            for lv in scope.levels
        ]
        self._award_decisions = [
            tuple(
                Decision(aw.id, "award", aw.title, ok, self._award_owner[aw.id], None, aw.kind)
                for ok in (False, True)
            )
            for aw in scope.awards
        ]
        self._invariant_decisions = [
            tuple(
                Decision(inv.id, "invariant", inv.title, ok, scope.ruleset) for ok in (False, True)
            )
            for inv in scope.invariants
        ]
        self._na_ids = tuple(rid for rid, _b, _c in self._applies)
        self._derived_list = tuple(rid for rid, _b, _s in self._derived)
        self._verdicts: dict[int, Verdict] = {}
        # The code generator imports this module; it is imported here, once compiling.
        from iiprules._evaluate.codegen import SetGen

        # The Outcome path's function (every level, applies and derived flag) is compiled
        # when first needed: batch work and ``decide`` never need it.
        self._full_fn: Callable[[Evidence], Any] | None = None
        self._decide = self._compile(SetGen(self), full=False)
        # The compiled function itself answers ``decide``: no extra call per organisation.
        self.decide = self._decide  # type: ignore[method-assign,assignment]
        self._kernels: dict[tuple[int, bool, bool], tuple[Layout, Callable[..., Any]]] = {}
        self._kernels_by_content: dict[tuple[Any, ...], Callable[..., Any]] = {}
        #: The windows (in years) of every condition counting credits from earlier assessments.
        roots = [c for _r, _b, c in self._applies]
        roots += [c for _x, c in (*self._levels, *self._awards, *self._invariants)]
        self.credit_years = tuple(
            sorted(
                {
                    node.years
                    for root in roots
                    for node in _nodes(root)
                    if isinstance(node, _Count) and node.years is not None
                }
            )
        )

    # compilation helpers
    def bits_of(self, ids: Iterable[str]) -> list[int]:
        """The bit of each named requirement id."""
        return [1 << self.index[i] for i in ids]

    def ids_in(self, mask: int) -> tuple[str, ...]:
        """The named requirement ids of a mask's bits, in declaration order."""
        out = []
        at = self._id_at
        while mask:
            low = mask & -mask
            out.append(at[low.bit_length() - 1])
            mask ^= low
        return tuple(out)

    def mask_of(self, ids: Iterable[str]) -> int:
        """The mask of the named requirement ids among ``ids`` (others are ignored)."""
        # the bits are distinct powers of two, so their sum is their union
        return sum(map(self._bit.get, ids, itertools.repeat(0)))

    def _sel(self, sel: m.Selection) -> _Sel:
        hit = self._sel_cache.get(sel)
        if hit is None:
            reqs = self._selector.select(sel)
            mask, ids, pools, pids, psizes, total = 0, [], [], [], [], 0
            for rid, r in reqs:
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
        # Dependencies first (any such order gives the same answers), found depth first
        # in declaration order, without recursion.
        derived = {rid: r for rid, r in self.scope.requirements.items() if r.maps is not None}
        deps = {
            rid: [k for k, _r in self._selector.select(r.maps) if k in derived]
            for rid, r in derived.items()
            if r.maps is not None  # always, as above: said again for the type checker
        }
        order: list[tuple[str, Any]] = []
        state: dict[str, int] = {}  # 1: being placed, 2: placed
        for start in derived:
            if state.get(start):
                continue
            stack = [(start, 0)]
            state[start] = 1
            while stack:
                rid, i = stack.pop()
                if i < len(deps[rid]):
                    stack.append((rid, i + 1))
                    nxt = deps[rid][i]
                    if state.get(nxt) == 1:  # the checker rejects cycles; this is a guard
                        raise EvaluationError(
                            "mapping cycle among "
                            + ", ".join(sorted(k for k, v in state.items() if v == 1))
                        )
                    if not state.get(nxt):
                        state[nxt] = 1
                        stack.append((nxt, 0))
                else:
                    state[rid] = 2
                    order.append((rid, derived[rid]))
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

    def _compile(self, gen: Any, full: bool) -> Callable[[Evidence], Any]:
        text = gen.function(full)
        pool_ids, pool_sizes = tuple(self.pool_ids), tuple(self.pool_sizes)

        def credit(
            met: frozenset[str], pools: tuple[int, ...], history: Sequence[Earlier], on: dt.date,
            years: int,
        ) -> tuple[frozenset[str], tuple[int, ...], frozenset[str]]:  # fmt: skip
            since = years_before(on, years)
            window = [h for h in history if since <= h.assessed_on <= on]
            got = frozenset().union(*(h.met for h in window))
            best = list(pools)
            for h in window:
                for i, (pid, size) in enumerate(zip(pool_ids, pool_sizes, strict=True)):
                    best[i] = max(best[i], min(h.unnamed_met.get(pid, 0), size))
            return met | got, tuple(best), got

        env: dict[str, Any] = {
            **gen.consts,
            "__builtins__": {"len": len},
            "_VERDICTS": self._verdicts,
            "_verdict": self._verdict,
            "_wy": whole_years,
            "_hfacts": history_facts,
            "_NOHF": _NO_HISTORY_FACTS,
            "_missing": _missing,
            "_credit": credit,
            "_EMPTY": frozenset(),
        }
        # Text made from the checked model only, never from input: see the module docstring.
        exec(compile(text, f"<iiprules {self.scope.key}>", "exec"), env)
        fn: Callable[[Evidence], Any] = env["_fn"]
        fn.__doc__ = text  # the generated text, for debugging: help(evaluator._decide)
        return fn

    def _verdict(self, code: int) -> Verdict:
        """The Verdict an answer code of the generated function stands for (made once)."""
        shift = (len(self.level_ids) + 1).bit_length()
        rank = (code & ((1 << shift) - 1)) - 1
        n_aw = len(self.award_ids)
        flags = [bool((code >> (shift + i)) & 1) for i in range(n_aw + len(self.invariant_ids))]
        v = Verdict(
            self.level_ids[rank] if rank >= 0 else None, tuple(flags[:n_aw]), tuple(flags[n_aw:])
        )
        self._verdicts[code] = v
        return v

    def vector_kernel(
        self, layout: Layout, history: bool = False, full: bool = False
    ) -> Callable[..., Any]:
        """The vectorised decisions of this version for organisations laid out by ``layout``.

        The kernel is called as ``kernel(M, P, F, ON, n, H)`` (``H`` may be left out):
        ``M`` the ``uint64`` met masks (words × organisations), ``P`` the unnamed-group
        counts (rows × organisations, already capped at each group's size), ``F`` every
        fact the version declares (name → array or scalar, dates as ``date_key``), ``ON``
        the assessment dates as ``date_key``. It returns the rank of the level reached
        per organisation (-1: none; an index into ``level_ids``) and one boolean array
        per award and per invariant, in declaration order. With ``history``, ``H``
        carries what earlier assessments credit within each window of
        ``credit_years`` and the built-in history facts (see ``_evaluate.vecgen``);
        without it, organisations are taken to have no earlier assessment. ``full``
        adds every level's answer and the ``applies when`` and derived flags, for
        whole outcomes (``Outcome``). Built once per layout and variant; needs numpy 2.

        Raises:
            KeyError: the layout lacks one of this version's requirements or groups.
        """
        key = (id(layout), history, full)
        hit = self._kernels.get(key)
        if hit is not None and hit[0] is layout:
            return hit[1]
        # Each run of a population makes its own layout, usually the same as the last
        # one: a kernel is made again only for a layout with other contents.
        same = (tuple(layout.bits.items()), tuple(layout.pools.items()), history, full)
        made = self._kernels_by_content.get(same)
        if made is not None:
            self._kernels[key] = (layout, made)
            return made
        import numpy as np

        from iiprules._evaluate.vecgen import VecGen

        gen = VecGen(self, layout, history)
        text = gen.function(full)

        def as_array(x: Any, n: int) -> Any:
            a = np.asarray(x, dtype=np.bool_)
            return a if a.shape == (n,) else np.broadcast_to(a, (n,)).copy()

        env: dict[str, Any] = {
            **gen.consts,
            "__builtins__": {},
            "_bc": np.bitwise_count,
            "_arr": as_array,
            "_full": np.full,
            "_I8": np.int8,
            "_TRUE": np.True_,
            "_FALSE": np.False_,
            "_Z16": np.int16(0),
            "_Z32": np.int32(0),
        }
        exec(compile(text, f"<iiprules {self.scope.key} vector>", "exec"), env)
        fn: Callable[..., Any] = env["_fn"]
        fn.__doc__ = text
        self._kernels[key] = (layout, fn)
        self._kernels_by_content[same] = fn
        return fn

    # evaluation
    def decide(self, ev: Evidence) -> Verdict:
        """Judge one organisation's (validated) evidence, without explanations: the fast path.

        Raises:
            EvaluationError: a fact the rules need has no value and no default.
        """
        verdict: Verdict = self._decide(ev)
        return verdict

    def _env(self, ev: Evidence) -> tuple[_Env, tuple[str, ...], dict[str, bool]]:
        met = self.mask_of(ev.met)
        # Derived requirements are decided by their mapping, never listed.
        met &= ~self._derived_mask
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
            hmask = self.mask_of(h.met)
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
            explain: also build a trace for every decision (slower). Without it the
                compiled fast path decides; both give the same decisions.

        Raises:
            EvaluationError: a fact the rules need has no value and no default.
        """
        if not explain:
            return self._fast_outcome(ev)
        env, na, derived = self._env(ev)
        for name, v in env.facts.items():
            if v is None and name in self._used_facts and name not in BUILTIN_FACTS:
                _missing(name)
        level_decisions = []
        for rank, (lv, node) in enumerate(self._levels):
            trace = node.trace(env, self)
            if trace.holds:
                env.rank = rank
            level_decisions.append(
                Decision(lv.id, "level", lv.title, trace.holds, self._level_owner[lv.id], trace)
            )
        level = self._levels[env.rank][0] if env.rank >= 0 else None
        award_decisions = {}
        for aw, node in self._awards:
            trace = node.trace(env, self)
            env.awards[aw.id] = trace.holds
            award_decisions[aw.id] = Decision(
                aw.id, "award", aw.title, trace.holds, self._award_owner[aw.id], trace, aw.kind
            )
        awards = tuple(award_decisions[a.id] for a in self.scope.awards)
        invariants = []
        for inv, node in self._invariants:
            trace = node.trace(env, self)
            invariants.append(
                Decision(inv.id, "invariant", inv.title, trace.holds, self.scope.ruleset, trace)
            )
        return Outcome(
            ev.organisation,
            ev.assessed_on,
            self.rulesets,
            level.id if level else None,
            level.title if level else None,
            tuple(level_decisions),
            awards,
            tuple(invariants),
            ev.met,
            derived,
            na,
            self.text,
            self.titles,
        )

    def _full(self, ev: Evidence) -> tuple[Any, ...]:
        fn = self._full_fn
        if fn is None:
            from iiprules._evaluate.codegen import SetGen

            fn = self._full_fn = self._compile(SetGen(self), full=True)
        return fn(ev)  # type: ignore[no-any-return]

    def _fast_outcome(self, ev: Evidence) -> Outcome:
        return self.outcome_of(ev.organisation, ev.assessed_on, ev.met, *self._full(ev))

    def outcome_of(
        self,
        organisation: str,
        assessed_on: dt.date,
        met: frozenset[str],
        levels: Sequence[bool],
        rank: int,
        awards: Sequence[bool],
        invariants: Sequence[bool],
        applies: Sequence[bool],
        derived: Sequence[bool],
    ) -> Outcome:
        """The ``Outcome`` (without traces) of the decisions the compiled paths return.

        Shared by the scalar path and by ``evaluate_many``'s vectorised one, so both
        make the very same outcome from the same answers.
        """
        level = self._levels[rank][0] if rank >= 0 else None
        pick = tuple.__getitem__  # each decision pair is (when false, when true)
        return Outcome(
            organisation,
            assessed_on,
            self.rulesets,
            level.id if level else None,
            level.title if level else None,
            tuple(map(pick, self._level_decisions, levels)),
            tuple(map(pick, self._award_decisions, awards)),
            tuple(map(pick, self._invariant_decisions, invariants)),
            met,
            dict(zip(self._derived_list, derived, strict=True)),
            tuple(itertools.compress(self._na_ids, map(operator.not_, applies))),
            self.text,
            self.titles,
        )


def _nodes(root: _Node) -> Iterable[_Node]:
    """Every node of a compiled condition, without recursion."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _And):  # _Or too
            stack.extend(node.items)
        elif isinstance(node, _Not):
            stack.append(node.item)
        elif isinstance(node, _Implies):
            stack.extend((node.a, node.b))


def titles_of(scope: Snapshot) -> dict[str, str]:
    """Titles by ``kind:id`` (``part:standard`` → "The Standard"), for explanations."""
    out: dict[str, str] = {}
    for k, p in scope.parts.items():
        out[f"part:{k}"] = p.title
    for k, t in scope.topics.items():
        out[f"topic:{k}"] = t.title
    for k, i in scope.indicators.items():
        out[f"indicator:{k}"] = i.node.title
    for k, pr in scope.principles.items():
        out[f"principle:{k}"] = pr.title
    for lv in scope.levels:
        out[f"level:{lv.id}"] = lv.title
    for aw in scope.awards:
        out[f"award:{aw.id}"] = aw.title
    return out


def _owner(scope: Snapshot, item: Any, attr: str) -> str:
    if scope.base is not None and any(x is item for x in getattr(scope.base, attr)):
        return scope.base.ruleset
    return scope.ruleset
