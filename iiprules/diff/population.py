"""Population impact: two versions and a population → whom the change affects (``Impact``).

Input → output: OLD and NEW refs and a population (a folder of YAML/JSON
evidence files, or a JSONL file with one evidence mapping per line) →
``Impact``: every organisation judged under both versions, pinned (the
assessment date does not pick the version); counts per level and award, moves
up and down, and the organisations that change with the first decision that
differs. Reading is lazy (``iter_population``), so memory stays constant
however large the population.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
from attrs import field, frozen

from iiprules import api
from iiprules import model as m
from iiprules._batch.read import careful_json
from iiprules.diagnostics import EvaluationError, EvidenceError, RulesetNotFound
from iiprules.diff.structure import OP_WORDS, arrow
from iiprules.evaluate import Decision, Evaluator, Outcome, Trace
from iiprules.evidence import FIELDS, HISTORY_FIELDS, Earlier, Evidence, parse_date, validate
from iiprules.evidence import load as load_evidence
from iiprules.explain import describe_selection, trace_line
from iiprules.syntax import unparse_cond

#: File endings read as one organisation each when a population is a folder.
EVIDENCE_SUFFIXES = (".yaml", ".yml", ".json")


def iter_population(path: str | Path) -> Iterator[tuple[str, Callable[[], Evidence]]]:
    """The organisations of a population, lazily: ``(where, load)`` pairs.

    ``path`` is a folder (every ``.yaml``/``.yml``/``.json`` file in it, sorted,
    and every ``.jsonl`` file line by line), a ``.jsonl`` file (one evidence
    mapping per line; blank lines skipped) or a single evidence file. ``load()``
    reads one organisation and may raise ``EvidenceError``; reading is lazy, so
    memory stays constant however large the population.

    Raises:
        EvidenceError: the path does not exist.
    """
    p = Path(path)
    if p.is_dir():
        for f in sorted(p.iterdir()):
            if f.is_file() and f.suffix in EVIDENCE_SUFFIXES:
                yield str(f), _file_loader(f)
            elif f.is_file() and f.suffix == ".jsonl":
                yield from _jsonl(f)
    elif p.is_file() and p.suffix == ".jsonl":
        yield from _jsonl(p)
    elif p.is_file():
        yield str(p), _file_loader(p)
    else:
        raise EvidenceError("no such file or folder", None, str(p), None)


def _file_loader(f: Path) -> Callable[[], Evidence]:
    return lambda: load_evidence(f)


def _jsonl(f: Path) -> Iterator[tuple[str, Callable[[], Evidence]]]:
    with f.open(encoding="utf-8") as lines:
        for n, line in enumerate(lines, 1):
            if line.strip():
                yield f"{f}:{n}", _line_loader(line, str(f), n)


def _line_loader(line: str, path: str, n: int) -> Callable[[], Evidence]:
    def load() -> Evidence:
        try:
            # as evaluate --population reads a line: on its own, no duplicate keys
            data = careful_json(line)
        except ValueError as exc:
            msg = getattr(exc, "msg", str(exc))
            raise EvidenceError(f"not valid JSON: {msg}", None, path, n) from None
        fast = _fast_evidence(data, f"{path}:{n}")
        if fast is not None:
            return fast
        try:
            ev = load_evidence(data)
        except EvidenceError as exc:
            raise exc.located(path, n) from None
        return attrs.evolve(ev, path=f"{path}:{n}")

    return load


class _Judge:
    """One side of an impact run: a pinned version, and evidence fitted to it."""

    def __init__(self, ref: str) -> None:
        checked, snap = api.resolve_ref(ref)
        self.evaluator: Evaluator = api.evaluator_for(checked, snap, None)
        scope = self.evaluator.scope
        self.scope = scope
        self.key = snap.key
        self.named = frozenset(
            k
            for k, r in scope.requirements.items()
            if isinstance(r.node, m.Requirement) and r.maps is None
        )
        self.groups = frozenset(
            k for k, r in scope.requirements.items() if isinstance(r.node, m.Unnamed)
        )
        self.facts = frozenset(scope.facts)
        self.levels = tuple(lv.id for lv in scope.levels)
        self.awards = tuple(a.id for a in scope.awards)

    def judge(self, ev: Evidence, explain: bool = False) -> Outcome:
        """The outcome under this version."""
        return self.evaluator.evaluate(ev, explain)


class _Fit:
    """Evidence restricted to what either side knows, validated once for both.

    An evidence file may serve several rulesets: requirements, groups and facts
    that neither side has are dropped (and counted), and earlier levels neither
    side knows count as recognitions. Each evaluator ignores the ids of the other.
    """

    def __init__(self, a: _Judge, b: _Judge) -> None:
        self.named = a.named | b.named
        self.groups = a.groups | b.groups
        self.facts = a.facts | b.facts
        self.levels = frozenset((*a.levels, *b.levels, "none"))
        self.scopes = [a.scope, b.scope]

    def __call__(self, ev: Evidence) -> tuple[Evidence, bool]:
        """The fitted, validated evidence, and whether anything was dropped."""
        named, groups = self.named, self.groups
        met = frozenset(x for x in ev.met if x in named)
        unnamed = {k: v for k, v in ev.unnamed_met.items() if k in groups}
        facts = {k: v for k, v in ev.raw_facts.items() if k in self.facts}
        dropped = len(met) < len(ev.met) or len(unnamed) < len(ev.unnamed_met)
        dropped = dropped or len(facts) < len(ev.raw_facts)
        history = tuple(
            h
            if h.met <= named
            and all(k in groups for k in h.unnamed_met)
            and (h.level is None or h.level in self.levels)
            else attrs.evolve(
                h,
                met=frozenset(x for x in h.met if x in named),
                unnamed_met={k: v for k, v in h.unnamed_met.items() if k in groups},
                level=h.level if h.level in self.levels else None,
            )
            for h in ev.history
        )
        if dropped or history != ev.history or not ev.pending <= named:
            ev = attrs.evolve(
                ev,
                met=met,
                pending=frozenset(x for x in ev.pending if x in named),
                unnamed_met=unnamed,
                history=history,
                raw_facts=facts,
            )
        return validate(ev, self.scopes), dropped


def _fast_evidence(data: Any, where: str) -> Evidence | None:
    """Evidence from a plain JSON mapping of the usual shape, or None to take the slow path.

    The slow path (``evidence.load``) gives the precise message for anything unusual;
    this one only skips its line bookkeeping, which JSONL does not have.
    """
    if not isinstance(data, dict) or not data.keys() <= _FIELDS:
        return None
    try:
        org, on = data["organisation"], _strict_date(data["assessed_on"])
        met = _str_set(data.get("met", []))
        pending = _str_set(data.get("pending", []))
        unnamed = _counts(data.get("unnamed_met", {}))
        facts = data.get("facts", {})
        history = tuple(_fast_earlier(h) for h in data.get("history", []))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    if not isinstance(org, str) or not isinstance(facts, dict) or met & pending:
        return None
    if None in history or any(h.assessed_on > on for h in history):  # type: ignore[union-attr]
        return None
    extra = {k: data[k] for k in ("id", "sector", "size", "notes") if k in data}
    return Evidence(
        org,
        on,
        met,
        unnamed,
        {},
        history,  # type: ignore[arg-type]
        pending,
        extra=extra,
        path=where,
        raw_facts=facts,
    )


_FIELDS = frozenset(FIELDS)


def _strict_date(text: Any) -> dt.date:
    """``YYYY-MM-DD`` only, as the evidence reader (ValueError sends a row the slow way)."""
    day = parse_date(text)
    if day is None:
        raise ValueError(text)
    return day


_HISTORY_FIELDS = frozenset(HISTORY_FIELDS)


def _str_set(v: Any) -> frozenset[str]:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise TypeError
    out = frozenset(v)
    if len(out) != len(v):
        raise ValueError  # a duplicate: the slow path names it
    return out


def _counts(v: Any) -> dict[str, int]:
    if not isinstance(v, dict):
        raise TypeError
    for x in v.values():
        if not isinstance(x, int) or isinstance(x, bool) or x < 0:
            raise ValueError
    return v


def _fast_earlier(h: Any) -> Earlier | None:
    if not isinstance(h, dict) or not h.keys() <= _HISTORY_FIELDS:
        return None
    level, ruleset = h.get("level"), h.get("ruleset")
    if not isinstance(level, (str, type(None))) or not isinstance(ruleset, (str, type(None))):
        return None
    return Earlier(
        _strict_date(h["assessed_on"]),
        _str_set(h.get("met", [])),
        _counts(h.get("unnamed_met", {})),
        ruleset,
        level,
    )


@frozen
class OrgChange:
    """An organisation whose outcome differs, and why (the first decision that differs)."""

    organisation: str
    where: str
    old_level: str | None
    new_level: str | None
    move: str
    gained: tuple[str, ...]
    lost: tuple[str, ...]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """The change as plain data."""
        return attrs.asdict(self)


@frozen
class AwardImpact:
    """One award (or an OLD award compared with a NEW one): eligible before, after, moves."""

    old_id: str | None
    new_id: str | None
    old_count: int
    new_count: int
    gained: int
    lost: int

    @property
    def label(self) -> str:
        """The award's id, or ``old → new`` when two different awards are compared."""
        if self.old_id == self.new_id:
            return str(self.old_id)
        if self.old_id is None:
            return f"{self.new_id} (NEW only)"
        if self.new_id is None:
            return f"{self.old_id} (OLD only)"
        return f"{self.old_id} → {self.new_id}"

    def to_dict(self) -> dict[str, Any]:
        """The award impact as plain data."""
        return attrs.asdict(self) | {"label": self.label}


