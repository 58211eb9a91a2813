"""End to end over stdio (pytest-lsp): diagnostics as you type, fixes, formatting, hints, lenses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import pytest_lsp
from lsp_helpers import RULESETS, diagnostics_of, open_doc, server_config, start, uri_of
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

import iiprules
from iiprules import model as m
from iiprules.check import select, size
from iiprules.syntax import parse, unparse

pytestmark = pytest.mark.asyncio(loop_scope="module")

GOLDEN_BAD = sorted((Path(__file__).resolve().parents[1] / "golden" / "bad").rglob("*.rules"))


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace holding copies of the packaged rulesets, free to change."""
    root = tmp_path_factory.mktemp("workspace")
    for p in RULESETS.glob("*.rules"):
        shutil.copy(p, root / p.name)
    return root


@pytest_lsp.fixture(config=server_config(), scope="module")
async def client(lsp_client: LanguageClient, work: Path):
    await start(lsp_client, work)
    yield
    await lsp_client.shutdown_session()


def _at(text: str, needle: str, shift: int = 0) -> lsp.Position:
    at = text.index(needle) + shift
    return lsp.Position(text.count("\n", 0, at), at - (text.rfind("\n", 0, at) + 1))


def _change(client: LanguageClient, path: Path, version: int, text: str, needle: str,
            old: str, new: str) -> str:
    """Replace ``old`` (found at ``needle``) with ``new`` by one incremental change."""
    start = _at(text, needle, needle.index(old))
    end = lsp.Position(start.line, start.character + len(old))
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        lsp.VersionedTextDocumentIdentifier(version=version, uri=uri_of(path)),
        [lsp.TextDocumentContentChangePartial(range=lsp.Range(start, end), text=new)]))
    at = text.index(needle) + needle.index(old)
    return text[:at] + new + text[at + len(old):]


def _expected(tmp: Path, text: str) -> list[tuple[str, int, int, str]]:
    """What `iiprules check` says about a text, as (code, line, column, message) from 0."""
    tmp.write_text(text, encoding="utf-8")
    out = []
    for d in iiprules.check_file(tmp).diagnostics:
        line, col = (d.span.line - 1, d.span.column - 1) if d.span else (0, 0)
        out.append((d.code, line, col, d.message + (f"\nhint: {d.hint}" if d.hint else "")))
    return out


def _got(diags: list[lsp.Diagnostic]) -> list[tuple[str, int, int, str]]:
    return [(str(d.code), d.range.start.line, d.range.start.character, d.message) for d in diags]


@pytest.mark.parametrize("path", GOLDEN_BAD, ids=lambda p: f"{p.parent.name}/{p.stem}")
async def test_diagnostics_are_those_of_check(client: LanguageClient, path: Path, work: Path):
    """Every bad golden ruleset gives, on opening, exactly the diagnostics `check` prints."""
    text = path.read_text(encoding="utf-8")
    copy = work / "bad" / path.parent.name / path.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    got = await open_doc(client, copy, text)
    assert _expected(copy, text) == _got(got)


async def test_typing_a_wrong_id_reports_it_and_a_quick_fix_repairs_it(
    client: LanguageClient, work: Path
):
    """An incremental edit W4.1 → W4.1x gives check's diagnostic; its quick fix puts W4.1 back."""
    path = work / "lm_theme.rules"
    text = path.read_text(encoding="utf-8")
    assert [] == await open_doc(client, path)
    needle = "maps to [4.1, W4.1, W4.2]"
    text = _change(client, path, 2, text, needle, "W4.1", "W4.1x")
    got = await diagnostics_of(client, uri_of(path))
    assert _expected(work / "scratch.rules", text) == _got(got)
    bad = next(d for d in got if d.code == "IIP222")
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri_of(path)), range=bad.range,
        context=lsp.CodeActionContext(diagnostics=[bad])))
    preferred = next(a for a in actions if a.is_preferred)
    fix = preferred.edit.changes[uri_of(path)][0]
    assert "W4.1" == fix.new_text
    assert _at(text, "[4.1, W4.1x", len("[4.1, ")) == fix.range.start
    assert fix.range.end.character - fix.range.start.character == len("W4.1x")
    text = _change(client, path, 3, text, needle.replace("W4.1", "W4.1x"), "W4.1x", "W4.1")
    assert [] == await diagnostics_of(client, uri_of(path))


