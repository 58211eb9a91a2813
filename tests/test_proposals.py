"""Proposals as overlay files: a small ruleset that amends one version of another."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from iiprules import api, parse, unparse
from iiprules.diagnostics import render_all

ROOT = Path(__file__).resolve().parent.parent
PROPOSAL = ROOT / "examples" / "proposals" / "bronze_30.rules"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iiprules", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_the_example_proposal_checks_and_its_examples_pass():
    """Check and test accept the proposal like any ruleset."""
    assert 0 == run("check", str(PROPOSAL)).returncode
    r = run("test", str(PROPOSAL))
    assert (0, "2 example(s), 0 failed\n") == (r.returncode, r.stdout)


def test_the_proposal_is_the_amended_version_with_one_change():
    """Everything but Bronze is standard@2009's; Bronze needs 30."""
    old = api.load("standard").version("2009")
    new = api.load(str(PROPOSAL)).snapshots[-1]
    assert set(old.requirements) == set(new.requirements)
    assert [lv.id for lv in old.levels] == [lv.id for lv in new.levels]
    changed = [lv.id for lv, nv in zip(old.levels, new.levels, strict=True) if lv != nv]
    assert ["bronze"] == changed


def test_diff_against_the_amended_version_reports_who_moves_and_why():
    """Diff standard@2009 PROPOSAL --population examples/: one organisation drops to Standard."""
    r = run("diff", "standard@2009", str(PROPOSAL), "--population", "examples/")
    assert 0 == r.returncode, r.stderr
    assert "bronze → standard [down]" in r.stdout
    assert "bronze: at least 26 → 30 of the wider framework" in r.stdout


def test_verify_compare_finds_bronze_stricter(tmp_path):
    """Verify --compare on the same pair: Bronze is stricter, the rest equivalent."""
    r = subprocess.run(
        [sys.executable, "-m", "iiprules", "verify", "--compare", "standard@2009", str(PROPOSAL)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert 0 == r.returncode, r.stderr
    assert "level  bronze                   stricter" in r.stdout
    assert "level  silver                   equivalent" in r.stdout


def test_amends_survives_formatting():
    """The 'amends' line round-trips through parse and unparse."""
    model = parse(PROPOSAL.read_text(encoding="utf-8"))
    assert model == parse(unparse(model))
    assert "    amends standard@2009\n" in unparse(model)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("change level bronze", "change level brnze"),
            "bronze_30.rules:24:5: error IIP207: 'change' names level 'brnze', which "
            "standard@2009 does not have",
        ),
        (
            ("amends standard@2009", "amends standard@2010"),
            "bronze_30.rules:21:5: error IIP212: 'standard' has no version '2010'",
        ),
        (
            ("amends standard@2009", "amends standrd@2009"),
            "bronze_30.rules:21:5: error IIP210: unknown ruleset 'standrd'",
        ),
    ],
)
def test_amending_what_the_base_lacks_is_a_positioned_error(tmp_path, edit, expected):
    """A proposal naming a level, version or ruleset that is not there says which and where."""
    bad = tmp_path / "bronze_30.rules"
    bad.write_text(PROPOSAL.read_text(encoding="utf-8").replace(*edit), encoding="utf-8")
    result = api.check_file(bad)
    assert expected in render_all(result.errors).replace(str(tmp_path) + "/", "")
