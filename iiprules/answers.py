"""Answers an assessor needs: plan, why not, critical evidence, pending range, lapse.

Input → output: one organisation's evidence (and the rulesets that judge it) →
frozen result objects (``Plan``, ``WhyNot``, ``Critical``, ``PendingRange``,
``LapseForecast``), each with ``to_dict()`` and ``render()``.

* ``plan`` — the fewest (or cheapest) additional requirements that reach a level
  or an award, exact, with equally good alternatives, or why none can.
* ``why_not`` — for the next level up and each award not reached, the failed
  conditions and the missing requirements with their text and provenance.
* ``critical`` — the requirements whose loss alone would lower the level or lose
  an award.
* ``pending_range`` — with requirements still pending, the lowest and highest
  level and each award's yes / no / undecided, and which pending ones decide it.
* ``lapse_forecast`` — when the current recognition lapses, and which credits
  from earlier assessments expire when.

How ``plan`` and ``pending_range`` stay exact: the conditions of a ruleset
version are compiled into a formula over *groups* of interchangeable
requirements (requirements that every count, mapping and credit window treats
alike and that cost the same), the variable of a group being how many of it are
added. The formula follows the evaluator step by step (applicability, derived
requirements, levels lowest first, awards in dependency order, credits). A
best-first branch and bound then searches boxes of group counts: necessary
bounds are propagated from the count thresholds, an admissible lower bound on
the remaining cost orders the boxes, and a box is split only when its cheapest
point fails. The first box whose cheapest point satisfies the formula is
optimal; equally good boxes give the alternatives. Every answer is checked by
the evaluator itself before it is returned.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs
from attrs import frozen

from iiprules import api
from iiprules import model as m
from iiprules.check import BUILTIN_FACTS, RECOGNITION_YEARS, ReqInfo, Snapshot, select, walk_cond
from iiprules.diagnostics import (
    EvaluationError,
    EvidenceError,
    RulesError,
    RulesetNotFound,
    did_you_mean,
)
from iiprules.evaluate import (
    Evaluator,
    Outcome,
    Trace,
    history_facts,
    whole_years,
    years_before,
)
from iiprules.evidence import Evidence, read_document, validate
from iiprules.evidence import load as load_evidence
from iiprules.explain import describe_cond

#: Alternatives a plan lists by default, besides the answer itself.
DEFAULT_ALTERNATIVES = 3
#: Pending evidence is judged by trying every completion when there are at most
#: this many; beyond, by the solver (bounds stay exact, deciders are those the
#: conditions mention).
PENDING_ENUMERATION_LIMIT = 4096

Number = int | float | Fraction


@attrs.define(auto_exc=True)
class UnknownTarget(RulesetNotFound):
    """The target of a plan is no level or award of the rulesets judging the evidence."""


# =====================================================================================
# Results
# =====================================================================================


def _num(x: Number) -> int | float:
    """A cost as JSON: a whole number when it is one."""
    if isinstance(x, Fraction):
        return int(x) if x.denominator == 1 else float(x)
    return x


def _num_text(x: Number) -> str:
    v = _num(x)
    return str(v)


def _sources_dict(sources: tuple[tuple[str, str | None], ...]) -> list[dict[str, Any]]:
    return [{"reference": r, "confidence": c} for r, c in sources]


def _sources_text(sources: tuple[tuple[str, str | None], ...]) -> str:
    return "; ".join(f"{r} ({c})" if c else r for r, c in sources)


@frozen
class RequirementRef:
    """A requirement as an answer names it: id, text and provenance."""

    id: str
    text: str | None = None
    sources: tuple[tuple[str, str | None], ...] = ()
    pending: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        out: dict[str, Any] = {"id": self.id, "text": self.text}
        out["sources"] = _sources_dict(self.sources)
        if self.pending:
            out["pending"] = True
        return out

    def line(self, with_sources: bool = False) -> str:
        """``1.1 Top managers can describe ... [source (confidence)]``."""
        text = f"{self.id}" + (f" {self.text}" if self.text else "")
        if self.pending:
            text += " (pending)"
        if with_sources and self.sources:
            text += f" [{_sources_text(self.sources)}]"
        return text


@frozen
class Pick:
    """One step of a plan: ``choose`` more of the ``of`` candidates, any of them.

    ``requirements`` are the candidates known by id (declaration order);
    ``unnamed`` the unnamed groups whose unmet members are candidates too, as
    ``(group id, how many of it)``. When ``choose == of``, all of them are needed.
    """

    choose: int
    of: int
    requirements: tuple[RequirementRef, ...]
    unnamed: tuple[tuple[str, int], ...] = ()
    cost_each: Number = 1

    @property
    def all(self) -> bool:
        """True when every candidate is needed."""
        return self.choose == self.of

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "choose": self.choose,
            "of": self.of,
            "all": self.all,
            "requirements": [r.to_dict() for r in self.requirements],
            "unnamed": [{"group": g, "candidates": n} for g, n in self.unnamed],
            "cost_each": _num(self.cost_each),
        }

    def describe(self, limit: int = 12) -> str:
        """The step in words: "any 6 more of these 106: W8.1, ... or 93 of W.other"."""
        names = [r.id + (" (pending)" if r.pending else "") for r in self.requirements]
        if not names and len(self.unnamed) == 1:
            g, n = self.unnamed[0]
            if self.all:
                return f"the {n} unmet requirements of {g} (not known by text)"
            return f"any {self.choose} of the {n} unmet requirements of {g} (not known by text)"
        shown = names[:limit]
        if len(names) > limit:
            shown.append(f"{len(names) - limit} more named")
        pools = [f"{n} of {g} (not known by text)" for g, n in self.unnamed]
        listing = ", ".join(shown + pools)
        if self.all:
            if self.of == 1:
                return f"requirement {listing}"
            return f"all {self.of} of these: {listing}"
        return f"any {self.choose} more of these {self.of}: {listing}"


@frozen
class PlanOption:
    """One way to reach the target: its steps, its cost and how many requirements."""

    picks: tuple[Pick, ...]
    cost: Number
    count: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "cost": _num(self.cost),
            "requirements": self.count,
            "steps": [p.to_dict() for p in self.picks],
        }

    def apply(self, evidence: Evidence) -> Evidence:
        """The evidence with this option's requirements met (the first candidates of each step).

        Named candidates are taken in declaration order before unnamed ones; they
        leave ``pending`` if they were pending there.
        """
        met = set(evidence.met)
        pools = dict(evidence.unnamed_met)
        for p in self.picks:
            left = p.choose
            for r in p.requirements:
                if left == 0:
                    break
                met.add(r.id)
                left -= 1
            for g, n in p.unnamed:
                take = min(left, n)
                pools[g] = pools.get(g, 0) + take
                left -= take
        return attrs.evolve(
            evidence,
            met=frozenset(met),
            unnamed_met=pools,
            pending=evidence.pending - frozenset(met),
        )


@frozen
class Plan:
    """The exact answer to "what do we still need for TARGET?".

    ``options[0]`` is the answer, the rest are equally good alternatives (same
    cost and number of requirements), ranked: fewer steps first, then earlier
    requirements first. ``reachable`` is False when no additional evidence can
    reach the target, and ``reasons`` says why.
    """

    organisation: str
    target: str
    target_kind: str
    target_title: str
    ruleset: str
    reachable: bool
    options: tuple[PlanOption, ...] = ()
    reasons: tuple[str, ...] = ()
    costed: bool = False

    @property
    def already(self) -> bool:
        """True when the evidence already reaches the target."""
        return self.reachable and bool(self.options) and self.options[0].count == 0

    @property
    def best(self) -> PlanOption | None:
        """The answer, or None when unreachable."""
        return self.options[0] if self.options else None

    @property
    def alternatives(self) -> tuple[PlanOption, ...]:
        """The equally good alternatives to the answer."""
        return self.options[1:]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data, in a stable shape."""
        return {
            "organisation": self.organisation,
            "target": {"id": self.target, "kind": self.target_kind, "title": self.target_title},
            "ruleset": self.ruleset,
            "reachable": self.reachable,
            "already_reached": self.already,
            "costed": self.costed,
            "plan": self.options[0].to_dict() if self.options else None,
            "alternatives": [o.to_dict() for o in self.alternatives],
            "reasons": list(self.reasons),
        }

    def render(self) -> str:
        """The plan as text for people."""
        target = f"{self.target_title} ({self.target_kind} '{self.target}')"
        lines = [f"{self.organisation}: plan for {target}", f"Ruleset: {self.ruleset}", ""]
        if not self.reachable:
            lines.append("Unreachable: no additional evidence can reach it, because")
            lines.extend(f"  - {r}" for r in self.reasons)
            return "\n".join(lines) + "\n"
        best = self.options[0]
        if best.count == 0:
            lines.append("Already reached: nothing more is needed.")
            return "\n".join(lines) + "\n"
        what = f"{best.count} more requirement" + ("s" if best.count != 1 else "")
        if self.costed:
            what += f", cost {_num_text(best.cost)}"
        lines.append(f"Needs {what} (the exact minimum):")
        lines.extend(_option_lines(best, detail=True))
        if self.alternatives:
            lines.append("")
            lines.append("Equally good alternatives:")
            for i, o in enumerate(self.alternatives, 1):
                lines.append(f"  {i}. " + "; ".join(p.describe(6) for p in o.picks))
        return "\n".join(lines) + "\n"


def _option_lines(o: PlanOption, detail: bool) -> list[str]:
    lines: list[str] = []
    for p in o.picks:
        cost = f" (cost {_num_text(p.cost_each)} each)" if p.cost_each != 1 else ""
        if p.all and detail and p.requirements and len(p.requirements) <= 12:
            word = "requirement" if p.of == 1 else f"all {p.of} of"
            lines.append(f"  - {word}{cost}:")
            lines.extend(f"      {r.line()}" for r in p.requirements)
            lines.extend(f"      {n} of {g} (not known by text)" for g, n in p.unnamed)
        else:
            lines.append(f"  - {p.describe()}{cost}")
    return lines


