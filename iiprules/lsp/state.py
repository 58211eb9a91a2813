"""The server's shared services: documents, the rulesets around them, their analyses.

Input → output: open documents and workspace folders → ``Doc`` snapshots with
tokens and names, each ruleset's chain of ``uses``, the rulesets that use it,
and the checked scope at any position.

Every feature module reads through this one object, as esbonio's features
share its services; none of them touches pygls's workspace, so they are plain
functions that tests can call without a client.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from pygls import uris

from iiprules import model as m
from iiprules.check import CheckedRuleset, Snapshot
from iiprules.lsp import names as n
from iiprules.lsp.adapter import Analysis, Checker, find_used, read_disk
from iiprules.lsp.positions import LineIndex

RULES_SUFFIX = ".rules"
#: Folders never searched for rulesets.
_SKIP_DIRS = frozenset((".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", "build",
                        "dist", ".hypothesis", ".pytest_cache", ".ruff_cache", ".mypy_cache"))
#: Enough for any real set of rulesets; a workspace opened at '/' must not stall the server.
MAX_FILES = 2000


class Doc:
    """One text of one file, with what is read from it computed once, when asked."""

    def __init__(self, uri: str, text: str, version: int | None = None) -> None:
        self.uri = uri
        self.text = text
        self.version = version
        fs = uris.to_fs_path(uri)
        self.path: Path | None = Path(fs).resolve() if fs else None

    @functools.cached_property
    def lines(self) -> LineIndex:
        """Offsets ⇄ protocol positions for this text."""
        return LineIndex(self.text)

    @functools.cached_property
    def tokens(self) -> list[n.Token]:
        """The text's tokens."""
        return n.tokenize(self.text)

    @functools.cached_property
    def names(self) -> list[n.Name]:
        """Every name written in the text."""
        return n.classify(self.tokens)

    @functools.cached_property
    def names_at(self) -> dict[int, n.Name]:
        """Names by token index."""
        return {x.index: x for x in self.names}

    @functools.cached_property
    def items(self) -> list[n.Item]:
        """The declared items as a tree."""
        return n.items(self.tokens, self.names)

    @property
    def display_path(self) -> str:
        """The path diagnostics name: relative to the working folder when inside it."""
        if self.path is None:
            return self.uri
        try:
            return str(self.path.relative_to(Path.cwd()))
        except ValueError:
            return str(self.path)

    @functools.cached_property
    def ruleset_name(self) -> str | None:
        """The name after ``ruleset``."""
        return next((x.name for x in self.names if x.kind == "ruleset" and x.declaration), None)

    @functools.cached_property
    def uses_name(self) -> str | None:
        """The name after ``uses`` (or ``amends``: a proposal sees the version it amends)."""
        return next(
            (x.name for x in self.names if x.kind == "ruleset" and not x.declaration), None
        )

    def token_at(self, offset: int) -> int | None:
        """The index of the token under an offset (or just before it), or None."""
        lo, hi = 0, len(self.tokens) - 1
        while lo <= hi:
            mid = (lo + hi) // 2
            t = self.tokens[mid]
            if t.end < offset:
                lo = mid + 1
            elif t.start > offset:
                hi = mid - 1
            else:
                if t.end == offset and mid + 1 < len(self.tokens) \
                        and self.tokens[mid + 1].start == offset:
                    return mid + 1
                return mid
        return None

    def name_at(self, offset: int) -> n.Name | None:
        """The name under an offset, or None."""
        i = self.token_at(offset)
        return None if i is None else self.names_at.get(i)


