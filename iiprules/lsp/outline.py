"""The shape of a document: outline, workspace symbols, folding, semantic tokens.

Input → output: a ``Doc`` (or every document) → document symbols, workspace
symbols, folding ranges and semantic tokens.

All four are read from the tokens and names (``names``), not from the parsed
model, so the outline and the colours stay right while the file is broken.
"""

from __future__ import annotations

from typing import Final

from lsprotocol import types as lsp

from iiprules.lsp import names as n
from iiprules.lsp.state import Doc, State

_SYMBOL_KIND: Final = {
    "ruleset": lsp.SymbolKind.Module,
    "version": lsp.SymbolKind.Namespace,
    "part": lsp.SymbolKind.Package,
    "topic": lsp.SymbolKind.Package,
    "principle": lsp.SymbolKind.Class,
    "indicator": lsp.SymbolKind.Enum,
    "requirement": lsp.SymbolKind.Field,
    "fact": lsp.SymbolKind.Property,
    "level": lsp.SymbolKind.Constant,
    "award": lsp.SymbolKind.Event,
    "invariant": lsp.SymbolKind.Boolean,
    "example": lsp.SymbolKind.Method,
}


def _symbol(doc: Doc, item: n.Item) -> lsp.DocumentSymbol:
    return lsp.DocumentSymbol(
        name=item.name,
        detail=item.kind,
        kind=_SYMBOL_KIND[item.kind],
        range=doc.lines.range(item.start, item.end),
        selection_range=doc.lines.range(item.name_token.start, item.name_token.end),
        children=[_symbol(doc, c) for c in item.children],
    )


def document_symbols(doc: Doc) -> list[lsp.DocumentSymbol]:
    """The outline: ruleset, versions, principles, indicators, requirements, levels..."""
    return [_symbol(doc, it) for it in doc.items]


def workspace_symbols(state: State, query: str) -> list[lsp.WorkspaceSymbol]:
    """Declarations in every known ruleset whose name contains the query (any case)."""
    q = query.lower()
    out: list[lsp.WorkspaceSymbol] = []
    for doc in state.all_docs():
        for x in doc.names:
            if x.declaration and q in x.name.lower():
                out.append(lsp.WorkspaceSymbol(
                    name=x.name,
                    kind=_SYMBOL_KIND[x.kind],
                    location=lsp.Location(doc.uri, doc.lines.range(x.token.start, x.token.end)),
                    container_name=f"{doc.ruleset_name or ''} {x.kind}".strip(),
                ))
    return out


def folding_ranges(doc: Doc) -> list[lsp.FoldingRange]:
    """Blocks over several lines, long quoted texts, and runs of comment lines."""
    out: list[lsp.FoldingRange] = []
    lines = doc.lines
    for open_i, close_i in n.block_ends(doc.tokens).items():
        a = lines.line_of(doc.tokens[open_i].start)
        b = lines.line_of(doc.tokens[close_i].start)
        if b > a:
            out.append(lsp.FoldingRange(start_line=a, end_line=b - 1 if b - 1 > a else b))
    run: list[int] = []
    for t in doc.tokens:
        if t.kind == "string" and "\n" in t.text:
            a, b = lines.line_of(t.start), lines.line_of(t.end)
            out.append(lsp.FoldingRange(start_line=a, end_line=b))
        if t.kind == "comment":
            line = lines.line_of(t.start)
            if run and line != run[-1] + 1:
                _comment_fold(out, run)
                run = []
            run.append(line)
    _comment_fold(out, run)
    return out


def _comment_fold(out: list[lsp.FoldingRange], run: list[int]) -> None:
    if len(run) > 1:
        out.append(lsp.FoldingRange(
            start_line=run[0], end_line=run[-1], kind=lsp.FoldingRangeKind.Comment
        ))


#: Semantic token types, standard ones so that every theme colours them.
TOKEN_TYPES: Final = ("keyword", "string", "number", "comment", "operator", "namespace", "type",
                      "class", "enum", "variable", "property", "enumMember", "event", "function")
TOKEN_MODIFIERS: Final = ("declaration", "readonly")

_NAME_TYPE: Final = {
    "ruleset": "namespace",
    "version": "number",
    "part": "type",
    "topic": "type",
    "principle": "class",
    "indicator": "enum",
    "requirement": "variable",
    "fact": "property",
    "level": "enumMember",
    "award": "event",
    "invariant": "function",
}


def token_type(doc: Doc, i: int) -> tuple[str, bool] | None:
    """The semantic type of token ``i`` and whether it declares a name, or None."""
    t = doc.tokens[i]
    name = doc.names_at.get(i)
    if name is not None:
        return _NAME_TYPE[name.kind], name.declaration
    match t.kind:
        case "comment":
            return "comment", False
        case "string":
            return "string", False
        case "date":
            return "number", False
        case "op":
            return "operator", False
        case "word":
            if t.text.isdigit():
                return "number", False
            if t.text in n.CONSTANTS:
                return "enumMember", False
            if t.text in n.KEYWORDS:
                return "keyword", False
    return None


def semantic_tokens(doc: Doc) -> lsp.SemanticTokens:
    """Every token coloured by what it is, in the protocol's relative encoding."""
    data: list[int] = []
    prev_line = prev_col = 0
    types = {t: k for k, t in enumerate(TOKEN_TYPES)}
    for i, t in enumerate(doc.tokens):
        found = token_type(doc, i)
        if found is None:
            continue
        kind, decl = found
        # The protocol's tokens cannot span lines: a long text is sent line by line.
        offset = t.start
        for piece in t.text.split("\n"):
            if piece:
                pos = doc.lines.position(offset)
                end = doc.lines.position(offset + len(piece))
                delta_line = pos.line - prev_line
                delta_col = pos.character - prev_col if delta_line == 0 else pos.character
                data += [delta_line, delta_col, end.character - pos.character, types[kind],
                         1 if decl else 0]
                prev_line, prev_col = pos.line, pos.character
            offset += len(piece) + 1
    return lsp.SemanticTokens(data=data)