@frozen
class FailedCondition:
    """A condition that does not hold, in plain English, with what is missing.

    For counts, ``met``/``needed``/``of`` are the figures and ``more`` how many
    more would do (None when adding cannot help); ``missing`` names the missing
    requirements (those met only through a mapping list, in ``through``, the
    framework requirements behind them), ``unnamed`` the unnamed groups that
    fall short as ``(group, met, size)``. ``through`` groups the missing
    requirements met only through a mapping: ``(their ids, the framework
    requirements their mapping lacks)``. ``one_of`` holds, for a failed "or", the
    failures of each alternative.
    """

    text: str
    met: int | None = None
    needed: int | None = None
    of: int | None = None
    more: int | None = None
    missing: tuple[RequirementRef, ...] = ()
    through: tuple[tuple[tuple[str, ...], tuple[RequirementRef, ...]], ...] = ()
    unnamed: tuple[tuple[str, int, int], ...] = ()
    credited: tuple[str, ...] = ()
    one_of: tuple[tuple[FailedCondition, ...], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        out: dict[str, Any] = {"condition": self.text}
        if self.met is not None:
            out.update({"met": self.met, "needed": self.needed, "of": self.of, "more": self.more})
        if self.missing:
            out["missing"] = [r.to_dict() for r in self.missing]
        if self.through:
            out["through_mappings"] = [
                {"derived": list(ds), "lacks": [r.to_dict() for r in refs]}
                for ds, refs in self.through
            ]
        if self.unnamed:
            out["unnamed_short"] = [{"group": g, "met": n, "of": s} for g, n, s in self.unnamed]
        if self.credited:
            out["credited"] = list(self.credited)
        if self.one_of:
            out["one_of"] = [[c.to_dict() for c in alt] for alt in self.one_of]
        return out

    def lines(self, indent: str = "") -> list[str]:
        """The failure as indented lines of text."""
        head = self.text
        if self.met is not None:
            head += f": {self.met} met"
            if self.more is not None:
                head += f", {self.more} more needed"
        out = [indent + "- " + head]
        for r in self.missing:
            out.append(indent + "    missing " + r.line(with_sources=True))
        behind: dict[str, RequirementRef] = {}
        for ds, refs in self.through:
            their = "its mapping lacks" if len(ds) == 1 else "their mapping lacks"
            lacks = ", ".join(r.id for r in refs)
            out.append(indent + f"    {', '.join(ds)}: met through a mapping; {their} {lacks}")
            behind.update((r.id, r) for r in refs)
        if behind:
            out.append(indent + "    where:")
            for rid in sorted(behind, key=_natural):
                out.append(indent + "      " + behind[rid].line(with_sources=True))
        for g, n, s in self.unnamed:
            out.append(indent + f"    {s - n} of the {s} of {g} not known by text are not met")
        for i, alt in enumerate(self.one_of, 1):
            out.append(indent + f"    option {i}:")
            for c in alt:
                out.extend(c.lines(indent + "      "))
        return out


@frozen
class Shortfall:
    """Why one level or award is not reached."""

    id: str
    kind: str
    title: str
    ruleset: str
    failed: tuple[FailedCondition, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "ruleset": self.ruleset,
            "failed": [f.to_dict() for f in self.failed],
        }


@frozen
class WhyNot:
    """Why the next level up and each award not reached are not reached."""

    organisation: str
    level: str | None
    level_title: str | None
    shortfalls: tuple[Shortfall, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "organisation": self.organisation,
            "level": self.level,
            "why_not": [s.to_dict() for s in self.shortfalls],
        }

    def render(self) -> str:
        """Plain English, one block per level or award."""
        lines = [
            f"{self.organisation}: "
            + (f"recognised at {self.level_title}" if self.level else "not recognised"),
        ]
        if not self.shortfalls:
            lines.append("Nothing higher to reach: the top level and every award are reached.")
        for s in self.shortfalls:
            lines.append("")
            what = "Next level" if s.kind == "level" else "Award"
            lines.append(f"{what} {s.title} ({s.id}) is not reached:")
            for f in s.failed:
                lines.extend(f.lines("  "))
        return "\n".join(lines) + "\n"


@frozen
class CriticalItem:
    """A piece of evidence whose loss alone changes the outcome, and what is lost.

    ``kind`` is ``met`` (a requirement met at this assessment), ``unnamed`` (one of
    the requirements of an unnamed group met) or ``credit`` (a requirement counted
    as a credit from an earlier assessment).
    """

    requirement: RequirementRef
    kind: str
    level_after: str | None
    level_after_title: str | None
    level_lowered: bool
    awards_lost: tuple[tuple[str, str], ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "requirement": self.requirement.to_dict(),
            "kind": self.kind,
            "level_after": self.level_after if self.level_lowered else None,
            "level_lowered": self.level_lowered,
            "awards_lost": [a for a, _t in self.awards_lost],
        }

    def losses(self) -> str:
        """What is lost, in words."""
        parts = []
        if self.level_lowered:
            parts.append(
                "level falls to "
                + (self.level_after_title if self.level_after_title else "not recognised")
            )
        parts.extend(f"loses {t} ({a})" for a, t in self.awards_lost)
        return "; ".join(parts)


@frozen
class Critical:
    """The requirements whose loss alone lowers the level or loses an award."""

    organisation: str
    level: str | None
    level_title: str | None
    awards: tuple[str, ...]
    items: tuple[CriticalItem, ...]
    checked: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "organisation": self.organisation,
            "level": self.level,
            "awards": list(self.awards),
            "checked": self.checked,
            "critical": [i.to_dict() for i in self.items],
        }

    def render(self) -> str:
        """Text for assessors choosing what to sample."""
        lines = [
            f"{self.organisation}: "
            + (f"recognised at {self.level_title}" if self.level else "not recognised")
            + (f"; awards: {', '.join(self.awards)}" if self.awards else "; no awards"),
            f"{len(self.items)} of {self.checked} pieces of evidence are critical"
            + (" (losing any one alone changes the outcome):" if self.items else "."),
        ]
        for i in self.items:
            if i.kind == "unnamed":
                lines.append(
                    f"  - any one of the requirements of {i.requirement.id} met (not known by text)"
                )
            else:
                label = "credit " if i.kind == "credit" else ""
                lines.append(f"  - {label}{i.requirement.line()}")
            lines.append(f"      if lost: {i.losses()}")
        return "\n".join(lines) + "\n"


@frozen
class AwardRange:
    """An award under pending evidence: ``yes``, ``no`` or ``undecided``."""

    id: str
    title: str
    status: str
    deciders: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "decided_by": list(self.deciders),
        }


@frozen
class PendingRange:
    """The outcome as a range while some requirements are pending.

    ``level_min``/``level_max`` are the lowest and highest level over every way
    the pending requirements may be judged (None: not recognised).
    ``exact_deciders`` is False when there were too many completions to try
    each: the deciders named are then those the conditions mention.
    """

    organisation: str
    pending: tuple[str, ...]
    level_min: str | None
    level_max: str | None
    level_titles: tuple[str | None, str | None]
    level_deciders: tuple[str, ...]
    awards: tuple[AwardRange, ...]
    exact_deciders: bool = True

    @property
    def decided(self) -> bool:
        """True when the pending requirements cannot change the outcome."""
        return self.level_min == self.level_max and all(
            a.status != "undecided" for a in self.awards
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "organisation": self.organisation,
            "pending": list(self.pending),
            "level": {
                "at_least": self.level_min,
                "at_most": self.level_max,
                "decided_by": list(self.level_deciders),
            },
            "awards": [a.to_dict() for a in self.awards],
            "decided": self.decided,
            "exact_deciders": self.exact_deciders,
        }

    def render(self) -> str:
        """The range in words."""
        lo, hi = (t or "not recognised" for t in self.level_titles)
        lines = [f"{self.organisation}: pending " + (", ".join(self.pending) or "nothing")]
        if self.level_min == self.level_max:
            lines.append(f"Level: {lo} whatever the pending requirements show")
        else:
            lines.append(
                f"Level: at least {lo}, at most {hi}; decided by {', '.join(self.level_deciders)}"
            )
        for a in self.awards:
            text = f"  [{a.status}] {a.title} ({a.id})"
            if a.status == "undecided":
                text += f"; decided by {', '.join(a.deciders)}"
            lines.append(text)
        if not self.exact_deciders:
            lines.append("(too many completions to try each: deciders are those the rules mention)")
        return "\n".join(lines) + "\n"


@frozen
class CreditExpiry:
    """A requirement counted from an earlier assessment, and until when it counts."""

    requirement: RequirementRef
    met_on: dt.date
    years: int
    valid_until: dt.date
    expired: bool
    used_by: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "requirement": self.requirement.to_dict(),
            "met_on": self.met_on.isoformat(),
            "years": self.years,
            "valid_until": self.valid_until.isoformat(),
            "expired": self.expired,
            "used_by": list(self.used_by),
        }


@frozen
class LapseForecast:
    """When the current recognition lapses, and which credits expire when.

    ``recognised_on`` is the latest recognised assessment (this one or an earlier
    one), ``recognised_until`` the last day that recognition runs (3 years on) and
    ``lapses_on`` the day after. ``losses`` lists, for each date on which credits
    in use expire, the awards and level that would be lost then if nothing else
    changed, as ``(date, level after or None, lowered?, award ids lost)``.
    """

    organisation: str
    assessed_on: dt.date
    on: dt.date
    level: str | None
    level_title: str | None
    recognised_on: dt.date | None
    recognised_level: str | None
    recognised_until: dt.date | None
    lapses_on: dt.date | None
    recognised_since: dt.date | None
    consecutive: int
    credits: tuple[CreditExpiry, ...]
    losses: tuple[tuple[dt.date, str | None, bool, tuple[str, ...]], ...] = ()

    @property
    def lapsed(self) -> bool:
        """True when, on the forecast date, no recognition is running."""
        return self.recognised_until is None or self.on > self.recognised_until

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""

        def iso(d: dt.date | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "organisation": self.organisation,
            "assessed_on": self.assessed_on.isoformat(),
            "on": self.on.isoformat(),
            "level": self.level,
            "recognition": {
                "recognised_on": iso(self.recognised_on),
                "level": self.recognised_level,
                "recognised_until": iso(self.recognised_until),
                "lapses_on": iso(self.lapses_on),
                "lapsed": self.lapsed,
                "recognised_since": iso(self.recognised_since),
                "consecutive": self.consecutive,
            },
            "credits": [c.to_dict() for c in self.credits],
            "losses": [
                {
                    "date": d.isoformat(),
                    "level_after": lv if lowered else None,
                    "level_lowered": lowered,
                    "awards_lost": list(aw),
                }
                for d, lv, lowered, aw in self.losses
            ],
        }

    def render(self) -> str:
        """The forecast in words."""
        lines = [f"{self.organisation}: as of {self.on.isoformat()}"]
        if self.recognised_on is None:
            lines.append(
                "Not recognised: neither this assessment nor an earlier one found a level."
            )
        else:
            which = (
                "this assessment"
                if self.recognised_on == self.assessed_on and self.level
                else f"the assessment of {self.recognised_on.isoformat()}"
            )
            level = f" ({self.recognised_level})" if self.recognised_level else ""
            lines.append(f"Latest recognition: {which}{level}.")
            assert self.recognised_until is not None and self.lapses_on is not None
            if self.lapsed:
                lines.append(
                    f"Lapsed on {self.lapses_on.isoformat()} "
                    f"({RECOGNITION_YEARS} years ran until {self.recognised_until.isoformat()})."
                )
            else:
                lines.append(
                    f"Runs until {self.recognised_until.isoformat()}; it lapses on "
                    f"{self.lapses_on.isoformat()} unless the organisation is reviewed by then."
                )
            if self.recognised_since and self.consecutive > 1:
                lines.append(
                    f"Recognised without a break since {self.recognised_since.isoformat()} "
                    f"({self.consecutive} consecutive recognitions)."
                )
        if not self.credits:
            lines.append("No credits from earlier assessments are counted.")
        for c in self.credits:
            state = "expired after" if c.expired else "counts until"
            lines.append(
                f"  - credit {c.requirement.id} (met {c.met_on.isoformat()}, {c.years} years): "
                f"{state} {c.valid_until.isoformat()}; counted by {', '.join(c.used_by)}"
            )
        for d, lv, lowered, aw in self.losses:
            lost = [f"award {a}" for a in aw]
            if lowered:
                lost.insert(0, f"level falls to {lv or 'not recognised'}")
            lines.append(
                f"From {d.isoformat()}, unless met again: "
                + (", ".join(lost) if lost else "nothing is lost")
            )
        return "\n".join(lines) + "\n"


