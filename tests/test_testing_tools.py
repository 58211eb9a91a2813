"""``iiprules test``: example reports (text, JSON, JUnit), coverage and mutation testing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import junitparser

from iiprules import api
from iiprules.testing_coverage import coverage, totals
from iiprules.testing_examples import run as run_examples
from iiprules.testing_mutants import mutants

ROOT = Path(__file__).resolve().parent.parent

MINI = """\
ruleset mini
    title "A small ruleset for the testing tools"

version 1 effective 2020-01-01 {
    part core "Core"
    fact staff: number default 2

    requirement A in core {
        text "A is met."
    }

    requirement B in core {
        text "B is met."
    }

    requirement C in core {
        text "C is met."
    }

    level base "Base" {
        requires all of part core and staff >= 2
    }

    level plus "Plus" {
        requires level >= base or at least 2 of [A, B]
    }

%s
}
"""

EXAMPLES = """\
    example "Everything" {
        met part core
        expect level plus
    }

    example "Two of the list, not the base" {
        met [A, B]
        expect level plus
    }
"""


WRONG = '    example "Wrong" {\n        met [A]\n        expect level base\n    }\n'


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iiprules", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def write(tmp_path: Path, examples: str = EXAMPLES) -> Path:
    f = tmp_path / "mini.rules"
    f.write_text(MINI % examples, encoding="utf-8")
    return f


# -- examples -------------------------------------------------------------------------------


def test_failing_example_shows_expected_actual_and_why(tmp_path):
    """A failing example prints expected vs actual and the trace of the decision behind it."""
    f = write(tmp_path, EXAMPLES + WRONG)
    r = cli("test", str(f))
    assert 1 == r.returncode
    assert "FAIL  mini@1: Wrong" in r.stdout
    assert "level: expected base, got none" in r.stdout
    assert "level base (Base): does not hold" in r.stdout
    assert "[no] all 3 requirements of Core: 1 met; not met: B, C" in r.stdout
    assert "3 example(s), 1 failed" in r.stdout


def test_reached_too_high_explains_the_level_above(tmp_path):
    """When a higher level than expected is reached, its decision explains why."""
    f = write(tmp_path, '    example "Too high" {\n        met part core\n'
              "        expect level base\n    }\n")
    runs = run_examples(api.load(str(f)))
    (failure,) = runs[0].failures
    assert ("level", "base", "plus") == (failure.what, failure.expected, failure.actual)
    assert failure.explanation[0] == "level plus (Plus): holds"


def test_run_selects_examples_by_name(tmp_path):
    """--run keeps only the examples whose name matches the pattern."""
    f = write(tmp_path)
    r = cli("test", "-v", "--run", "^Every", str(f))
    assert 0 == r.returncode, r.stdout
    assert "1 example(s), 0 failed" in r.stdout


def test_bad_run_pattern_is_a_usage_error(tmp_path):
    """An invalid regular expression exits 2 with a message, not a traceback."""
    r = cli("test", "--run", "(", str(write(tmp_path)))
    assert 2 == r.returncode
    assert "not a regular expression" in r.stderr


def test_json_report(tmp_path):
    """--format json gives a summary and every expectation."""
    r = cli("test", "--format", "json", str(write(tmp_path, EXAMPLES + WRONG)))
    doc = json.loads(r.stdout)
    assert {"examples": 3, "passed": 2, "failed": 1} == doc["summary"]
    failed = next(e for e in doc["examples"] if not e["passed"])
    assert "Wrong" == failed["name"]
    exp = failed["expectations"][0]
    assert ("base", "none", False) == (exp["expected"], exp["actual"], exp["passed"])
    assert "level base (Base): does not hold" == exp["explanation"][0]


def test_junit_packaged_rulesets_one_case_per_example():
    """JUnit XML of the packaged rulesets parses, with one test case per example."""
    r = cli("test", "--format", "junit", "rulesets/")
    assert 0 == r.returncode, r.stderr
    xml = junitparser.JUnitXml.fromstring(r.stdout)
    cases = [c for suite in xml for c in suite]
    expected = sum(len(s.examples) for n in api.packaged_names() for s in api.load(n).snapshots)
    assert expected == len(cases)
    assert all(c.is_passed for c in cases)
    assert {"standard@2004", "standard@2009", "lm_theme@2009", "partner_award@2009"} <= {
        s.name for s in xml
    }


def test_junit_reports_failures_and_broken_rulesets(tmp_path):
    """A failing example is a <failure>; a ruleset with errors is an <error> case."""
    write(tmp_path, EXAMPLES + WRONG)
    (tmp_path / "broken.rules").write_text("ruleset broken\nversion 1 {", encoding="utf-8")
    r = cli("test", "--format", "junit", str(tmp_path))
    assert 1 == r.returncode
    xml = junitparser.JUnitXml.fromstring(r.stdout)
    results = {c.name: c.result for suite in xml for c in suite}
    assert isinstance(results["Wrong"][0], junitparser.Failure)
    assert "expected base, got none" in results["Wrong"][0].message
    assert [] == results["Everything"]
    assert isinstance(results["check"][0], junitparser.Error)


# -- coverage -------------------------------------------------------------------------------


def _uncovered(f: Path) -> list[str]:
    (report,) = coverage(api.load(str(f)))
    return [i.label for i in report.uncovered]


def test_coverage_names_missing_boundaries_and_operands(tmp_path):
    """Two examples leave the fact boundary, the list's N-1 and requirement C uncovered."""
    examples = """\
    example "Everything" {
        met part core
        expect level plus
    }

    example "Nothing" {
        expect level none
    }
"""
    missing = _uncovered(write(tmp_path, examples))
    assert "level base: staff >= 2 false" in missing
    assert "level base: staff >= 2 missed at 1" in missing
    assert "level plus: at least 2 of [A, B] missed at 1" in missing
    # Taking C out of "Everything" leaves Plus reached through A and B: C decides nothing.
    assert "requirement C: decides an outcome" in missing
    assert "requirement A: decides an outcome" not in missing
    assert "level plus: reached" not in missing
    assert "level plus: not reached" not in missing


