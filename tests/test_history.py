"""Assessment history: lapsed recognitions in explanations, and the long-service proposal."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import iiprules
from iiprules import api
from iiprules.explain import (
    recognition_history,
    render_json,
    render_markdown,
    render_text,
    render_tree,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def org(standard_org, standard_ids):
    """Evidence assessed on ``on`` with earlier assessments (a date, or (date, level))."""

    def build(on: str, *earlier: str | tuple[str, str], met=None) -> iiprules.Evidence:
        history = []
        for e in earlier:
            date, level = (e, "standard") if isinstance(e, str) else e
            history.append({"assessed_on": date, "ruleset": "standard", "level": level})
        met = standard_ids if met is None else met
        return iiprules.load_evidence(standard_org(met, on=on, history=history))

    return build


# -- recognition history -----------------------------------------------------------------


def test_no_history(org):
    """Without earlier assessments there is nothing to lapse."""
    h = recognition_history(org("2010-06-01"))
    assert "none" == h.status and not h.lapsed
    assert "no earlier assessment on record" == h.reason


def test_a_recognition_older_than_3_years_has_lapsed_with_the_reason(org):
    """2006-03-01 to 2010-06-01: more than 3 years, so lapsed, and the reason says why."""
    h = recognition_history(org("2010-06-01", "2006-03-01"))
    assert h.lapsed
    assert dt.date(2009, 3, 1) == h.lapsed_after
    assert "had lapsed before this assessment" in h.reason
    assert "4 years 3 months had passed" in h.reason
    assert "a recognition lasts at most 3 years" in h.reason


def test_exactly_3_years_is_still_in_force_a_day_more_is_not(org):
    """The boundary: renewed on the third anniversary is in force; a day later, lapsed."""
    assert "in_force" == recognition_history(org("2010-06-01", "2007-06-01")).status
    assert "lapsed" == recognition_history(org("2010-06-02", "2007-06-01")).status


def test_in_force_reports_the_unbroken_run(org):
    """Three renewals within 3 years of each other: in force, 3 consecutive, since the first."""
    h = recognition_history(org("2010-06-01", "2001-06-01", "2004-06-01", "2007-06-01"))
    assert ("in_force", 3, dt.date(2001, 6, 1)) == (h.status, h.consecutive, h.recognised_since)
    assert "3 consecutive recognitions since 2001-06-01" in h.reason
    assert () == h.earlier_lapses


def test_earlier_lapses_are_listed(org):
    """A gap of more than 3 years between two earlier recognitions is an earlier lapse."""
    h = recognition_history(org("2010-06-01", "2001-05-31", "2004-06-01", "2007-06-01"))
    assert ((dt.date(2001, 5, 31), dt.date(2004, 6, 1)),) == h.earlier_lapses
    assert 2 == h.consecutive


def test_an_assessment_that_did_not_recognise_ends_the_recognition(org):
    """Recognised in 2006, not in 2008: the recognition ended in 2008, it did not lapse."""
    h = recognition_history(org("2010-06-01", "2006-06-01", ("2008-06-01", "none")))
    assert "ended" == h.status
    assert dt.date(2006, 6, 1) == h.last_recognised_on
    only_failed = recognition_history(org("2010-06-01", ("2008-06-01", "none")))
    assert "not_recognised" == only_failed.status


def test_render_text_and_tree_show_the_lapse():
    """The explanation's 'Recognition history' line says lapsed and why."""
    ev = iiprules.load_evidence(ROOT / "examples" / "millbeck_surgery.yaml")
    outcome = iiprules.evaluate(ev)
    for text in (render_text(outcome, ev), render_tree(outcome, ev)):
        (line,) = [x for x in text.splitlines() if x.startswith("Recognition history:")]
        assert "previous assessment 2008-11-20" in line
        assert "had lapsed before this assessment: 3 years 5 months had passed" in line
    assert "**Recognition history:**" in render_markdown(outcome, ev)
    assert "Recognition history" not in render_text(outcome)  # only when the evidence is given


def test_render_json_has_a_recognition_history_key():
    """render_json(..., evidence=...) adds recognition_history, with lapsed and the reason."""
    ev = iiprules.load_evidence(ROOT / "examples" / "millbeck_surgery.yaml")
    data = json.loads(render_json(iiprules.evaluate(ev), evidence=ev))
    h = data["recognition_history"]
    assert (True, "lapsed", "2011-11-20") == (h["lapsed"], h["status"], h["lapsed_after"])
    assert "a recognition lasts at most 3 years" in h["reason"]
    assert "recognition_history" not in json.loads(render_json(iiprules.evaluate(ev)))


# -- the long-service proposal -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("earlier", "eligible"),
    [
        (("2001-06-01", "2004-06-01", "2007-06-01"), True),  # the 4th, each 3 years apart
        (("2001-05-31", "2004-06-01", "2007-06-01"), False),  # 2001 lapsed a day early
        (("2004-06-01", "2007-06-01"), False),  # only the 3rd
        (("1998-06-01", "2001-06-01", "2004-06-01", "2007-06-01"), True),  # the 5th
        (("2001-06-01", "2004-06-01", ("2007-06-01", "none")), False),  # not recognised 2007
    ],
)
def test_long_service_needs_the_4th_consecutive_recognition(earlier, eligible, org):
    """Recognised now and 3 earlier recognitions in an unbroken run (a proposal)."""
    outcome = iiprules.evaluate(org("2010-06-01", *earlier), "standard@2009")
    assert eligible == outcome.award("long_service")


def test_long_service_needs_recognition_now(standard_ids, org):
    """A long run of recognitions is not enough when the Standard is not met now."""
    ev = org("2010-06-01", "2001-06-01", "2004-06-01", "2007-06-01", met=standard_ids[:-1])
    outcome = iiprules.evaluate(ev, "standard@2009")
    assert outcome.level is None
    assert not outcome.award("long_service")


def test_long_service_is_a_proposal_with_provenance():
    """The award says it is a proposal, names the unconfirmed and confirmed sources."""
    scope = api.load("standard").version("2009")
    (award,) = [a for a in scope.awards if a.id == "long_service"]
    assert "proposal" in award.title.lower()
    assert "PROPOSAL" in (award.meta.doc or "")
    assert {"unconfirmed", "confirmed", "assumed"} == {s.confidence for s in award.meta.sources}
    assert "long_service" not in [a.id for a in api.load("standard").version("2004").awards]


def test_the_long_service_example_organisation():
    """Fennick Mill: recognised 2002, 2005, 2008 and now 2011, so eligible."""
    ev = iiprules.load_evidence(ROOT / "examples" / "fennick_mill_textiles.yaml")
    outcome = iiprules.evaluate(ev)
    assert outcome.award("long_service")
    h = recognition_history(ev)
    assert (3, dt.date(2002, 10, 3)) == (h.consecutive, h.recognised_since)
