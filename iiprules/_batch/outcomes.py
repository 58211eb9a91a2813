"""Whole outcomes (``Outcome``) for many organisations, in bulk: what ``api.evaluate_many`` yields.

Input → output: an iterable of evidence (mappings, files, ``Evidence``) and the
rulesets' provider → one ``Outcome`` per organisation, lazily, in input order,
each equal to what ``api.evaluate(..., explain=False)`` returns for it.

Mappings are taken a chunk at a time and judged by the vectorised kernels in
their ``full`` form (every level, ``applies when`` and derived flag, as an
``Outcome`` reports), through the same bulk checks as a population file
(``_Judge._bulk``). Organisations with the same answers share everything in
their outcome but their name, date and list of ids: each distinct answer is made
into an outcome once (by ``Evaluator.outcome_of`` and ``evaluate.combine``, as the
single path makes it) and the others are copies of it with their own fields.
Anything the bulk checks leave (files, ``Evidence`` objects, unusual mappings,
mistakes) is judged one by one, so its outcome or its error is the single path's,
raised when its turn comes.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from types import MappingProxyType
from typing import Any

from iiprules._batch.judge import _Judge
from iiprules._batch.rows import Rulesets
from iiprules.diagnostics import IIPError
from iiprules.evaluate import Outcome, combine
from iiprules.evidence import load as load_evidence
from iiprules.evidence import validate

#: Organisations judged together (enough for numpy to pay, few enough to stay lazy).
CHUNK = 2048


def outcomes(evidences: Iterable[Any], rulesets: Rulesets, explain: bool = False) -> Iterator[Any]:
    """Each organisation's ``Outcome``, lazily, in input order (see the module).

    An organisation that cannot be judged yields its ``IIPError`` in its place, with
    ``index`` set to its position (as ``batch.outcomes`` promises).
    """
    judge = _Judge(rulesets, vectorise=not explain)
    judge.full = True
    items = iter(evidences)
    first = 0
    while True:
        chunk = list(itertools.islice(items, CHUNK))
        if not chunk:
            return
        made = _bulk(judge, chunk) if judge.np is not None else {}
        for i, item in enumerate(chunk):
            hit = made.get(i)
            yield hit if hit is not None else _one(judge, item, rulesets, explain, first + i)
        first += len(chunk)


def _one(judge: _Judge, item: Any, rulesets: Rulesets, explain: bool, index: int) -> Any:
    """One organisation on the single path: its outcome, or its error with ``index`` set."""
    try:
        ev = load_evidence(item, defer=True)
        group = judge.group(ev.assessed_on)
        if group.elsewhere is None:
            group.elsewhere = rulesets.elsewhere(group.evaluators)
        ev = validate(ev, group.scopes, group.elsewhere)
        return combine([e.evaluate(ev, explain) for e in group.evaluators])
    except IIPError as exc:
        exc.index = index
        return exc


def _bulk(judge: _Judge, chunk: list[Any]) -> dict[int, Outcome]:
    """The outcomes of the chunk's rows that pass the bulk checks, by position."""
    np = judge.np
    docs = [x if type(x) is dict else None for x in chunk]
    if not any(d is not None for d in docs):
        return {}
    judged = judge._bulk(docs, None, "<evaluate_many>", 0, wheres=[""] * len(docs))
    made: dict[int, Outcome] = {}
    dates = judge.date
    for g, part, pdocs, found, results in judged.full:
        shared = _shared(g)
        first = shared.level_from
        # the decisions: the answer code (rank, awards, invariants) and every level's flag
        level_flags = list(results[first][3])
        k = len(part)
        decisions = _distinct(np, k, [g.codes(results, np)], level_flags)
        derived = _distinct(np, k, [], [a for r in results for a in r[5]])
        na = _distinct(np, k, [], [a for r in results for a in r[4]])
        dec = _made(shared.decisions, decisions, _decisions, g, results)
        der = _made(shared.derived, derived, _derived, g, results)
        nas = _made(shared.na, na, _not_applicable, g, results)
        rulesets, text, titles = shared.rulesets, shared.text, shared.titles
        for i, d, (iso, _key, _g), (level, title, lv, aw, inv), dv, nv in zip(
            part,
            pdocs,
            found,
            map(dec.__getitem__, decisions[1]),
            map(der.__getitem__, derived[1]),
            map(nas.__getitem__, na[1]),
            strict=True,
        ):
            made[i] = Outcome(
                d["organisation"],
                dates(iso)[0],  # type: ignore[index]
                rulesets,
                level,
                title,
                lv,
                aw,
                inv,
                _met(chunk[i]),
                dv,
                nv,
                text,
                titles,
            )
    return made


