"""The language server: pygls wiring of the feature modules, over stdio.

Input → output: LSP messages on stdin → answers and diagnostics on stdout.

Why pygls: it is the maintained Python implementation of the protocol
(JSON-RPC framing, the lifecycle, incremental document sync, cancellation),
built on ``lsprotocol``'s generated types, so the server is the feature
functions and this thin table and nothing else; esbonio is built the same way.
The server runs in-process with the checker, so a keystroke costs a parse and
a check, not a subprocess.

Diagnostics are debounced: each change restarts a short timer per document,
and only the text standing when it fires is checked, then the rulesets that
use it. Every handler is guarded: whatever the text, an exception in a feature
becomes a logged message and an empty answer, never a dead server.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from iiprules.lsp import completion, diagnostics, editing, hints, hover, navigation, outline
from iiprules.lsp.state import Doc, State

log = logging.getLogger(__name__)

VERSION = "0.1.0"
#: Seconds to wait after a keystroke before checking; typing faster than this checks once.
DEBOUNCE = float(os.environ.get("IIPRULES_LSP_DEBOUNCE", "0.05"))

T = TypeVar("T")


class RulesServer(LanguageServer):
    """The iiprules language server: pygls's server plus our shared ``State``."""

    def __init__(self) -> None:
        super().__init__(
            "iiprules", VERSION, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental
        )
        self.state = State()
        self.pending: dict[str, asyncio.Task[None]] = {}
        #: A population file whose organisations the level lenses count (a setting).
        self.population: Path | None = None
        self.initialization_options: Any = None

    def configure(self, settings: Any) -> None:
        """Take ``{"population": PATH}`` (or ``{"iiprules": {...}}``) from the client."""
        if isinstance(settings, dict) and isinstance(settings.get("iiprules"), dict):
            settings = settings["iiprules"]
        if not isinstance(settings, dict) or "population" not in settings:
            return
        value = settings.get("population")
        if not value:
            self.population = None
            return
        path = Path(str(value)).expanduser()
        if not path.is_absolute() and self.state.roots:
            path = self.state.roots[0] / path
        self.population = path

    def doc(self, uri: str) -> Doc | None:
        """The current document of a URI (open, or read from disk)."""
        return self.state.get(uri)

    # -- diagnostics -------------------------------------------------------------

    def publish(self, doc: Doc) -> None:
        """Check a document and send its diagnostics."""
        found = diagnostics.diagnostics(self.state, doc)
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=doc.uri, diagnostics=found, version=doc.version)
        )

    def schedule(self, uri: str, delay: float = DEBOUNCE) -> None:
        """Check a document after ``delay`` unless it changes again first."""
        old = self.pending.pop(uri, None)
        if old is not None:
            old.cancel()
        self.pending[uri] = asyncio.get_running_loop().create_task(self._later(uri, delay))

    async def _later(self, uri: str, delay: float) -> None:
        try:
            await asyncio.sleep(delay)
        except asyncio.CancelledError:
            return
        self.pending.pop(uri, None)
        doc = self.state.open.get(uri)
        if doc is None:
            return
        try:
            self.publish(doc)
            for other in self.state.dependents(doc, open_only=True):
                # The edited document's diagnostics are out; the open rulesets that use
                # it come one by one, and a newer keystroke stops them (it rechecks them).
                # Closed files are not reported on: a workspace holding test corpora
                # would fill the problems list, and each would cost a check per keystroke.
                await asyncio.sleep(0)
                if uri in self.pending:
                    return
                self.publish(other)
        except Exception:  # the server outlives any bug in a feature
            _log_failure("diagnostics", uri)


def _log_failure(feature: str, uri: str) -> None:
    log.error("iiprules: %s failed on %s\n%s", feature, uri, traceback.format_exc())


def guarded(default: Any) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Run a handler; on any exception log it and answer ``default`` instead."""

    def wrap(fn: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(fn)
        def inner(ls: RulesServer, params: Any) -> T:
            try:
                return fn(ls, params)
            except Exception:  # the server outlives any bug in a feature
                uri = getattr(getattr(params, "text_document", None), "uri", "")
                _log_failure(fn.__name__, uri)
                ls.window_log_message(lsp.LogMessageParams(
                    lsp.MessageType.Error, f"iiprules: {fn.__name__} failed:\n"
                    + traceback.format_exc()))
                result: T = default
                return result

        return inner

    return wrap


server = RulesServer()


# -- lifecycle and document sync ---------------------------------------------------


@server.feature(lsp.INITIALIZE)
@guarded(None)
def initialize(ls: RulesServer, params: lsp.InitializeParams) -> None:
    """Keep the client's options until the workspace folders are known."""
    ls.initialization_options = params.initialization_options


