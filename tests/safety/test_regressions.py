"""One regression test per numbered defect of issue 11 (each failed on the main of that day)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from iiprules import api, batch

from .conftest import Run

RULESETS = api.PopulationRulesets()

ROW = '{"organisation": "%s", "assessed_on": "2010-06-01", "met": ["1.1"]%s}'


def _rows(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


# -- 1. output over input ------------------------------------------------------------------


def test_1_output_over_input_is_refused(tmp_path: Path, run: Run) -> None:
    """``evaluate --population same.jsonl --out same.jsonl`` is refused and the input kept."""
    pop = tmp_path / "same.jsonl"
    code, _, err = run("generate", "--ruleset", "standard", "-n", "20", "--out", str(pop))
    assert 0 == code
    before = pop.read_bytes()
    code, _, err = run("evaluate", "--population", str(pop), "--out", str(pop))
    assert 2 == code
    assert f"iiprules: {pop}: is also an input ({pop}); write the output to another file\n" == err
    assert before == pop.read_bytes()


def test_1_output_hard_linked_to_input_is_refused(tmp_path: Path, run: Run) -> None:
    """An output that is a hard link of the population is refused too."""
    pop = tmp_path / "p.jsonl"
    pop.write_text(ROW % ("A", "") + "\n")
    link = tmp_path / "o.jsonl"
    os.link(pop, link)
    code, _, err = run("evaluate", "--population", str(pop), "--out", str(link))
    assert 2 == code
    assert "is also an input" in err
    assert ROW % ("A", "") + "\n" == pop.read_text()


# -- 2. one row aborts the run ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_2_huge_integer_fact_is_one_row(tmp_path: Path, fmt: str) -> None:
    """An integer ≥ 2^63 in facts is judged (as evaluate judges it); the other rows too."""
    big = 10**19
    docs = [
        {"organisation": "Big", "assessed_on": "2006-03-01", "met": ["1.1"],
         "facts": {"employees": big}},
        {"organisation": "Small", "assessed_on": "2006-03-01", "met": ["1.1"]},
    ]  # fmt: skip
    path = tmp_path / f"p.{fmt}"
    if fmt == "jsonl":
        path.write_text("".join(json.dumps(d) + "\n" for d in docs))
    elif fmt == "json":
        path.write_text(json.dumps(docs))
    else:
        path.write_text(f"organisation,assessed_on,met,employees\nBig,2006-03-01,1.1,{big}\n"
                        "Small,2006-03-01,1.1,\n")  # fmt: skip
    rows = list(batch.iter_rows(path, RULESETS))
    assert ["Big", "Small"] == [r["organisation"] for r in rows]
    want = api.evaluate(docs[0], explain=False).to_dict(explanation=False)
    assert want["level"] == rows[0]["level"]
    assert want["awards"] == rows[0]["awards"]


def test_2_huge_unnamed_count_is_an_error_row_not_a_crash(tmp_path: Path) -> None:
    """unnamed_met beyond int32 is one error row naming its line; the next row is judged."""
    path = tmp_path / "p.jsonl"
    path.write_text(
        ROW % ("H", ', "unnamed_met": {"W.other": 3000000000}') + "\n" + ROW % ("B", "") + "\n"
    )
    rows = list(batch.iter_rows(path, RULESETS))
    assert f"{path}:1" == rows[0]["where"]
    assert "has only 93" in rows[0]["error"]
    assert "level" in rows[1]


# -- 3. non-atomic writers: see test_outputs.py and test_kill.py -------------------------------


def test_3_failing_run_keeps_previous_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run failing half-way leaves the previous --out file as it was, with no temp file."""
    pop = tmp_path / "p.jsonl"
    pop.write_text("".join(ROW % (f"O{i}", "") + "\n" for i in range(50)))
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"previous\n")
    from iiprules._batch import write

    def broken(self: object, rendered: object) -> None:
        raise RuntimeError("disk trouble")

    monkeypatch.setattr(write._Writer, "write", broken)
    with pytest.raises(RuntimeError):
        batch.evaluate_population(pop, RULESETS, out=out, chunk_rows=8)
    assert b"previous\n" == out.read_bytes()
    assert ["out.jsonl", "p.jsonl"] == sorted(p.name for p in tmp_path.iterdir())


