"""Whole populations: every reader, path and writer gives what judging each organisation gives."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from iiprules import api, batch
from iiprules.diagnostics import EvaluationError, EvidenceError, RulesetNotFound

ROOT = Path(__file__).resolve().parent.parent
RULESETS = api.PopulationRulesets()


def listable(on: dt.date) -> list[str]:
    out: list[str] = []
    for e in RULESETS.judges(on):
        out.extend(k for k in e.index if k not in e._derived_ids and k not in out)
    return out


def population(n: int, seed: int = 1) -> list[dict]:
    """Organisations near the thresholds, in two framework versions, some with history."""
    rng = random.Random(seed)
    ids = {
        d: listable(dt.date.fromisoformat(d)) for d in ("2010-06-01", "2006-03-01", "2012-02-29")
    }
    docs = []
    for i in range(n):
        on = rng.choice(("2010-06-01", "2010-06-01", "2012-02-29", "2006-03-01"))
        p = rng.choice((0.5, 0.8, 0.95, 0.99, 1.0))
        doc: dict = {
            "organisation": f"Organisation {i}",
            "assessed_on": on,
            "met": [r for r in ids[on] if rng.random() < p],
        }
        if on != "2006-03-01":
            if rng.random() < 0.9:
                doc["unnamed_met"] = {"W.other": rng.randint(0, 93)}
            if rng.random() < 0.3:
                doc["facts"] = {
                    "representative_groups": rng.random() < 0.5,
                    "business_network_member": rng.random() < 0.5,
                }
        elif rng.random() < 0.3:
            doc["facts"] = {"employees": rng.randint(1, 9)}
        if rng.random() < 0.05:
            earlier = "2008-01-15" if on != "2006-03-01" else "2004-02-01"
            doc["history"] = [
                {"assessed_on": earlier, "met": ["4.1", "4.2", "5.1"], "level": "standard"}
            ]
        if rng.random() < 0.02:
            doc["sector"] = "education"
        docs.append(doc)
    return docs


def write_jsonl(path: Path, docs: list[dict], spaced_every: int = 3) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for i, d in enumerate(docs):
            f.write(
                json.dumps(d) if i % spaced_every == 0 else json.dumps(d, separators=(",", ":"))
            )
            f.write("\n")
    return path


def expected_row(doc: dict, explain: bool = False) -> dict:
    try:
        return api.evaluate(doc, explain=explain).to_dict(explanation=False)
    except (EvidenceError, RulesetNotFound, EvaluationError) as exc:
        return {"error": str(exc)}


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> tuple[list[dict], Path]:
    docs = population(10_000)
    return docs, write_jsonl(tmp_path_factory.mktemp("pop") / "population.jsonl", docs)


def test_fast_batch_jobs_and_explained_paths_agree_on_10000_organisations(big):
    """The fast path, the batch path (vectorised and not), --jobs 2 and the explained path agree."""
    docs, path = big
    explained = [o.to_dict(explanation=False) for o in api.evaluate_many(docs, explain=True)]
    fast = [o.to_dict(explanation=False) for o in api.evaluate_many(docs, explain=False)]
    vector = list(batch.iter_rows(path, RULESETS))
    scalar = list(batch.iter_rows(path, RULESETS, vectorise=False))
    jobs = list(batch.iter_rows(path, RULESETS, jobs=2))
    assert explained == fast
    assert explained == vector
    assert explained == scalar
    assert explained == jobs
    levels = {r["level"] for r in vector}
    assert {None, "standard", "bronze", "silver", "gold"} <= levels  # the sample is not trivial


def test_evaluate_many_judges_as_evaluate_does(big):
    """evaluate_many, now routed through the batch module, gives evaluate's outcomes."""
    docs, _path = big
    for doc, got in zip(docs[:300], api.evaluate_many(docs[:300], explain=True), strict=True):
        want = api.evaluate(doc, explain=True)
        assert want == got
        assert want.to_dict() == got.to_dict()


