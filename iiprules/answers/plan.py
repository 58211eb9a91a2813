"""Plan: evidence and a target → the fewest (or cheapest) additional requirements (``Plan``).

Input → output: one organisation's evidence, a target level or award, and
optionally a cost file → a ``Plan``: exact (no smaller or cheaper answer
exists), with equally good alternatives ranked, each step a "choose k of
these n"; or unreachable, with the conditions that stand in the way.

The conditions are compiled into a formula over groups of interchangeable
requirements (``formula.Builder``) and searched best-first
(``search.Search``); every option is judged again by the evaluator before it
is returned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs
from attrs import frozen

from iiprules import api
from iiprules import model as m
from iiprules.answers.common import Number, ReqText, RequirementRef, num, num_text, prepare
from iiprules.answers.formula import Builder
from iiprules.answers.search import Problem, Search, check_agrees, unreachable_reasons
from iiprules.check import ReqInfo, Snapshot
from iiprules.diagnostics import EvaluationError, EvidenceError, RulesetNotFound, did_you_mean
from iiprules.evaluate import Evaluator
from iiprules.evidence import UNREADABLE, Evidence, read_file

#: Alternatives a plan lists by default, besides the answer itself.
DEFAULT_ALTERNATIVES = 3


@attrs.define(auto_exc=True)
class UnknownTarget(RulesetNotFound):
    """The target of a plan is no level or award of the rulesets judging the evidence."""


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
            "cost_each": num(self.cost_each),
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
            "cost": num(self.cost),
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
            what += f", cost {num_text(best.cost)}"
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
        cost = f" (cost {num_text(p.cost_each)} each)" if p.cost_each != 1 else ""
        if p.all and detail and p.requirements and len(p.requirements) <= 12:
            word = "requirement" if p.of == 1 else f"all {p.of} of"
            lines.append(f"  - {word}{cost}:")
            lines.extend(f"      {r.line()}" for r in p.requirements)
            lines.extend(f"      {n} of {g} (not known by text)" for g, n in p.unnamed)
        else:
            lines.append(f"  - {p.describe()}{cost}")
    return lines


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
    ev, evs = prepare(evidence, rulesets, evaluators)
    evaluator, kind, tgt = _find_target(evs, target)
    scope = evaluator.scope
    costs = load_costs(cost, [e.scope for e in evs]) if cost is not None else None
    b = Builder(scope, ev, lambda rid: True, True, costs)
    check_agrees(b, evaluator, ev)
    if kind == "level":
        idx = scope.level_index(target)
        root = b.rank_ge(idx, len(scope.levels))
        title = scope.levels[idx].title
    else:
        root = b.award(target)
        title = tgt.title
    problem = Problem(b, [root])
    found = Search(problem, root).solve(alternatives + 1)
    info = ReqText(scope.requirements, ev.pending)
    if not found:
        reasons = unreachable_reasons(problem, root, b, info)
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
        doc: dict[str, tuple[Any, int | None]] = {str(k): (v, None) for k, v in source.items()}
    else:
        path = str(source)
        if not Path(source).exists():
            raise EvidenceError("no such cost file", None, path, None, code=UNREADABLE)
        read = read_file(source)  # within the evidence limits; duplicate keys refused
        if read.problems:
            raise EvidenceError.of(read.problems)
        if not isinstance(read.value, dict):
            line, _ = read.position(read.root_offset)
            raise EvidenceError(
                "expected a mapping of requirement, kind or group to a cost", None, path, line
            )
        doc = {}
        for k, v in read.value.items():
            raw = read.raw(read.value, k)
            shown = raw if raw is not None and not isinstance(v, int) else v
            doc[k] = (shown, read.position(read.offset(read.value, k, of_key=True))[0])
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


def _option(p: Problem, point: Sequence[int], info: ReqText) -> PlanOption:
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
    return PlanOption(tuple(merged + picks), num(cost), sum(point))


def _pick(p: Problem, atoms: Sequence[int], choose: int, info: ReqText) -> Pick:
    vs = sorted((v for a in atoms for v in p.atoms[a].vars), key=lambda v: p.b.vars[v].order)
    named = tuple(info.ref(p.b.vars[v].id) for v in vs if not p.b.vars[v].pool)
    pools = tuple((p.b.vars[v].id, p.b.vars[v].cap) for v in vs if p.b.vars[v].pool)
    of = sum(p.atoms[a].cap for a in atoms)
    return Pick(choose, of, named, pools, num(p.atoms[atoms[0]].cost))