async def test_a_change_to_a_used_ruleset_rechecks_the_rulesets_that_use_it(
    client: LanguageClient, work: Path
):
    """Renaming W4.1's declaration in standard.rules makes lm_theme.rules report it unknown."""
    lm, std = work / "lm_theme.rules", work / "standard.rules"
    await open_doc(client, lm)
    text = std.read_text(encoding="utf-8")
    assert [] == await open_doc(client, std)
    assert [] == await diagnostics_of(client, uri_of(lm))  # rechecked with standard
    text = _change(client, std, 2, text, "requirement W4.1 ", "W4.1", "W4.x")
    await diagnostics_of(client, uri_of(std))
    got = await diagnostics_of(client, uri_of(lm))
    assert any(d.code == "IIP222" and "'W4.1'" in d.message for d in got)
    _change(client, std, 3, text, "requirement W4.x ", "W4.x", "W4.1")
    await diagnostics_of(client, uri_of(std))
    assert [] == await diagnostics_of(client, uri_of(lm))


async def test_formatting_refuses_a_text_with_syntax_errors(client: LanguageClient, work: Path):
    """A text that does not parse is left alone, and the reason is shown."""
    path = work / "broken.rules"
    await open_doc(client, path, "ruleset broken\nversion 1 effective 2020-01-01 {\n  part\n")
    client.messages.clear()
    edits = await client.text_document_formatting_async(lsp.DocumentFormattingParams(
        lsp.TextDocumentIdentifier(uri_of(path)), lsp.FormattingOptions(4, True)))
    assert edits is None
    assert any("syntax errors" in msg.message for msg in client.messages)


async def test_formatting_gives_the_canonical_layout(client: LanguageClient, work: Path):
    """A ruleset laid out by hand is formatted as `iiprules fmt` prints it, comments kept."""
    canonical = unparse(parse((RULESETS / "partner_award.rules").read_text(encoding="utf-8")))
    assert "# " in canonical
    messy = canonical.replace("\n    ", "\n  ").replace(" {\n", "   {\n")
    assert messy != canonical
    path = work / "messy.rules"
    path.write_text(messy, encoding="utf-8")
    await open_doc(client, path)
    edits = await client.text_document_formatting_async(lsp.DocumentFormattingParams(
        lsp.TextDocumentIdentifier(uri_of(path)), lsp.FormattingOptions(4, True)))
    assert [canonical] == [e.new_text for e in edits]


async def test_inlay_hints_give_selection_sizes(client: LanguageClient, work: Path):
    """`at least 26 of part extended` is followed by /126 (the part's size)."""
    path = work / "standard.rules"
    await open_doc(client, path)
    text = path.read_text(encoding="utf-8")
    hints = await client.text_document_inlay_hint_async(lsp.InlayHintParams(
        lsp.TextDocumentIdentifier(uri_of(path)),
        lsp.Range(lsp.Position(0, 0), lsp.Position(len(text.splitlines()), 0))))
    needle = "at least 26 of part extended"
    end = _at(text, needle, len(needle))
    checked = iiprules.load("standard")
    total = size(select(checked.scope(checked.snapshots[-1]), m.SelPart("extended")))
    assert f"/{total}" in [h.label for h in hints if h.position == end]