def test_results_do_not_depend_on_chunk_size(big, tmp_path):
    """Chunks of 7 organisations write the same bytes as the default chunks."""
    docs, _path = big
    small = write_jsonl(tmp_path / "small.jsonl", docs[:400])
    batch.evaluate_population(small, RULESETS, out=tmp_path / "a.jsonl")
    batch.evaluate_population(small, RULESETS, out=tmp_path / "b.jsonl", chunk_rows=7)
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


REQUIRED_FACT = """ruleset sites
version 1 effective 2000-01-01 {
    part core "Core"
    fact sites: number
    fact founded: date default 1990-01-01
    requirement 1 in core {
        text "one"
    }
    level ok "OK" {
        requires all of part core and sites >= 2 and years since founded >= 10
    }
}
"""


@pytest.mark.parametrize("vectorise", [True, False])
def test_a_fact_without_default_must_be_given(tmp_path, vectorise):
    """Rows without a required fact are errors; date facts are compared as dates."""
    rules = tmp_path / "sites.rules"
    rules.write_text(REQUIRED_FACT, encoding="utf-8")
    docs = [
        {"organisation": "A", "assessed_on": "2010-06-01", "met": ["1"], "facts": {"sites": 3}},
        {"organisation": "B", "assessed_on": "2010-06-01", "met": ["1"]},
        {
            "organisation": "C",
            "assessed_on": "2010-06-01",
            "met": ["1"],
            "facts": {"sites": 3, "founded": "2001-06-02"},
        },
        {
            "organisation": "D",
            "assessed_on": "2010-06-01",
            "met": ["1"],
            "facts": {"sites": 3, "founded": "2000-06-01"},
        },
    ]
    path = write_jsonl(tmp_path / "p.jsonl", docs)
    rows = list(batch.iter_rows(path, api.PopulationRulesets((str(rules),)), vectorise=vectorise))
    assert "ok" == rows[0]["level"]
    assert "missing fact 'sites'" in rows[1]["error"]
    assert rows[2]["level"] is None
    assert "ok" == rows[3]["level"]
    for doc, row in zip(docs, rows, strict=True):
        try:
            want = api.evaluate(doc, str(rules), explain=False).to_dict(explanation=False)
        except EvidenceError as exc:
            assert str(exc).removeprefix("evidence:").strip() in row["error"]
        else:
            assert want == row


