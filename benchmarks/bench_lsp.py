"""How fast the language server answers an editor, on the packaged rulesets.

Run: python benchmarks/bench_lsp.py [-n 30]   (needs ``pip install iiprules[lsp]``)

It starts ``iiprules lsp`` as an editor does (a subprocess on stdio, driven by
pygls's client), opens the three packaged rulesets, and times, in wall-clock
milliseconds from request to answer:

* diagnostics after a keystroke: an incremental ``didChange`` that types one
  character into a requirement id, until the ``publishDiagnostics`` for that
  version arrives (the server's debounce, its parse and check, and the
  rechecks of the rulesets that use the edited one are all inside);
* hover and go to definition on a requirement id used in ``lm_theme.rules``
  and declared in ``standard.rules``;
* completion inside a ``[...]`` list (requirement ids with their texts) and
  at the start of a condition (keywords from the parser, facts).

Goals (issue 18): diagnostics ≤ 150 ms, hover and definition ≤ 30 ms,
completion ≤ 50 ms. It prints median, 90th percentile and worst; it asserts
nothing (tests never time things).

A second table times the same work in this process in CPU milliseconds (the
feature functions on the server's ``State``, no protocol, no debounce), which
other programs on a shared machine do not inflate the way they inflate wall
time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from lsprotocol import types as lsp
from pygls import uris
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parents[1]
RULESETS = ROOT / "rulesets"
GOALS = {"diagnostics after a keystroke": 150.0, "hover": 30.0, "definition": 30.0,
         "completion": 50.0}


def _position(text: str, needle: str, shift: int) -> lsp.Position:
    at = text.index(needle) + shift
    return lsp.Position(text.count("\n", 0, at), at - (text.rfind("\n", 0, at) + 1))


async def _time(n: int, call: Callable[[], Awaitable[object]]) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        await call()
        out.append((time.perf_counter() - t0) * 1000)
    return out


async def run(n: int) -> dict[str, list[float]]:
    """Start the server, open the rulesets, and time each kind of request ``n`` times."""
    client = LanguageClient("bench-lsp", "0")
    published: dict[str, asyncio.Queue[lsp.PublishDiagnosticsParams]] = {}

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
        published.setdefault(params.uri, asyncio.Queue()).put_nowait(params)

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    await client.start_io(sys.executable, "-m", "iiprules", "lsp", env=env)
    root = uris.from_fs_path(str(ROOT)) or ""
    await client.initialize_async(lsp.InitializeParams(
        capabilities=lsp.ClientCapabilities(), root_uri=root,
        workspace_folders=[lsp.WorkspaceFolder(root, "iiprules")]))
    client.initialized(lsp.InitializedParams())

    texts: dict[str, str] = {}
    for path in sorted(RULESETS.glob("*.rules")):
        uri = uris.from_fs_path(str(path)) or ""
        texts[uri] = path.read_text(encoding="utf-8")
        published.setdefault(uri, asyncio.Queue())
        client.text_document_did_open(lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(uri, "iiprules", 1, texts[uri])))
        await published[uri].get()

    lm = uris.from_fs_path(str(RULESETS / "lm_theme.rules")) or ""
    std = uris.from_fs_path(str(RULESETS / "standard.rules")) or ""
    lm_doc = lsp.TextDocumentIdentifier(lm)
    on_id = _position(texts[lm], "[4.1, W4.1", len("[4.1, W"))
    in_list = _position(texts[lm], "[4.1, W4.1", 1)
    cond = _position(texts[std], "requires level >= standard", len("requires "))
    results: dict[str, list[float]] = {}

    version = 1

    async def keystroke(uri: str, at: lsp.Position, typed: str) -> None:
        nonlocal version
        version += 1
        end = lsp.Position(at.line, at.character + (0 if typed else 1))
        client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            lsp.VersionedTextDocumentIdentifier(version=version, uri=uri),
            [lsp.TextDocumentContentChangePartial(range=lsp.Range(at, end), text=typed)]))
        while True:
            got = await published[uri].get()
            if got.version == version:
                return

    typing_at = _position(texts[lm], "[4.1, W4.1", len("[4.1, W4.1"))
    diag_times = []
    for i in range(n):
        t0 = time.perf_counter()
        await keystroke(lm, typing_at, "x" if i % 2 == 0 else "")
        diag_times.append((time.perf_counter() - t0) * 1000)
    if n % 2:
        await keystroke(lm, typing_at, "")
    results["diagnostics after a keystroke"] = diag_times
    # A keystroke in standard.rules also rechecks lm_theme and partner_award.
    std_at = _position(texts[std], "requirement W4.1 ", len("requirement W4.1"))
    std_times = []
    for i in range(n):
        t0 = time.perf_counter()
        await keystroke(std, std_at, "x" if i % 2 == 0 else "")
        std_times.append((time.perf_counter() - t0) * 1000)
    if n % 2:
        await keystroke(std, std_at, "")
    results["  (in standard.rules, used by two others)"] = std_times

    results["hover"] = await _time(n, lambda: client.text_document_hover_async(
        lsp.HoverParams(lm_doc, on_id)))
    results["definition"] = await _time(n, lambda: client.text_document_definition_async(
        lsp.DefinitionParams(lm_doc, on_id)))
    results["completion"] = await _time(n, lambda: client.text_document_completion_async(
        lsp.CompletionParams(lm_doc, in_list)))
    results["  (at a condition in standard.rules)"] = await _time(
        n, lambda: client.text_document_completion_async(
            lsp.CompletionParams(lsp.TextDocumentIdentifier(std), cond)))
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return results


def in_process(n: int) -> dict[str, list[float]]:
    """CPU milliseconds of the features' own work, called directly on a ``State``."""
    from iiprules.lsp import completion, diagnostics, hover, navigation
    from iiprules.lsp.state import State

    state = State()
    state.roots = [RULESETS]
    lm_path, std_path = RULESETS / "lm_theme.rules", RULESETS / "standard.rules"
    lm_uri = uris.from_fs_path(str(lm_path)) or ""
    std_uri = uris.from_fs_path(str(std_path)) or ""
    lm_text, std_text = (p.read_text(encoding="utf-8") for p in (lm_path, std_path))
    state.put(std_uri, std_text, 1)
    doc = state.put(lm_uri, lm_text, 1)
    diagnostics.diagnostics(state, doc)
    at = lm_text.index("[4.1, W4.1") + len("[4.1, W4.1")
    out: dict[str, list[float]] = {k: [] for k in (
        "check lm_theme after a keystroke", "check standard after a keystroke", "hover",
        "definition", "completion")}

    def cpu(name: str, call: Callable[[], object]) -> None:
        t0 = time.process_time()
        call()
        out[name].append((time.process_time() - t0) * 1000)

    for i in range(n):
        typed = lm_text[:at] + ("x" * (i % 2 + 1)) + lm_text[at:]
        d = state.put(lm_uri, typed, i + 2)
        cpu("check lm_theme after a keystroke", lambda d=d: diagnostics.diagnostics(state, d))
        s_doc = state.put(std_uri, std_text + " " * (i % 2 + 1), i + 2)
        cpu("check standard after a keystroke",
            lambda s_doc=s_doc: diagnostics.diagnostics(state, s_doc))
    state.put(std_uri, std_text, n + 5)
    doc = state.put(lm_uri, lm_text, n + 5)
    diagnostics.diagnostics(state, doc)
    on_id = doc.lines.position(lm_text.index("[4.1, W4.1") + len("[4.1, W"))
    in_list = doc.lines.position(lm_text.index("[4.1, W4.1") + 1)
    for _ in range(n):
        cpu("hover", lambda: hover.hover(state, doc, on_id))
        cpu("definition", lambda: navigation.definition(state, doc, on_id))
        cpu("completion", lambda: completion.complete(state, doc, in_list))
    return out


def _table(results: dict[str, list[float]], goals: dict[str, float]) -> None:
    print(f"{'request':<40} {'median':>8} {'p90':>8} {'worst':>8} {'goal':>6}")
    for name, times in results.items():
        times = sorted(times)
        p90 = times[min(len(times) - 1, int(len(times) * 0.9))]
        goal = goals.get(name)
        print(f"{name:<40} {statistics.median(times):8.1f} {p90:8.1f} {times[-1]:8.1f} "
              f"{'' if goal is None else f'{goal:.0f}':>6}")


def main() -> int:
    """Print the two tables of latencies."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=30, help="requests of each kind (default 30)")
    args = parser.parse_args()
    results = asyncio.run(run(args.n))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"iiprules language server, packaged rulesets; {platform.python_implementation()} "
          f"{platform.python_version()}, {os.cpu_count()} CPU(s), load {load:.1f}; n={args.n}")
    print("\nover stdio, wall ms (debounce included)")
    _table(results, GOALS)
    print("\nin process, CPU ms (no protocol, no debounce)")
    _table(in_process(args.n), {"hover": 30.0, "definition": 30.0, "completion": 50.0})
    return 0


if __name__ == "__main__":
    sys.exit(main())
