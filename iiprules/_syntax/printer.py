"""The printer: model → text in the canonical layout, keeping the reviewer's comments.

Input → output: a ``model.Ruleset`` (with the ``Trivia`` that ``parse`` found)
→ text; ``parse(unparse(r)) == r``, and formatting twice changes nothing.

How comments survive. The grammar ignores comments, so the model has no node
for them; ``parse`` keeps every comment and blank line in ``Ruleset.trivia``
(outside equality). The printer first lays the model out as *entries* — one per
line it writes, each remembering the source lines of the construct it came
from (from the spans) — and then places each comment by position, as Ruff's
formatter does (``crates/ruff_python_formatter/src/comments/``):

* an own-line comment *leads* the first entry that ends at or after it (so a
  comment before ``}`` stays inside the block, "dangling" before the brace);
* an end-of-line comment *trails* the last entry that starts on or before its
  line;
* an entry keeps at most one trailing comment; when a construct written over
  several lines is printed on one, the comments inside it move above it, in
  their order.

A blank line is written where the source had one or more between two things
(never just inside ``{`` or just before ``}``). We chose this over a concrete
syntax tree kept beside the model (LibCST's way) because the printer already
re-creates every token from the model; only comments and blank lines are lost,
and spans are enough to put them back. Models built in code (no trivia, no
spans) get the canonical layout: a blank line before each version and each
item of a version.

Every walk here is iterative, so long ``implies``/``not`` chains or deeply
nested selections cannot overflow the stack.
"""

from __future__ import annotations

import bisect
import datetime as dt
import textwrap

from attrs import define, field

from iiprules import model as m

INDENT = "    "


