"""Plan by z3: the same answer as ``plan``, found by optimisation over ``verify``'s encoding.

Input → output: as ``plan.plan`` → a ``Plan``. The target is stated with
``_verify.encode`` (the formulas ``verify`` proves invariants over), the
evidence as it stands fixes every variable except the requirements and group
counts that may be added, and z3's ``Optimize`` minimises (cost, count)
lexicographically. The groups of interchangeable requirements (for "any k of
these n" and for telling alternatives apart) come from ``search.Problem``;
alternatives are further models at the optimum, each blocked by its group counts.

The candidate measured against ``iiprules.answers.plan`` (hand-written branch and
bound) for issue 12, kept here so that benchmarks/bench_plan.py can repeat the
comparison; it is not part of the package (see bench_plan.py for the decision).
It uses private helpers of ``iiprules.answers.plan`` on purpose: only the
search differs between the two.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from iiprules import api
from iiprules.answers.common import ReqText, prepare
from iiprules.answers.formula import Builder
from iiprules.answers.plan import (
    DEFAULT_ALTERNATIVES,
    Plan,
    _find_target,
    _option,
    _verify_plan,
    load_costs,
)
from iiprules.answers.search import Problem, check_agrees, unreachable_reasons
from iiprules.evaluate import Evaluator, history_facts, years_before


class NotEncodable(ValueError):
    """The evidence has what the encoding cannot state (an unknown number or date fact)."""


def plan_z3(
    evidence: api.EvidenceLike,
    target: str,
    cost: str | Path | Mapping[str, Any] | None = None,
    alternatives: int = DEFAULT_ALTERNATIVES,
    rulesets: Sequence[str] | str | None = None,
    evaluators: Sequence[Evaluator] | None = None,
) -> Plan:
    """``plan.plan``, solved by z3 over ``_verify.encode``."""
    import z3

    from iiprules._verify.encode import Decisions, Org, Space, ZDate

    ev, evs = prepare(evidence, rulesets, evaluators)
    evaluator, kind, tgt = _find_target(evs, target)
    scope = evaluator.scope
    costs = load_costs(cost, [e.scope for e in evs]) if cost is not None else None
    b = Builder(scope, ev, lambda rid: True, True, costs)
    check_agrees(b, evaluator, ev)
    if kind == "level":
        idx = scope.level_index(target)
        root = b.rank_ge(idx, len(scope.levels))
        title = scope.levels[idx].title
    else:
        root = b.award(target)
        title = tgt.title
    problem = Problem(b, [root])
    info = ReqText(scope.requirements, ev.pending)

    space = Space([scope], ev.assessed_on, ev.assessed_on)
    org = Org(space, "p")
    dec = Decisions(org, scope)
    s = z3.Optimize()
    on = ev.assessed_on
    s.add(org.on.y == on.year, org.on.m == on.month, org.on.d == on.day)
    for (fid, ftype), var in org.facts.items():
        value = ev.facts[fid] if fid in ev.facts else scope.facts[fid].default
        if value is None:
            if ftype != "boolean":
                raise NotEncodable(f"fact '{fid}' is unknown")
            value = False
        if isinstance(var, ZDate):
            s.add(var.y == value.year, var.m == value.month, var.d == value.day)
        else:
            s.add(var == value)
    hf = history_facts(ev)
    dates = ((org.previous, hf["previous_assessed_on"]), (org.since, hf["recognised_since"]))
    for zd, value in dates:
        if value is None:
            s.add(z3.Not(zd.known))
        else:
            s.add(zd.known, zd.y == value.year, zd.m == value.month, zd.d == value.day)
    s.add(org.runs == hf["consecutive_recognitions"])
    for y in space.years:
        since = years_before(on, y)
        window = [h for h in ev.history if since <= h.assessed_on <= on]
        for rid, var in org.hist[y].items():
            s.add(var == any(rid in h.met for h in window))
        for pid, var in org.hist_pool[y].items():
            s.add(var == max((h.unnamed_met.get(pid, 0) for h in window), default=0))
    # What is met stays met; what no atom holds is not added (it cannot matter).
    in_atom = {b.vars[v].id for a in problem.atoms for v in a.vars}
    for rid, var in org.given.items():
        if rid in b.met0:
            s.add(var)
        elif rid not in in_atom:
            s.add(z3.Not(var))
    for pid, var in org.pool.items():
        s.add(var >= b.pools0.get(pid, 0), var <= space.pools[pid])
        if pid not in in_atom:
            s.add(var == b.pools0.get(pid, 0))
    counts = []
    for a in problem.atoms:
        # Members of a group are interchangeable: take them in order (symmetry breaking,
        # without which z3 searches every subset of a large group).
        bits = [org.given[b.vars[v].id] for v in a.vars if not b.vars[v].pool]
        s.add([z3.Implies(later, earlier) for earlier, later in itertools.pairwise(bits)])
        terms = []
        for v in a.vars:
            var = b.vars[v]
            if var.pool:
                terms.append(org.pool[var.id] - b.pools0.get(var.id, 0))
            else:
                terms.append(z3.If(org.given[var.id], 1, 0))
        counts.append(z3.Sum(terms) if len(terms) > 1 else terms[0])
    scale = math.lcm(*(Fraction(a.cost).denominator for a in problem.atoms)) if problem.atoms else 1
    weights = [int(Fraction(a.cost) * scale) for a in problem.atoms]
    total_cost = z3.Sum([w * c for w, c in zip(weights, counts, strict=True)] or [z3.IntVal(0)])
    total_count = z3.Sum(counts or [z3.IntVal(0)])
    s.add(dec.reaches(target) if kind == "level" else dec.awards[target])
    s.minimize(total_cost)
    s.minimize(total_count)
    if s.check() != z3.sat:
        reasons = unreachable_reasons(problem, root, b, info)
        return Plan(
            ev.organisation, target, kind, title, scope.key, False, (), reasons, costs is not None
        )
    model = s.model()
    best_cost = model.eval(total_cost).as_long()
    best_count = model.eval(total_count).as_long()
    # Alternatives: every model at the optimum, told apart by its group counts.
    s2 = z3.Solver()
    s2.add(s.assertions())
    s2.add(total_cost == best_cost, total_count == best_count)
    found: list[tuple[int, ...]] = []
    while len(found) < alternatives + 1 and s2.check() == z3.sat:
        mo = s2.model()
        point = tuple(mo.eval(c, model_completion=True).as_long() for c in counts)
        found.append(point)
        s2.add(z3.Or([c != x for c, x in zip(counts, point, strict=True)] or [z3.BoolVal(False)]))
    found.sort(key=lambda pt: (sum(1 for c in pt if c), tuple(-c for c in pt)))
    options = [_option(problem, point, info) for point in found]
    for o in options:
        _verify_plan(evaluator, ev, o, kind, target)
    return Plan(
        ev.organisation, target, kind, title, scope.key, True, tuple(options), (), costs is not None
    )
