"""Earlier assessments and pending lists in bulk: rows of a chunk → checks and kernel inputs.

Input → output: the ``history`` and ``pending`` values of a chunk's rows (parsed
JSON) and the group of evaluators judging them → which rows pass the same checks
``evidence.load`` and ``evidence.validate`` make, and, for the vectorised kernels
(``Evaluator.vector_kernel(history=True)``), what earlier assessments credit in
each window the rules count and the built-in history facts, as arrays.

Rows with earlier assessments were 44% of a generated population and each cost
~230 µs on the one-by-one path; here an entry costs a few dictionary look-ups and
the rest is numpy. Anything this module is not sure of (an unusual shape, an
unknown id, a date after the assessment) leaves the row to the careful path,
which gives the exact message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from iiprules import model as m
from iiprules._batch.tokens import _encode_lists
from iiprules.check import RECOGNITION_YEARS
from iiprules.evidence import HISTORY_FIELDS

# The judge and its groups are passed in (``_batch.judge`` calls this module; naming
# their classes here would be an import circle): ``_Judge`` and ``_Group`` are ``Any``.
_Judge = Any
_Group = Any

_HISTORY_KEYS = frozenset(HISTORY_FIELDS)


class _GroupInfo:
    """What checking earlier assessments needs of a group, made once per group."""

    def __init__(self, judge: _Judge, g: _Group, np: Any) -> None:
        layout = judge.layout
        assert layout is not None
        if g.elsewhere is None:
            g.elsewhere = judge.rulesets.elsewhere(g.evaluators)
        reqs: dict[str, Any] = {}
        for s in g.scopes:
            reqs.update(s.requirements)
        # an earlier assessment may list an id of any version of these rulesets, but not
        # one the versions judging now derive through a mapping
        allowed = set(g.elsewhere) | set(reqs)
        allowed -= {k for k, r in reqs.items() if r.maps is not None}
        words = np.zeros(layout.words, np.uint64)
        for rid in allowed:
            pos = layout.bits.get(rid)
            if pos is not None:
                words[pos >> 6] |= np.uint64(1 << (pos & 63))
        self.not_allowed = ~words
        self.levels = {lv.id for s in g.scopes for lv in s.levels} | {"none"}
        self.sizes = {k: r.node.count for k, r in reqs.items() if isinstance(r.node, m.Unnamed)}
        self.years = sorted({y for e in g.evaluators for y in e.credit_years})


def _info(judge: _Judge, g: _Group, np: Any) -> _GroupInfo:
    hit: _GroupInfo | None = getattr(g, "_history_info", None)
    if hit is None:
        hit = _GroupInfo(judge, g, np)
        g._history_info = hit
    return hit


def pending_ok(g: _Group, docs: Sequence[Mapping[str, Any]], words: Any, np: Any) -> Any:
    """Which rows' ``pending`` lists pass: listable ids, once each, none also met."""
    k = len(docs)
    ok = np.ones(k, np.bool_)
    pends = [d.get("pending") for d in docs]
    present = ["pending" in d for d in docs]
    if not any(present):
        return ok
    ok &= np.array([not p or type(x) is list for p, x in zip(present, pends, strict=True)])
    layout = g.layout
    assert layout is not None
    pw, listed = _encode_lists([x if type(x) is list else [] for x in pends], layout, np)
    ok &= listed
    for w in range(layout.words):
        ok &= (pw[w] & g.listable_words[w]) == 0
        ok &= (pw[w] & words[w]) == 0
    return ok


class History:
    """The earlier assessments of a chunk's rows, checked, as arrays (see ``for_rows``)."""

    def __init__(self, ok: Any, credits: dict[int, tuple[Any, Any]], facts: dict[str, Any]):
        self.ok = ok
        self.credits = credits
        self.facts = facts

    def for_rows(self, keep: Any, words: Any, pools: Any) -> dict[str, Any]:
        """The kernels' ``H`` for the rows kept (``keep``: their indexes, or None for all)."""
        out: dict[str, Any] = {}
        for years, (hw, hp) in self.credits.items():
            if keep is not None:
                hw, hp = hw[:, keep], hp[:, keep]
            out[f"cm{years}"] = words | hw
            out[f"cp{years}"] = pools if not len(hp) else _max(pools, hp)
        for name, arr in self.facts.items():
            out[name] = arr if keep is None else arr[keep]
        return out


def _max(a: Any, b: Any) -> Any:
    import numpy as np

    return np.maximum(a, b.astype(a.dtype))


