"""Answers for assessors: exact plans, why not, critical evidence, pending ranges, lapse dates.

Exact answers on the example organisations and on evidence built here. The
property tests (tests/property/test_answers_props.py) check plans and pending
ranges against brute force on generated rulesets.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

import iiprules
from iiprules import answers, api
from iiprules.diagnostics import EvidenceError, RulesetNotFound
from iiprules.evidence import load as load_evidence

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples"


def reaches(evidence, target: str) -> bool:
    outcome = iiprules.evaluate(evidence)
    if target in [d.id for d in outcome.levels]:
        ids = [d.id for d in outcome.levels]
        return outcome.level is not None and ids.index(outcome.level) >= ids.index(target)
    return outcome.award(target)


# -- plan -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("target", "more"), [("bronze", 6), ("silver", 56), ("gold", 106)])
def test_standard_and_20_extended_needs_exactly_6_for_bronze_56_for_silver(
    target, more, standard_ids, extended_ids, standard_org
):
    """The Standard and 20 extended requirements: 6 more for Bronze, 56 for Silver, 106 for Gold."""
    plan = answers.plan(standard_org(standard_ids + extended_ids[:20]), target)
    assert plan.reachable and not plan.already
    assert more == plan.best.count
    assert () == plan.alternatives
    (step,) = plan.best.picks
    # any of the 13 named extended requirements not yet met, or of the 93 not known by text
    assert (more, 106) == (step.choose, step.of)
    assert extended_ids[20:] == [r.id for r in step.requirements]
    assert (("W.other", 93),) == step.unnamed
    assert step.all == (target == "gold")


def test_one_fewer_than_the_plan_does_not_reach_bronze(standard_ids, extended_ids, standard_org):
    """Applied, the plan reaches Bronze; one requirement fewer does not."""
    evidence = load_evidence(standard_org(standard_ids + extended_ids[:20]))
    plan = answers.plan(evidence, "bronze")
    assert reaches(plan.best.apply(evidence), "bronze")
    short = attrs.evolve(plan.best.picks[0], choose=5)
    assert not reaches(attrs.evolve(plan.best, picks=(short,)).apply(evidence), "bronze")


def test_pellow_is_one_short_of_bronze_and_51_of_silver():
    """20 known and 5 unnamed: any 1 of the other 101 for Bronze, any 51 for Silver."""
    bronze = answers.plan(EX / "pellow_and_daughters.yaml", "bronze")
    silver = answers.plan(EX / "pellow_and_daughters.yaml", "silver")
    assert [(1, 101)] == [(p.choose, p.of) for p in bronze.best.picks]
    assert [(51, 101)] == [(p.choose, p.of) for p in silver.best.picks]
    assert (("W.other", 88),) == silver.best.picks[0].unnamed
    assert "standard@2009" == bronze.ruleset
    assert "any 1 more of these 101: W8.1, W9.1" in bronze.render()


def test_orrin_valley_needs_seven_named_statements_for_the_themed_certificate():
    """The themed award lacks 7 mapped statements; all are needed, nothing else will do."""
    plan = answers.plan(EX / "orrin_valley_trust.yaml", "lm_themed")
    assert 7 == plan.best.count
    (step,) = plan.best.picks
    assert step.all
    assert ["W5.1", "W5.2", "W6.2", "W9.2", "W9.3", "W10.7", "W10.9"] == [
        r.id for r in step.requirements
    ]
    assert step.requirements[0].text.startswith("Top managers can describe how they act as role")
    assert () == plan.alternatives


def test_quillfield_needs_10_2_and_29_statements_for_the_themed_certificate():
    """The mapping adds framework requirements: 10.2 for the Standard and 29 statements."""
    plan = answers.plan(EX / "quillfield_castings.yaml", "lm_themed")
    ids = [r.id for p in plan.best.picks for r in p.requirements]
    assert 30 == plan.best.count == len(ids)
    assert "10.2" in ids and not any(i.startswith("LM") for i in ids)
    assert {"W4.1", "W4.2", "W5.4", "W6.1"}.isdisjoint(ids)


def test_expired_credits_are_replaced_by_meeting_the_requirements_now():
    """Millbeck's 2008 credits for 5.3 and 5.4 expired: meeting them now reaches the award."""
    plan = answers.plan(EX / "millbeck_surgery.yaml", "lm_partner")
    assert ["5.3", "5.4"] == [r.id for p in plan.best.picks for r in p.requirements]