@frozen
class Impact:
    """What changing from OLD to NEW does to a population of organisations.

    ``levels`` is the combined level order (``none`` first); ``moves`` counts
    organisations by (old level, new level); ``changes`` lists the first
    ``limit`` organisations that change, ``changed`` counts them all, and
    ``reasons`` the most common reasons (without the figures).
    """

    old: str
    new: str
    organisations: int
    judged: int
    levels: tuple[str, ...]
    old_levels: Mapping[str, int]
    new_levels: Mapping[str, int]
    moves: Mapping[tuple[str, str], int]
    up: int
    down: int
    same: int
    awards: tuple[AwardImpact, ...]
    changed: int
    changes: tuple[OrgChange, ...]
    reasons: tuple[tuple[str, int], ...] = ()
    errors: tuple[tuple[str, str], ...] = ()
    error_count: int = 0
    ignored: int = 0
    pair: tuple[str, str] | None = None
    seconds: float = field(default=0.0, eq=False)

    def to_dict(self) -> dict[str, Any]:
        """The impact as plain JSON-ready data (without the timing, which varies)."""
        return {
            "old": self.old,
            "new": self.new,
            "organisations": self.organisations,
            "judged": self.judged,
            "could_not_judge": self.error_count,
            "errors": [{"where": w, "message": e} for w, e in self.errors],
            "ignored_unknown": self.ignored,
            "levels": {
                lv: {"old": self.old_levels.get(lv, 0), "new": self.new_levels.get(lv, 0)}
                for lv in self.levels
            },
            "moves": [
                {"from": a, "to": b, "count": n}
                for (a, b), n in sorted(self.moves.items(), key=lambda kv: self._move_key(kv[0]))
            ],
            "up": self.up,
            "down": self.down,
            "same": self.same,
            "pair": list(self.pair) if self.pair else None,
            "awards": [a.to_dict() for a in self.awards],
            "changed": self.changed,
            "reasons": [{"reason": r, "count": n} for r, n in self.reasons],
            "changes": [c.to_dict() for c in self.changes],
        }

    def _move_key(self, move: tuple[str, str]) -> tuple[int, int]:
        return (self.levels.index(move[0]), self.levels.index(move[1]))