class State:
    """Open documents, the rulesets on disk around them, and their analyses."""

    def __init__(self) -> None:
        self.open: dict[str, Doc] = {}
        self.roots: list[Path] = []
        self.checker = Checker(self.read)
        self.analyses: dict[str, tuple[tuple[str, ...], Analysis]] = {}
        self.last_good: dict[str, CheckedRuleset] = {}
        self._disk: dict[Path, tuple[float, Doc]] = {}
        self._files: list[Path] | None = None

    # -- documents ---------------------------------------------------------------

    def put(self, uri: str, text: str, version: int | None = None) -> Doc:
        """Record the text of an open document."""
        doc = Doc(uri, text, version)
        self.open[uri] = doc
        return doc

    def close(self, uri: str) -> None:
        """Forget an open document (its file on disk stays known)."""
        self.open.pop(uri, None)
        self.analyses.pop(uri, None)

    def read(self, path: Path) -> str | None:
        """A file's current text: the open document's if open, else the disk's."""
        for doc in self.open.values():
            if doc.path == path:
                return doc.text
        return read_disk(path)

    def doc_for_path(self, path: Path) -> Doc | None:
        """The document of a file: the open one, else the file read from disk."""
        path = path.resolve()
        for doc in self.open.values():
            if doc.path == path:
                return doc
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return None
        hit = self._disk.get(path)
        if hit is None or hit[0] != mtime:
            text = read_disk(path)
            if text is None:
                return None
            hit = (mtime, Doc(uris.from_fs_path(str(path)) or str(path), text))
            self._disk[path] = hit
        return hit[1]

    def get(self, uri: str) -> Doc | None:
        """The document of a URI: the open one, else the file on disk."""
        if uri in self.open:
            return self.open[uri]
        fs = uris.to_fs_path(uri)
        return self.doc_for_path(Path(fs)) if fs else None

    def files(self) -> list[Path]:
        """Every ruleset file known: in the workspace folders and the packaged ones."""
        if self._files is None:
            from iiprules.api import packaged_dir

            found: dict[Path, None] = {}
            for root in [*self.roots, packaged_dir()]:
                for p in _walk_rules(root):
                    found.setdefault(p.resolve(), None)
                    if len(found) >= MAX_FILES:
                        break
            self._files = list(found)
        return self._files

    def forget_files(self) -> None:
        """Look for ruleset files again at the next request (files were added or removed)."""
        self._files = None

    def all_docs(self) -> list[Doc]:
        """Every document: the open ones, then the files on disk not open."""
        docs = list(self.open.values())
        seen = {d.path for d in docs}
        for p in self.files():
            if p not in seen:
                d = self.doc_for_path(p)
                if d is not None:
                    docs.append(d)
                    seen.add(p)
        return docs

    # -- rulesets and their uses -------------------------------------------------

    def used_doc(self, doc: Doc) -> Doc | None:
        """The document of the ruleset that ``doc`` uses, found as ``check`` finds it."""
        if doc.uses_name is None or doc.path is None:
            return None
        path = find_used(doc.uses_name, doc.path.parent)
        return self.doc_for_path(path) if path else None

    def chain(self, doc: Doc) -> list[Doc]:
        """The document, the ruleset it uses, the one that uses, and so on."""
        out = [doc]
        while len(out) < 16:
            base = self.used_doc(out[-1])
            if base is None or any(b.path == base.path for b in out):
                break
            out.append(base)
        return out

    def dependents(self, doc: Doc, open_only: bool = False) -> list[Doc]:
        """The other documents whose chain of ``uses`` reaches this one (or the open ones)."""
        out: list[Doc] = []
        for other in list(self.open.values()) if open_only else self.all_docs():
            if other.path == doc.path or other.uses_name is None:
                continue
            if any(d.path == doc.path for d in self.chain(other)[1:]):
                out.append(other)
        return out

    def family(self, doc: Doc) -> list[Doc]:
        """The documents a name declared in ``doc`` can be used from: it and its dependents."""
        return [doc, *self.dependents(doc)]

    # -- analyses ----------------------------------------------------------------

    def analyse(self, doc: Doc) -> Analysis:
        """Check the document's text (cached while it and the rulesets it uses are unchanged)."""
        key = tuple(d.text for d in self.chain(doc))
        hit = self.analyses.get(doc.uri)
        if hit is not None and hit[0] == key:
            return hit[1]
        if len(self.checker._used) > 64:  # edits to an open used ruleset pile up otherwise
            self.checker._used.clear()
        analysis = self.checker.analyse(doc.text, doc.display_path)
        self.analyses[doc.uri] = (key, analysis)
        if analysis.checked is not None:
            self.last_good[doc.uri] = analysis.checked
        return analysis

    def checked(self, doc: Doc) -> CheckedRuleset | None:
        """The document's checked ruleset: now, or as it was when it last had no errors."""
        analysis = self.analyse(doc)
        return analysis.checked or self.last_good.get(doc.uri)

    def model(self, doc: Doc) -> m.Ruleset | None:
        """The document's current model, or None while it has syntax errors."""
        return self.analyse(doc).model

    def scope_at(self, doc: Doc, offset: int | None = None) -> Snapshot | None:
        """The names visible at an offset: its version merged with the ruleset it uses."""
        checked = self.checked(doc)
        if checked is None or not checked.snapshots:
            # Never checked clean yet: the ruleset it uses still knows its own names
            # (W4.1 in a broken lm_theme.rules is standard's W4.1).
            for base in self.chain(doc)[1:]:
                base_checked = self.checked(base)
                if base_checked is not None and base_checked.snapshots:
                    return base_checked.scope(base_checked.snapshots[-1])
            return None
        snap = checked.snapshots[-1]
        if offset is not None:
            line = doc.lines.line_of(offset) + 1
            for s in checked.snapshots:
                span = s.version_node.span
                if span.line <= line <= span.end_line:
                    snap = s
        return checked.scope(snap)

    def declarations(self, doc: Doc, kind: str, name: str) -> list[tuple[Doc, n.Name]]:
        """Where a name is declared, looked up as the checker does: here, then in used rulesets."""
        for d in self.chain(doc):
            found = [(d, x) for x in d.names if x.declaration and x.kind == kind and x.name == name]
            if found:
                return found
        return []

    def occurrences(
        self, docs: Iterable[Doc], kind: str, name: str
    ) -> Iterator[tuple[Doc, n.Name]]:
        """Every place in the documents that writes a name of a kind."""
        for d in docs:
            for x in d.names:
                if x.kind == kind and x.name == name:
                    yield d, x


def _walk_rules(root: Path) -> Iterator[Path]:
    if root.is_file() and root.suffix == RULES_SUFFIX:
        yield root
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
        for f in sorted(filenames):
            if f.endswith(RULES_SUFFIX):
                yield Path(dirpath) / f
