"""The public API: load rulesets, judge evidence, run embedded examples.

Input → output: names, paths, evidence → ``CheckedRuleset``, ``Outcome``,
``ExampleResult``. This is the layer the CLI and tool builders use; it strings
the stages together (parse → check → evaluate → explain) and caches what is
compiled, so that judging many organisations costs one compilation.

Why one module of ~750 lines: it is the public surface, and a tool builder reads
it as the reference (each function with its docstring, overloads and errors);
the work itself is done by the stages it calls.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

from attrs import frozen

from iiprules import _cache
from iiprules import model as m
from iiprules.check import (
    CheckedRuleset,
    CheckResult,
    Library,
    Snapshot,
    Unusable,
    check,
    select,
)
from iiprules.diagnostics import (
    ERROR,
    Diagnostic,
    EvidenceError,
    IIPError,
    RulesError,
    RulesetNotFound,
    RulesSyntaxError,
)
from iiprules.evaluate import Evaluator, Outcome, combine
from iiprules.evidence import Earlier, Evidence, parse_date, validate, validator
from iiprules.evidence import load as load_evidence
from iiprules.syntax import parse

if TYPE_CHECKING:  # imported when used: ``import iiprules`` does not load the batch code
    from iiprules.batch import Summary

RULES_SUFFIX = ".rules"


@functools.cache
def packaged_dir() -> Path:
    """The folder of the packaged rulesets (in the wheel, or at the checkout's top).

    Found once per process: the package does not move while it runs.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "rulesets", here.parent / "rulesets"):
        if candidate.is_dir():
            return candidate
    raise RulesetNotFound("the packaged rulesets are missing from this installation")


_NAMES: dict[int, list[str]] = {}


def packaged_names() -> list[str]:
    """The names of the packaged rulesets, sorted (listed again when the folder changes)."""
    folder = packaged_dir()
    stamp = os.stat(folder).st_mtime_ns
    hit = _NAMES.get(stamp)
    if hit is None:
        _NAMES.clear()
        hit = _NAMES[stamp] = sorted(p.stem for p in folder.glob(f"*{RULES_SUFFIX}"))
    return list(hit)


# -- loading ----------------------------------------------------------------------------


