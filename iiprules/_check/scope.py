"""Resolved versions and results: the types the checker produces and the evaluator reads.

Input → output: nothing → ``Snapshot`` (a version's full content, amendments
applied), ``CheckedRuleset``, ``CheckResult``, ``Library`` and version
constraints. Kept apart from the passes so that the many modules that only read
snapshots do not depend on how they are checked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import attrs
from attrs import field, frozen

from iiprules import model as m
from iiprules.diagnostics import Diagnostic

#: Deepest nesting of conditions and selections the evaluator accepts.
MAX_DEPTH = 64

#: Facts every ruleset can use without declaring them; the evaluator computes them
#: from the evidence (its date and its earlier assessments).
BUILTIN_FACTS: dict[str, m.Fact] = {
    "assessed_on": m.Fact("assessed_on", "date", None, m.Meta(doc="The date of the assessment.")),
    "previous_assessed_on": m.Fact(
        "previous_assessed_on",
        "date",
        None,
        m.Meta(doc="The date of the latest earlier assessment; unknown without history."),
    ),
    "recognised_since": m.Fact(
        "recognised_since",
        "date",
        None,
        m.Meta(
            doc="The date of the first of the unbroken run of earlier recognitions (each "
            "earlier assessment recognised at some level, each within 3 years of the next, "
            "the latest within 3 years of this assessment); unknown when there is none."
        ),
    ),
    "consecutive_recognitions": m.Fact(
        "consecutive_recognitions",
        "number",
        0,
        m.Meta(doc="How many earlier assessments form that unbroken run of recognitions."),
    ),
}

#: Gap between assessments after which a recognition has lapsed (domain.md §2, [C]).
RECOGNITION_YEARS = 3


# -- resolved versions ------------------------------------------------------------


@frozen
class IndicatorInfo:
    """An indicator as resolved: its node and the principle it sits under."""

    node: m.Indicator
    principle: str | None
    ruleset: str


@frozen
class ReqInfo:
    """A requirement (or unnamed group) as resolved, with where it sits."""

    node: m.Requirement | m.Unnamed
    indicator: str | None
    principle: str | None
    ruleset: str

    @property
    def id(self) -> str:
        """The requirement's id."""
        return self.node.id

    @property
    def maps(self) -> m.Selection | None:
        """The mapping that derives it, its own or its indicator's."""
        return self.node.maps if isinstance(self.node, m.Requirement) else None


@frozen(eq=False)
class Snapshot:
    """The full content of one version of a ruleset, amendments applied.

    A snapshot merged with the snapshot of the ruleset it uses (``merge``) is
    what conditions are checked and evaluated against.
    """

    ruleset: str
    label: str
    effective: dt.date
    until: dt.date | None
    meta: m.Meta
    version_node: m.Version = field(eq=False, repr=False)
    parts: Mapping[str, m.Part] = field(factory=dict, repr=False)
    topics: Mapping[str, m.Topic] = field(factory=dict, repr=False)
    principles: Mapping[str, m.Principle] = field(factory=dict, repr=False)
    indicators: Mapping[str, IndicatorInfo] = field(factory=dict, repr=False)
    requirements: Mapping[str, ReqInfo] = field(factory=dict, repr=False)
    facts: Mapping[str, m.Fact] = field(factory=dict, repr=False)
    levels: tuple[m.Level, ...] = field(default=(), repr=False)
    awards: tuple[m.Award, ...] = field(default=(), repr=False)
    invariants: tuple[m.Invariant, ...] = field(default=(), repr=False)
    examples: tuple[m.Example, ...] = field(default=(), repr=False)
    base: Snapshot | None = field(default=None, repr=False)

    @property
    def key(self) -> str:
        """``name@version``, as the CLI writes it."""
        return f"{self.ruleset}@{self.label}"

    def in_force(self, on: dt.date) -> bool:
        """True when this version is in force on the date."""
        return self.effective <= on and (self.until is None or on <= self.until)

    def level_index(self, level: str) -> int:
        """The rank of a level (0 for the lowest); -1 for ``none``."""
        for i, lv in enumerate(self.levels):
            if lv.id == level:
                return i
        return -1


def merge(base: Snapshot | None, own: Snapshot) -> Snapshot:
    """The namespace a version's conditions see: the used ruleset's items, then its own."""
    if base is None:
        return own
    return attrs.evolve(
        own,
        parts={**base.parts, **own.parts},
        topics={**base.topics, **own.topics},
        principles={**base.principles, **own.principles},
        indicators={**base.indicators, **own.indicators},
        requirements={**base.requirements, **own.requirements},
        facts={**base.facts, **own.facts},
        levels=base.levels + own.levels,
        awards=base.awards + own.awards,
        invariants=base.invariants + own.invariants,
        examples=own.examples,
        base=base,
    )


