"""Evaluating the packaged rulesets: levels, awards, versions by date, explanations."""

from __future__ import annotations

import random

import pytest

import iiprules


@pytest.fixture
def org(standard_org):
    """Standard evidence for "Test Ltd", facts given as keywords."""

    def build(met, extra=0, on="2010-06-01", **facts):
        return standard_org(met, extra, on, facts=facts)

    return build


def test_standard_needs_all_39(standard_ids, org):
    """38 of the 39 is not recognised; all 39 is the Standard."""
    assert "standard" == iiprules.evaluate(org(standard_ids), "standard").level
    assert iiprules.evaluate(org(standard_ids[:-1]), "standard").level is None


@pytest.mark.parametrize(
    ("extended", "level"),
    [
        (25, "standard"),
        (26, "bronze"),
        (75, "bronze"),
        (76, "silver"),
        (125, "silver"),
        (126, "gold"),
    ],
)
def test_thresholds_count_named_and_unnamed_extended_requirements(
    extended, level, standard_ids, extended_ids, org
):
    """Bronze at 26, Silver at 76, Gold at all 126, counting both kinds."""
    named = extended_ids
    take = min(extended, len(named))
    outcome = iiprules.evaluate(org(standard_ids + named[:take], extended - take), "standard")
    assert level == outcome.level


def test_version_is_chosen_by_assessment_date(standard_ids, extended_ids, org):
    """2006 is judged by the 2004 Standard (no levels above it); 2010 by the 2009 framework."""
    everything = standard_ids + extended_ids
    old = iiprules.evaluate(org(standard_ids, on="2006-03-01"))
    # The 2003 L&M Model is in force too (ruleset lm_model), with no levels.
    assert [("lm_model", "2003"), ("standard", "2004")] == list(old.rulesets)
    assert ["standard"] == [d.id for d in old.levels]
    new = iiprules.evaluate(org(everything, 93, on="2010-03-01"))
    assert ("standard", "2009") in new.rulesets
    assert "gold" == new.level
    assert new.award("lm_themed")


def test_pinned_version_overrides_the_date(standard_ids, org):
    """--ruleset standard@2004 judges even a 2010 assessment by the 2004 Standard."""
    outcome = iiprules.evaluate(org(standard_ids), "standard@2004")
    assert [("standard", "2004")] == list(outcome.rulesets)


def test_representative_group_requirements_do_not_apply_without_groups(standard_ids, org):
    """Without representative groups, 1.5 and 2.5 are not applicable."""
    without = [r for r in standard_ids if r not in ("1.5", "2.5")]
    outcome = iiprules.evaluate(org(without, representative_groups=False), "standard")
    assert "standard" == outcome.level
    assert ("1.5", "2.5") == outcome.not_applicable
    assert iiprules.evaluate(org(without), "standard").level is None


def test_explanation_names_what_is_missing(standard_ids, org):
    """The failing level's trace lists the unmet requirements."""
    outcome = iiprules.evaluate(org(standard_ids[:-1]), "standard")
    trace = outcome.levels[0].trace
    assert not trace.holds
    missing = [m for t in trace.children for m in t.missing]
    assert ["10.3"] == missing
    assert "10.3" in iiprules.render_text(outcome)


def test_fast_and_explained_paths_agree_on_random_evidence(standard_ids, extended_ids, org):
    """The same compiled nodes decide with and without explanations."""
    rng = random.Random(7)
    ids = standard_ids + extended_ids
    for _ in range(300):
        met = [i for i in ids if rng.random() < 0.9]
        ev = org(met, rng.randint(0, 93), business_network_member=rng.random() < 0.5)
        fast = iiprules.evaluate(ev, explain=False)
        slow = iiprules.evaluate(ev, explain=True)
        assert fast.level == slow.level
        assert fast.award_results == slow.award_results
        assert all(d.holds == d.trace.holds for d in slow.levels + slow.awards)


def test_outcome_to_dict_has_the_stable_shape(standard_ids, org):
    """to_dict gives organisation, rulesets, level, awards and explanation."""
    d = iiprules.evaluate(org(standard_ids)).to_dict()
    assert {
        "organisation",
        "assessed_on",
        "rulesets",
        "level",
        "awards",
        "explanation",
        "invariants",
    } == set(d)
    assert {"name": "standard", "version": "2009"} in d["rulesets"]
    assert all(isinstance(v, bool) for v in d["awards"].values())
