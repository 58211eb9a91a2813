"""Answers an assessor needs: plan, why not, critical evidence, pending range, lapse.

Input → output: one organisation's evidence (and the rulesets that judge it) →
frozen result objects (``Plan``, ``WhyNot``, ``Critical``, ``PendingRange``,
``LapseForecast``), each with ``to_dict()`` and ``render()``. One module per
answer:

* ``plan`` — the fewest (or cheapest) additional requirements that reach a level
  or an award, exact, with equally good alternatives, or why none can.
* ``why_not`` — for the next level up and each award not reached, the failed
  conditions and the missing requirements with their text and provenance.
* ``critical`` — the requirements whose loss alone would lower the level or lose
  an award.
* ``pending`` — with requirements still pending, the lowest and highest level
  and each award's yes / no / undecided, and which pending ones decide it.
* ``lapse`` — when the current recognition lapses, and which credits from
  earlier assessments expire when.

and what they share: ``common`` (requirement references, loading and judging
evidence), ``formula`` (a ruleset version's conditions as formulas over the
requirements that may still be added, following the evaluator step by step)
and ``search`` (the exact best-first branch and bound over groups of
interchangeable requirements that ``plan`` and ``pending`` use). Every answer
is checked by the evaluator itself before it is returned.

Imports: ``common`` ← ``formula`` ← ``search`` ← {``plan``, ``pending``};
``common`` ← ``lapse`` ← ``critical``; ``common`` ← ``why_not``. Nothing in
here prints or parses arguments: ``iiprules.cli.answers`` does.
"""

from __future__ import annotations

from iiprules.answers.common import RequirementRef, valid_until
from iiprules.answers.common import natural as _natural
from iiprules.answers.critical import Critical, CriticalItem, critical
from iiprules.answers.lapse import CreditExpiry, LapseForecast, lapse_forecast
from iiprules.answers.pending import (
    PENDING_ENUMERATION_LIMIT,
    AwardRange,
    PendingRange,
    pending_range,
)
from iiprules.answers.plan import (
    DEFAULT_ALTERNATIVES,
    Pick,
    Plan,
    PlanOption,
    UnknownTarget,
    load_costs,
    plan,
)
from iiprules.answers.why_not import FailedCondition, Shortfall, WhyNot, why_not, why_not_of

__all__ = [
    "DEFAULT_ALTERNATIVES",
    "PENDING_ENUMERATION_LIMIT",
    "AwardRange",
    "CreditExpiry",
    "Critical",
    "CriticalItem",
    "FailedCondition",
    "LapseForecast",
    "PendingRange",
    "Pick",
    "Plan",
    "PlanOption",
    "RequirementRef",
    "Shortfall",
    "UnknownTarget",
    "WhyNot",
    "_natural",
    "critical",
    "lapse_forecast",
    "load_costs",
    "pending_range",
    "plan",
    "valid_until",
    "why_not",
    "why_not_of",
]
