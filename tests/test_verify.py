"""``iiprules verify``: proofs on the packaged rulesets, mutations refuted with real counterexamples, comparisons."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("z3")

ROOT = Path(__file__).resolve().parent.parent
RULESETS = ROOT / "rulesets"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iiprules", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def mutated(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A copy of the packaged rulesets in tmp_path with one edit to ``name``."""
    folder = tmp_path / "rules"
    shutil.copytree(RULESETS, folder)
    path = folder / f"{name}.rules"
    text = path.read_text(encoding="utf-8")
    assert 1 == text.count(old)
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def evaluated(evidence: Path, ruleset: Path | str) -> dict:
    r = run("evaluate", str(evidence), "--ruleset", str(ruleset), "--format", "json")
    assert 0 == r.returncode, r.stderr
    return json.loads(r.stdout)


def holds(outcome: dict, kind: str, ident: str) -> bool:
    return next(d["holds"] for d in outcome["explanation"][kind] if d["id"] == ident)


def test_verify_proves_every_packaged_ruleset_in_a_few_seconds(tmp_path):
    """Verify rulesets/ proves every declared and built-in property and exits 0, quickly."""
    started = time.perf_counter()
    r = run("verify", "rulesets/", "--out", str(tmp_path / "out"))
    elapsed = time.perf_counter() - started
    assert 0 == r.returncode, r.stdout + r.stderr
    assert "0 refuted, 0 unreachable, 0 warning(s), 0 unknown - ok" in r.stdout
    assert (
        "proven      invariant gold_implies_lm_themed: Gold implies the L&M certificate" in r.stdout
    )
    assert "proven      reaching 'gold' implies the condition of every lower level" in r.stdout
    assert "proven      meeting more requirements never lowers the level" in r.stdout
    assert not (tmp_path / "out").exists()
    assert elapsed < 30, f"verify took {elapsed:.1f} s"


GOLD = "requires level >= standard and all of part extended"


def test_gold_below_every_requirement_refutes_gold_implies_lm(tmp_path):
    """Gold at 100 of the 126 breaks 'Gold implies the L&M certificate'; the counterexample is Gold without it."""
    mutated(
        tmp_path, "standard", GOLD, "requires level >= standard and at least 100 of part extended"
    )
    lm = tmp_path / "rules" / "lm_theme.rules"
    r = run("verify", str(lm), "--out", str(tmp_path / "out"))
    assert 1 == r.returncode, r.stdout + r.stderr
    assert "refuted     invariant gold_implies_lm_themed" in r.stdout
    (cx,) = (tmp_path / "out").glob("lm_theme@2009.invariant.gold_implies_lm_themed.yaml")
    outcome = evaluated(cx, lm)
    assert "gold" == outcome["level"]
    assert False is outcome["invariants"]["gold_implies_lm_themed"]
    # Minimal: the 37 Standard requirements that apply without representative groups, and 100 more.
    text = cx.read_text(encoding="utf-8")
    met = text.split("met: [")[1].split("]")[0].split(", ")
    extra = int(text.split("W.other: ")[1].split("}")[0])
    assert 137 == len(met) + extra
    assert "! a rule of the framework is broken here" in run("evaluate", str(cx), "--ruleset", str(lm)).stdout


def test_dropping_an_lm_mapping_refutes_gold_implies_lm(tmp_path):
    """Without LM indicator 1's mapping its requirements must be listed, so a Gold organisation can miss them."""
    lm = mutated(tmp_path, "lm_theme", "            maps to [4.1, W4.1, W4.2]\n", "")
    r = run("verify", str(lm), "--out", str(tmp_path / "out"))
    assert 1 == r.returncode, r.stdout + r.stderr
    (cx,) = (tmp_path / "out").glob("*gold_implies_lm_themed.yaml")
    outcome = evaluated(cx, lm)
    assert "gold" == outcome["level"]
    assert False is outcome["awards"]["lm_themed"]
    assert False is outcome["invariants"]["gold_implies_lm_themed"]


def test_dropping_one_entry_of_a_mapping_only_weakens_it(tmp_path):
    """Dropping one id from a mapping's list makes the certificate easier, so the invariant is still proven."""
    lm = mutated(tmp_path, "lm_theme", "maps to [4.1, W4.1, W4.2]", "maps to [4.1, W4.1]")
    r = run("verify", str(lm), "--out", str(tmp_path / "out"))
    assert 0 == r.returncode, r.stdout + r.stderr
    assert "proven      invariant gold_implies_lm_themed" in r.stdout


BRONZE = "requires level >= standard and at least 26 of part extended"


