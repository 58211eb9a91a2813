"""Verify: checked rulesets → invariants proven for all evidence, or counterexamples.

Input → output: ``.rules`` files (every version, merged with the version of the
ruleset it builds on) → a ``Result`` per property: proven, or refuted with a
minimal counterexample written as an evidence file that ``iiprules evaluate``
shows failing; and, for ``--compare OLD NEW``, a ``Comparison`` per level and
award with a witness organisation for every difference.

Conditions are boolean and counting constraints over finitely many
requirements (bits), unnamed groups (integers up to their size), facts
(booleans, integers, dates) and history credits, so every question here is a
quantifier-free formula in linear integer arithmetic, which the z3 SMT solver
decides exactly (``iiprules._verify.encode`` builds the formulas). A property
is *proven* when its negation has no model; otherwise a model is minimised
(binary search: as few requirements met as possible, then as few facts away
from their defaults), written out, judged again by the real evaluator, and
only then reported. A counterexample the evaluator does not confirm is an
internal error, never a silent pass; one the history cannot realise (see
``encode``) is reported as unknown.

Built-in properties, checked for every version that declares levels:
the lowest level's condition holds whenever any level is reached; reaching a
level implies the condition of every level below it; meeting more
requirements never lowers the level. For every award whose condition has no
negation: meeting more requirements never removes it. Every declared
``invariant`` is checked too. Levels and awards that no evidence can reach are
failures; level, award and ``applies when`` conditions that can never be false,
and ``applies when`` conditions that can never be true (the requirement always
counts as met), are warnings.

Speed: the packaged rulesets (4 versions, about 25 questions) take about a
second. Pointwise "meets no more than" is stated as arithmetic as well as
logic, so that the solver's linear relaxation refutes "more met, lower count"
at once instead of searching (a pigeonhole problem for plain SAT, which timed
out at 60 s without it).

z3 is imported only when a check runs, so ``import iiprules`` and the rest of
the command line work without it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from attrs import frozen

from iiprules import api
from iiprules import model as m
from iiprules._verify.solve import Prover, VerifyError, Writer
from iiprules.check import CheckedRuleset, Snapshot, satisfies, walk_cond
from iiprules.evaluate import Outcome

PROVEN = "proven"
REFUTED = "refuted"
UNREACHABLE = "unreachable"
ALWAYS_TRUE = "always true"
NEVER_TRUE = "never true"
UNKNOWN = "unknown"
#: Statuses that make ``verify`` exit 1.
FAILURES = (REFUTED, UNREACHABLE, UNKNOWN)

@frozen
class Result:
    """The verdict on one property of one ruleset version.

    ``check`` is a stable id (``invariant:<id>``, ``lowest``, ``nested:<level>``,
    ``monotonic:level``, ``monotonic:award:<id>``, ``reachable:<kind>:<id>``,
    ``never-false:<kind>:<id>``); ``files`` are the counterexample files written.
    """

    subject: str
    check: str
    title: str
    status: str
    files: tuple[str, ...] = ()
    detail: str = ""


@frozen
class Comparison:
    """How NEW decides a level or award compared with OLD, for all evidence.

    ``verdict`` is equivalent, stricter, looser, incomparable, added or removed;
    ``witnesses`` are evidence files of organisations that show each difference.
    """

    kind: str
    id: str
    verdict: str
    witnesses: tuple[str, ...] = ()
    detail: str = ""


def _evaluate(path: str, ref: str) -> Outcome:
    return api.evaluate(path, [ref], explain=False)


def _rank(o: Outcome) -> int:
    ids = [d.id for d in o.levels]
    return ids.index(o.level) if o.level in ids else -1


# -- checking one ruleset -------------------------------------------------------------------


def _pairs(checked: CheckedRuleset) -> Iterator[tuple[Snapshot, Snapshot | None, dt.date, dt.date]]:
    """Each version with each version of the used ruleset it builds on, and their common dates."""
    from iiprules._verify.encode import LAST_DAY

    for own in checked.snapshots:
        first, last = own.effective, own.until or LAST_DAY
        uses = checked.model.uses
        if checked.base is None or uses is None:
            yield own, None, first, last
            continue
        for base in checked.base.snapshots:
            lo, hi = max(first, base.effective), min(last, base.until or LAST_DAY)
            if satisfies(base.label, uses) and lo <= hi:
                yield own, base, lo, hi


def _owned(scope: Snapshot, attr: str) -> list[Any]:
    items = list(getattr(scope, attr))
    if scope.base is None:
        return items
    base_ids = {id(x) for x in getattr(scope.base, attr)}
    return [x for x in items if id(x) not in base_ids]


def verify_ruleset(checked: CheckedRuleset, ref: str, out: Path) -> list[Result]:
    """Check every property of every version of a checked ruleset.

    Args:
        checked: the ruleset, as ``api.load`` returns it.
        ref: how ``iiprules evaluate --ruleset`` names it (its path, or packaged name).
        out: the folder counterexample files are written to.

    Raises:
        VerifyError: the evaluator does not confirm a counterexample (a bug).
    """
    results: list[Result] = []
    for own, base, first, last in _pairs(checked):
        results.extend(_verify_scope(checked, own, base, first, last, ref, Writer(out)))
    return results


def _verify_scope(
    checked: CheckedRuleset,
    own: Snapshot,
    base: Snapshot | None,
    first: dt.date,
    last: dt.date,
    ref: str,
    writer: Writer,
) -> list[Result]:
    import z3

    from iiprules._verify.encode import Decisions, Org, Space, Unrealisable, date_key
    from iiprules.check import merge

    scope = merge(base, own)
    subject = own.key + (f" (with {base.key})" if base else "")
    space = Space([scope], first, last)
    a = Org(space, "a")
    da = Decisions(a, scope)
    # The second organisation, for monotonicity: meets at least what the first does.
    b = Org(space, "b")
    db = Decisions(b, scope)
    single = Prover(a.domain())
    double = Prover([*a.domain(), *b.domain(), *a.at_most(b)])
    soft = [a.on.key == date_key(space.first), *a.plausible()]
    results: list[Result] = []
    levels = [lv.id for lv in scope.levels]

    def settle(
        check: str,
        title: str,
        violation: Any,
        confirm: Callable[[list[Outcome]], str | None],
        pair: bool,
    ) -> None:
        """Prove ``not violation``, or write, confirm and record a minimal counterexample.

        ``confirm`` sees the evaluator's outcomes of the files written and says
        what they show (None: they do not show the violation).
        """
        prover = double if pair else single
        answer = prover.sat(violation)
        if answer == "unsat":
            results.append(Result(subject, check, title, PROVEN))
            return
        if answer == "unknown":
            results.append(Result(subject, check, title, UNKNOWN, detail="the solver timed out"))
            return
        name = f"{own.key}.{check.replace(':', '.')}"
        note = f"counterexample to '{title}' ({subject}), found by iiprules verify"
        try:
            if pair:
                objectives = [b.size(), b.size() - a.size(), b.unusual()]
                model = prover.minimal(violation, objectives, soft)
                docs = [
                    (
                        name + ".fewer",
                        a.evidence(model, scope, f"Counterexample to {check} (fewer met)", note),
                    ),
                    (
                        name + ".more",
                        b.evidence(model, scope, f"Counterexample to {check} (more met)", note),
                    ),
                ]
            else:
                model = prover.minimal(violation, [a.size(), a.unusual()], soft)
                docs = [(name, a.evidence(model, scope, f"Counterexample to {check}", note))]
        except Unrealisable as exc:
            results.append(Result(subject, check, title, UNKNOWN, detail=str(exc)))
            return
        files = [writer.write(n, doc) for n, doc in docs]
        shown = confirm([_evaluate(f, ref) for f in files])
        if shown is None:
            raise VerifyError(
                f"the evaluator does not confirm the counterexample to '{title}' "
                f"({', '.join(files)}); please report it"
            )
        results.append(Result(subject, check, title, REFUTED, tuple(files), shown))

    def failing(o: Outcome, upto: int) -> str:
        return ", ".join(d.id for d in o.levels[:upto] if not d.holds)

    if own.levels and levels:
        lowest = levels[0]

        def lowest_ok(outcomes: list[Outcome]) -> str | None:
            (o,) = outcomes
            if o.level is None or o.levels[0].holds:
                return None
            return f"reaches '{o.level}' without the condition of '{lowest}'"

        settle(
            "lowest",
            f"no level without the lowest level '{lowest}'",
            z3.And(da.rank >= 0, z3.Not(da.level_holds[0])),
            lowest_ok,
            False,
        )
        for i, lv in enumerate(levels[1:], start=1):

            def nested_ok(outcomes: list[Outcome], i: int = i) -> str | None:
                (o,) = outcomes
                if _rank(o) < i or all(d.holds for d in o.levels[:i]):
                    return None
                return f"reaches '{o.level}'; not met: {failing(o, i)}"

            settle(
                f"nested:{lv}",
                f"reaching '{lv}' implies the condition of every lower level",
                z3.And(da.level_holds[i], z3.Not(z3.And(da.level_holds[:i]))),
                nested_ok,
                False,
            )

        def mono_ok(outcomes: list[Outcome]) -> str | None:
            fewer, more = outcomes
            if _rank(more) >= _rank(fewer):
                return None
            return f"'{fewer.level}' with fewer met, '{more.level or 'none'}' with more"

        settle(
            "monotonic:level",
            "meeting more requirements never lowers the level",
            db.rank < da.rank,
            mono_ok,
            True,
        )
    pos = positive_awards(scope)
    for aw in _owned(scope, "awards"):
        if not pos[aw.id]:
            continue

        def award_mono_ok(outcomes: list[Outcome], aid: str = aw.id) -> str | None:
            fewer, more = outcomes
            if not fewer.award(aid) or more.award(aid):
                return None
            return "eligible with fewer met, not with more"

        settle(
            f"monotonic:award:{aw.id}",
            f"meeting more requirements never removes award '{aw.id}'",
            z3.And(da.awards[aw.id], z3.Not(db.awards[aw.id])),
            award_mono_ok,
            True,
        )
    for inv in _owned(scope, "invariants"):

        def inv_ok(outcomes: list[Outcome], iid: str = inv.id) -> str | None:
            (o,) = outcomes
            if not any(d.id == iid and not d.holds for d in o.invariants):
                return None
            won = [a.id for a in o.awards if a.holds]
            return f"level '{o.level or 'none'}', awards: {', '.join(won) or 'none'}"

        settle(
            f"invariant:{inv.id}",
            f"invariant {inv.id}: {inv.title}",
            z3.Not(da.invariants[inv.id]),
            inv_ok,
            False,
        )
    # Reachability and conditions that can never be false.
    prover = single
    own_levels = {id(lv) for lv in own.levels}
    for i, lv in enumerate(scope.levels):  # type: ignore[assignment]
        if id(lv) not in own_levels:
            continue
        results.append(_reach(prover, subject, "level", lv.id, da.rank == i))  # type: ignore[attr-defined]
        results.extend(_never_false(prover, subject, "level", lv.id, da.level_holds[i]))  # type: ignore[attr-defined]
    for aw in _owned(scope, "awards"):
        results.append(_reach(prover, subject, "award", aw.id, da.awards[aw.id]))
        results.extend(_never_false(prover, subject, "award", aw.id, da.awards[aw.id]))
    for rid, na in da.not_applicable.items():
        if scope.requirements[rid].ruleset != own.ruleset:
            continue
        results.extend(
            _never_false(prover, subject, "applies", rid, z3.Not(na), "'applies when' of")
        )
        # Never applicable: always counted as met (e.g. it asks for a level, which
        # is decided only after requirements are).
        if prover.sat(z3.Not(na)) == "unsat":
            title = f"'applies when' of '{rid}' can never be true: it always counts as met"
            results.append(Result(subject, f"never-true:applies:{rid}", title, NEVER_TRUE))
    return results


def _reach(prover: Prover, subject: str, kind: str, ident: str, formula: Any) -> Result:
    title = f"{kind} '{ident}' can be reached"
    answer = prover.sat(formula)
    if answer == "sat":
        return Result(subject, f"reachable:{kind}:{ident}", title, PROVEN)
    if answer == "unknown":
        return Result(subject, f"reachable:{kind}:{ident}", title, UNKNOWN)
    return Result(
        subject,
        f"reachable:{kind}:{ident}",
        f"{kind} '{ident}' is reached by no evidence at all",
        UNREACHABLE,
    )


def _never_false(
    prover: Prover, subject: str, kind: str, ident: str, formula: Any, word: str = ""
) -> list[Result]:
    if prover.sat(prover.z3.Not(formula)) != "unsat":
        return []
    what = f"{word or kind} '{ident}'" if word else f"the condition of {kind} '{ident}'"
    return [
        Result(subject, f"never-false:{kind}:{ident}", f"{what} can never be false", ALWAYS_TRUE)
    ]


def positive_awards(scope: Snapshot) -> dict[str, bool]:
    """Which awards' conditions have no negation (so meeting more cannot remove them).

    A condition is negation-free when it has no ``not``, ``implies``,
    ``at most``, ``none of``, no count compared by ``<``, ``<=``, ``=`` or
    ``!=``, no level compared downwards, and refers only to negation-free awards.
    """
    out: dict[str, bool] = {}
    pending = list(scope.awards)
    while pending:  # dependencies first (the checker rejects cycles)
        ready = [
            a
            for a in pending
            if all(c.award in out for c in walk_cond(a.requires) if isinstance(c, m.AwardRef))
        ] or pending
        for aw in ready:
            out[aw.id] = all(_positive_node(c, out) for c in walk_cond(aw.requires))
            pending.remove(aw)
    return out


def _positive_node(c: m.Cond, awards: Mapping[str, bool]) -> bool:
    match c:
        case m.Not() | m.Implies() | m.AtMost():
            return False
        case m.Quantified(quant="none"):
            return False
        case m.CountCmp(op=op) | m.LevelCmp(op=op):
            return op in (">=", ">")
        case m.AwardRef(award=a):
            return awards.get(a, True)
    return True


# -- comparing two versions ---------------------------------------------------------------


def _pinned(ref: str, snap: Snapshot) -> str:
    return f"{api.split_ref(ref)[0]}@{snap.label}"


def compare(old_ref: str, new_ref: str, out: Path) -> tuple[str, str, list[Comparison]]:
    """Decide, for each level and award, how NEW relates to OLD for all evidence.

    Args:
        old_ref: ``name@version`` or a path (its newest version).
        new_ref: likewise.
        out: the folder witness files are written to.

    Returns:
        The pinned names of OLD and NEW, and one ``Comparison`` per level and award.

    Raises:
        RulesetNotFound: a ruleset or version does not exist.
        RulesError: a ruleset has errors.
        VerifyError: the evaluator does not confirm a witness (a bug).
    """
    import z3

    from iiprules._verify.encode import LAST_DAY, Decisions, Org, Space, date_key

    old_checked, old_snap = api.resolve_ref(old_ref)
    new_checked, new_snap = api.resolve_ref(new_ref)
    old_scope, new_scope = old_checked.scope(old_snap), new_checked.scope(new_snap)
    old_pin, new_pin = _pinned(old_ref, old_snap), _pinned(new_ref, new_snap)
    # Pinned versions judge evidence of any date.
    space = Space([old_scope, new_scope], dt.date(1, 1, 1), LAST_DAY)
    org = Org(space, "o")
    do, dn = Decisions(org, old_scope), Decisions(org, new_scope)
    prover = Prover(org.domain())
    soft = [org.on.key == date_key(max(new_snap.effective, space.first)), *org.plausible()]
    writer = Writer(out)
    results: list[Comparison] = []

    def witness(
        kind: str, ident: str, tag: str, formula: Any, claim: Callable[..., bool]
    ) -> list[str]:
        model = prover.minimal(formula, [org.size(), org.unusual()], soft)
        note = f"witness for {kind} '{ident}' ({old_pin} -> {new_pin}), found by iiprules verify"
        name = f"compare.{kind}.{ident}.{tag}"
        docs = {}
        if ident_in(kind, ident, old_scope):
            docs["old"] = org.evidence(
                model, old_scope, f"Witness for {kind} {ident} ({tag})", note
            )
        if ident_in(kind, ident, new_scope):
            docs["new"] = org.evidence(
                model, new_scope, f"Witness for {kind} {ident} ({tag})", note
            )
        files: dict[str, str] = {}
        if len(docs) == 2 and docs["old"] == docs["new"]:
            files["old"] = files["new"] = writer.write(name, docs["old"])
        else:
            for side, doc in docs.items():
                files[side] = writer.write(f"{name}.{side}", doc)
        outcomes = {
            side: _evaluate(f, old_pin if side == "old" else new_pin) for side, f in files.items()
        }
        if not claim(outcomes):
            raise VerifyError(
                f"the evaluator does not confirm the witness for {kind} '{ident}'; please report it"
            )
        return sorted(set(files.values()))

    def decided(kind: str, ident: str, o: Outcome) -> bool:
        if kind == "award":
            return o.award(ident)
        ids = [d.id for d in o.levels]
        return _rank(o) >= ids.index(ident)

    subjects: list[tuple[str, str]] = []
    for kind, attr in (("level", "levels"), ("award", "awards")):
        for scope in (old_scope, new_scope):
            for x in getattr(scope, attr):
                if (kind, x.id) not in subjects:
                    subjects.append((kind, x.id))
    for kind, ident in subjects:
        in_old, in_new = ident_in(kind, ident, old_scope), ident_in(kind, ident, new_scope)
        f_old = _holds(do, kind, ident) if in_old else None
        f_new = _holds(dn, kind, ident) if in_new else None
        if in_old and in_new:
            looser_by = prover.sat(z3.And(f_new, z3.Not(f_old)))
            stricter_by = prover.sat(z3.And(f_old, z3.Not(f_new)))
            if "unknown" in (looser_by, stricter_by):
                results.append(Comparison(kind, ident, UNKNOWN, detail="the solver timed out"))
                continue
            files: list[str] = []
            parts = []
            if stricter_by == "sat":
                files += witness(
                    kind,
                    ident,
                    "old-only",
                    z3.And(f_old, z3.Not(f_new)),
                    lambda o, k=kind, i=ident: (
                        decided(k, i, o["old"]) and not decided(k, i, o["new"])
                    ),
                )
                parts.append("OLD holds, NEW does not")
            if looser_by == "sat":
                files += witness(
                    kind,
                    ident,
                    "new-only",
                    z3.And(f_new, z3.Not(f_old)),
                    lambda o, k=kind, i=ident: (
                        decided(k, i, o["new"]) and not decided(k, i, o["old"])
                    ),
                )
                parts.append("NEW holds, OLD does not")
            verdict = {
                (False, False): "equivalent",
                (True, False): "stricter",
                (False, True): "looser",
                (True, True): "incomparable",
            }[(stricter_by == "sat", looser_by == "sat")]
            results.append(Comparison(kind, ident, verdict, tuple(files), "; ".join(parts)))
        else:
            side = "new" if in_new else "old"
            formula = f_new if in_new else f_old
            verdict = "added" if in_new else "removed"
            if prover.sat(formula) != "sat":
                results.append(
                    Comparison(
                        kind, ident, verdict, detail=f"no evidence reaches it in {side.upper()}"
                    )
                )
                continue
            files = witness(
                kind,
                ident,
                verdict,
                formula,
                lambda o, k=kind, i=ident, s=side: decided(k, i, o[s]),
            )
            results.append(
                Comparison(kind, ident, verdict, tuple(files), f"reached in {side.upper()}")
            )
    return old_pin, new_pin, results


def ident_in(kind: str, ident: str, scope: Snapshot) -> bool:
    """True when the merged snapshot has a level (or award) of that id."""
    items = scope.levels if kind == "level" else scope.awards
    return any(x.id == ident for x in items)


def _holds(d: Any, kind: str, ident: str) -> Any:
    return d.reaches(ident) if kind == "level" else d.awards[ident]
