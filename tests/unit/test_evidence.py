"""Evidence files: shapes, types and ids; every problem reported, each placed and coded."""

from __future__ import annotations

import json
import pickle

import pytest

import iiprules
from iiprules import evidence
from iiprules.diagnostics import EvidenceError

HEAD = "organisation: A\nassessed_on: 2010-01-01\n"


def error(tmp_path, text: str, name: str = "org.yaml") -> EvidenceError:
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    with pytest.raises(EvidenceError) as info:
        iiprules.evaluate(str(f))
    return info.value


def problem(tmp_path, text: str, name: str = "org.yaml") -> str:
    """The one problem a file has, as its one-line text (the folder left out)."""
    exc = error(tmp_path, text, name)
    message = str(exc)
    assert 1 == len(exc.problems), message
    assert "\n" not in message
    return message.replace(str(tmp_path) + "/", "")


def problems(tmp_path, text: str, name: str = "org.yaml") -> list[str]:
    """Every problem a file has, one line each (the folder left out)."""
    exc = error(tmp_path, text, name)
    return [str(p).replace(str(tmp_path) + "/", "") for p in exc.problems]


def test_missing_field(tmp_path):
    """A missing required field is named, at the top of the document."""
    assert "org.yaml:1:1: field 'assessed_on': missing (required)" == problem(
        tmp_path, "organisation: A\nmet: []\n"
    )


def test_unknown_requirement_with_line_and_suggestion(tmp_path):
    """An unknown id names its line, column and place in the list, and the closest real ids."""
    msg = problem(tmp_path, HEAD + "met:\n  - 1.1\n  - 4.9\n")
    assert msg.startswith("org.yaml:5:5: field 'met[1]': unknown requirement '4.9'")
    assert "did you mean" in msg


def test_ids_are_never_read_as_numbers(tmp_path):
    """'10.1' stays an id (YAML would read it as the float 10.1 and lose '1.10')."""
    f = tmp_path / "org.yaml"
    f.write_text(HEAD + "met: [10.1, 1.1]\n")
    assert {"10.1", "1.1"} == set(iiprules.evaluate(str(f)).met)


def test_wrong_type_of_fact(tmp_path):
    """A fact of the wrong type names the fact, its line and column."""
    assert "org.yaml:3:20: field 'facts.employees': expected a whole number, got 'many'" == (
        problem(tmp_path, HEAD + "facts: {employees: many}\n")
    )


def test_unknown_field_suggests(tmp_path):
    """A misspelt field is caught with a suggestion; the field it stands for is missing too."""
    assert [
        "org.yaml:1:1: field 'assessed_on': missing (required)",
        "org.yaml:2:1: field 'assesed_on': unknown field; did you mean 'assessed_on'?",
    ] == problems(tmp_path, "organisation: A\nassesed_on: 2010-01-01\n")


def test_duplicate_id(tmp_path):
    """Listing a requirement twice is an error at the second mention, naming the first."""
    assert (
        "org.yaml:3:12: field 'met[1]': requirement '1.1' is listed twice (first as met[0])"
        == problem(tmp_path, HEAD + "met: [1.1, 1.1]\n")
    )


def test_derived_requirement_cannot_be_listed(tmp_path):
    """L&M Model requirements are met through the mapping, not listed."""
    exc = error(tmp_path, HEAD + "met: [LM1.1]\n")
    assert "met through its mapping" in str(exc)
    assert evidence.NOT_LISTABLE == exc.code


def test_unnamed_count_out_of_range(tmp_path):
    """More unnamed requirements met than the group holds is an error."""
    exc = error(tmp_path, HEAD + "unnamed_met: {W.other: 94}\n")
    assert "but the group 'W.other' has only 93" in str(exc)
    assert evidence.BAD_COUNT == exc.code


def test_extended_ids_not_in_the_2004_standard(tmp_path):
    """A 2006 assessment cannot claim wider-framework requirements (2009 onward)."""
    assert (
        "org.yaml:3:7: field 'met[0]': requirement 'W4.1' belongs to standard@2009, not to "
        "lm_model@2003, standard@2004 (the versions in force on 2006-01-01)"
        == problem(tmp_path, "organisation: A\nassessed_on: 2006-01-01\nmet: [W4.1]\n")
    )