def test_the_rest_of_an_unnamed_group_is_one_step():
    """Carrow Dale (Silver, 33 known + 50) needs the other 43 not known by text for Gold."""
    plan = answers.plan(EX / "carrow_dale_housing.yaml", "gold")
    (step,) = plan.best.picks
    assert (43, 43, (), (("W.other", 43),)) == (
        step.choose,
        step.of,
        step.requirements,
        step.unnamed,
    )
    assert "the 43 unmet requirements of W.other (not known by text)" in plan.render()


def test_a_target_already_reached_needs_nothing():
    """Wexcombe is Gold already."""
    plan = answers.plan(EX / "wexcombe_borough_council.yaml", "gold")
    assert plan.already and 0 == plan.best.count and () == plan.best.picks
    assert "Already reached" in plan.render()


def test_a_fact_makes_a_target_unreachable_and_is_named():
    """One employee: no evidence reaches the Standard; the reason names the fact and its value."""
    plan = answers.plan(EX / "marrowby_advisory.yaml", "standard")
    assert not plan.reachable and () == plan.options
    assert (
        "at least 2 employees is needed, but the evidence gives 1; "
        "adding requirements cannot change a fact",
    ) == plan.reasons


def test_a_defaulted_fact_is_named_as_a_default(standard_org):
    """Not a business network member (by default): the network award is unreachable."""
    plan = answers.plan(standard_org([]), "lm_partner_network")
    assert not plan.reachable
    assert (
        "a \"yes\" for \"business network member\" is needed, but not given; taken as no by default"
        in (plan.reasons[0])
    )


def test_requirements_that_do_not_apply_are_not_asked_for(standard_org):
    """Without representative groups, 1.5 and 2.5 are not part of the plan."""
    plan = answers.plan(standard_org([], facts={"representative_groups": False}), "standard")
    ids = [r.id for p in plan.best.picks for r in p.requirements]
    assert 37 == plan.best.count and "1.5" not in ids and "2.5" not in ids


def test_cheapest_plan_with_costs_by_kind_and_group(tmp_path):
    """With costs, the managers' two statements (cost 1) come first, then 49 of W.other at 2."""
    costs = tmp_path / "costs.yaml"
    costs.write_text("people: 3\ntop_managers: 5\nW.other: 2\n", encoding="utf-8")
    plan = answers.plan(EX / "pellow_and_daughters.yaml", "silver", cost=costs)
    assert (100, 51) == (plan.best.cost, plan.best.count)
    whole, some = plan.best.picks
    assert ["W10.2", "W10.5"] == [r.id for r in whole.requirements] and whole.all
    assert (49, 88, (("W.other", 88),)) == (some.choose, some.of, some.unnamed)
    assert plan.costed and "cost 100" in plan.render()


def test_a_requirement_costs_the_sum_of_its_kinds():
    """W9.1 is given by top managers and managers: it costs both."""
    plan = answers.plan(
        EX / "pellow_and_daughters.yaml",
        "bronze",
        cost={"top_managers": 1, "managers": 1, "people": 5, "W.other": 5},
    )
    (step,) = plan.best.picks
    assert 1 == plan.best.cost and "W9.1" not in [r.id for r in step.requirements]
    assert "W9.2" in [r.id for r in step.requirements]


def test_equally_small_alternatives_are_ranked(tmp_path):
    """Two ways of one requirement each: both listed, the earlier requirement first."""
    rules = tmp_path / "alt.rules"
    rules.write_text(
        """ruleset alt
version 1 effective 2000-01-01 {
    part core "Core"
    principle p "P" {
        indicator 1 "One" {
            requirement 1.1 in core { text "a" source "t" assumed }
            requirement 1.2 in core { text "b" source "t" assumed }
            requirement 1.3 in core { text "c" source "t" assumed }
        }
    }
    level ok "OK" {
        source "t" assumed
        requires all of [1.1] or all of [1.2, 1.3] or all of [1.3]
    }
}
""",
        encoding="utf-8",
    )
    evidence = {"organisation": "Alt", "assessed_on": "2010-06-01"}
    plan = answers.plan(evidence, "ok", rulesets=[str(rules)])
    assert [["1.1"], ["1.3"]] == [[r.id for r in o.picks[0].requirements] for o in plan.options]
    assert 1 == len(answers.plan(evidence, "ok", alternatives=0, rulesets=[str(rules)]).options)
    assert "Equally good alternatives:\n  1. requirement 1.3" in plan.render()


