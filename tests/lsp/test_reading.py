"""End to end over stdio (pytest-lsp): hover, navigation, completion and outline features."""

from __future__ import annotations

import re
import shutil

import pytest
import pytest_lsp
from lsp_helpers import RULESETS, open_doc, position_of, server_config, start, uri_of
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

import iiprules
from iiprules import model as m
from iiprules.check import select, size

pytestmark = pytest.mark.asyncio(loop_scope="module")

LM = RULESETS / "lm_theme.rules"
STANDARD = RULESETS / "standard.rules"


@pytest_lsp.fixture(config=server_config(), scope="module")
async def client(lsp_client: LanguageClient):
    await start(lsp_client)
    await open_doc(lsp_client, LM)
    await open_doc(lsp_client, STANDARD)
    yield
    await lsp_client.shutdown_session()


def _doc(path):
    return lsp.TextDocumentIdentifier(uri_of(path))


def _scope(name: str):
    checked = iiprules.load(name)
    return checked.scope(checked.snapshots[-1])


async def test_packaged_rulesets_have_the_diagnostics_of_check(client: LanguageClient):
    """Opening a ruleset gives exactly what `iiprules check` finds (codes and lines)."""
    path = RULESETS / "partner_award.rules"
    got = await open_doc(client, path)
    want = iiprules.check_file(path).diagnostics
    assert [(d.code, d.span.line - 1 if d.span else 0) for d in want] == [
        (g.code, g.range.start.line) for g in got
    ]


async def test_definition_crosses_files(client: LanguageClient):
    """W4.1 in lm_theme.rules leads to its declaration in standard.rules."""
    pos = position_of(LM, "[4.1, W4.1", shift=len("[4.1, W"))
    found = await client.text_document_definition_async(lsp.DefinitionParams(_doc(LM), pos))
    assert [uri_of(STANDARD)] == [loc.uri for loc in found]
    want = position_of(STANDARD, "requirement W4.1 ", shift=len("requirement "))
    assert want == found[0].range.start


async def test_hover_on_a_requirement(client: LanguageClient):
    """A requirement's hover has its text, who, part, indicator, sources and its users."""
    pos = position_of(LM, "[4.1, W4.1", shift=len("[4.1, W"))
    hover = await client.text_document_hover_async(lsp.HoverParams(_doc(LM), pos))
    text = hover.contents.value
    info = _scope("standard").requirements["W4.1"]
    assert info.node.text in text
    assert "evidence from: top managers, managers" in text
    assert f"part: `{info.node.part}`" in text
    assert f"indicator: `{info.indicator}`" in text
    for src in info.node.meta.sources:
        assert f"{src.reference} ({src.confidence})" in text
    assert "level bronze" in text
    assert "mapping of LM1.1 (lm_theme)" in text


async def test_hover_on_a_selection_counts_it(client: LanguageClient):
    """`indicator 6` says how many requirements it holds, and which."""
    pos = position_of(LM, "maps to indicator 6 within", shift=len("maps to indicator "))
    hover = await client.text_document_hover_async(lsp.HoverParams(_doc(LM), pos))
    reqs = select(_scope("lm_theme"), m.SelIndicator("6"))
    assert f"{size(reqs)} requirements" in hover.contents.value
    assert ", ".join(reqs) in hover.contents.value


async def test_hover_on_a_list_counts_it(client: LanguageClient):
    """The brackets of `[4.1, W4.1, W4.2]` give the list's size."""
    pos = position_of(LM, "maps to [4.1, W4.1, W4.2]", shift=len("maps to "))
    hover = await client.text_document_hover_async(lsp.HoverParams(_doc(LM), pos))
    assert "3 requirements" in hover.contents.value
    assert "4.1, W4.1, W4.2" in hover.contents.value


