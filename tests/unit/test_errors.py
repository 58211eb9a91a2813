"""One error model: a base class, codes, JSON in one shape, errors paired with positions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import iiprules
from iiprules import api
from iiprules.diagnostics import Diagnostic

GOOD = {"organisation": "Good", "assessed_on": "2010-06-01", "met": ["1.1"]}
BAD = {"organisation": "Bad", "assessed_on": "2010-06-01", "met": ["9.9"]}
EARLY = {"organisation": "Early", "assessed_on": "1980-06-01", "met": []}


def test_every_error_is_an_iiperror_and_keeps_its_builtin_base():
    """Old ``except ValueError``/``LookupError`` code keeps working beside the new base."""
    assert issubclass(iiprules.EvidenceError, iiprules.IIPError)
    assert issubclass(iiprules.EvidenceError, ValueError)
    assert issubclass(iiprules.RulesetNotFound, iiprules.IIPError)
    assert issubclass(iiprules.RulesetNotFound, LookupError)
    assert issubclass(iiprules.RulesSyntaxError, iiprules.RulesError)
    assert issubclass(iiprules.RulesError, iiprules.IIPError)
    assert issubclass(iiprules.EvaluationError, iiprules.IIPError)


def test_load_raises_the_exported_syntax_error(tmp_path):
    """``load`` of a ruleset that does not parse raises ``RulesSyntaxError`` with every diagnostic."""
    f = tmp_path / "broken.rules"
    f.write_text("ruleset broken {\n  version 2009 effective\n", encoding="utf-8")
    with pytest.raises(iiprules.RulesSyntaxError) as info:
        iiprules.load(str(f))
    assert info.value.diagnostics
    assert all(d.code.startswith("IIP1") for d in info.value.diagnostics)


def test_check_errors_are_a_rules_error_not_a_syntax_error(tmp_path):
    """A ruleset that parses but fails its checks raises ``RulesError`` itself."""
    golden = Path(__file__).parents[1] / "golden/bad/names/duplicate_requirement.rules"
    f = tmp_path / "tiny.rules"
    f.write_text(golden.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(iiprules.RulesError) as info:
        iiprules.load(str(f))
    if isinstance(info.value, iiprules.RulesSyntaxError):
        pytest.fail(f"check errors reported as syntax errors: {info.value}")


def test_ruleset_not_found_has_a_code_and_json():
    """A missing ruleset is an IIPError with a code and a JSON form."""
    with pytest.raises(iiprules.RulesetNotFound) as info:
        iiprules.load("no_such_ruleset")
    data = info.value.to_dict()
    assert "RulesetNotFound" == data["error"]
    assert ["IIP380"] == [p["code"] for p in data["problems"]]


def test_diagnostics_and_problems_share_one_json_shape(tmp_path):
    """Rules diagnostics and evidence problems serialise with the same keys and types."""
    f = tmp_path / "broken.rules"
    f.write_text("ruleset {", encoding="utf-8")
    with pytest.raises(iiprules.RulesError) as rules:
        iiprules.load(str(f))
    with pytest.raises(iiprules.EvidenceError) as ev:
        iiprules.evaluate(BAD)
    for p in (*rules.value.problems, *ev.value.problems):
        data = json.loads(json.dumps(p.to_dict()))
        assert {"code", "severity", "message"} <= set(data)
        assert set(data) <= {
            "code", "severity", "message", "path", "line", "column", "end_line",
            "end_column", "hint", "field",
        }


def test_diagnostic_to_dict_is_what_check_json_prints():
    """``Diagnostic.to_dict`` keeps the shape ``check --format json`` always had."""
    d = Diagnostic("IIP201", "error", "duplicate", None, "hint")
    assert {"code": "IIP201", "severity": "error", "message": "duplicate", "hint": "hint"} == (
        d.to_dict()
    )


def test_evaluate_many_raises_with_the_position():
    """By default the first bad organisation raises, its position in ``index``."""
    with pytest.raises(iiprules.EvidenceError) as info:
        list(iiprules.evaluate_many([GOOD, GOOD, BAD, GOOD]))
    assert 2 == info.value.index


def test_evaluate_many_collects_errors_in_place():
    """``errors="collect"``: the i-th item is the i-th organisation's outcome or error."""
    got = list(iiprules.evaluate_many([GOOD, BAD, EARLY, GOOD], errors="collect"))
    assert [False, True, True, False] == [isinstance(x, iiprules.IIPError) for x in got]
    assert isinstance(got[1], iiprules.EvidenceError) and 1 == got[1].index
    assert isinstance(got[2], iiprules.RulesetNotFound) and 2 == got[2].index
    assert got[0] == got[3] == iiprules.evaluate(GOOD, explain=False)


def test_evaluate_many_skips_errors():
    """``errors="skip"``: only the outcomes, in order."""
    got = list(iiprules.evaluate_many([BAD, GOOD, EARLY], errors="skip"))
    assert [iiprules.evaluate(GOOD, explain=False)] == got


def test_evaluate_many_refuses_an_unknown_policy():
    """A misspelt policy is a ValueError at the call, not at the first bad organisation."""
    with pytest.raises(ValueError, match="errors must be one of"):
        api.evaluate_many([GOOD], errors="ignore")  # type: ignore[call-overload]


def test_the_public_api_names_what_callers_need():
    """Evidence validation and the batch layout are public names."""
    for name in ("IIPError", "EvidenceProblem", "validate", "Validator", "Layout"):
        assert name in iiprules.__all__
        assert hasattr(iiprules, name)
