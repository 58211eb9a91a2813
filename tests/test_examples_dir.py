"""The example organisations in examples/ reach the outcomes worked out by hand.

tests/example_outcomes.yaml holds, for every evidence file, the level and awards
that a reader of the rulesets expects; together the files reach every level and
every award outcome (asserted below, so the set cannot silently shrink).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import iiprules

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = yaml.safe_load((ROOT / "tests" / "example_outcomes.yaml").read_text(encoding="utf-8"))
FILES = sorted(p.name for p in (ROOT / "examples").iterdir() if p.suffix in (".yaml", ".json"))


def test_every_example_has_an_expected_outcome():
    """No example file without an expectation, and no expectation without a file."""
    assert sorted(EXPECTED) == FILES
    assert len(FILES) >= 10


@pytest.mark.parametrize("name", FILES)
def test_example_outcome(name):
    """Each example reaches exactly the level and awards expected of it."""
    outcome = iiprules.evaluate(str(ROOT / "examples" / name))
    expect = EXPECTED[name]
    assert expect["level"] == (outcome.level or "none")
    assert expect["awards"] == outcome.award_results
    assert all(i.holds for i in outcome.invariants)


def test_examples_cover_every_outcome():
    """Together the examples reach every level and both answers for every award."""
    levels = {e["level"] for e in EXPECTED.values()}
    assert {"none", "standard", "bronze", "silver", "gold"} <= levels
    answers: dict[str, set[bool]] = {}
    for e in EXPECTED.values():
        for award, got in e["awards"].items():
            answers.setdefault(award, set()).add(got)
    assert {
        "long_service",
        "lm_model",
        "lm_themed",
        "lm_extended",
        "lm_partner",
        "lm_partner_network",
    } == set(answers)
    assert all({True, False} == v for v in answers.values())
