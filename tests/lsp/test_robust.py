"""The server never crashes: broken texts replayed through didChange, every feature asked."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import pytest_lsp
from lsp_helpers import (
    RULESETS,
    diagnostics_for,
    diagnostics_of,
    open_doc,
    server_config,
    start,
    uri_of,
)
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

TESTS = Path(__file__).resolve().parents[1]
#: Seeded, so a failure can be replayed; the corpus is the same on every run.
SEED = 18

_FRAGMENTS = ["{", "}", "[", "]", "(", ")", '"', '"""', "#", ",", ":", ">=", "+", "\n", " ",
              "requirement ", "part ", "level ", "award ", "in ", "of ", "at least ", "maps to ",
              "uses ", "fact ", "W4.1", "2009-13-45", "9" * 30, "é", "😀", "\t", "\\", "\x00"]


def corpus() -> list[str]:
    """Broken texts: fixed cases, the bad goldens, and random mutations of the rulesets."""
    rng = random.Random(SEED)
    texts = ["", "\n", "ruleset", "ruleset x", "ruleset x version", "{" * 500, "(" * 3000,
             "ruleset x version 1 effective 2020-01-01 { level a \"A\" { requires " + "not " * 3000
             + "true } }", '"""' + "x" * 1000, "\ufeffruleset x", "\r\n".join(["ruleset x"] * 3)]
    texts += [p.read_text(encoding="utf-8") for p in sorted((TESTS / "golden" / "bad").rglob("*.rules"))]
    sources = [p.read_text(encoding="utf-8") for p in sorted(RULESETS.glob("*.rules"))]
    for _ in range(60):
        text = rng.choice(sources)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(text))
            match rng.randrange(4):
                case 0:  # delete a stretch
                    text = text[:at] + text[at + rng.randint(1, 200):]
                case 1:  # insert a fragment
                    text = text[:at] + rng.choice(_FRAGMENTS) + text[at:]
                case 2:  # truncate
                    text = text[:at]
                case 3:  # duplicate a stretch elsewhere
                    piece = text[at:at + rng.randint(1, 300)]
                    where = rng.randrange(len(text) + 1)
                    text = text[:where] + piece + text[where:]
        texts.append(text)
    return texts


@pytest_lsp.fixture(config=server_config(), scope="module")
async def client(lsp_client: LanguageClient, tmp_path_factory: pytest.TempPathFactory):
    await start(lsp_client, tmp_path_factory.mktemp("fuzz"))
    yield
    await lsp_client.shutdown_session()


def _positions(text: str, rng: random.Random) -> list[lsp.Position]:
    lines = text.split("\n")
    out = [lsp.Position(0, 0), lsp.Position(len(lines) + 3, 7)]
    for _ in range(3):
        line = rng.randrange(len(lines))
        out.append(lsp.Position(line, rng.randint(0, len(lines[line]) + 2)))
    return out


async def test_every_feature_answers_on_every_broken_text(client: LanguageClient, tmp_path: Path):
    """Each text replaces the document by didChange; every feature then answers without error."""
    path = tmp_path / "fuzz.rules"
    uri = uri_of(path)
    await open_doc(client, path, "")
    doc = lsp.TextDocumentIdentifier(uri)
    rng = random.Random(SEED)
    texts = corpus()
    for version, text in enumerate(texts, start=2):
        client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            lsp.VersionedTextDocumentIdentifier(version=version, uri=uri),
            [lsp.TextDocumentContentChangeWholeDocument(text=text)]))
        diags = await diagnostics_of(client, uri)
        assert all(d.code for d in diags)
        for pos in _positions(text, rng):
            await client.text_document_hover_async(lsp.HoverParams(doc, pos))
            await client.text_document_definition_async(lsp.DefinitionParams(doc, pos))
            await client.text_document_completion_async(lsp.CompletionParams(doc, pos))
            await client.text_document_references_async(lsp.ReferenceParams(
                text_document=doc, position=pos,
                context=lsp.ReferenceContext(include_declaration=True)))
        whole = lsp.Range(lsp.Position(0, 0), lsp.Position(10**6, 0))
        await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(doc))
        await client.text_document_folding_range_async(lsp.FoldingRangeParams(doc))
        await client.text_document_semantic_tokens_full_async(lsp.SemanticTokensParams(doc))
        await client.text_document_inlay_hint_async(lsp.InlayHintParams(doc, whole))
        await client.text_document_code_lens_async(lsp.CodeLensParams(doc))
        await client.text_document_formatting_async(lsp.DocumentFormattingParams(
            doc, lsp.FormattingOptions(4, True)))
    failures = [m.message for m in client.log_messages if m.type == lsp.MessageType.Error]
    assert [] == failures
    assert client.error is None


def _utf16_position(text: str, at: int) -> lsp.Position:
    line = text.count("\n", 0, at)
    start = text.rfind("\n", 0, at) + 1
    return lsp.Position(line, len(text[start:at].encode("utf-16-le")) // 2)


async def test_incremental_edits_keep_the_server_in_step(client: LanguageClient, tmp_path: Path):
    """Random incremental edits (emoji too: UTF-16) keep the server's text equal to ours."""
    import iiprules

    rng = random.Random(SEED + 1)
    text = (RULESETS / "partner_award.rules").read_text(encoding="utf-8")
    path = tmp_path / "partner_award.rules"
    uri = uri_of(path)
    await open_doc(client, path, text)
    version = 1
    for i in range(40):
        a = rng.randrange(len(text) + 1)
        b = min(len(text), a + rng.randint(0, 12))
        new = rng.choice(["", "x", "😀", "é", "\n", "W4.1", " and ", "#"])
        version += 1
        client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            lsp.VersionedTextDocumentIdentifier(version=version, uri=uri),
            [lsp.TextDocumentContentChangePartial(
                range=lsp.Range(_utf16_position(text, a), _utf16_position(text, b)),
                text=new)]))
        text = text[:a] + new + text[b:]
        if i == 39:
            got = await diagnostics_for(client, uri, version)
    mirror = tmp_path / "mirror" / "partner_award.rules"
    mirror.parent.mkdir()
    mirror.write_text(text, encoding="utf-8")
    want = [(d.code, d.message) for d in iiprules.check_file(mirror).diagnostics]
    assert want == [(d.code, d.message.split("\nhint: ")[0]) for d in got]
