"""The thin transformer: a Lark tree → model nodes, one method per grammar rule.

Input → output: the parse tree of ``grammar/rules.lark`` → ``model.Ruleset``.
Each method turns Lark's ``meta`` into a ``Span`` and builds one node
(python-hcl2's ``transformer.py``). It never validates and never raises (style
A2/A3), and it is ``Transformer_NonRecursive`` so that deep nesting cannot
overflow the stack (style A4).
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from typing import Any

from attrs import frozen
from lark import Token, Transformer_NonRecursive, v_args

from iiprules import model as m


@frozen
class Clause:
    """A keyword clause holding a plain string (title, doc, text) and where it was written."""

    key: str
    value: str
    span: m.Span


def string_value(tok: str) -> str:
    if tok.startswith('"""'):
        body = tok[3:-3]
        if body.startswith("\n"):
            body = body[1:]
        return textwrap.dedent(body).strip()
    return re.sub(
        r"\\(.)", lambda mo: {"n": "\n", "t": "\t"}.get(mo.group(1), mo.group(1)), tok[1:-1]
    )


@v_args(meta=True)
class Builder(Transformer_NonRecursive):  # type: ignore[type-arg]
    """One method per grammar rule; each builds one node with its span."""

    def __init__(self, path: str, text: str) -> None:
        super().__init__(visit_tokens=True)
        self._path = path
        self._text = text

    def _span(self, meta: Any) -> m.Span:
        if getattr(meta, "empty", True):
            return m.Span(self._path, 0, 0, 0, 0, self._text)
        return m.Span(
            self._path, meta.line, meta.column, meta.end_line, meta.end_column, self._text
        )

    # tokens
    def STRING(self, tok: Token) -> str:  # noqa: N802 - Lark names terminal callbacks so
        return string_value(str(tok))

    def INT(self, tok: Token) -> int:  # noqa: N802
        return int(tok)

    def DATE(self, tok: Token) -> dt.date:  # noqa: N802
        return dt.date.fromisoformat(str(tok))

    def ID(self, tok: Token) -> str:  # noqa: N802
        return str(tok)

    def CMP(self, tok: Token) -> str:  # noqa: N802
        return str(tok)

    # keyword sets
    def _keyword(self, meta: Any, children: list[Any]) -> str:
        return str(children[0])

    confidence = who = kind = type = quant = kindword = _keyword

    def bool(self, meta: Any, children: list[Any]) -> bool:
        return str(children[0]) == "true"

    def literal(self, meta: Any, children: list[Any]) -> m.Value:
        return children[0]  # type: ignore[no-any-return]

    # shared clauses
    def start(self, meta: Any, children: list[Any]) -> m.Ruleset:
        return children[0]  # type: ignore[no-any-return]

    def title(self, meta: Any, children: list[Any]) -> Clause:
        return Clause("title", children[0], self._span(meta))

    def doc(self, meta: Any, children: list[Any]) -> Clause:
        return Clause("doc", children[0], self._span(meta))

    def source(self, meta: Any, children: list[Any]) -> m.Source:
        conf = children[1] if len(children) > 1 else None
        return m.Source(children[0], conf, span=self._span(meta))

    def meta(self, meta: Any, children: list[Any]) -> m.Meta:
        clauses = {c.key: c for c in children if isinstance(c, Clause)}
        sources = tuple(c for c in children if isinstance(c, m.Source))
        title, doc = clauses.get("title"), clauses.get("doc")
        return m.Meta(
            title.value if title else None,
            doc.value if doc else None,
            sources,
            span=self._span(meta),
            title_span=title.span if title else m.NO_SPAN,
            doc_span=doc.span if doc else m.NO_SPAN,
        )

    def uses(self, meta: Any, children: list[Any]) -> m.Uses:
        op, ver = (children[1], children[2]) if len(children) == 3 else (None, None)
        return m.Uses(children[0], op, ver, span=self._span(meta))

    def ruleset(self, meta: Any, children: list[Any]) -> m.Ruleset:
        name, meta_, *rest = children
        uses = next((c for c in rest if isinstance(c, m.Uses)), None)
        amends = next((c for c in rest if isinstance(c, m.Amends)), None)
        versions = tuple(c for c in rest if isinstance(c, m.Version))
        return m.Ruleset(name, versions, meta_, uses, span=self._span(meta), amends=amends)

    def amends(self, meta: Any, children: list[Any]) -> m.Amends:
        return m.Amends(children[0], children[2], span=self._span(meta))

    def AT_SIGN(self, tok: Token) -> str:  # noqa: N802
        return str(tok)

    def until(self, meta: Any, children: list[Any]) -> tuple[str, dt.date]:
        return ("until", children[0])

    def version(self, meta: Any, children: list[Any]) -> m.Version:
        label, effective, *rest = children
        until = None
        if rest and isinstance(rest[0], tuple):
            until = rest.pop(0)[1]
        meta_, *items = rest
        return m.Version(label, effective, until, meta_, tuple(items), span=self._span(meta))

    # structure
    def block(self, meta: Any, children: list[Any]) -> m.Meta:
        return children[0]  # type: ignore[no-any-return]

    def part(self, meta: Any, children: list[Any]) -> m.Part:
        meta_ = children[2] if len(children) > 2 else m.EMPTY_META
        return m.Part(children[0], children[1], meta_, span=self._span(meta))

    def topic(self, meta: Any, children: list[Any]) -> m.Topic:
        meta_ = children[2] if len(children) > 2 else m.EMPTY_META
        return m.Topic(children[0], children[1], meta_, span=self._span(meta))

    def principle(self, meta: Any, children: list[Any]) -> m.Principle:
        id_, title, meta_, *indicators = children
        return m.Principle(id_, title, meta_, tuple(indicators), span=self._span(meta))

    def indicator(self, meta: Any, children: list[Any]) -> m.Indicator:
        id_, title, meta_, *rest = children
        maps = None
        if rest and isinstance(rest[0], tuple):
            maps = rest.pop(0)[1]
        return m.Indicator(id_, title, meta_, maps, tuple(rest), span=self._span(meta))

    def in_part(self, meta: Any, children: list[Any]) -> tuple[str, str]:
        return ("part", children[0])

    def by(self, meta: Any, children: list[Any]) -> tuple[str, tuple[str, ...]]:
        return ("by", tuple(children))

    def in_topic(self, meta: Any, children: list[Any]) -> tuple[str, str]:
        return ("topic", children[0])

    def text(self, meta: Any, children: list[Any]) -> Clause:
        return Clause("text", children[0], self._span(meta))

    def applies(self, meta: Any, children: list[Any]) -> tuple[str, m.Cond]:
        return ("applies", children[0])

    def maps(self, meta: Any, children: list[Any]) -> tuple[str, m.Selection]:
        return ("maps", children[0])

    def requirement(self, meta: Any, children: list[Any]) -> m.Requirement:
        id_ = children[0]
        fields = dict(c for c in children[1:] if isinstance(c, tuple))  # type: ignore[var-annotated]
        text = next(c for c in children if isinstance(c, Clause))
        meta_ = next(c for c in children if isinstance(c, m.Meta))
        return m.Requirement(
            id_,
            fields["part"],
            text.value,
            fields.get("by", ()),
            fields.get("topic"),
            meta_,
            fields.get("applies"),
            fields.get("maps"),
            span=self._span(meta),
            text_span=text.span,
        )

    def unnamed(self, meta: Any, children: list[Any]) -> m.Unnamed:
        count, id_, (_, part), *rest = children
        meta_ = rest[0] if rest else m.EMPTY_META
        return m.Unnamed(id_, count, part, meta_, span=self._span(meta))

    def default(self, meta: Any, children: list[Any]) -> tuple[str, m.Value]:
        return ("default", children[0])

    def fact(self, meta: Any, children: list[Any]) -> m.Fact:
        id_, type_, *rest = children
        default = next((c[1] for c in rest if isinstance(c, tuple)), None)
        meta_ = next((c for c in rest if isinstance(c, m.Meta)), m.EMPTY_META)
        return m.Fact(id_, type_, default, meta_, span=self._span(meta))

    # decisions
    def level(self, meta: Any, children: list[Any]) -> m.Level:
        id_, title, meta_, cond = children
        return m.Level(id_, title, cond, meta_, span=self._span(meta))

    def award(self, meta: Any, children: list[Any]) -> m.Award:
        id_, kind, title, meta_, cond = children
        return m.Award(id_, kind, title, cond, meta_, span=self._span(meta))

    def invariant(self, meta: Any, children: list[Any]) -> m.Invariant:
        id_, title, meta_, cond = children
        return m.Invariant(id_, title, cond, meta_, span=self._span(meta))

    # examples
    def example(self, meta: Any, children: list[Any]) -> m.Example:
        name, *rest = children
        doc = None
        if rest and isinstance(rest[0], Clause):
            doc = rest.pop(0)
        givens = tuple(c for c in rest if not isinstance(c, (m.ExpectLevel, m.ExpectAward)))
        expects = tuple(c for c in rest if isinstance(c, (m.ExpectLevel, m.ExpectAward)))
        return m.Example(
            name,
            doc.value if doc else None,
            givens,
            expects,
            span=self._span(meta),
            doc_span=doc.span if doc else m.NO_SPAN,
        )

    def given_date(self, meta: Any, children: list[Any]) -> m.GivenDate:
        return m.GivenDate(children[0], span=self._span(meta))

    def given_met(self, meta: Any, children: list[Any]) -> m.GivenMet:
        return m.GivenMet(children[0], span=self._span(meta))

    def given_met_some(self, meta: Any, children: list[Any]) -> m.GivenMet:
        return m.GivenMet(children[1], children[0], span=self._span(meta))

    def given_unmet(self, meta: Any, children: list[Any]) -> m.GivenUnmet:
        return m.GivenUnmet(children[0], span=self._span(meta))

    def given_fact(self, meta: Any, children: list[Any]) -> m.GivenFact:
        return m.GivenFact(children[0], children[1], span=self._span(meta))

    def given_earlier(self, meta: Any, children: list[Any]) -> m.GivenEarlier:
        return m.GivenEarlier(children[0], children[1], span=self._span(meta))

    def expect_level(self, meta: Any, children: list[Any]) -> m.ExpectLevel:
        return m.ExpectLevel(children[0], span=self._span(meta))

    def expect_award(self, meta: Any, children: list[Any]) -> m.ExpectAward:
        return m.ExpectAward(children[0], True, span=self._span(meta))

    def expect_no_award(self, meta: Any, children: list[Any]) -> m.ExpectAward:
        return m.ExpectAward(children[0], False, span=self._span(meta))

    # amendments
    def extend(self, meta: Any, children: list[Any]) -> m.Extend:
        return m.Extend(children[0], tuple(children[1:]), span=self._span(meta))

    def requirement_change(self, meta: Any, children: list[Any]) -> m.Requirement:
        return children[0]  # type: ignore[no-any-return]

    def change(self, meta: Any, children: list[Any]) -> m.Change:
        return m.Change(children[0], span=self._span(meta))

    def remove(self, meta: Any, children: list[Any]) -> m.Remove:
        return m.Remove(children[0], children[1], span=self._span(meta))

    # conditions
    def implies(self, meta: Any, children: list[Any]) -> m.Implies:
        return m.Implies(children[0], children[1], span=self._span(meta))

    def or_(self, meta: Any, children: list[Any]) -> m.Or:
        left, right = children
        items = left.items if isinstance(left, m.Or) else (left,)
        return m.Or((*items, right), span=self._span(meta))

    def and_(self, meta: Any, children: list[Any]) -> m.And:
        left, right = children
        items = left.items if isinstance(left, m.And) else (left,)
        return m.And((*items, right), span=self._span(meta))

    def not_(self, meta: Any, children: list[Any]) -> m.Not:
        return m.Not(children[0], span=self._span(meta))

    def credits(self, meta: Any, children: list[Any]) -> tuple[str, int]:
        return ("credits", children[0])

    def quantified(self, meta: Any, children: list[Any]) -> m.Quantified:
        years = children[2][1] if len(children) > 2 else None
        return m.Quantified(children[0], children[1], years, span=self._span(meta))

    def at_least(self, meta: Any, children: list[Any]) -> m.AtLeast:
        years = children[2][1] if len(children) > 2 else None
        return m.AtLeast(children[0], children[1], years, span=self._span(meta))

    def at_most(self, meta: Any, children: list[Any]) -> m.AtMost:
        years = children[2][1] if len(children) > 2 else None
        return m.AtMost(children[0], children[1], years, span=self._span(meta))

    def count_cmp(self, meta: Any, children: list[Any]) -> m.CountCmp:
        return m.CountCmp(children[0], children[1], children[2], span=self._span(meta))

    def level_cmp(self, meta: Any, children: list[Any]) -> m.LevelCmp:
        return m.LevelCmp(children[0], children[1], span=self._span(meta))

    def award_ref(self, meta: Any, children: list[Any]) -> m.AwardRef:
        return m.AwardRef(children[0], span=self._span(meta))

    def fact_true(self, meta: Any, children: list[Any]) -> m.FactTrue:
        return m.FactTrue(children[0], span=self._span(meta))

    def fact_cmp(self, meta: Any, children: list[Any]) -> m.FactCmp:
        return m.FactCmp(children[0], children[1], children[2], span=self._span(meta))

    def years_since(self, meta: Any, children: list[Any]) -> m.YearsSince:
        return m.YearsSince(children[0], children[1], children[2], span=self._span(meta))

    def const(self, meta: Any, children: list[Any]) -> m.Const:
        return m.Const(children[0], span=self._span(meta))

    # selections
    def union(self, meta: Any, children: list[Any]) -> m.Union_:
        return m.Union_(children[0], children[1], span=self._span(meta))

    def except_(self, meta: Any, children: list[Any]) -> m.Except:
        return m.Except(children[0], children[1], span=self._span(meta))

    def within(self, meta: Any, children: list[Any]) -> m.Within:
        return m.Within(children[0], children[1], span=self._span(meta))

    def sel_part(self, meta: Any, children: list[Any]) -> m.SelPart:
        return m.SelPart(children[0], span=self._span(meta))

    def sel_indicator(self, meta: Any, children: list[Any]) -> m.SelIndicator:
        return m.SelIndicator(children[0], span=self._span(meta))

    def sel_principle(self, meta: Any, children: list[Any]) -> m.SelPrinciple:
        return m.SelPrinciple(children[0], span=self._span(meta))

    def sel_topic(self, meta: Any, children: list[Any]) -> m.SelTopic:
        return m.SelTopic(children[0], span=self._span(meta))

    def sel_list(self, meta: Any, children: list[Any]) -> m.SelList:
        return m.SelList(tuple(children), span=self._span(meta))