async def test_hover_on_a_level_gives_its_threshold_against_the_selection(client: LanguageClient):
    """Bronze: at least 26 of the wider framework's size."""
    pos = position_of(STANDARD, "level bronze", shift=len("level "))
    hover = await client.text_document_hover_async(lsp.HoverParams(_doc(STANDARD), pos))
    total = size(select(_scope("standard"), m.SelPart("extended")))
    assert f"at least 26 of {total}" in hover.contents.value


async def test_references_and_rename_across_rulesets(client: LanguageClient):
    """W4.1 is found in both rulesets, and a rename edits every place it is written."""
    pos = position_of(STANDARD, "requirement W4.1 ", shift=len("requirement "))
    refs = await client.text_document_references_async(lsp.ReferenceParams(
        text_document=_doc(STANDARD), position=pos,
        context=lsp.ReferenceContext(include_declaration=True)))
    def count(path):
        return len(re.findall(r"(?<![\w.])W4\.1(?![\w.])", _code(path)))
    by_file = {}
    for loc in refs:
        by_file[loc.uri] = by_file.get(loc.uri, 0) + 1
    assert {uri_of(STANDARD): count(STANDARD), uri_of(LM): count(LM)} == {
        k: v for k, v in by_file.items() if k in (uri_of(STANDARD), uri_of(LM))}
    edit = await client.text_document_rename_async(lsp.RenameParams(_doc(STANDARD), pos, "W4.01"))
    assert {uri: len(edits) for uri, edits in edit.changes.items()} == by_file
    assert all(e.new_text == "W4.01" for edits in edit.changes.values() for e in edits)


async def test_highlight_marks_the_name_in_the_file(client: LanguageClient):
    """Every W4.1 of lm_theme.rules is highlighted, none of W4.10 or 4.1."""
    pos = position_of(LM, "[4.1, W4.1", shift=len("[4.1, W"))
    marks = await client.text_document_document_highlight_async(
        lsp.DocumentHighlightParams(_doc(LM), pos))
    count = len(re.findall(r"(?<![\w.])W4\.1(?![\w.])", _code(LM)))
    assert count == len(marks)
    lines = LM.read_text(encoding="utf-8").splitlines()
    assert all(
        "W4.1" == lines[h.range.start.line][h.range.start.character:h.range.end.character]
        for h in marks
    )


async def test_rename_refuses_a_taken_id(client: LanguageClient):
    """Renaming W4.1 to W4.2 would merge two requirements: refused."""
    pos = position_of(STANDARD, "requirement W4.1 ", shift=len("requirement "))
    with pytest.raises(Exception, match="exists already"):
        await client.text_document_rename_async(lsp.RenameParams(_doc(STANDARD), pos, "W4.2"))


def _code(path) -> str:
    """The text without comments and quoted texts, where ids are written."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r'"""(.|\n)*?"""', "", text)
    text = re.sub(r'"([^"\\\n]|\\.)*"', "", text)
    return re.sub(r"#[^\n]*", "", text)


async def _complete(client, path, needle, shift):
    pos = position_of(path, needle, shift=shift)
    got = await client.text_document_completion_async(lsp.CompletionParams(_doc(path), pos))
    return {i.label: i for i in got.items}


async def test_completion_offers_requirement_ids_with_their_text(client: LanguageClient):
    """Inside `[` the ids in scope are offered, each with its text."""
    items = await _complete(client, LM, "maps to [4.1, W4.1, W4.2]", len("maps to ["))
    reqs = _scope("lm_theme").requirements
    assert set(reqs) <= set(items)
    assert reqs["W4.1"].node.text == items["W4.1"].detail


async def test_completion_offers_levels_after_a_comparison(client: LanguageClient):
    """After `level >=` the levels come, and no keyword the grammar would reject."""
    items = await _complete(client, STANDARD, "requires level >= standard", len("requires level >= "))
    assert [lv.id for lv in _scope("standard").levels] == list(items)
    text = STANDARD.read_text(encoding="utf-8")
    pos = position_of_text(text[:text.rindex("expect level standard")], "", 0)
    pos = lsp.Position(pos.line, pos.character + len("expect level "))
    got = await client.text_document_completion_async(lsp.CompletionParams(_doc(STANDARD), pos))
    assert [*(lv.id for lv in _scope("standard").levels), "none"] == [i.label for i in got.items]


async def test_completion_offers_the_keywords_the_grammar_accepts(client: LanguageClient):
    """At the start of a condition: quantifiers, `at`, `level`, `not`..., and the facts."""
    items = await _complete(client, STANDARD, "requires level >= standard", len("requires "))
    assert {"all", "any", "none", "at", "count", "level", "award", "not", "years"} <= set(items)
    assert set(_scope("standard").facts) <= set(items)
    assert "requirement" not in items


async def test_completion_offers_parts_and_confidence_words(client: LanguageClient):
    """After `part` the parts come; after a source's text, the confidence words."""
    items = await _complete(client, STANDARD, "at least 26 of part extended", len("at least 26 of part "))
    assert set(_scope("standard").parts) == set(items)
    items = await _complete(client, STANDARD, '" confirmed', len('" '))
    assert {"confirmed", "partly", "unconfirmed", "seed", "inferred", "assumed"} <= set(items)


