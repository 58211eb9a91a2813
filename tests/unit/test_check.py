"""The checker's passes, on small rulesets built in the tests."""

from __future__ import annotations

from iiprules.check import MAX_DEPTH, check
from iiprules.syntax import parse

HEAD = """
ruleset tiny
version 1 effective 2004-01-01 {
    part core "Core"
    principle p "P" {
        indicator 1 "One" {
            requirement 1.1 in core { text "a" source "t" assumed }
            requirement 1.2 in core { text "b" source "t" assumed }
        }
    }
"""


def codes(text: str) -> list[str]:
    return [d.code for d in check(parse(text, "t.rules")).diagnostics]


def test_clean_ruleset_has_no_diagnostics():
    """A small correct ruleset checks without errors or warnings."""
    text = HEAD + 'level a "A" { source "t" assumed requires all of part core }\n}\n'
    result = check(parse(text, "t.rules"))
    assert () == result.diagnostics
    assert result.checked is not None


def test_errors_are_sorted_by_position_and_all_reported():
    """All passes run: several problems are reported at once, in file order."""
    text = HEAD + (
        'level a "A" { source "t" assumed requires all of [1.9] and award z }\n'
        'level b "B" { source "t" assumed requires at least 5 of part core }\n}\n'
    )
    result = check(parse(text, "t.rules"))
    assert ["IIP222", "IIP225", "IIP238", "IIP232"] == [d.code for d in result.errors]
    lines = [d.span.line for d in result.errors]
    assert sorted(lines) == lines
    assert result.checked is None


def test_too_deep_nesting_is_a_diagnostic_not_a_crash():
    """Nesting beyond MAX_DEPTH gives IIP240 rather than a RecursionError."""
    cond = "not " * (10 * MAX_DEPTH) + "all of part core"
    text = HEAD + f'level a "A" {{ source "t" assumed requires {cond} }}\n}}\n'
    assert ["IIP240"] == codes(text)


def test_amendments_of_unknown_items_are_errors():
    """A later version cannot change or remove what does not exist."""
    text = HEAD + (
        'level a "A" { source "t" assumed requires all of part core }\n}\n'
        "version 2 effective 2009-05-01 {\n remove requirement 1.7\n"
        ' change level b "B" { requires true }\n}\n'
    )
    assert ["IIP207", "IIP207"] == codes(text)


def test_later_version_amends_the_earlier_one():
    """Version 2 sees version 1's content plus its own amendments."""
    text = HEAD + (
        'level a "A" { source "t" assumed requires all of part core }\n}\n'
        "version 2 effective 2009-05-01 {\n remove requirement 1.2\n"
        ' change level a "A" { source "t" assumed requires all of [1.1] }\n}\n'
    )
    result = check(parse(text, "t.rules"))
    assert result.ok
    v1, v2 = result.checked.snapshots
    assert ["1.1", "1.2"] == list(v1.requirements)
    assert ["1.1"] == list(v2.requirements)
    assert v1.until is not None and v1.until.isoformat() == "2009-04-30"


def test_overlapping_versions_are_rejected():
    """An 'until' that runs into the next version's start is an overlap."""
    text = HEAD.replace("effective 2004-01-01", "effective 2004-01-01 until 2010-01-01") + (
        'level a "A" { source "t" assumed requires all of part core }\n}\n'
        "version 2 effective 2009-05-01 {\n}\n"
    )
    assert ["IIP204"] == codes(text)
