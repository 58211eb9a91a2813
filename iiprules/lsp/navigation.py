"""Go to definition, find references, rename: names followed across rulesets.

Input → output: a document and a position → locations (or a workspace edit).

A name is looked up as the checker looks it up: first in its own ruleset,
then in the ruleset it ``uses``, and so on (``W4.1`` in ``lm_theme.rules``
→ its declaration in ``standard.rules``). Its references are searched in the
declaring ruleset and in every ruleset whose chain of ``uses`` reaches it, so
a rename changes every ruleset that uses the id and no unrelated one.
"""

from __future__ import annotations

import re

from lsprotocol import types as lsp

from iiprules.lsp import names as n
from iiprules.lsp.state import Doc, State

_ID = re.compile(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*\Z")
#: Kinds whose names are file-level facts (a ruleset's name is its file's), not renamed here.
_NOT_RENAMED = frozenset(("ruleset", "version"))


def _location(doc: Doc, name: n.Name) -> lsp.Location:
    return lsp.Location(doc.uri, doc.lines.range(name.token.start, name.token.end))


def _name_at(doc: Doc, pos: lsp.Position) -> n.Name | None:
    return doc.name_at(doc.lines.offset(pos))


def definition(state: State, doc: Doc, pos: lsp.Position) -> list[lsp.Location]:
    """Where the name under the cursor is declared (several places for ``change``d items)."""
    name = _name_at(doc, pos)
    if name is None:
        return []
    if name.kind == "ruleset" and not name.declaration:
        used = state.used_doc(doc)
        if used is None:
            return []
        decl = [x for x in used.names if x.kind == "ruleset" and x.declaration]
        return [_location(used, x) for x in decl]
    return [_location(d, x) for d, x in state.declarations(doc, name.kind, name.name)]


def highlights(doc: Doc, pos: lsp.Position) -> list[lsp.DocumentHighlight]:
    """Every place in this document that writes the name under the cursor."""
    name = _name_at(doc, pos)
    if name is None:
        return []
    return [
        lsp.DocumentHighlight(
            doc.lines.range(x.token.start, x.token.end),
            lsp.DocumentHighlightKind.Write if x.declaration else lsp.DocumentHighlightKind.Read,
        )
        for x in doc.names
        if x.kind == name.kind and x.name == name.name
    ]


def _home(state: State, doc: Doc, name: n.Name) -> Doc:
    decl = state.declarations(doc, name.kind, name.name)
    return decl[0][0] if decl else doc


def references(
    state: State, doc: Doc, pos: lsp.Position, include_declaration: bool = True
) -> list[lsp.Location]:
    """Every place the name under the cursor is written, in every ruleset that can see it."""
    name = _name_at(doc, pos)
    if name is None:
        return []
    home = _home(state, doc, name)
    return [
        _location(d, x)
        for d, x in state.occurrences(state.family(home), name.kind, name.name)
        if include_declaration or not x.declaration
    ]


def prepare_rename(state: State, doc: Doc, pos: lsp.Position) -> lsp.Range | None:
    """The range of the name to rename, or None where nothing can be renamed."""
    name = _name_at(doc, pos)
    if name is None or name.kind in _NOT_RENAMED:
        return None
    return doc.lines.range(name.token.start, name.token.end)


class RenameRefused(ValueError):
    """A rename that would break the rulesets (a bad id, or one already taken)."""


def rename(state: State, doc: Doc, pos: lsp.Position, new_name: str) -> lsp.WorkspaceEdit | None:
    """Rename the name under the cursor in every ruleset that uses it.

    Raises:
        RenameRefused: the new name is not an id, or a name of that kind has it already.
    """
    name = _name_at(doc, pos)
    if name is None or name.kind in _NOT_RENAMED:
        return None
    if not _ID.match(new_name):
        raise RenameRefused(f"'{new_name}' is not an id: use letters, digits, '_' and '.'")
    home = _home(state, doc, name)
    family = state.family(home)
    taken = any(True for _ in state.occurrences(
        [d for fam in family for d in state.chain(fam)], name.kind, new_name))
    if taken:
        raise RenameRefused(f"a {name.kind} named '{new_name}' exists already")
    changes: dict[str, list[lsp.TextEdit]] = {}
    for d, x in state.occurrences(family, name.kind, name.name):
        changes.setdefault(d.uri, []).append(
            lsp.TextEdit(d.lines.range(x.token.start, x.token.end), new_name)
        )
    return lsp.WorkspaceEdit(changes=changes)
