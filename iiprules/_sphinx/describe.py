"""Conditions and selections in plain English, as docutils nodes with cross-references.

Input → output: a model condition or selection and the merged snapshot it is
read in → a list of docutils nodes whose text reads as English ("all 39
requirements of the Standard and at least 26 of the 126 requirements of the
wider framework"), with every requirement, indicator, part, level, award and
fact named in it linked through a ``Link`` callback.

The wording follows ``iiprules.explain.describe_cond`` and refines it for a
reading audience: counts say what they count out of ("26 of the 126"),
titles lose their capital "The" inside a sentence, lists of ids read as lists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from docutils import nodes

from iiprules import model as m
from iiprules.check import Snapshot, select, size

#: Makes a link: (object type, ruleset that declares it, target id, text) → node.
Link = Callable[[str, str, str, str], nodes.Node]

_OPS = {">=": "at least", ">": "more than", "<=": "at most", "<": "fewer than", "=": "exactly",
        "!=": "other than"}
_DATE_OPS = {">=": "on or after", ">": "after", "<=": "on or before", "<": "before", "=": "on",
             "!=": "not on"}
WHO_WORDS = {"top_managers": "top managers", "managers": "managers", "people": "people",
             "representative_groups": "representative groups"}


def text_para(text: str, classes: Iterable[str] = ()) -> nodes.paragraph:
    """A paragraph holding plain text."""
    return nodes.paragraph(text, text, classes=list(classes))


def in_sentence(title: str) -> str:
    """A title as it reads inside a sentence: "The Standard" → "the Standard"."""
    return "the " + title[4:] if title.startswith("The ") else title


def join_words(parts: Iterable[list[nodes.Node]], last: str = "and") -> list[nodes.Node]:
    """Node lists joined as "a, b and c"."""
    items = list(parts)
    out: list[nodes.Node] = []
    for i, item in enumerate(items):
        if i:
            out.append(nodes.Text(f" {last} " if i == len(items) - 1 else ", "))
        out.extend(item)
    return out


def value_words(v: m.Value) -> str:
    """A literal as it reads: true, 2, 2009-05-01, "text"."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, int):
        return str(v)
    return f"“{v}”"


def owner(scope: Snapshot, table: str, key: Any) -> str:
    """The ruleset that declares an item seen through a merged snapshot."""
    base = scope.base
    if base is None:
        return scope.ruleset
    if table in ("levels", "awards", "invariants"):
        items = getattr(base, table)
        return base.ruleset if any(x.id == key for x in items) else scope.ruleset
    base_table = getattr(base, table)
    own_item = getattr(scope, table).get(key)
    if key in base_table and base_table[key] is own_item:
        return base.ruleset
    return scope.ruleset