def _unreadable(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text: byte {exc.start + 1} is {exc.object[exc.start]:#04x}"
    return exc.__class__.__name__


def check_file(path: str | Path) -> CheckResult:
    """Parse and check one ``.rules`` file; rulesets it uses are looked up beside it.

    Syntax errors come back as diagnostics too, so a caller sees one shape.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        d = Diagnostic("IIP100", ERROR, f"{path}: cannot read the file ({_unreadable(exc)})")
        return CheckResult((d,), None)
    return _check_text(text, str(path), p.resolve().parent)


def _check_text(text: str, path: str, folder: Path, _stack: tuple[str, ...] = ()) -> CheckResult:
    try:
        model = parse(text, path)
    except RulesError as exc:
        return CheckResult(exc.diagnostics, None)

    def finder(name: str) -> CheckedRuleset | Unusable | None:
        if name in _stack:
            return None
        for base_dir in (folder, packaged_dir()):
            candidate = base_dir / f"{name}{RULES_SUFFIX}"
            if candidate.is_file():
                try:
                    return _load_path(str(candidate.resolve()), (*_stack, model.name))
                except RulesError as exc:
                    # Found but broken: the user learns where, not "unknown ruleset".
                    return Unusable(_display(candidate), exc.diagnostics[0])
        return None

    return check(model, Library(finder), path)


_LOADED: dict[tuple[str, float], CheckedRuleset] = {}


def _load_cached(path: str, mtime: float, stack: tuple[str, ...]) -> CheckedRuleset:
    # Keyed by path and modification time, so an edited file is checked again;
    # the stack of rulesets being loaded only guards against 'uses' cycles.
    hit = _LOADED.get((path, mtime))
    if hit is None:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            # as check_file says it: a file that is not UTF-8 text is the user's input
            d = Diagnostic(
                "IIP100", ERROR, f"{_display(p)}: cannot read the file ({_unreadable(exc)})"
            )
            raise RulesSyntaxError((d,)) from None
        shown_as = _display(p)
        kept = _cache.get(text, shown_as, path, lambda real: _load_path(real, (*stack, p.stem)))
        if kept is not None:
            hit = kept[0]
            _remember(hit, path, p.parent)
        else:
            result = _check_text(text, shown_as, p.parent, stack)
            if result.checked is None:
                # syntax errors stop before checking: all of them are IIP1xx
                syntax = all(d.code.startswith("IIP1") for d in result.errors)
                raise (RulesSyntaxError if syntax else RulesError)(result.errors)
            hit = result.checked
            _remember(hit, path, p.parent)
            deps = _deps(hit)
            if deps is not None:
                _cache.put(text, shown_as, path, hit, deps, _refs(hit))
        _LOADED[(path, mtime)] = hit
    return hit


#: Where each checked ruleset was read from (its real path and folder), by identity;
#: the rulesets are kept in ``_LOADED`` for the life of the process.
_SOURCES: dict[int, tuple[str, Path]] = {}


def _remember(checked: CheckedRuleset, path: str, folder: Path) -> None:
    _SOURCES[id(checked)] = (path, folder)
    base = checked.base
    while base is not None and id(base) not in _SOURCES:
        # a base from the disk cache: where the finder finds it now
        found = _candidates(base.name, folder)
        real = next((c for c in found if os.path.isfile(c)), None)
        if real is None:
            return
        _SOURCES[id(base)] = (real, Path(real).parent)
        folder, base = Path(real).parent, base.base


def _refs(checked: CheckedRuleset) -> dict[int, tuple[Any, ...]]:
    """The rulesets a checked ruleset builds on, and their versions, by the file they are in."""
    out: dict[int, tuple[Any, ...]] = {}
    base = checked.base
    if base is not None:
        src = _SOURCES.get(id(base))
        if src is not None:
            out[id(base)] = (src[0],)
            out.update({id(s): (src[0], i) for i, s in enumerate(base.snapshots)})
    return out


def _candidates(name: str, folder: Path) -> list[str]:
    """Where a ruleset's ``uses NAME`` is looked for, in order (as ``_check_text``'s finder)."""
    return [str(d / f"{name}{RULES_SUFFIX}") for d in (folder, packaged_dir())]


def _deps(checked: CheckedRuleset) -> list[tuple[str, str]] | None:
    """The files a checked ruleset's result depends on, with their hashes ("": absent).

    For each ruleset it builds on: the places looked at before it (which must still
    be empty) and the file found. None when one of them is not known.
    """
    out: list[tuple[str, str]] = []
    here = _SOURCES.get(id(checked))
    base = checked.base
    while base is not None:
        src = _SOURCES.get(id(base))
        if here is None or src is None:
            return None
        for candidate in _candidates(base.name, here[1]):
            if os.path.realpath(candidate) == src[0]:
                out.append((candidate, _cache.digest(candidate)))
                break
            out.append((candidate, ""))
        here, base = src, base.base
    return out


def _display(p: Path) -> str:
    try:
        return str(p.relative_to(Path.cwd()))
    except ValueError:
        return str(p)


_RESOLVED: dict[tuple[str, str], str] = {}


def _load_path(path: str, stack: tuple[str, ...] = ()) -> CheckedRuleset:
    # Resolving a path walks every link of it; the answer is kept per (path, working
    # folder), and the file's modification time is still read each time.
    key = (path, os.getcwd())
    real = _RESOLVED.get(key)
    if real is None:
        real = _RESOLVED[key] = str(Path(path).resolve())
    return _load_cached(real, os.stat(real).st_mtime, stack)


def load(ref: str | Path) -> CheckedRuleset:
    """Load a ruleset by packaged name (``standard``) or by path, parsed and checked.

    A ``@version`` suffix is accepted and ignored here; see ``resolve_ref``.

    Raises:
        RulesetNotFound: no such file or packaged ruleset.
        RulesSyntaxError: the ruleset does not follow the grammar (a ``RulesError``).
        RulesError: the ruleset has check errors (with every diagnostic).
    """
    name, _ = split_ref(str(ref))
    p = Path(name)
    if p.suffix == RULES_SUFFIX or p.exists():
        if not p.is_file():
            raise RulesetNotFound(f"no ruleset file '{name}'")
        return _load_path(str(p))
    candidate = packaged_dir() / f"{name}{RULES_SUFFIX}"
    if not candidate.is_file():
        from iiprules.diagnostics import did_you_mean

        hint = did_you_mean(name, packaged_names())
        raise RulesetNotFound(
            f"no packaged ruleset '{name}'"
            + (f"; {hint}" if hint else f" (packaged: {', '.join(packaged_names())})")
        )
    return _load_path(str(candidate))


def split_ref(ref: str) -> tuple[str, str | None]:
    """``standard@2009`` → ``("standard", "2009")``; no ``@`` → ``(ref, None)``."""
    if "@" in ref:
        name, version = ref.rsplit("@", 1)
        return name, version or None
    return ref, None


def resolve_ref(ref: str, on: dt.date | None = None) -> tuple[CheckedRuleset, Snapshot]:
    """A ruleset and the version named (``name@version``) or in force on a date.

    Raises:
        RulesetNotFound: no such ruleset, version, or no version in force on the date.
    """
    name, version = split_ref(ref)
    checked = load(name)
    if version is not None:
        try:
            return checked, checked.version(version)
        except KeyError:
            have = ", ".join(s.label for s in checked.snapshots)
            raise RulesetNotFound(
                f"ruleset '{checked.name}' has no version '{version}' (versions: {have})"
            ) from None
    if on is None:
        return checked, checked.snapshots[-1]
    snap = checked.in_force(on)
    if snap is None:
        raise RulesetNotFound(f"no version of '{checked.name}' is in force on {on.isoformat()}")
    return checked, snap


@functools.cache
def _evaluator(checked: CheckedRuleset, label: str, base_label: str | None) -> Evaluator:
    own = checked.version(label)
    base = checked.base.version(base_label) if checked.base and base_label else None
    from iiprules.check import merge

    return Evaluator(merge(base, own))


def evaluator_for(checked: CheckedRuleset, snap: Snapshot, on: dt.date | None = None) -> Evaluator:
    """The compiled evaluator of a version (cached), merged with the version it builds on.

    Raises:
        RulesetNotFound: the ruleset builds on another one that has no suitable version.
    """
    base = checked.base_for(snap, on)
    if checked.model.uses is not None and base is None:
        when = f" in force on {on.isoformat()}" if on else ""
        raise RulesetNotFound(
            f"'{checked.name}@{snap.label}' uses '{checked.model.uses.name}', "
            f"which has no suitable version{when}"
        )
    return _evaluator(checked, snap.label, base.label if base else None)


# -- judging evidence ---------------------------------------------------------------------


EvidenceLike = str | Path | Mapping[str, Any] | Evidence


def evaluators_for(evidence: Evidence, rulesets: Sequence[str] | None = None) -> list[Evaluator]:
    """The evaluators that judge this evidence.

    Args:
        evidence: the organisation's evidence (its date picks the versions).
        rulesets: refs such as ``standard`` or ``lm_theme@2009`` or paths; None for every
            packaged ruleset with a version in force on the assessment date.

    Raises:
        RulesetNotFound: a named ruleset or version does not exist or is not in force.
    """
    on = evidence.assessed_on
    out: list[Evaluator] = []
    if rulesets:
        for ref in rulesets:
            checked, snap = resolve_ref(ref, on)
            pinned = split_ref(ref)[1] is not None
            out.append(evaluator_for(checked, snap, None if pinned else on))
        return out
    for name in packaged_names():
        checked = load(name)
        in_force = checked.in_force(on)
        if in_force is None:
            continue
        try:
            out.append(evaluator_for(checked, in_force, on))
        except RulesetNotFound:
            continue
    if not out:
        raise RulesetNotFound(f"no packaged ruleset is in force on {on.isoformat()}")
    return out


def evaluate(
    evidence: EvidenceLike, rulesets: Sequence[str] | str | None = None, explain: bool = True
) -> Outcome:
    """Judge one organisation.

    Args:
        evidence: a YAML/JSON file path, a mapping, or an ``Evidence``.
        rulesets: a ref or refs (``standard``, ``standard@2004``, a path); None for every
            packaged ruleset in force on the assessment date.
        explain: build the explanation traces.

    Returns:
        The outcome: level reached, every award, and why.

    Raises:
        EvidenceError: the evidence is malformed or does not fit the rulesets.
        RulesetNotFound: a ruleset or version cannot be found or is not in force.
        RulesError: a ruleset has errors.
    """
    refs = (rulesets,) if isinstance(rulesets, str) else tuple(rulesets or ())
    if type(evidence) is dict:
        # A plain dict is first offered to the validator's fast path, which only
        # accepts; anything it does not accept is read the complete way below.
        on = parse_date(evidence.get("assessed_on"))
        if on is not None:
            judges = _judges(refs, on)
            fast = judges.validator.accept(evidence, on)
            if fast is not None:
                return combine([e.evaluate(fast, explain) for e in judges.evaluators])
    ev = load_evidence(evidence, defer=True)
    judges = _judges(refs, ev.assessed_on)
    ev = judges.validator.validate(ev)
    return combine([e.evaluate(ev, explain) for e in judges.evaluators])


class _Judges:
    """The evaluators for some refs on a date, what validating needs, and when to look again.

    ``evaluate`` is called once per organisation; finding its rulesets through the
    file system each time (``Path.resolve``, ``stat``, a folder listing) cost more
    than judging. The answer is kept per (refs, date, working folder) and used while
    the files it came from keep their modification times: one ``os.stat`` per file,
    as ``load`` itself checks them.
    """

    __slots__ = ("elsewhere", "evaluators", "scopes", "stamps", "validator")

    def __init__(self, evaluators: list[Evaluator], stamps: tuple[tuple[str, int], ...]) -> None:
        self.evaluators = evaluators
        self.scopes = [e.scope for e in evaluators]
        self.elsewhere = _elsewhere(evaluators)
        self.validator = validator(self.scopes, self.elsewhere)
        self.stamps = stamps

    def fresh(self) -> bool:
        """Whether every file the answer came from is unchanged."""
        for path, mtime in self.stamps:
            try:
                if os.stat(path).st_mtime_ns != mtime:
                    return False
            except OSError:
                return False
        return True


_JUDGES: dict[tuple[tuple[str, ...], dt.date, str], _Judges] = {}


_REF_NAMES: dict[tuple[str, ...], tuple[list[str], bool]] = {}


def _judges(refs: tuple[str, ...], on: dt.date) -> _Judges:
    """``evaluators_for`` with the answer kept while its files are unchanged (see ``_Judges``)."""
    got = _REF_NAMES.get(refs)
    if got is None:
        names = [split_ref(r)[0] for r in refs]
        # a ref other than an absolute path may name a file in the working folder
        got = _REF_NAMES[refs] = (names, any(not os.path.isabs(n) for n in names))
    names, relative = got
    key = (refs, on, os.getcwd() if relative else "")
    hit = _JUDGES.get(key)
    if hit is not None and hit.fresh():
        return hit
    stamps = _stamps(names)
    evaluators = evaluators_for(Evidence("", on), list(refs) or None)
    hit = _JUDGES[key] = _Judges(evaluators, stamps)
    return hit


def _stamps(names: Sequence[str]) -> tuple[tuple[str, int], ...]:
    """The files (and, for every packaged ruleset, the folder) a lookup depends on."""
    paths: list[str] = []
    if not names:
        folder = packaged_dir()
        paths.append(str(folder))
        paths.extend(str(folder / f"{n}{RULES_SUFFIX}") for n in packaged_names())
    for name in names:
        p = Path(name)
        if p.suffix == RULES_SUFFIX or p.exists():
            paths.append(str(p))
        else:
            paths.append(str(packaged_dir() / f"{name}{RULES_SUFFIX}"))
    out: list[tuple[str, int]] = []
    for path in paths:
        try:
            out.append((path, os.stat(path).st_mtime_ns))
        except OSError:
            out.append((path, -1))
    return tuple(out)


_ELSEWHERE: dict[tuple[Evaluator, ...], dict[str, str]] = {}


def _elsewhere(evaluators: Sequence[Evaluator]) -> dict[str, str]:
    """Requirement ids of other versions of the rulesets judging, with their version.

    Evaluators are compiled once and cached, so the table is built once per set of them
    rather than on every organisation judged.
    """
    key = tuple(evaluators)
    hit = _ELSEWHERE.get(key)
    if hit is None:
        hit = _ELSEWHERE[key] = _build_elsewhere(evaluators)
    return hit


def _build_elsewhere(evaluators: Sequence[Evaluator]) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in evaluators:
        for s in (e.scope.base, e.scope):
            if s is None:
                continue
            try:
                checked = load(s.ruleset)
            except (RulesetNotFound, RulesError):
                continue
            for snap in checked.snapshots:
                for rid in snap.requirements:
                    out.setdefault(rid, snap.key)
    return out


#: What ``evaluate_many`` does with an organisation it cannot judge.
ERRORS = ("raise", "collect", "skip")


@overload
def evaluate_many(
    evidences: Iterable[EvidenceLike],
    rulesets: Sequence[str] | str | None = ...,
    explain: bool = ...,
    errors: Literal["raise", "skip"] = ...,
) -> Iterator[Outcome]: ...


@overload
def evaluate_many(
    evidences: Iterable[EvidenceLike],
    rulesets: Sequence[str] | str | None = ...,
    explain: bool = ...,
    *,
    errors: Literal["collect"],
) -> Iterator[Outcome | IIPError]: ...


def evaluate_many(
    evidences: Iterable[EvidenceLike],
    rulesets: Sequence[str] | str | None = None,
    explain: bool = False,
    errors: str = "raise",
) -> Iterator[Outcome] | Iterator[Outcome | IIPError]:
    """Judge many organisations lazily, in input order, as ``evaluate`` judges each.

    The rulesets in force are resolved once per assessment date and the compiled
    fast path decides (``explain`` adds the traces). For a whole population file,
    ``evaluate_population`` is faster still.

    Args:
        evidences: evidence as ``evaluate`` takes it (paths, mappings, ``Evidence``).
        rulesets: as for ``evaluate``.
        explain: build the explanation traces.
        errors: what to do with an organisation that cannot be judged (bad evidence,
            no ruleset in force on its date): ``"raise"`` its error, ending the
            iteration; ``"collect"`` it: yield the error in the organisation's place,
            so the i-th item is always the i-th organisation's outcome or error;
            ``"skip"`` it: yield only outcomes. Every error's ``index`` is the
            organisation's position in ``evidences`` (0-based).

    Raises:
        ValueError: ``errors`` is none of ``ERRORS``.
        EvidenceError, RulesetNotFound, RulesError: with ``errors="raise"``, as
            ``evaluate``, at the organisation concerned (its ``index`` set).
    """
    if errors not in ERRORS:
        raise ValueError(f"errors must be one of {', '.join(ERRORS)}, not {errors!r}")
    return _evaluate_many(evidences, rulesets, explain, errors)


def _evaluate_many(
    evidences: Iterable[EvidenceLike],
    rulesets: Sequence[str] | str | None,
    explain: bool,
    errors: str,
) -> Iterator[Any]:
    from iiprules import batch

    refs = (rulesets,) if isinstance(rulesets, str) else tuple(rulesets or ())
    for result in batch.outcomes(evidences, PopulationRulesets(refs), explain):
        if isinstance(result, IIPError):
            if errors == "raise":
                raise result
            if errors == "skip":
                continue
        yield result


@frozen
class PopulationRulesets:
    """The rulesets judging a population, for ``batch``.

    ``refs`` as for ``evaluate`` (``standard``, ``lm_theme@2009``, paths); when empty,
    every packaged ruleset in force on each assessment date.
    """

    refs: tuple[str, ...] = ()

    def judges(self, on: dt.date) -> list[Evaluator]:
        """The evaluators for an assessment date (see ``evaluators_for``).

        Raises:
            RulesetNotFound: a ruleset or version is missing or not in force.
        """
        return evaluators_for(Evidence("", on), list(self.refs) or None)

    def elsewhere(self, evaluators: Sequence[Evaluator]) -> dict[str, str]:
        """Requirement ids of other versions of these rulesets, with their version."""
        return _elsewhere(evaluators)

    def versions(self) -> list[Snapshot]:
        """Every version of the rulesets (and those they use) that may judge."""
        names = [split_ref(r)[0] for r in self.refs] or packaged_names()
        out: list[Snapshot] = []
        for name in names:
            chain: list[CheckedRuleset] = []
            checked: CheckedRuleset | None = load(name)
            while checked is not None:
                chain.append(checked)
                checked = checked.base
            for c in reversed(chain):  # the rulesets used first
                out.extend(s for s in c.snapshots if s not in out)
        return out


def evaluate_population(
    source: str | Path,
    rulesets: Sequence[str] | str | None = None,
    out: str | Path | None = None,
    jobs: int = 1,
    progress: bool | None = None,
) -> Summary:
    """Judge a whole population file or folder; write one outcome row per organisation.

    Args:
        source: ``.jsonl`` (``-``: standard input), ``.json`` array, ``.csv`` (one row
            per organisation, one column per requirement or a ``met`` list column), or
            a folder of evidence files.
        rulesets: as for ``evaluate``.
        out: ``.jsonl``, ``.csv`` or ``.parquet`` (``-``: JSONL on standard output);
            None to only count.
        jobs: worker processes; the output is the same, in input order.
        progress: a progress line on standard error (None: when it is a terminal).

    Returns:
        A ``batch.Summary``: counts per level and award, and the rows in error.

    Raises:
        EvidenceError: the population or output cannot be read, written or recognised.
        RulesetNotFound, RulesError: a named ruleset is missing or has errors.
    """
    from iiprules import batch

    refs = (rulesets,) if isinstance(rulesets, str) else tuple(rulesets or ())
    provider = PopulationRulesets(refs)
    provider.versions()  # a missing or broken ruleset fails here, not row by row
    return batch.evaluate_population(source, provider, out, jobs, progress)


# -- embedded examples --------------------------------------------------------------------


@frozen
class ExampleResult:
    """The result of one embedded example."""

    ruleset: str
    version: str
    name: str
    passed: bool
    failures: tuple[str, ...]
    span: m.Span


def example_evidence(scope: Snapshot, ex: m.Example, default_date: dt.date) -> Evidence:
    """The evidence an example describes, in the terms of a merged snapshot."""
    on = default_date
    for g in ex.givens:
        if isinstance(g, m.GivenDate):
            on = g.date
    met: list[str] = []
    pools: dict[str, int] = {}
    facts: dict[str, m.Value] = {}
    history: list[Earlier] = []

    def add(
        sel: m.Selection, limit: int | None, into: list[str], into_pools: dict[str, int]
    ) -> None:
        reqs = [r for r in select(scope, sel).values() if r.maps is None]
        named = [r for r in reqs if isinstance(r.node, m.Requirement)]
        groups = [r for r in reqs if isinstance(r.node, m.Unnamed)]
        left = limit
        for r in named:
            if left is not None and left <= 0:
                break
            if r.id not in into:
                into.append(r.id)
                left = None if left is None else left - 1
        for r in groups:
            assert isinstance(r.node, m.Unnamed)
            take = r.node.count if left is None else min(left, r.node.count)
            if take <= 0:
                break
            into_pools[r.id] = max(into_pools.get(r.id, 0), take)
            left = None if left is None else left - take

    for g in ex.givens:
        match g:
            case m.GivenMet(selection=s, count=n):
                add(s, n, met, pools)
            case m.GivenUnmet(selection=s):
                gone = select(scope, s)
                met = [x for x in met if x not in gone]
                pools = {k: v for k, v in pools.items() if k not in gone}
            case m.GivenFact(fact=f, value=v):
                facts[f] = v
            case m.GivenEarlier(date=d, selection=s):
                h_met: list[str] = []
                h_pools: dict[str, int] = {}
                add(s, None, h_met, h_pools)
                history.append(Earlier(d, frozenset(h_met), h_pools))
    raw = {k: v for k, v in facts.items()}
    return Evidence(
        f"example '{ex.name}'", on, frozenset(met), pools, {}, tuple(history), raw_facts=raw
    )


def run_examples(checked: CheckedRuleset) -> list[ExampleResult]:
    """Run every example embedded in a ruleset, and check its invariants on each."""
    results: list[ExampleResult] = []
    for snap in checked.snapshots:
        for ex in snap.examples:
            failures: list[str] = []
            try:
                evaluator = evaluator_for(checked, snap, None)
                ev = example_evidence(evaluator.scope, ex, snap.effective)
                evaluator = (
                    evaluator_for(checked, snap, ev.assessed_on) if checked.base else evaluator
                )
                ev = validate(ev, [evaluator.scope])
                outcome = evaluator.evaluate(ev, explain=False)
            except (EvidenceError, RulesetNotFound) as exc:
                results.append(
                    ExampleResult(checked.name, snap.label, ex.name, False, (str(exc),), ex.span)
                )
                continue
            for e in ex.expects:
                if isinstance(e, m.ExpectLevel):
                    got = outcome.level or "none"
                    if got != e.level:
                        failures.append(f"expected level {e.level}, got {got}")
                elif outcome.award(e.award) != e.eligible:
                    failures.append(
                        f"expected {'' if e.eligible else 'no '}award {e.award}, "
                        f"got {'yes' if outcome.award(e.award) else 'no'}"
                    )
            for inv in outcome.invariants:
                if not inv.holds:
                    failures.append(f"invariant '{inv.id}' ({inv.title}) does not hold")
            results.append(
                ExampleResult(
                    checked.name, snap.label, ex.name, not failures, tuple(failures), ex.span
                )
            )
    return results


def rules_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand folders to the ``.rules`` files in them, sorted; files are kept as given."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(p.glob(f"*{RULES_SUFFIX}")))
        else:
            out.append(p)
    return out