# =====================================================================================
# Public functions
# =====================================================================================


def plan(
    evidence: api.EvidenceLike,
    target: str,
    cost: str | Path | Mapping[str, Any] | None = None,
    alternatives: int = DEFAULT_ALTERNATIVES,
    rulesets: Sequence[str] | str | None = None,
    evaluators: Sequence[Evaluator] | None = None,
) -> Plan:
    """The fewest (or cheapest) additional requirements that reach a level or award.

    Args:
        evidence: a YAML/JSON file, a mapping or an ``Evidence``.
        target: a level id (reaching it or a higher level) or an award id.
        cost: a YAML/JSON file or mapping from requirement id, kind of evidence
            (``top_managers``, ``managers``, ``people``, ``representative_groups``),
            unnamed group id or ``default`` to a cost per requirement; None counts
            requirements. A requirement without its own cost costs the sum of the
            costs of the kinds that give its evidence (``default`` for a kind not
            priced), or ``default`` when it names none; ``default`` is 1 unless given.
        alternatives: how many equally good alternatives to list at most.
        rulesets: refs as for ``api.evaluate``; None for every packaged ruleset in force.
        evaluators: compiled evaluators to use instead of ``rulesets``.

    Returns:
        A ``Plan``: exact (no smaller or cheaper answer exists), or unreachable with reasons.

    Raises:
        EvidenceError: the evidence or the cost file is malformed.
        RulesetNotFound: a ruleset is missing, or the target is unknown (``UnknownTarget``).
    """
    if alternatives < 0:
        raise ValueError("alternatives must be 0 or more")
    ev, evs = _prepare(evidence, rulesets, evaluators)
    evaluator, kind, tgt = _find_target(evs, target)
    scope = evaluator.scope
    costs = load_costs(cost, [e.scope for e in evs]) if cost is not None else None
    b = _Builder(scope, ev, lambda rid: True, True, costs)
    _check_agrees(b, evaluator, ev)
    if kind == "level":
        idx = scope.level_index(target)
        root = b.rank_ge(idx, len(scope.levels))
        title = scope.levels[idx].title
    else:
        root = b.award(target)
        title = tgt.title
    problem = _Problem(b, [root])
    found = _Search(problem, root).solve(alternatives + 1)
    info = _ReqText(scope.requirements, ev.pending)
    if not found:
        reasons = _unreachable_reasons(problem, root, b, info)
        return Plan(
            ev.organisation, target, kind, title, scope.key, False, (), reasons, costs is not None
        )
    # equally good: fewer steps first, then requirements declared earlier first
    found.sort(key=lambda pt: (sum(1 for c in pt if c), tuple(-c for c in pt)))
    options = [_option(problem, point, info) for point in found]
    for o in options:
        _verify_plan(evaluator, ev, o, kind, target)
    return Plan(
        ev.organisation, target, kind, title, scope.key, True, tuple(options), (), costs is not None
    )


def why_not(outcome: Outcome, scopes: Iterable[Snapshot] | None = None) -> WhyNot:
    """Why the next level up and every award not reached are not reached.

    Args:
        outcome: an outcome evaluated with ``explain=True``.
        scopes: the merged snapshots that judged it, for provenance and mappings;
            None to load the rulesets the outcome names (packaged ones).

    Raises:
        EvaluationError: the outcome has no explanation traces.
    """
    scope_list = list(scopes) if scopes is not None else _scopes_of(outcome)
    reqs: dict[str, ReqInfo] = {}
    by_req: dict[str, Snapshot] = {}
    for s in scope_list:
        for rid, r in s.requirements.items():
            reqs.setdefault(rid, r)
            by_req.setdefault(rid, s)
    decisions = []
    nxt = outcome.next_level()
    if nxt is not None:
        decisions.append(nxt)
    decisions.extend(a for a in outcome.awards if not a.holds)
    shortfalls = []
    for d in decisions:
        if d.trace is None:
            raise EvaluationError("why_not needs an outcome evaluated with explain=True")
        scope = next((s for s in scope_list if _has_decision(s, d.id, d.kind)), None)
        walker = _WhyWalker(outcome, scope, reqs, by_req)
        shortfalls.append(Shortfall(d.id, d.kind, d.title, d.ruleset, walker.failures(d.trace)))
    return WhyNot(outcome.organisation, outcome.level, outcome.level_title, tuple(shortfalls))


def why_not_of(
    evidence: api.EvidenceLike, rulesets: Sequence[str] | str | None = None
) -> WhyNot:
    """``why_not`` from evidence: validate it, judge it with explanations, then explain.

    Args:
        evidence: a YAML/JSON file, a mapping or an ``Evidence``.
        rulesets: refs as for ``api.evaluate``; None for every packaged ruleset in force.

    Raises:
        EvidenceError: the evidence is malformed.
        RulesetNotFound: a ruleset is missing.
    """
    ev, evs = _prepare(evidence, rulesets, None)
    outcome = api.evaluate(ev, rulesets, explain=True)
    return why_not(outcome, [e.scope for e in evs])


def critical(
    evidence: api.EvidenceLike,
    rulesets: Sequence[str] | str | None = None,
    evaluators: Sequence[Evaluator] | None = None,
) -> Critical:
    """The requirements whose loss alone would lower the level or lose an award.

    Each requirement met at this assessment, each unnamed group with some met,
    and each credit from an earlier assessment in use is taken away on its own
    and the evidence judged again by the evaluator.

    Raises:
        EvidenceError: the evidence is malformed.
        RulesetNotFound: a ruleset is missing.
    """
    ev, evs = _prepare(evidence, rulesets, evaluators)
    base = _judge(evs, ev)
    info = _ReqText(_all_requirements(evs), ev.pending)
    items: list[CriticalItem] = []
    checked = 0
    order = _declaration_order(evs)
    for rid in sorted(ev.met, key=lambda r: order.get(r, len(order))):
        if rid not in order:
            continue
        checked += 1
        after = _judge(evs, attrs.evolve(ev, met=ev.met - {rid}))
        item = _critical_item(base, after, info.ref(rid), "met")
        if item:
            items.append(item)
    for g, n in sorted(ev.unnamed_met.items(), key=lambda kv: order.get(kv[0], len(order))):
        if n <= 0 or g not in order:
            continue
        checked += 1
        after = _judge(evs, attrs.evolve(ev, unnamed_met={**ev.unnamed_met, g: n - 1}))
        item = _critical_item(base, after, info.ref(g), "unnamed")
        if item:
            items.append(item)
    for c in _credits(evs, ev, ev.assessed_on, info):
        if c.expired:
            continue
        checked += 1
        after = _judge(evs, _without_credits(ev, {c.requirement.id}))
        item = _critical_item(base, after, c.requirement, "credit")
        if item:
            items.append(item)
    return Critical(
        ev.organisation,
        base.level,
        base.level_title,
        tuple(a for a, ok in base.awards.items() if ok),
        tuple(items),
        checked,
    )


def pending_range(
    evidence: api.EvidenceLike,
    rulesets: Sequence[str] | str | None = None,
    evaluators: Sequence[Evaluator] | None = None,
    enumeration_limit: int = PENDING_ENUMERATION_LIMIT,
) -> PendingRange:
    """The outcome over every way the pending requirements may be judged.

    Args:
        evidence: evidence whose ``pending`` lists requirements not yet judged.
        rulesets: refs as for ``api.evaluate``.
        evaluators: compiled evaluators to use instead of ``rulesets``.
        enumeration_limit: try every completion when there are at most this many
            (exact deciders); beyond, bound the range with the solver.

    Raises:
        EvidenceError: the evidence is malformed.
        RulesetNotFound: a ruleset is missing.
    """
    ev, evs = _prepare(evidence, rulesets, evaluators)
    level_ev = next((e for e in evs if e.scope.levels), None)
    pending = ev.pending
    level_lo = level_hi = -1
    level_dec: tuple[str, ...] = ()
    exact = True
    awards: list[AwardRange] = []
    seen: set[str] = set()
    titles: dict[str, str] = {}
    for e in evs:
        own_awards = [a for a in e.scope.awards if a.id not in seen]
        if e is not level_ev and not own_awards:
            continue
        seen.update(a.id for a in own_awards)
        b = _Builder(e.scope, ev, lambda rid: rid in pending, False, None)
        _check_agrees(b, e, ev)
        n_levels = len(e.scope.levels)
        roots = [b.rank_ge(k, n_levels) for k in range(n_levels)] if e is level_ev else []
        aroots = [b.award(a.id) for a in own_awards]
        problem = _Problem(b, roots + aroots)
        res = _pending_problem(problem, roots, aroots, enumeration_limit)
        exact = exact and res.exact
        if e is level_ev:
            level_lo, level_hi, level_dec = res.level_lo, res.level_hi, res.level_deciders
            titles = {lv.id: lv.title for lv in e.scope.levels}
        for a, (status, dec) in zip(own_awards, res.awards, strict=True):
            awards.append(AwardRange(a.id, a.title, status, dec))
    levels = list(level_ev.scope.levels) if level_ev else []

    def lv(i: int) -> str | None:
        return levels[i].id if i >= 0 else None

    return PendingRange(
        ev.organisation,
        tuple(sorted(pending, key=_natural)),
        lv(level_lo),
        lv(level_hi),
        (titles.get(lv(level_lo) or ""), titles.get(lv(level_hi) or "")),
        level_dec,
        tuple(awards),
        exact,
    )


