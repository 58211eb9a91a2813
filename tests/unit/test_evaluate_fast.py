"""The compiled paths decide exactly as the explained path: scalar, Outcome and vectorised."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from iiprules import api
from iiprules.check import check
from iiprules.diagnostics import EvaluationError
from iiprules.evaluate import Evaluator, Layout, Verdict, date_key, whole_years
from iiprules.evidence import Earlier, Evidence, validate
from iiprules.syntax import parse

ON = dt.date(2010, 6, 1)


def packaged(on: dt.date = ON) -> list[Evaluator]:
    return list(api.PopulationRulesets().judges(on))


def listable(evaluators: list[Evaluator]) -> list[str]:
    return sorted({k for e in evaluators for k in e.index if k not in e._derived_ids})


def random_evidence(
    rng: random.Random,
    ids: list[str],
    i: int,
    on: dt.date = ON,
    evaluators: list[Evaluator] | None = None,
) -> Evidence:
    """Evidence drawn near the thresholds: most ids met, facts, sometimes earlier assessments."""
    declared = {k for e in evaluators or packaged() for k in e.scope.facts}
    pools = {k for e in evaluators or packaged() for k in e.pool_index}
    levels = sorted({lv for e in evaluators or packaged() for lv in e.level_ids})
    p = rng.choice((0.5, 0.8, 0.95, 0.99, 1.0))
    facts: dict[str, object] = {}
    if rng.random() < 0.3 and "representative_groups" in declared:
        facts["representative_groups"] = rng.random() < 0.5
    if rng.random() < 0.3 and "business_network_member" in declared:
        facts["business_network_member"] = rng.random() < 0.5
    if rng.random() < 0.2 and "employees" in declared:
        facts["employees"] = rng.randint(0, 5)
    history = []
    for _ in range(rng.choice((0, 0, 0, 1, 3))):
        history.append(
            Earlier(
                dt.date(on.year - rng.randint(1, 7), rng.randint(1, 12), rng.randint(1, 28)),
                frozenset(r for r in ids if rng.random() < 0.6),
                {"W.other": rng.randint(0, 93)},
                None,
                rng.choice((None, "none", *levels)),
            )
        )
    return Evidence(
        f"org {i}",
        on,
        frozenset(r for r in ids if rng.random() < p),
        {"W.other": rng.randint(0, 93)} if rng.random() < 0.9 and "W.other" in pools else {},
        {},
        tuple(sorted(history, key=lambda h: h.assessed_on)),
        raw_facts=facts,
    )


def verdict_of(outcome) -> tuple:
    return (
        outcome.level,
        tuple(d.holds for d in outcome.awards),
        tuple(d.holds for d in outcome.invariants),
    )


def test_fast_outcome_and_explained_paths_agree_on_10000_random_organisations():
    """decide, evaluate(explain=False) and evaluate(explain=True) agree on every decision."""
    evaluators = packaged()
    ids = listable(evaluators)
    rng = random.Random(11)
    for i in range(10_000):
        ev = validate(random_evidence(rng, ids, i, ON, evaluators), [e.scope for e in evaluators])
        for e in evaluators:
            slow = e.evaluate(ev, explain=True)
            fast = e.evaluate(ev, explain=False)
            assert slow == fast
            assert slow.not_applicable == fast.not_applicable
            assert dict(slow.derived) == dict(fast.derived)
            assert verdict_of(slow) == tuple(e.decide(ev))
            assert all(d.holds == d.trace.holds for d in slow.levels + slow.awards)


def test_every_version_agrees_on_random_organisations():
    """The 2004 Standard (one level, no awards) agrees too, dated when it was in force."""
    on = dt.date(2006, 3, 1)
    evaluators = packaged(on)
    ids = listable(evaluators)
    rng = random.Random(5)
    for i in range(2_000):
        ev = validate(random_evidence(rng, ids, i, on, evaluators), [e.scope for e in evaluators])
        for e in evaluators:
            assert verdict_of(e.evaluate(ev, explain=True)) == tuple(e.decide(ev))


def test_vector_kernel_agrees_with_the_scalar_path():
    """The numpy kernel gives the rank, awards and invariants that decide gives."""
    np = pytest.importorskip("numpy")
    evaluators = packaged()
    ids = listable(evaluators)
    names = sorted({k for e in evaluators for k in e.index})
    layout = Layout({k: i for i, k in enumerate(names)}, {"W.other": 0})
    rng = random.Random(3)
    evs = []
    for i in range(5_000):
        ev = random_evidence(rng, ids, i, ON, evaluators)
        ev = validate(
            Evidence(ev.organisation, ON, ev.met, ev.unnamed_met, raw_facts=ev.raw_facts),
            [e.scope for e in evaluators],
        )
        evs.append(ev)
    n = len(evs)
    words = np.zeros((layout.words, n), np.uint64)
    for j, ev in enumerate(evs):
        mask = sum(1 << layout.bits[r] for r in ev.met)
        for w in range(layout.words):
            words[w, j] = (mask >> (64 * w)) & (2**64 - 1)
    pools = np.array([[ev.unnamed_met.get("W.other", 0) for ev in evs]], np.int32)
    facts = {
        "representative_groups": np.array(
            [ev.facts.get("representative_groups", True) for ev in evs]
        ),
        "business_network_member": np.array(
            [ev.facts.get("business_network_member", False) for ev in evs]
        ),
        "employees": np.array([ev.facts.get("employees", 2) for ev in evs], np.int64),
    }
    on = np.full(n, date_key(ON), np.int64)
    for e in evaluators:
        rank, awards, invariants = e.vector_kernel(layout)(words, pools, facts, on, n)
        for j, ev in enumerate(evs):
            level = e.level_ids[rank[j]] if rank[j] >= 0 else None
            got = (level, tuple(bool(a[j]) for a in awards), tuple(bool(x[j]) for x in invariants))
            assert tuple(e.decide(ev)) == got


def test_decide_returns_a_shared_verdict_per_answer():
    """Verdicts are named tuples in the order of award_ids and invariant_ids, made once each."""
    e = next(x for x in packaged() if x.scope.ruleset == "lm_theme")
    ev = Evidence("x", ON)
    v = e.decide(ev)
    assert isinstance(v, Verdict)
    assert (None, (False,) * len(e.award_ids), (True,) * len(e.invariant_ids)) == tuple(v)
    assert v is e.decide(Evidence("y", ON))


def test_the_generated_code_holds_no_ruleset_text():
    """Requirement ids, fact names and level ids reach the function as constants, not as text."""
    for e in packaged():
        e.evaluate(Evidence("x", ON), explain=False)  # compiles the Outcome path's function
        for fn in (e._decide, e._full_fn):
            text = fn.__doc__
            for rid in e.index:
                assert f"'{rid}'" not in text and f'"{rid}"' not in text
            for name in e.scope.facts:
                assert name not in text
            for lv in e.level_ids:
                assert f"'{lv}'" not in text


def test_a_missing_fact_without_default_fails_on_both_paths():
    """A fact with no default that the rules need raises the same EvaluationError everywhere."""
    text = """ruleset t
