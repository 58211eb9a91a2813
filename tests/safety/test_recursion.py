"""Deep or long input: every stage handles what ``check`` accepts, or ``check`` refuses it.

Selection chains of ~990 terms (``+``, ``within``, ``except``) are refused with
a positioned diagnostic (not a RecursionError); ``and``/``or`` chains of 3,000
terms are accepted and the population kernel compiles and agrees with
``evaluate``; a 5,000-digit number is a positioned diagnostic; ``fmt`` keeps
working on 5,000 nested ``not``. The stack is made shallow on purpose
(``sys.setrecursionlimit``), so the tests fail on any recursion that grows
with the input, not only on the ones that reach the default limit.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from iiprules import api, batch
from iiprules.syntax import parse, unparse

from .conftest import ROOT

BASE = (ROOT / "tests/golden/good/basics/two_levels.rules").read_text()
HOLE = "requires level >= recognised and all of part extra"


def ruleset(tmp_path: Path, requires: str) -> Path:
    """The small golden ruleset with its second level's condition replaced."""
    path = tmp_path / "deep.rules"
    path.write_text(BASE.replace(HOLE, "requires " + requires))
    return path


@pytest.fixture
def shallow() -> Iterator[None]:
    """A stack of 400 frames: deep enough for the code, too shallow for recursion per term."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(400)
    yield
    sys.setrecursionlimit(old)


@pytest.mark.parametrize(
    "chain",
    [
        "all of " + " + ".join(["part extra"] * 990),
        "all of part extra" + " within part core" * 990,
        "all of part extra" + " except part core" * 990,
        "not " * 1000 + "network",
        " implies ".join(["network"] * 1000),
    ],
)
def test_deep_chains_are_refused_with_a_position(tmp_path: Path, chain: str, shallow: None) -> None:
    """A chain nested past the limit is one positioned IIP240 diagnostic, no crash."""
    result = api.check_file(ruleset(tmp_path, chain))
    assert ["IIP240"] == [d.code for d in result.errors]
    assert 29 == result.errors[0].span.line


@pytest.mark.parametrize("op", ["and", "or"])
def test_long_flat_chains_are_judged_by_every_path(tmp_path: Path, op: str) -> None:
    """A 3,000-term and/or chain passes check; the population kernel agrees with evaluate."""
    term = {"and": "network", "or": "all of part extra"}[op]
    path = ruleset(tmp_path, f" {op} ".join([term] * 3000))
    assert () == api.check_file(path).errors
    docs = [
        {"organisation": f"O{i}", "assessed_on": "2005-01-01", "met": met,
         "facts": {"network": net}}
        for i, (met, net) in enumerate(
            [(["1.1", "1.2"], True), (["1.1", "1.2", "1.3"], False), (["1.1", "1.2", "1.3"], True),
             ([], True)]
        )
    ]  # fmt: skip
    pop = tmp_path / "p.jsonl"
    pop.write_text("".join(json.dumps(d) + "\n" for d in docs))
    rows = list(batch.iter_rows(pop, api.PopulationRulesets((str(path),))))
    want = [api.evaluate(d, str(path), explain=False).level for d in docs]
    assert want == [r["level"] for r in rows]
    assert "extended" in want


def test_fmt_handles_deep_nesting(tmp_path: Path, shallow: None) -> None:
    """The formatter prints 5,000 nested ``not`` (check refuses it, fmt must not crash)."""
    path = ruleset(tmp_path, "not " * 5000 + "network")
    once = unparse(parse(path.read_text(), "x"))
    assert once == unparse(parse(once, "x"))  # texts compared: model equality recurses
    assert once.count("not ") == 5000


def test_huge_number_is_a_positioned_diagnostic(tmp_path: Path) -> None:
    """A 5,000-digit number: IIP109 at its place, not a VisitError."""
    result = api.check_file(ruleset(tmp_path, "at least " + "9" * 5000 + " of part extra"))
    (d,) = result.errors
    assert ("IIP109", 29, 27) == (d.code, d.span.line, d.span.column)
    assert "this number has 5,000 digits; at most 4,300 are allowed" == d.message


def test_long_strings_lex_in_linear_memory(tmp_path: Path) -> None:
    """A 2 MB doc string and a 2 MB quoted text parse (the regex keeps no state per char)."""
    import tracemalloc

    big = "x" * 2_000_000
    text = BASE.replace('    part core "Core"', f'    doc """{big}"""\n    part core "Core"', 1)
    text = text.replace('"Top managers describe the plan"', f'"{big}"', 1)
    tracemalloc.start()
    model = parse(text, "big.rules")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert model.name == "tiny"
    assert peak < 100 * len(big), f"{peak:,} bytes for two {len(big):,}-character strings"