async def test_code_lenses_run_the_examples(client: LanguageClient, work: Path):
    """Each example has a lens with its result; a wrong expectation shows as a failure."""
    path = work / "lm_theme.rules"
    text = path.read_text(encoding="utf-8")
    await open_doc(client, path, text)
    lenses = await client.text_document_code_lens_async(
        lsp.CodeLensParams(lsp.TextDocumentIdentifier(uri_of(path))))
    results = iiprules.run_examples(iiprules.load(str(path)))
    assert len(results) == len(lenses)
    assert [r.passed for r in results] == [ln.command.title.startswith("✔") for ln in lenses]
    needle = "expect award lm_extended"
    _change(client, path, 9, text, needle, "expect award", "expect no award")
    await diagnostics_of(client, uri_of(path))
    lenses = await client.text_document_code_lens_async(
        lsp.CodeLensParams(lsp.TextDocumentIdentifier(uri_of(path))))
    failing = [ln for ln in lenses if ln.command.title.startswith("✘")]
    assert 1 == len(failing)
    assert "expected no award lm_extended, got yes" in failing[0].command.title
    report = await client.workspace_execute_command_async(lsp.ExecuteCommandParams(
        command=failing[0].command.command, arguments=failing[0].command.arguments))
    assert f"{len(results)} example(s), 1 failed" == report["summary"]


async def test_level_lenses_count_a_configured_population(client: LanguageClient, work: Path):
    """With a population configured, each level says how many organisations reach it."""
    from iiprules.api import evaluate_population
    from iiprules.generate import generate, write_jsonl

    population = work / "population.jsonl"
    with population.open("w", encoding="utf-8") as out:
        write_jsonl(generate("standard", 60, 7), out)
    client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(
        settings={"iiprules": {"population": str(population)}}))
    path = work / "standard.rules"
    path.write_text((RULESETS / "standard.rules").read_text(encoding="utf-8"), encoding="utf-8")
    await open_doc(client, path)
    lenses = await client.text_document_code_lens_async(
        lsp.CodeLensParams(lsp.TextDocumentIdentifier(uri_of(path))))
    titles = [ln.command.title for ln in lenses if "organisations reach it" in ln.command.title]
    summary = evaluate_population(population, [str(path)], out=None, progress=False)
    checked = iiprules.load(str(path))
    order = [lv.id for lv in checked.scope(checked.snapshots[-1]).levels]
    judged = summary.total - summary.errors
    want = []
    for snap in checked.snapshots:  # one lens per declaration, in the order written
        for lv in snap.version_node.items:
            if isinstance(lv, m.Level):
                reached = sum(summary.levels.get(x, 0) for x in order[order.index(lv.id):])
                want.append(f"{reached} of {judged} organisations reach it (population.jsonl)")
    assert len(order) <= len(titles)
    assert want == titles
    assert 60 == judged


async def test_a_misspelt_keyword_has_a_quick_fix(client: LanguageClient, work: Path):
    """`requirment` gets check's syntax diagnostic, and its quick fix writes `requirement`."""
    text = (
        'ruleset two\nversion 1 effective 2020-01-01 {\n    part standard "The Standard"\n'
        '    requirment 1.1 in standard {\n        text "A."\n    }\n}\n'
    )
    path = work / "misspelt.rules"
    got = await open_doc(client, path, text)
    assert _expected(work / "scratch.rules", text) == _got(got)
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri_of(path)), range=got[0].range,
        context=lsp.CodeActionContext(diagnostics=got)))
    edit = next(a for a in actions if a.is_preferred).edit.changes[uri_of(path)][0]
    assert ("requirement", _at(text, "requirment")) == (edit.new_text, edit.range.start)


async def test_several_syntax_errors_at_once(client: LanguageClient, work: Path):
    """Two independent slips give two diagnostics while typing, as `check` reports them."""
    good = (
        'ruleset two\nversion 1 effective 2020-01-01 {\n    part standard "The Standard"\n'
        '    requirement 1.1 in standard {\n        text "A."\n    }\n'
        '    level a "A" {\n        requires all of part standard\n    }\n}\n'
    )
    path = work / "two.rules"
    assert [] == [d for d in await open_doc(client, path, good) if d.severity == 1]
    text = _change(client, path, 2, good, 'text "A."', "text", "txt")
    await diagnostics_of(client, uri_of(path))
    text = _change(client, path, 3, text, 'level a "A"', "level", "levl")
    got = await diagnostics_of(client, uri_of(path))
    assert 2 == len([d for d in got if str(d.code).startswith("IIP1")])
    assert _expected(work / "scratch.rules", text) == _got(got)