version 1 effective 2000-01-01 {
    part core "Core"
    fact sites: number
    requirement 1 in core {
        text "one"
    }
    level ok "OK" {
        requires all of part core and sites >= 2
    }
}
"""
    e = Evaluator(check(parse(text)).checked.snapshots[0])
    ev = Evidence("x", ON, frozenset({"1"}))
    with pytest.raises(EvaluationError) as slow:
        e.evaluate(ev, explain=True)
    with pytest.raises(EvaluationError) as fast:
        e.decide(ev)
    assert str(slow.value) == str(fast.value)
    assert "ok" == e.decide(Evidence("x", ON, frozenset({"1"}), facts={"sites": 3})).level


LADDER = """ruleset ladder
version 1 effective 2000-01-01 {
    part core "Core"
    part extra "Extra"
    fact since: date default 2001-01-01
    unnamed 5 as X.more in extra
    requirement A in core {
        text "a"
    }
    requirement B in core {
        text "b"
        applies when since >= 2003-01-01
    }
    requirement C in extra {
        text "c"
    }
    requirement D in extra {
        text "d"
        maps to [A, C]
    }
    level low "Low" {
        requires any of part core or years since since >= 8
    }
    level high "High" {
        requires (count of part extra >= 4 and not none of [D]) or at most 1 of part core counting credits from the last 3 years
    }
    award odd themed "Odd" {
        requires level < high implies (award even or all of part extra)
    }
    award even themed "Even" {
        requires count of part core != 1 and since < 2005-01-01
    }
    invariant ordered "High needs low" {
        holds level >= high implies level >= low
    }
}
"""


def test_conditions_of_every_kind_agree_on_random_evidence():
    """Negation, implication, count comparisons, credits, dates and award references agree."""
    e = Evaluator(check(parse(LADDER)).checked.snapshots[0])
    rng = random.Random(2)
    for i in range(3_000):
        met = frozenset(r for r in ("A", "B", "C") if rng.random() < 0.5)
        history = tuple(
            Earlier(
                dt.date(2010 - rng.randint(0, 5), 1, 1),
                frozenset(r for r in "ABC" if rng.random() < 0.5),
                {"X.more": rng.randint(0, 5)},
            )
            for _ in range(rng.randint(0, 2))
        )
        facts = {"since": dt.date(rng.randint(1995, 2012), 6, 1)} if rng.random() < 0.7 else {}
        ev = Evidence(f"o{i}", ON, met, {"X.more": rng.randint(0, 7)}, facts, history)
        slow = e.evaluate(ev, explain=True)
        assert slow == e.evaluate(ev, explain=False)
        assert slow.not_applicable == e.evaluate(ev, explain=False).not_applicable
        assert verdict_of(slow) == tuple(e.decide(ev))


def test_wide_rulesets_with_many_decisions_agree():
    """More awards than fit in one machine word still give one verdict per answer."""
    awards = "\n".join(
        f'    award a{i} themed "A{i}" {{\n        requires at least {i % 7} of part core\n    }}'
        for i in range(70)
    )
    reqs = "\n".join(
        f'    requirement R{i} in core {{\n        text "r{i}"\n    }}' for i in range(8)
    )
    text = f"""ruleset wide