def test_unknown_target_suggests_a_name():
    """A misspelt target is a lookup error with a suggestion."""
    with pytest.raises(RulesetNotFound, match="did you mean 'silver'"):
        answers.plan(EX / "pellow_and_daughters.yaml", "silverr")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("peeple: 2\n", "did you mean 'people'?"),
        ("LM1.1: 2\n", "met through its mapping"),
        ("people: -1\n", "cannot be negative"),
        ("people: lots\n", "expected a cost"),
        ("- people\n", "expected a mapping"),
    ],
)
def test_bad_cost_files_are_evidence_errors_with_lines(tmp_path, text, message):
    """Cost files are checked like evidence: one line naming the file, line and key."""
    costs = tmp_path / "costs.yaml"
    costs.write_text(text, encoding="utf-8")
    with pytest.raises(EvidenceError, match=message) as info:
        answers.plan(EX / "pellow_and_daughters.yaml", "bronze", cost=costs)
    assert f"{costs}:1:" in str(info.value)


def test_plan_json_has_a_stable_shape():
    """to_dict names the target, the steps with texts and provenance, and the alternatives."""
    data = answers.plan(EX / "orrin_valley_trust.yaml", "lm_themed").to_dict()
    assert {"id": "lm_themed", "kind": "award", "title": data["target"]["title"]} == data["target"]
    step = data["plan"]["steps"][0]
    assert (7, 7, True) == (step["choose"], step["of"], step["all"])
    assert step["requirements"][0]["sources"][0]["confidence"] == "seed"
    assert [] == data["alternatives"]
    json.dumps(data)


# -- why not --------------------------------------------------------------------------------


def test_why_not_names_the_missing_standard_requirements_with_provenance():
    """Millbeck: the Standard lacks 5.3 and 5.4, each with its text and source."""
    why = answers.why_not(iiprules.evaluate(EX / "millbeck_surgery.yaml"))
    first = why.shortfalls[0]
    assert ("standard", "level") == (first.id, first.kind)
    (failed,) = first.failed
    assert (37, 39, 2) == (failed.met, failed.needed, failed.more)
    assert ["5.3", "5.4"] == [r.id for r in failed.missing]
    assert failed.missing[0].text.startswith("People can describe how their managers")
    assert ("domain.md §1, ER 5.3", "unconfirmed") == failed.missing[0].sources[0]


def test_why_not_explains_derived_requirements_through_what_their_mapping_lacks():
    """Pellow: L&M indicator 9 lacks W10.1-W10.9; indicator 8 lacks W9.1-W9.3."""
    why = answers.why_not(iiprules.evaluate(EX / "pellow_and_daughters.yaml"))
    themed = next(s for s in why.shortfalls if s.id == "lm_themed")
    (failed,) = themed.failed
    through = {ds: [r.id for r in refs] for ds, refs in failed.through}
    assert [f"W10.{k}" for k in range(1, 10)] == through[("LM9.1",)]
    assert ["W9.1", "W9.2", "W9.3"] == through[("LM8.1", "LM8.2", "LM8.3")]
    assert ["W8.1"] == through[("LM7.1", "LM7.2", "LM7.3")]
    assert "LM8.1, LM8.2, LM8.3: met through a mapping; their mapping lacks W9.1" in why.render()


def test_why_not_names_the_fact_that_blocks_an_award():
    """Wexcombe is Gold but no network member: the network award fails on that fact alone."""
    why = answers.why_not(iiprules.evaluate(EX / "wexcombe_borough_council.yaml"))
    network = next(s for s in why.shortfalls if s.id == "lm_partner_network")
    assert ['a "yes" for "business network member" (given: no)'] == [f.text for f in network.failed]
    assert "standard" not in [s.id for s in why.shortfalls]  # Gold: no next level


def test_why_not_with_the_outcome_scopes_matches_loading_them():
    """Passing the evaluators' scopes gives the same answer as loading the rulesets by name."""
    ev = load_evidence(EX / "quillfield_castings.yaml")
    scopes = [e.scope for e in api.evaluators_for(ev)]
    outcome = iiprules.evaluate(ev)
    assert answers.why_not(outcome) == answers.why_not(outcome, scopes)


# -- critical -------------------------------------------------------------------------------


def test_critical_at_silver_exactly_every_piece_is_critical():
    """Thistlewood (76 exactly): each extended requirement drops it to Bronze and the certificate."""
    crit = answers.critical(EX / "thistlewood_partners.json")
    assert 77 == crit.checked == len(crit.items)
    by_id = {i.requirement.id: i for i in crit.items}
    assert ("bronze", True, ("lm_themed",)) == (
        by_id["W2.1"].level_after,
        by_id["W2.1"].level_lowered,
        tuple(a for a, _t in by_id["W2.1"].awards_lost),
    )
    assert (None, True) == (by_id["4.1"].level_after, by_id["4.1"].level_lowered)
    assert {"lm_themed", "lm_partner", "lm_partner_network"} <= {
        a for a, _t in by_id["4.1"].awards_lost
    }
    assert (False, ("lm_partner", "lm_partner_network")) == (
        by_id["NOS.A"].level_lowered,
        tuple(a for a, _t in by_id["NOS.A"].awards_lost),
    )
    assert ("unnamed", "bronze", ()) == (
        by_id["W.other"].kind,
        by_id["W.other"].level_after,
        by_id["W.other"].awards_lost,
    )