@server.feature(lsp.INITIALIZED)
@guarded(None)
def initialized(ls: RulesServer, params: lsp.InitializedParams) -> None:
    """Learn the workspace folders, where the ruleset files are, and the settings."""
    from pygls import uris

    roots: list[Path] = []
    for folder in ls.workspace.folders.values():
        fs = uris.to_fs_path(folder.uri)
        if fs:
            roots.append(Path(fs))
    if not roots and ls.workspace.root_path:
        roots.append(Path(ls.workspace.root_path))
    ls.state.roots = roots
    ls.state.forget_files()
    ls.configure(ls.initialization_options)


@server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
@guarded(None)
def changed_configuration(ls: RulesServer, params: lsp.DidChangeConfigurationParams) -> None:
    """The population file for the level lenses may have changed."""
    ls.configure(params.settings)


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
async def did_open(ls: RulesServer, params: lsp.DidOpenTextDocumentParams) -> None:
    """Check a document as soon as it opens."""
    td = params.text_document
    ls.state.put(td.uri, td.text, td.version)
    ls.schedule(td.uri, 0)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
async def did_change(ls: RulesServer, params: lsp.DidChangeTextDocumentParams) -> None:
    """Take the new text (pygls has applied the incremental edits) and check it soon."""
    uri = params.text_document.uri
    try:
        text = ls.workspace.get_text_document(uri).source
    except Exception:  # a change pygls could not apply: keep the last text
        _log_failure("didChange", uri)
        return
    ls.state.put(uri, text, params.text_document.version)
    ls.schedule(uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
async def did_save(ls: RulesServer, params: lsp.DidSaveTextDocumentParams) -> None:
    """Check again on save (the open rulesets that use it too)."""
    ls.schedule(params.text_document.uri, 0)


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
async def did_close(ls: RulesServer, params: lsp.DidCloseTextDocumentParams) -> None:
    """Forget the document and clear its diagnostics."""
    uri = params.text_document.uri
    task = ls.pending.pop(uri, None)
    if task is not None:
        task.cancel()
    ls.state.close(uri)
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
@guarded(None)
def watched_files(ls: RulesServer, params: lsp.DidChangeWatchedFilesParams) -> None:
    """Ruleset files appeared or vanished: list them again."""
    ls.state.forget_files()


# -- reading ---------------------------------------------------------------------------


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
@guarded(None)
def on_hover(ls: RulesServer, params: lsp.HoverParams) -> lsp.Hover | None:
    """What the name under the cursor stands for."""
    doc = ls.doc(params.text_document.uri)
    return hover.hover(ls.state, doc, params.position) if doc else None


@server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
@guarded([])
def on_definition(ls: RulesServer, params: lsp.DefinitionParams) -> list[lsp.Location]:
    """Where the name under the cursor is declared."""
    doc = ls.doc(params.text_document.uri)
    return navigation.definition(ls.state, doc, params.position) if doc else []


@server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
@guarded([])
def on_references(ls: RulesServer, params: lsp.ReferenceParams) -> list[lsp.Location]:
    """Every place the name under the cursor is written."""
    doc = ls.doc(params.text_document.uri)
    if doc is None:
        return []
    return navigation.references(
        ls.state, doc, params.position, params.context.include_declaration
    )


@server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)
@guarded([])
def on_highlight(
    ls: RulesServer, params: lsp.DocumentHighlightParams
) -> list[lsp.DocumentHighlight]:
    """The other places in the file that write the name under the cursor."""
    doc = ls.doc(params.text_document.uri)
    return navigation.highlights(doc, params.position) if doc else []


@server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
@guarded(None)
def on_prepare_rename(ls: RulesServer, params: lsp.PrepareRenameParams) -> lsp.Range | None:
    """The name that a rename would change."""
    doc = ls.doc(params.text_document.uri)
    return navigation.prepare_rename(ls.state, doc, params.position) if doc else None


