"""Why not: an explained outcome → what the next level and each award not reached lack.

Input → output: an ``Outcome`` evaluated with explanations (or evidence, via
``why_not_of``) → ``WhyNot``: per level or award, the failed conditions in
plain English with the missing requirements, their text and provenance, and
what derived requirements lack behind their mappings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from attrs import frozen

from iiprules import api
from iiprules import model as m
from iiprules.answers.common import ReqText, RequirementRef, natural, prepare
from iiprules.check import ReqInfo, Snapshot, select
from iiprules.diagnostics import EvaluationError, RulesError, RulesetNotFound
from iiprules.evaluate import Outcome, Trace
from iiprules.explain import describe_cond


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
            for rid in sorted(behind, key=natural):
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
    ev, evs = prepare(evidence, rulesets, None)
    outcome = api.evaluate(ev, rulesets, explain=True)
    return why_not(outcome, [e.scope for e in evs])


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
        self.info = ReqText(reqs)

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
        return sorted(out, key=lambda r: natural(r.id))


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