def test_history_is_checked(tmp_path):
    """Earlier assessments: unknown ids, later dates and unknown levels are errors."""
    head = HEAD + "history:\n"
    assert "field 'history[0].met[0]': unknown requirement 'bogus'" in problem(
        tmp_path, head + "  - assessed_on: 2008-01-01\n    met: [bogus]\n"
    )
    assert "cannot be dated 2011-01-01, after this one" in problem(
        tmp_path, head + "  - assessed_on: 2011-01-01\n"
    )
    assert "met through its mapping" in problem(
        tmp_path, head + "  - assessed_on: 2008-01-01\n    met: [LM1.1]\n"
    )
    assert "unknown level 'platinum'" in problem(
        tmp_path, head + "  - assessed_on: 2008-01-01\n    level: platinum\n"
    )


def test_pending_cannot_also_be_met(tmp_path):
    """A requirement is met or pending, not both."""
    assert "requirement '1.1' is both met and pending" in problem(
        tmp_path, HEAD + "met: [1.1]\npending: [1.1]\n"
    )


def test_unknown_block_field_is_reported_on_its_key_line(tmp_path):
    """A misspelt field holding a block is reported where the key is written."""
    assert problem(tmp_path, HEAD + "factz:\n  employees: 3\n").startswith(
        "org.yaml:3:1: field 'factz': unknown field; did you mean 'facts'?"
    )


def test_json_evidence(tmp_path):
    """JSON evidence works the same, numbers kept as ids."""
    f = tmp_path / "org.json"
    f.write_text('{"organisation": "A", "assessed_on": "2010-01-01", "met": [1.1, "1.2"]}')
    assert {"1.1", "1.2"} == set(iiprules.evaluate(str(f), "standard").met)


def test_bad_yaml_is_one_line(tmp_path):
    """Broken YAML gives its line and column, not a traceback."""
    exc = error(tmp_path, "organisation: A\nmet: [1.1\n")
    assert str(exc).endswith("org.yaml:3:1: not valid YAML: did not find expected ',' or ']'")
    assert evidence.SYNTAX == exc.code


# -- every problem, each placed ---------------------------------------------------------


def test_a_json_file_with_three_problems_reports_all_three(tmp_path):
    """Three problems in a JSON file: three problems, each with its own code, line and column."""
    text = (
        "{\n"
        '  "organisation": "A",\n'
        '  "assessed_on": "2010-01-01",\n'
        '  "met": ["1.1", "4.9"],\n'
        '  "facts": {"employees": "many"},\n'
        '  "history": [{"assessed_on": "20080101"}]\n'
        "}\n"
    )
    exc = error(tmp_path, text, "org.json")
    got = [(p.code, p.field, p.line, p.column) for p in exc.problems]
    assert [
        (evidence.UNKNOWN_ID, "met[1]", 4, 18),
        (evidence.WRONG_TYPE, "facts.employees", 5, 26),
        (evidence.BAD_DATE, "history[0].assessed_on", 6, 31),
    ] == got
    assert 3 == len(str(exc).splitlines())


def test_the_same_three_problems_in_yaml(tmp_path):
    """YAML reports the same problems with the same codes and field paths."""
    text = (
        HEAD
        + "met: [1.1, 4.9]\nfacts: {employees: many}\nhistory:\n  - assessed_on: 20080101\n"
    )
    exc = error(tmp_path, text)
    assert [
        (evidence.UNKNOWN_ID, "met[1]", 3, 12),
        (evidence.WRONG_TYPE, "facts.employees", 4, 20),
        (evidence.BAD_DATE, "history[0].assessed_on", 6, 18),
    ] == [(p.code, p.field, p.line, p.column) for p in exc.problems]


def test_a_mapping_reports_every_problem_with_its_field(tmp_path):
    """Evidence given as a mapping reports the same problems, by field path (no lines)."""
    with pytest.raises(EvidenceError) as info:
        iiprules.evaluate(
            {
                "organisation": "A",
                "assessed_on": "2010-01-01",
                "met": ["1.1", "4.9", "1.1"],
                "facts": {"employees": "many"},
            }
        )
    assert [
        (evidence.DUPLICATE_ID, "met[2]", None),
        (evidence.UNKNOWN_ID, "met[1]", None),
        (evidence.WRONG_TYPE, "facts.employees", None),
    ] == [(p.code, p.field, p.line) for p in info.value.problems]


def test_problems_are_json_in_the_diagnostic_shape(tmp_path):
    """Every problem turns into JSON with the keys a diagnostic has, plus its field."""
    exc = error(tmp_path, HEAD + "met: [4.9]\n")
    data = json.loads(json.dumps(exc.to_dict()))
    assert "EvidenceError" == data["error"]
    (p,) = data["problems"]
    assert {"code", "severity", "message", "path", "line", "column", "field"} == set(p)
    assert ("error", 3, 7, "met[0]") == (p["severity"], p["line"], p["column"], p["field"])