async def test_document_symbols_outline_the_ruleset(client: LanguageClient):
    """The outline: the ruleset, its versions, principles, indicators and requirements."""
    syms = await client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(_doc(STANDARD)))
    assert ["standard"] == [s.name for s in syms]
    versions = [v.name for v in syms[0].children]
    assert [v.label for v in iiprules.load("standard").snapshots] == versions
    names = set()
    def walk(s):
        names.add((s.detail, s.name))
        for c in s.children or []:
            walk(c)
    walk(syms[0])
    assert {("principle", "plan"), ("indicator", "4"), ("requirement", "W4.1"),
            ("level", "bronze")} <= names


async def test_workspace_symbols_find_declarations_everywhere(client: LanguageClient):
    """A query finds requirement declarations in every ruleset of the workspace."""
    found = await client.workspace_symbol_async(lsp.WorkspaceSymbolParams(query="LM1."))
    assert uri_of(LM) in {s.location.uri for s in found}
    assert all("LM1." in s.name for s in found)
    assert {"LM1.1", "LM1.2"} <= {s.name for s in found}


async def test_folding_and_semantic_tokens(client: LanguageClient):
    """Blocks fold; every id, keyword and string is coloured."""
    folds = await client.text_document_folding_range_async(
        lsp.FoldingRangeParams(_doc(STANDARD)))
    line = position_of(STANDARD, "indicator 4 ").line
    assert any(f.start_line == line for f in folds)
    tokens = await client.text_document_semantic_tokens_full_async(
        lsp.SemanticTokensParams(_doc(STANDARD)))
    assert len(tokens.data) % 5 == 0 and len(tokens.data) > 1000


async def test_hover_in_a_broken_file_uses_the_ruleset_it_uses(client: LanguageClient, tmp_path):
    """A ruleset that never checked clean still shows standard's W4.1 on hover."""
    broken = tmp_path / "broken.rules"
    text = "ruleset broken\nuses standard\nversion 1 effective 2020-01-01 {\n  level x \"X\" {\n    requires all of [W4.1] and\n"
    shutil.copy(STANDARD, tmp_path / "standard.rules")
    diags = await open_doc(client, broken, text)
    assert diags and all(d.code.startswith("IIP1") for d in diags)
    pos = position_of_text(text, "[W4.1", 2)
    hover = await client.text_document_hover_async(lsp.HoverParams(_doc(broken), pos))
    assert _scope("standard").requirements["W4.1"].node.text in hover.contents.value


def position_of_text(text: str, needle: str, shift: int) -> lsp.Position:
    at = (text.index(needle) if needle else len(text)) + shift
    return lsp.Position(text.count("\n", 0, at), at - (text.rfind("\n", 0, at) + 1))