def _q(text: str) -> str:
    if "\n" in text:
        body = textwrap.indent(text, INDENT)
        return '"""\n' + body + '\n    """'
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _lit(value: m.Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return _q(value)


# -- selections and conditions -------------------------------------------------------

_COMPOUND_SEL = (m.Union_, m.Except, m.Within)


def _sel_children(sel: m.Selection) -> list[tuple[m.Selection, bool]]:
    """The operands of a selection, each with whether it needs parentheses.

    The grammar: ``selection: sel_term | selection "+" sel_term | selection "except"
    sel_term``; ``sel_term: sel_atom | sel_term "within" sel_atom``.
    """
    match sel:
        case m.Union_(left=a, right=b) | m.Except(left=a, right=b):
            return [(a, False), (b, isinstance(b, (m.Union_, m.Except)))]
        case m.Within(left=a, right=b):
            return [(a, isinstance(a, (m.Union_, m.Except))), (b, isinstance(b, _COMPOUND_SEL))]
    return []


def _sel_text(sel: m.Selection, parts: list[str]) -> str:
    match sel:
        case m.SelPart(part=p):
            return f"part {p}"
        case m.SelIndicator(indicator=i):
            return f"indicator {i}"
        case m.SelPrinciple(principle=p):
            return f"principle {p}"
        case m.SelTopic(topic=t):
            return f"topic {t}"
        case m.SelList(ids=ids):
            return "[" + ", ".join(ids) + "]"
        case m.Union_():
            return f"{parts[0]} + {parts[1]}"
        case m.Except():
            return f"{parts[0]} except {parts[1]}"
        case m.Within():
            return f"{parts[0]} within {parts[1]}"
    raise TypeError(f"not a selection: {sel!r}")  # pragma: no cover


def unparse_selection(sel: m.Selection, top: bool = True) -> str:
    """A selection as it is written in a ruleset, with only the parentheses it needs."""
    out: list[str] = []
    stack: list[tuple[m.Selection, bool, bool]] = [(sel, False, False)]
    while stack:
        node, paren, done = stack.pop()
        kids = _sel_children(node)
        if not done and kids:
            stack.append((node, paren, True))
            stack.extend((k, p, False) for k, p in reversed(kids))
            continue
        parts = out[len(out) - len(kids) :] if kids else []
        if kids:
            del out[len(out) - len(kids) :]
        text = _sel_text(node, parts)
        out.append(f"({text})" if paren else text)
    return out[0]


def _credits(years: int | None) -> str:
    return "" if years is None else f" counting credits from the last {years} years"


# Precedence: implies 1, or 2, and 3, not 4, atoms 5.
def _cond_children(c: m.Cond) -> list[tuple[m.Cond, int]]:
    match c:
        case m.Implies(premise=a, conclusion=b):
            return [(a, 2), (b, 1)]
        case m.Or(items=items):
            return [(i, 3 if isinstance(i, m.Or) else 2) for i in items]
        case m.And(items=items):
            return [(i, 4 if isinstance(i, m.And) else 3) for i in items]
        case m.Not(item=i):
            return [(i, 4)]
    return []


def _cond_text(c: m.Cond, parts: list[str]) -> tuple[str, int]:
    match c:
        case m.Implies():
            return f"{parts[0]} implies {parts[1]}", 1
        case m.Or():
            return " or ".join(parts), 2
        case m.And():
            return " and ".join(parts), 3
        case m.Not():
            return f"not {parts[0]}", 4
        case m.Quantified(quant=q, selection=s, credit_years=y):
            return f"{q} of {unparse_selection(s)}{_credits(y)}", 5
        case m.AtLeast(n=n, selection=s, credit_years=y):
            return f"at least {n} of {unparse_selection(s)}{_credits(y)}", 5
        case m.AtMost(n=n, selection=s, credit_years=y):
            return f"at most {n} of {unparse_selection(s)}{_credits(y)}", 5
        case m.CountCmp(selection=s, op=op, n=n):
            return f"count of {unparse_selection(s)} {op} {n}", 5
        case m.LevelCmp(op=op, level=lv):
            return f"level {op} {lv}", 5
        case m.AwardRef(award=a):
            return f"award {a}", 5
        case m.FactTrue(fact=f):
            return f, 5
        case m.FactCmp(fact=f, op=op, value=v):
            return f"{f} {op} {_lit(v)}", 5
        case m.YearsSince(fact=f, op=op, n=n):
            return f"years since {f} {op} {n}", 5
        case m.Const(value=v):
            return ("true" if v else "false"), 5
    raise TypeError(f"not a condition: {c!r}")  # pragma: no cover


def unparse_cond(cond: m.Cond) -> str:
    """A condition as it is written in a ruleset, with only the parentheses it needs."""
    # Post-order over an explicit stack: a chain of 10,000 'not' prints fine.
    out: list[str] = []
    stack: list[tuple[m.Cond, int, bool]] = [(cond, 0, False)]
    while stack:
        node, ctx, done = stack.pop()
        kids = _cond_children(node)
        if not done and kids:
            stack.append((node, ctx, True))
            stack.extend((k, kctx, False) for k, kctx in reversed(kids))
            continue
        parts = out[len(out) - len(kids) :] if kids else []
        if kids:
            del out[len(out) - len(kids) :]
        text, prec = _cond_text(node, parts)
        # A counted atom ends in a selection that may be followed by "+"/"except"
        # only inside brackets, so atoms never need parentheses.
        out.append(f"({text})" if prec < ctx else text)
    return out[0]


# -- layout: entries -----------------------------------------------------------------


@define
class _Entry:
    """One thing the printer writes, and the source lines it came from (0: unknown)."""

    lines: list[str]  # physical lines, indented relative to ``depth``
    depth: int
    kind: str  # "open" (ends in '{'), "close" ('}') or "line"
    start: int
    end: int
    blank: bool = False  # the canonical choice, used when the source says nothing


def _lines_of(span: m.Span | None) -> tuple[int, int]:
    if span is None or span.line == 0:
        return 0, 0
    return span.line, max(span.end_line, span.line)


@define
class _Writer:
    entries: list[_Entry] = field(factory=list)
    depth: int = 0

    def line(self, text: str, span: m.Span | None = None, blank: bool = False) -> None:
        start, end = _lines_of(span)
        self.entries.append(_Entry([text], self.depth, "line", start, end, blank))

    def open(self, text: str, span: m.Span | None = None, blank: bool = False) -> None:
        start, _ = _lines_of(span)
        self.entries.append(_Entry([text + " {"], self.depth, "open", start, start, blank))
        self.depth += 1

    def close(self, span: m.Span | None = None) -> None:
        self.depth -= 1
        _, end = _lines_of(span)
        self.entries.append(_Entry(["}"], self.depth, "close", end, end))

    def text_clause(self, keyword: str, value: str, span: m.Span | None) -> None:
        if "\n" not in value:
            self.line(f"{keyword} {_q(value)}", span)
            return
        # A long text is written as the shipped rulesets write it: the body and the
        # closing quotes at the keyword's indentation ('parse' dedents it again).
        start, end = _lines_of(span)
        lines = [f'{keyword} """', *value.split("\n"), '"""']
        self.entries.append(_Entry(lines, self.depth, "line", start, end))

    def meta(self, meta: m.Meta) -> None:
        if meta.title is not None:
            self.text_clause("title", meta.title, meta.title_span)
        if meta.doc is not None:
            self.text_clause("doc", meta.doc, meta.doc_span)
        for s in meta.sources:
            conf = f" {s.confidence}" if s.confidence else ""
            self.line(f"source {_q(s.reference)}{conf}", s.span)


def _has_meta(meta: m.Meta) -> bool:
    return bool(meta.title is not None or meta.doc is not None or meta.sources)


def _block_or_not(w: _Writer, head: str, meta: m.Meta, span: m.Span, blank: bool) -> None:
    if _has_meta(meta):
        w.open(head, span, blank)
        w.meta(meta)
        w.close(span)
    else:
        w.line(head, span, blank)


def _member(w: _Writer, mem: m.Member, blank: bool = False) -> None:
    if isinstance(mem, m.Unnamed):
        _block_or_not(
            w, f"unnamed {mem.count} as {mem.id} in {mem.part}", mem.meta, mem.span, blank
        )
        return
    head = f"requirement {mem.id} in {mem.part}"
    if mem.by:
        head += " by " + ", ".join(mem.by)
    if mem.topic:
        head += f" topic {mem.topic}"
    w.open(head, mem.span, blank)
    w.text_clause("text", mem.text, mem.text_span)
    w.meta(mem.meta)
    if mem.applies is not None:
        w.line(f"applies when {unparse_cond(mem.applies)}", mem.applies.span)
    if mem.maps is not None:
        w.line(f"maps to {unparse_selection(mem.maps)}", mem.maps.span)
    w.close(mem.span)


def _decision(w: _Writer, item: m.Level | m.Award | m.Invariant, blank: bool) -> None:
    if isinstance(item, m.Level):
        head, kw, cond = f"level {item.id} {_q(item.title)}", "requires", item.requires
    elif isinstance(item, m.Award):
        head = f"award {item.id} {item.kind} {_q(item.title)}"
        kw, cond = "requires", item.requires
    else:
        head, kw, cond = f"invariant {item.id} {_q(item.title)}", "holds", item.holds
    w.open(head, item.span, blank)
    w.meta(item.meta)
    w.line(f"{kw} {unparse_cond(cond)}", cond.span)
    w.close(item.span)


def _example(w: _Writer, item: m.Example, blank: bool) -> None:
    w.open(f"example {_q(item.name)}", item.span, blank)
    if item.doc is not None:
        w.text_clause("doc", item.doc, item.doc_span)
    for g in item.givens:
        w.line(_given(g), g.span)
    for e in item.expects:
        if isinstance(e, m.ExpectLevel):
            w.line(f"expect level {e.level}", e.span)
        else:
            w.line(f"expect {'' if e.eligible else 'no '}award {e.award}", e.span)
    w.close(item.span)


def _item(w: _Writer, item: m.Item, blank: bool = False) -> None:
    match item:
        case m.Unnamed() | m.Requirement():
            _member(w, item, blank)
        case m.Part() | m.Topic():
            word = "part" if isinstance(item, m.Part) else "topic"
            _block_or_not(w, f"{word} {item.id} {_q(item.title)}", item.meta, item.span, blank)
        case m.Principle():
            w.open(f"principle {item.id} {_q(item.title)}", item.span, blank)
            w.meta(item.meta)
            for ind in item.indicators:
                _indicator(w, ind)
            w.close(item.span)
        case m.Fact():
            head = f"fact {item.id}: {item.type}"
            if item.default is not None:
                head += f" default {_lit(item.default)}"
            _block_or_not(w, head, item.meta, item.span, blank)
        case m.Level() | m.Award() | m.Invariant():
            _decision(w, item, blank)
        case m.Example():
            _example(w, item, blank)
        case m.Extend():
            w.open(f"extend indicator {item.indicator}", item.span, blank)
            for mem in item.members:
                _member(w, mem)
            w.close(item.span)
        case m.Change():
            first = len(w.entries)
            inner = item.item
            if isinstance(inner, m.Requirement):
                _member(w, inner, blank)
            else:
                _item(w, inner, blank)
            opening = w.entries[first]
            opening.lines[0] = "change " + opening.lines[0]
            opening.start, _ = _lines_of(item.span)
            opening.end = max(opening.end, opening.start)
        case m.Remove():
            w.line(f"remove {item.kind} {item.id}", item.span, blank)


def _indicator(w: _Writer, ind: m.Indicator) -> None:
    w.open(f"indicator {ind.id} {_q(ind.title)}", ind.span)
    w.meta(ind.meta)
    if ind.maps is not None:
        w.line(f"maps to {unparse_selection(ind.maps)}", ind.maps.span)
    for mem in ind.members:
        _member(w, mem)
    w.close(ind.span)


def _given(g: m.Given) -> str:
    match g:
        case m.GivenDate(date=d):
            return f"assessed on {d.isoformat()}"
        case m.GivenMet(selection=s, count=None):
            return f"met {unparse_selection(s)}"
        case m.GivenMet(selection=s, count=n):
            return f"met {n} of {unparse_selection(s)}"
        case m.GivenUnmet(selection=s):
            return f"unmet {unparse_selection(s)}"
        case m.GivenFact(fact=f, value=v):
            return f"fact {f} = {_lit(v)}"
        case m.GivenEarlier(date=d, selection=s):
            return f"earlier {d.isoformat()} met {unparse_selection(s)}"
    raise TypeError(f"not a given: {g!r}")  # pragma: no cover


def _entries(ruleset: m.Ruleset) -> list[_Entry]:
    w = _Writer()
    w.line(f"ruleset {ruleset.name}", _head_span(ruleset))
    w.depth = 1
    w.meta(ruleset.meta)
    if ruleset.uses is not None:
        u = ruleset.uses
        w.line(f"uses {u.name}" + (f" {u.op} {u.version}" if u.op else ""), u.span)
    if ruleset.amends is not None:
        a = ruleset.amends
        w.line(f"amends {a.name}@{a.version}", a.span)
    w.depth = 0
    for v in ruleset.versions:
        head = f"version {v.label} effective {v.effective.isoformat()}"
        if v.until is not None:
            head += f" until {v.until.isoformat()}"
        w.open(head, v.span, blank=True)
        w.meta(v.meta)
        for item in v.items:
            _item(w, item, blank=True)
        w.close(v.span)
    return w.entries


def _head_span(ruleset: m.Ruleset) -> m.Span:
    # The ruleset's own span covers the whole file; its header is its first line.
    s = ruleset.span
    return m.Span(s.path, s.line, s.column, s.line, s.column, s.source) if s.line else s


# -- layout: placing comments and blank lines ---------------------------------------------


def _place(entries: list[_Entry], comments: tuple[m.Comment, ...]) -> tuple[
    dict[int, list[m.Comment]], list[m.Comment]
]:
    """Which entry each comment goes with (in source order), and those after the last."""
    anchored = [i for i, e in enumerate(entries) if e.start]
    placed: dict[int, list[m.Comment]] = {}
    tail: list[m.Comment] = []
    k = 0  # only moves forward, so comments come out in their order
    for c in sorted(comments, key=lambda c: (c.line, c.column)):
        if c.own_line:
            while k < len(anchored) and entries[anchored[k]].end < c.line:
                k += 1
        else:
            while k + 1 < len(anchored) and entries[anchored[k + 1]].start <= c.line:
                k += 1
        if k >= len(anchored):
            tail.append(c)
        else:
            placed.setdefault(anchored[k], []).append(c)
    return placed, tail


def _render(entries: list[_Entry], trivia: m.Trivia | None) -> str:
    """The entries as text; without trivia (a model built in code) the canonical layout."""
    placed, tail = _place(entries, trivia.comments) if trivia else ({}, [])
    blanks = sorted(trivia.blank_lines) if trivia else []

    def blank_between(after: int, before: int, canonical: bool) -> bool:
        if trivia is None or not after or not before:
            return canonical
        i = bisect.bisect_right(blanks, after)
        return i < len(blanks) and blanks[i] < before

    out: list[str] = []
    prev_end = 0
    prev_open = True  # nothing blank at the top of the file

    def comment(c: m.Comment, depth: int) -> None:
        nonlocal prev_end, prev_open
        if not prev_open and blank_between(prev_end, c.line, False):
            out.append("")
        out.append(INDENT * depth + c.text)
        prev_end, prev_open = c.line, False

    for i, e in enumerate(entries):
        mine = placed.get(i, [])
        trailing = None
        if mine and not mine[-1].own_line and e.start and mine[-1].line >= e.start:
            trailing = mine.pop()
        for c in mine:
            comment(c, e.depth + (1 if e.kind == "close" else 0))
        if not prev_open and e.kind != "close" and blank_between(prev_end, e.start, e.blank):
            out.append("")
        lines = [INDENT * e.depth + ln if ln.strip() else "" for ln in e.lines]
        if trailing is not None:
            lines[-1] += "  " + trailing.text
        out.extend(lines)
        prev_end = e.end or prev_end
        prev_open = e.kind == "open"
    for c in tail:
        comment(c, 0)
    return "\n".join(out) + "\n"


def unparse(ruleset: m.Ruleset, comments: bool = True) -> str:
    """The ruleset as canonical text; ``parse(unparse(r)) == r``.

    Args:
        ruleset: the model, parsed or built in code.
        comments: keep the comments and blank-line grouping that ``parse``
            recorded (``ruleset.trivia``); False gives the bare canonical layout.
    """
    # ``parse`` always records a Trivia of its own; NO_TRIVIA means "built in code".
    recorded = comments and ruleset.trivia is not m.NO_TRIVIA
    return _render(_entries(ruleset), ruleset.trivia if recorded else None)
