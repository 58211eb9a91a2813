"""Pending: evidence with pending requirements → the outcome as a range (``PendingRange``).

Input → output: evidence whose ``pending`` lists requirements not yet judged →
the lowest and highest level, each award's yes / no / undecided, and the
pending requirements that decide them. Up to ``PENDING_ENUMERATION_LIMIT``
completions are tried one by one (exact deciders); beyond, the bounds come from
the search (``search.Search``) and the deciders named are those the
conditions mention.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from attrs import frozen

from iiprules import api
from iiprules.answers.common import natural, prepare
from iiprules.answers.formula import And, Builder, Cnt, Or
from iiprules.answers.search import Problem, Search, check_agrees
from iiprules.evaluate import Evaluator

#: Pending evidence is judged by trying every completion when there are at most
#: this many; beyond, by the solver (bounds stay exact, deciders are those the
#: conditions mention).
PENDING_ENUMERATION_LIMIT = 4096


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
    ev, evs = prepare(evidence, rulesets, evaluators)
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
        b = Builder(e.scope, ev, lambda rid: rid in pending, False, None)
        check_agrees(b, e, ev)
        n_levels = len(e.scope.levels)
        roots = [b.rank_ge(k, n_levels) for k in range(n_levels)] if e is level_ev else []
        aroots = [b.award(a.id) for a in own_awards]
        problem = Problem(b, roots + aroots)
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
        tuple(sorted(pending, key=natural)),
        lv(level_lo),
        lv(level_hi),
        (titles.get(lv(level_lo) or ""), titles.get(lv(level_hi) or "")),
        level_dec,
        tuple(awards),
        exact,
    )


@frozen
class _PendingResult:
    level_lo: int
    level_hi: int
    level_deciders: tuple[str, ...]
    awards: tuple[tuple[str, tuple[str, ...]], ...]
    exact: bool


def _pending_problem(
    p: Problem, level_roots: Sequence[Any], award_roots: Sequence[Any], limit: int
) -> _PendingResult:
    total = 1
    for c in p.caps:
        total *= c + 1
        if total > limit:
            break
    if total <= limit:
        return _pending_enumerate(p, level_roots, award_roots)
    return _pending_solve(p, level_roots, award_roots)


def _names(p: Problem, atoms: Iterable[int]) -> tuple[str, ...]:
    ids = [p.b.vars[v].id for a in sorted(set(atoms)) for v in p.atoms[a].vars]
    return tuple(sorted(ids, key=natural))


def _pending_enumerate(
    p: Problem, level_roots: Sequence[Any], award_roots: Sequence[Any]
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


def _mentioned(p: Problem, root: Any) -> set[int]:
    out: set[int] = set()
    seen: set[int] = set()
    stack = [root]
    while stack:
        e = stack.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if type(e) in (And, Or):
            stack.extend(e.items)
        elif type(e) is Cnt:
            out.update(a for a, _d in p.aterms(e))
            stack.extend(e.inds)
    return out


def _pending_solve(
    p: Problem, level_roots: Sequence[Any], award_roots: Sequence[Any]
) -> _PendingResult:
    neg = p.b.neg
    n = len(level_roots)
    hi = next((k for k in range(n - 1, -1, -1) if Search(p, level_roots[k]).feasible()), -1)
    lo = n - 1
    for k in range(-1, n - 1):
        # some completion has rank <= k: not (rank >= k + 1)
        if Search(p, neg(level_roots[k + 1])).feasible():
            lo = k
            break
    dec: set[int] = set()
    if lo != hi:
        for k in range(lo + 1, hi + 1):
            dec |= _mentioned(p, level_roots[k])
    awards = []
    for r in award_roots:
        yes, no = Search(p, r).feasible(), Search(p, neg(r)).feasible()
        status = "undecided" if yes and no else ("yes" if yes else "no")
        awards.append((status, _names(p, _mentioned(p, r)) if status == "undecided" else ()))
    return _PendingResult(lo, hi, _names(p, dec), tuple(awards), False)