# -- results ------------------------------------------------------------------------


@frozen(eq=False)
class CheckedRuleset:
    """A ruleset that passed the checker: the only input the evaluator accepts."""

    model: m.Ruleset
    path: str
    snapshots: tuple[Snapshot, ...]
    base: CheckedRuleset | None = None
    warnings: tuple[Diagnostic, ...] = ()

    @property
    def name(self) -> str:
        """The ruleset's name."""
        return self.model.name

    def version(self, label: str) -> Snapshot:
        """The snapshot of a version by its label.

        Raises:
            KeyError: no version has that label.
        """
        for s in self.snapshots:
            if s.label == label:
                return s
        raise KeyError(label)

    def in_force(self, on: dt.date) -> Snapshot | None:
        """The snapshot in force on a date, or None."""
        for s in self.snapshots:
            if s.in_force(on):
                return s
        return None

    def base_for(self, own: Snapshot, on: dt.date | None = None) -> Snapshot | None:
        """The version of the used ruleset that ``own`` builds on (on a date, if given)."""
        if self.base is None or self.model.uses is None:
            return None
        candidates = [s for s in self.base.snapshots if satisfies(s.label, self.model.uses)]
        if on is not None:
            dated = [s for s in candidates if s.in_force(on)]
            if dated:
                return dated[-1]
            return None
        # Undated (e.g. ``--ruleset lm_theme@2009``): the newest version in force
        # while ``own`` is, else the newest satisfying the constraint.
        during = [
            s
            for s in candidates
            if own.effective <= (s.until or dt.date.max)
            and (own.until is None or s.effective <= own.until)
        ]
        chosen = during or candidates
        return chosen[-1] if chosen else None

    def scope(self, own: Snapshot, on: dt.date | None = None) -> Snapshot:
        """``own`` merged with the version of the used ruleset it builds on."""
        return merge(self.base_for(own, on), own)


@frozen
class CheckResult:
    """Every diagnostic, sorted by position; ``checked`` is None when any is an error."""

    diagnostics: tuple[Diagnostic, ...]
    checked: CheckedRuleset | None

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        """The diagnostics that are errors."""
        return tuple(d for d in self.diagnostics if d.is_error)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        """The diagnostics that are warnings."""
        return tuple(d for d in self.diagnostics if not d.is_error)

    @property
    def ok(self) -> bool:
        """True when there are no errors."""
        return not self.errors


@frozen
class Unusable:
    """A used ruleset that was found but cannot be used: it has syntax or check errors.

    Told apart from "not found" so that the ruleset using it can say so, with
    the first error's position, instead of calling the name unknown.
    """

    path: str
    first: Diagnostic


class Library:
    """Finds rulesets by name for ``uses`` (the packaged ones, or a folder's).

    ``finder`` returns the checked ruleset, an ``Unusable`` when the file is
    there but broken, or None when there is no such ruleset.
    """

    def __init__(
        self, finder: Callable[[str], CheckedRuleset | Unusable | None] | None = None
    ) -> None:
        self._finder = finder

    def lookup(self, name: str) -> CheckedRuleset | Unusable | None:
        """The checked ruleset of that name, why it cannot be used, or None."""
        return self._finder(name) if self._finder else None

    def find(self, name: str) -> CheckedRuleset | None:
        """The checked ruleset of that name, or None (also when it is broken)."""
        found = self.lookup(name)
        return found if isinstance(found, CheckedRuleset) else None


# -- version constraints --------------------------------------------------------------


def _version_key(label: str) -> tuple[Any, ...]:
    parts: list[Any] = []
    for piece in label.replace("-", ".").split("."):
        parts.append((0, int(piece), "") if piece.isdigit() else (1, 0, piece))
    return tuple(parts)


def satisfies(label: str, uses: m.Uses) -> bool:
    """True when a version label satisfies the constraint of a ``uses`` clause."""
    if uses.op is None or uses.version is None:
        return True
    a, b = _version_key(label), _version_key(uses.version)
    return {
        ">=": a >= b,
        ">": a > b,
        "<=": a <= b,
        "<": a < b,
        "=": a == b,
        "!=": a != b,
    }[uses.op]


def used_bases(ruleset: m.Ruleset, base: CheckedRuleset | None, snap: Snapshot) -> list[Snapshot]:
    """The versions of the used ruleset that satisfy the ruleset's ``uses`` constraint."""
    if base is None or ruleset.uses is None:
        return []
    return [s for s in base.snapshots if satisfies(s.label, ruleset.uses)]