class _Shared:
    """What every outcome of a group of evaluators shares (as ``combine`` makes it)."""

    def __init__(self, g: Any) -> None:
        evaluators = g.evaluators
        self.level_from = next((i for i, e in enumerate(evaluators) if e.level_ids), 0)
        rulesets: list[tuple[str, str]] = []
        text: dict[str, str] = {}
        titles: dict[str, str] = {}
        for e in evaluators:
            rulesets.extend(r for r in e.rulesets if r not in rulesets)
        for e in evaluators:
            text.update(e.text)
            titles.update(e.titles)
        self.rulesets = tuple(rulesets)
        if len(evaluators) == 1:  # combine returns a single outcome as it is
            text, titles = evaluators[0].text, evaluators[0].titles
        self.text = text
        self.titles = titles
        # parts of outcomes already made, by the bytes of their flags (kept across chunks)
        self.decisions: dict[bytes, Any] = {}
        self.derived: dict[bytes, Any] = {}
        self.na: dict[bytes, Any] = {}


def _made(
    cache: dict[bytes, Any], distinct: Any, make: Any, g: Any, results: list[Any]
) -> list[Any]:
    """The part for each distinct combination, made once per run of ``evaluate_many``."""
    firsts, _which, keys = distinct
    out = []
    for j, key in zip(firsts, keys, strict=True):
        hit = cache.get(key)
        if hit is None:
            hit = cache[key] = make(g, results, j)
        out.append(hit)
    return out


def _shared(g: Any) -> _Shared:
    hit: _Shared | None = getattr(g, "_outcome_shared", None)
    if hit is None:
        hit = g._outcome_shared = _Shared(g)
    return hit


def _distinct(
    np: Any, n: int, codes: list[Any], flags: list[Any]
) -> tuple[list[int], list[int], list[bytes]]:
    """A representative row of each distinct combination, each row's, and their bytes."""
    parts = [c.astype(np.int64).view(np.uint8).reshape(-1, 8).T for c in codes]
    if flags:
        parts.append(np.packbits(np.stack(flags), axis=0))
    if not parts:
        return [0], [0] * n, [b""]
    table = np.ascontiguousarray(np.vstack(parts).T)
    key = table.view(np.dtype((np.void, table.shape[1]))).reshape(-1)
    u, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return first.tolist(), inverse.reshape(-1).tolist(), [bytes(x) for x in u.tolist()]


def _decisions(g: Any, results: list[Any], j: int) -> tuple[Any, ...]:
    """Level, its title and the decisions of the row at ``j`` (as ``combine`` keeps them)."""
    evaluators = g.evaluators
    first = _shared(g).level_from
    e = evaluators[first]
    rank, _aw, _inv, levels, _ap, _de = results[first]
    r = int(rank[j])
    level = e._levels[r][0] if r >= 0 else None
    lv = tuple(pair[bool(f[j])] for pair, f in zip(e._level_decisions, levels, strict=True))
    awards: dict[str, Any] = {}
    invariants: dict[str, Any] = {}
    for e, (_r, aw, inv, _l, _a, _d) in zip(evaluators, results, strict=True):
        for pair, f in zip(e._award_decisions, aw, strict=True):
            awards.setdefault(pair[0].id, pair[bool(f[j])])
        for pair, f in zip(e._invariant_decisions, inv, strict=True):
            invariants.setdefault(pair[0].id, pair[bool(f[j])])
    return (
        level.id if level else None,
        level.title if level else None,
        lv,
        tuple(awards.values()),
        tuple(invariants.values()),
    )


def _derived(g: Any, results: list[Any], j: int) -> Any:
    out: dict[str, bool] = {}
    for e, r in zip(g.evaluators, results, strict=True):
        out.update(zip(e._derived_list, (bool(f[j]) for f in r[5]), strict=True))
    # shared by every organisation with these flags: not to be changed through one of them
    return MappingProxyType(out)


def _not_applicable(g: Any, results: list[Any], j: int) -> tuple[str, ...]:
    out: list[str] = []
    for e, r in zip(g.evaluators, results, strict=True):
        out.extend(
            rid for rid, f in zip(e._na_ids, r[4], strict=True) if not f[j] and rid not in out
        )
    return tuple(out)


def _met(doc: dict[str, Any]) -> frozenset[str]:
    met = doc.get("met")
    return frozenset(met) if met else frozenset()
