"""The parser tables shipped in the package match grammar/rules.lark.

The tables are made ahead of time (``iiprules._parser_build``) so that a process
does not rebuild the LALR parser from the grammar. These tests fail when the
grammar changed and the tables were not regenerated, and show that the loaded
tables parse exactly as a parser built from the grammar does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lark import Lark
from lark.exceptions import UnexpectedInput

from iiprules import _parser_build as pb
from iiprules import syntax

ROOT = Path(__file__).resolve().parents[2]

SOURCES = sorted(
    [*(ROOT / "rulesets").glob("*.rules"), *(ROOT / "tests" / "golden").rglob("*.rules")]
)

#: Text that is not a ruleset, at a few places of the grammar.
BROKEN = [
    "",
    "ruleset",
    "ruleset x\n    title 3\n",
    "ruleset x\nversion 1 effective 2009-01-01 {\n    level a \"A\" { requires all of }\n}\n",
    "ruleset x\nversion 1 effective 2009-01-01 {\n    part p \"P\" {\n",
    "ruleset x @@\n",
]


def _grammar() -> str:
    return syntax.grammar_path().read_text(encoding="utf-8")


def test_tables_exist_and_match_the_grammar() -> None:
    tables = pb.read()
    assert tables is not None, f"iiprules/_parser_tables.pickle is missing: run `{pb.COMMAND}`"
    assert tables["grammar_sha256"] == pb.grammar_sha256(_grammar()), (
        f"grammar/rules.lark changed since the parser tables were made: run `{pb.COMMAND}`"
        " and commit iiprules/_parser_tables.pickle"
    )


def test_the_parser_in_use_comes_from_the_tables() -> None:
    # Built from the grammar, a parser keeps its Grammar; loaded from the tables, it has none.
    syntax._parser.cache_clear()
    try:
        assert not hasattr(syntax._parser(), "grammar")
    finally:
        syntax._parser.cache_clear()


@pytest.fixture(scope="module")
def both() -> tuple[Lark, Lark]:
    tables = pb.read()
    assert tables is not None
    loaded = Lark._load_from_dict(tables["data"], tables["memo"])
    return loaded, pb.build(_grammar())


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_tables_parse_as_the_grammar_does(both: tuple[Lark, Lark], path: Path) -> None:
    loaded, built = both
    text = path.read_text(encoding="utf-8")
    try:
        expected = built.parse(text)
    except UnexpectedInput as exc:
        with pytest.raises(UnexpectedInput) as got:
            loaded.parse(text)
        assert (got.value.line, got.value.column, type(got.value)) == (
            exc.line,
            exc.column,
            type(exc),
        )
        return
    assert loaded.parse(text) == expected


@pytest.mark.parametrize("text", BROKEN)
def test_tables_reject_as_the_grammar_does(both: tuple[Lark, Lark], text: str) -> None:
    loaded, built = both
    with pytest.raises(UnexpectedInput) as want:
        built.parse(text)
    with pytest.raises(UnexpectedInput) as got:
        loaded.parse(text)
    assert type(got.value) is type(want.value)
    assert (got.value.line, got.value.column) == (want.value.line, want.value.column)
    assert getattr(got.value, "expected", None) == getattr(want.value, "expected", None)


def test_stale_tables_fall_back_to_the_grammar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = tmp_path / "tables.pickle"
    pb.write(out=stale)
    tables = pb.read(stale)
    assert tables is not None
    tables["grammar_sha256"] = "0" * 64
    import pickle

    stale.write_bytes(pickle.dumps(tables))
    monkeypatch.setattr(pb, "TABLES", stale)
    monkeypatch.setattr(pb.read, "__defaults__", (stale,))
    syntax._parser.cache_clear()
    try:
        parser = syntax._parser()
        assert hasattr(parser, "grammar")  # built from the grammar text
        text = (ROOT / "rulesets" / "standard.rules").read_text(encoding="utf-8")
        assert syntax.parse(text).name == "standard"
    finally:
        syntax._parser.cache_clear()
