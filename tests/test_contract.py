"""The contract with tool builders: pinned outcome JSON, the evidence page held to the code.

And every problem of a file is reported by the command line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iiprules import evidence
from iiprules.cli import main

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "outcomes"
EXAMPLES = sorted((ROOT / "examples").glob("*.*"))
PAGE = (ROOT / "docs" / "evidence-format.rst").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_outcome_json_is_pinned(path, capsys, request):
    """``evaluate --format json`` of each example is byte for byte its golden file.

    A change to the outcome's shape (a key renamed, removed, retyped) fails here;
    ``pytest --update-golden`` rewrites the files for review.
    """
    assert 0 == main(["evaluate", str(path), "--format", "json"])
    got = capsys.readouterr().out
    golden = GOLDEN / f"{path.stem}.json"
    if request.config.getoption("--update-golden"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(got, encoding="utf-8")
    assert golden.read_text(encoding="utf-8") == got
    json.loads(got)


def test_the_evidence_page_names_every_field_code_and_limit():
    """The evidence format page documents every field, problem code and limit the code has."""
    for name in (*evidence.FIELDS, *evidence.HISTORY_FIELDS):
        assert f"``{name}``" in PAGE, name
    for code, meaning in evidence.CODES.items():
        assert code in PAGE, code
        assert meaning.split(" (")[0] in PAGE, meaning
    for name, value in evidence.LIMITS.items():
        assert f"``{name}``" in PAGE and f"{value:,}" in PAGE, name
    assert f"At most {evidence.MAX_PROBLEMS} problems" in PAGE


def test_a_json_file_with_three_problems_reports_all_three_on_the_command_line(tmp_path, capsys):
    """The CLI prints every problem of a JSON file, each with its line and column; exit 2."""
    f = tmp_path / "org.json"
    f.write_text(
        '{\n  "organisation": "A",\n  "assessed_on": "2010-01-01",\n'
        '  "met": ["1.1", "4.9"],\n  "facts": {"employees": "many"},\n'
        '  "history": [{"assessed_on": "20080101"}]\n}\n',
        encoding="utf-8",
    )
    assert 2 == main(["evaluate", str(f), "--ruleset", "standard"])
    err = capsys.readouterr().err.replace(str(tmp_path) + "/", "")
    assert [
        "iiprules: org.json:4:18: field 'met[1]': unknown requirement '4.9'",
        "org.json:5:26: field 'facts.employees': expected a whole number, got 'many'",
        "org.json:6:31: field 'history[0].assessed_on': expected a date written YYYY-MM-DD, "
        "got '20080101'",
    ] == [line.split(" for ")[0] for line in err.strip().splitlines()]
