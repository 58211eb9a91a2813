"""Parsing, positions, error translation and the round trip of the rules language."""

from __future__ import annotations

import datetime as dt

import pytest

from iiprules import model as m
from iiprules.api import packaged_dir
from iiprules.diagnostics import RulesSyntaxError
from iiprules.syntax import parse, parse_file, unparse, unparse_cond

SMALL = """
ruleset tiny
    title "Tiny"

version 1 effective 2004-01-01 {
    part core "Core"
    level ok "OK" {
        requires all of part core and (any of [1.1] or not x) implies at least 2 of part core
    }
}
"""


def test_parse_builds_the_model_with_positions():
    """Every node carries the line and column it was written at."""
    r = parse(SMALL, "tiny.rules")
    assert "tiny" == r.name
    version = r.versions[0]
    assert dt.date(2004, 1, 1) == version.effective
    level = version.items[1]
    assert isinstance(level, m.Level)
    assert (7, 5) == (level.span.line, level.span.column)
    assert "tiny.rules" == level.span.path


def test_operators_group_as_written():
    """'and' binds tighter than 'or', and 'implies' is loosest."""
    level = parse(SMALL).versions[0].items[1]
    assert isinstance(level.requires, m.Implies)
    premise = level.requires.premise
    assert isinstance(premise, m.And)
    assert isinstance(premise.items[1], m.Or)
    assert (
        "all of part core and (any of [1.1] or not x) implies at least 2 of part core"
        == unparse_cond(level.requires)
    )


def test_spans_do_not_affect_equality():
    """The same ruleset laid out differently parses to an equal model."""
    squashed = " ".join(SMALL.split())
    assert parse(SMALL) == parse(squashed)


@pytest.mark.parametrize("name", ["standard", "lm_theme", "partner_award"])
def test_packaged_rulesets_round_trip(name):
    """parse(unparse(r)) == r for every packaged ruleset."""
    r = parse_file(packaged_dir() / f"{name}.rules")
    assert r == parse(unparse(r))


def test_syntax_error_names_what_was_expected_in_words():
    """A missing 'of' is reported at the offending word, with a hint, not a token dump."""
    with pytest.raises(RulesSyntaxError) as info:
        parse(
            'ruleset x\nversion 1 effective 2004-01-01 {\n level a "A" { requires at least 2 [1.1] }\n}\n',
            "x.rules",
        )
    d = info.value.diagnostics[0]
    assert "IIP108" == d.code
    assert (3, 36) == (d.span.line, d.span.column)
    assert "a count needs 'of' before what it counts" == d.message
    assert "counts are written 'at least 26 of part extended'" == d.hint
    assert "__ANON" not in str(info.value) and "$END" not in str(info.value)


def test_deep_nesting_parses_without_recursion_error():
    """Thousands of nested 'not' parse and build (non-recursive transformer)."""
    cond = "not " * 3000 + "true"
    text = f'ruleset x\nversion 1 effective 2004-01-01 {{\n level a "A" {{ requires {cond} }}\n}}\n'
    r = parse(text)
    assert isinstance(r.versions[0].items[0].requires, m.Not)