def history(
    judge: _Judge, g: _Group, docs: Sequence[Mapping[str, Any]], on: Any, np: Any
) -> History | None:
    """Check the rows' earlier assessments and make the arrays; None when no row has any."""
    k = len(docs)
    if not any("history" in d for d in docs):
        return None
    info = _info(judge, g, np)
    layout = judge.layout
    assert layout is not None
    ok = np.ones(k, np.bool_)
    rows: list[int] = []
    dates: list[int] = []
    recognised: list[bool] = []
    mets: list[Any] = []
    counts: list[tuple[int, str, int]] = []  # (entry, group, count)
    date_of = judge.date
    for j, d in enumerate(docs):
        if "history" not in d:
            continue
        h = d["history"]
        if type(h) is not list:
            ok[j] = False
            continue
        on_j = int(on[j])
        for e in h:
            if type(e) is not dict or not _HISTORY_KEYS.issuperset(e):
                ok[j] = False
                break
            got = date_of(e.get("assessed_on"))
            met = e.get("met", ())
            level = e.get("level")
            if (
                got is None
                or (type(met) is not list and met != ())
                or ("level" in e and (type(level) is not str or level not in info.levels))
                or ("ruleset" in e and type(e["ruleset"]) is not str)
            ):
                ok[j] = False
                break
            key = got[0].year * 10000 + got[0].month * 100 + got[0].day
            if key > on_j:
                ok[j] = False
                break
            um = e.get("unnamed_met")
            if um is not None or "unnamed_met" in e:
                if type(um) is not dict:
                    ok[j] = False
                    break
                bad = False
                for gid, n in um.items():
                    if type(n) is not int or n < 0 or n > info.sizes.get(gid, n):
                        bad = True
                        break
                    if gid in info.sizes and gid in layout.pools:
                        counts.append((len(rows), gid, n))
                if bad:
                    ok[j] = False
                    break
            rows.append(j)
            dates.append(key)
            recognised.append(level is None or level != "none")
            mets.append(met if met != () else [])
    row = np.array(rows, np.int64)
    when = np.array(dates, np.int64)
    words, listed = _encode_lists(mets, layout, np)
    for w in range(layout.words):
        listed &= (words[w] & info.not_allowed[w]) == 0
    if len(row):
        ok[row[~listed]] = False
    credits: dict[int, tuple[Any, Any]] = {}
    n_pools = max(len(layout.pools), 1)
    for years in info.years:
        since = _years_before(on, years, np)
        inside = (when >= since[row]) & (when <= on[row]) if len(row) else np.zeros(0, np.bool_)
        hw = np.zeros((layout.words, k), np.uint64)
        for w in range(layout.words):
            np.bitwise_or.at(hw[w], row[inside], words[w][inside])
        hp = np.zeros((n_pools, k), np.int32) if counts else np.zeros((0, k), np.int32)
        for entry, gid, n in counts:
            if inside[entry]:
                r = layout.pools[gid]
                j = rows[entry]
                hp[r, j] = max(hp[r, j], n)
        credits[years] = (hw, hp)
    return History(ok, credits, _facts(row, when, np.array(recognised, np.bool_), on, k, np))


def _facts(row: Any, when: Any, recognised: Any, on: Any, k: int, np: Any) -> dict[str, Any]:
    """The built-in history facts (``evaluate.history_facts``) of every row, vectorised.

    ``since``/``prev`` are ``yyyymmdd`` integers, 0 when unknown.
    """
    prev = np.zeros(k, np.int64)
    since = np.zeros(k, np.int64)
    consec = np.zeros(k, np.int64)
    if not len(row):
        return {"prev": prev, "since": since, "consec": consec}
    np.maximum.at(prev, row, when)
    # newest first within each row; equal dates in reverse list order, as
    # history_facts walks a stable sort backwards
    order = np.lexsort((-np.arange(len(row)), -when, row))
    r, w, rec = row[order], when[order], recognised[order]
    first = np.searchsorted(r, r)  # where each row's entries start
    rank = np.arange(len(r)) - first
    alive = np.ones(k, np.bool_)
    nxt = on.astype(np.int64).copy()
    for step in range(int(rank.max()) + 1):
        at = rank == step
        rr = r[at]
        holds = alive[rr] & rec[at] & (_years_before(nxt[rr], RECOGNITION_YEARS, np) <= w[at])
        consec[rr] += holds
        since[rr] = np.where(holds, w[at], since[rr])
        nxt[rr] = np.where(holds, w[at], nxt[rr])
        alive[rr] &= holds
    return {"prev": prev, "since": since, "consec": consec}


def _years_before(keys: Any, years: int, np: Any) -> Any:
    """``evaluate.years_before`` on ``yyyymmdd`` integers: 29 February → 28; never before 1."""
    keys = np.asarray(keys, np.int64)
    year = keys // 10000 - years
    md = keys % 10000
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    md = np.where((md == 229) & ~leap, 228, md)
    return np.where(year < 1, 0, year * 10000 + md)