def lapse_forecast(
    evidence: api.EvidenceLike,
    on: dt.date | None = None,
    rulesets: Sequence[str] | str | None = None,
    evaluators: Sequence[Evaluator] | None = None,
) -> LapseForecast:
    """When the current recognition lapses and which credits expire when.

    A recognition runs for 3 years from the assessment that found a level (this
    one, or the latest earlier one that did; an earlier assessment that names no
    level counts as recognised, as for the built-in history facts). A credit
    (a requirement met at an earlier assessment, counted by a condition written
    ``counting credits from the last N years``) counts until N years after that
    assessment.

    Args:
        evidence: the organisation's evidence with its ``history``.
        on: the date to forecast for (default: the assessment date).
        rulesets: refs as for ``api.evaluate``.
        evaluators: compiled evaluators to use instead of ``rulesets``.

    Raises:
        EvidenceError: the evidence is malformed.
        RulesetNotFound: a ruleset is missing.
    """
    ev, evs = _prepare(evidence, rulesets, evaluators)
    when = on or ev.assessed_on
    base = _judge(evs, ev)
    recognised: list[tuple[dt.date, str | None]] = [
        (h.assessed_on, h.level)
        for h in ev.history
        if h.assessed_on <= ev.assessed_on and (h.level is None or h.level != "none")
    ]
    if base.level is not None:
        recognised.append((ev.assessed_on, base.level))
    recognised.sort(key=lambda x: x[0])
    latest = recognised[-1] if recognised else None
    until = lapses = None
    if latest is not None:
        until = valid_until(latest[0], RECOGNITION_YEARS)
        lapses = until + dt.timedelta(days=1)
    since, consecutive = _recognition_run(ev, base.level is not None)
    info = _ReqText(_all_requirements(evs), ev.pending)
    credits = _credits(evs, ev, when, info)
    losses = []
    in_use = [c for c in credits if c.valid_until >= ev.assessed_on]  # counted at the assessment
    for day in sorted({c.valid_until for c in in_use}):
        gone = {c.requirement.id for c in in_use if c.valid_until <= day}
        after = _judge(evs, _without_credits(ev, gone))
        lost = tuple(a for a, ok in base.awards.items() if ok and not after.awards.get(a, False))
        lowered = after.rank < base.rank
        losses.append((day + dt.timedelta(days=1), after.level, lowered, lost))
    return LapseForecast(
        ev.organisation,
        ev.assessed_on,
        when,
        base.level,
        base.level_title,
        latest[0] if latest else None,
        latest[1] if latest else None,
        until,
        lapses,
        since,
        consecutive,
        tuple(credits),
        tuple(losses),
    )


def load_costs(
    source: str | Path | Mapping[str, Any], scopes: Iterable[Snapshot]
) -> Mapping[str, Fraction]:
    """Read and check a cost file: requirement, kind, unnamed group or ``default`` → cost.

    Raises:
        EvidenceError: the file cannot be read, a key is unknown or derived, or a
            cost is not a number of 0 or more.
    """
    path: str | None = None
    if isinstance(source, Mapping):
        doc = {str(k): (v, None) for k, v in source.items()}
    else:
        path = str(source)
        try:
            text = Path(source).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise EvidenceError("no such cost file", None, path, None) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise EvidenceError(
                f"cannot read the cost file ({exc.__class__.__name__})", None, path, None
            ) from None
        lined = read_document(text, path)
        if not isinstance(lined.value, dict):
            raise EvidenceError(
                "expected a mapping of requirement, kind or group to a cost", None, path, lined.line
            )
        doc = {
            k: (v.raw if v.raw is not None and not isinstance(v.value, int) else v.value, v.line)
            for k, v in lined.value.items()
        }
    reqs: dict[str, ReqInfo] = {}
    for s in scopes:
        reqs.update(s.requirements)
    known = {k for k, r in reqs.items() if r.maps is None} | set(m.WHO) | {"default"}
    out: dict[str, Fraction] = {}
    for key, (value, line) in doc.items():
        if key in reqs and reqs[key].maps is not None:
            raise EvidenceError(
                f"'{key}' is met through its mapping; cost the framework requirements it maps to",
                key,
                path,
                line,
            )
        if key not in known:
            hint = did_you_mean(key, known)
            raise EvidenceError(
                "not a requirement, unnamed group, kind of evidence or 'default'"
                + (f"; {hint}" if hint else f" (kinds: {', '.join(m.WHO)})"),
                key,
                path,
                line,
            )
        try:
            if isinstance(value, bool) or value is None:
                raise ValueError
            cost = Fraction(str(value))
        except (ValueError, ZeroDivisionError):
            raise EvidenceError(
                f"expected a cost (a number), got {value!r}", key, path, line
            ) from None
        if cost < 0:
            raise EvidenceError(f"a cost cannot be negative, got {value}", key, path, line)
        out[key] = cost
    return out


def valid_until(on: dt.date, years: int) -> dt.date:
    """The last day on which something dated ``on`` still counts, ``years`` years later.

    Mirrors the evaluator's windows: a date counts on day D while D less the years
    (29 February becoming 28 February) is not after it.
    """
    day = _add_years(on, years)
    while years_before(day + dt.timedelta(days=1), years) <= on:
        day += dt.timedelta(days=1)
    return day


# =====================================================================================
# Shared helpers
# =====================================================================================


def _natural(rid: str) -> tuple[Any, ...]:
    """Sort key: ``W5.1`` before ``W10.1``, ``1.2`` before ``1.10``."""
    return tuple(
        (0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", rid) if p
    )


def _prepare(
    evidence: api.EvidenceLike,
    rulesets: Sequence[str] | str | None,
    evaluators: Sequence[Evaluator] | None,
) -> tuple[Evidence, list[Evaluator]]:
    ev = load_evidence(evidence)
    if evaluators is None:
        refs = [rulesets] if isinstance(rulesets, str) else rulesets
        evs = api.evaluators_for(ev, refs)
        # the same messages as ``api.evaluate`` for ids of other versions
        elsewhere = api._elsewhere(evs)
    else:
        evs, elsewhere = list(evaluators), {}
    return validate(ev, [e.scope for e in evs], elsewhere), evs


def _add_years(on: dt.date, years: int) -> dt.date:
    try:
        return on.replace(year=on.year + years)
    except ValueError:  # 29 February
        return on.replace(year=on.year + years, day=28)


def _recognition_run(ev: Evidence, now: bool) -> tuple[dt.date | None, int]:
    """The start of the unbroken run of recognitions ending with the latest one, and its length."""
    facts = history_facts(ev)
    if now:
        since = facts["recognised_since"] or ev.assessed_on
        return since, facts["consecutive_recognitions"] + 1
    earlier = sorted(
        (h for h in ev.history if h.assessed_on <= ev.assessed_on), key=lambda h: h.assessed_on
    )
    run: list[dt.date] = []
    nxt: dt.date | None = None
    for h in reversed(earlier):
        recognised = h.level is None or h.level != "none"
        if not recognised:
            if run:
                break
            continue
        if nxt is not None and years_before(nxt, RECOGNITION_YEARS) > h.assessed_on:
            break
        run.append(h.assessed_on)
        nxt = h.assessed_on
    return (run[-1] if run else None), len(run)


@frozen
class _Verdict:
    level: str | None
    level_title: str | None
    rank: int
    awards: Mapping[str, bool]
    award_titles: Mapping[str, str]


def _judge(evs: Sequence[Evaluator], ev: Evidence) -> _Verdict:
    """Level (from the first ruleset with levels) and awards (first ruleset naming each)."""
    level_ev = next((e for e in evs if e.scope.levels), None)
    level = title = None
    rank = -1
    awards: dict[str, bool] = {}
    titles: dict[str, str] = {}
    for e in evs:
        o = e.evaluate(ev, explain=True)
        if e is level_ev:
            level, title = o.level, o.level_title
            rank = e.scope.level_index(o.level) if o.level else -1
        for a in o.awards:
            if a.id not in awards:
                awards[a.id] = a.holds
                titles[a.id] = a.title
    return _Verdict(level, title, rank, awards, titles)


def _critical_item(
    base: _Verdict, after: _Verdict, ref: RequirementRef, kind: str
) -> CriticalItem | None:
    lowered = after.rank < base.rank
    lost = tuple(
        (a, base.award_titles[a])
        for a, ok in base.awards.items()
        if ok and not after.awards.get(a, False)
    )
    if not lowered and not lost:
        return None
    return CriticalItem(ref, kind, after.level, after.level_title, lowered, lost)


def _all_requirements(evs: Sequence[Evaluator]) -> dict[str, ReqInfo]:
    out: dict[str, ReqInfo] = {}
    for e in evs:
        for rid, r in e.scope.requirements.items():
            out.setdefault(rid, r)
    return out


def _declaration_order(evs: Sequence[Evaluator]) -> dict[str, int]:
    order: dict[str, int] = {}
    for e in evs:
        for rid, r in e.scope.requirements.items():
            if r.maps is None:
                order.setdefault(rid, len(order))
    return order


class _ReqText:
    """Requirement texts and provenance, for answers."""

    def __init__(self, reqs: Mapping[str, ReqInfo], pending: frozenset[str] = frozenset()) -> None:
        self.reqs = reqs
        self.pending = pending

    def ref(self, rid: str) -> RequirementRef:
        r = self.reqs.get(rid)
        if r is None:
            return RequirementRef(rid)
        node = r.node
        text = node.text if isinstance(node, m.Requirement) else None
        if isinstance(node, m.Unnamed):
            text = f"one of the {node.count} requirements of {rid} not known by text"
        sources = tuple((s.reference, s.confidence) for s in node.meta.sources)
        return RequirementRef(rid, text, sources, rid in self.pending)


def _without_credits(ev: Evidence, rids: set[str]) -> Evidence:
    history = tuple(attrs.evolve(h, met=h.met - rids) for h in ev.history)
    return attrs.evolve(ev, history=history)


def _credits(
    evs: Sequence[Evaluator], ev: Evidence, when: dt.date, info: _ReqText
) -> list[CreditExpiry]:
    """Requirements not met now that conditions with credits could count from history."""
    found: dict[str, CreditExpiry] = {}
    for e in evs:
        scope = e.scope
        owners: list[tuple[str, m.Cond]] = [(lv.id, lv.requires) for lv in scope.levels]
        owners += [(a.id, a.requires) for a in scope.awards]
        for owner, cond in owners:
            for c in walk_cond(cond):
                years = getattr(c, "credit_years", None)
                if years is None:
                    continue
                since = years_before(ev.assessed_on, years)
                for rid, r in select(scope, c.selection).items():
                    if isinstance(r.node, m.Unnamed) or rid in ev.met:
                        continue
                    dates = [
                        h.assessed_on
                        for h in ev.history
                        if rid in h.met and h.assessed_on <= ev.assessed_on
                    ]
                    if not dates:
                        continue
                    counted = [d for d in dates if since <= d]
                    met_on = max(dates)
                    until = valid_until(met_on, years)
                    expired = not counted or when > until
                    prev = found.get(rid)
                    if prev is not None:
                        used = tuple(dict.fromkeys((*prev.used_by, owner)))
                        found[rid] = attrs.evolve(prev, used_by=used)
                        continue
                    found[rid] = CreditExpiry(
                        info.ref(rid), met_on, years, until, expired, (owner,)
                    )
    return sorted(found.values(), key=lambda c: (c.valid_until, _natural(c.requirement.id)))


def _scopes_of(outcome: Outcome) -> list[Snapshot]:
    out = []
    for name, label in outcome.rulesets:
        try:
            checked = api.load(name)
            snap = checked.version(label)
        except (RulesetNotFound, RulesError, KeyError):  # provenance is a courtesy here
            continue
        out.append(checked.scope(snap, outcome.assessed_on))
    return out


def _has_decision(scope: Snapshot, did: str, kind: str) -> bool:
    items = scope.levels if kind == "level" else scope.awards
    return any(x.id == did for x in items)


def _find_target(evs: Sequence[Evaluator], target: str) -> tuple[Evaluator, str, Any]:
    level_ev = next((e for e in evs if e.scope.levels), None)
    if level_ev is not None:
        for lv in level_ev.scope.levels:
            if lv.id == target:
                # judge by the ruleset that declares the level when it is among them
                owner = next(
                    (
                        e
                        for e in evs
                        if any(x.id == target for x in e.scope.levels)
                        and (e.scope.base is None or all(x is not lv for x in e.scope.base.levels))
                    ),
                    level_ev,
                )
                return owner, "level", lv
    for e in evs:
        own = [a for a in e.scope.awards if a.id == target]
        if own:
            return e, "award", own[0]
    names = [lv.id for lv in level_ev.scope.levels] if level_ev else []
    names += [a.id for e in evs for a in e.scope.awards]
    hint = did_you_mean(target, names)
    keys = ", ".join(e.scope.key for e in evs)
    raise UnknownTarget(
        f"no level or award '{target}' in {keys}"
        + (f"; {hint}" if hint else f" (levels and awards: {', '.join(dict.fromkeys(names))})")
    )


def _verify_plan(evaluator: Evaluator, ev: Evidence, o: PlanOption, kind: str, target: str) -> None:
    got = evaluator.evaluate(o.apply(ev), explain=True)
    scope = evaluator.scope
    if kind == "level":
        ok = got.level is not None and scope.level_index(got.level) >= scope.level_index(target)
    else:
        ok = got.award(target)
    if not ok:  # pragma: no cover - the solver and the evaluator disagree: a bug
        raise EvaluationError(f"internal error: the plan for '{target}' does not reach it")


# =====================================================================================
# Why not: walking explanation traces
# =====================================================================================


def _shown(v: Any) -> str:
    if v is None:
        return "not known from the evidence"
    if isinstance(v, bool):
        return "given: " + ("yes" if v else "no")
    if isinstance(v, dt.date):
        return f"given: {v.isoformat()}"
    return f"given: {v}"


class _WhyWalker:
    def __init__(
        self,
        outcome: Outcome,
        scope: Snapshot | None,
        reqs: Mapping[str, ReqInfo],
        by_req: Mapping[str, Snapshot],
    ) -> None:
        self.o = outcome
        self.scope = scope
        self.reqs = reqs
        self.by_req = by_req
        self.na = set(outcome.not_applicable)
        self.info = _ReqText(reqs)

    def failures(self, t: Trace) -> tuple[FailedCondition, ...]:
        if t.holds:
            return ()
        if isinstance(t.node, m.And):
            out: list[FailedCondition] = []
            for c in t.children:
                out.extend(self.failures(c))
            return tuple(out)
        if isinstance(t.node, m.Or):
            alts = tuple(self.failures(c) for c in t.children)
            return (FailedCondition("one of these", one_of=alts),)
        if t.count is not None:
            return (self._count(t),)
        text = describe_cond(t.node, self.scope, self.o.titles)
        if isinstance(t.node, (m.FactTrue, m.FactCmp, m.YearsSince)):
            text += f" ({_shown(t.value)})"
        return (FailedCondition(text),)

    def _count(self, t: Trace) -> FailedCondition:
        node = t.node
        text = describe_cond(node, self.scope, self.o.titles)
        if getattr(node, "credit_years", None):
            text = text.split(", counting")[0]
            text += f", counting credits from the last {node.credit_years} years"
        more = _more_needed(t)
        missing = []
        groups: dict[tuple[str, ...], list[str]] = {}
        refs: dict[str, RequirementRef] = {}
        for rid in t.missing:
            r = self.reqs.get(rid)
            if r is not None and r.maps is not None:
                lacks = self._behind(rid)
                refs.update((x.id, x) for x in lacks)
                groups.setdefault(tuple(x.id for x in lacks), []).append(rid)
            else:
                missing.append(self.info.ref(rid))
        through = [(tuple(ds), tuple(refs[x] for x in key)) for key, ds in groups.items()]
        return FailedCondition(
            text,
            t.count,
            t.needed,
            t.total,
            more,
            tuple(missing),
            tuple(through),
            t.short,
            t.credited,
        )

    def _behind(self, rid: str) -> list[RequirementRef]:
        """The framework requirements a derived requirement lacks (through nested mappings)."""
        out: list[RequirementRef] = []
        seen: set[str] = set()
        stack = [rid]
        while stack:
            d = stack.pop()
            r = self.reqs.get(d)
            scope = self.by_req.get(d)
            if r is None or r.maps is None or scope is None:
                continue
            for k, x in select(scope, r.maps).items():
                if k in seen:
                    continue
                seen.add(k)
                if x.maps is not None:
                    if not self.o.derived.get(k, False):
                        stack.append(k)
                elif isinstance(x.node, m.Unnamed):
                    out.append(self.info.ref(k))
                elif k not in self.o.met and k not in self.na:
                    out.append(self.info.ref(k))
        return sorted(out, key=lambda r: _natural(r.id))


def _more_needed(t: Trace) -> int | None:
    node = t.node
    if t.count is None or t.needed is None:
        return None
    if isinstance(node, m.AtLeast) or (
        isinstance(node, m.Quantified) and node.quant in ("all", "any")
    ):
        return max(t.needed - t.count, 0)
    if isinstance(node, m.CountCmp) and node.op in (">=", ">"):
        return max(t.needed - t.count + (1 if node.op == ">" else 0), 0)
    if isinstance(node, m.CountCmp) and node.op == "=" and t.count < t.needed:
        return t.needed - t.count
    return None


# =====================================================================================
# The symbolic model: conditions as formulas over additional requirements
# =====================================================================================

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}
_FLIP = {">=": "<", "<": ">=", ">": "<=", "<=": ">", "=": "!=", "!=": "="}