FULL = """\
ruleset full
    title "Every item covered"

version 1 effective 2020-01-01 {
    part core "Core"
    part extra "Extra"
    fact staff: number default 2

    requirement A in core {
        text "A is met."
    }

    requirement B in core {
        text "B is met."
    }

    requirement X in extra {
        text "X is met."
    }

    requirement Y in extra {
        text "Y is met."
    }

    level base "Base" {
        requires all of part core and staff >= 2
    }

    level plus "Plus" {
        requires level >= base and at least 1 of [X, Y]
    }

    example "Base and X" {
        met [A, B, X]
        expect level plus
    }

    example "Base and Y" {
        met [A, B, Y]
        expect level plus
    }

    example "Base only" {
        met [A, B]
        expect level base
    }

    example "A and X" {
        met [A, X]
        expect level none
    }

    example "One employee" {
        fact staff = 1
        met [A, B, X]
        expect level none
    }
}
"""


def test_full_coverage_when_every_boundary_is_shown(tmp_path):
    """Examples at every threshold and with every operand deciding cover every item."""
    f = tmp_path / "full.rules"
    f.write_text(FULL, encoding="utf-8")
    assert [] == _uncovered(f)
    r = cli("test", "--coverage", "--fail-under", "100", str(f))
    assert 0 == r.returncode, r.stdout + r.stderr
    assert "total: 100.0% covered" in r.stdout


def test_coverage_fail_under_and_json(tmp_path):
    """--fail-under exits 1 when coverage is lower; --format json carries the items."""
    f = write(tmp_path)
    r = cli("test", "--coverage", "--fail-under", "99.5", str(f))
    assert "not covered:" in r.stdout
    assert 1 == r.returncode
    assert "is under 99.5%" in r.stderr
    doc = json.loads(cli("test", "--coverage", "--format", "json", str(f)).stdout)
    (version,) = doc["versions"]
    assert "mini@1" == version["ref"]
    item = next(i for i in version["items"] if not i["covered"])
    assert {"category", "label", "path", "line", "column", "covered"} == set(item)


def test_requirement_coverage_flips_each_requirement(tmp_path):
    """A requirement no example can turn into a different outcome is reported."""
    f = write(tmp_path, '    example "Nothing" {\n        expect level none\n    }\n')
    (report,) = coverage(api.load(str(f)))
    got, total = report.figures()["requirement"]
    # With nothing met, adding any one of A, B, C alone changes nothing.
    assert (0, 3) == (got, total)
    assert totals([report])["all"][1] == len(report.items)


# -- mutants --------------------------------------------------------------------------------