def test_credits_cover_requirements_also_met_earlier():
    """Nant-y-Fedw: 4.1-4.3 are also credited from 2009, so only the credits 5.x are critical."""
    crit = answers.critical(EX / "nant_y_fedw.yaml")
    assert [
        ("NOS.A", "met"),
        ("NOS.B", "met"),
        ("NOS.C", "met"),
        ("NOS.D", "met"),
        ("NOS.E", "met"),
        ("NOS.F", "met"),
        ("5.1", "credit"),
        ("5.3", "credit"),
        ("5.4", "credit"),
    ] == [(i.requirement.id, i.kind) for i in crit.items]
    assert 12 == crit.checked


def test_nothing_is_critical_when_nothing_is_reached():
    """Marrowby reaches nothing: no loss can lower it."""
    crit = answers.critical(EX / "marrowby_advisory.yaml")
    assert (37, ()) == (crit.checked, crit.items)


# -- pending --------------------------------------------------------------------------------


def test_one_pending_requirement_decides_bronze():
    """Pellow (25 extended) with W8.1 pending: the Standard at least, Bronze at most."""
    evidence = attrs.evolve(
        load_evidence(EX / "pellow_and_daughters.yaml"), pending=frozenset({"W8.1"})
    )
    rng = answers.pending_range(evidence)
    assert ("standard", "bronze", ("W8.1",)) == (rng.level_min, rng.level_max, rng.level_deciders)
    assert rng.exact_deciders and not rng.decided
    assert "Level: at least Investor in People, at most Bronze; decided by W8.1" in rng.render()


def test_pending_statements_leave_the_certificate_undecided_but_the_level_fixed():
    """Orrin Valley with its 7 missing mapped statements pending: Bronze either way."""
    missing = ["W5.1", "W5.2", "W6.2", "W9.2", "W9.3", "W10.7", "W10.9"]
    ev = attrs.evolve(load_evidence(EX / "orrin_valley_trust.yaml"), pending=frozenset(missing))
    rng = answers.pending_range(ev)
    assert ("bronze", "bronze", ()) == (rng.level_min, rng.level_max, rng.level_deciders)
    themed = next(a for a in rng.awards if a.id == "lm_themed")
    assert "undecided" == themed.status
    assert sorted(missing, key=answers._natural) == list(themed.deciders)
    assert "yes" == next(a for a in rng.awards if a.id == "lm_extended").status


def test_pending_standard_requirement_can_lose_everything():
    """Thistlewood with 10.3 pending: not recognised up to Silver; both partner awards stand."""
    ev = load_evidence(EX / "thistlewood_partners.json")
    ev = attrs.evolve(ev, met=ev.met - {"10.3"}, pending=frozenset({"10.3"}))
    rng = answers.pending_range(ev)
    assert (None, "silver", ("10.3",)) == (rng.level_min, rng.level_max, rng.level_deciders)
    status = {a.id: a.status for a in rng.awards}
    assert ("undecided", "yes", "yes") == (
        status["lm_themed"],
        status["lm_partner"],
        status["lm_partner_network"],
    )


def test_no_pending_evidence_is_decided():
    """Without pending requirements the range is the outcome itself."""
    rng = answers.pending_range(EX / "carrow_dale_housing.yaml")
    assert rng.decided and ("silver", "silver") == (rng.level_min, rng.level_max)


# -- lapse ----------------------------------------------------------------------------------


def test_recognition_runs_three_years_from_this_assessment():
    """Carrow Dale, Silver on 2010-11-23 after 2007: runs until 2013-11-23."""
    f = answers.lapse_forecast(EX / "carrow_dale_housing.yaml")
    assert (dt.date(2010, 11, 23), "silver") == (f.recognised_on, f.recognised_level)
    assert (dt.date(2013, 11, 23), dt.date(2013, 11, 24)) == (f.recognised_until, f.lapses_on)
    # earlier recognitions, as the built-in fact consecutive_recognitions counts them
    assert (dt.date(2007, 12, 4), 1) == (f.recognised_since, f.consecutive)
    assert not f.lapsed and () == f.credits