def test_the_caret_points_at_the_value(tmp_path):
    """``render`` adds the line and a caret under the value, as rules diagnostics do."""
    exc = error(tmp_path, HEAD + "met: [1.1, 4.9]\n")
    lines = exc.render().splitlines()
    assert lines[1].endswith("| met: [1.1, 4.9]")
    assert lines[2].index("^") == lines[1].index("4.9")


def test_an_error_survives_pickling(tmp_path):
    """Worker processes send errors whole: every problem survives pickling."""
    exc = error(tmp_path, HEAD + "met: [4.9, 4.8]\n")
    exc.index = 3
    back = pickle.loads(pickle.dumps(exc))
    assert (exc.problems, 3) == (back.problems, back.index)


# -- strict reading ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("20100630", "20100630"),
        ("2010-W26-3", "'2010-W26-3'"),
        ("2010-6-30", "'2010-6-30'"),
        ("2010-06-30T00:00", "'2010-06-30T00:00'"),
    ],
)
def test_dates_are_strictly_yyyy_mm_dd(tmp_path, text, shown):
    """Only YYYY-MM-DD is a date, as every message says (fromisoformat reads more)."""
    exc = error(tmp_path, f"organisation: A\nassessed_on: {text}\n")
    assert evidence.BAD_DATE == exc.code
    assert str(exc).endswith(f"expected a date written YYYY-MM-DD, got {shown}")
    with pytest.raises(EvidenceError):
        iiprules.evaluate({"organisation": "A", "assessed_on": text})


def test_no_such_day(tmp_path):
    """A well-written date that does not exist says so."""
    assert "no such day: '2010-02-30'" in problem(
        tmp_path, "organisation: A\nassessed_on: 2010-02-30\n"
    )


def test_a_mapping_valued_date_prints_no_internal_repr(tmp_path):
    """A mapping where a date belongs is named, not printed as an object."""
    msg = problem(tmp_path, "organisation: A\nassessed_on: {year: 2010}\n")
    assert msg.endswith("expected a date written YYYY-MM-DD, got a mapping")


def test_long_values_are_cut_in_messages(tmp_path):
    """A 10,000-character value is quoted in part, with its length."""
    msg = problem(tmp_path, HEAD + f"facts: {{employees: {'x' * 10_000}}}\n")
    assert len(msg) < 200
    assert "(10,000 characters)" in msg


def test_duplicate_keys_in_yaml_name_both_lines(tmp_path):
    """A key written twice is refused at the second, naming the first (last-one-wins is silent)."""
    assert [
        "org.yaml:4:1: field 'met': written twice in one mapping (first at line 3, column 1); "
        "say each thing once"
    ] == problems(tmp_path, HEAD + "met: [1.1]\nmet: [1.2]\n")


def test_duplicate_keys_in_json_name_both_lines(tmp_path):
    """JSON too: both places, and duplicates inside nested mappings are found."""
    text = (
        '{"organisation": "A", "assessed_on": "2010-01-01",\n'
        ' "facts": {"employees": 3,\n'
        '           "employees": 4}}\n'
    )
    (msg,) = problems(tmp_path, text, "org.json")
    assert msg.startswith("org.json:3:12: field 'facts.employees': written twice in one mapping "
                          "(first at line 2, column 12)")


