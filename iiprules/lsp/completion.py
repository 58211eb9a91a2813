"""Completion: the keywords the grammar allows at the cursor, and the names that fit.

Input → output: a document and a position → ``CompletionItem``s.

Which keywords are valid is asked of the parser itself: Lark's interactive
parser is fed the text up to the cursor and says which terminals it accepts
next, so completion can never offer a word the grammar would reject, and
follows the grammar when it changes. Where a name may come, its kind is read
as ``names`` reads any name (``[`` → requirement ids, ``level >=`` → levels),
and the names come from the checked scope, with their text or title beside
them. When the text before the cursor does not parse, the keywords fall back
to every keyword and the names still follow the words around the cursor.
"""

from __future__ import annotations

import functools
import re

from lark import Lark
from lark.exceptions import LarkError
from lark.lexer import PatternStr
from lsprotocol import types as lsp

from iiprules.check import BUILTIN_FACTS, Snapshot
from iiprules.lsp import names as n
from iiprules.lsp.state import Doc, State

_WORD_CHARS = re.compile(r"[A-Za-z0-9_.]*\Z")
_PLACEHOLDER = "IIP_CURSOR"


@functools.cache
def _keyword_terminals() -> dict[str, str]:
    from iiprules.syntax import _parser

    parser: Lark = _parser()
    return {
        t.name: t.pattern.value
        for t in parser.terminals
        if isinstance(t.pattern, PatternStr) and t.pattern.value.replace("_", "").isalpha()
    }


def accepted(text: str) -> set[str] | None:
    """The terminals the grammar accepts after ``text``, or None when ``text`` does not parse."""
    from iiprules.syntax import _parser

    try:
        ip = _parser().parse_interactive(text)
        ip.exhaust_lexer()
        found: set[str] = ip.accepts()  # type: ignore[no-untyped-call]
        return set(found)
    except (LarkError, RecursionError):
        return None


def _word_start(text: str, offset: int) -> int:
    mo = _WORD_CHARS.search(text, max(0, offset - 200), offset)
    return mo.start() if mo else offset


def name_kind(doc: Doc, start: int) -> tuple[str, bool] | None:
    """The kind of name that belongs at ``start``, and whether it would declare one."""
    before = [t for t in doc.tokens if t.end <= start]
    after = [t for t in doc.tokens if t.start > start]
    fake = n.Token("word", _PLACEHOLDER, start, start)
    tokens = [*before, fake, *after[:3]]
    for x in n.classify(tokens):
        if x.token is fake:
            return x.kind, x.declaration
    return None


def complete(state: State, doc: Doc, pos: lsp.Position) -> lsp.CompletionList:
    """Keywords valid at the position and names of the kind that fits there."""
    offset = doc.lines.offset(pos)
    start = _word_start(doc.text, offset)
    # Inside a comment or a quoted text nothing is completed.
    i = doc.token_at(start)
    if i is not None and doc.tokens[i].kind in ("comment", "string") \
            and doc.tokens[i].start < start < doc.tokens[i].end:
        return lsp.CompletionList(is_incomplete=False, items=[])
    rng = doc.lines.range(start, offset)
    terminals = accepted(doc.text[:start])
    words = _keyword_terminals()
    items: list[lsp.CompletionItem] = []
    if terminals is None:
        keywords = sorted(set(words.values()))
        want_names = True
    else:
        keywords = sorted(words[t] for t in terminals if t in words)
        want_names = "ID" in terminals
    for kw in keywords:
        kind = (lsp.CompletionItemKind.EnumMember if kw in n.CONSTANTS
                else lsp.CompletionItemKind.Keyword)
        items.append(lsp.CompletionItem(
            label=kw, kind=kind, text_edit=lsp.TextEdit(rng, kw), sort_text="1" + kw,
        ))
    if want_names:
        found = name_kind(doc, start)
        if found is not None and not found[1]:
            items.extend(_names(state, doc, found[0], start, rng))
            if found[0] == "level" and _words_before(doc, start, 2) == ["expect", "level"]:
                items.append(lsp.CompletionItem(
                    label="none", kind=lsp.CompletionItemKind.Constant,
                    detail="not recognised", text_edit=lsp.TextEdit(rng, "none"),
                ))
    return lsp.CompletionList(is_incomplete=False, items=items)


def _words_before(doc: Doc, offset: int, count: int) -> list[str]:
    """The texts of the ``count`` significant tokens before an offset."""
    before = [t.text for t in doc.tokens if t.end <= offset and t.kind != "comment"]
    return before[-count:]


_ITEM_KIND = {
    "requirement": lsp.CompletionItemKind.Field,
    "part": lsp.CompletionItemKind.Module,
    "topic": lsp.CompletionItemKind.Module,
    "principle": lsp.CompletionItemKind.Class,
    "indicator": lsp.CompletionItemKind.Enum,
    "fact": lsp.CompletionItemKind.Property,
    "level": lsp.CompletionItemKind.Constant,
    "award": lsp.CompletionItemKind.Event,
    "invariant": lsp.CompletionItemKind.Function,
    "ruleset": lsp.CompletionItemKind.File,
    "version": lsp.CompletionItemKind.Value,
}


def _names(
    state: State, doc: Doc, kind: str, offset: int, rng: lsp.Range
) -> list[lsp.CompletionItem]:
    scope = state.scope_at(doc, offset)
    found: dict[str, str] = {}
    if scope is not None:
        found = _scope_names(scope, kind)
    if not found:
        if kind == "ruleset":
            found = {p.stem: "" for p in state.files()}
        else:
            for d in state.chain(doc):
                for x in d.names:
                    if x.kind == kind and x.declaration:
                        found.setdefault(x.name, "")
    return [
        lsp.CompletionItem(
            label=name,
            kind=_ITEM_KIND.get(kind, lsp.CompletionItemKind.Text),
            detail=detail or kind,
            documentation=detail or None,
            text_edit=lsp.TextEdit(rng, name),
            sort_text=f"0{i:05d}",
            filter_text=name,
        )
        for i, (name, detail) in enumerate(found.items())
    ]


def _scope_names(scope: Snapshot, kind: str) -> dict[str, str]:
    match kind:
        case "requirement":
            return {
                k: getattr(r.node, "text", f"unnamed group of {getattr(r.node, 'count', 0)}")
                for k, r in scope.requirements.items()
            }
        case "part":
            return {k: p.title for k, p in scope.parts.items()}
        case "topic":
            return {k: t.title for k, t in scope.topics.items()}
        case "principle":
            return {k: p.title for k, p in scope.principles.items()}
        case "indicator":
            return {k: i.node.title for k, i in scope.indicators.items()}
        case "fact":
            facts = {**BUILTIN_FACTS, **scope.facts}
            return {k: f.meta.doc or f"{f.type} fact" for k, f in facts.items()}
        case "level":
            return {lv.id: lv.title for lv in scope.levels}
        case "award":
            return {a.id: a.title for a in scope.awards}
        case "invariant":
            return {i.id: i.title for i in scope.invariants}
    return {}
