"""The references pass: every name used must exist, with the right type.

Input → output: (scope, own snapshot) → diagnostics for unknown parts,
indicators, requirements, levels, awards and facts, type mismatches of facts,
and examples that do not fit their version.
"""

from __future__ import annotations

import datetime as dt

from iiprules import model as m
from iiprules._check.scope import BUILTIN_FACTS, MAX_DEPTH, Snapshot
from iiprules._check.sink import Sink, id_in_list_span, id_span
from iiprules._check.walk import all_conditions, depth, select, walk_cond, walk_selection
from iiprules.diagnostics import did_you_mean


def pass_references(scope: Snapshot, own: Snapshot, sink: Sink) -> None:
    """Every name a condition, selection, requirement or example uses must exist."""
    for r in own.requirements.values():
        node = r.node
        if node.part not in scope.parts:
            sink.error(
                "IIP220",
                f"requirement '{node.id}' is in unknown part '{node.part}'",
                id_span(node),
                did_you_mean(node.part, scope.parts) or _declare_hint("part"),
            )
        if isinstance(node, m.Requirement) and node.topic and node.topic not in scope.topics:
            sink.error(
                "IIP220",
                f"requirement '{node.id}' has unknown topic '{node.topic}'",
                id_span(node),
                did_you_mean(node.topic, scope.topics) or _declare_hint("topic"),
            )
        if isinstance(node, m.Unnamed) and node.count < 1:
            sink.error("IIP231", f"unnamed group '{node.id}' must count at least 1", id_span(node))
        if r.maps is not None:
            check_selection(scope, r.maps, sink)
    for _owner, cond in all_conditions(scope):
        check_cond(scope, cond, sink)
    for ex in own.examples:
        check_example(scope, own, ex, sink)


def _declare_hint(word: str) -> str:
    return f'declare it first: {word} <id> "<title>"'


def check_selection(scope: Snapshot, sel: m.Selection, sink: Sink) -> None:
    for s in walk_selection(sel):
        match s:
            case m.SelPart(part=p) if p not in scope.parts:
                sink.error("IIP221", f"unknown part '{p}'", s.span, did_you_mean(p, scope.parts))
            case m.SelIndicator(indicator=i) if i not in scope.indicators:
                sink.error(
                    "IIP221", f"unknown indicator '{i}'", s.span, did_you_mean(i, scope.indicators)
                )
            case m.SelPrinciple(principle=p) if p not in scope.principles:
                sink.error(
                    "IIP221", f"unknown principle '{p}'", s.span, did_you_mean(p, scope.principles)
                )
            case m.SelTopic(topic=t) if t not in scope.topics:
                sink.error("IIP221", f"unknown topic '{t}'", s.span, did_you_mean(t, scope.topics))
            case m.SelList(ids=ids):
                seen: set[str] = set()
                for id_ in ids:
                    if id_ not in scope.requirements:
                        _unknown_requirement(scope, s, id_, sink)
                    if id_ in seen:
                        sink.warning(
                            "IIP223",
                            f"requirement '{id_}' is listed twice",
                            id_in_list_span(s, id_),
                        )
                    seen.add(id_)


def _unknown_requirement(scope: Snapshot, sel: m.SelList, id_: str, sink: Sink) -> None:
    """IIP222 with the caret on the one id, saying where it was looked for."""
    span = id_in_list_span(sel, id_)
    base = scope.base
    if base is not None and id_ in sink.removed:
        sink.error(
            "IIP222",
            f"'{id_}' is not declared in {base.ruleset}.rules@{base.label} any more "
            "(removed in this change)",
            span,
            f"put '{id_}' back in {base.ruleset}.rules, or take it out of this list",
        )
        return
    hint = did_you_mean(id_, scope.requirements)
    if base is not None and hint is None:
        sink.error(
            "IIP222",
            f"'{id_}' is not declared here nor in {base.ruleset}.rules@{base.label}, "
            "which this ruleset uses",
            span,
            "declare it, or take it out of this list",
        )
        return
    sink.error("IIP222", f"unknown requirement '{id_}'", span, hint)


def check_cond(scope: Snapshot, cond: m.Cond, sink: Sink) -> None:
    if depth(cond) > MAX_DEPTH:
        sink.error(
            "IIP240",
            f"condition nested deeper than {MAX_DEPTH} levels",
            cond.span,
            "split it into named levels or awards",
        )
        return
    for c in walk_cond(cond):
        match c:
            case m.Quantified() | m.AtLeast() | m.AtMost() | m.CountCmp():
                check_selection(scope, c.selection, sink)
            case m.LevelCmp(level=lv) if lv not in {x.id for x in scope.levels}:
                sink.error(
                    "IIP224",
                    f"unknown level '{lv}'",
                    c.span,
                    did_you_mean(lv, [x.id for x in scope.levels]),
                )
            case m.AwardRef(award=a) if a not in {x.id for x in scope.awards}:
                sink.error(
                    "IIP225",
                    f"unknown award '{a}'",
                    c.span,
                    did_you_mean(a, [x.id for x in scope.awards]),
                )
            case m.FactTrue() | m.FactCmp() | m.YearsSince():
                check_fact_use(scope, c, sink)


