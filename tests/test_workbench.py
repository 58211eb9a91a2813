"""Cross-file checking, --strict and the public check_text, as a reviewer uses them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import iiprules

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iiprules", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the packaged rulesets, outside git: the packaged ones are the baseline."""
    for f in (ROOT / "rulesets").glob("*.rules"):
        shutil.copy(f, tmp_path / f.name)
    return tmp_path


def delete_requirement(path: Path, rid: str) -> None:
    text = path.read_text(encoding="utf-8")
    at = text.index(f"requirement {rid} ")
    start = text.rfind("\n", 0, at) + 1
    end = text.index("\n        }\n", at) + len("\n        }\n")
    path.write_text(text[:start] + text[end:], encoding="utf-8")


def test_deleting_a_used_requirement_is_reported_from_the_edited_file(folder):
    """Checking only standard.rules shows the break in lm_theme.rules, caret on the id."""
    delete_requirement(folder / "standard.rules", "W4.1")
    r = run("check", "standard.rules", cwd=folder)
    assert 1 == r.returncode
    lm = (folder / "lm_theme.rules").read_text("utf-8")
    line = lm[: lm.index("maps to [4.1, W4.1, W4.2]")].count("\n") + 1
    first = r.stderr.split("\n\n")[0].splitlines()
    assert (
        f"lm_theme.rules:{line}:27: error IIP222: 'W4.1' is not declared in "
        "standard.rules@2009 any more (removed in this change)"
    ) == first[0]
    assert f"{line:>5} |             maps to [4.1, W4.1, W4.2]" == first[1]
    assert "      |                           ^^^^" == first[2]
    assert "checked 3 file(s): " in r.stdout and "- failed" in r.stdout


def test_alone_checks_only_the_named_file(folder):
    """--alone keeps the old behaviour: the edited file on its own is fine."""
    delete_requirement(folder / "standard.rules", "W4.1")
    assert 0 == run("check", "--alone", "standard.rules", cwd=folder).returncode


def test_a_used_ruleset_with_a_syntax_error_is_reported_as_such(folder):
    """A slip in standard.rules shows in lm_theme.rules as 'has errors, the first at ...'."""
    std = folder / "standard.rules"
    std.write_text(std.read_text("utf-8").replace("and at least 26 of part", "and atleast 26 of part", 1), "utf-8")
    r = run("check", "lm_theme.rules", "--alone", cwd=folder)
    assert 1 == r.returncode
    assert "error IIP213: the used ruleset 'standard' (standard.rules) has errors, the first " \
        "at standard.rules:" in r.stderr
    assert "unknown ruleset" not in r.stderr


def test_strict_fails_on_warnings(folder):
    """A source without a confidence word is a warning: exit 0, or 1 with --strict."""
    std = folder / "partner_award.rules"
    text = std.read_text("utf-8")
    std.write_text(text.replace('" seed\n', '"\n', 1), "utf-8")
    r = run("check", "partner_award.rules", cwd=folder)
    assert 0 == r.returncode and "warning IIP252" in r.stderr
    r = run("check", "--strict", "partner_award.rules", cwd=folder)
    assert 1 == r.returncode and "(--strict: warnings fail)" in r.stdout


def test_check_text_prefers_unsaved_neighbours(folder):
    """An editor's unsaved standard.rules is what lm_theme is checked against."""
    text = (folder / "standard.rules").read_text("utf-8")
    edited = text.replace("requirement W4.1 ", "requirement W4.x ", 1)
    lm = (folder / "lm_theme.rules").read_text("utf-8")
    result = iiprules.check_text(lm, str(folder / "lm_theme.rules"), {"standard": edited})
    codes = [d.code for d in result.errors]
    assert len(codes) >= 5 and {"IIP222"} == set(codes)
    assert iiprules.check_text(lm, str(folder / "lm_theme.rules")).ok
