"""The solver's encoding decides every organisation exactly as the evaluator does."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iiprules import check
from iiprules.diagnostics import EvaluationError
from iiprules.evaluate import history_facts
from iiprules.testing import Plan

from .strategies import rulesets

z3 = pytest.importorskip("z3")
from iiprules._verify.encode import Decisions, Org, Space, date_key, years_before  # noqa: E402

PACKAGED = [
    Plan.of(*ref.split("@"))
    for ref in ("standard@2004", "standard@2009", "lm_theme@2009", "partner_award@2009")
]


def pin(org, ev, scope):
    """Constraints that fix the organisation's variables to one piece of evidence."""
    out = [org.on.key == date_key(ev.assessed_on)]
    out += [b == (rid in ev.met) for rid, b in org.given.items()]
    out += [v == ev.unnamed_met.get(pid, 0) for pid, v in org.pool.items()]
    for (fid, ftype), var in org.facts.items():
        value = ev.facts.get(fid, scope.facts[fid].default)
        out.append(var.key == date_key(value) if ftype == "date" else var == value)
    for y in org.space.years:
        since = years_before(ev.assessed_on, y)
        window = [h for h in ev.history if since <= h.assessed_on <= ev.assessed_on]
        ids = set().union(*(h.met for h in window))
        out += [b == (rid in ids) for rid, b in org.hist[y].items()]
        for pid, v in org.hist_pool[y].items():
            out.append(v == max([h.unnamed_met.get(pid, 0) for h in window], default=0))
    facts = history_facts(ev)
    out.append(org.runs == facts["consecutive_recognitions"])
    for var, value in (
        (org.previous, facts["previous_assessed_on"]),
        (org.since, facts["recognised_since"]),
    ):
        out.append(var.known == (value is not None))
        if value is not None:
            out.append(var.key == date_key(value))
    return out


def agree(plan, ev):
    try:
        outcome = plan.evaluate(ev)
    except EvaluationError:
        return
    scope = plan.scope
    space = Space([scope], plan.first, plan.last)
    org = Org(space, "o")
    d = Decisions(org, scope)
    solver = z3.Solver()
    solver.add(*org.domain(), *pin(org, ev, scope))
    assert z3.sat == solver.check(), "the encoding's domain excludes real evidence"
    model = solver.model()
    ids = [x.id for x in outcome.levels]
    expected = ids.index(outcome.level) if outcome.level in ids else -1
    assert expected == model.eval(d.rank).as_long()
    assert {a.id: a.holds for a in outcome.awards} == {
        k: z3.is_true(model.eval(v)) for k, v in d.awards.items()
    }
    assert {i.id: i.holds for i in outcome.invariants} == {
        k: z3.is_true(model.eval(v)) for k, v in d.invariants.items()
    }


@settings(max_examples=max(5, settings().max_examples // 2))
@given(data=st.data())
def test_encoding_agrees_with_the_evaluator_on_the_packaged_rulesets(data):
    """For drawn evidence, the formulas give the evaluator's level, awards and invariants."""
    plan = data.draw(st.sampled_from(PACKAGED))
    agree(plan, data.draw(plan.evidence()))


@settings(max_examples=max(5, settings().max_examples // 2))
@given(model=rulesets(), data=st.data())
def test_encoding_agrees_with_the_evaluator_on_generated_rulesets(model, data):
    """For random rulesets and drawn evidence, the formulas give the evaluator's decisions."""
    plan = Plan.of(check(model).checked)
    agree(plan, data.draw(plan.evidence()))
