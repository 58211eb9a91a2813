"""Explain: ``Outcome``/``Trace`` → text, Markdown or JSON, and conditions in plain English.

Input → output: an evaluated ``Outcome`` (or a model condition and the
snapshot it lives in) → strings. Pure renderers: nothing here evaluates,
prints or reads files. ``recognition_history`` reads an ``Evidence``'s earlier
assessments into the "Recognition history" line the renderers add when given
the evidence (the ``Outcome`` does not carry the history).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Mapping
from typing import Any

from attrs import frozen

from iiprules import model as m
from iiprules.check import RECOGNITION_YEARS, Snapshot, select, size
from iiprules.evaluate import Decision, Outcome, Trace, history_facts, titles_of
from iiprules.evidence import Evidence

# -- conditions in plain English -----------------------------------------------------


def _titles(scope: Snapshot | None) -> dict[str, str]:
    return titles_of(scope) if scope is not None else {}


def describe_selection(
    sel: m.Selection, scope: Snapshot | None = None, titles: Mapping[str, str] | None = None
) -> str:
    """A selection in words: "the Standard", "indicator 4 (Leadership ...)", "4.1 and W4.2"."""
    t = titles if titles is not None else _titles(scope)
    match sel:
        case m.SelPart(part=p):
            return _in_sentence(t.get(f"part:{p}", f"part {p}"))
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
            return (
                f"{describe_selection(a, scope, t)} together with {describe_selection(b, scope, t)}"
            )
        case m.Except(left=a, right=b):
            return f"{describe_selection(a, scope, t)} other than {describe_selection(b, scope, t)}"
        case m.Within(left=a, right=b):
            return f"{describe_selection(a, scope, t)} within {describe_selection(b, scope, t)}"
    return str(sel)  # pragma: no cover


def _in_sentence(title: str) -> str:
    """A title as it reads inside a sentence: "The Standard" → "the Standard"."""
    return "the" + title[3:] if title.startswith("The ") else title


_OPS = {
    ">=": "at least",
    ">": "more than",
    "<=": "at most",
    "<": "fewer than",
    "=": "exactly",
    "!=": "other than",
}


def _fact_words(fact: str) -> str:
    return fact.replace("_", " ")


_DATE_OPS = {
    ">=": "on or after",
    ">": "after",
    "<=": "on or before",
    "<": "before",
    "=": "on",
    "!=": "not on",
}


def _fact_cmp_words(fact: str, op: str, value: Any) -> str:
    """A fact compared with a value, as a phrase that reads after "needs".

    Numbers read as a quantity ("at least 3 consecutive recognitions", "at least 2
    employees"), dates as a time ("previous assessed on on or after 2009-05-01" would
    be template grammar, so: "previous assessed on: on or after 2009-05-01"), and
    anything else as "<fact> <comparison> <value>".
    """
    words = _fact_words(fact)
    if isinstance(value, bool):
        return f"\"{words}\" {'is' if op == '=' else 'is not'} {'yes' if value else 'no'}"
    if isinstance(value, (int, float)):
        return f"{_OPS[op]} {_value(value)} {words}"
    if hasattr(value, "isoformat"):
        return f"{words}: {_DATE_OPS[op]} {_value(value)}"
    return f"{words} {_OPS[op]} {_value(value)}"


def _count_phrase(scope: Snapshot | None, sel: m.Selection) -> str:
    if scope is None:
        return ""
    n = size(select(scope, sel))
    return f"{n} "


def describe_cond(
    c: m.Cond, scope: Snapshot | None = None, titles: Mapping[str, str] | None = None
) -> str:
    """A condition in plain English.

    For example "all 39 requirements of The Standard and at least 26 of The wider
    framework". With a snapshot, selections are counted and titled; with ``titles``
    (an outcome's), they are titled.
    """
    t = titles if titles is not None else _titles(scope)
    match c:
        case m.Quantified(quant="all", selection=s, credit_years=y):
            n = _count_phrase(scope, s)
            text = f"all {n}requirements of {describe_selection(s, scope, t)}"
            if n == "1 ":
                text = f"requirement {describe_selection(s, scope, t)}"
            return text + _credit_words(y)
        case m.Quantified(quant="any", selection=s, credit_years=y):
            return f"any requirement of {describe_selection(s, scope, t)}" + _credit_words(y)
        case m.Quantified(quant="none", selection=s):
            return f"none of {describe_selection(s, scope, t)}"
        case m.AtLeast(n=n, selection=s, credit_years=y):
            return f"at least {n} of {describe_selection(s, scope, t)}" + _credit_words(y)
        case m.AtMost(n=n, selection=s, credit_years=y):
            return f"at most {n} of {describe_selection(s, scope, t)}" + _credit_words(y)
        case m.CountCmp(selection=s, op=op, n=n):
            return f"{_OPS[op]} {n} of {describe_selection(s, scope, t)}"
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
            return f"the award {t.get(f'award:{a}', a)}"
        case m.FactTrue(fact=f):
            return f"a \"yes\" for \"{_fact_words(f)}\""
        case m.FactCmp(fact=f, op=op, value=v):
            return _fact_cmp_words(f, op, v)
        case m.YearsSince(fact=f, op=op, n=n):
            return f"{_OPS[op]} {n} years have passed since {f.replace('_', ' ')}"
        case m.Const(value=v):
            return "always" if v else "never"
        case m.Not(item=i):
            return f"not ({describe_cond(i, scope, t)})"
        case m.And(items=items):
            return " and ".join(_wrapped(i, scope, t) for i in items)
        case m.Or(items=items):
            return " or ".join(_wrapped(i, scope, t) for i in items)
        case m.Implies(premise=a, conclusion=b):
            return f"if {describe_cond(a, scope, t)}, then {describe_cond(b, scope, t)}"
    return str(c)  # pragma: no cover


def _wrapped(c: m.Cond, scope: Snapshot | None, t: Mapping[str, str]) -> str:
    text = describe_cond(c, scope, t)
    return f"({text})" if isinstance(c, (m.And, m.Or, m.Implies)) else text


def _credit_words(years: int | None) -> str:
    if years is None:
        return ""
    return f", counting requirements met at an assessment in the last {years} years"


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if hasattr(v, "isoformat"):
        return v.isoformat()  # type: ignore[no-any-return]
    return str(v)


# -- traces -----------------------------------------------------------------------------


def _count_text(t: Trace, titles: Mapping[str, str]) -> str:
    """A counting condition in words, using the trace's figures for the size."""
    node = t.node
    sel = describe_selection(node.selection, None, titles)
    total = t.total or 0
    match node:
        case m.Quantified(quant="all"):
            text = f"all {total} requirements of {sel}" if total != 1 else f"requirement {sel}"
        case m.Quantified(quant="any"):
            text = f"any of {sel}"
        case m.Quantified(quant="none"):
            text = f"none of {sel}"
        case m.AtLeast(n=n):
            text = f"at least {n} of the {total} requirements of {sel}"
        case m.AtMost(n=n):
            text = f"at most {n} of the {total} requirements of {sel}"
        case _:
            text = f"{_OPS[node.op]} {node.n} of the {total} requirements of {sel}"
    if getattr(node, "credit_years", None):
        text += f" (counting credits from the last {node.credit_years} years)"
    return text


def _figures(t: Trace, limit: int = 12) -> str:
    """': 38 met; not met: 10.3' and the like, for a counting trace."""
    figures = f": {t.count} met"
    if t.credited:
        figures += f" ({len(t.credited)} of them credited from an earlier assessment: "
        figures += ", ".join(t.credited) + ")"
    if not t.holds:
        gaps = list(t.missing[:limit])
        if len(t.missing) > limit:
            gaps.append(f"{len(t.missing) - limit} more")
        gaps += [_unnamed_words(g, n, s) for g, n, s in t.short]
        if gaps and not (isinstance(t.node, m.Quantified) and t.node.quant == "none"):
            figures += "; not met: " + ", ".join(gaps)
    return figures


def _unnamed_words(group: str, met: int, size: int) -> str:
    """A shortfall in a counted group whose requirements have no published text."""
    return (
        f"{size - met} of the {size} requirements whose text is not published "
        f"(group {group}: the evidence gives only how many of them are met)"
    )


def trace_line(t: Trace, titles: Mapping[str, str] | None = None) -> str:
    """One trace node in words, with its figures.

    For example "[no] all 39 of The Standard: 38 met; not met: 10.3".
    """
    titles = titles or {}
    mark = "yes" if t.holds else "no"
    if isinstance(t.node, (m.And, m.Or)):
        return f"[{mark}] " + ("all of these" if isinstance(t.node, m.And) else "one of these")
    if t.count is not None:
        return f"[{mark}] {_count_text(t, titles)}{_figures(t)}"
    text = describe_cond(t.node, None, titles)
    if t.value is not None:
        text += f" (given: {_given(t.value)})"
    return f"[{mark}] {text}"


def _given(v: Any) -> str:
    return ("yes" if v else "no") if isinstance(v, bool) else _value(v)


def render_trace(
    t: Trace, indent: str = "  ", titles: Mapping[str, str] | None = None
) -> list[str]:
    """A trace as an indented tree of lines, without recursion."""
    lines: list[str] = []
    stack: list[tuple[Trace, int]] = [(t, 0)]
    while stack:
        node, depth = stack.pop()
        lines.append(indent * depth + trace_line(node, titles))
        stack.extend((c, depth + 1) for c in reversed(node.children))
    return lines


def _shortfall(d: Decision, titles: Mapping[str, str], limit: int | None = 12) -> list[str]:
    """What is missing for a decision that failed, leaf by leaf, as phrases after "needs".

    ``limit`` caps the requirement ids listed per line (None lists them all).
    """
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
            line = _count_text(t, titles)
            more = _more_needed(t)
            line += f": {t.count} met" + (f", so {more} more" if more else "")
            missing = list(t.missing)
            gaps = missing if limit is None else missing[:limit]
            if limit is not None and len(missing) > limit:
                gaps = [*gaps, f"and {len(missing) - limit} more (--all lists them)"]
            gaps += [_unnamed_words(g, n, s) for g, n, s in t.short]
            if gaps:
                line += "; not yet met: " + ", ".join(gaps)
            out.append(line)
        else:
            text = describe_cond(t.node, None, titles)
            if t.value is not None:
                text += f" (given: {_given(t.value)})"
            out.append(text)
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


# -- recognition history ----------------------------------------------------------------


@frozen
class RecognitionHistory:
    """What the earlier assessments on record say about this organisation's recognition.

    ``status`` is one of ``none`` (no earlier assessment on record),
    ``not_recognised`` (no earlier assessment recognised it), ``ended`` (the last
    recognition was followed by an assessment that did not recognise it),
    ``lapsed`` (the last recognition was more than ``years`` years old on the
    assessment date) or ``in_force``. ``reason`` says it in words.
    ``earlier_lapses`` lists earlier recognitions that lapsed before the next
    assessment, as ``(recognised_on, next_assessed_on)``.
    """

    assessed_on: dt.date
    status: str
    reason: str
    previous_on: dt.date | None = None
    previous_level: str | None = None
    previous_ruleset: str | None = None
    last_recognised_on: dt.date | None = None
    lapsed_after: dt.date | None = None
    recognised_since: dt.date | None = None
    consecutive: int = 0
    earlier_lapses: tuple[tuple[dt.date, dt.date], ...] = ()
    years: int = RECOGNITION_YEARS

    @property
    def lapsed(self) -> bool:
        """True when the last earlier recognition had lapsed before this assessment."""
        return self.status == "lapsed"

    def to_dict(self) -> dict[str, Any]:
        """The history as plain JSON-ready data."""

        def iso(d: dt.date | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "status": self.status,
            "lapsed": self.lapsed,
            "reason": self.reason,
            "previous_assessed_on": iso(self.previous_on),
            "previous_level": self.previous_level,
            "previous_ruleset": self.previous_ruleset,
            "last_recognised_on": iso(self.last_recognised_on),
            "lapsed_after": iso(self.lapsed_after),
            "recognised_since": iso(self.recognised_since),
            "consecutive_recognitions": self.consecutive,
            "earlier_lapses": [
                {"recognised_on": a.isoformat(), "next_assessed_on": b.isoformat()}
                for a, b in self.earlier_lapses
            ],
            "recognition_years": self.years,
        }


def _plus_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _span_words(start: dt.date, end: dt.date) -> str:
    """'3 years 5 months', whole months from ``start`` to ``end``."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    y, mo = divmod(max(months, 0), 12)
    parts = [f"{y} year{'s' if y != 1 else ''}"] if y else []
    if mo or not parts:
        parts.append(f"{mo} month{'s' if mo != 1 else ''}")
    return " ".join(parts)


def _recognised(level: str | None) -> bool:
    # As evaluate.history_facts: a record without a level counts as a recognition.
    return level is None or level != "none"


def recognition_history(ev: Evidence, years: int = RECOGNITION_YEARS) -> RecognitionHistory:
    """Read the evidence's earlier assessments: previous one, last recognition, lapses.

    A recognition lasts at most ``years`` years (domain.md §2): it has lapsed when
    the next assessment comes later than that. The run of consecutive recognitions
    is the one the built-in facts use (``evaluate.history_facts``).

    Args:
        ev: the organisation's evidence, with its ``history``.
        years: how long a recognition lasts (``check.RECOGNITION_YEARS``).
    """
    on = ev.assessed_on
    earlier = sorted((h for h in ev.history if h.assessed_on <= on), key=lambda h: h.assessed_on)
    if not earlier:
        return RecognitionHistory(on, "none", "no earlier assessment on record", years=years)
    facts = history_facts(ev)
    prev = earlier[-1]
    lapses: list[tuple[dt.date, dt.date]] = []
    for a, b in itertools.pairwise(earlier):
        if _recognised(a.level) and _plus_years(a.assessed_on, years) < b.assessed_on:
            lapses.append((a.assessed_on, b.assessed_on))
    recognitions = [h for h in earlier if _recognised(h.level)]
    last = recognitions[-1] if recognitions else None
    common = {
        "previous_on": prev.assessed_on,
        "previous_level": prev.level,
        "previous_ruleset": prev.ruleset,
        "last_recognised_on": last.assessed_on if last else None,
        "recognised_since": facts["recognised_since"],
        "consecutive": facts["consecutive_recognitions"],
        "earlier_lapses": tuple(lapses),
        "years": years,
    }
    recorded = ", ".join(
        x
        for x in (
            f"by {prev.ruleset}" if prev.ruleset else "",
            f"level {prev.level}" if prev.level else "",
        )
        if x
    )
    recorded = f" ({recorded})" if recorded else ""
    head = f"previous assessment {prev.assessed_on.isoformat()}{recorded}"
    if last is None:
        return RecognitionHistory(
            on, "not_recognised", f"{head}; no earlier assessment recognised it", **common
        )
    if last is not prev:
        return RecognitionHistory(
            on,
            "ended",
            f"{head} did not recognise it; its last recognition "
            f"({last.assessed_on.isoformat()}) ended then",
            **common,
        )
    ends = _plus_years(last.assessed_on, years)
    gap = _span_words(last.assessed_on, on)
    if ends < on:
        return RecognitionHistory(
            on,
            "lapsed",
            f"{head}; its recognition had lapsed before this assessment: {gap} had "
            f"passed, and a recognition lasts at most {years} years (it ran out on "
            f"{ends.isoformat()})",
            lapsed_after=ends,
            **common,
        )
    run = facts["consecutive_recognitions"]
    since = facts["recognised_since"]
    text = f"{head}; its recognition, {gap} before, was still in force (within {years} years)"
    if run > 1 and since is not None:
        text += f"; {run} consecutive recognitions since {since.isoformat()}"
    return RecognitionHistory(on, "in_force", text, **common)


def _history_lines(h: RecognitionHistory | None) -> list[str]:
    if h is None:
        return []
    lines = [f"Recognition history: {h.reason}"]
    for a, b in h.earlier_lapses:
        lines.append(
            f"  earlier: the recognition of {a.isoformat()} lapsed before the assessment of "
            f"{b.isoformat()} ({_span_words(a, b)} later)"
        )
    return lines


def _history_of(evidence: Evidence | RecognitionHistory | None) -> RecognitionHistory | None:
    if evidence is None or isinstance(evidence, RecognitionHistory):
        return evidence
    return recognition_history(evidence)


# -- whole outcomes ---------------------------------------------------------------------


_PROPOSAL = re.compile(r"\s*\((?:[^()]*,\s*)?proposal\)|,\s*proposal\b", re.IGNORECASE)


def is_proposal(title: str) -> bool:
    """Whether a ruleset marks this item as a proposal rather than an adopted rule.

    The packaged rulesets mark proposals in the title ("... (proposal)"), and say why in
    the item's doc and assumptions; the reports set them apart on that mark.
    """
    return "proposal" in title.lower()


def plain_title(title: str) -> str:
    """A title without its "(proposal)" mark, for lists already headed as proposals.

    "Good practice in Leadership and Management (extended, proposal)" reads
    "Good practice in Leadership and Management (extended)".
    """
    def keep(m: re.Match[str]) -> str:
        inner = m.group(0)
        if "(" in inner and "," in inner:
            return " (" + inner[inner.index("(") + 1 : inner.rindex(",")].strip() + ")"
        return ""

    return _PROPOSAL.sub(keep, title).strip()


def _long_date(d: dt.date) -> str:
    return f"{d.day} {d.strftime('%B')} {d.year}"


def render_text(
    o: Outcome, evidence: Evidence | RecognitionHistory | None = None, *, all_items: bool = False
) -> str:
    """A short report for a person: level, awards, and what is missing for the next level.

    Every term is said in words once: the level by its title (not its id), requirements
    whose text is not published as such, proposals apart from adopted awards and
    explained once. Long lists of missing requirements are cut at 12 ids unless
    ``all_items``.

    Args:
        o: the outcome.
        evidence: the evidence judged (or its ``recognition_history``); when given, a
            "Recognition history" line says whether an earlier recognition had lapsed.
        all_items: list every missing requirement instead of the first 12.
    """
    limit = None if all_items else 12
    lines = [
        f"{o.organisation}, assessed on {_long_date(o.assessed_on)}",
        "Judged against: " + ", ".join(f"{n} (version {v})" for n, v in o.rulesets),
        "",
    ]
    lines.append(
        "Level reached: " + (o.level_title or o.level if o.level else "not recognised")
    )
    nxt = o.next_level()
    if nxt is not None:
        lines.append(f"For the next level, {nxt.title}, it still needs:")
        lines.extend("  - " + s for s in _shortfall(nxt, o.titles, limit))
    lines.extend(_history_lines(_history_of(evidence)))
    if o.not_applicable:
        lines.append(
            "Not applicable to this organisation (so not counted against it): "
            + ", ".join(o.not_applicable)
        )
    adopted = [a for a in o.awards if not is_proposal(a.title)]
    proposed = [a for a in o.awards if is_proposal(a.title)]
    for heading, awards in (
        ("Awards:", adopted),
        (
            "Proposed awards (options and proposals the rulesets model for review; "
            "not awards Investors in People has adopted):",
            proposed,
        ),
    ):
        if not awards:
            continue
        lines += ["", heading]
        for a in awards:
            title = plain_title(a.title)
            known = not a.award_kind or a.award_kind in title.lower()
            kind = "" if known else f" ({a.award_kind} award)"
            if a.holds:
                lines.append(f"  held:     {title}{kind}")
                continue
            lines.append(f"  not held: {title}{kind}")
            lines.extend("            needs " + s for s in _shortfall(a, o.titles, limit))
    broken = [i for i in o.invariants if not i.holds]
    for i in broken:
        lines.append(f"! a rule of the framework is broken here: {i.title} ({i.id})")
    return "\n".join(lines) + "\n"


def render_tree(o: Outcome, evidence: Evidence | RecognitionHistory | None = None) -> str:
    """The full explanation: every level, award and invariant with its condition tree.

    Args:
        o: the outcome.
        evidence: the evidence judged (or its ``recognition_history``), for the
            "Recognition history" line.
    """
    lines = [
        f"{o.organisation} - assessed on {o.assessed_on.isoformat()}",
        "Rulesets: " + ", ".join(f"{n}@{v}" for n, v in o.rulesets),
        "Level: " + (f"{o.level_title} ({o.level})" if o.level else "not recognised"),
        *_history_lines(_history_of(evidence)),
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
                lines.extend("    " + x for x in render_trace(d.trace, titles=o.titles))
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


def render_markdown(o: Outcome, evidence: Evidence | RecognitionHistory | None = None) -> str:
    """The short report as Markdown (with the recognition history when ``evidence`` is given)."""
    lines = [
        f"# {o.organisation}",
        "",
        f"Assessed on {o.assessed_on.isoformat()} by "
        + ", ".join(f"`{n}@{v}`" for n, v in o.rulesets)
        + ".",
        "",
        "**Level:** " + (f"{o.level_title} (`{o.level}`)" if o.level else "not recognised"),
        "",
    ]
    history = _history_lines(_history_of(evidence))
    if history:
        lines += ["**" + history[0].replace(": ", ":** ", 1)]
        lines += ["- " + x.strip() for x in history[1:]]
        lines += [""]
    lines += [
        "| Award | Kind | Eligible |",
        "|---|---|---|",
    ]
    for a in o.awards:
        lines.append(f"| {a.title} (`{a.id}`) | {a.award_kind} | {'yes' if a.holds else 'no'} |")
    nxt = o.next_level()
    if nxt is not None:
        lines += ["", f"## Next level: {nxt.title}", ""]
        lines += ["- " + s for s in _shortfall(nxt, o.titles)]
    return "\n".join(lines) + "\n"


def render_json(
    o: Outcome,
    explanation: bool = True,
    evidence: Evidence | RecognitionHistory | None = None,
) -> str:
    """The outcome as JSON (the shape of ``Outcome.to_dict``).

    With ``evidence``, a ``recognition_history`` key is added (``RecognitionHistory.to_dict``).
    """
    data = o.to_dict(explanation)
    history = _history_of(evidence)
    if history is not None:
        data["recognition_history"] = history.to_dict()
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def summary(outcomes: list[Outcome]) -> Mapping[str, Any]:
    """Counts per level and per award over many outcomes."""
    levels: dict[str, int] = {}
    awards: dict[str, int] = {}
    for o in outcomes:
        levels[o.level or "none"] = levels.get(o.level or "none", 0) + 1
        for a in o.awards:
            awards[a.id] = awards.get(a.id, 0) + int(a.holds)
    return {"organisations": len(outcomes), "levels": levels, "awards": awards}
