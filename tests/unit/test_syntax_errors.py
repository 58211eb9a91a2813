"""Syntax errors: every independent slip reported, positioned, never a crash or a cascade."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iiprules import api
from iiprules._syntax.messages import MAX_SYNTAX_ERRORS, expected_phrase
from iiprules.diagnostics import RulesSyntaxError
from iiprules.syntax import parse

HEAD = 'ruleset r\nversion 1 effective 2000-01-01 {\n    part core "Core"\n    fact a: boolean\n'
LEVEL = '    level l{n} "L" {{\n        requires all of part core {slip} a\n    }}\n'


def errors_of(text: str) -> list[str]:
    """The codes and lines of the syntax errors of a text."""
    with pytest.raises(RulesSyntaxError) as info:
        parse(text, "t.rules")
    return [f"{d.code}@{d.span.line}" for d in info.value.diagnostics if d.span]


def test_each_independent_slip_is_reported_once():
    """Three levels, each with its own slip, give exactly three errors, in order."""
    body = "".join(LEVEL.format(n=n, slip=s) for n, s in enumerate(["&&", "||", "and"]))
    body += '    level bad "B" {\n        requires atleast 1 of part core\n    }\n'
    assert ["IIP107@6", "IIP107@9", "IIP102@15"] == errors_of(HEAD + body + "}\n")


def test_at_most_twenty_errors_are_reported():
    """A file with 25 broken levels reports the first 20."""
    body = "".join(LEVEL.format(n=n, slip="&&") for n in range(25))
    found = errors_of(HEAD + body + "}\n")
    assert MAX_SYNTAX_ERRORS == len(found)
    assert [f"IIP107@{6 + 3 * n}" for n in range(20)] == found


def test_expected_tokens_are_grouped_into_the_construct_being_written():
    """A condition's continuation reads as words, with the closing brace last."""
    assert "'and', 'or', 'implies' or '}'" == expected_phrase({"AND", "OR", "IMPLIES", "RBRACE"})


PACKAGED = [
    (api.packaged_dir() / f"{name}.rules").read_text(encoding="utf-8")
    for name in api.packaged_names()
]


# Each case parses a real ruleset a few times over: no per-example deadline.
@settings(deadline=None, max_examples=60)
@given(
    which=st.sampled_from(range(len(PACKAGED))),
    at=st.floats(min_value=0, max_value=1),
    junk=st.sampled_from(["{", "}", '"', "&&", "requirment", "=>", "'", "(", "]", "\n}\n", "#"]),
    cut=st.integers(min_value=0, max_value=30),
)
def test_a_damaged_packaged_ruleset_gives_positioned_errors_never_a_crash(which, at, junk, cut):
    """Damage anywhere in a real ruleset: a syntax error (or none), never anything else."""
    text = PACKAGED[which]
    pos = int(at * len(text))
    damaged = text[:pos] + junk + text[pos + cut :]
    try:
        parse(damaged, "d.rules")
    except RulesSyntaxError as exc:
        lines = damaged.count("\n") + 1
        assert 1 <= len(exc.diagnostics) <= MAX_SYNTAX_ERRORS
        for d in exc.diagnostics:
            assert d.span is not None and 1 <= d.span.line <= lines, d.render()
            assert d.code.startswith("IIP1"), d.render()