#: Why a part of a formula is constant: the model condition and a detail in words.
_Why = tuple[Any, str]


class _Const:
    __slots__ = ("value", "whys")

    def __init__(self, value: bool, whys: tuple[_Why, ...] = ()) -> None:
        self.value = value
        self.whys = whys


class _And:
    __slots__ = ("items",)

    def __init__(self, items: tuple[Any, ...]) -> None:
        self.items = items


class _Or(_And):
    __slots__ = ()


class _Cnt:
    """``base + Σ max(c_v - d, 0) + Σ [ind]`` compared with ``n``.

    ``terms`` are ``(variable, offset)``; ``inds`` formulas counted as 0 or 1
    (requirements met through a mapping or whose applicability can change).
    """

    __slots__ = ("base", "inds", "n", "node", "op", "terms")

    def __init__(
        self,
        base: int,
        terms: tuple[tuple[int, int], ...],
        inds: tuple[Any, ...],
        op: str,
        n: int,
        node: Any,
    ) -> None:
        self.base, self.terms, self.inds, self.op, self.n, self.node = (
            base,
            terms,
            inds,
            op,
            n,
            node,
        )


_TRUE = _Const(True)
_FALSE = _Const(False)


@frozen
class _Var:
    """An unmet requirement (capacity 1) or the unmet part of an unnamed group."""

    id: str
    cap: int
    cost: Fraction
    pool: bool
    order: int


def _merge_whys(consts: Iterable[_Const]) -> tuple[_Why, ...]:
    out: list[_Why] = []
    for c in consts:
        for w in c.whys:
            if not any(w[0] is x[0] and w[1] == x[1] for x in out):
                out.append(w)
    return tuple(out)


def _conj(e: Any) -> tuple[Any, ...]:
    return e.items if type(e) is _And else (e,)


def _disj(e: Any) -> tuple[Any, ...]:
    return e.items if type(e) is _Or else (e,)


def _and(items: Iterable[Any]) -> Any:
    flat: list[Any] = []
    falses: list[_Const] = []
    for it in items:
        if type(it) is _And:
            flat.extend(it.items)
        elif isinstance(it, _Const):
            if not it.value:
                falses.append(it)
        else:
            flat.append(it)
    if falses:
        return _Const(False, _merge_whys(falses))
    flat = list({id(x): x for x in flat}.values())
    keep = _absorb(flat, _Or, _disj)
    if not keep:
        return _TRUE
    return keep[0] if len(keep) == 1 else _And(tuple(keep))


def _absorb(flat: list[Any], kind: type, parts: Callable[[Any], tuple[Any, ...]]) -> list[Any]:
    """Absorption: ``a and (a or b) = a`` (``kind`` _Or) and ``a or (a and b) = a`` (_And).

    An item is dropped when another item's parts are a subset of its parts; of
    two items with the same parts, the first is kept.
    """
    sets = [frozenset(id(z) for z in parts(x)) for x in flat]
    keep = []
    for i, x in enumerate(flat):
        if type(x) is kind and any(
            j != i and sets[j] <= sets[i] and (sets[j] != sets[i] or j < i)
            for j in range(len(flat))
        ):
            continue
        keep.append(x)
    return keep


def _or(items: Iterable[Any]) -> Any:
    flat: list[Any] = []
    falses: list[_Const] = []
    for it in items:
        if type(it) is _Or:
            flat.extend(it.items)
        elif isinstance(it, _Const):
            if it.value:
                return it
            falses.append(it)
        else:
            flat.append(it)
    flat = list({id(x): x for x in flat}.values())
    if not flat:
        return _Const(False, _merge_whys(falses))
    keep = _absorb(flat, _And, _conj)
    return keep[0] if len(keep) == 1 else _Or(tuple(keep))


