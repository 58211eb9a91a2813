"""The JSON Schemas, held to the code both ways: built from it, and validating what it reads and writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import iiprules
from iiprules import evidence, schemas
from iiprules.cli import main
from iiprules.schemas import _build

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.*"))


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = schemas.get(name)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def valid(name: str, data: Any) -> bool:
    return validator(name).is_valid(data)


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    """Run the CLI in this process and parse what it printed."""
    code = main(list(args))
    out = capsys.readouterr().out
    assert code in (0, 1), out
    return json.loads(out)


def test_the_shipped_files_are_what_the_code_builds():
    """The schema files are the builder's output (rebuild: python -m iiprules.schemas._build)."""
    assert 0 == _build.main(["--check"])
    assert set(_build.BUILDERS) == set(schemas.names())


@pytest.mark.parametrize("name", schemas.names())
def test_every_schema_is_a_valid_draft_2020_12_schema(name):
    """Each schema is itself valid, and ``get`` hands out a copy."""
    schema = schemas.get(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert "https://json-schema.org/draft/2020-12/schema" == schema["$schema"]
    schema["title"] = "changed"
    assert "changed" != schemas.get(name)["title"]


def test_an_unknown_schema_names_the_known_ones():
    """``get`` of an unknown name lists the names."""
    with pytest.raises(KeyError, match="evidence"):
        schemas.get("nope")


def test_the_cli_prints_a_schema_and_lists_them(capsys):
    """``iiprules schema NAME`` prints the schema; without a name, the names."""
    assert schemas.get("evidence") == cli_json(capsys, "schema", "evidence")
    assert 0 == main(["schema"])
    assert schemas.names() == capsys.readouterr().out.split()
    assert 2 == main(["schema", "nope"])


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_validates_against_the_evidence_schema(path):
    """Every file in examples/ is valid evidence by the schema."""
    doc = evidence.read_file(path)
    errors = [e.message for e in validator("evidence").iter_errors(doc.value)]
    assert [] == errors


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_outcomes_printed_by_the_cli_validate(capsys, path):
    """``evaluate --format json`` (full and --brief) prints valid outcomes; so does why-not."""
    full = cli_json(capsys, "evaluate", str(path), "--format", "json")
    assert [] == [e.message for e in validator("outcome").iter_errors(full)]
    assert "explanation" in full
    brief = cli_json(capsys, "evaluate", str(path), "--format", "json", "--brief")
    assert valid("outcome", brief) and "explanation" not in brief
    assert valid("why-not", cli_json(capsys, "why-not", str(path), "--format", "json"))


@pytest.mark.parametrize("path", EXAMPLES[:6], ids=lambda p: p.name)
def test_answers_printed_by_the_cli_validate(capsys, path, tmp_path):
    """plan, critical, pending and lapse print what their schemas describe."""
    costs = tmp_path / "costs.yaml"
    costs.write_text("people: 3\ntop_managers: 5\ndefault: 1\n", encoding="utf-8")
    assert valid("costs", evidence.read_file(costs).value)
    for args, name in [
        (("plan", str(path), "--target", "gold"), "plan"),
        (("plan", str(path), "--target", "gold", "--cost", str(costs)), "plan"),
        (("critical", str(path)), "critical"),
        (("pending", str(path)), "pending"),
        (("lapse", str(path)), "lapse"),
    ]:
        data = cli_json(capsys, *args, "--format", "json")
        assert [] == [e.message for e in validator(name).iter_errors(data)], args


def test_check_reports_validate(capsys):
    """``check --format json`` prints a valid report, for good and bad rulesets."""
    good = cli_json(capsys, "check", str(ROOT / "rulesets"), "--format", "json")
    assert valid("check", good)
    bad = sorted((ROOT / "tests/golden/bad").rglob("*.rules"))[:10]
    report = cli_json(capsys, "check", *map(str, bad), "--format", "json")
    assert report["diagnostics"] and valid("check", report)


def test_population_rows_validate(tmp_path, capsys):
    """Every row ``evaluate --population --out`` writes, outcome or error, is a valid row."""
    rows = [
        {"organisation": "A", "assessed_on": "2010-06-01", "met": ["1.1"]},
        {"organisation": "B", "assessed_on": "2010-06-01", "met": ["9.9"]},
        {"organisation": "C", "assessed_on": "2010-06-01", "met": ["1.1"],
         "history": [{"assessed_on": "2007-06-01", "met": ["1.2"], "level": "standard"}]},
    ]  # fmt: skip
    for row in rows:
        assert valid("evidence", row)
    src = tmp_path / "p.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows) + "not json\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    main(["evaluate", "--population", str(src), "--out", str(out)])
    capsys.readouterr()
    written = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert 4 == len(written)
    for row in written:
        assert [] == [e.message for e in validator("population-row").iter_errors(row)], row


def test_errors_and_problems_validate(tmp_path):
    """An EvidenceError and a RulesError as JSON are valid errors; each problem a diagnostic."""
    with pytest.raises(iiprules.EvidenceError) as ev:
        iiprules.evaluate({"organisation": "A", "assessed_on": "2010-06-01", "met": ["9.9", 3]})
    broken = tmp_path / "b.rules"
    broken.write_text("ruleset {", encoding="utf-8")
    with pytest.raises(iiprules.RulesError) as rules:
        iiprules.load(str(broken))
    for exc in (ev.value, rules.value):
        data = json.loads(json.dumps(exc.to_dict()))
        assert [] == [e.message for e in validator("error").iter_errors(data)]
        for p in data["problems"]:
            assert valid("diagnostic", p)


# -- both ways: what the schema accepts the reader accepts, and the other way round -------

IDS = st.sampled_from(["1.1", "1.2", "4.1", "W4.1", "", "x" * 3])
GOOD_DATES = st.sampled_from(["2010-06-01", "2009-02-28", "2004-01-31"])
BAD_DATES = st.sampled_from(["2010-02-30", "20100601", "2010-W22-1", "", "2010-6-1"])
SCALARS = st.one_of(
    st.booleans(), st.integers(-5, 10**20), st.text(max_size=4), st.none(), st.floats(0, 3)
)
JUNK = st.one_of(SCALARS, st.just({}), st.just([]), st.just({"a": 1}), st.just(["1.1"]))

EARLIER = st.fixed_dictionaries(
    {"assessed_on": GOOD_DATES},
    optional={
        "met": st.lists(IDS, max_size=3, unique=True),
        "unnamed_met": st.dictionaries(st.text(max_size=3), st.integers(0, 5), max_size=2),
        "ruleset": st.text(max_size=3),
        "level": st.text(max_size=3),
        "notes": JUNK,
    },
)
GOOD = st.fixed_dictionaries(
    {"organisation": st.text(min_size=1, max_size=3), "assessed_on": GOOD_DATES},
    optional={
        "met": st.lists(IDS, max_size=4, unique=True),
        "unnamed_met": st.dictionaries(st.text(max_size=3), st.integers(0, 5), max_size=2),
        "facts": st.dictionaries(st.text(max_size=3), SCALARS, max_size=3),
        "history": st.lists(EARLIER, max_size=2),
        "id": JUNK,
        "sector": JUNK,
        "notes": JUNK,
    },
)

#: (field path, replacement) mutations; None as a value deletes the field.
BAD_VALUES = {
    "organisation": st.one_of(st.just(""), st.integers(), st.none(), st.just(["A"])),
    "assessed_on": st.one_of(BAD_DATES, st.integers(), st.none(), st.just({"y": 1})),
    "met": st.one_of(
        st.just(["1.1", "1.1"]), st.just("1.1"), st.just([1.5]), st.just([None]),
        st.just([{}]), st.just({}), st.none(), st.just([True]),
    ),
    "pending": st.one_of(st.just(["4.1", "4.1"]), st.just(3), st.none()),
    "unnamed_met": st.one_of(
        st.just({"W.other": -1}), st.just({"W.other": True}), st.just({"W.other": "3"}),
        st.just([1]), st.just(0), st.none(),
    ),
    "facts": st.one_of(st.just([True]), st.just({"a": [1]}), st.just({"a": {}}), st.just(3)),
    "history": st.one_of(
        st.just({}), st.just([3]), st.just([{"met": []}]),
        st.just([{"assessed_on": "20100101"}]), st.just([{"assessed_on": "2009-01-01", "x": 1}]),
        st.just([{"assessed_on": "2009-01-01", "level": None}]),
        st.just([{"assessed_on": "2009-01-01", "met": ["a", "a"]}]),
    ),
    "mett": st.just(["1.1"]),
}


@st.composite
def evidence_docs(draw: st.DrawFn) -> dict[str, Any]:
    """Valid evidence, then none, one or two mutations that may break it."""
    doc = dict(draw(GOOD))
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2]))):
        key = draw(st.sampled_from(sorted(BAD_VALUES)))
        if draw(st.booleans()) and key in ("organisation", "assessed_on"):
            doc.pop(key, None)
        else:
            doc[key] = draw(BAD_VALUES[key])
    return doc


EVIDENCE = evidence_docs()


def _reader_accepts(doc: dict[str, Any]) -> bool:
    try:
        evidence.load(doc)
    except evidence.EvidenceError:
        return False
    return True


def _outside_the_schema(doc: dict[str, Any]) -> bool:
    """What JSON Schema cannot say and the reader checks: the same id met and pending."""
    met, pending = doc.get("met"), doc.get("pending")
    return (
        isinstance(met, list) and isinstance(pending, list) and bool(set(met) & set(pending))
    )


@settings(max_examples=400, deadline=None)
@given(EVIDENCE)
def test_the_evidence_schema_and_the_reader_agree(doc):
    """Generated evidence, good and bad: the schema accepts it exactly when the reader does."""
    if _outside_the_schema(doc):
        assert not _reader_accepts(doc)
        return
    assert valid("evidence", doc) == _reader_accepts(doc), doc