def all_facts(scope: Snapshot) -> dict[str, m.Fact]:
    return {**BUILTIN_FACTS, **scope.facts}


def check_fact_use(scope: Snapshot, c: m.FactTrue | m.FactCmp | m.YearsSince, sink: Sink) -> None:
    facts = all_facts(scope)
    fact = facts.get(c.fact)
    if fact is None:
        sink.error(
            "IIP226",
            f"unknown fact '{c.fact}'",
            c.span,
            did_you_mean(c.fact, facts) or "declare it: fact <name>: boolean|number|date",
        )
        return
    if isinstance(c, m.FactTrue) and fact.type != "boolean":
        sink.error(
            "IIP230",
            f"fact '{c.fact}' is a {fact.type}, not a yes/no fact",
            c.span,
            f"compare it, e.g. {c.fact} >= ...",
        )
    elif isinstance(c, m.YearsSince) and fact.type != "date":
        sink.error(
            "IIP230", f"'years since' needs a date fact; '{c.fact}' is a {fact.type}", c.span
        )
    elif isinstance(c, m.FactCmp):
        got = value_type(c.value)
        if got != fact.type:
            sink.error("IIP230", f"fact '{c.fact}' is a {fact.type}, compared with a {got}", c.span)
        elif fact.type == "boolean" and c.op not in ("=", "!="):
            sink.error(
                "IIP230", f"yes/no fact '{c.fact}' can only be compared with = or !=", c.span
            )


def value_type(value: m.Value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "number"
    if isinstance(value, dt.date):
        return "date"
    return "text"


def pass_applies(scope: Snapshot, own: Snapshot, sink: Sink) -> None:
    """'applies when' is decided before any level or award, so it cannot refer to them."""
    for r in own.requirements.values():
        node = r.node
        if not isinstance(node, m.Requirement) or node.applies is None:
            continue
        for c in walk_cond(node.applies):
            if isinstance(c, (m.LevelCmp, m.AwardRef)):
                sink.error(
                    "IIP237",
                    f"requirement '{node.id}' applies depending on a "
                    f"{'level' if isinstance(c, m.LevelCmp) else 'award'}, which is decided "
                    "after the requirements",
                    c.span,
                    "applicability can depend only on facts about the organisation",
                )


def pass_facts(scope: Snapshot, own: Snapshot, sink: Sink) -> None:
    """A fact's default must have the fact's type."""
    for f in own.facts.values():
        if f.id in BUILTIN_FACTS:
            sink.error("IIP201", f"fact '{f.id}' is built in and cannot be declared", f.span)
        if f.default is not None and value_type(f.default) != f.type:
            sink.error(
                "IIP230",
                f"fact '{f.id}' is a {f.type} but its default is a {value_type(f.default)}",
                f.span,
            )


def check_example(scope: Snapshot, own: Snapshot, ex: m.Example, sink: Sink) -> None:
    for g in ex.givens:
        match g:
            case m.GivenMet() | m.GivenUnmet() | m.GivenEarlier():
                check_selection(scope, g.selection, sink)
                for rid, r in select(scope, g.selection).items():
                    if (
                        r.maps is not None
                        and isinstance(g, (m.GivenMet, m.GivenEarlier))
                        and isinstance(g.selection, m.SelList)
                    ):
                        sink.error(
                            "IIP242",
                            f"example '{ex.name}' lists '{rid}', which is met through its mapping",
                            g.span,
                            "list the framework requirements it maps to instead",
                        )
            case m.GivenFact(fact=f, value=v):
                fact = all_facts(scope).get(f)
                if fact is None:
                    sink.error(
                        "IIP226", f"unknown fact '{f}'", g.span, did_you_mean(f, all_facts(scope))
                    )
                elif value_type(v) != fact.type:
                    sink.error(
                        "IIP230", f"fact '{f}' is a {fact.type}, given a {value_type(v)}", g.span
                    )
            case m.GivenDate(date=d) if not own.in_force(d):
                sink.error(
                    "IIP241",
                    f"example '{ex.name}' is dated {d}, when version {own.label} is not in force",
                    g.span,
                    f"version {own.label} is in force from {own.effective}"
                    + (f" to {own.until}" if own.until else ""),
                )
    level_ids = {lv.id for lv in scope.levels} | {"none"}
    for e in ex.expects:
        if isinstance(e, m.ExpectLevel) and e.level not in level_ids:
            sink.error(
                "IIP224", f"unknown level '{e.level}'", e.span, did_you_mean(e.level, level_ids)
            )
        if isinstance(e, m.ExpectAward) and e.award not in {a.id for a in scope.awards}:
            sink.error(
                "IIP225",
                f"unknown award '{e.award}'",
                e.span,
                did_you_mean(e.award, [a.id for a in scope.awards]),
            )

