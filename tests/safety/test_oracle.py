"""The differential oracle: the population path and ``iiprules.evaluate`` agree on every row.

For organisations written by ``generate`` and then mutated (hypothesis picks
the mutations: odd dates, nulls, huge numbers, unknown or duplicate ids, wrong
types, missing fields, earlier assessments...), every population reader
(JSONL, JSON array, a folder of files, CSV) with one or two worker processes
must give, for each row, what ``iiprules.evaluate`` gives for that
organisation alone: the same level, awards and invariants, or an error for
the same reason (the same message once its location is taken off).

Bounded: a few dozen examples per run, so it runs in CI with the other tests.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from iiprules import api, batch
from iiprules.diagnostics import EvaluationError, EvidenceError, RulesetNotFound
from iiprules.generate import generate

RULESETS = api.PopulationRulesets()

_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

#: ``PATH:LINE: `` or ``PATH[3]: `` or ``evidence: `` at the front of a message.
_WHERE = re.compile(r"^(evidence|\S+?)(:\d+)?: ")


def _reason(message: str) -> str:
    """The problems of a message without their locations (one a line), in a fixed order.

    A file's problems come in the order of the text; a row's, in the order they
    were found: the same problems either way.
    """
    return "\n".join(sorted(_WHERE.sub("", line, count=1) for line in message.splitlines()))


def expected(doc: Any, folder: Path) -> tuple[Any, ...]:
    """What ``iiprules evaluate`` says about one organisation written as a JSON file.

    The same text as the row, read by the single path (so ``1.1`` in a list is
    read as the evaluator reads JSON, not as a Python float).
    """
    path = folder / "one.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    try:
        o = api.evaluate(path, explain=False)
    except (EvidenceError, RulesetNotFound, EvaluationError) as exc:
        return ("error", _reason(str(exc)))
    d = o.to_dict(explanation=False)
    return ("ok", d["organisation"], d["level"], d["awards"], d["invariants"])


def got(row: dict[str, Any]) -> tuple[Any, ...]:
    """The same shape, from a row of the population path."""
    if "error" in row:
        return ("error", _reason(row["error"]))
    return ("ok", row["organisation"], row["level"], row["awards"], row["invariants"])


# -- what is drawn ---------------------------------------------------------------------------

_BASES = {
    seed: list(generate(["standard", "lm_theme", "partner_award"], 6, seed)) for seed in range(4)
}

_MUTATIONS: list[tuple[str, Any]] = [
    ("assessed_on", "20100630"),
    ("assessed_on", "2010-W26-3"),
    ("assessed_on", "2010-6-30"),
    ("assessed_on", "2010-02-30"),
    ("assessed_on", 20100630),
    ("assessed_on", None),
    ("assessed_on", {"year": 2010}),
    ("assessed_on", "1999-01-01"),
    ("met", None),
    ("met", "1.1"),
    ("met", ["1.1", "1.1"]),
    ("met", ["1.1", "no.such"]),
    ("met", ["W2.1"]),
    ("met", [1.1]),
    ("met", [["1.1"]]),
    ("met", []),
    ("facts", None),
    ("facts", {"employees": 10**19}),
    ("facts", {"employees": -(10**19)}),
    ("facts", {"employees": 2**63 - 1}),
    ("facts", {"employees": True}),
    ("facts", {"employees": "12"}),
    ("facts", {"employees": 1.5}),
    ("facts", {"no_such_fact": 1}),
    ("facts", {"representative_groups": "yes"}),
    ("facts", {"representative_groups": None}),
    ("facts", []),
    ("unnamed_met", None),
    ("unnamed_met", {"W.other": 3_000_000_000}),
    ("unnamed_met", {"W.other": 2**63}),
    ("unnamed_met", {"W.other": -1}),
    ("unnamed_met", {"W.other": True}),
    ("unnamed_met", {"W.other": "3"}),
    ("unnamed_met", {"W.other": 93}),
    ("unnamed_met", {"no.group": 1}),
    ("organisation", ""),
    ("organisation", 12),
    ("organisation", None),
    ("organisation", "x" * 10_000),
    ("organisation", "Ünïcödé & Sons"),
    ("notes", "fine"),
    ("colour", "blue"),
    ("pending", ["1.1"]),
    ("pending", None),
    ("history", [{"assessed_on": "2007-01-01", "met": ["1.1"], "level": "standard"}]),
    ("history", [{"assessed_on": "20070101"}]),
    ("history", None),
    ("id", None),
]

mutation = st.sampled_from(_MUTATIONS) | st.tuples(
    st.sampled_from(["assessed_on", "organisation", "met", "facts"]), st.just("<drop>")
)


@st.composite
def population(draw: st.DrawFn) -> list[Any]:
    """A few generated organisations, some of them mutated (one or two changes each)."""
    base = [dict(d) for d in _BASES[draw(st.sampled_from(sorted(_BASES)))]]
    docs: list[Any] = []
    for d in base:
        for key, value in draw(st.lists(mutation, max_size=2)):
            if value == "<drop>":
                d.pop(key, None)
            else:
                d[key] = value
        docs.append(d)
    if draw(st.booleans()):
        docs.insert(draw(st.integers(0, len(docs))), draw(st.sampled_from([[], 3, "x", None])))
    return docs


def _write(docs: list[Any], kind: str, folder: Path) -> Path:
    if kind == "jsonl":
        path = folder / "p.jsonl"
        path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    elif kind == "json":
        path = folder / "p.json"
        path.write_text(json.dumps(docs), encoding="utf-8")
    else:
        path = folder / "pop"
        path.mkdir()
        for i, d in enumerate(docs):
            (path / f"{i:04d}.json").write_text(json.dumps(d), encoding="utf-8")
    return path


def _check(docs: list[Any], path: Path, jobs: int) -> None:
    rows = list(batch.iter_rows(path, RULESETS, jobs=jobs))
    assert len(docs) == len(rows)
    for i, (doc, row) in enumerate(zip(docs, rows, strict=True)):
        assert expected(doc, path.parent) == got(row), f"row {i}: {json.dumps(doc)[:300]}"


@pytest.mark.parametrize("kind", ["jsonl", "json", "folder"])
@_SETTINGS
@given(docs=population())
def test_population_agrees_with_evaluate(tmp_path_factory: pytest.TempPathFactory,
                                         kind: str, docs: list[Any]) -> None:  # fmt: skip
    """Every row of a JSONL / JSON array / folder population is what evaluate says of it."""
    _check(docs, _write(docs, kind, tmp_path_factory.mktemp(kind)), jobs=1)


@pytest.mark.parametrize("kind", ["jsonl", "json", "folder"])
def test_two_workers_agree_with_evaluate(tmp_path: Path, kind: str) -> None:
    """With two worker processes (small chunks, so both work), the rows are the same."""
    docs: list[Any] = []
    for seed, base in sorted(_BASES.items()):
        for j, d in enumerate(base):
            key, value = _MUTATIONS[(seed * 7 + j * 5) % len(_MUTATIONS)]
            docs.append({**d, key: value})
    path = _write(docs, kind, tmp_path)
    from iiprules._batch.judge import _Judge
    from iiprules._batch.rows import _row_dict
    from iiprules.batch import _judged_chunks, read_chunks

    chunks = read_chunks(path, 4, _Judge(RULESETS, vectorise=False))
    rows = [
        _row_dict(r)
        for part, _s, _n in _judged_chunks(chunks, RULESETS, None, 2, True)
        for r in part
    ]
    assert len(docs) == len(rows)
    for doc, row in zip(docs, rows, strict=True):
        assert expected(doc, tmp_path) == got(row), json.dumps(doc)[:300]


_CELLS: list[tuple[str, str]] = [
    ("assessed_on", "20100630"),
    ("assessed_on", "2010-02-30"),
    ("assessed_on", ""),
    ("met", "1.1;1.1"),
    ("met", "no.such"),
    ("W.other", "3000000000"),
    ("W.other", "-1"),
    ("W.other", "x"),
    ("employees", str(10**19)),
    ("employees", "many"),
    ("representative_groups", "perhaps"),
    ("organisation", ""),
]


@_SETTINGS
@given(seed=st.sampled_from(sorted(_BASES)), changes=st.lists(
    st.tuples(st.integers(0, 5), st.sampled_from(_CELLS)), max_size=4))  # fmt: skip
def test_csv_agrees_with_evaluate(
    tmp_path_factory: pytest.TempPathFactory, seed: int, changes: list[tuple[int, tuple[str, str]]]
) -> None:
    """Each CSV row is judged as evaluate judges its evidence, or keeps its name in error."""
    import csv
    import io

    cols = ["organisation", "assessed_on", "met", "W.other", "employees",
            "representative_groups", "business_network_member"]  # fmt: skip
    rows = []
    for d in _BASES[seed]:
        if "history" in d:
            d = {k: v for k, v in d.items() if k != "history"}
        facts = d.get("facts", {})
        rows.append({
            "organisation": d["organisation"], "assessed_on": d["assessed_on"],
            "met": ";".join(d.get("met", [])),
            "W.other": str(d.get("unnamed_met", {}).get("W.other", "")),
            "employees": str(facts.get("employees", "")),
            "representative_groups": str(facts.get("representative_groups", "")).lower(),
            "business_network_member": str(facts.get("business_network_member", "")).lower(),
        })  # fmt: skip
    changed = set()
    for i, (col, value) in changes:
        rows[i][col] = value
        changed.add(i)
    folder = tmp_path_factory.mktemp("csv")
    buf = io.StringIO()
    w = csv.DictWriter(buf, cols, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path = folder / "p.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    got_rows = list(batch.iter_rows(path, RULESETS))
    assert len(rows) == len(got_rows)
    for i, (r, row) in enumerate(zip(rows, got_rows, strict=True)):
        if "error" in row:
            assert (r["organisation"] or None) == row["organisation"]
            assert i in changed, row["error"]  # an untouched generated row is always judged
            continue
        doc: dict[str, Any] = {"organisation": r["organisation"],
                               "assessed_on": r["assessed_on"],
                               "met": [x for x in r["met"].split(";") if x]}  # fmt: skip
        if r["W.other"]:
            doc["unnamed_met"] = {"W.other": int(r["W.other"])}
        facts: dict[str, Any] = {}
        if r["employees"]:
            facts["employees"] = int(r["employees"])
        for b in ("representative_groups", "business_network_member"):
            if r[b]:
                facts[b] = r[b] == "true"
        if facts:
            doc["facts"] = facts
        assert expected(doc, folder) == got(row), f"row {i}: {r}"