class _Builder:
    """Compiles a merged snapshot and evidence into formulas, as the evaluator decides.

    Variables are the unmet requirements (and unmet parts of unnamed groups) that
    ``free`` allows to be added; everything else is fixed by the evidence.
    """

    def __init__(
        self,
        scope: Snapshot,
        ev: Evidence,
        free: Callable[[str], bool],
        free_pools: bool,
        costs: Mapping[str, Fraction] | None,
    ) -> None:
        self.scope = scope
        self.ev = ev
        self.reqs = scope.requirements
        self.facts = self._facts()
        named = {rid for rid, r in self.reqs.items() if isinstance(r.node, m.Requirement)}
        self.met0 = {rid for rid in ev.met if rid in named and self.reqs[rid].maps is None}
        self.pools0 = {
            rid: min(ev.unnamed_met.get(rid, 0), r.node.count)
            for rid, r in self.reqs.items()
            if isinstance(r.node, m.Unnamed)
        }
        self.vars: list[_Var] = []
        self.var_of: dict[str, int] = {}
        self.lit: dict[str, Any] = {}
        for rid, r in self.reqs.items():
            node = r.node
            if isinstance(node, m.Unnamed):
                cap = node.count - self.pools0[rid]
                if cap > 0 and free_pools:
                    self._var(rid, cap, self._cost(r, costs), True)
            elif r.maps is None and rid not in self.met0 and free(rid):
                v = self._var(rid, 1, self._cost(r, costs), False)
                self.lit[rid] = _Cnt(0, ((v, 0),), (), ">=", 1, None)
        self._neg: dict[int, tuple[Any, Any]] = {}
        self._windows: dict[int, tuple[set[str], dict[str, int]]] = {}
        self._eff_final: dict[str, Any] = {}
        self._awards: dict[str, Any] = {}
        self._award_nodes = {a.id: a for a in scope.awards}
        # 1. applicability, in declaration order, seeing only earlier decisions
        self.applies_order = [
            rid
            for rid, r in self.reqs.items()
            if isinstance(r.node, m.Requirement) and r.node.applies is not None
        ]
        self.na: dict[str, Any] = {}
        self.na_step = {rid: i for i, rid in enumerate(self.applies_order)}
        for i, rid in enumerate(self.applies_order):
            node = self.reqs[rid].node
            assert isinstance(node, m.Requirement) and node.applies is not None
            self.na[rid] = self.neg(self.cond(node.applies, ("applies", i)))
        # 2. levels, lowest first, each seeing the levels below it
        self.levels: list[Any] = []
        for i, lv in enumerate(scope.levels):
            self.levels.append(self.cond(lv.requires, ("level", i)))

    # -- construction helpers
    def _var(self, rid: str, cap: int, cost: Fraction, pool: bool) -> int:
        self.vars.append(_Var(rid, cap, cost, pool, len(self.vars)))
        self.var_of[rid] = len(self.vars) - 1
        return len(self.vars) - 1

    @staticmethod
    def _cost(r: ReqInfo, costs: Mapping[str, Fraction] | None) -> Fraction:
        if costs is None:
            return Fraction(1)
        default = costs.get("default", Fraction(1))
        if r.id in costs:
            return costs[r.id]
        by = r.node.by if isinstance(r.node, m.Requirement) else ()
        if by:
            return sum((costs.get(k, default) for k in by), Fraction(0))
        return default

    def _facts(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, fact in {**BUILTIN_FACTS, **self.scope.facts}.items():
            out[name] = self.ev.facts[name] if name in self.ev.facts else fact.default
        out.update(history_facts(self.ev))
        return out

    def neg(self, e: Any) -> Any:
        hit = self._neg.get(id(e))
        if hit is not None:
            return hit[1]
        if isinstance(e, _Const):
            out: Any = _Const(not e.value, e.whys)
        elif type(e) is _And:
            out = _or(self.neg(x) for x in e.items)
        elif type(e) is _Or:
            out = _and(self.neg(x) for x in e.items)
        else:
            out = _Cnt(e.base, e.terms, e.inds, _FLIP[e.op], e.n, e.node)
        self._neg[id(e)] = (e, out)
        self._neg[id(out)] = (out, e)
        return out

    def cnt(
        self,
        base: int,
        terms: list[tuple[int, int]],
        inds: list[Any],
        op: str,
        n: int,
        node: Any,
    ) -> Any:
        terms = [(v, d) for v, d in terms if self.vars[v].cap > d]
        hi = base + sum(self.vars[v].cap - d for v, d in terms) + len(inds)
        lo = base
        ok_lo, ok_hi = _OPS[op](lo, n), _OPS[op](hi, n)
        decided: bool | None = None
        if op in (">=", ">"):
            decided = True if ok_lo else (False if not ok_hi else None)
        elif op in ("<=", "<"):
            decided = True if ok_hi else (False if not ok_lo else None)
        elif op == "=":
            decided = (lo == hi == n) or (False if not lo <= n <= hi else None)
        else:
            decided = (not lo <= n <= hi) or (False if lo == hi == n else None)
        if decided is not None:
            detail = f"{lo} met" if lo == hi else f"between {lo} and {hi} can be met"
            return _Const(decided, ((node, detail),) if node is not None else ())
        return _Cnt(base, tuple(terms), tuple(inds), op, n, node)

    # -- requirement values
    def eff(self, rid: str, ctx: tuple[str, int | None]) -> Any:
        """Whether a requirement counts as met, as ``True``/``False`` or a formula."""
        if ctx[0] == "applies":
            step = ctx[1]
            assert step is not None
            r = self.reqs[rid]
            na = self.na[rid] if rid in self.na and self.na_step[rid] < step else _FALSE
            if r.maps is not None:
                return na
            return _or([self._lit(rid), na])
        hit = self._eff_final.get(rid)
        if hit is None:
            r = self.reqs[rid]
            na = self.na.get(rid, _FALSE)
            if r.maps is not None:
                derived = self.count_cond(m.Quantified("all", r.maps), ("level", None), None)
                hit = _or([na, derived])
            else:
                hit = _or([self._lit(rid), na])
            self._eff_final[rid] = hit
        return hit

    def _lit(self, rid: str) -> Any:
        if rid in self.met0:
            return _TRUE
        return self.lit.get(rid, _FALSE)

    def _window(self, years: int) -> tuple[set[str], dict[str, int]]:
        hit = self._windows.get(years)
        if hit is None:
            since = years_before(self.ev.assessed_on, years)
            met: set[str] = set()
            pools: dict[str, int] = {}
            for h in self.ev.history:
                if since <= h.assessed_on <= self.ev.assessed_on:
                    met |= h.met
                    for g, n in h.unnamed_met.items():
                        r = self.reqs.get(g)
                        if r is not None and isinstance(r.node, m.Unnamed):
                            pools[g] = max(pools.get(g, 0), min(n, r.node.count))
            hit = self._windows[years] = (met, pools)
        return hit

    # -- conditions
    def count_cond(self, c: Any, ctx: tuple[str, int | None], years: int | None) -> Any:
        sel = select(self.scope, c.selection)
        total = sum(r.node.count if isinstance(r.node, m.Unnamed) else 1 for r in sel.values())
        match c:
            case m.Quantified(quant=q):
                op, n = {"all": ("=", total), "any": (">=", 1), "none": ("=", 0)}[q]
            case m.AtLeast(n=k):
                op, n = ">=", k
            case m.AtMost(n=k):
                op, n = "<=", k
            case _:
                op, n = c.op, c.n
        window = self._window(years) if years is not None else None
        base = 0
        terms: list[tuple[int, int]] = []
        inds: list[Any] = []
        for rid, r in sel.items():
            if isinstance(r.node, m.Unnamed):
                p0 = self.pools0[rid]
                v = self.var_of.get(rid)
                if window is None:
                    base += p0
                    if v is not None:
                        terms.append((v, 0))
                else:
                    h = window[1].get(rid, 0)
                    base += max(p0, h)
                    if v is not None:
                        terms.append((v, max(h - p0, 0)))
                continue
            if window is not None and rid in window[0]:
                base += 1
                continue
            e = self.eff(rid, ctx)
            if isinstance(e, _Const):
                base += int(e.value)
            elif type(e) is _Cnt and e.node is None and len(e.terms) == 1 and not e.inds:
                terms.append(e.terms[0])
            else:
                inds.append(e)
        return self.cnt(base, terms, inds, op, n, c)

    def cond(self, c: m.Cond, ctx: tuple[str, int | None]) -> Any:
        match c:
            case m.Quantified() | m.AtLeast() | m.AtMost() | m.CountCmp():
                return self.count_cond(c, ctx, getattr(c, "credit_years", None))
            case m.And(items=items):
                return _and(self.cond(i, ctx) for i in items)
            case m.Or(items=items):
                return _or(self.cond(i, ctx) for i in items)
            case m.Not(item=i):
                return self.neg(self.cond(i, ctx))
            case m.Implies(premise=a, conclusion=b):
                return _or([self.neg(self.cond(a, ctx)), self.cond(b, ctx)])
            case m.LevelCmp(op=op, level=lv):
                return self.level_cmp(c, op, self.scope.level_index(lv), ctx)
            case m.AwardRef(award=a):
                if ctx[0] != "award":
                    return _Const(False, ((c, "awards are decided after levels"),))
                return self.award(a)
            case m.FactTrue(fact=f):
                return _Const(bool(self.facts.get(f)), ((c, self._given(f)),))
            case m.FactCmp(fact=f, op=op, value=v):
                have = self.facts.get(f)
                return _Const(have is not None and _OPS[op](have, v), ((c, self._given(f)),))
            case m.YearsSince(fact=f, op=op, n=n):
                start = self.facts.get(f)
                ok = start is not None and _OPS[op](whole_years(start, self.ev.assessed_on), n)
                return _Const(ok, ((c, self._given(f)),))
            case m.Const(value=v):
                return _Const(v, ((c, ""),))
        raise EvaluationError(f"cannot plan over {c!r}")  # pragma: no cover

    def _given(self, fact: str) -> str:
        v = self.facts.get(fact)
        if isinstance(v, bool):
            shown = "yes" if v else "no"
        elif isinstance(v, dt.date):
            shown = v.isoformat()
        else:
            shown = str(v)
        if fact in self.ev.facts or fact in BUILTIN_FACTS:
            return "not known" if v is None else f"the evidence gives {shown}"
        return f"not given; taken as {shown} by default"

    def rank_ge(self, k: int, upto: int) -> Any:
        """The rank among the first ``upto`` levels is at least ``k`` (-1: not recognised)."""
        if k <= -1:
            return _TRUE
        return _or(self.levels[j] for j in range(k, upto))

    def level_cmp(self, c: Any, op: str, k: int, ctx: tuple[str, int | None]) -> Any:
        if ctx[0] == "applies":
            return _Const(
                _OPS[op](-1, k), ((c, "no level is known when applicability is decided"),)
            )
        upto = len(self.scope.levels) if ctx[0] == "award" else ctx[1]
        assert upto is not None
        ge, gt = self.rank_ge(k, upto), self.rank_ge(k + 1, upto)
        out = {
            ">=": lambda: ge,
            ">": lambda: gt,
            "<": lambda: self.neg(ge),
            "<=": lambda: self.neg(gt),
            "=": lambda: _and([ge, self.neg(gt)]),
            "!=": lambda: self.neg(_and([ge, self.neg(gt)])),
        }[op]()
        if isinstance(out, _Const) and not out.whys:
            out = _Const(out.value, ((c, "decided by the levels below"),))
        return out

    def award(self, aid: str) -> Any:
        hit = self._awards.get(aid)
        if hit is None:
            hit = self._awards[aid] = self.cond(self._award_nodes[aid].requires, ("award", None))
        return hit


# =====================================================================================
# Groups of interchangeable requirements, and the search
# =====================================================================================


@frozen
class _Atom:
    vars: tuple[int, ...]
    cap: int
    cost: Fraction


class _Problem:
    """The formulas under ``roots`` over groups of interchangeable variables."""

    def __init__(self, b: _Builder, roots: Sequence[Any]) -> None:
        self.b = b
        self.roots = roots
        cnts: list[_Cnt] = []
        seen: set[int] = set()
        stack = list(roots)
        while stack:
            e = stack.pop()
            if id(e) in seen:
                continue
            seen.add(id(e))
            if type(e) in (_And, _Or):
                stack.extend(e.items)
            elif type(e) is _Cnt:
                cnts.append(e)
                stack.extend(e.inds)
        occ: dict[int, list[tuple[int, int]]] = {}
        for k, c in enumerate(cnts):
            for v, d in c.terms:
                occ.setdefault(v, []).append((k, d))
        groups: dict[Any, list[int]] = {}
        for v in sorted(occ):
            var = b.vars[v]
            roles = tuple(occ[v])
            key: Any = ("solo", v) if any(d for _k, d in roles) else (roles, var.cost)
            groups.setdefault(key, []).append(v)
        self.atoms: list[_Atom] = []
        self.atom_of: dict[int, int] = {}
        for vs in groups.values():
            for v in vs:
                self.atom_of[v] = len(self.atoms)
            cap = sum(b.vars[v].cap for v in vs)
            self.atoms.append(_Atom(tuple(vs), cap, b.vars[vs[0]].cost))
        self.caps = tuple(a.cap for a in self.atoms)
        self._aterms: dict[int, tuple[tuple[int, int], ...]] = {}

    def aterms(self, c: _Cnt) -> tuple[tuple[int, int], ...]:
        hit = self._aterms.get(id(c))
        if hit is None:
            seen: dict[int, int] = {}
            for v, d in c.terms:
                a = self.atom_of.get(v)
                if a is not None and a not in seen:
                    seen[a] = d
            # ids are stable: the builder keeps every node (negations included) alive
            hit = self._aterms[id(c)] = tuple(seen.items())
        return hit

    # -- evaluation at a point
    def value(self, e: Any, pt: Sequence[int], memo: dict[int, bool]) -> bool:
        hit = memo.get(id(e))
        if hit is not None:
            return hit
        t = type(e)
        if t is _Const:
            out = e.value
        elif t is _And:
            out = all(self.value(x, pt, memo) for x in e.items)
        elif t is _Or:
            out = any(self.value(x, pt, memo) for x in e.items)
        else:
            out = _OPS[e.op](self.count(e, pt, memo), e.n)
        memo[id(e)] = out
        return out

    def count(self, c: _Cnt, pt: Sequence[int], memo: dict[int, bool]) -> int:
        n = c.base
        for a, d in self.aterms(c):
            n += max(pt[a] - d, 0)
        for x in c.inds:
            n += self.value(x, pt, memo)
        return n


_INF = math.inf


class _Box:
    """Per-box caches: three-valued truth, necessary bounds, lower bounds on cost."""

    __slots__ = ("hi", "lo", "lo_memo", "p", "tri_memo")

    def __init__(self, p: _Problem, lo: tuple[int, ...], hi: tuple[int, ...]) -> None:
        self.p, self.lo, self.hi = p, lo, hi
        self.tri_memo: dict[int, bool | None] = {}
        self.lo_memo: dict[int, bool] = {}

    def at_lo(self, e: Any) -> bool:
        return self.p.value(e, self.lo, self.lo_memo)

    def count_lo(self, c: _Cnt) -> int:
        return self.p.count(c, self.lo, self.lo_memo)

    def range(self, c: _Cnt) -> tuple[int, int]:
        lo = hi = c.base
        for a, d in self.p.aterms(c):
            lo += max(self.lo[a] - d, 0)
            hi += max(self.hi[a] - d, 0)
        for x in c.inds:
            t = self.tri(x)
            lo += t is True
            hi += t is not False
        return lo, hi

    def tri(self, e: Any) -> bool | None:
        """True / False when ``e`` holds at every / no point of the box, else None."""
        key = id(e)
        if key in self.tri_memo:
            return self.tri_memo[key]
        t = type(e)
        out: bool | None
        if t is _Const:
            out = e.value
        elif t is _And:
            vals = [self.tri(x) for x in e.items]
            out = False if False in vals else (True if all(v is True for v in vals) else None)
        elif t is _Or:
            vals = [self.tri(x) for x in e.items]
            out = True if True in vals else (False if all(v is False for v in vals) else None)
        else:
            lo, hi = self.range(e)
            n, op = e.n, e.op
            if op in (">=", ">"):
                need = n if op == ">=" else n + 1
                out = True if lo >= need else (False if hi < need else None)
            elif op in ("<=", "<"):
                cap = n if op == "<=" else n - 1
                out = True if hi <= cap else (False if lo > cap else None)
            elif op == "=":
                out = True if lo == hi == n else (False if not lo <= n <= hi else None)
            else:
                out = False if lo == hi == n else (True if not lo <= n <= hi else None)
        self.tri_memo[key] = out
        return out

    def needs(self, c: _Cnt) -> tuple[int | None, int | None]:
        """The least and greatest count that can satisfy a count node (None: no bound)."""
        n, op = c.n, c.op
        if op == ">=":
            return n, None
        if op == ">":
            return n + 1, None
        if op == "<=":
            return None, n
        if op == "<":
            return None, n - 1
        if op == "=":
            return n, n
        lo, hi = self.range(c)
        return (n + 1 if lo == n else None), (n - 1 if hi == n else None)

    # -- necessary bounds: any point of the box satisfying e lies within them
    def bounds(self, e: Any, neg: Callable[[Any], Any]) -> tuple[dict[int, int], dict[int, int]]:
        t = self.tri(e)
        if t is True:
            return {}, {}
        typ = type(e)
        if typ is _And:
            low: dict[int, int] = {}
            up: dict[int, int] = {}
            for x in e.items:
                lx, ux = self.bounds(x, neg)
                for a, v in lx.items():
                    low[a] = max(low.get(a, v), v)
                for a, v in ux.items():
                    up[a] = min(up.get(a, v), v)
            return low, up
        if typ is _Or:
            alts = [self.bounds(x, neg) for x in e.items if self.tri(x) is not False]
            if not alts:
                return {}, {}
            low = dict(alts[0][0])
            up = dict(alts[0][1])
            for lx, ux in alts[1:]:
                low = {a: min(v, lx[a]) for a, v in low.items() if a in lx}
                up = {a: max(v, ux[a]) for a, v in up.items() if a in ux}
            return low, up
        if typ is _Const:
            return {}, {}
        low, up = {}, {}
        need_lo, need_hi = self.needs(e)
        cmin, cmax = self.range(e)
        if need_lo is not None:
            slack = cmax - need_lo
            for a, d in self.p.aterms(e):
                target = max(self.hi[a] - d, 0) - slack
                if target > 0 and d + target > self.lo[a]:
                    low[a] = max(low.get(a, 0), d + target)
            if slack == 0:
                for x in e.inds:
                    if self.tri(x) is None:
                        lx, ux = self.bounds(x, neg)
                        for a, v in lx.items():
                            low[a] = max(low.get(a, v), v)
                        for a, v in ux.items():
                            up[a] = min(up.get(a, v), v)
        if need_hi is not None:
            slack = need_hi - cmin
            for a, d in self.p.aterms(e):
                limit = d + max(self.lo[a] - d, 0) + slack
                if limit < self.hi[a]:
                    up[a] = min(up.get(a, limit), limit)
            if slack == 0:
                for x in e.inds:
                    if self.tri(x) is None:
                        lx, ux = self.bounds(neg(x), neg)
                        for a, v in lx.items():
                            low[a] = max(low.get(a, v), v)
                        for a, v in ux.items():
                            up[a] = min(up.get(a, v), v)
        return low, up

    # -- lower bound on the cost of reaching e from the box's cheapest point
    def h(self, e: Any, w: Sequence[Fraction], memo: dict[int, Any]) -> Any:
        key = id(e)
        if key in memo:
            return memo[key]
        out: Any
        t = self.tri(e)
        if t is False:
            out = _INF
        elif t is True or self.at_lo(e):
            out = Fraction(0)
        elif type(e) is _And:
            out = max((self.h(x, w, memo) for x in e.items), default=Fraction(0))
        elif type(e) is _Or:
            out = min((self.h(x, w, memo) for x in e.items), default=_INF)
        elif type(e) is _Cnt:
            out = self._h_count(e, w, memo)
        else:
            out = Fraction(0)
        memo[key] = out
        return out

    def _h_count(self, c: _Cnt, w: Sequence[Fraction], memo: dict[int, Any]) -> Any:
        have = self.count_lo(c)
        need_lo, need_hi = self.needs(c)
        if need_lo is not None and have < need_lo:
            deficit = need_lo - have
            units: list[tuple[Any, int]] = []  # (unit cost, how many)
            for a, d in self.p.aterms(c):
                more = max(self.hi[a] - d, 0) - max(self.lo[a] - d, 0)
                if more > 0:
                    units.append((w[a], more))
            ind_costs = [
                self.h(x, w, memo) for x in c.inds if not self.at_lo(x) and self.tri(x) is not False
            ]
            available = sum(k for _u, k in units) + len(ind_costs)
            if available < deficit:
                return _INF
            # additive: atom units are distinct requirements; mapped ones may be free
            left = deficit - len(ind_costs)
            additive: Any = Fraction(0)
            for u, k in sorted(units, key=lambda x: x[0]):
                if left <= 0:
                    break
                take = min(k, left)
                additive += u * take
                left -= take
            # any solution gains `deficit` units, each costing at least its own bound
            singles = sorted(
                [(u, k) for u, k in units] + [(x, 1) for x in ind_costs], key=lambda x: x[0]
            )
            seen = 0
            kth: Any = Fraction(0)
            for u, k in singles:
                seen += k
                if seen >= deficit:
                    kth = u
                    break
            return max(additive, kth)
        if need_hi is not None and have > need_hi:
            excess = have - need_hi
            offs = sorted(
                self.h(self.p.b.neg(x), w, memo)
                for x in c.inds
                if self.at_lo(x) and self.tri(x) is not True
            )
            return offs[excess - 1] if len(offs) >= excess else _INF
        return Fraction(0)

    # -- where to branch
    def pick(self, e: Any, w: Sequence[Fraction], memo: dict[int, Any]) -> tuple[int, int] | None:
        """An atom and a value to split at, chosen to move towards satisfying ``e``."""
        if self.tri(e) is not None or self.at_lo(e):
            return None
        t = type(e)
        if t is _And:
            for x in sorted(e.items, key=lambda x: -_finite(self.h(x, w, memo))):
                if not self.at_lo(x):
                    hit = self.pick(x, w, memo)
                    if hit:
                        return hit
            return None
        if t is _Or:
            for x in sorted(e.items, key=lambda x: _finite(self.h(x, w, memo))):
                hit = self.pick(x, w, memo)
                if hit:
                    return hit
            return None
        if t is not _Cnt:
            return None
        have = self.count_lo(e)
        need_lo, need_hi = self.needs(e)
        if need_lo is not None and have < need_lo:
            deficit = need_lo - have
            best = None
            for a, d in self.p.aterms(e):
                if self.hi[a] > max(self.lo[a], d):
                    key = (w[a], a)
                    if best is None or key < best[0]:
                        best = (key, a, d)
            if best is not None:
                _k, a, d = best
                v = min(self.hi[a], d + max(self.lo[a] - d, 0) + deficit)
                return a, max(v, self.lo[a] + 1)
            for x in e.inds:
                if not self.at_lo(x):
                    hit = self.pick(x, w, memo)
                    if hit:
                        return hit
        if need_hi is not None and have > need_hi:
            for x in e.inds:
                if self.at_lo(x) and self.tri(x) is not True:
                    hit = self.pick(self.p.b.neg(x), w, memo)
                    if hit:
                        return hit
        return None


def _finite(x: Any) -> Any:
    return x if x != _INF else Fraction(10**12)


class _Search:
    """Best-first branch and bound over boxes of group counts.

    Minimises (cost, number of requirements) lexicographically. A box is kept
    with a lower bound on every point in it; the cheapest point of the box that
    is popped first and satisfies the root is optimal.
    """

    def __init__(self, p: _Problem, root: Any) -> None:
        self.p = p
        self.root = root
        self.cost_w = [a.cost for a in p.atoms]
        self.unit_w = [Fraction(1)] * len(p.atoms)

    def _key(self, box: _Box) -> tuple[Any, Any]:
        lo = box.lo
        cost = sum((w * c for w, c in zip(self.cost_w, lo, strict=True)), Fraction(0))
        count = sum(lo)
        hc = box.h(self.root, self.cost_w, {})
        hn = box.h(self.root, self.unit_w, {})
        return cost + hc, count + hn

    def _tighten(self, lo: tuple[int, ...], hi: tuple[int, ...]) -> _Box | None:
        for _ in range(10_000):
            box = _Box(self.p, lo, hi)
            if box.tri(self.root) is False:
                return None
            low, up = box.bounds(self.root, self.p.b.neg)
            if not low and not up:
                return box
            nlo, nhi = list(lo), list(hi)
            for a, v in low.items():
                nlo[a] = max(nlo[a], v)
            for a, v in up.items():
                nhi[a] = min(nhi[a], v)
            if any(x > y for x, y in zip(nlo, nhi, strict=True)):
                return None
            if (tuple(nlo), tuple(nhi)) == (lo, hi):
                return box
            lo, hi = tuple(nlo), tuple(nhi)
        return _Box(self.p, lo, hi)  # pragma: no cover - bounds only ever tighten

    def solve(self, limit: int) -> list[tuple[int, ...]]:
        """Up to ``limit`` optimal points (atom counts), best first; [] when none exists."""
        n = len(self.p.atoms)
        start = (tuple([0] * n), tuple(self.p.caps))
        seq = itertools.count()
        heap: list[Any] = [((Fraction(0), Fraction(0)), next(seq), start)]
        best: tuple[Any, Any] | None = None
        found: list[tuple[int, ...]] = []
        while heap:
            prio, _s, (lo, hi) = heapq.heappop(heap)
            if best is not None and prio > best:
                break
            box = self._tighten(lo, hi)
            if box is None:
                continue
            key = self._key(box)
            if key[0] == _INF or key[1] == _INF:
                continue
            if key > prio:
                heapq.heappush(heap, (key, next(seq), (box.lo, box.hi)))
                continue
            if box.at_lo(self.root):
                if best is None:
                    best = key
                if key == best:
                    found.append(box.lo)
                    if len(found) >= limit:
                        break
                # every other point of the box adds requirements: strictly worse
                continue
            split = box.pick(self.root, self.cost_w, {})
            if split is None:
                split = next(((a, box.lo[a] + 1) for a in range(n) if box.lo[a] < box.hi[a]), None)
                if split is None:
                    continue
            a, v = split
            below = (*box.hi[:a], v - 1, *box.hi[a + 1 :])
            above = (*box.lo[:a], v, *box.lo[a + 1 :])
            heapq.heappush(heap, (key, next(seq), (box.lo, below)))
            heapq.heappush(heap, (key, next(seq), (above, box.hi)))
        return found

    def feasible(self) -> bool:
        """True when some point satisfies the root."""
        return bool(self.solve(1))


def _option(p: _Problem, point: Sequence[int], info: _ReqText) -> PlanOption:
    """A point as steps; groups needed whole are shown as one step per cost."""
    picks: list[Pick] = []
    whole: dict[Fraction, list[int]] = {}
    cost = Fraction(0)
    for a, c in enumerate(point):
        if c == 0:
            continue
        atom = p.atoms[a]
        cost += atom.cost * c
        if c == atom.cap:
            whole.setdefault(atom.cost, []).append(a)
            continue
        picks.append(_pick(p, [a], c, info))
    merged = [_pick(p, atoms, sum(point[a] for a in atoms), info) for atoms in whole.values()]
    return PlanOption(tuple(merged + picks), _num(cost), sum(point))


def _pick(p: _Problem, atoms: Sequence[int], choose: int, info: _ReqText) -> Pick:
    vs = sorted((v for a in atoms for v in p.atoms[a].vars), key=lambda v: p.b.vars[v].order)
    named = tuple(info.ref(p.b.vars[v].id) for v in vs if not p.b.vars[v].pool)
    pools = tuple((p.b.vars[v].id, p.b.vars[v].cap) for v in vs if p.b.vars[v].pool)
    of = sum(p.atoms[a].cap for a in atoms)
    return Pick(choose, of, named, pools, _num(p.atoms[atoms[0]].cost))


def _check_agrees(b: _Builder, evaluator: Evaluator, ev: Evidence) -> None:
    """The compiled formulas must judge the evidence as it stands as the evaluator does."""
    scope = b.scope
    roots = [b.rank_ge(k, len(scope.levels)) for k in range(len(scope.levels))]
    roots += [b.award(a.id) for a in scope.awards]
    p = _Problem(b, roots)
    zero = tuple([0] * len(p.atoms))
    memo: dict[int, bool] = {}
    rank = max((k for k in range(len(scope.levels)) if p.value(roots[k], zero, memo)), default=-1)
    # the explained path is the reference semantics; it is judged once here
    got = evaluator.evaluate(ev, explain=True)
    want = scope.level_index(got.level) if got.level else -1
    awards = {a.id: p.value(b.award(a.id), zero, memo) for a in scope.awards}
    if rank != want or awards != got.award_results:
        raise EvaluationError(  # pragma: no cover - a bug in this module
            f"internal error: answers and the evaluator disagree on {scope.key}"
        )


def _unreachable_reasons(p: _Problem, root: Any, b: _Builder, info: _ReqText) -> tuple[str, ...]:
    box = _Box(p, tuple([0] * len(p.atoms)), tuple(p.caps))
    whys: list[_Why] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        e = stack.pop()
        if id(e) in seen or box.tri(e) is not False:
            continue
        seen.add(id(e))
        if isinstance(e, _Const):
            whys.extend(e.whys)
        elif type(e) in (_And, _Or):
            stack.extend(reversed([x for x in e.items if box.tri(x) is False]))
        elif e.node is not None:
            lo, hi = box.range(e)
            detail = f"{lo} already met" if lo == hi else f"only {lo} to {hi} can be met"
            whys.append((e.node, detail))
    out: list[str] = []
    for node, detail in whys:
        text = describe_cond(node, b.scope) if node is not None else "a condition"
        line = f"{text} is needed" + (f", but {detail}" if detail else "")
        if isinstance(node, (m.FactTrue, m.FactCmp, m.YearsSince)):
            line += "; adding requirements cannot change a fact"
        if line not in out:
            out.append(line)
    if not out:
        out.append(
            "no combination of additional requirements satisfies it: its conditions "
            "conflict with the requirements already met"
        )
    return tuple(out)


# =====================================================================================
# Pending evidence
# =====================================================================================


@frozen
class _PendingResult:
    level_lo: int
    level_hi: int
    level_deciders: tuple[str, ...]
    awards: tuple[tuple[str, tuple[str, ...]], ...]
    exact: bool


def _pending_problem(
    p: _Problem, level_roots: Sequence[Any], award_roots: Sequence[Any], limit: int
) -> _PendingResult:
    total = 1
    for c in p.caps:
        total *= c + 1
        if total > limit:
            break
    if total <= limit:
        return _pending_enumerate(p, level_roots, award_roots)
    return _pending_solve(p, level_roots, award_roots)


def _names(p: _Problem, atoms: Iterable[int]) -> tuple[str, ...]:
    ids = [p.b.vars[v].id for a in sorted(set(atoms)) for v in p.atoms[a].vars]
    return tuple(sorted(ids, key=_natural))


def _pending_enumerate(
    p: _Problem, level_roots: Sequence[Any], award_roots: Sequence[Any]
) -> _PendingResult:
    def judge(pt: tuple[int, ...]) -> tuple[int, tuple[bool, ...]]:
        memo: dict[int, bool] = {}
        rank = max((k for k, r in enumerate(level_roots) if p.value(r, pt, memo)), default=-1)
        return rank, tuple(p.value(r, pt, memo) for r in award_roots)

    points = list(itertools.product(*(range(c + 1) for c in p.caps)))
    results = {pt: judge(pt) for pt in points}
    ranks = [r for r, _a in results.values()]
    level_dec: set[int] = set()
    award_dec: list[set[int]] = [set() for _ in award_roots]
    for pt, (rank, aw) in results.items():
        for a in range(len(p.caps)):
            if pt[a] < p.caps[a]:
                up = (*pt[:a], pt[a] + 1, *pt[a + 1 :])
                rank2, aw2 = results[up]
                if rank2 != rank:
                    level_dec.add(a)
                for i, (x, y) in enumerate(zip(aw, aw2, strict=True)):
                    if x != y:
                        award_dec[i].add(a)
    awards = []
    for i in range(len(award_roots)):
        vals = {aw[i] for _r, aw in results.values()}
        status = "yes" if vals == {True} else ("no" if vals == {False} else "undecided")
        awards.append((status, _names(p, award_dec[i]) if status == "undecided" else ()))
    lo, hi = min(ranks), max(ranks)
    return _PendingResult(lo, hi, _names(p, level_dec) if lo != hi else (), tuple(awards), True)


def _mentioned(p: _Problem, root: Any) -> set[int]:
    out: set[int] = set()
    seen: set[int] = set()
    stack = [root]
    while stack:
        e = stack.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if type(e) in (_And, _Or):
            stack.extend(e.items)
        elif type(e) is _Cnt:
            out.update(a for a, _d in p.aterms(e))
            stack.extend(e.inds)
    return out


def _pending_solve(
    p: _Problem, level_roots: Sequence[Any], award_roots: Sequence[Any]
) -> _PendingResult:
    neg = p.b.neg
    n = len(level_roots)
    hi = next((k for k in range(n - 1, -1, -1) if _Search(p, level_roots[k]).feasible()), -1)
    lo = n - 1
    for k in range(-1, n - 1):
        # some completion has rank <= k: not (rank >= k + 1)
        if _Search(p, neg(level_roots[k + 1])).feasible():
            lo = k
            break
    dec: set[int] = set()
    if lo != hi:
        for k in range(lo + 1, hi + 1):
            dec |= _mentioned(p, level_roots[k])
    awards = []
    for r in award_roots:
        yes, no = _Search(p, r).feasible(), _Search(p, neg(r)).feasible()
        status = "undecided" if yes and no else ("yes" if yes else "no")
        awards.append((status, _names(p, _mentioned(p, r)) if status == "undecided" else ()))
    return _PendingResult(lo, hi, _names(p, dec), tuple(awards), False)