def test_3_fmt_write_keeps_symlink_mode_and_users_tmp(tmp_path: Path, run: Run) -> None:
    """Fmt -w writes through a symlink, keeps the mode, and leaves NAME.rules.tmp alone."""
    from .conftest import ROOT

    text = (ROOT / "tests/golden/good").rglob("*.rules").__next__().read_text()
    real = tmp_path / "real.rules"
    real.write_text(text.replace("\n", "\n\n", 1))
    real.chmod(0o640)
    link = tmp_path / "link.rules"
    link.symlink_to(real)
    mine = tmp_path / "link.rules.tmp"
    mine.write_text("mine")
    mine2 = tmp_path / "real.rules.tmp"
    mine2.write_text("mine too")
    code, _, err = run("fmt", "-w", str(link))
    assert 0 == code, err
    assert link.is_symlink()
    assert 0o640 == real.stat().st_mode & 0o777
    assert "mine" == mine.read_text()
    assert "mine too" == mine2.read_text()


# -- 4. output errors are the user's input -------------------------------------------------------


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("missing/o.jsonl", "the folder {tmp}/missing does not exist"),
        ("folder.jsonl", "is a folder; give a file name"),
    ],
)
def test_4_output_errors_exit_2(tmp_path: Path, run: Run, out: str, message: str) -> None:
    """--out into a missing folder or onto a folder: one clear line, exit 2."""
    (tmp_path / "folder.jsonl").mkdir()
    pop = tmp_path / "p.jsonl"
    pop.write_text(ROW % ("A", "") + "\n")
    code, _, err = run("evaluate", "--population", str(pop), "--out", str(tmp_path / out))
    assert 2 == code
    assert 1 == len(err.splitlines())
    assert message.format(tmp=tmp_path) in err


