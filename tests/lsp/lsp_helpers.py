"""Helpers for the language-server tests: the server command, sessions, documents, positions."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from lsprotocol import types as lsp
from pygls import uris
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

ROOT = Path(__file__).resolve().parents[2]
RULESETS = ROOT / "rulesets"


def server_config() -> ClientServerConfig:
    """``python -m iiprules lsp`` from this checkout, with a short debounce."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "IIPRULES_LSP_DEBOUNCE": "0.02"}
    return ClientServerConfig(
        server_command=[sys.executable, "-m", "iiprules", "lsp"], server_env=env
    )


async def start(client: LanguageClient, root: Path = ROOT) -> None:
    """Initialise a session as VS Code would, with ``root`` as the workspace."""
    params = lsp.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=uris.from_fs_path(str(root)),
        workspace_folders=[lsp.WorkspaceFolder(uris.from_fs_path(str(root)) or "", "root")],
    )
    await client.initialize_session(params)


def uri_of(path: Path) -> str:
    """The file URI of a path."""
    return uris.from_fs_path(str(path)) or ""


async def open_doc(
    client: LanguageClient, path: Path, text: str | None = None
) -> list[lsp.Diagnostic]:
    """Open a file (optionally with other text) and wait for its diagnostics."""
    uri = uri_of(path)
    client.diagnostics.pop(uri, None)
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(
        uri, "iiprules", 1, path.read_text(encoding="utf-8") if text is None else text)))
    return await diagnostics_of(client, uri)


async def diagnostics_of(client: LanguageClient, uri: str) -> list[lsp.Diagnostic]:
    """Wait until diagnostics for ``uri`` arrive, and return them."""
    while uri not in client.diagnostics:
        await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return list(client.diagnostics.pop(uri))


def position_of(path: Path, needle: str, nth: int = 0, shift: int = 0) -> lsp.Position:
    """The position of the ``nth`` occurrence of ``needle`` in a file (plus ``shift`` chars)."""
    text = path.read_text(encoding="utf-8")
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    at += shift
    line = text.count("\n", 0, at)
    return lsp.Position(line, at - (text.rfind("\n", 0, at) + 1))


async def diagnostics_for(client: LanguageClient, uri: str, version: int) -> list[lsp.Diagnostic]:
    """Wait for the diagnostics of one version of a document (earlier ones are skipped)."""
    while True:
        params = await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        if params.uri == uri and params.version == version:
            client.diagnostics.pop(uri, None)
            return list(params.diagnostics)
