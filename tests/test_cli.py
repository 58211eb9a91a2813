"""The command line, run as users run it: in a subprocess, checking output and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iiprules", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def write_org(tmp_path: Path, text: str) -> str:
    f = tmp_path / "org.yaml"
    f.write_text(text, encoding="utf-8")
    return str(f)


STANDARD_MET = (
    "[1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 2.1, 2.2, 2.3, 2.4, 2.5, 3.1, 3.2, 3.3, 3.4, 3.5,"
    " 4.1, 4.2, 4.3, 5.1, 5.3, 5.4, 6.1, 6.2, 6.3, 7.1, 7.2, 7.3, 8.1, 8.2, 8.3,"
    " 9.1, 9.2, 9.3, 9.4, 9.5, 10.1, 10.2, 10.3]"
)


def test_check_packaged_rulesets_is_clean():
    """Iiprules check rulesets/ exits 0 with no errors and no warnings."""
    r = run("check", "rulesets/")
    assert 0 == r.returncode, r.stderr
    assert "checked 4 file(s): 0 error(s), 0 warning(s) - ok" in r.stdout


def test_check_bad_rules_exits_1_with_positions():
    """A ruleset with errors exits 1 and shows file:line:col, the line and a caret."""
    r = run("check", "tests/golden/bad/names/unknown_names_with_suggestions.rules")
    assert 1 == r.returncode
    assert (
        "unknown_names_with_suggestions.rules:25:47: error IIP221: unknown part 'extr'" in r.stderr
    )
    assert "^^^^^^^^^" in r.stderr and "did you mean 'extra'?" in r.stderr


def test_check_warnings_only_exits_0():
    """Warnings alone do not fail the check."""
    r = run("check", "tests/golden/bad/names/unused_requirement_warning.rules")
    assert 0 == r.returncode
    assert "1 warning(s)" in r.stdout


def test_test_command_runs_embedded_examples():
    """Iiprules test rulesets/ runs every embedded example and all pass."""
    r = run("test", "rulesets/")
    assert 0 == r.returncode, r.stdout
    assert ", 0 failed" in r.stdout


def test_evaluate_json_shape(tmp_path):
    """Evaluate --format json prints organisation, rulesets, level, awards, explanation."""
    org = write_org(tmp_path, f"organisation: Acme\nassessed_on: 2010-06-01\nmet: {STANDARD_MET}\n")
    r = run("evaluate", org, "--format", "json")
    assert 0 == r.returncode, r.stderr
    out = json.loads(r.stdout)
    assert "Acme" == out["organisation"]
    assert "standard" == out["level"]
    assert {"name": "standard", "version": "2009"} in out["rulesets"]
    assert {"lm_themed", "lm_extended", "lm_partner", "lm_partner_network"} <= set(out["awards"])
    assert "explanation" in out


def test_evaluate_text_says_what_is_missing_for_the_next_level(tmp_path):
    """The text report gives the level and what Bronze still needs."""
    org = write_org(
        tmp_path,
        f"organisation: Acme\nassessed_on: 2010-06-01\nmet: {STANDARD_MET}\n"
        "unnamed_met: {W.other: 20}\n",
    )
    r = run("evaluate", org)
    assert 0 == r.returncode, r.stderr
    assert "Level reached: Investor in People\n" in r.stdout
    assert "For the next level, Bronze, it still needs:" in r.stdout
    assert "20 met, so 6 more" in r.stdout


def test_ruleset_pin(tmp_path):
    """--ruleset standard@2004 uses that version whatever the date."""
    org = write_org(tmp_path, f"organisation: Acme\nassessed_on: 2010-06-01\nmet: {STANDARD_MET}\n")
    out = json.loads(run("evaluate", org, "--ruleset", "standard@2004", "--format", "json").stdout)
    assert [{"name": "standard", "version": "2004"}] == out["rulesets"]
    assert {} == out["awards"]


def test_bad_evidence_is_one_line_exit_2(tmp_path):
    """Bad evidence: one clear line naming the field, exit 2, no traceback."""
    org = write_org(tmp_path, "organisation: Acme\nassessed_on: 2010-06-01\nmet: [1.1, 4.7]\n")
    r = run("evaluate", org)
    assert 2 == r.returncode
    assert 1 == len(r.stderr.strip().splitlines())
    assert "org.yaml:3:12: field 'met[1]': unknown requirement '4.7'" in r.stderr
    assert "Traceback" not in r.stderr


def test_missing_file_and_unknown_ruleset_exit_2(tmp_path):
    """Missing files and unknown rulesets are bad input, exit 2."""
    r = run("evaluate", str(tmp_path / "nope.yaml"))
    assert 2 == r.returncode and "no such file" in r.stderr
    org = write_org(tmp_path, "organisation: Acme\nassessed_on: 2010-06-01\n")
    r = run("evaluate", org, "--ruleset", "standrd")
    assert 2 == r.returncode and "did you mean 'standard'" in r.stderr
    r = run("evaluate", org, "--ruleset", "standard@2099")
    assert 2 == r.returncode and "has no version '2099'" in r.stderr


def test_evaluate_with_a_broken_ruleset_shows_diagnostics(tmp_path):
    """A broken ruleset given to evaluate shows its diagnostics and exits 2."""
    org = write_org(tmp_path, "organisation: Acme\nassessed_on: 2010-06-01\n")
    r = run("evaluate", org, "--ruleset", "tests/golden/bad/syntax/not_a_date.rules")
    assert 2 == r.returncode
    assert "not_a_date.rules:3:21: error IIP103" in r.stderr


def test_explain_prints_the_tree(tmp_path):
    """Explain shows every decision with its condition tree."""
    org = write_org(tmp_path, f"organisation: Acme\nassessed_on: 2010-06-01\nmet: {STANDARD_MET}\n")
    r = run("explain", org)
    assert 0 == r.returncode, r.stderr
    assert "Levels:" in r.stdout and "Awards:" in r.stdout
    assert "[yes] all 39 requirements of the Standard: 39 met" in r.stdout


def test_fmt_is_stable_on_packaged_rulesets(tmp_path):
    """Fmt output parses back to the same ruleset and is a fixed point."""
    first = run("fmt", "rulesets/standard.rules").stdout
    f = tmp_path / "standard.rules"
    f.write_text(first, encoding="utf-8")
    assert first == run("fmt", str(f)).stdout


def test_check_json_lists_diagnostics_with_positions():
    """The JSON check output gives every diagnostic with code, severity and position."""
    r = run("check", "tests/golden/bad/names/unknown_award.rules", "--format", "json")
    assert 1 == r.returncode
    out = json.loads(r.stdout)
    assert {"files": 1, "errors": 1, "warnings": 1} == out["summary"]
    err = next(d for d in out["diagnostics"] if d["severity"] == "error")
    assert ("IIP225", 29, 42) == (err["code"], err["line"], err["column"])


def test_fmt_write_keeps_comments_and_check_then_passes(tmp_path):
    """Fmt -w rewrites a commented ruleset keeping every comment; --check is then clean."""
    f = tmp_path / "lm_theme.rules"
    original = (ROOT / "rulesets" / "lm_theme.rules").read_text(encoding="utf-8")
    f.write_text(original.replace("    uses standard", "\n\n\n    uses standard"), "utf-8")
    r = run("fmt", "--check", str(f))
    assert (1, f"would reformat {f}\n") == (r.returncode, r.stdout)
    r = run("fmt", "--diff", str(f))
    assert 1 == r.returncode and r.stdout.startswith(f"--- {f}\n")
    r = run("fmt", "-w", str(f))
    assert 0 == r.returncode, r.stderr
    after = f.read_text(encoding="utf-8")
    comments = [ln.strip() for ln in original.splitlines() if ln.strip().startswith("#")]
    assert comments == [ln.strip() for ln in after.splitlines() if ln.strip().startswith("#")]
    assert 0 == run("fmt", "--check", str(f)).returncode


def test_fmt_write_goes_through_a_symlink_and_keeps_permissions(tmp_path):
    """Fmt -w rewrites the file a symlink points to, with its permissions unchanged."""
    real = tmp_path / "real.rules"
    real.write_text(
        "ruleset x\nversion 1 effective 2000-01-01 {  # keep me\n  fact a: boolean\n}\n",
        "utf-8",
    )
    real.chmod(0o640)
    link = tmp_path / "link.rules"
    link.symlink_to(real)
    assert 0 == run("fmt", "-w", str(link)).returncode
    assert link.is_symlink()
    assert 0o640 == real.stat().st_mode & 0o777
    assert "{  # keep me\n    fact a: boolean\n}" in real.read_text("utf-8")


def test_fmt_check_on_the_packaged_rulesets_passes():
    """The shipped rulesets are formatted: ``fmt --check rulesets/`` exits 0 (as CI runs it)."""
    r = run("fmt", "--check", "rulesets/")
    assert 0 == r.returncode, r.stdout + r.stderr

