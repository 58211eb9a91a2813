"""The lexical name reader agrees with the parse tree, and survives any text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tree_names import tree_names

from iiprules.lsp import names as n

RULESETS = sorted((Path(__file__).resolve().parents[2] / "rulesets").glob("*.rules"))
GOOD = sorted((Path(__file__).resolve().parents[1] / "golden" / "good").rglob("*.rules"))
EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").rglob("*.rules"))


@pytest.mark.parametrize("path", RULESETS + GOOD + EXAMPLES, ids=lambda p: p.name)
def test_names_match_the_parse_tree(path: Path) -> None:
    """Every id the parser sees gets the same kind and role from the lexical reader."""
    text = path.read_text(encoding="utf-8")
    mine = {(x.token.start, x.kind, x.name, x.declaration) for x in n.classify(n.tokenize(text))}
    assert tree_names(text) == mine


def test_tokens_cover_the_text_without_gaps() -> None:
    """Tokens plus whitespace give back the text, so offsets are exact."""
    text = RULESETS[0].read_text(encoding="utf-8")
    pieces = []
    at = 0
    for t in n.tokenize(text):
        assert text[at:t.start].strip() == ""
        pieces.append(t.text)
        at = t.end
    assert "".join(text.split()) == "".join("".join(pieces).split())


def test_outline_nests_items_in_versions() -> None:
    """Requirements sit under indicators, indicators under principles, those under versions."""
    text = (RULESETS[-1].parent / "standard.rules").read_text(encoding="utf-8")
    tokens = n.tokenize(text)
    tree = n.items(tokens, n.classify(tokens))
    assert ["standard"] == [i.name for i in tree]
    versions = tree[0].children
    assert ["2004", "2009"] == [v.name for v in versions]
    plan = next(c for c in versions[0].children if c.name == "plan")
    first = plan.children[0]
    assert ("indicator", "1") == (first.kind, first.name)
    assert "1.1" in [r.name for r in first.children]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([
    *'abc 1.2-"#{}[],()<=>:\n\\', "requirement ", "part ", "level ", "in ", "award ", "uses ", "fact ", '"""', "unnamed ",
    "as ", "change ", "remove ", "example ", "version "]), max_size=80))
def test_reader_never_raises(pieces: list[str]) -> None:
    """Any text at all is read without an exception, and items nest within it."""
    text = "".join(pieces)
    tokens = n.tokenize(text)
    names = n.classify(tokens)
    for it in n.walk(n.items(tokens, names)):
        assert 0 <= it.start <= it.end <= len(text)