class Describer:
    """Turns conditions and selections of one merged snapshot into linked English."""

    def __init__(self, scope: Snapshot, link: Link) -> None:
        self.scope = scope
        self.link = link

    # -- small pieces ---------------------------------------------------------------

    def req(self, rid: str) -> nodes.Node:
        """A link to a requirement, by id."""
        info = self.scope.requirements.get(rid)
        return self.link("requirement", info.ruleset if info else self.scope.ruleset, rid, rid)

    def reqs(self, ids: Iterable[str]) -> list[nodes.Node]:
        """Links to requirements, as a list in words."""
        return join_words([self.req(i)] for i in ids)

    def level(self, lid: str) -> nodes.Node:
        """A link to a level, showing its title."""
        title = next((lv.title for lv in self.scope.levels if lv.id == lid), lid)
        return self.link("level", owner(self.scope, "levels", lid), lid, title)

    def award(self, aid: str) -> nodes.Node:
        """A link to an award, showing its title."""
        title = next((a.title for a in self.scope.awards if a.id == aid), aid)
        return self.link("award", owner(self.scope, "awards", aid), aid, title)

    def fact(self, fid: str) -> nodes.Node:
        """A link to a fact, showing its title (``title "the number of employees"``) or name."""
        fact = self.scope.facts.get(fid)
        words = fact.meta.title if fact is not None and fact.meta.title else fid.replace("_", " ")
        return self.link("fact", owner(self.scope, "facts", fid), fid, words)

    def indicator(self, iid: str) -> list[nodes.Node]:
        """Indicator 4 as "indicator 4 (Leadership and management strategy)", the id linked."""
        info = self.scope.indicators.get(iid)
        ruleset = info.ruleset if info else self.scope.ruleset
        out: list[nodes.Node] = [nodes.Text("indicator "),
                                 self.link("indicator", ruleset, iid, iid)]
        if info is not None:
            out.append(nodes.Text(f" ({info.node.title})"))
        return out

    def part(self, pid: str) -> nodes.Node:
        """A link to a part, showing its title as it reads in a sentence."""
        p = self.scope.parts.get(pid)
        return self.link("part", owner(self.scope, "parts", pid), pid,
                         in_sentence(p.title) if p else f"part {pid}")

    # -- selections -----------------------------------------------------------------

    def selection(self, sel: m.Selection) -> list[nodes.Node]:
        """A selection in words: "the Standard", "indicator 4 (...)", "4.1, W4.1 and W4.2"."""
        match sel:
            case m.SelPart(part=p):
                return [self.part(p)]
            case m.SelIndicator(indicator=i):
                return self.indicator(i)
            case m.SelPrinciple(principle=p):
                pr = self.scope.principles.get(p)
                return [nodes.Text(f"the {pr.title if pr else p} principle")]
            case m.SelTopic(topic=t):
                tp = self.scope.topics.get(t)
                return [nodes.Text(f"the topic {in_sentence(tp.title) if tp else t}")]
            case m.SelList(ids=ids):
                return self.reqs(ids)
            case m.Union_(left=a, right=b):
                return [*self.selection(a), nodes.Text(" and "), *self.selection(b)]
            case m.Except(left=a, right=b):
                return [*self.selection(a), nodes.Text(" except "), *self.selection(b)]
            case m.Within(left=a, right=b):
                return [*self.selection(a), nodes.Text(" that are in "), *self.selection(b)]
        raise TypeError(sel)  # pragma: no cover

    def counted(self, lead: str, sel: m.Selection) -> list[nodes.Node]:
        """A count phrase: "at least 26 of the 126 requirements of the wider framework"."""
        if isinstance(sel, m.SelList):
            return [nodes.Text(f"{lead} of "), *self.selection(sel)]
        n = size(select(self.scope, sel))
        noun = "requirement" if n == 1 else "requirements"
        return [nodes.Text(f"{lead} of the {n} {noun} of "), *self.selection(sel)]

    # -- conditions -----------------------------------------------------------------

    def cond(self, c: m.Cond) -> list[nodes.Node]:
        """A condition in plain English, with links."""
        match c:
            case m.Quantified(quant="all", selection=s, credit_years=y):
                if isinstance(s, m.SelList):
                    lead = [nodes.Text("requirement " if len(s.ids) == 1 else "all of "),
                            *self.selection(s)]
                else:
                    n = size(select(self.scope, s))
                    noun = "requirement" if n == 1 else "requirements"
                    lead = [nodes.Text(f"all {n} {noun} of "), *self.selection(s)]
                return lead + self._credits(y)
            case m.Quantified(quant="any", selection=s, credit_years=y):
                return self.counted("at least one", s) + self._credits(y)
            case m.Quantified(quant="none", selection=s):
                return self.counted("none", s)
            case m.AtLeast(n=n, selection=s, credit_years=y):
                return self.counted(f"at least {n}", s) + self._credits(y)
            case m.AtMost(n=n, selection=s, credit_years=y):
                return self.counted(f"at most {n}", s) + self._credits(y)
            case m.CountCmp(selection=s, op=op, n=n):
                return self.counted(f"{_OPS[op]} {n}", s)
            case m.LevelCmp(op=op, level=lv):
                before, after = {
                    ">=": ("recognised at ", " or above"), ">": ("recognised above ", ""),
                    "=": ("recognised at ", " exactly"), "<": ("recognised below ", ""),
                    "<=": ("recognised at ", " or below"), "!=": ("not recognised at ", ""),
                }[op]
                return [nodes.Text(before), self.level(lv), nodes.Text(after)]
            case m.AwardRef(award=a):
                return [nodes.Text("eligible for "), self.award(a)]
            case m.FactTrue(fact=f):
                return [self.fact(f), nodes.Text(" is true")]
            case m.FactCmp(fact=f, op=op, value=v):
                if isinstance(v, bool) and op in ("=", "!="):
                    truth = v if op == "=" else not v
                    return [self.fact(f), nodes.Text(f" is {value_words(truth)}")]
                if isinstance(v, int | float) and not isinstance(v, bool):
                    # A quantity reads "at least 2 employees", not "employees is at least 2".
                    return [nodes.Text(f"{_OPS[op]} {value_words(v)} "), self.fact(f)]
                ops = _DATE_OPS if isinstance(v, dt.date) else _OPS
                return [self.fact(f), nodes.Text(f" is {ops[op]} {value_words(v)}")]
            case m.YearsSince(fact=f, op=op, n=n):
                years = "year" if n == 1 else "years"
                return [nodes.Text(f"{_OPS[op]} {n} {years} have passed since "), self.fact(f)]
            case m.Const(value=v):
                return [nodes.Text("always" if v else "never")]
            case m.Not(item=m.FactTrue(fact=f)):
                return [self.fact(f), nodes.Text(" is false")]
            case m.Not(item=m.AwardRef(award=a)):
                return [nodes.Text("not eligible for "), self.award(a)]
            case m.Not(item=i):
                return [nodes.Text("not ("), *self.cond(i), nodes.Text(")")]
            case m.And(items=items):
                return self._joined(items, " and ")
            case m.Or(items=items):
                return self._joined(items, " or ")
            case m.Implies(premise=a, conclusion=b):
                return [nodes.Text("if "), *self.cond(a), nodes.Text(", then "), *self.cond(b)]
        raise TypeError(c)  # pragma: no cover

    def _joined(self, items: tuple[m.Cond, ...], word: str) -> list[nodes.Node]:
        out: list[nodes.Node] = []
        for i, item in enumerate(items):
            if i:
                out.append(nodes.Text(word))
            inner = self.cond(item)
            if isinstance(item, (m.And, m.Or, m.Implies)):
                inner = [nodes.Text("("), *inner, nodes.Text(")")]
            out.extend(inner)
        return out

    @staticmethod
    def _credits(years: int | None) -> list[nodes.Node]:
        if years is None:
            return []
        return [nodes.Text(f", counting requirements met at an assessment in the last {years} "
                           "years")]