def test_surviving_threshold_mutant_is_named_with_its_position(tmp_path):
    """Without a boundary example, 'at least 1' survives and is reported where it is written."""
    examples = """\
    example "A and B only" {
        met [A, B]
        expect level plus
    }

    example "Nothing" {
        expect level none
    }
"""
    f = write(tmp_path, examples)
    (report,) = mutants(api.load(str(f)))
    survived = [x for x in report.mutants if x.status == "survived"]
    texts = [x.description for x in survived]
    assert "level plus: 'at least 1 of [A, B]' instead of 'at least 2 of [A, B]'" in texts
    at1 = next(x for x in survived if "at least 1 of" in x.description)
    assert (f.name, 25) == (Path(at1.span.path).name, at1.span.line)
    r = cli("test", "--mutants", str(f))
    assert "no example notices level plus: 'at least 1 of [A, B]'" in r.stdout


def test_boundary_example_kills_the_threshold_mutants(tmp_path):
    """With examples at N and N-1 the threshold mutants are killed."""
    examples = """\
    example "A and B only" {
        met [A, B]
        expect level plus
    }

    example "A alone" {
        met [A]
        expect level none
    }

    example "One employee, everything" {
        fact staff = 1
        met part core
        expect level plus
    }
"""
    (report,) = mutants(api.load(str(write(tmp_path, examples))))
    by = {x.description: x.status for x in report.mutants}
    assert "killed" == by["level plus: 'at least 1 of [A, B]' instead of 'at least 2 of [A, B]'"]
    assert "killed" == by["level plus: 'at least 3 of [A, B]' instead of 'at least 2 of [A, B]'"]
    assert "killed" == by["level plus: 'level >= base and at least 2 of [A, B]' instead of "
                          "'level >= base or at least 2 of [A, B]'"]


def test_equivalent_mutants_are_proved_not_counted(tmp_path):
    """When the base level needs A and B, 'at least 1 of [A, B]' for Plus decides alike."""
    f = tmp_path / "mini.rules"
    f.write_text((MINI % EXAMPLES).replace("level >= base or at least", "level >= base and at least"),
                 encoding="utf-8")
    (report,) = mutants(api.load(str(f)))
    by = {x.description: x.status for x in report.mutants}
    assert "equivalent" == by["level plus: 'at least 1 of [A, B]' instead of 'at least 2 of [A, B]'"]
    assert "killed" == by["level plus: A dropped from [A, B]"]  # 2 of [B] cannot be met
    assert "survived" == by["level base with its requires dropped (always reached)"]
    assert all(x.status != "invalid" for x in report.mutants)
    assert report.count("survived") + report.count("killed") + report.count("equivalent") == len(
        report.mutants
    )


def test_mutants_fail_under(tmp_path):
    """--fail-under with --mutants exits 1 below the score."""
    r = cli("test", "--mutants", "--fail-under", "100", str(write(tmp_path)))
    assert 1 == r.returncode
    assert "mutation score" in r.stderr


def test_junit_is_only_for_examples(tmp_path):
    """--format junit with --coverage is a usage error (exit 2)."""
    r = cli("test", "--coverage", "--format", "junit", str(write(tmp_path)))
    assert 2 == r.returncode


# -- the packaged rulesets, as CI runs them -------------------------------------------------


def test_packaged_rulesets_have_full_coverage():
    """`test --coverage rulesets/` reports every version, and every item is covered."""
    r = cli("test", "--coverage", "--fail-under", "100", "rulesets/")
    assert 0 == r.returncode, r.stdout + r.stderr
    for ref in ("standard@2004", "standard@2009", "lm_model@2003", "lm_theme@2009",
                "partner_award@2009"):
        assert f"{ref}: " in r.stdout
    assert "not covered:" not in r.stdout
    assert "total: 100.0% covered" in r.stdout


def test_packaged_rulesets_kill_at_least_95_percent_of_mutants():
    """`test --mutants rulesets/` reaches a 95% score; every survivor would be listed."""
    r = cli("test", "--mutants", "--fail-under", "95", "--format", "json", "rulesets/")
    assert 0 == r.returncode, r.stdout + r.stderr
    doc = json.loads(r.stdout)
    assert doc["summary"]["score"] >= 95
    assert doc["summary"]["killed"] > 0 and doc["summary"]["invalid"] == 0
    survivors = [m for v in doc["versions"] for m in v["mutants"] if m["status"] == "survived"]
    assert len(survivors) == doc["summary"]["survived"]
