"""Hover: what a name under the cursor stands for, in a reviewer's words.

Input → output: a document and a position → Markdown: for a requirement its
text, who gives the evidence, part, indicator, sources and confidence, and
which levels, awards and mappings count it (in this ruleset and in the
rulesets that use it); for a selection how many requirements it holds and
which; for a level or award its condition with each threshold against the
size of its selection ("26 of 126").

Everything is read from the checked scope (``check.select`` and
``check.size``), so the numbers are the checker's and the evaluator's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from lsprotocol import types as lsp

from iiprules import model as m
from iiprules.check import (
    BUILTIN_FACTS,
    ReqInfo,
    Snapshot,
    cond_selections,
    select,
    size,
    walk_cond,
)
from iiprules.explain import describe_cond
from iiprules.lsp import names as n
from iiprules.lsp.state import Doc, State

#: How many ids a hover lists before it says "and N more".
MAX_LISTED = 40

_SEL_KINDS: dict[str, type[m.SelPart | m.SelIndicator | m.SelPrinciple | m.SelTopic]] = {
    "part": m.SelPart,
    "indicator": m.SelIndicator,
    "principle": m.SelPrinciple,
    "topic": m.SelTopic,
}


def hover(state: State, doc: Doc, pos: lsp.Position) -> lsp.Hover | None:
    """The hover for a position, or None where there is nothing to say."""
    offset = doc.lines.offset(pos)
    i = doc.token_at(offset)
    if i is None:
        return None
    tok = doc.tokens[i]
    name = doc.names_at.get(i)
    if name is None and tok.kind == "word" and tok.text in _SEL_KINDS:
        after = _next_name(doc, i)
        if after is not None and after.kind == tok.text:
            name = after
    scope = state.scope_at(doc, offset)
    text: str | None = None
    if name is not None:
        text = describe_name(state, doc, name, scope)
    elif tok.kind == "punct" and tok.text in "[],":
        ids = _list_around(doc, i)
        if ids is not None and scope is not None:
            text = describe_selection(scope, m.SelList(tuple(ids)), "[" + ", ".join(ids) + "]")
    if text is None:
        return None
    return lsp.Hover(
        contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text),
        range=doc.lines.range(tok.start, tok.end),
    )


def _next_name(doc: Doc, i: int) -> n.Name | None:
    for j in range(i + 1, min(i + 3, len(doc.tokens))):
        if j in doc.names_at:
            return doc.names_at[j]
        if doc.tokens[j].kind != "comment":
            return None
    return None


def _list_around(doc: Doc, i: int) -> list[str] | None:
    """The ids of the ``[...]`` list holding token ``i``."""
    lo = i
    while lo >= 0 and doc.tokens[lo].text != "[":
        if doc.tokens[lo].text in ("]", "{", "}") and lo != i:
            return None
        lo -= 1
    if lo < 0:
        return None
    ids: list[str] = []
    for t in doc.tokens[lo + 1:]:
        if t.text == "]":
            return ids
        if t.kind == "word":
            ids.append(t.text)
        elif t.text != ",":
            return None
    return None


def describe_name(state: State, doc: Doc, name: n.Name, scope: Snapshot | None) -> str:
    """Markdown about a name of any kind."""
    head = f"**{name.kind} `{name.name}`**"
    if scope is None:
        decl = state.declarations(doc, name.kind, name.name)
        where = f" — declared in {decl[0][0].display_path}" if decl else ""
        return head + where + "\n\n_(no checked version of this ruleset yet: fix its errors)_"
    match name.kind:
        case "requirement":
            info = scope.requirements.get(name.name)
            if info is not None:
                return describe_requirement(state, doc, info, scope)
        case "part" | "indicator" | "principle" | "topic":
            sel = _SEL_KINDS[name.kind](name.name)
            return describe_selection(scope, sel, f"{name.kind} {name.name}", _title(scope, name))
        case "level":
            for lv in scope.levels:
                if lv.id == name.name:
                    return describe_decision(scope, "level", lv.id, lv.title, lv.requires)
        case "award":
            for aw in scope.awards:
                if aw.id == name.name:
                    return describe_decision(
                        scope, f"{aw.kind} award", aw.id, aw.title, aw.requires
                    )
        case "invariant":
            for inv in scope.invariants:
                if inv.id == name.name:
                    return describe_decision(scope, "invariant", inv.id, inv.title, inv.holds)
        case "fact":
            fact = scope.facts.get(name.name) or BUILTIN_FACTS.get(name.name)
            if fact is not None:
                default = "" if fact.default is None else f", default `{fact.default}`"
                doc_text = f"\n\n{fact.meta.doc}" if fact.meta.doc else ""
                return f"**fact `{fact.id}`**: {fact.type}{default}{doc_text}"
        case "ruleset" | "version":
            return head
    return head + " — not declared in this version"


def _title(scope: Snapshot, name: n.Name) -> str | None:
    match name.kind:
        case "part":
            p = scope.parts.get(name.name)
            return p.title if p else None
        case "topic":
            t = scope.topics.get(name.name)
            return t.title if t else None
        case "principle":
            pr = scope.principles.get(name.name)
            return pr.title if pr else None
        case "indicator":
            ind = scope.indicators.get(name.name)
            return ind.node.title if ind else None
    return None


def listing(reqs: Mapping[str, ReqInfo]) -> str:
    """Ids of requirements, unnamed groups with their count, cut after ``MAX_LISTED``."""
    shown = []
    for k, r in list(reqs.items())[:MAX_LISTED]:
        if isinstance(r.node, m.Unnamed):
            shown.append(f"{k} ({r.node.count} unnamed)")
        else:
            shown.append(k)
    more = len(reqs) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def describe_selection(
    scope: Snapshot, sel: m.Selection, written: str, title: str | None = None
) -> str:
    """How many requirements a selection holds, and which."""
    reqs = select(scope, sel)
    count = size(reqs)
    head = f"**{written}**" + (f" — {title}" if title else "")
    noun = "requirement" if count == 1 else "requirements"
    if not reqs:
        return f"{head}\n\nholds no requirements in version {scope.label}"
    return f"{head}\n\n{count} {noun} in version {scope.label}: {listing(reqs)}"


def thresholds(scope: Snapshot, cond: m.Cond) -> Iterator[str]:
    """Each count a condition asks for, against the size of its selection ("26 of 126")."""
    for c in walk_cond(cond):
        match c:
            case m.AtLeast(n=k, selection=s) | m.AtMost(n=k, selection=s):
                word = "at least" if isinstance(c, m.AtLeast) else "at most"
                yield f"{word} {k} of {size(select(scope, s))}"
            case m.CountCmp(selection=s, op=op, n=k):
                yield f"count {op} {k} of {size(select(scope, s))}"
            case m.Quantified(quant="all", selection=s):
                total = size(select(scope, s))
                yield f"{total} of {total}"


def describe_decision(
    scope: Snapshot, what: str, ident: str, title: str, cond: m.Cond
) -> str:
    """A level, award or invariant: its title, its condition and its thresholds."""
    lines = [f"**{what} `{ident}`** — {title}", "", describe_cond(cond, scope)]
    marks = list(thresholds(scope, cond))
    if marks:
        lines += ["", "thresholds: " + "; ".join(marks)]
    return "\n".join(lines)


def describe_requirement(state: State, doc: Doc, info: ReqInfo, scope: Snapshot) -> str:
    """A requirement: text, who, where it sits, sources, and what counts it."""
    node = info.node
    lines = [f"**requirement `{node.id}`**"]
    if isinstance(node, m.Requirement):
        lines += ["", f"> {node.text}", ""]
        if node.by:
            lines.append("evidence from: " + ", ".join(w.replace("_", " ") for w in node.by))
    else:
        lines += ["", f"an unnamed group of {node.count} requirements", ""]
    part = scope.parts.get(node.part)
    lines.append(f"part: `{node.part}`" + (f" ({part.title})" if part else ""))
    if info.indicator is not None:
        ind = scope.indicators.get(info.indicator)
        lines.append(
            f"indicator: `{info.indicator}`" + (f" ({ind.node.title})" if ind else "")
            + (f", principle `{info.principle}`" if info.principle else "")
        )
    if info.ruleset != scope.ruleset:
        lines.append(f"from ruleset `{info.ruleset}`")
    if info.maps is not None:
        derived = select(scope, info.maps)
        lines.append(f"derived: met when all {size(derived)} mapped are met: {listing(derived)}")
    for src in node.meta.sources:
        sure = f" ({src.confidence})" if src.confidence else ""
        lines.append(f"source: {src.reference}{sure}")
    users = list(used_by(state, doc, node.id, scope))
    none = "nothing (no level, award or mapping counts it)"
    lines += ["", "used by: " + ("; ".join(users) if users else none)]
    return "\n".join(lines)


def _users_in(scope: Snapshot, rid: str, own_only: bool) -> Iterator[str]:
    rs = scope.ruleset

    def counts(cond: m.Cond) -> bool:
        return any(rid in select(scope, s) for s in cond_selections(cond))

    for lv in scope.levels:
        if counts(lv.requires):
            yield f"level {lv.id}"
    for aw in scope.awards:
        if counts(aw.requires):
            yield f"award {aw.id}"
    for inv in scope.invariants:
        if counts(inv.holds):
            yield f"invariant {inv.id}"
    for r in scope.requirements.values():
        if own_only and r.ruleset != rs:
            continue
        if r.maps is not None and rid in select(scope, r.maps):
            yield f"mapping of {r.id} ({r.ruleset})"


def used_by(state: State, doc: Doc, rid: str, scope: Snapshot) -> Iterator[str]:
    """What counts a requirement: here, and in the rulesets that use this one."""
    seen: set[str] = set()
    for u in _users_in(scope, rid, own_only=False):
        if u not in seen:
            seen.add(u)
            yield u
    declared = state.declarations(doc, "requirement", rid)
    home = declared[0][0] if declared else doc
    for other in state.dependents(home):
        if other.path == doc.path:
            continue
        checked = state.checked(other)
        if checked is None or not checked.snapshots:
            continue
        other_scope = checked.scope(checked.snapshots[-1])
        for u in _users_in(other_scope, rid, own_only=True):
            label = f"{u} in {other_scope.ruleset}" if "(" not in u else u
            if label not in seen and u not in seen:
                seen.add(label)
                yield label