ODD_LINES = [
    '{"organisation": "Esc\\"aped \\u00e9", "assessed_on": "2010-06-01", "met": ["1.1", "1.2"]}',
    '{"organisation":"Ünïcode Ltd","assessed_on":"2010-06-01","met":["1.1","4.1","4.2"],"unnamed_met":{"W.other":93}}',
    "",
    "   ",
    '{"organisation": "No list", "assessed_on": "2010-06-01"}',
    '{"organisation": "Empty list", "assessed_on": "2010-06-01", "met": []}',
    '{"organisation": "Spaced", "assessed_on": "2010-06-01", "met" : [ "1.1" , "1.2" ]}',
    '{"organisation": "Unknown id", "assessed_on": "2010-06-01", "met": ["1.1", "99.9"]}',
    '{"organisation": "Derived id", "assessed_on": "2010-06-01", "met": ["LM1.1"]}',
    '{"organisation": "Twice", "assessed_on": "2010-06-01", "met": ["1.1", "1.1"]}',
    '{"organisation": "Number id", "assessed_on": "2010-06-01", "met": [1.1, "1.2"]}',
    '{"organisation": "Ten", "assessed_on": "2010-06-01", "met": [1.10]}',
    '{"organisation": "Pending", "assessed_on": "2010-06-01", "met": ["1.1"], "pending": ["1.2"]}',
    '{"organisation": "Old id", "assessed_on": "2006-03-01", "met": ["W4.1"]}',
    '{"organisation": "Too early", "assessed_on": "1999-01-01", "met": ["1.1"]}',
    '{"organisation": "Bad date", "assessed_on": "2010-13-01", "met": ["1.1"]}',
    '{"organisation": "Bad fact", "assessed_on": "2010-06-01", "facts": {"employees": "many"}}',
    '{"organisation": "Unknown fact", "assessed_on": "2010-06-01", "facts": {"employes": 3}}',
    '{"organisation": "Too many", "assessed_on": "2010-06-01", "unnamed_met": {"W.other": 94}}',
    '{"organisation": "Bool count", "assessed_on": "2010-06-01", "unnamed_met": {"W.other": true}}',
    '{"organisation": "Not a group", "assessed_on": "2010-06-01", "unnamed_met": {"1.1": 1}}',
    '{"organisation": "List counts", "assessed_on": "2010-06-01", "unnamed_met": [1]}',
    '{"organisation": "Zero counts", "assessed_on": "2010-06-01", "unnamed_met": 0}',
    '{"organisation": "List facts", "assessed_on": "2010-06-01", "facts": [true]}',
    '{"organisation": "Old group", "assessed_on": "2006-03-01", "unnamed_met": {"W.other": 3}}',
    '{"organisation": "Unknown field", "assessed_on": "2010-06-01", "mett": ["1.1"]}',
    '{"organisation": "Nested", "assessed_on": "2010-06-01", "notes": {"met": ["1.1"]}}',
    '{"organisation": "Nested too", "assessed_on": "2010-06-01", "notes": {"met": ["1.1"]}, "met": ["1.2"]}',
    '{"organisation": "Bracket ] name", "assessed_on": "2010-06-01", "met": ["1.1"]}',
    '{"organisation": "Colon \\"met\\": [", "assessed_on": "2010-06-01", "met": ["1.1"]}',
    '{"organisation": 42, "assessed_on": "2010-06-01", "met": ["1.1"]}',
    '{"assessed_on": "2010-06-01", "met": ["1.1"]}',
    '{"organisation": "Trailing comma", "assessed_on": "2010-06-01", "met": ["1.1",]}',
    '{"organisation": "Missing comma", "assessed_on": "2010-06-01", "met": ["1.1" "1.2"]}',
    "not json at all",
    '["a", "list"]',
    '{"organisation": "History", "assessed_on": "2010-06-01", "met": ["1.1"], "history": [{"assessed_on": "2009-01-01", "met": ["1.2"]}]}',
    '{"organisation": "Windows", "assessed_on": "2010-06-01", "met": ["1.1"]}\r',
    '{"organisation": "Compact date", "assessed_on": "20100601", "met": ["1.1"]}',
]


@pytest.mark.parametrize("vectorise", [True, False])
def test_every_odd_line_gives_what_evaluate_gives(tmp_path, vectorise):
    """Escapes, blank lines, bad JSON, wrong fields: each row is evaluate's outcome or its error."""
    path = tmp_path / "odd.jsonl"
    path.write_bytes(("\n".join(ODD_LINES) + "\n").encode("utf-8"))
    rows = list(batch.iter_rows(path, RULESETS, vectorise=vectorise))
    lines = [(i + 1, line) for i, line in enumerate(ODD_LINES) if line.strip()]
    assert len(lines) == len(rows)
    for (number, line), row in zip(lines, rows, strict=True):
        try:
            doc = json.loads(line, parse_float=str)
        except json.JSONDecodeError:
            assert "not valid JSON" in row["error"] and f"odd.jsonl:{number}" in row["error"]
            continue
        if not isinstance(doc, dict):
            assert "expected a mapping" in row["error"]
            continue
        want = expected_row(doc)
        if "error" in want:
            assert "error" in row, (line, row)
            message = want["error"].removeprefix("evidence:").strip()
            assert message in row["error"], (line, row)
            assert f"odd.jsonl:{number}" in row["error"]
        else:
            assert want == row, line


