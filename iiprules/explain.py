"""Explain: ``Outcome``/``Trace`` → text, Markdown or JSON, and conditions in plain English.

Input → output: an evaluated ``Outcome`` (or a model condition and the
snapshot it lives in) → strings. Pure renderers: nothing here evaluates,
prints or reads files.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from iiprules import model as m
from iiprules.check import Snapshot, select, size
from iiprules.evaluate import Decision, Outcome, Trace

# -- conditions in plain English -----------------------------------------------------


def _titles(scope: Snapshot | None) -> dict[str, str]:
    if scope is None:
        return {}
    out: dict[str, str] = {}
    for k, p in scope.parts.items():
        out[f"part:{k}"] = p.title
    for k, t in scope.topics.items():
        out[f"topic:{k}"] = t.title
    for k, i in scope.indicators.items():
        out[f"indicator:{k}"] = i.node.title
    for k, p in scope.principles.items():
        out[f"principle:{k}"] = p.title
    for lv in scope.levels:
        out[f"level:{lv.id}"] = lv.title
    for aw in scope.awards:
        out[f"award:{aw.id}"] = aw.title
    return out


def describe_selection(sel: m.Selection, scope: Snapshot | None = None) -> str:
    """A selection in words: "the Standard", "indicator 4 (Leadership ...)", "4.1 and W4.2"."""
    t = _titles(scope)
    match sel:
        case m.SelPart(part=p):
            return t.get(f"part:{p}", f"part {p}")
        case m.SelIndicator(indicator=i):
            title = t.get(f"indicator:{i}")
            return f"indicator {i}" + (f" ({title})" if title else "")
        case m.SelPrinciple(principle=p):
            return "the " + t.get(f"principle:{p}", p) + " principle"
        case m.SelTopic(topic=tp):
            return "the topic " + t.get(f"topic:{tp}", tp)
        case m.SelList(ids=ids):
            if len(ids) == 1:
                return ids[0]
            return ", ".join(ids[:-1]) + " and " + ids[-1]
        case m.Union_(left=a, right=b):
            return f"{describe_selection(a, scope)} together with {describe_selection(b, scope)}"
        case m.Except(left=a, right=b):
            return f"{describe_selection(a, scope)} other than {describe_selection(b, scope)}"
        case m.Within(left=a, right=b):
            return f"{describe_selection(a, scope)} within {describe_selection(b, scope)}"
    return str(sel)  # pragma: no cover


_OPS = {
    ">=": "at least",
    ">": "more than",
    "<=": "at most",
    "<": "fewer than",
    "=": "exactly",
    "!=": "other than",
}


def _count_phrase(scope: Snapshot | None, sel: m.Selection) -> str:
    if scope is None:
        return ""
    n = size(select(scope, sel))
    return f"{n} "


def describe_cond(c: m.Cond, scope: Snapshot | None = None) -> str:
    """A condition in plain English.

    For example "all 39 requirements of The Standard and at least 26 of The wider
    framework". With a snapshot, selections are counted and titled.
    """
    t = _titles(scope)
    match c:
        case m.Quantified(quant="all", selection=s, credit_years=y):
            n = _count_phrase(scope, s)
            text = f"all {n}requirements of {describe_selection(s, scope)}"
            if n == "1 ":
                text = f"requirement {describe_selection(s, scope)}"
            return text + _credit_words(y)
        case m.Quantified(quant="any", selection=s, credit_years=y):
            return f"any requirement of {describe_selection(s, scope)}" + _credit_words(y)
        case m.Quantified(quant="none", selection=s):
            return f"none of {describe_selection(s, scope)}"
        case m.AtLeast(n=n, selection=s, credit_years=y):
            return f"at least {n} of {describe_selection(s, scope)}" + _credit_words(y)
        case m.AtMost(n=n, selection=s, credit_years=y):
            return f"at most {n} of {describe_selection(s, scope)}" + _credit_words(y)
        case m.CountCmp(selection=s, op=op, n=n):
            return f"{_OPS[op]} {n} of {describe_selection(s, scope)}"
        case m.LevelCmp(op=op, level=lv):
            name = t.get(f"level:{lv}", lv)
            return {
                ">=": f"recognised at {name} or above",
                ">": f"recognised above {name}",
                "=": f"recognised at {name} exactly",
                "<": f"recognised below {name}",
                "<=": f"recognised at {name} or below",
                "!=": f"not recognised at {name}",
            }[op]
        case m.AwardRef(award=a):
            return f"eligible for {t.get(f'award:{a}', a)}"
        case m.FactTrue(fact=f):
            return f"{f.replace('_', ' ')} is true"
        case m.FactCmp(fact=f, op=op, value=v):
            return f"{f.replace('_', ' ')} is {_OPS[op]} {_value(v)}"
        case m.YearsSince(fact=f, op=op, n=n):
            return f"{_OPS[op]} {n} years have passed since {f.replace('_', ' ')}"
        case m.Const(value=v):
            return "always" if v else "never"
        case m.Not(item=i):
            return f"not ({describe_cond(i, scope)})"
        case m.And(items=items):
            return " and ".join(_wrapped(i, scope) for i in items)
        case m.Or(items=items):
            return " or ".join(_wrapped(i, scope) for i in items)
        case m.Implies(premise=a, conclusion=b):
            return f"if {describe_cond(a, scope)}, then {describe_cond(b, scope)}"
    return str(c)  # pragma: no cover


def _wrapped(c: m.Cond, scope: Snapshot | None) -> str:
    text = describe_cond(c, scope)
    return f"({text})" if isinstance(c, (m.And, m.Or, m.Implies)) else text


def _credit_words(years: int | None) -> str:
    if years is None:
        return ""
    return f", counting requirements met at an assessment in the last {years} years"


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


# -- traces -----------------------------------------------------------------------------


def trace_line(t: Trace) -> str:
    """One trace node in words, with its figures: "all 39 of the Standard: 38 met, missing 10.3"."""
    text = (
        describe_cond(t.node)
        if not isinstance(t.node, (m.And, m.Or))
        else ("all of these hold" if isinstance(t.node, m.And) else "one of these holds")
    )
    mark = "yes" if t.holds else "no"
    figures = ""
    if t.count is not None:
        figures = f": {t.count} of {t.total} met"
        if t.missing and not t.holds:
            shown = ", ".join(t.missing[:12]) + (
                f" and {len(t.missing) - 12} more" if len(t.missing) > 12 else ""
            )
            figures += f"; not met: {shown}"
        if t.short and not t.holds:
            figures += "; " + ", ".join(f"{g}: {n} of {s}" for g, n, s in t.short)
    elif t.value is not None:
        figures = f" (is {_value(t.value)})"
    return f"[{mark}] {text}{figures}"


def render_trace(t: Trace, indent: str = "  ") -> list[str]:
    """A trace as an indented tree of lines, without recursion."""
    lines: list[str] = []
    stack: list[tuple[Trace, int]] = [(t, 0)]
    while stack:
        node, depth = stack.pop()
        lines.append(indent * depth + trace_line(node))
        stack.extend((c, depth + 1) for c in reversed(node.children))
    return lines


def _shortfall(d: Decision) -> list[str]:
    """What is missing for a decision that failed, leaf by leaf."""
    out: list[str] = []
    if d.trace is None:
        return out
    stack = [d.trace]
    while stack:
        t = stack.pop()
        if t.holds:
            continue
        if t.children and isinstance(t.node, m.And):
            stack.extend(reversed(t.children))
            continue
        if t.count is not None and t.needed is not None:
            more = _more_needed(t)
            line = describe_cond(t.node)
            if more is not None:
                line += f": {t.count} met, {more} more needed"
            if t.missing and len(t.missing) <= 12:
                line += " (not met: " + ", ".join(t.missing) + ")"
            out.append(line)
        else:
            out.append(trace_line(t)[5:] if t.node is not None else "")
    return out


def _more_needed(t: Trace) -> int | None:
    if t.count is None or t.needed is None:
        return None
    if isinstance(t.node, (m.AtLeast,)) or (
        isinstance(t.node, m.Quantified) and t.node.quant in ("all", "any")
    ):
        return max(t.needed - t.count, 0)
    if isinstance(t.node, m.CountCmp) and t.node.op in (">=", ">"):
        return max(t.needed - t.count + (1 if t.node.op == ">" else 0), 0)
    return None


# -- whole outcomes ---------------------------------------------------------------------


def render_text(o: Outcome) -> str:
    """A short readable report: level, awards, and what is missing for the next level."""
    lines = [
        f"{o.organisation} - assessed on {o.assessed_on.isoformat()}",
        "Rulesets: " + ", ".join(f"{n}@{v}" for n, v in o.rulesets),
        "",
    ]
    lines.append("Level: " + (f"{o.level_title} ({o.level})" if o.level else "not recognised"))
    nxt = o.next_level()
    if nxt is not None:
        lines.append(f"Next level, {nxt.title} ({nxt.id}), needs:")
        lines.extend("  - " + s for s in _shortfall(nxt))
    if o.not_applicable:
        lines.append("Not applicable here: " + ", ".join(o.not_applicable))
    if o.awards:
        lines.append("")
        lines.append("Awards:")
        for a in o.awards:
            mark = "yes" if a.holds else "no "
            lines.append(f"  [{mark}] {a.title} ({a.id}, {a.award_kind})")
            if not a.holds:
                lines.extend("        needs " + s for s in _shortfall(a))
    broken = [i for i in o.invariants if not i.holds]
    for i in broken:
        lines.append(f"! invariant broken: {i.title} ({i.id})")
    return "\n".join(lines) + "\n"


def render_tree(o: Outcome) -> str:
    """The full explanation: every level, award and invariant with its condition tree."""
    lines = [
        f"{o.organisation} - assessed on {o.assessed_on.isoformat()}",
        "Rulesets: " + ", ".join(f"{n}@{v}" for n, v in o.rulesets),
        "Level: " + (f"{o.level_title} ({o.level})" if o.level else "not recognised"),
        "",
    ]
    for title, decisions in (
        ("Levels", o.levels),
        ("Awards", o.awards),
        ("Invariants", o.invariants),
    ):
        if not decisions:
            continue
        lines.append(f"{title}:")
        for d in decisions:
            mark = "yes" if d.holds else "no"
            lines.append(f"  {d.id} - {d.title} [{mark}]  ({d.ruleset})")
            if d.trace is not None:
                lines.extend("    " + x for x in render_trace(d.trace))
        lines.append("")
    if o.derived:
        lines.append(
            "Met through mapping: "
            + (", ".join(k for k, v in sorted(o.derived.items()) if v) or "none")
        )
        unmet = [k for k, v in sorted(o.derived.items()) if not v]
        if unmet:
            lines.append("Not met through mapping: " + ", ".join(unmet))
    if o.not_applicable:
        lines.append("Not applicable: " + ", ".join(o.not_applicable))
    return "\n".join(lines).rstrip() + "\n"


def render_markdown(o: Outcome) -> str:
    """The short report as Markdown."""
    lines = [
        f"# {o.organisation}",
        "",
        f"Assessed on {o.assessed_on.isoformat()} by "
        + ", ".join(f"`{n}@{v}`" for n, v in o.rulesets)
        + ".",
        "",
        "**Level:** " + (f"{o.level_title} (`{o.level}`)" if o.level else "not recognised"),
        "",
        "| Award | Kind | Eligible |",
        "|---|---|---|",
    ]
    for a in o.awards:
        lines.append(f"| {a.title} (`{a.id}`) | {a.award_kind} | {'yes' if a.holds else 'no'} |")
    nxt = o.next_level()
    if nxt is not None:
        lines += ["", f"## Next level: {nxt.title}", ""]
        lines += ["- " + s for s in _shortfall(nxt)]
    return "\n".join(lines) + "\n"


def render_json(o: Outcome, explanation: bool = True) -> str:
    """The outcome as JSON (the shape of ``Outcome.to_dict``)."""
    return json.dumps(o.to_dict(explanation), indent=2, ensure_ascii=False) + "\n"


def summary(outcomes: list[Outcome]) -> Mapping[str, Any]:
    """Counts per level and per award over many outcomes."""
    levels: dict[str, int] = {}
    awards: dict[str, int] = {}
    for o in outcomes:
        levels[o.level or "none"] = levels.get(o.level or "none", 0) + 1
        for a in o.awards:
            awards[a.id] = awards.get(a.id, 0) + int(a.holds)
    return {"organisations": len(outcomes), "levels": levels, "awards": awards}
