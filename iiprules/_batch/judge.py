"""Judging chunks of a population: in bulk where the rows allow it, else one by one.

Input → output: a ``_Chunk`` → a ``_Judged`` (rows judged in bulk as columns,
the others each with its outcome or error). Rows in bulk are validated together
and judged by the evaluators' numpy kernels (or, without numpy, by the scalar
fast path); any row that does not pass goes through the evidence reader and
validator, as ``api.evaluate`` does, so its answer or its error is exactly that.

Why one module of ~800 lines: the bulk path and the one-by-one fallback must give
the same answer row for row; they are kept side by side so that a change to one is
made, and reviewed, beside the other (the differential oracle tests hold them).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from iiprules import model as m
from iiprules._batch.history import history, pending_ok
from iiprules._batch.read import Refused, _Chunk, _CsvPlan, careful_json
from iiprules._batch.rows import _EMPTY, Rulesets, _Error, _name, _Row, _Verdicts
from iiprules._batch.tokens import _encode_lists, _TokenTable
from iiprules._evidence.codes import MAX_DEPTH, MAX_NODES, MAX_STRING_CHARS
from iiprules.diagnostics import (
    EvaluationError,
    EvidenceError,
    RulesError,
    RulesetNotFound,
    quote,
)
from iiprules.evaluate import Evaluator, Layout, date_key
from iiprules.evidence import FIELDS, Evidence, parse_date, validate
from iiprules.evidence import load as load_evidence

#: The numbers the numpy kernels hold exactly (int64, with room for sums of a few);
#: a row with a larger number is judged one by one, as ``evaluate`` judges it.
_SAFE_INT = 1 << 62

#: Fields a row may have and still be judged in bulk; the rest go one by one.
_BULK_FIELDS = frozenset(FIELDS)

#: Fields the scalar path (without numpy) leaves to the careful reader.
_NOT_SCALAR = ("history", "pending")


class _Group:
    """The evaluators judging an organisation on some date, and what validating needs."""

    def __init__(self, evaluators: Sequence[Evaluator], layout: Layout | None) -> None:
        self.evaluators = tuple(evaluators)
        self.key = tuple(e.scope.key for e in evaluators)
        self.scopes = [e.scope for e in evaluators]
        reqs: dict[str, Any] = {}
        facts: dict[str, m.Fact] = {}
        for s in self.scopes:
            reqs.update(s.requirements)
            facts.update(s.facts)
        self.listable = frozenset(
            k for k, r in reqs.items() if isinstance(r.node, m.Requirement) and r.maps is None
        )
        self.pools = {k: r.node.count for k, r in reqs.items() if isinstance(r.node, m.Unnamed)}
        self.facts = facts
        self.required = tuple(k for k, f in facts.items() if f.default is None)
        rulesets: list[tuple[str, str]] = []
        for e in evaluators:
            for r in e.rulesets:
                if r not in rulesets:
                    rulesets.append(r)
        self.rulesets = tuple(rulesets)
        # the level comes from the first evaluator with levels; awards and invariants
        # from every evaluator, each once (as evaluate.combine)
        self.level_from = next((i for i, e in enumerate(evaluators) if e.level_ids), None)
        self.level_ids = (
            evaluators[self.level_from].level_ids if self.level_from is not None else ()
        )
        seen: set[str] = set()
        self.award_slots: list[tuple[int, int, str]] = []
        for i, e in enumerate(evaluators):
            for j, a in enumerate(e.award_ids):
                if a not in seen:
                    seen.add(a)
                    self.award_slots.append((i, j, a))
        seen = set()
        self.invariant_slots: list[tuple[int, int, str]] = []
        for i, e in enumerate(evaluators):
            for j, a in enumerate(e.invariant_ids):
                if a not in seen:
                    seen.add(a)
                    self.invariant_slots.append((i, j, a))
        self.layout = layout
        self.listable_words: Any = None
        if layout is not None:
            import numpy as np

            words = np.zeros(layout.words, np.uint64)
            for rid in self.listable:
                pos = layout.bits.get(rid)
                if pos is not None:
                    words[pos >> 6] |= np.uint64(1 << (pos & 63))
            self.listable_words = ~words
        self.elsewhere: Mapping[str, str] | None = None
        self._verdicts: dict[int, _Verdicts] = {}
        self._wide: dict[tuple[int, ...], int] = {}
        self._wide_rows: dict[int, tuple[int, ...]] = {}

    def codes(self, results: list[Any], np: Any) -> Any:
        """One integer per organisation for its whole answer (level, awards, invariants)."""
        k = len(results[0][0])
        flags = [results[i][1][j] for i, j, _a in self.award_slots] + [
            results[i][2][j] for i, j, _a in self.invariant_slots
        ]
        code = np.zeros(k, np.int64)
        if self.level_from is not None:
            code += results[self.level_from][0].astype(np.int64) + 1
        shift = (len(self.level_ids) + 1).bit_length()
        if shift + len(flags) <= 62:
            for s, arr in enumerate(flags):
                code |= arr.astype(np.int64) << (shift + s)
            return code
        # Too many decisions for one integer: number the distinct answers instead.
        table = np.column_stack([code, *flags]) if flags else code[:, None]
        out = np.empty(k, np.int64)
        for r, row in enumerate(map(tuple, table.tolist())):
            c = self._wide.get(row)
            if c is None:
                c = self._wide[row] = (1 << 62) + len(self._wide)
                self._wide_rows[c] = row
            out[r] = c
        return out

    def verdicts(self, code: int) -> _Verdicts:
        """The verdicts an answer code stands for (made once, shared)."""
        hit = self._verdicts.get(code)
        if hit is None:
            n_aw = len(self.award_slots)
            if code in self._wide_rows:
                row = self._wide_rows[code]
                rank, flags = row[0] - 1, [bool(x) for x in row[1:]]
            else:
                shift = (len(self.level_ids) + 1).bit_length()
                rank = (code & ((1 << shift) - 1)) - 1
                n = n_aw + len(self.invariant_slots)
                flags = [bool((code >> (shift + s)) & 1) for s in range(n)]
            level = self.level_ids[rank] if rank >= 0 else None
            hit = self._verdicts[code] = _Verdicts(
                self.rulesets,
                level,
                tuple((a, flags[s]) for s, (_i, _j, a) in enumerate(self.award_slots)),
                tuple((a, flags[n_aw + s]) for s, (_i, _j, a) in enumerate(self.invariant_slots)),
            )
        return hit

    def combine(self, verdicts: Sequence[Any]) -> _Verdicts:
        level = verdicts[self.level_from].level if self.level_from is not None else None
        awards = tuple((a, verdicts[i].awards[j]) for i, j, a in self.award_slots)
        invs = tuple((a, verdicts[i].invariants[j]) for i, j, a in self.invariant_slots)
        return _Verdicts(self.rulesets, level, awards, invs)


class _Judge:
    """Judges chunks of a population with the rulesets of a run (one per process)."""

    def __init__(self, rulesets: Rulesets, vectorise: bool = True) -> None:
        self.rulesets = rulesets
        versions = list(rulesets.versions())
        bits: dict[str, int] = {}
        pools: dict[str, int] = {}
        self.award_columns: list[str] = []
        self.invariant_columns: list[str] = []
        self.fact_types: dict[str, str] = {}
        self.unnamed: set[str] = set()
        for s in versions:
            for rid, r in s.requirements.items():
                if isinstance(r.node, m.Unnamed):
                    pools.setdefault(rid, len(pools))
                    self.unnamed.add(rid)
                else:
                    bits.setdefault(rid, len(bits))
            for a in s.awards:
                if a.id not in self.award_columns:
                    self.award_columns.append(a.id)
            for i in s.invariants:
                if i.id not in self.invariant_columns:
                    self.invariant_columns.append(i.id)
            for k, f in s.facts.items():
                self.fact_types.setdefault(k, f.type)
        self.np: Any = None
        if vectorise:
            try:
                import numpy as np

                if hasattr(np, "bitwise_count"):  # numpy >= 2
                    self.np = np
            except ImportError:  # pragma: no cover - depends on the installation
                self.np = None
        self.layout = Layout(bits, pools) if self.np is not None else None
        self.tokens = _TokenTable.build(bits) if self.np is not None else None
        self._groups: dict[dt.date, _Group | Exception] = {}
        self._group_by_key: dict[tuple[str, ...], _Group] = {}
        self._dates: dict[Any, tuple[dt.date, str] | None] = {}
        #: Keep every answer of the rows judged in bulk (``_Judged.full``), for whole
        #: outcomes (``evaluate_many``).
        self.full = False

    # groups and dates
    def group(self, on: dt.date) -> _Group:
        hit = self._groups.get(on)
        if hit is None:
            try:
                evaluators = self.rulesets.judges(on)
                key = tuple(e.scope.key for e in evaluators)
                hit = self._group_by_key.get(key)
                if hit is None:
                    hit = self._group_by_key[key] = _Group(evaluators, self.layout)
            except (RulesetNotFound, RulesError) as exc:
                hit = exc
            self._groups[on] = hit
        if isinstance(hit, Exception):
            raise hit
        return hit

    def date(self, text: Any) -> tuple[dt.date, str] | None:
        hit = self._dates.get(text, False)
        if hit is False:
            hit = None
            if type(text) is str:
                d = parse_date(text)  # strictly YYYY-MM-DD, as the evidence reader
                hit = None if d is None else (d, d.isoformat())
            if len(self._dates) > 100_000:
                self._dates.clear()
            self._dates[text] = hit
        return hit  # type: ignore[return-value]

    # one organisation, the careful way
    def one(self, source: Mapping[str, Any] | str | Path, where: str, line: int | None) -> _Row:
        """Judge one organisation exactly as ``api.evaluate`` does, errors included."""
        name = source.get("organisation") if isinstance(source, Mapping) else None
        try:
            ev = load_evidence(source, defer=True)
            group = self.group(ev.assessed_on)
            if group.elsewhere is None:
                group.elsewhere = self.rulesets.elsewhere(group.evaluators)
            ev = validate(ev, group.scopes, group.elsewhere)
            verdicts = [e.decide(ev) for e in group.evaluators]
            return (ev.organisation, ev.assessed_on.isoformat(), group.combine(verdicts))
        except EvidenceError as exc:
            if exc.path is None:
                exc = exc.located(where, line)
            return _Error(_name(name), where if line is None else f"{where}:{line}", str(exc))
        except (RulesetNotFound, RulesError, EvaluationError) as exc:
            at = where if line is None else f"{where}:{line}"
            return _Error(_name(name), at, f"{at}: {exc}")

    # chunks
    def judge(self, chunk: _Chunk) -> _Judged:
        """Judge a chunk of the population."""
        if chunk.kind == "jsonl":
            return self._jsonl(chunk)
        if chunk.kind == "csv":
            return self._csv(chunk)
        if chunk.kind == "docs":
            docs = [d for d, _w in chunk.data]
            wheres = [w for _d, w in chunk.data]
            return self._bulk(docs, None, chunk.source, chunk.first, wheres=wheres)
        if chunk.kind == "files":
            out = _Judged(len(chunk.data))
            for i, p in enumerate(chunk.data):
                out.slow[i] = self.one(p, str(p), None)
            return out
        raise ValueError(chunk.kind)  # pragma: no cover

    def _jsonl(self, chunk: _Chunk) -> _Judged:
        buf: bytes = chunk.data
        n_lines = buf.count(b"\n") + (not buf.endswith(b"\n"))
        lines = _Lines(buf)  # split only if some line needs the careful reader
        loads = _json_loads()
        scan = self.tokens.scan(buf, n_lines) if self.tokens is not None else None
        if scan is not None:
            remainders, ok, met_words = scan
            # Every line must be valid JSON on its own: parsing the lines joined
            # together would accept an object split over two lines, or two on one.
            docs: list[Any] = [None] * n_lines
            for i, r in zip(np_flatnonzero(ok), remainders, strict=True):
                docs[i] = _bulk_doc(r, loads)
            if not ok.all():
                self._read_rest(docs, ok, lines, met_words)
            return self._bulk(docs, met_words, chunk.source, chunk.first, raw=lines)
        docs = [_bulk_doc(line, loads) for line in lines]
        return self._bulk(docs, None, chunk.source, chunk.first, raw=lines)

    def _read_rest(self, docs: list[Any], ok: Any, lines: _Lines, met_words: Any) -> None:
        """Parse the lines the scanner left (those with earlier assessments, mostly).

        Their ``met`` lists are packed into ``met_words`` and left empty in the mapping,
        as the scanner leaves the lines it read, so they too are judged in bulk. A line
        that does not parse, or a list that does not pack, stays for the careful reader
        (which reads the line again from its text).
        """
        np = self.np
        layout = self.layout
        assert layout is not None
        loads = _json_loads()
        rest: list[int] = []
        for i in np.flatnonzero(~ok).tolist():
            d = _bulk_doc(lines[i], loads)
            if d is None:
                continue
            docs[i] = d
            if type(d) is dict and type(d.get("met")) is list and d["met"]:
                rest.append(i)
        if not rest:
            return
        packed, fine = _encode_lists([docs[i]["met"] for i in rest], layout, np)
        at = np.array(rest, np.int64)
        met_words[:, at[fine]] = packed[:, fine]
        for i in at[fine].tolist():
            docs[i]["met"] = []

    def _csv(self, chunk: _Chunk) -> _Judged:
        header, rows = chunk.data
        plan = _CsvPlan(header, self, chunk.source)
        docs: list[Any] = []
        errors: dict[int, tuple[str | None, str]] = {}
        for i, row in enumerate(rows):
            try:
                docs.append(plan.doc(row))
            except ValueError as exc:
                docs.append(None)
                errors[i] = (plan.name(row), f"{chunk.source}:{chunk.first + i}: {exc}")
        return self._bulk(docs, None, chunk.source, chunk.first, cell_errors=errors)

    # bulk judging
    def _bulk(
        self,
        docs: list[Any],
        met_words: Any,
        source: str,
        first: int,
        raw: _Lines | None = None,
        wheres: Sequence[str] | None = None,
        cell_errors: Mapping[int, tuple[str | None, str]] | None = None,
    ) -> _Judged:
        """Judge rows in bulk where they pass the checks; the rest one by one.

        ``docs`` has one parsed mapping per row (None: not parsed). With
        ``met_words``, the rows' requirement lists were read by the scanner and
        their place in the mapping is an empty list.
        """
        n = len(docs)
        out = _Judged(n)
        rows = _Columns(docs)
        rows.keep([type(d) is dict for d in rows.docs])
        shapes = list(map(tuple, rows.docs))
        fits = {t: _BULK_FIELDS.issuperset(t) for t in set(shapes)}
        if not all(fits.values()):
            rows.keep([fits[t] for t in shapes])
        names = [d.get("organisation") for d in rows.docs]
        if set(map(type, names)) != {str} or "" in names:
            rows.keep([type(x) is str and x != "" for x in names])
            names = [d["organisation"] for d in rows.docs]
        texts = [d.get("assessed_on") for d in rows.docs]
        if set(map(type, texts)) - {str}:
            rows.keep([type(t) is str for t in texts])
            texts = [d["assessed_on"] for d in rows.docs]
        dates = {t: self._dated_group(t) for t in set(texts)}
        if None in dates.values():
            rows.keep([dates[t] is not None for t in texts])
            texts = [d["assessed_on"] for d in rows.docs]
        mets = [d.get("met") for d in rows.docs]
        if met_words is not None:
            if mets.count([]) != len(mets):
                # a list read in bulk must be the top-level one: its place is left empty
                rows.keep([x == [] for x in mets])
        elif set(map(type, mets)) - {list, type(None)}:
            rows.keep([x is None or type(x) is list for x in mets])
        # a field given as null is refused by the evidence reader: one by one, for its message
        if any(None in d.values() for d in rows.docs):
            rows.keep([None not in d.values() for d in rows.docs])
        # by group of evaluators (usually one per chunk)
        found = [dates[d.get("assessed_on")] for d in rows.docs]
        groups: dict[int, _Group] = {}
        members: dict[int, list[int]] = {}
        for j, (_iso, _key, g) in enumerate(found):  # type: ignore[misc]
            gid = id(g)
            if gid not in groups:
                groups[gid] = g
                members[gid] = []
            members[gid].append(j)
        for gid, js in members.items():
            g = groups[gid]
            part = [rows.index[j] for j in js]
            pdocs = [rows.docs[j] for j in js]
            pfound = [found[j] for j in js]
            if self.np is not None:
                self._vector(g, part, pdocs, pfound, met_words, out)
            else:
                self._scalar(g, part, pdocs, pfound, out)
        judged = set(out.fast_index)
        for i in range(n):
            if i in judged:
                continue
            if cell_errors and i in cell_errors:
                name, message = cell_errors[i]
                out.slow[i] = _Error(name, f"{source}:{first + i}", message)
                continue
            line = raw[i] if raw is not None else None
            where = wheres[i] if wheres is not None else None
            out.slow[i] = self._one_row(docs[i], line, source, first + i, where)
        return out

    def _one_row(
        self, doc: Any, raw: bytes | None, source: str, line: int, where: str | None
    ) -> _Row | None:
        if raw is not None:
            if not raw.strip():
                return None  # a blank line is no organisation
            try:
                doc = careful_json(raw)
            except ValueError as exc:
                msg = getattr(exc, "msg", str(exc))
                return _Error(None, f"{source}:{line}", f"{source}:{line}: not valid JSON: {msg}")
        label, at = (where, None) if where is not None else (source, line)
        over = _over_limits(doc)
        if over is not None:
            loc = label if at is None else f"{label}:{at}"
            return _Error(_name(doc.get("organisation")) if isinstance(doc, dict) else None,
                          loc, f"{loc}: {over}")  # fmt: skip
        if isinstance(doc, Refused):
            loc = label if at is None else f"{label}:{at}"
            return _Error(None, loc, f"{loc}: not valid JSON: {doc.message}")
        if not isinstance(doc, Mapping):
            loc = label if at is None else f"{label}:{at}"
            return _Error(
                None,
                loc,
                f"{loc}: expected a mapping with 'organisation', 'assessed_on' and 'met', "
                f"got {quote(doc)}",  # the evidence reader's words
            )
        return self.one(doc, label, at)

    def _dated_group(self, text: str) -> tuple[str, int, _Group] | None:
        got = self.date(text)
        if got is None:
            return None
        try:
            g = self.group(got[0])
        except (RulesetNotFound, RulesError):
            return None
        return got[1], date_key(got[0]), g

    def _checked_counts(self, g: _Group, ums: list[Any]) -> list[bool] | None:
        """Which rows' unnamed counts pass validation (None: all of them)."""
        if not any(ums):
            return None if set(map(type, ums)) <= {dict, type(None)} else [
                u is None or type(u) is dict for u in ums]  # fmt: skip
        good: list[bool] | None = None
        for keys in (
            set(map(tuple, filter(None, ums))) if set(map(type, ums)) <= {dict, type(None)} else ()
        ):
            if not all(k in g.pools for k in keys):
                good = [not u or (type(u) is dict and all(k in g.pools for k in u)) for u in ums]
                break
        if set(map(type, ums)) - {dict, type(None)}:
            good = [u is None or (type(u) is dict and all(k in g.pools for k in u)) for u in ums]
        for pid, size in g.pools.items():
            vals = [u.get(pid, 0) if type(u) is dict else 0 for u in ums]
            top = min(size, _SAFE_INT)
            if set(map(type, vals)) != {int} or min(vals) < 0 or max(vals) > top:
                ok_vals = [type(v) is int and 0 <= v <= top for v in vals]
                good = (
                    ok_vals
                    if good is None
                    else [a and b for a, b in zip(good, ok_vals, strict=True)]
                )
        return good

    def _facts_ok(self, g: _Group, facts: Any) -> bool:
        if not facts:
            return (facts is None or facts == {}) and not g.required
        if type(facts) is not dict:
            return False
        declared = g.facts
        for k, v in facts.items():
            f = declared.get(k)
            if f is None:
                return False
            t = f.type
            if t == "boolean":
                if type(v) is not bool:
                    return False
            elif t == "number":
                if type(v) is not int or not -_SAFE_INT < v < _SAFE_INT:
                    return False
            elif self.date(v) is None:
                return False
        return all(k in facts for k in g.required)

    def _scalar(
        self, g: _Group, part: list[int], docs: list[Any], found: list[Any], out: _Judged
    ) -> None:
        """Judge a group's rows one by one on the scalar fast path (no numpy)."""
        ums = [d.get("unnamed_met") for d in docs]
        good = self._checked_counts(g, ums)
        listable = g.listable
        for j, (i, d) in enumerate(zip(part, docs, strict=True)):
            if (good is not None and not good[j]) or any(f in d for f in _NOT_SCALAR):
                continue
            facts = d.get("facts")
            if not (self._facts_ok(g, facts) if facts or g.required else facts in (None, {})):
                continue
            met = d.get("met") or ()
            ids = frozenset(met)
            if len(ids) != len(met) or not all(type(x) is str for x in met) or not ids <= listable:
                continue
            iso, _key, _g = found[j]
            typed = self._typed_facts(g, facts) if facts else _EMPTY
            ev = Evidence(
                d["organisation"], self.date(d["assessed_on"])[0], ids, ums[j] or _EMPTY, typed  # type: ignore[index]
            )
            try:
                verdicts = [e.decide(ev) for e in g.evaluators]
            except EvaluationError:
                continue
            out.add_one(i, d["organisation"], iso, g.combine(verdicts))

    def _typed_facts(self, g: _Group, facts: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(facts)
        for k, v in facts.items():
            if g.facts[k].type == "date":
                out[k] = self.date(v)[0]  # type: ignore[index]
        return out

    def _vector(
        self,
        g: _Group,
        part: list[int],
        docs: list[Any],
        found: list[Any],
        met_words: Any,
        out: _Judged,
    ) -> None:
        """Judge a group's rows together with the numpy kernels."""
        np = self.np
        layout = self.layout
        assert layout is not None
        k = len(part)
        good = np.ones(k, np.bool_)
        ums = [d.get("unnamed_met") for d in docs]
        counts_ok = self._checked_counts(g, ums)
        if counts_ok is not None:
            good &= np.array(counts_ok, np.bool_)
        factss = [d.get("facts") for d in docs]
        with_facts = [j for j, f in enumerate(factss) if f]
        if with_facts or g.required:
            for j in range(k) if g.required else with_facts:
                if not self._facts_ok(g, factss[j]):
                    good[j] = False
        if set(map(type, factss)) - {dict, type(None)}:
            good &= np.array([f is None or type(f) is dict for f in factss], np.bool_)
        if met_words is not None:
            words = met_words[:, part]
        else:
            words, listed_ok = _encode_lists([d.get("met") for d in docs], layout, np)
            good &= listed_ok
        # ids these rulesets do not let evidence list: one by one, for the message
        for w in range(layout.words):
            good &= (words[w] & g.listable_words[w]) == 0
        # pending lists and earlier assessments, checked in bulk (see _batch.history)
        good &= pending_ok(g, docs, words, np)
        on = np.array([x[1] for x in found], np.int64)
        hist = history(self, g, docs, on, np)
        if hist is not None:
            good &= hist.ok
        keep = None
        if not good.all():
            sel = np.flatnonzero(good)
            if not len(sel):
                return
            words = words[:, sel]
            keep = sel.tolist()
            part = [part[j] for j in keep]
            docs = [docs[j] for j in keep]
            found = [found[j] for j in keep]
            ums = [ums[j] for j in keep]
            factss = [factss[j] for j in keep]
            on = on[sel]
            keep = sel
            with_facts = [j for j, f in enumerate(factss) if f]
            k = len(part)
        words = np.ascontiguousarray(words)
        pools = np.zeros((max(len(layout.pools), 1), k), np.int64)
        if any(ums):
            for pid in g.pools:
                pools[layout.pools[pid]] = [u.get(pid, 0) if u else 0 for u in ums]
        facts: dict[str, Any] = {}
        for name, f in g.facts.items():
            default = _vector_default(f)
            if with_facts:
                col = [fs.get(name) if fs else None for fs in factss]
                if f.type == "date":
                    col = [None if v is None else date_key(self.date(v)[0]) for v in col]  # type: ignore[index]
                facts[name] = np.array([default if v is None else v for v in col], _DTYPES[f.type])
            else:
                facts[name] = np.array(default, _DTYPES[f.type])[()]
        isos = [x[0] for x in found]
        earlier = hist.for_rows(keep, words, pools) if hist is not None else None
        try:
            results = [
                e.vector_kernel(layout, earlier is not None, self.full)(
                    words, pools, facts, on, k, earlier
                )
                for e in g.evaluators
            ]
        except (OverflowError, RecursionError, MemoryError):
            # Numbers beyond int64 in the rules themselves: the scalar path holds any
            # integer, so these rows are judged there (the same answers, more slowly).
            self._scalar(g, part, docs, found, out)
            return
        if self.full:
            out.full.append((g, part, docs, found, results))
        out.add_many(g, part, [d["organisation"] for d in docs], isos, results, np)


class _Lines:
    """The lines of a chunk, split when first asked for."""

    __slots__ = ("_buf", "_lines")

    def __init__(self, buf: bytes) -> None:
        self._buf = buf
        self._lines: list[bytes] | None = None

    def __getitem__(self, i: int) -> bytes:
        if self._lines is None:
            self._lines = self._buf.split(b"\n")
        return self._lines[i]

    def __iter__(self) -> Iterator[bytes]:
        lines = self._buf.split(b"\n")
        if lines and not lines[-1]:
            lines.pop()
        return iter(lines)


class _Columns:
    """Rows of a chunk being checked for the bulk path: the survivors and their places."""

    __slots__ = ("docs", "index")

    def __init__(self, docs: list[Any]) -> None:
        self.docs = docs
        self.index = list(range(len(docs)))

    def keep(self, flags: list[bool]) -> None:
        if all(flags):
            return
        self.docs = [d for d, f in zip(self.docs, flags, strict=True) if f]
        self.index = [i for i, f in zip(self.index, flags, strict=True) if f]


class _Judged:
    """A judged chunk: the rows judged in bulk, as columns, and the others one by one.

    Rows judged in bulk share their answers: ``keys`` holds each distinct
    (assessment date, verdicts) once and ``which`` points into it.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.fast_index: list[int] = []
        self.names: list[str] = []
        self.which: list[int] = []
        self.keys: list[tuple[str, _Verdicts]] = []
        self._key_ids: dict[tuple[str, int], int] = {}
        self.slow: dict[int, _Row | None] = {}
        #: With ``_Judge.full``: (group, rows, their mappings, dates, every kernel answer).
        self.full: list[tuple[_Group, list[int], list[Any], list[Any], list[Any]]] = []

    def add_one(self, i: int, name: str, iso: str, v: _Verdicts) -> None:
        """A row judged on its own but in the common shape (the scalar path)."""
        k = self._key_ids.get((iso, id(v)))
        if k is None:
            k = self._key_ids[(iso, id(v))] = len(self.keys)
            self.keys.append((iso, v))
        self.fast_index.append(i)
        self.names.append(name)
        self.which.append(k)

    def add_many(
        self,
        g: _Group,
        part: list[int],
        names: list[str],
        isos: list[str],
        results: list[Any],
        np: Any,
    ) -> None:
        """Rows judged by the kernels: one code per row for its answer, shared by equal rows."""
        codes = g.codes(results, np)
        date_ids = {iso: i for i, iso in enumerate(dict.fromkeys(isos))}
        dix = np.array([date_ids[x] for x in isos], np.int64) if len(date_ids) > 1 else 0
        combined = codes * len(date_ids) + dix
        uniq, inverse = np.unique(combined, return_inverse=True)
        by_id = {v: k for k, v in date_ids.items()}
        base = len(self.keys)
        for c in uniq.tolist():
            self.keys.append((by_id[c % len(date_ids)], g.verdicts(c // len(date_ids))))
        self.fast_index.extend(part)
        self.names.extend(names)
        self.which.extend((inverse.reshape(-1) + base).tolist())

    def ordered(self) -> tuple[list[int], list[str], list[int]]:
        """The bulk rows sorted by their place in the chunk."""
        idx = self.fast_index
        if all(a < b for a, b in itertools.pairwise(idx)):
            return idx, self.names, self.which
        order = sorted(range(len(idx)), key=idx.__getitem__)
        return (
            [idx[o] for o in order],
            [self.names[o] for o in order],
            [self.which[o] for o in order],
        )

    def rows(self) -> list[_Row]:
        """Every row in input order (blank lines left out)."""
        out: list[_Row | None] = [None] * self.n
        for i, name, w in zip(*self.ordered(), strict=True):
            iso, v = self.keys[w]
            out[i] = (name, iso, v)
        for i, row in self.slow.items():
            out[i] = row
        return [r for r in out if r is not None]


_DTYPES = {"boolean": "bool", "number": "int64", "date": "int64"}


def _vector_default(f: m.Fact) -> Any:
    if f.type == "date":
        return date_key(f.default) if isinstance(f.default, dt.date) else 0
    if f.type == "boolean":
        return bool(f.default) if f.default is not None else False
    return f.default if f.default is not None else 0


def np_flatnonzero(flags: Any) -> list[int]:
    """Positions of the true flags (numpy array or list)."""
    return [i for i, f in enumerate(flags.tolist() if hasattr(flags, "tolist") else flags) if f]


def _over_limits(doc: Any) -> str | None:
    """What a row breaks of the evidence reader's limits (as a file would), or None.

    The same limits and words as ``iiprules evaluate`` on a file: texts, nesting
    and the number of values. Iterative, so a deep row cannot overflow the stack.
    """
    todo: list[tuple[Any, int]] = [(doc, 0)]
    nodes = 0
    while todo:
        x, depth = todo.pop()
        nodes += 1
        if nodes > MAX_NODES:
            return (f"the document holds more than {MAX_NODES:,} values (YAML aliases count "
                    "each time they are used); evidence is limited to that")  # fmt: skip
        if type(x) is str:
            if len(x) > MAX_STRING_CHARS:
                return (f"a text of {len(x):,} characters; evidence is limited to "
                        f"{MAX_STRING_CHARS:,}")  # fmt: skip
        elif type(x) in (dict, list):
            if depth >= MAX_DEPTH:
                return (f"mappings and lists are nested more than {MAX_DEPTH} deep; evidence "
                        "is limited to that")  # fmt: skip
            if type(x) is dict:
                todo.extend((k, depth) for k in x)
                todo.extend((v, depth + 1) for v in x.values())
            else:
                todo.extend((v, depth + 1) for v in x)
    return None


#: ``"key":`` in a JSON line (a quote, maybe spaces, a colon): the keys, counted.
_KEY = re.compile(rb'"[ \t]*:')


def _bulk_doc(line: bytes, loads: Callable[[bytes], Any]) -> Any:
    """One line parsed for the bulk path, or None to leave it to the careful reader.

    Duplicate keys are refused by the careful reader (the last would silently
    win here), so a line is only taken when its ``"...":`` count equals the keys
    parsed. Without backslashes a string cannot hold ``":``, so the count is
    exact; lines with backslashes go the careful way.
    """
    if b"\\" in line or len(line) > MAX_STRING_CHARS:
        return None  # (a line this long may hold a text over the limit: the careful way)
    if line.count(b"[") + line.count(b"{") > MAX_DEPTH:
        return None  # it might be nested past the limit
    try:
        doc = loads(line)
    except ValueError:
        return None
    if type(doc) is not dict:
        return None
    # '":' counts the keys written (C speed); the pattern only when a key may be spaced
    written = len(_KEY.findall(line)) if b'" ' in line or b'"\t' in line else line.count(b'":')
    if written != _count_keys(doc):
        return None
    return doc


def _count_keys(x: Any) -> int:
    if type(x) is dict:
        return len(x) + sum(_count_keys(v) for v in x.values() if type(v) in (dict, list))
    if type(x) is list:
        # most lists hold ids only: their element types are looked at in C first
        if _CONTAINERS.isdisjoint(map(type, x)):
            return 0
        return sum(_count_keys(v) for v in x if type(v) in (dict, list))
    return 0


_CONTAINERS = frozenset((dict, list))


def _json_loads() -> Callable[[bytes], Any]:
    try:
        import orjson

        return orjson.loads
    except ImportError:  # pragma: no cover - depends on the installation
        return json.loads