def test_csv_with_a_column_per_requirement_or_a_list_column(tmp_path):
    """One row per organisation: ticks in requirement columns, or ids in a 'met' column."""
    docs = [d for d in population(300, seed=4) if "history" not in d and "sector" not in d]
    # Every id the population's dates list (the 2003 L&M Model is in force in 2006 only).
    ids = listable(dt.date(2010, 6, 1))
    ids += [k for k in listable(dt.date(2006, 3, 1)) if k not in ids]
    wide = io.StringIO()
    w = csv.writer(wide)
    w.writerow(
        [
            "organisation",
            "assessed_on",
            *ids,
            "W.other",
            "representative_groups",
            "facts.business_network_member",
            "employees",
        ]
    )
    listed = io.StringIO()
    w2 = csv.writer(listed)
    w2.writerow(
        [
            "organisation",
            "assessed_on",
            "met",
            "W.other",
            "facts.representative_groups",
            "business_network_member",
            "employees",
        ]
    )
    for d in docs:
        met = set(d["met"])
        f = d.get("facts", {})
        cells = [
            _cell(f.get(k))
            for k in ("representative_groups", "business_network_member", "employees")
        ]
        count = str(d.get("unnamed_met", {}).get("W.other", ""))
        w.writerow(
            [
                d["organisation"],
                d["assessed_on"],
                *("1" if r in met else "" for r in ids),
                count,
                *cells,
            ]
        )
        w2.writerow([d["organisation"], d["assessed_on"], "; ".join(d["met"]), count, *cells])
    (tmp_path / "wide.csv").write_text(wide.getvalue(), encoding="utf-8")
    (tmp_path / "listed.csv").write_text(listed.getvalue(), encoding="utf-8")
    want = [expected_row(d) for d in docs]
    assert want == list(batch.iter_rows(tmp_path / "wide.csv", RULESETS))
    assert want == list(batch.iter_rows(tmp_path / "listed.csv", RULESETS))
    assert want == list(batch.iter_rows(tmp_path / "listed.csv", RULESETS, vectorise=False))


def _cell(v) -> str:
    return "" if v is None else "true" if v is True else "false" if v is False else str(v)


def test_csv_unknown_column_fails_with_a_suggestion(tmp_path):
    """A column that is no field, requirement, group or fact stops the run before any work."""
    path = tmp_path / "bad.csv"
    path.write_text("organisation,assessed_on,1.11,W.othr\nAcme,2010-06-01,1,3\n", encoding="utf-8")
    with pytest.raises(EvidenceError) as exc:
        api.evaluate_population(path)
    assert "unknown column '1.11'" in str(exc.value) or "unknown column 'W.othr'" in str(exc.value)
    assert "did you mean" in str(exc.value)


def test_a_bad_csv_cell_is_that_row_error(tmp_path):
    """A requirement cell that is not a tick is an error for its row only."""
    path = tmp_path / "cells.csv"
    path.write_text(
        "organisation,assessed_on,1.1\nAcme,2010-06-01,maybe\nBeta,2010-06-01,yes\n",
        encoding="utf-8",
    )
    rows = list(batch.iter_rows(path, RULESETS))
    assert "cells.csv:2" in rows[0]["error"] and "maybe" in rows[0]["error"]
    assert "Beta" == rows[1]["organisation"] and "error" not in rows[1]


def test_json_array_and_a_folder_of_evidence_files(tmp_path):
    """A JSON array is judged row by row; a folder of YAML files file by file."""
    docs = population(200, seed=7)
    (tmp_path / "pop.json").write_text(json.dumps(docs), encoding="utf-8")
    assert [expected_row(d) for d in docs] == list(batch.iter_rows(tmp_path / "pop.json", RULESETS))
    folder = ROOT / "examples"
    files = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
    rows = list(batch.iter_rows(folder, RULESETS))
    assert len(files) == len(rows)
    for f, row in zip(files, rows, strict=True):
        try:
            want = api.evaluate(f, explain=False).to_dict(explanation=False)
        except (EvidenceError, RulesetNotFound) as exc:
            assert str(exc) in row["error"]
            continue
        assert want == row


