"""Rows of a judged population and their counts: what every other part passes around.

Input → output: the decisions of one organisation (or why it could not be judged)
→ a row in the shape of ``Outcome.to_dict(explanation=False)``; rows → ``Summary``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from attrs import field, frozen

from iiprules.check import Snapshot
from iiprules.evaluate import Evaluator

#: How many error messages a ``Summary`` keeps.
_FIRST_ERRORS = 5


class Rulesets(Protocol):
    """Where a batch gets its rulesets (``api.PopulationRulesets`` is the one to use)."""

    def judges(self, on: dt.date) -> Sequence[Evaluator]:
        """The evaluators judging an organisation assessed on the date.

        Raises:
            RulesetNotFound: no ruleset (or version) is in force on the date.
        """

    def elsewhere(self, evaluators: Sequence[Evaluator]) -> Mapping[str, str]:
        """Requirement ids of other versions of these rulesets, for clearer messages."""

    def versions(self) -> Sequence[Snapshot]:
        """Every version that may judge an organisation of the population."""


@frozen
class Summary:
    """Counts over a judged population: per level, per award, and the rows in error.

    ``levels`` counts organisations by the level reached (``none``: not recognised);
    ``awards`` by award, how many were eligible and how many were judged for it
    (an award only exists in some versions).
    """

    total: int = 0
    errors: int = 0
    levels: Mapping[str, int] = field(factory=dict)
    awards: Mapping[str, tuple[int, int]] = field(factory=dict)
    seconds: float = 0.0
    #: The messages of the first few rows in error (all of them are in the output rows).
    first_errors: tuple[str, ...] = ()

    def __add__(self, other: Summary) -> Summary:
        levels = dict(self.levels)
        for k, v in other.levels.items():
            levels[k] = levels.get(k, 0) + v
        awards = dict(self.awards)
        for k, (a, b) in other.awards.items():
            x, y = awards.get(k, (0, 0))
            awards[k] = (x + a, y + b)
        return Summary(
            self.total + other.total,
            self.errors + other.errors,
            levels,
            awards,
            self.seconds + other.seconds,
            (self.first_errors + other.first_errors)[:_FIRST_ERRORS],
        )

    def to_dict(self) -> dict[str, object]:
        """The summary as JSON-ready data (what ``evaluate --population --format json`` prints)."""
        return {
            "organisations": self.total,
            "judged": self.total - self.errors,
            "errors": self.errors,
            "levels": dict(self.levels),
            "awards": {k: {"eligible": a, "judged": b} for k, (a, b) in self.awards.items()},
            "first_errors": list(self.first_errors),
        }

    def table(self) -> str:
        """The summary as a plain-text table."""
        judged = self.total - self.errors
        lines = [f"organisations: {self.total:,}   judged: {judged:,}   errors: {self.errors:,}"]
        if self.seconds:
            lines[0] += f"   ({self.total / self.seconds:,.0f} per second)"
        width = max([len(k) for k in (*self.levels, *self.awards)] + [5])
        lines.append("")
        lines.append(f"{'level':<{width}}  {'count':>12}  {'share':>7}")
        for k, v in self.levels.items():
            share = v / judged if judged else 0.0
            lines.append(f"{k:<{width}}  {v:>12,}  {share:>7.1%}")
        if self.awards:
            lines.append("")
            lines.append(f"{'award':<{width}}  {'eligible':>12}  {'judged':>12}  {'share':>7}")
            for k, (yes, n) in self.awards.items():
                share = yes / n if n else 0.0
                lines.append(f"{k:<{width}}  {yes:>12,}  {n:>12,}  {share:>7.1%}")
        return "\n".join(lines) + "\n"


@frozen
class _Verdicts:
    """The combined decisions of a group's evaluators: what a row of output says."""

    rulesets: tuple[tuple[str, str], ...]
    level: str | None
    awards: tuple[tuple[str, bool], ...]
    invariants: tuple[tuple[str, bool], ...]


@frozen
class _Error:
    """A row that could not be judged, with where it is and why."""

    organisation: str | None
    where: str
    message: str


#: A judged row: (organisation, assessed_on as ISO text, verdicts) or an error.
_Row = tuple[str, str, _Verdicts] | _Error


def _row_dict(row: _Row) -> dict[str, Any]:
    """A row in the shape of ``Outcome.to_dict(explanation=False)`` (or an error)."""
    if isinstance(row, _Error):
        return {"organisation": row.organisation, "where": row.where, "error": row.message}
    name, iso, v = row
    return {
        "organisation": name,
        "assessed_on": iso,
        "rulesets": [{"name": n, "version": ver} for n, ver in v.rulesets],
        "level": v.level,
        "awards": dict(v.awards),
        "invariants": dict(v.invariants),
    }


_EMPTY: Mapping[str, Any] = {}


def _name(x: Any) -> str | None:
    return x if isinstance(x, str) else None
