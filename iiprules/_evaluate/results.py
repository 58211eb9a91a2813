"""Evaluation results: the decisions of one organisation, as data, and combining them.

Input → output: what an ``Evaluator`` decided → ``Decision``s, an ``Outcome`` (with
``to_dict`` for JSON) or a ``Verdict`` (the fast path's answer); several rulesets'
outcomes on the same evidence → one ``Outcome`` (``combine``).

Kept apart from ``evaluate`` (which re-exports every name) so that the module that
compiles and runs rulesets stays readable: these classes are what its callers hold,
not how it decides.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from attrs import field, frozen

from iiprules._evaluate.nodes import Trace
from iiprules.diagnostics import EvaluationError


@frozen
class Decision:
    """One decision of an outcome: a level, an award or an invariant."""

    id: str
    kind: str
    title: str
    holds: bool
    ruleset: str
    trace: Trace | None = field(default=None, eq=False)
    award_kind: str | None = None


@frozen
class Outcome:
    """The result of evaluating one organisation.

    ``level`` is the highest level reached (None: not recognised); ``awards``
    maps every award to whether the organisation is eligible.
    """

    organisation: str
    assessed_on: dt.date
    rulesets: tuple[tuple[str, str], ...]
    level: str | None
    level_title: str | None
    levels: tuple[Decision, ...]
    awards: tuple[Decision, ...]
    invariants: tuple[Decision, ...] = ()
    met: frozenset[str] = frozenset()
    derived: Mapping[str, bool] = field(factory=dict)
    not_applicable: tuple[str, ...] = ()
    requirement_text: Mapping[str, str] = field(factory=dict, eq=False, repr=False)
    titles: Mapping[str, str] = field(factory=dict, eq=False, repr=False)

    @property
    def award_results(self) -> dict[str, bool]:
        """Every award's id and whether it is reached, in declaration order."""
        return {a.id: a.holds for a in self.awards}

    def award(self, award_id: str) -> bool:
        """Whether the award is reached.

        Raises:
            KeyError: no evaluated ruleset has that award.
        """
        return self.award_results[award_id]

    def next_level(self) -> Decision | None:
        """The decision for the level above the one reached, if there is one."""
        ids = [d.id for d in self.levels]
        i = ids.index(self.level) + 1 if self.level in ids else 0
        return self.levels[i] if i < len(self.levels) else None

    def to_dict(self, explanation: bool = True) -> dict[str, Any]:
        """The outcome as plain JSON-ready data, in a stable shape."""
        from_trace = _trace_dict
        out: dict[str, Any] = {
            "organisation": self.organisation,
            "assessed_on": self.assessed_on.isoformat(),
            "rulesets": [{"name": n, "version": v} for n, v in self.rulesets],
            "level": self.level,
            "awards": {a.id: a.holds for a in self.awards},
        }
        out["invariants"] = {i.id: i.holds for i in self.invariants}
        if explanation:
            out["explanation"] = {
                "levels": [_decision_dict(d, from_trace) for d in self.levels],
                "awards": [_decision_dict(d, from_trace) for d in self.awards],
                "not_applicable": list(self.not_applicable),
                "derived": dict(sorted(self.derived.items())),
            }
        return out


class Verdict(NamedTuple):
    """The decisions of one organisation by one evaluator, without explanations.

    ``level`` is the highest level reached (None: not recognised); ``awards`` and
    ``invariants`` are in the order of ``Evaluator.award_ids`` and
    ``Evaluator.invariant_ids``. This is what the fast path returns.
    """

    level: str | None
    awards: tuple[bool, ...]
    invariants: tuple[bool, ...]


def _decision_dict(d: Decision, from_trace: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": d.id, "title": d.title, "holds": d.holds, "ruleset": d.ruleset}
    if d.award_kind:
        out["kind"] = d.award_kind
    if d.trace is not None:
        out["because"] = from_trace(d.trace)
    return out


def _trace_dict(t: Trace) -> dict[str, Any]:
    from iiprules.syntax import unparse_cond

    out: dict[str, Any] = {"condition": unparse_cond(t.node), "holds": t.holds}
    if t.count is not None:
        out["met"] = t.count
        out["needed"] = t.needed
        out["of"] = t.total
    if t.missing:
        out["missing"] = list(t.missing)
    if t.short:
        out["unnamed_short"] = [{"group": g, "met": n, "of": s} for g, n, s in t.short]
    if t.credited:
        out["credited"] = list(t.credited)
    if t.value is not None:
        out["value"] = t.value.isoformat() if isinstance(t.value, dt.date) else t.value
    if t.children:
        out["parts"] = [_trace_dict(c) for c in t.children]
    return out




def combine(outcomes: Sequence[Outcome]) -> Outcome:
    """One outcome from several rulesets judged on the same evidence.

    The level is reported once (from the first ruleset that has levels); the
    awards and invariants of every ruleset are kept, each once.
    """
    if not outcomes:
        raise EvaluationError("no ruleset was evaluated")
    if len(outcomes) == 1:
        return outcomes[0]  # what the loop below would copy, unchanged
    first = next((o for o in outcomes if o.levels), outcomes[0])
    rulesets: list[tuple[str, str]] = []
    awards: dict[str, Decision] = {}
    invariants: dict[str, Decision] = {}
    derived: dict[str, bool] = {}
    na: list[str] = []
    for o in outcomes:
        for r in o.rulesets:
            if r not in rulesets:
                rulesets.append(r)
        for a in o.awards:
            awards.setdefault(a.id, a)
        for i in o.invariants:
            invariants.setdefault(i.id, i)
        derived.update(o.derived)
        na.extend(x for x in o.not_applicable if x not in na)
    text: dict[str, str] = {}
    titles: dict[str, str] = {}
    for o in outcomes:
        text.update(o.requirement_text)
        titles.update(o.titles)
    return Outcome(
        first.organisation,
        first.assessed_on,
        tuple(rulesets),
        first.level,
        first.level_title,
        first.levels,
        tuple(awards.values()),
        tuple(invariants.values()),
        first.met,
        derived,
        tuple(na),
        text,
        titles,
    )