def test_partner_credits_expire_with_their_assessment():
    """Nant-y-Fedw: the 2009 recognition and the credits 5.1-5.4 run until 2012-02-10."""
    f = answers.lapse_forecast(EX / "nant_y_fedw.yaml")
    assert (dt.date(2009, 2, 10), dt.date(2012, 2, 10)) == (f.recognised_on, f.recognised_until)
    assert not f.lapsed
    assert [
        ("5.1", dt.date(2009, 2, 10), dt.date(2012, 2, 10), False, ("lm_partner",)),
        ("5.3", dt.date(2009, 2, 10), dt.date(2012, 2, 10), False, ("lm_partner",)),
        ("5.4", dt.date(2009, 2, 10), dt.date(2012, 2, 10), False, ("lm_partner",)),
    ] == [(c.requirement.id, c.met_on, c.valid_until, c.expired, c.used_by) for c in f.credits]
    assert [(dt.date(2012, 2, 11), None, False, ("lm_partner",))] == list(f.losses)
    later = answers.lapse_forecast(EX / "nant_y_fedw.yaml", on=dt.date(2012, 3, 1))
    assert later.lapsed and all(c.expired for c in later.credits)
    assert "Lapsed on 2012-02-11" in later.render()


def test_expired_credits_are_reported_as_expired():
    """Millbeck: 2008 credits for 5.3 and 5.4 expired on 2011-11-20, with the recognition."""
    f = answers.lapse_forecast(EX / "millbeck_surgery.yaml")
    assert f.lapsed and dt.date(2011, 11, 21) == f.lapses_on
    assert [("5.3", True), ("5.4", True)] == [(c.requirement.id, c.expired) for c in f.credits]
    assert () == f.losses


def test_credit_windows_agree_with_the_evaluator_across_29_february(standard_org):
    """A credit from 2008-02-29 counts on its last valid day and not the day after."""
    met = ["4.1", "4.2", "4.3", "NOS.A", "NOS.B", "NOS.C", "NOS.D", "NOS.E", "NOS.F"]
    earlier = [{"assessed_on": "2008-02-29", "met": ["5.1", "5.3", "5.4"]}]
    last = answers.valid_until(dt.date(2008, 2, 29), 3)
    assert dt.date(2011, 2, 28) == last
    for day, expected in ((last, True), (last + dt.timedelta(days=1), False)):
        evidence = standard_org(met, on=day.isoformat(), history=earlier)
        assert expected == iiprules.evaluate(evidence).award("lm_partner")


def test_no_recognition_at_all():
    """Lanternfly was never recognised: nothing lapses."""
    f = answers.lapse_forecast(EX / "lanternfly_labs.yaml")
    assert (None, None, True) == (f.recognised_on, f.lapses_on, f.lapsed)
    assert "Not recognised" in f.render()


# -- command line ---------------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iiprules", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_plan_text_and_json():
    """Iiprules plan prints the exact minimum; --format json parses."""
    r = run("plan", "examples/pellow_and_daughters.yaml", "--target", "silver")
    assert 0 == r.returncode, r.stderr
    assert "Needs 51 more requirements (the exact minimum):" in r.stdout
    r = run("plan", "examples/orrin_valley_trust.yaml", "--target", "lm_themed", "--format", "json")
    assert 7 == json.loads(r.stdout)["plan"]["requirements"]


def test_cli_bad_input_exits_2():
    """An unknown target or a bad cost file is one message and exit code 2."""
    r = run("plan", "examples/pellow_and_daughters.yaml", "--target", "platinum")
    assert 2 == r.returncode and "no level or award 'platinum'" in r.stderr
    r = run("plan", "examples/pellow_and_daughters.yaml", "--target", "gold", "--cost", "nope.yaml")
    assert 2 == r.returncode and "no such cost file" in r.stderr


def test_cli_critical_pending_lapse_and_why_not():
    """The other answers run as commands, in text and JSON."""
    r = run("critical", "examples/nant_y_fedw.yaml")
    assert 0 == r.returncode and "9 of 12 pieces of evidence are critical" in r.stdout
    r = run("pending", "examples/carrow_dale_housing.yaml", "--format", "json")
    assert json.loads(r.stdout)["decided"] is True
    r = run("lapse", "examples/nant_y_fedw.yaml", "--on", "2012-03-01")
    assert 0 == r.returncode and "Lapsed on 2012-02-11" in r.stdout
    r = run("why-not", "examples/millbeck_surgery.yaml")
    assert 0 == r.returncode and "missing 5.3 People can describe" in r.stdout
