"""What the answers share: requirement references, loading, judging, requirement texts.

Input → output: evidence and ruleset refs → validated ``Evidence`` and the
evaluators that judge it (``prepare``); evidence → a ``Verdict`` (``judge``);
requirement ids → ``RequirementRef`` with text and provenance (``ReqText``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from attrs import frozen

from iiprules import api
from iiprules import model as m
from iiprules.check import ReqInfo
from iiprules.evaluate import Evaluator, years_before
from iiprules.evidence import Evidence, validate
from iiprules.evidence import load as load_evidence

Number = int | float | Fraction


def num(x: Number) -> int | float:
    """A cost as JSON: a whole number when it is one."""
    if isinstance(x, Fraction):
        return int(x) if x.denominator == 1 else float(x)
    return x


def num_text(x: Number) -> str:
    """A cost as text for people (as ``num``)."""
    v = num(x)
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


def valid_until(on: dt.date, years: int) -> dt.date:
    """The last day on which something dated ``on`` still counts, ``years`` years later.

    Mirrors the evaluator's windows: a date counts on day D while D less the years
    (29 February becoming 28 February) is not after it.
    """
    day = _add_years(on, years)
    while years_before(day + dt.timedelta(days=1), years) <= on:
        day += dt.timedelta(days=1)
    return day


def natural(rid: str) -> tuple[Any, ...]:
    """Sort key: ``W5.1`` before ``W10.1``, ``1.2`` before ``1.10``."""
    return tuple(
        (0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", rid) if p
    )


def prepare(
    evidence: api.EvidenceLike,
    rulesets: Sequence[str] | str | None,
    evaluators: Sequence[Evaluator] | None,
) -> tuple[Evidence, list[Evaluator]]:
    """Load and validate the evidence; the evaluators that judge it (given, or resolved)."""
    ev = load_evidence(evidence, defer=True)  # validate reports every problem
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


@frozen
class Verdict:
    """The level and awards an evidence reaches: what the answers compare."""

    level: str | None
    level_title: str | None
    rank: int
    awards: Mapping[str, bool]
    award_titles: Mapping[str, str]


def judge(evs: Sequence[Evaluator], ev: Evidence) -> Verdict:
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
    return Verdict(level, title, rank, awards, titles)


def all_requirements(evs: Sequence[Evaluator]) -> dict[str, ReqInfo]:
    """Every requirement of the evaluators' snapshots, the first snapshot's wins."""
    out: dict[str, ReqInfo] = {}
    for e in evs:
        for rid, r in e.scope.requirements.items():
            out.setdefault(rid, r)
    return out


def declaration_order(evs: Sequence[Evaluator]) -> dict[str, int]:
    """Requirement id → position in declaration order (derived ones left out)."""
    order: dict[str, int] = {}
    for e in evs:
        for rid, r in e.scope.requirements.items():
            if r.maps is None:
                order.setdefault(rid, len(order))
    return order


class ReqText:
    """Requirement texts and provenance, for answers."""

    def __init__(self, reqs: Mapping[str, ReqInfo], pending: frozenset[str] = frozenset()) -> None:
        self.reqs = reqs
        self.pending = pending

    def ref(self, rid: str) -> RequirementRef:
        """The requirement as an answer names it: id, text, provenance, pending."""
        r = self.reqs.get(rid)
        if r is None:
            return RequirementRef(rid)
        node = r.node
        text = node.text if isinstance(node, m.Requirement) else None
        if isinstance(node, m.Unnamed):
            text = f"one of the {node.count} requirements of {rid} not known by text"
        sources = tuple((s.reference, s.confidence) for s in node.meta.sources)
        return RequirementRef(rid, text, sources, rid in self.pending)