def test_4_full_disk_exit_2(tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk while writing --out: one clear line, exit 2, the previous file intact."""
    import errno

    pop = tmp_path / "p.jsonl"
    pop.write_text(ROW % ("A", "") + "\n")
    out = tmp_path / "o.jsonl"
    out.write_text("previous\n")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    code, _, err = run("evaluate", "--population", str(pop), "--out", str(out))
    assert 2 == code
    assert f"iiprules: {out}: cannot write it (the disk is full)\n" == err.splitlines(True)[-1]
    assert "previous\n" == out.read_text()


def test_4_verify_out_naming_a_file(tmp_path: Path, run: Run) -> None:
    """``verify --out FILE``: one clear line, exit 2."""
    f = tmp_path / "afile"
    f.write_text("x")
    from .conftest import ROOT

    code, _, err = run("verify", str(ROOT / "rulesets/standard.rules"), "--out", str(f))
    assert 2 == code
    assert f"iiprules: {f}: is a file; give a folder\n" == err


# -- 7. silent wrong acceptance ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([ROW % ("A", "") + " " + ROW % ("B", "")], "extra data after the JSON value"),
        (['{"organisation": "A", "assessed_on": "2010-06-01",', ' "met": ["1.1"]}'],
         "not valid JSON"),
        ([ROW % ("A", ', "met": ["1.2"]')], "key 'met' appears twice"),
    ],
)  # fmt: skip
def test_7_every_jsonl_line_is_json_on_its_own(
    tmp_path: Path, lines: list[str], message: str
) -> None:
    """Two objects on one line, one split over two, a duplicate key: error rows, not judged."""
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(lines) + "\n")
    rows = list(batch.iter_rows(path, RULESETS))
    assert all("error" in r for r in rows)
    assert message in rows[0]["error"]


def test_7_met_null_is_refused_as_evaluate_refuses_it(tmp_path: Path) -> None:
    """``"met": null`` is an error row, as ``iiprules evaluate`` refuses it."""
    path = tmp_path / "p.jsonl"
    path.write_text('{"organisation": "C", "assessed_on": "2010-06-01", "met": null}\n')
    (row,) = batch.iter_rows(path, RULESETS)
    assert f"{path}:1: field 'met': expected a list of requirement ids, got null" == row["error"]


def test_7_duplicate_key_in_json_array_is_one_error_row(tmp_path: Path) -> None:
    """A duplicate key in one item of a JSON array spoils that item only."""
    path = tmp_path / "p.json"
    path.write_text('[{"organisation": "A", "assessed_on": "2010-06-01", "met": [], "met": []},\n'
                    ' {"organisation": "B", "assessed_on": "2010-06-01", "met": []}]')  # fmt: skip
    rows = list(batch.iter_rows(path, RULESETS))
    assert "key 'met' appears twice" in rows[0]["error"]
    assert "level" in rows[1]


# -- 8. messages -----------------------------------------------------------------------------------


def test_8_csv_error_row_keeps_the_name_and_cuts_long_values(tmp_path: Path) -> None:
    """A CSV row rejected for a cell keeps the organisation's name; a long cell is cut."""
    path = tmp_path / "p.csv"
    path.write_text("organisation,assessed_on,1.1\nKeep Me Ltd,2010-06-01," + "y" * 10_000 + "\n")
    (row,) = batch.iter_rows(path, RULESETS)
    assert "Keep Me Ltd" == row["organisation"]
    assert len(row["error"]) < 200


def test_8_csv_bad_utf8_spoils_one_row(tmp_path: Path) -> None:
    """A byte that is not UTF-8 makes its row an error row; the next row is judged."""
    path = tmp_path / "p.csv"
    path.write_bytes(b"organisation,assessed_on\nA\xb2,2010-06-01\nB,2010-06-01\n")
    rows = list(batch.iter_rows(path, RULESETS))
    assert "not UTF-8" in rows[0]["error"]
    assert "level" in rows[1]


def test_8_diff_population_counts_unjudged_rows_honestly(tmp_path: Path, run: Run) -> None:
    """``diff --population``: unjudged rows are not counted as judged, exit 2, location said once."""
    path = tmp_path / "p.jsonl"
    path.write_text(ROW % ("A", "") + "\nnot json\n")
    code, out, err = run(
        "diff", "standard@2004", "standard@2009", "--population", str(path), "--impact-only"
    )
    assert 2 == code
    assert f"  {path}:2: not valid JSON: Expecting value\n" in out
    assert "judged 1 of 2 organisation(s) under both; 1 could not be judged" in err


# -- 9. one answer everywhere -------------------------------------------------------------------


def test_9_what_generate_writes_is_accepted(tmp_path: Path) -> None:
    """Every organisation generate writes with three rulesets is judged by the population path."""
    from iiprules.generate import generate

    path = tmp_path / "g.jsonl"
    docs = list(generate(["standard", "lm_theme", "partner_award"], 600, 1))
    path.write_text("".join(json.dumps(d) + "\n" for d in docs))
    errors = [r for r in batch.iter_rows(path, RULESETS) if "error" in r]
    assert [] == errors


def test_9_consecutive_recognitions_one_answer() -> None:
    """The built-in fact of evaluate and lapse's forecast give the same count of recognitions."""
    from iiprules import answers
    from iiprules.evaluate import history_facts
    from iiprules.evidence import load

    from .conftest import ROOT

    path = ROOT / "examples/carrow_dale_housing.yaml"  # recognised now, and in 2007
    assert api.evaluate(path).level is not None
    facts = history_facts(load(path))
    assert facts["consecutive_recognitions"] == answers.lapse_forecast(path).consecutive


def test_9_generate_yaml_refuses_a_folder_with_files(tmp_path: Path, run: Run) -> None:
    """``generate --format yaml --out DIR`` refuses a folder with files unless --force."""
    d = tmp_path / "pop"
    args = ("generate", "--ruleset", "standard", "-n", "3", "--format", "yaml", "--out", str(d))
    assert 0 == run(*args)[0]
    code, _, err = run(*args)
    assert 2 == code
    assert f"iiprules: {d}: is not empty; give a new or empty folder (or --force to write " \
        "into it)\n" == err
    assert 0 == run(*args, "--force")[0]


# -- 5. resource limits: a population row has the limits of an evidence file -----------------------


@pytest.mark.parametrize("depth", [31, 32])
def test_5_population_rows_have_the_evidence_limits(tmp_path: Path, depth: int) -> None:
    """A row over a limit (a 100,005-character text, nesting) is refused as a file is."""
    from iiprules._evidence.codes import MAX_STRING_CHARS

    notes: object = "x"
    for _ in range(depth):
        notes = [notes]
    docs = [{**json.loads(ROW % ("A", "")), "notes": notes},
            json.loads(ROW % ("x" * (MAX_STRING_CHARS + 5), ""))]  # fmt: skip
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in docs))
    rows = list(batch.iter_rows(path, RULESETS))
    for doc, row in zip(docs, rows, strict=True):
        one = tmp_path / "one.json"
        one.write_text(json.dumps(doc))
        from iiprules.diagnostics import EvidenceError

        try:
            api.evaluate(one)
        except EvidenceError as exc:
            assert str(exc).split(": ", 1)[1] == row["error"].split(": ", 1)[1]
        else:
            assert "error" not in row, row["error"]