def test_a_yaml_alias_bomb_is_refused_without_expanding(tmp_path):
    """A few hundred bytes expanding to 9^9 values are refused by counting, not expanding."""
    levels = ["a: &a [" + ",".join(['"lol"'] * 9) + "]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    text = "\n".join(levels) + "\n"
    assert len(text) < 400
    exc = error(tmp_path, text)
    assert evidence.TOO_LARGE == exc.code
    assert f"more than {evidence.MAX_NODES:,} values" in str(exc)


def test_a_recursive_alias_is_refused(tmp_path):
    """An alias inside its own anchor is refused, not followed forever."""
    assert "refers to a value that contains it" in problem(tmp_path, "a: &a [*a]\n")


@pytest.mark.parametrize("name", ["org.yaml", "org.json"])
def test_nesting_is_bounded(tmp_path, name):
    """Deep nesting is refused with the limit named, not a RecursionError."""
    depth = evidence.MAX_DEPTH + 5
    text = '{"organisation": ' + "[" * depth + "]" * depth + "}"
    exc = error(tmp_path, text, name)
    assert evidence.TOO_LARGE == exc.code
    assert f"nested more than {evidence.MAX_DEPTH} deep" in str(exc)


def test_long_text_is_refused(tmp_path):
    """Text longer than the limit is refused with its length and the limit."""
    n = evidence.MAX_STRING_CHARS + 1
    msg = problem(tmp_path, f"organisation: {'x' * n}\nassessed_on: 2010-01-01\n")
    assert f"a text of {n:,} characters; evidence is limited to" in msg


def test_too_many_ids_are_refused(tmp_path):
    """A list longer than the limit is refused as a whole, before any id is looked at."""
    ids = ", ".join(f"x{i}" for i in range(evidence.MAX_LIST_ITEMS + 1))
    exc = error(tmp_path, HEAD + f"met: [{ids}]\n")
    assert [evidence.TOO_LARGE] == [p.code for p in exc.problems]


def test_a_large_file_is_refused_before_reading_it(tmp_path):
    """A file over the size limit is refused by its size."""
    f = tmp_path / "big.yaml"
    f.write_bytes(b"#" * (evidence.MAX_FILE_BYTES + 1))
    with pytest.raises(EvidenceError, match="larger than") as info:
        evidence.load(f)
    assert evidence.TOO_LARGE == info.value.code


def test_many_bad_ids_are_capped_not_each_explained(tmp_path):
    """Ten thousand unknown ids: the first problems in full, the rest counted."""
    ids = ", ".join(f"x{i}" for i in range(evidence.MAX_LIST_ITEMS))
    exc = error(tmp_path, HEAD + f"met: [{ids}]\n")
    assert evidence.MAX_PROBLEMS + 1 == len(exc.problems)
    assert "and 9,950 more problems not shown" in str(exc.problems[-1])


def test_duplicate_checks_are_linear(tmp_path):
    """The longest list allowed, every id twice over half of it, is checked (sets, not lists)."""
    half = evidence.MAX_LIST_ITEMS // 2
    ids = [f"x{i}" for i in range(half)] * 2
    with pytest.raises(EvidenceError) as info:
        evidence.load({"organisation": "A", "assessed_on": "2010-01-01", "met": ids})
    assert evidence.DUPLICATE_ID == info.value.code


def test_not_utf8(tmp_path):
    """Bytes that are not UTF-8 are refused with where they are."""
    f = tmp_path / "org.yaml"
    f.write_bytes(b"organisation: A\nassessed_on: \xff\n")
    with pytest.raises(EvidenceError, match="not UTF-8") as info:
        evidence.load(f)
    assert (2, 14) == (info.value.line, info.value.column)


# -- the fast path accepts only what the complete path accepts --------------------------


def test_mapping_fast_path_gives_the_complete_paths_evidence():
    """A plain dict accepted by the fast path is the evidence the complete reader gives."""
    doc = {
        "organisation": "A",
        "assessed_on": "2010-01-01",
        "met": ["1.1", "1.2"],
        "pending": ["1.3"],
        "unnamed_met": {"W.other": 3},
        "id": "X-1",
    }
    fast = iiprules.evaluate(doc, explain=False)
    slow = iiprules.evaluate(evidence.load(doc), explain=False)
    assert fast == slow


def _mapping_strategy():
    from hypothesis import strategies as st

    ids = st.sampled_from(["1.1", "1.2", "4.1", "W4.1", "LM1.1", "W.other", "9.9", 1, 1.5, None])
    values = st.sampled_from([True, 3, -1, "2001-02-03", "20010203", "many", None, 2**70])
    return st.fixed_dictionaries(
        {
            "organisation": st.sampled_from(["A", "", 42]),
            "assessed_on": st.sampled_from(["2010-06-01", "2006-03-01"]),
        },
        optional={
            "met": st.lists(ids, max_size=6),
            "pending": st.lists(ids, max_size=3),
            "unnamed_met": st.dictionaries(
                st.sampled_from(["W.other", "1.1", "X"]), st.sampled_from([0, 3, 94, True, -1])
            ),
            "facts": st.dictionaries(st.sampled_from(["employees", "sites", "x"]), values),
            "notes": st.sampled_from(["n", 3, {"a": 1}]),
        },
    )


def test_the_fast_path_accepts_only_what_the_complete_path_accepts():
    """For any mapping, the fast path either declines or gives the complete path's evidence."""
    from hypothesis import given, settings

    from iiprules.api import _judges

    @settings(max_examples=300, deadline=None)
    @given(_mapping_strategy())
    def check(doc):
        on = evidence.parse_date(doc["assessed_on"])
        v = _judges((), on).validator
        fast = v.accept(doc, on)
        try:
            slow = v.validate(evidence.load(doc, defer=True))
        except EvidenceError:
            assert fast is None, doc
            return
        if fast is not None:
            assert (slow, dict(slow.extra)) == (fast, dict(fast.extra))

    check()