def test_bronze_needing_more_than_silver_is_rejected_by_the_checker_when_written_plainly(tmp_path):
    """'at least 80' for Bronze against Silver's 76 is a check error (IIP235), so verify reports errors and exits 1."""
    path = mutated(
        tmp_path, "standard", BRONZE, "requires level >= standard and at least 80 of part extended"
    )
    r = run("verify", str(path), "--out", str(tmp_path / "out"))
    assert 1 == r.returncode
    assert "IIP235" in r.stderr
    assert "1 with errors" in r.stdout


def test_bronze_needing_more_than_silver_in_other_words_refutes_nesting(tmp_path):
    """Counted over the whole framework (119 of 165, i.e. 80 extended) the checker cannot see it; verify can."""
    path = mutated(
        tmp_path,
        "standard",
        BRONZE,
        "requires level >= standard and at least 119 of part standard + part extended",
    )
    r = run("verify", str(path), "--out", str(tmp_path / "out"))
    assert 1 == r.returncode, r.stdout + r.stderr
    assert "refuted     reaching 'silver' implies the condition of every lower level" in r.stdout
    assert "unreachable level 'bronze' is reached by no evidence at all" in r.stdout
    (cx,) = (tmp_path / "out").glob("standard@2009.nested.silver.yaml")
    outcome = evaluated(cx, path)
    assert "silver" == outcome["level"]
    assert False is holds(outcome, "levels", "bronze")


def test_bronze_needing_more_than_silver_as_a_count_is_a_check_error(tmp_path):
    """The same mistake over the same selection is caught by the checker already (IIP235)."""
    path = mutated(
        tmp_path, "standard", BRONZE, "requires level >= standard and count of part extended >= 80"
    )
    r = run("check", str(path))
    assert 1 == r.returncode
    assert "IIP235: levels out of order: 'silver' needs 76 of part extended" in r.stderr


def test_a_ceiling_on_silver_refutes_monotonicity_with_a_pair_of_organisations(tmp_path):
    """An 'at most' in Silver lets one more requirement drop an organisation to Bronze; both files show it."""
    path = mutated(
        tmp_path,
        "standard",
        "requires level >= standard and at least 76 of part extended",
        "requires level >= standard and at least 76 of part extended and at most 100 of part extended",
    )
    r = run("verify", str(path), "--out", str(tmp_path / "out"))
    assert 1 == r.returncode, r.stdout + r.stderr
    assert "refuted     meeting more requirements never lowers the level" in r.stdout
    fewer = evaluated(tmp_path / "out" / "standard@2009.monotonic.level.fewer.yaml", path)
    more = evaluated(tmp_path / "out" / "standard@2009.monotonic.level.more.yaml", path)
    assert ("silver", "bronze") == (fewer["level"], more["level"])


def test_compare_2004_with_2009_reports_the_added_levels_with_witnesses(tmp_path):
    """Verify --compare standard@2004 standard@2009: the Standard unchanged, Bronze, Silver and Gold added, each reached by its witness."""
    out = tmp_path / "out"
    r = run("verify", "--compare", "standard@2004", "standard@2009", "--out", str(out))
    assert 0 == r.returncode, r.stderr
    lines = [" ".join(x.split()) for x in r.stdout.splitlines()]
    assert "level standard equivalent" in lines
    for level in ("bronze", "silver", "gold"):
        assert f"level {level} added (reached in NEW)" in lines
        (witness,) = out.glob(f"compare.level.{level}.added.new.yaml")
        assert level == evaluated(witness, "standard@2009")["level"]


def test_compare_two_files_finds_a_looser_gold_and_its_witness(tmp_path):
    """Comparing the packaged Standard with one whose Gold needs 100 gives 'looser' and an organisation Gold only in NEW."""
    new = mutated(
        tmp_path, "standard", GOLD, "requires level >= standard and at least 100 of part extended"
    )
    out = tmp_path / "out"
    r = run("verify", "--compare", str(RULESETS / "standard.rules"), str(new), "--out", str(out))
    assert 0 == r.returncode, r.stderr
    assert "gold looser" in " ".join(r.stdout.split())
    assert "bronze equivalent" in " ".join(r.stdout.split())
    (witness,) = out.glob("compare.level.gold.new-only.yaml")
    assert "gold" == evaluated(witness, f"{new}@2009")["level"]
    assert "silver" == evaluated(witness, f"{RULESETS / 'standard.rules'}@2009")["level"]