def _combined(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    """Both level orders merged, keeping each side's order (``none`` first)."""
    out: list[str] = []
    for lv in itertools.chain(*itertools.zip_longest(a, b)):
        if lv is not None and lv not in out:
            out.append(lv)
    # Put each level after the levels below it on either side.
    ordered: list[str] = []
    for lv in out:
        pos = len(ordered)
        for side in (a, b):
            if lv in side:
                above = side[side.index(lv) + 1 :]
                for i, x in enumerate(ordered):
                    if x in above:
                        pos = min(pos, i)
        ordered.insert(pos, lv)
    return ("none", *ordered)


def impact(
    old: str,
    new: str,
    population: str | Path | Iterable[tuple[str, Callable[[], Evidence]]],
    award: str | None = None,
    vs: str | None = None,
    limit: int = 50,
) -> Impact:
    """Judge every organisation under OLD and under NEW, and report who moves.

    Args:
        old: the ref judged first (``standard@2004``, ``lm_theme``, a path).
        new: the ref it is compared with.
        population: a folder, a ``.jsonl`` file or an evidence file (see
            ``iter_population``), or already-read ``(where, load)`` pairs.
        award: compare only this award of OLD (and levels) ...
        vs: ... with this award of NEW (default: the same id). ``lm_themed`` vs
            ``lm_partner`` asks who gains and who loses between Option 1 and Option 3.
        limit: how many changed organisations to list (0: all).

    Raises:
        RulesetNotFound: a ruleset, version or award does not exist.
        RulesError: a ruleset has errors.
        EvidenceError: the population path does not exist.
    """
    start = time.perf_counter()
    a, b = _Judge(old), _Judge(new)
    pair: tuple[str, str] | None = None
    if award is not None or vs is not None:
        pair = (award or str(vs), vs or str(award))
        for judge, aid, ref in ((a, pair[0], old), (b, pair[1], new)):
            if aid not in judge.awards:
                have = ", ".join(judge.awards) or "none"
                raise RulesetNotFound(f"'{ref}' has no award '{aid}' (awards: {have})")
        award_ids: list[tuple[str | None, str | None]] = [pair]
    else:
        award_ids = [(x, x if x in b.awards else None) for x in a.awards]
        award_ids += [(None, x) for x in b.awards if x not in a.awards]
    levels = _combined(a.levels, b.levels)
    rank = {lv: i for i, lv in enumerate(levels)}
    rows = iter_population(population) if isinstance(population, (str, Path)) else population
    n = judged = up = down = same = changed = ignored = error_count = 0
    old_levels: Counter[str] = Counter()
    new_levels: Counter[str] = Counter()
    moves: Counter[tuple[str, str]] = Counter()
    award_counts = [[0, 0, 0, 0] for _ in award_ids]  # old, new, gained, lost
    changes: list[OrgChange] = []
    reasons: Counter[str] = Counter()
    errors: list[tuple[str, str]] = []
    fit = _Fit(a, b)
    for where, load in rows:
        n += 1
        try:
            ev, dropped = fit(load())
            ignored += dropped
            oa, ob = a.judge(ev), b.judge(ev)
        except (EvidenceError, EvaluationError) as exc:
            error_count += 1
            if len(errors) < max(limit, 10):
                errors.append((where, str(exc)))
            continue
        judged += 1
        la, lb = oa.level or "none", ob.level or "none"
        old_levels[la] += 1
        new_levels[lb] += 1
        moves[(la, lb)] += 1
        move = "up" if rank[lb] > rank[la] else "down" if rank[lb] < rank[la] else "same"
        up += move == "up"
        down += move == "down"
        same += move == "same"
        ra, rb = oa.award_results, ob.award_results
        gained: list[str] = []
        lost: list[str] = []
        for i, (x, y) in enumerate(award_ids):
            had = bool(x and ra.get(x))
            has = bool(y and rb.get(y))
            counts = award_counts[i]
            counts[0] += had
            counts[1] += has
            if has and not had:
                counts[2] += 1
                gained.append(str(y))
            elif had and not has:
                counts[3] += 1
                lost.append(str(x))
        if move == "same" and not gained and not lost:
            continue
        changed += 1
        # Only organisations that change are judged again with explanations.
        key, detail = _reason(
            a.judge(ev, explain=True), b.judge(ev, explain=True), a, b, levels, award_ids
        )
        reasons[key] += 1
        if limit <= 0 or len(changes) < limit:
            changes.append(
                OrgChange(
                    ev.organisation,
                    where,
                    oa.level,
                    ob.level,
                    move,
                    tuple(gained),
                    tuple(lost),
                    key + detail,
                )
            )
    return Impact(
        a.key,
        b.key,
        n,
        judged,
        levels,
        dict(old_levels),
        dict(new_levels),
        dict(moves),
        up,
        down,
        same,
        tuple(
            AwardImpact(x, y, c[0], c[1], c[2], c[3])
            for (x, y), c in zip(award_ids, award_counts, strict=True)
        ),
        changed,
        tuple(changes),
        tuple(reasons.most_common(10)),
        tuple(errors),
        error_count,
        ignored,
        pair,
        time.perf_counter() - start,
    )


def _phrase(t: Trace) -> str:
    node = t.node
    match node:
        case m.Quantified(quant="all"):
            return f"all {t.total}"
        case m.Quantified(quant=q):
            return q
        case m.AtLeast(n=n):
            return f"at least {n}"
        case m.AtMost(n=n):
            return f"at most {n}"
        case m.CountCmp(op=op, n=n):
            return f"{OP_WORDS[op]} {n}"
    return unparse_cond(node)  # pragma: no cover


def _line(t: Trace, titles: Mapping[str, str]) -> str:
    # The figures without the list of what is missing: a reason stays one short line.
    return trace_line(t, titles).split("] ", 1)[-1].split("; not met: ", 1)[0]


def _mark(t: Trace) -> str:
    return "yes" if t.holds else "no"


def _trace_diff(
    ta: Trace, tb: Trace, titles_a: Mapping[str, str], titles_b: Mapping[str, str]
) -> tuple[str, str]:
    """The first place two traces of the same decision differ: (key, figures)."""
    na, nb = ta.node, tb.node
    if (
        isinstance(na, (m.And, m.Or, m.Not, m.Implies))
        and type(na) is type(nb)
        and len(ta.children) == len(tb.children)
    ):
        pairs = list(zip(ta.children, tb.children, strict=True))
        for ca, cb in pairs:
            if ca.holds != cb.holds:
                return _trace_diff(ca, cb, titles_a, titles_b)
        for ca, cb in pairs:
            if ca.node != cb.node or ca.count != cb.count:
                return _trace_diff(ca, cb, titles_a, titles_b)
    if (
        ta.count is not None
        and tb.count is not None
        and getattr(na, "selection", None) == getattr(nb, "selection", None)
    ):
        sel = describe_selection(nb.selection, None, titles_b)
        pa, pb = _phrase(ta), _phrase(tb)
        if pa != pb:
            met = f"{tb.count}" if ta.count == tb.count else f"{ta.count} → {tb.count}"
            return f"{arrow(pa, pb)} of {sel}", f": {met} met"
        return f"{pa} of {sel}", f": {ta.count} → {tb.count} met"
    return (
        f"was {_line(ta, titles_a)} [{_mark(ta)}]; now {_line(tb, titles_b)} [{_mark(tb)}]",
        "",
    )


def _gist(d: Decision, titles: Mapping[str, str]) -> str:
    """The figures that decide a decision: its counting conditions, or its failing parts."""
    if d.trace is None:
        return ""
    stack: list[Trace] = [d.trace]
    leaves: list[str] = []
    context: list[str] = []
    while stack:
        t = stack.pop()
        if t.children and isinstance(t.node, (m.And, m.Or)):
            stack.extend(reversed(t.children))
        elif d.holds or not t.holds:
            # Levels and awards a decision builds on say less than its own figures.
            into = context if isinstance(t.node, (m.LevelCmp, m.AwardRef)) else leaves
            into.append(f"{_line(t, titles)} [{_mark(t)}]")
    return "; ".join((leaves or context)[:3])


def _reason(
    oa: Outcome,
    ob: Outcome,
    a: _Judge,
    b: _Judge,
    levels: tuple[str, ...],
    award_ids: list[tuple[str | None, str | None]],
) -> tuple[str, str]:
    """The first decision that differs, levels first: (key without figures, figures)."""
    la = {d.id: d for d in oa.levels}
    lb = {d.id: d for d in ob.levels}
    for lv in levels[1:]:
        x, y = la.get(lv), lb.get(lv)
        if x is not None and y is not None and x.holds != y.holds:
            assert x.trace is not None and y.trace is not None  # judged with explain=True
            key, figures = _trace_diff(x.trace, y.trace, oa.titles, ob.titles)
            return f"{lv}: {key}", figures
        if x is None and y is not None and y.holds:
            return f"{lv}: new in {b.key}", f" ({_gist(y, ob.titles)})"
        if y is None and x is not None and x.holds:
            return f"{lv}: not in {b.key}", f" (held under {a.key}: {_gist(x, oa.titles)})"
    aa = {d.id: d for d in oa.awards}
    ab = {d.id: d for d in ob.awards}
    for xid, yid in award_ids:
        x = aa.get(xid) if xid else None
        y = ab.get(yid) if yid else None
        had, has = bool(x and x.holds), bool(y and y.holds)
        if had == has:
            continue
        if x is not None and y is not None and xid == yid:
            assert x.trace is not None and y.trace is not None
            key, figures = _trace_diff(x.trace, y.trace, oa.titles, ob.titles)
            return f"{xid}: {key}", figures
        if x is not None and y is not None:
            yes, no = (yid, xid) if has else (xid, yid)
            return (
                f"{xid} → {yid}: {'gains' if has else 'loses'} ({yes} yes, {no} no)",
                f": {xid}: {_gist(x, oa.titles)}; {yid}: {_gist(y, ob.titles)}",
            )
        if y is not None:
            return f"{yid}: new in {b.key}", f" ({_gist(y, ob.titles)})"
        if x is not None:
            return f"{xid}: not in {b.key}", f" (held under {a.key})"
    return "no decision differs", ""  # pragma: no cover - guarded by the caller
