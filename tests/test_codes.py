"""The error-code catalogue: complete, built from the golden bad cases, and their fixes fix.

``pytest --update-golden`` rebuilds ``iiprules/codes.json`` from the cases.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from iiprules import codes
from iiprules.api import check_file

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_BAD = ROOT / "tests" / "golden" / "bad"


def emitted_codes() -> set[str]:
    """Every diagnostic code written in the package's source."""
    found: set[str] = set()
    for path in (ROOT / "iiprules").rglob("*.py"):
        if path.name == "codes.py":
            continue
        found.update(re.findall(r"IIP\d{3}", path.read_text(encoding="utf-8")))
    return found


def test_every_code_the_package_emits_has_a_catalogue_entry():
    """A code used anywhere in iiprules without a catalogue entry fails this test."""
    assert set() == emitted_codes() - set(codes.catalogue())


def test_the_shipped_catalogue_is_built_from_the_golden_cases(request):
    """codes.json is what the golden bad cases give today (rebuild: --update-golden)."""
    built = codes.build(GOLDEN_BAD)
    if request.config.getoption("--update-golden"):
        codes.write(GOLDEN_BAD)
        codes.catalogue.cache_clear()
    shipped = json.loads((ROOT / "iiprules" / "codes.json").read_text(encoding="utf-8"))
    assert built == shipped, "iiprules/codes.json is stale: run pytest --update-golden"


@pytest.mark.parametrize("code", sorted(codes.MEANINGS))
def test_each_example_shows_its_code_and_its_fix_removes_it(code):
    """The bad example gets the code; the fixed example exists and does not."""
    _meaning, case = codes.MEANINGS[code]
    if case is None:
        return  # no ruleset can show it (an unreadable file, evidence)
    bad = GOLDEN_BAD / f"{case}.rules"
    fixed = GOLDEN_BAD / f"{case}.fixed.rules"
    assert code in {d.code for d in check_file(bad).diagnostics}
    assert fixed.is_file(), f"{fixed.name} is missing"
    after = check_file(fixed)
    assert code not in {d.code for d in after.diagnostics}
    assert [] == [d.render() for d in after.errors]


def test_check_explain_prints_the_entry():
    """`iiprules check --explain IIP222` prints the meaning, the example and its fix."""
    r = subprocess.run(
        [sys.executable, "-m", "iiprules", "check", "--explain", "IIP222"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert 0 == r.returncode, r.stderr
    assert r.stdout.startswith("IIP222: A list names a requirement that is not declared")
    assert "error IIP222: unknown requirement '1.4'" in r.stdout
    assert "Fixed:" in r.stdout
    r = subprocess.run(
        [sys.executable, "-m", "iiprules", "check", "--explain", "IIP22"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert 2 == r.returncode and "did you mean" in r.stderr