def test_verify_without_paths_or_compare_is_bad_input():
    """Verify with nothing to verify exits 2 with a message."""
    r = run("verify")
    assert 2 == r.returncode
    assert "no .rules files" in r.stderr


def test_counterexamples_are_evidence_files_the_api_reads(tmp_path):
    """A counterexample file loads with iiprules.load_evidence and names its organisation and check."""
    import iiprules

    mutated(
        tmp_path, "standard", GOLD, "requires level >= standard and at least 100 of part extended"
    )
    run("verify", str(tmp_path / "rules" / "lm_theme.rules"), "--out", str(tmp_path / "out"))
    (cx,) = (tmp_path / "out").glob("*.yaml")
    ev = iiprules.load_evidence(cx)
    assert "Counterexample to invariant:gold_implies_lm_themed" == ev.organisation
    assert dt.date(2009, 5, 1) == ev.assessed_on


def test_credits_near_year_one_are_an_error_not_a_crash():
    """Evidence dated in year 2 judged by a ruleset with 3-year credits should not crash the evaluator."""
    import iiprules
    from iiprules.diagnostics import EvaluationError, EvidenceError

    doc = {"organisation": "Early", "assessed_on": "0002-01-01", "met": ["NOS.A"]}
    try:
        iiprules.evaluate(doc, "partner_award@2009")
    except (EvaluationError, EvidenceError):
        pass


ODD = """
ruleset odd

version 1 effective 2010-01-01 {
    part core "Core"
    fact small: boolean default false
    principle p "P" {
        indicator I1 "One" {
            requirement R1 in core {
                text "One"
            }
            requirement R2 in core {
                text "Two"
                applies when small or not small
            }
            requirement R3 in core {
                text "Three"
                applies when small and not small
            }
        }
    }
    level base "Base" {
        requires all of part core
    }
    award never themed "Never" {
        requires all of [R1] and none of [R1]
    }
    award always themed "Always" {
        requires any of [R1] or not any of [R1]
    }
}
"""


def test_unreachable_awards_fail_and_conditions_that_cannot_be_false_warn(tmp_path):
    """An award no evidence reaches fails verify; conditions that always (or never) hold are reported."""
    path = tmp_path / "odd.rules"
    path.write_text(ODD, encoding="utf-8")
    r = run("verify", str(path), "--out", str(tmp_path / "out"), "--format", "json")
    assert 1 == r.returncode, r.stderr
    found = {(x["check"], x["status"]) for x in json.loads(r.stdout)["results"]}
    assert ("reachable:award:never", "unreachable") in found
    assert ("never-false:award:always", "always true") in found
    assert ("never-false:applies:R2", "always true") in found
    assert ("never-true:applies:R3", "never true") in found
    assert ("reachable:level:base", "proven") in found


def test_importing_iiprules_and_verify_needs_neither_z3_nor_hypothesis():
    """Import iiprules (and iiprules.verify) loads neither z3 nor Hypothesis; only checks and strategies do."""
    code = (
        "import sys, iiprules, iiprules.verify; "
        "print('z3' in sys.modules, 'hypothesis' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "False False" == out.stdout.strip()


HISTORY = """
ruleset runs

version 1 effective 2010-01-01 {
    part core "Core"
    principle p "P" {
        indicator I1 "One" {
            requirement A in core {
                text "A"
            }
        }
    }
    level base "Base" {
        requires all of part core
    }
    award credited themed "Credited" {
        requires all of part core counting credits from the last 3 years
    }
    invariant credits_are_not_enough "Credits alone do not make the award" {
        holds award credited implies all of part core
    }
    invariant runs_take_years "Three recognitions take six years" {
        holds consecutive_recognitions >= 3 implies years since recognised_since >= 6
    }
}
"""


def test_counterexamples_carry_the_history_they_need(tmp_path):
    """Counterexamples about credits and runs of recognitions come with earlier assessments that show them."""
    path = tmp_path / "runs.rules"
    path.write_text(HISTORY, encoding="utf-8")
    out = tmp_path / "out"
    r = run("verify", str(path), "--out", str(out))
    assert 1 == r.returncode, r.stdout + r.stderr
    credits = (out / "runs@1.invariant.credits_are_not_enough.yaml").read_text(encoding="utf-8")
    assert "met: []" in credits.splitlines()[3]
    assert "history:" in credits and "met: [A]" in credits
    runs = out / "runs@1.invariant.runs_take_years.yaml"
    assert 3 == runs.read_text(encoding="utf-8").count("  - {assessed_on:")
    outcome = evaluated(runs, path)
    assert {"credits_are_not_enough": True, "runs_take_years": False} == outcome["invariants"]
