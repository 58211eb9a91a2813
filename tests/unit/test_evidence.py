"""Evidence files: shapes, types and ids, each problem one line naming the field."""

from __future__ import annotations

import pytest

import iiprules
from iiprules.diagnostics import EvidenceError


def problem(tmp_path, text: str, name: str = "org.yaml") -> str:
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    with pytest.raises(EvidenceError) as info:
        iiprules.evaluate(str(f))
    message = str(info.value)
    assert "\n" not in message
    return message.replace(str(tmp_path) + "/", "")


def test_missing_field(tmp_path):
    """A missing required field is named."""
    assert "org.yaml:1: field 'assessed_on': missing (required)" == problem(
        tmp_path, "organisation: A\nmet: []\n"
    )


def test_unknown_requirement_with_line_and_suggestion(tmp_path):
    """An unknown id names its line and the closest real ids."""
    msg = problem(tmp_path, "organisation: A\nassessed_on: 2010-01-01\nmet:\n  - 1.1\n  - 4.9\n")
    assert msg.startswith("org.yaml:5: field 'met': unknown requirement '4.9'")
    assert "did you mean" in msg


def test_ids_are_never_read_as_numbers(tmp_path):
    """'10.1' stays an id (YAML would read it as the float 10.1 and lose '1.10')."""
    f = tmp_path / "org.yaml"
    f.write_text("organisation: A\nassessed_on: 2010-01-01\nmet: [10.1, 1.1]\n")
    assert {"10.1", "1.1"} == set(iiprules.evaluate(str(f)).met)


def test_wrong_type_of_fact(tmp_path):
    """A fact of the wrong type names the fact and its line."""
    assert "org.yaml:3: field 'facts.employees': expected a whole number, got 'many'" == problem(
        tmp_path, "organisation: A\nassessed_on: 2010-01-01\nfacts: {employees: many}\n"
    )


def test_unknown_field_suggests(tmp_path):
    """A misspelt field is caught with a suggestion."""
    assert "did you mean 'assessed_on'" in problem(
        tmp_path, "organisation: A\nassesed_on: 2010-01-01\n"
    )


def test_duplicate_id(tmp_path):
    """Listing a requirement twice is an error at the second mention."""
    assert "org.yaml:3: field 'met[1]': requirement '1.1' is listed twice" == problem(
        tmp_path, "organisation: A\nassessed_on: 2010-01-01\nmet: [1.1, 1.1]\n"
    )


def test_derived_requirement_cannot_be_listed(tmp_path):
    """L&M Model requirements are met through the mapping, not listed."""
    assert "met through its mapping" in problem(
        tmp_path, "organisation: A\nassessed_on: 2010-01-01\nmet: [LM1.1]\n"
    )


def test_unnamed_count_out_of_range(tmp_path):
    """More unnamed requirements met than the group holds is an error."""
    assert "but the group 'W.other' has only 93" in problem(
        tmp_path, "organisation: A\nassessed_on: 2010-01-01\nunnamed_met: {W.other: 94}\n"
    )


def test_extended_ids_not_in_the_2004_standard(tmp_path):
    """A 2006 assessment cannot claim wider-framework requirements (2009 onward)."""
    assert (
        "org.yaml:3: field 'met': requirement 'W4.1' belongs to standard@2009, not to "
        "standard@2004 (the versions in force on 2006-01-01)"
        == problem(tmp_path, "organisation: A\nassessed_on: 2006-01-01\nmet: [W4.1]\n")
    )


def test_history_is_checked(tmp_path):
    """Earlier assessments: unknown ids, later dates and unknown levels are errors."""
    head = "organisation: A\nassessed_on: 2010-01-01\nhistory:\n"
    assert "field 'history[0].met': unknown requirement 'bogus'" in problem(
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
        tmp_path, "organisation: A\nassessed_on: 2010-01-01\nmet: [1.1]\npending: [1.1]\n"
    )


def test_unknown_block_field_is_reported_on_its_key_line(tmp_path):
    """A misspelt field holding a block is reported where the key is written."""
    assert problem(
        tmp_path, "organisation: A\nassessed_on: 2010-01-01\nfactz:\n  employees: 3\n"
    ).startswith("org.yaml:3: field 'factz': unknown field; did you mean 'facts'?")


def test_json_evidence(tmp_path):
    """JSON evidence works the same, numbers kept as ids."""
    f = tmp_path / "org.json"
    f.write_text('{"organisation": "A", "assessed_on": "2010-01-01", "met": [1.1, "1.2"]}')
    assert {"1.1", "1.2"} == set(iiprules.evaluate(str(f), "standard").met)


def test_bad_yaml_is_one_line(tmp_path):
    """Broken YAML gives its line, not a traceback."""
    assert problem(tmp_path, "organisation: A\nmet: [1.1\n").startswith(
        "org.yaml:3: not valid YAML"
    )
