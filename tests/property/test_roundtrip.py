"""``parse(unparse(r)) == r``, so that a formatter can rewrite any ruleset safely."""

from __future__ import annotations

import pytest
from hypothesis import given

from iiprules import api, check, parse, parse_file, unparse

from .strategies import rulesets


@given(rulesets())
def test_generated_rulesets_are_valid_and_round_trip(r):
    """Every generated ruleset passes the checker and survives unparse then parse."""
    assert [] == [str(d) for d in check(r).errors]
    assert r == parse(unparse(r))


@pytest.mark.parametrize("name", api.packaged_names())
def test_packaged_rulesets_round_trip(name):
    """Each packaged ruleset survives unparse then parse, and its canonical text is stable."""
    model = parse_file(api.packaged_dir() / f"{name}.rules")
    text = unparse(model)
    assert model == parse(text)
    assert text == unparse(parse(text))
