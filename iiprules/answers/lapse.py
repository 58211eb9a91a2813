"""Lapse: evidence with history → when the recognition lapses and which credits expire.

Input → output: one organisation's evidence and a date → ``LapseForecast``:
the latest recognition and the day it lapses, the unbroken run of
recognitions, each credit from an earlier assessment with the last day it
counts, and what would be lost on each day credits expire.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import attrs
from attrs import frozen

from iiprules import api
from iiprules import model as m
from iiprules.answers.common import (
    ReqText,
    RequirementRef,
    all_requirements,
    judge,
    natural,
    prepare,
    valid_until,
)
from iiprules.check import RECOGNITION_YEARS, select, walk_cond
from iiprules.evaluate import Evaluator, recognition_run, years_before
from iiprules.evidence import Evidence


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
            if self.recognised_since and self.consecutive > 0:
                # the count is the built-in fact consecutive_recognitions: earlier ones
                lines.append(
                    f"Recognised without a break since {self.recognised_since.isoformat()} "
                    f"({self.consecutive} consecutive recognitions before this one)."
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
    ev, evs = prepare(evidence, rulesets, evaluators)
    when = on or ev.assessed_on
    base = judge(evs, ev)
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
    info = ReqText(all_requirements(evs), ev.pending)
    credits = credit_expiries(evs, ev, when, info)
    losses = []
    in_use = [c for c in credits if c.valid_until >= ev.assessed_on]  # counted at the assessment
    for day in sorted({c.valid_until for c in in_use}):
        gone = {c.requirement.id for c in in_use if c.valid_until <= day}
        after = judge(evs, without_credits(ev, gone))
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


def _recognition_run(ev: Evidence, now: bool) -> tuple[dt.date | None, int]:
    """The start of the unbroken run of recognitions ending with the latest one, and its length."""
    # The same count as evaluate's built-in fact consecutive_recognitions (and the
    # same words as explain): one definition, in evaluate.recognition_run.
    return recognition_run(ev.history, ev.assessed_on, linked=now)


def without_credits(ev: Evidence, rids: set[str]) -> Evidence:
    """The evidence with these requirements removed from every earlier assessment."""
    history = tuple(attrs.evolve(h, met=h.met - rids) for h in ev.history)
    return attrs.evolve(ev, history=history)


def credit_expiries(
    evs: Sequence[Evaluator], ev: Evidence, when: dt.date, info: ReqText
) -> list[CreditExpiry]:
    """Requirements not met now that conditions with credits could count from history."""
    found: dict[str, CreditExpiry] = {}
    for e in evs:
        scope = e.scope
        owners: list[tuple[str, m.Cond]] = [(lv.id, lv.requires) for lv in scope.levels]
        owners += [(a.id, a.requires) for a in scope.awards]
        for owner, cond in owners:
            for c in walk_cond(cond):
                if not isinstance(c, (m.Quantified, m.AtLeast, m.AtMost)):
                    continue  # only these count credits
                years = c.credit_years
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
    return sorted(found.values(), key=lambda c: (c.valid_until, natural(c.requirement.id)))