def test_writers_jsonl_csv_and_parquet(big, tmp_path):
    """JSONL rows are to_dict(explanation=False); CSV has a column per award; Parquet needs pyarrow."""
    docs, _path = big
    small = write_jsonl(tmp_path / "small.jsonl", docs[:500])
    summary = api.evaluate_population(small, out=tmp_path / "out.jsonl")
    rows = [
        json.loads(x) for x in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert [expected_row(d) for d in docs[:500]] == rows
    assert 500 == summary.total and 0 == summary.errors
    assert sum(summary.levels.values()) == 500
    api.evaluate_population(small, out=tmp_path / "out.csv")
    table = list(csv.DictReader((tmp_path / "out.csv").open(encoding="utf-8")))
    assert 500 == len(table)
    for row, want in zip(table, rows, strict=True):
        assert (want["level"] or "none") == row["level"]
        for award, ok in want["awards"].items():
            assert ("true" if ok else "false") == row[award]
    try:
        import pyarrow.parquet as pq
    except ImportError:
        with pytest.raises(EvidenceError, match="pyarrow"):
            api.evaluate_population(small, out=tmp_path / "out.parquet")
        assert not (tmp_path / "out.parquet").exists()
    else:
        api.evaluate_population(small, out=tmp_path / "out.parquet")
        back = pq.read_table(tmp_path / "out.parquet").to_pylist()
        assert [r["level"] for r in rows] == [r["level"] for r in back]


def test_unknown_formats_are_refused(tmp_path):
    """A population or an output with an unknown suffix is one clear error."""
    (tmp_path / "pop.txt").write_text("x", encoding="utf-8")
    with pytest.raises(EvidenceError, match="unknown population format"):
        api.evaluate_population(tmp_path / "pop.txt")
    (tmp_path / "pop.jsonl").write_text("", encoding="utf-8")
    with pytest.raises(EvidenceError, match="unknown output format"):
        api.evaluate_population(tmp_path / "pop.jsonl", out=tmp_path / "out.xlsx")


def test_chunks_stream_the_file(big):
    """The reader yields chunks lazily, each at most the chunk size, whatever the file size."""
    _docs, path = big
    chunks = batch.read_chunks(path, 1000)
    first = next(chunks)
    assert 1000 == first.data.count(b"\n")
    assert all(c.data.count(b"\n") <= 1000 for c in chunks)


def test_progress_is_reported_on_standard_error(big, tmp_path, capsys, monkeypatch):
    """With progress on, a line with the count and the rate is written to standard error."""
    docs, _path = big
    small = write_jsonl(tmp_path / "small.jsonl", docs[:300])
    monkeypatch.setattr(batch._Progress, "AFTER", 0.0)
    monkeypatch.setattr(batch._Progress, "EVERY", 0.0)
    api.evaluate_population(small, progress=True)
    err = capsys.readouterr().err
    assert "organisations" in err and "/s" in err


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iiprules", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_population_summary_and_identical_output_with_two_jobs(big, tmp_path):
    """The population command prints counts per level and award; --jobs 2 writes the same bytes."""
    docs, _path = big
    src = write_jsonl(tmp_path / "pop.jsonl", docs[:3000])
    one = run_cli("evaluate", "--population", str(src), "--out", str(tmp_path / "one.jsonl"))
    two = run_cli(
        "evaluate", "--population", str(src), "--out", str(tmp_path / "two.jsonl"), "--jobs", "2"
    )
    assert 0 == one.returncode, one.stderr
    assert 0 == two.returncode, two.stderr
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    assert "organisations: 3,000" in one.stdout
    assert "level" in one.stdout and "award" in one.stdout and "lm_themed" in one.stdout


def test_cli_needs_evidence_or_a_population(tmp_path):
    """Without evidence or --population, or with both, the command says what to give."""
    r = run_cli("evaluate")
    assert 2 == r.returncode and "--population" in r.stderr
    (tmp_path / "p.jsonl").write_text("", encoding="utf-8")
    r = run_cli("evaluate", "examples/hilltop.yaml", "--population", str(tmp_path / "p.jsonl"))
    assert 2 == r.returncode and "not both" in r.stderr


def test_cli_rows_in_error_are_listed_and_exit_2(tmp_path):
    """Organisations that cannot be judged are counted, shown on standard error, and exit 2."""
    src = tmp_path / "p.jsonl"
    src.write_text(
        '{"organisation": "Good", "assessed_on": "2010-06-01", "met": ["1.1"]}\n'
        '{"organisation": "Bad", "assessed_on": "2010-06-01", "met": ["9.9"]}\n',
        encoding="utf-8",
    )
    r = run_cli("evaluate", "--population", str(src))
    assert 2 == r.returncode
    assert "errors: 1" in r.stdout
    assert "p.jsonl:2: field 'met[0]': unknown requirement '9.9'" in r.stderr
