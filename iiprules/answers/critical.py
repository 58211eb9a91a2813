"""Critical: evidence → the pieces whose loss alone lowers the level or loses an award.

Input → output: one organisation's evidence → ``Critical``: each requirement
met, each unnamed group with some met and each credit in use, taken away on its
own and judged again by the evaluator; the ones that change the outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
from attrs import frozen

from iiprules import api
from iiprules.answers.common import (
    ReqText,
    RequirementRef,
    Verdict,
    all_requirements,
    declaration_order,
    judge,
    prepare,
)
from iiprules.answers.lapse import credit_expiries, without_credits
from iiprules.evaluate import Evaluator


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
    ev, evs = prepare(evidence, rulesets, evaluators)
    base = judge(evs, ev)
    info = ReqText(all_requirements(evs), ev.pending)
    items: list[CriticalItem] = []
    checked = 0
    order = declaration_order(evs)
    for rid in sorted(ev.met, key=lambda r: order.get(r, len(order))):
        if rid not in order:
            continue
        checked += 1
        after = judge(evs, attrs.evolve(ev, met=ev.met - {rid}))
        item = _critical_item(base, after, info.ref(rid), "met")
        if item:
            items.append(item)
    for g, n in sorted(ev.unnamed_met.items(), key=lambda kv: order.get(kv[0], len(order))):
        if n <= 0 or g not in order:
            continue
        checked += 1
        after = judge(evs, attrs.evolve(ev, unnamed_met={**ev.unnamed_met, g: n - 1}))
        item = _critical_item(base, after, info.ref(g), "unnamed")
        if item:
            items.append(item)
    for c in credit_expiries(evs, ev, ev.assessed_on, info):
        if c.expired:
            continue
        checked += 1
        after = judge(evs, without_credits(ev, {c.requirement.id}))
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


def _critical_item(
    base: Verdict, after: Verdict, ref: RequirementRef, kind: str
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
