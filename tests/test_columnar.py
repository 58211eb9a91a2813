"""Columnar input: Arrow record batches and Parquet files judged as ``iiprules.evaluate`` judges.

Every row's answer, or its error message, must be the one the single path gives.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import iiprules
from iiprules import api, columnar

ON = dt.date(2010, 6, 1)


def _ids() -> list[str]:
    out: list[str] = []
    for e in api.PopulationRulesets().judges(ON):
        out.extend(k for k in e.index if k not in e._derived_ids and k not in out)
    return out


def _rows(n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    ids = _ids()
    rows: list[dict[str, Any]] = []
    for i in range(n):
        p = rng.choice((0.5, 0.9, 0.99, 1.0))
        row: dict[str, Any] = {
            "organisation": f"org {i}",
            "assessed_on": rng.choice((ON, dt.date(2016, 3, 1), dt.date(2005, 1, 1))),
            "met": [r for r in ids if rng.random() < p],
            "W.other": rng.choice((None, rng.randint(0, 93))),
            "representative_groups": rng.choice((None, True, False)),
            "employees": rng.choice((None, 1, 5)),
        }
        rows.append(row)
    # rows each judged the careful way, with the single path's message
    rows[1]["met"] = [*rows[1]["met"], "no_such_id"]
    rows[2]["met"] = [*rows[2]["met"], rows[2]["met"][0]] if rows[2]["met"] else ["x"]
    rows[3]["organisation"] = ""
    rows[4]["W.other"] = 94
    rows[5]["assessed_on"] = dt.date(1990, 1, 1)  # before any version
    rows[6]["met"] = [*rows[6]["met"], "lm_1"]  # a derived requirement, if any is listed so
    rows[7]["W.other"] = -1
    return rows


def _as_evidence(row: dict[str, Any]) -> dict[str, Any]:
    ev: dict[str, Any] = {
        "organisation": row["organisation"],
        "assessed_on": row["assessed_on"].isoformat(),
        "met": row["met"],
    }
    if row["W.other"] is not None:
        ev["unnamed_met"] = {"W.other": row["W.other"]}
    facts = {k: row[k] for k in ("representative_groups", "employees") if row[k] is not None}
    if facts:
        ev["facts"] = facts
    return ev


def _message(text: str) -> str:
    """An error's text without where it was (``evidence:``, ``<arrow>[3]:``, a file's row)."""
    return "\n".join(re.sub(r"^\S*?: ", "", line) for line in text.splitlines())


def _expected(row: dict[str, Any]) -> dict[str, Any]:
    try:
        o = iiprules.evaluate(_as_evidence(row), explain=False)
    except (iiprules.EvidenceError, iiprules.RulesetNotFound) as exc:
        return {"error": _message(str(exc))}
    out: dict[str, Any] = {"level": o.level, "error": None}
    out.update({f"award.{a}": v for a, v in o.award_results.items()})
    out.update({f"invariant.{d.id}": d.holds for d in o.invariants})
    return out


def _check(got: list[dict[str, Any]], rows: list[dict[str, Any]]) -> None:
    assert len(got) == len(rows)
    for i, (g, row) in enumerate(zip(got, rows, strict=True)):
        want = _expected(row)
        if want["error"] is not None:
            assert g["error"] is not None, (i, g)
            assert _message(g["error"]) == want["error"], i
            continue
        assert g["error"] is None, (i, g["error"])
        assert g["organisation"] == row["organisation"]
        assert g["assessed_on"] == row["assessed_on"]
        for k, v in want.items():
            assert g[k] == v, (i, k)
        for k, v in g.items():  # an award of another version is null, not false
            if k.startswith("award.") and k not in want:
                assert v is None, (i, k)


def test_record_batch_rows_agree_with_the_single_path() -> None:
    rows = _rows(400, seed=1)
    batch = pa.RecordBatch.from_pylist(rows)
    out = columnar.evaluate_arrow(batch)
    assert out.schema == columnar.outcome_schema()
    _check(out.to_pylist(), rows)


def test_one_boolean_column_per_requirement() -> None:
    rows = _rows(200, seed=2)[8:]  # the well-formed ones
    ids = _ids()
    table = {
        "organisation": [r["organisation"] for r in rows],
        "assessed_on": [r["assessed_on"] for r in rows],
        **{rid: [rid in r["met"] or None if rid in r["met"] else False for r in rows] for rid in ids},
        "W.other": [r["W.other"] for r in rows],
    }
    got = columnar.evaluate_arrow(pa.table(table)).to_pylist()
    _check(got, [{**r, "representative_groups": None, "employees": None} for r in rows])


def test_text_dates_and_an_unknown_date_text() -> None:
    rows = _rows(50, seed=3)[8:]
    batch = pa.RecordBatch.from_pylist(
        [{**r, "assessed_on": r["assessed_on"].isoformat()} for r in rows]
        + [{**rows[0], "assessed_on": "2010-02-30"}]
    )
    got = columnar.evaluate_arrow(batch).to_pylist()
    _check(got[:-1], rows)
    assert "2010-02-30" in got[-1]["error"]


def test_unknown_column_is_refused_with_a_hint() -> None:
    batch = pa.RecordBatch.from_pylist([{"organisation": "a", "assessed_on": ON, "mett": []}])
    with pytest.raises(iiprules.EvidenceError, match=r"unknown column 'mett'.*met"):
        columnar.evaluate_arrow(batch)


def test_parquet_to_parquet_and_jsonl(tmp_path: Path) -> None:
    rows = _rows(300, seed=4)
    src = tmp_path / "population.parquet"
    pq.write_table(pa.Table.from_pylist(rows), src)
    out = tmp_path / "outcomes.parquet"
    summary = columnar.evaluate_parquet(src, out, batch_rows=128)
    assert summary.total == 300
    assert summary.errors == sum(_expected(r)["error"] is not None for r in rows)
    _check(pq.read_table(out).to_pylist(), rows)
    lines = tmp_path / "outcomes.jsonl"
    columnar.evaluate_parquet(src, lines)
    import json

    got = [json.loads(x) for x in lines.read_text(encoding="utf-8").splitlines()]
    assert [g.get("level") for g in got] == [_expected(r).get("level") for r in rows]


def test_duckdb_calls_it_on_its_own_record_batches() -> None:
    import duckdb  # in the dev extra: the test must run, never skip
    rows = _rows(200, seed=5)[8:]
    con = duckdb.connect()
    evidence = pa.Table.from_pylist(rows)  # noqa: F841 - DuckDB reads it by its name
    reader = con.sql(
        "select organisation, assessed_on, met, \"W.other\", employees from evidence"
    ).to_arrow_reader(64)
    outcomes = pa.Table.from_batches(columnar.evaluate_batches(reader), columnar.outcome_schema())
    assert outcomes.num_rows == len(rows)
    counts = con.sql(
        "select level, count(*) as n from outcomes where error is null group by level"
    ).fetchall()
    want: dict[Any, int] = {}
    for r in rows:
        got = _expected({**r, "representative_groups": None})
        if got["error"] is None:
            want[got["level"]] = want.get(got["level"], 0) + 1
    assert dict(counts) == want


def test_cli_evaluates_a_parquet_population(tmp_path: Path) -> None:
    import subprocess
    import sys

    rows = _rows(60, seed=6)[8:]
    src = tmp_path / "population.parquet"
    pq.write_table(pa.Table.from_pylist(rows), src)
    out = tmp_path / "outcomes.parquet"
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-m", "iiprules", "evaluate", "--population", str(src), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": ""},
    )
    errors = sum(_expected(r)["error"] is not None for r in rows)
    assert errors  # rows assessed in 2005 list ids of 2009: errors, exit code 2
    assert done.returncode == 2, done.stderr
    assert f"organisations: {len(rows)}" in done.stdout
    assert f"errors: {errors}" in done.stdout
    _check(pq.read_table(out).to_pylist(), rows)


def test_outputs_are_atomic_and_never_an_input(tmp_path: Path) -> None:
    from iiprules.outputs import OutputError

    rows = _rows(40, seed=7)[8:]
    src = tmp_path / "population.parquet"
    pq.write_table(pa.Table.from_pylist(rows), src)
    before = src.read_bytes()
    with pytest.raises(OutputError):
        columnar.evaluate_parquet(src, src)
    assert src.read_bytes() == before
    out = tmp_path / "out.parquet"
    out.write_bytes(b"previous")
    bad = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"organisation": ["a"], "assessed_on": [ON], "mett": [["1.1"]]}), bad)
    with pytest.raises(iiprules.EvidenceError):
        columnar.evaluate_parquet(bad, out)
    assert out.read_bytes() == b"previous"  # the failed run left the previous file
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".") or "tmp" in p.name]