@server.feature(lsp.TEXT_DOCUMENT_RENAME)
def on_rename(ls: RulesServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
    """Rename a name in every ruleset that uses it; a refusal is an error answer."""
    doc = ls.doc(params.text_document.uri)
    if doc is None:
        return None
    try:
        return navigation.rename(ls.state, doc, params.position, params.new_name)
    except navigation.RenameRefused:
        raise
    except Exception:  # the server outlives any bug in a feature
        _log_failure("rename", doc.uri)
        return None


@server.feature(
    lsp.TEXT_DOCUMENT_COMPLETION,
    lsp.CompletionOptions(trigger_characters=[" ", "[", ",", "."]),
)
@guarded(None)
def on_completion(ls: RulesServer, params: lsp.CompletionParams) -> lsp.CompletionList | None:
    """Keywords valid at the cursor, and the names that fit there."""
    doc = ls.doc(params.text_document.uri)
    return completion.complete(ls.state, doc, params.position) if doc else None


@server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
@guarded([])
def on_document_symbol(
    ls: RulesServer, params: lsp.DocumentSymbolParams
) -> list[lsp.DocumentSymbol]:
    """The outline: versions, principles, indicators, requirements, levels, awards."""
    doc = ls.doc(params.text_document.uri)
    return outline.document_symbols(doc) if doc else []


@server.feature(lsp.WORKSPACE_SYMBOL)
@guarded([])
def on_workspace_symbol(
    ls: RulesServer, params: lsp.WorkspaceSymbolParams
) -> list[lsp.WorkspaceSymbol]:
    """Declarations of every ruleset in the workspace whose name matches the query."""
    return outline.workspace_symbols(ls.state, params.query)


@server.feature(lsp.TEXT_DOCUMENT_FOLDING_RANGE)
@guarded([])
def on_folding(ls: RulesServer, params: lsp.FoldingRangeParams) -> list[lsp.FoldingRange]:
    """Blocks, long texts and runs of comments fold."""
    doc = ls.doc(params.text_document.uri)
    return outline.folding_ranges(doc) if doc else []


@server.feature(
    lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL,
    lsp.SemanticTokensLegend(
        token_types=list(outline.TOKEN_TYPES), token_modifiers=list(outline.TOKEN_MODIFIERS)
    ),
)
@guarded(lsp.SemanticTokens(data=[]))
def on_semantic_tokens(ls: RulesServer, params: lsp.SemanticTokensParams) -> lsp.SemanticTokens:
    """Every word coloured by what it is (a declared requirement, a part, a keyword...)."""
    doc = ls.doc(params.text_document.uri)
    return outline.semantic_tokens(doc) if doc else lsp.SemanticTokens(data=[])


# -- editing ---------------------------------------------------------------------------


@server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
@guarded(None)
def on_formatting(
    ls: RulesServer, params: lsp.DocumentFormattingParams
) -> list[lsp.TextEdit] | None:
    """The canonical layout of ``iiprules fmt``; a refusal is shown, the text is kept."""
    doc = ls.doc(params.text_document.uri)
    if doc is None:
        return None
    edits, refusal = editing.formatting(doc)
    if refusal is not None:
        ls.window_show_message(lsp.ShowMessageParams(lsp.MessageType.Warning, refusal))
    return edits


@server.feature(
    lsp.TEXT_DOCUMENT_CODE_ACTION,
    lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]),
)
@guarded([])
def on_code_action(ls: RulesServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    """Quick fixes for the checker's "did you mean" hints."""
    doc = ls.doc(params.text_document.uri)
    return editing.code_actions(doc, params.context.diagnostics) if doc else []


@server.feature(lsp.TEXT_DOCUMENT_INLAY_HINT)
@guarded([])
def on_inlay_hint(ls: RulesServer, params: lsp.InlayHintParams) -> list[lsp.InlayHint]:
    """The size of each selection, after it (``at least 26 of part extended /126``)."""
    doc = ls.doc(params.text_document.uri)
    return hints.inlay_hints(ls.state, doc, params.range) if doc else []


@server.feature(lsp.TEXT_DOCUMENT_CODE_LENS)
@guarded([])
def on_code_lens(ls: RulesServer, params: lsp.CodeLensParams) -> list[lsp.CodeLens]:
    """Over each example, whether it passes; over each level, who reaches it (if configured)."""
    doc = ls.doc(params.text_document.uri)
    if doc is None:
        return []
    lenses = hints.code_lenses(ls.state, doc)
    if ls.population is not None:
        lenses += hints.level_lenses(ls.state, doc, ls.population)
    return lenses


@server.command(hints.RUN_EXAMPLES)
def run_examples(ls: RulesServer, uri: str) -> dict[str, Any] | None:
    """Run a document's examples again, show how many pass, and answer the results."""
    try:
        doc = ls.doc(uri)
        if doc is None:
            return None
        report = hints.run_examples(ls.state, doc)
    except Exception:  # the server outlives any bug in a feature
        _log_failure("runExamples", uri)
        return None
    ls.window_show_message(lsp.ShowMessageParams(lsp.MessageType.Info, str(report["summary"])))
    return report


def main() -> int:
    """Serve over stdio until the client says exit."""
    server.start_io()
    return 0