version 1 effective 2000-01-01 {{
    part core "Core"
{reqs}
    level one "One" {{
        requires any of part core
    }}
{awards}
}}
"""
    e = Evaluator(check(parse(text)).checked.snapshots[0])
    rng = random.Random(1)
    for i in range(500):
        ev = Evidence(f"o{i}", ON, frozenset(f"R{k}" for k in range(8) if rng.random() < 0.5))
        assert verdict_of(e.evaluate(ev, explain=True)) == tuple(e.decide(ev))


def test_listed_derived_requirements_are_decided_by_their_mapping():
    """Evidence cannot list a derived requirement; if it does anyway, every path ignores it."""
    e = next(x for x in packaged() if x.scope.ruleset == "lm_theme")
    derived = sorted(e._derived_ids)
    ev = Evidence("x", ON, frozenset(derived))
    slow = e.evaluate(ev, explain=True)
    assert slow == e.evaluate(ev, explain=False)
    assert not any(slow.derived.values())
    assert verdict_of(slow) == tuple(e.decide(ev))


def test_date_keys_count_whole_years():
    """Date keys order like dates, and floor((end - start) / 10000) is whole_years."""
    rng = random.Random(4)
    for _ in range(5_000):
        a = dt.date(rng.randint(1900, 2100), rng.randint(1, 12), rng.randint(1, 28))
        b = dt.date(rng.randint(1900, 2100), rng.randint(1, 12), rng.randint(1, 28))
        assert (a < b) == (date_key(a) < date_key(b))
        assert whole_years(a, b) == (date_key(b) - date_key(a)) // 10000


def test_compiling_a_large_ruleset_does_not_scan_every_requirement_per_selection():
    """Selections are answered from indexes: a mapping per requirement stays cheap to compile."""
    reqs = "\n".join(
        f'    requirement R{i} in core {{\n        text "r{i}"\n    }}' for i in range(3000)
    )
    derived = "\n".join(
        f'    requirement D{i} in lm {{\n        text "d{i}"\n        maps to [R{i}, R{i + 1}]\n    }}'
        for i in range(0, 2998, 2)
    )
    text = f"""ruleset big
version 1 effective 2000-01-01 {{
    part core "Core"
    part lm "LM"
{reqs}
{derived}
    level one "One" {{
        requires all of part lm
    }}
}}
"""
    snap = check(parse(text)).checked.snapshots[0]
    e = Evaluator(snap)
    assert "one" == e.decide(Evidence("x", ON, frozenset(f"R{i}" for i in range(3000)))).level
    assert e.decide(Evidence("x", ON, frozenset(f"R{i}" for i in range(1, 3000)))).level is None


def test_credit_windows_reaching_back_before_year_1_start_at_year_1():
    """An assessment in year 2 with 3-year credits is judged on both paths, without ValueError."""
    e = next(x for x in packaged(dt.date(2010, 6, 1)) if x.scope.ruleset == "partner_award")
    earlier = (Earlier(dt.date(1, 6, 1), frozenset({"4.1", "4.2"}), {}, None, "standard"),)
    for met in (frozenset(), frozenset(r for r in e.index if r.startswith("NOS"))):
        ev = Evidence("x", dt.date(2, 1, 1), met, {}, {}, earlier)
        assert verdict_of(e.evaluate(ev, explain=True)) == tuple(e.decide(ev))


MAPPED_ONTO_AN_APPLICABLE = """
ruleset mini
version 1 effective 2000-01-01 {
    part a "Part A"
    fact f: boolean default true
    principle p "P" {
        indicator i1 "One" {
            requirement r1 in a { text "r1" source "s" assumed applies when f }
            requirement r2 in a { text "r2" source "s" assumed }
            requirement d1 in a { text "derived" source "s" assumed maps to [r1] }
        }
    }
    level l0 "Level 0" { source "s" assumed requires all of part a }
}
"""


def test_a_mapping_onto_a_requirement_with_applies_when_is_kept():
    """A derived requirement mapped onto one 'applies when' requirement still counts (regression)."""
    checked = check(parse(MAPPED_ONTO_AN_APPLICABLE)).checked
    e = Evaluator(checked.snapshots[0])
    for met, level in ((["r2"], None), (["r1"], None), (["r1", "r2"], "l0")):
        for facts in ({}, {"f": False}):
            ev = validate(Evidence("x", ON, frozenset(met), raw_facts=facts), [e.scope])
            want = e.evaluate(ev, explain=True).level
            assert want == e.evaluate(ev, explain=False).level
            if not facts:
                assert level == want
    ev = validate(Evidence("x", ON, frozenset(["r2"])), [e.scope])
    assert e.evaluate(ev, explain=False).level is None
