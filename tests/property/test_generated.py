"""Properties of random generated rulesets: evaluation is total, levels nest, verify agrees."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iiprules import api, check, unparse
from iiprules.diagnostics import EvaluationError
from iiprules.testing import Plan
from iiprules.verify import positive_awards

from .strategies import rulesets


def plan_of(model, version=None):
    return Plan.of(check(model).checked, version)


def rank(outcome):
    ids = [d.id for d in outcome.levels]
    return ids.index(outcome.level) if outcome.level in ids else -1


@given(model=rulesets(), data=st.data())
def test_evaluating_drawn_evidence_raises_nothing_but_evaluation_errors(model, data):
    """On a checked ruleset, drawn evidence is judged, or refused with an EvaluationError."""
    plan = plan_of(model, data.draw(st.sampled_from([v.label for v in model.versions])))
    try:
        outcome = plan.evaluate(data.draw(plan.evidence()))
    except EvaluationError:
        return
    reached = rank(outcome)
    assert [True] * (reached + 1) == [d.holds for d in outcome.levels[: reached + 1]]


@given(model=rulesets(monotone=True), data=st.data())
def test_meeting_more_never_lowers_the_level_of_a_generated_ruleset(model, data):
    """In generated rulesets too, more requirements never lower the level or remove a positive award."""
    plan = plan_of(model)
    ev = data.draw(plan.evidence())
    more = data.draw(plan.more(ev))
    try:
        before, after = plan.evaluate(ev), plan.evaluate(more)
    except EvaluationError:
        return
    assert rank(before) <= rank(after)
    positive = positive_awards(plan.scope)
    assert all(
        a.holds
        for a, b in zip(after.awards, before.awards, strict=True)
        if b.holds and positive[b.id]
    )


@settings(max_examples=max(5, settings().max_examples // 3))
@given(rulesets(monotone=True))
def test_verify_proves_the_built_in_properties_of_generated_rulesets(model):
    """Verify proves nesting, the lowest level, monotonicity and the declared invariant of rulesets built to have them."""
    pytest.importorskip("z3")
    from iiprules.verify import PROVEN, verify_ruleset

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "generated.rules"
        path.write_text(unparse(model), encoding="utf-8")
        results = verify_ruleset(api.load(str(path)), str(path), Path(tmp) / "out")
    wrong = [
        (r.check, r.status)
        for r in results
        if not r.check.startswith(("reachable:", "never-false:")) and r.status != PROVEN
    ]
    assert [] == wrong
