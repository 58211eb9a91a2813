"""Columnar: Arrow record batches or Parquet files of evidence → record batches of outcomes.

Input → output: an Arrow ``RecordBatch`` (or table, or Parquet file) with one row
per organisation → a ``RecordBatch`` with one outcome row each, in the same order
(the columns of ``outcome_schema``), or a Parquet/JSONL/CSV file of them.

This is the path for evidence that already lives in a warehouse. The function
takes and returns Arrow record batches, so engines call it unchanged:
DuckDB (``duckdb.sql(...).fetch_record_batch()``), Polars (``df.to_arrow()``),
Spark (``df.mapInArrow(lambda it: evaluate_batches(it, refs), schema)``) and Dask
(``map_partitions`` over Arrow). pyarrow reads the columns straight into the
packed masks the vectorised kernels judge (``Evaluator.vector_kernel``): the
requirement ids of a ``met`` list column are looked up all at once
(``pyarrow.compute.index_in``; through the dictionary alone when the column is
dictionary-encoded, as Parquet stores it), and boolean requirement columns are
packed without a Python loop. pyarrow is an optional extra (``iiprules[arrow]``).

Input columns (every name is checked; an unknown column is an error, with a hint):

* ``organisation`` (text) and ``assessed_on`` (a date, or ``YYYY-MM-DD`` text): required;
* ``met``: a list of requirement ids, and/or one boolean column per requirement id
  (a null cell is not met, as an empty CSV cell);
* ``pending``: a list of requirement ids;
* one integer column per unnamed group (its count met; null: none);
* one column per fact, named ``name`` or ``facts.name`` (null: not given);
* ``id``, ``sector``, ``size``, ``notes``: kept out of judging, as in evidence files.

Validation is as strict as ``iiprules.evaluate``: a row that does not pass the
bulk checks is turned back into an evidence mapping and judged by the same code
as one organisation (``_Judge.one``), so its answer or its error message is
exactly what ``iiprules evaluate`` gives for it alone. Earlier assessments
(``history``) have no column form here: use JSONL for them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iiprules._batch.judge import _DTYPES, _Group, _Judge, _Judged, _vector_default
from iiprules._batch.rows import Summary, _Error
from iiprules._batch.write import summarise
from iiprules.api import PopulationRulesets
from iiprules.diagnostics import EvidenceError, RulesError, RulesetNotFound, did_you_mean
from iiprules.evaluate import date_key
from iiprules.evidence import FIELDS

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["evaluate_arrow", "evaluate_batches", "evaluate_parquet", "outcome_schema"]

#: Rows per record batch read from a Parquet file.
BATCH_ROWS = 65_536

_DESCRIPTIVE = ("id", "sector", "size", "notes")


def _arrow() -> tuple[Any, Any, Any]:
    try:
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:
        raise EvidenceError(
            "columnar input needs pyarrow and numpy (pip install 'iiprules[arrow]')",
            None,
            None,
            None,
        ) from None
    return pa, pc, np


def outcome_schema(rulesets: Sequence[str] | str | None = None) -> pa.Schema:
    """The schema of the outcome batches for these rulesets (for Spark's ``mapInArrow``)."""
    return _columnar(_refs(rulesets)).schema


def evaluate_arrow(batch: Any, rulesets: Sequence[str] | str | None = None) -> pa.RecordBatch:
    """Judge every row of an Arrow record batch (or table); one outcome row each, in order.

    Args:
        batch: a ``pyarrow.RecordBatch`` or ``pyarrow.Table`` of evidence (see the module).
        rulesets: as for ``iiprules.evaluate`` (None: the packaged rulesets in force).

    Returns:
        A record batch of ``outcome_schema(rulesets)``: ``organisation``,
        ``assessed_on``, ``rulesets``, ``level``, ``award.<id>``, ``invariant.<id>``
        and ``error`` (null when the row was judged).

    Raises:
        EvidenceError: a column is unknown or has a type no row could use; problems of
            one row do not raise, its ``error`` says what is wrong.
    """
    pa, _pc, _np = _arrow()
    col = _columnar(_refs(rulesets))
    if isinstance(batch, pa.Table):  # one batch of all its rows
        batches = batch.combine_chunks().to_batches()
        if len(batches) != 1:
            return _empty(col) if not batches else pa.concat_batches(
                [evaluate_arrow(b, rulesets) for b in batches])  # fmt: skip
        batch = batches[0]
    return col.to_arrow(col.judge_batch(batch, "<arrow>", 0))


def evaluate_batches(
    batches: Iterable[Any], rulesets: Sequence[str] | str | None = None
) -> Iterator[pa.RecordBatch]:
    """``evaluate_arrow`` over a stream of batches: the shape Spark's ``mapInArrow`` calls."""
    for b in batches:
        yield evaluate_arrow(b, rulesets)


def evaluate_parquet(
    source: str | Path,
    out: str | Path | None = None,
    rulesets: Sequence[str] | str | None = None,
    batch_rows: int = BATCH_ROWS,
) -> Summary:
    """Judge a Parquet file of evidence; write the outcomes to ``out`` (.parquet, .jsonl, .csv).

    The ``met`` list is read dictionary-encoded, so each distinct id is looked up once.

    Raises:
        EvidenceError: the file cannot be read or has an unknown column.
    """
    pa, _pc, _np = _arrow()
    import pyarrow.parquet as pq

    col = _columnar(_refs(rulesets))
    src = str(source)
    try:
        pf = pq.ParquetFile(src, read_dictionary=_list_dictionary(pq, src))
    except (OSError, pa.ArrowException) as exc:
        raise EvidenceError(f"cannot read the Parquet file ({exc})", None, src, None) from None
    writer = _Out(out, col, src) if out is not None else None
    summary = Summary()
    first = 0
    try:
        for batch in pf.iter_batches(batch_size=batch_rows):
            res = col.judge_batch(batch, src, first)
            first += batch.num_rows
            summary = summary + _summary(res)
            if writer is not None:
                writer.write(res)
    except BaseException as exc:
        if writer is None:
            raise
        raise writer.fail(exc) from None
    if writer is not None:
        writer.close()
    return summary


def _summary(res: _Result) -> Summary:
    """The counts of a judged batch (as ``batch`` counts a chunk), from its keys."""
    import numpy as np

    judged = _Judged(res.n)
    counts = np.bincount(res.index[res.index >= 0], minlength=len(res.keys))
    judged.keys = list(res.keys)
    judged.which = np.repeat(np.arange(len(res.keys)), counts).tolist()
    judged.slow = dict(res.slow)
    return summarise(judged)


def _list_dictionary(pq: Any, src: str) -> list[str]:
    try:
        schema = pq.read_schema(src)
    except Exception:  # the reader reports it properly
        return []
    return [
        f"{name}.list.element"
        for name in ("met", "pending")
        if name in schema.names and str(schema.field(name).type).startswith("list<")
    ]


def _refs(rulesets: Sequence[str] | str | None) -> tuple[str, ...]:
    return (rulesets,) if isinstance(rulesets, str) else tuple(rulesets or ())


_CACHE: dict[tuple[str, ...], _Columnar] = {}


def _columnar(refs: tuple[str, ...]) -> _Columnar:
    hit = _CACHE.get(refs)
    if hit is None:
        provider = PopulationRulesets(refs)
        provider.versions()  # a missing or broken ruleset fails here
        hit = _CACHE[refs] = _Columnar(_Judge(provider, vectorise=True))
    return hit


def _empty(col: _Columnar) -> pa.RecordBatch:
    pa, _pc, _np = _arrow()
    return pa.RecordBatch.from_pylist([], schema=col.schema)


class _Plan:
    """What each column of an input schema is, checked once per schema."""

    def __init__(self, schema: Any, judge: _Judge, ids: set[str]) -> None:
        self.org: int | None = None
        self.on: int | None = None
        self.met: int | None = None
        self.pending: int | None = None
        self.bools: list[tuple[int, str]] = []
        self.counts: list[tuple[int, str]] = []
        self.facts: list[tuple[int, str]] = []
        for i, name in enumerate(schema.names):
            if name == "organisation":
                self.org = i
            elif name == "assessed_on":
                self.on = i
            elif name == "met":
                self.met = i
            elif name == "pending":
                self.pending = i
            elif name in _DESCRIPTIVE:
                continue
            elif name.startswith("facts.") and name[6:] in judge.fact_types:
                self.facts.append((i, name[6:]))
            elif name in judge.fact_types:
                self.facts.append((i, name))
            elif name in judge.unnamed:
                self.counts.append((i, name))
            elif name in ids:
                self.bools.append((i, name))
            else:
                choices = [*FIELDS, *judge.fact_types, *judge.unnamed, *sorted(ids)]
                hint = did_you_mean(name, choices)
                raise EvidenceError(
                    f"unknown column '{name}'"
                    + (f"; {hint}" if hint else "; columns are evidence fields, requirement "
                       "ids, unnamed group ids or fact names"),
                    None, None, None,
                )  # fmt: skip
        for need, where in (("organisation", self.org), ("assessed_on", self.on)):
            if where is None:
                raise EvidenceError(f"the column '{need}' is missing", None, None, None)


class _Result:
    """A judged record batch, kept as columns: one answer key per row, or a row judged alone.

    ``index[i]`` points into ``keys`` (distinct (assessment date, verdicts) pairs, as
    ``_Judged.keys``) for rows judged in bulk, and is -1 for rows in ``slow``.
    """

    def __init__(self, n: int, org: Any, np: Any) -> None:
        self.n = n
        self.org = org
        self.index = np.full(n, -1, np.int64)
        self.keys: list[tuple[str, Any]] = []
        self.slow: dict[int, Any] = {}

    def add(self, g: _Group, rows: Any, dates: Any, isos: list[str], results: list[Any]) -> None:
        """Rows judged by the kernels: their answer codes, combined with their dates."""
        import numpy as np

        codes = g.codes(results, np)
        n_dates = max(len(isos), 1)
        uniq, inverse = np.unique(codes * n_dates + dates, return_inverse=True)
        base = len(self.keys)
        for c in uniq.tolist():
            self.keys.append((isos[c % n_dates], g.verdicts(c // n_dates)))
        self.index[rows] = inverse.reshape(-1) + base

    def judged(self) -> _Judged:
        """The same rows as a ``_Judged`` chunk, for the JSONL and CSV writers."""
        import numpy as np

        out = _Judged(self.n)
        fast = np.flatnonzero(self.index >= 0)
        out.fast_index = fast.tolist()
        out.names = self.org.take(fast).to_pylist() if len(fast) else []
        out.which = self.index[fast].tolist()
        out.keys = list(self.keys)
        out.slow = dict(self.slow)
        return out


class _Columnar:
    """Judges record batches with the rulesets of a ``_Judge`` (made once per set of refs)."""

    def __init__(self, judge: _Judge) -> None:
        pa, _pc, np = _arrow()
        if judge.layout is None:  # pragma: no cover - numpy 2 is required with pyarrow here
            raise EvidenceError("columnar input needs numpy 2", None, None, None)
        self.judge = judge
        self.layout = judge.layout
        self.np = np
        order = sorted(self.layout.bits, key=self.layout.bits.__getitem__)
        self.ids = pa.array(order, pa.string())
        self.id_set = set(order)
        self.plans: dict[Any, _Plan] = {}
        self.schema = pa.schema(
            [
                ("organisation", pa.string()),
                ("assessed_on", pa.date32()),
                ("rulesets", pa.string()),
                ("level", pa.string()),
                *[(f"award.{a}", pa.bool_()) for a in judge.award_columns],
                *[(f"invariant.{i}", pa.bool_()) for i in judge.invariant_columns],
                ("error", pa.string()),
            ]
        )

    def plan(self, schema: Any) -> _Plan:
        hit = self.plans.get(schema)
        if hit is None:
            hit = self.plans[schema] = _Plan(schema, self.judge, self.id_set)
        return hit

    # reading columns into masks
    def _ids(self, column: Any, n: int) -> tuple[Any, Any]:
        """A list-of-ids column as packed masks, and which rows it leaves fine."""
        pa, pc, np = _arrow()
        ok = np.ones(n, np.bool_)
        if not (pa.types.is_list(column.type) or pa.types.is_large_list(column.type)):
            ok[:] = pc.is_null(column).to_numpy(zero_copy_only=False)
            return np.zeros((self.layout.words, n), np.uint64), ok
        lengths_a = pc.list_value_length(column)
        if lengths_a.null_count:
            lengths_a = pc.fill_null(lengths_a, 0)
        lengths = lengths_a.to_numpy(zero_copy_only=False)
        flat = pc.list_flatten(column)
        width = self.layout.words * 64
        # An id that is not known goes to an extra word past the masks: it sets no bit
        # that counts, so its row has fewer bits than ids and is read the careful way.
        spill = width
        if pa.types.is_dictionary(flat.type):
            # each distinct id looked up once; null ids (index -1) land on the spill too
            lookup = pc.fill_null(pc.index_in(flat.dictionary, value_set=self.ids), spill)
            table = np.append(lookup.to_numpy(zero_copy_only=False), spill).astype(np.int32)
            idx = flat.indices
            if idx.null_count:
                idx = pc.fill_null(idx, -1)
            pos = table[idx.to_numpy(zero_copy_only=False)]
        elif pa.types.is_string(flat.type) or pa.types.is_large_string(flat.type):
            got_pos = pc.fill_null(pc.index_in(flat, value_set=self.ids), spill)
            pos = got_pos.to_numpy(zero_copy_only=False).astype(np.int32)
        else:
            ok &= lengths == 0
            return np.zeros((self.layout.words, n), np.uint64), ok
        stride = width + 64
        big = np.int64 if n * stride >= 2**31 else np.int32
        flat_at = np.repeat(np.arange(0, n * stride, stride, dtype=big), lengths)
        flat_at += pos.astype(big, copy=False)
        dense = np.zeros(n * stride, np.bool_)
        dense[flat_at] = True
        packed = np.packbits(dense.reshape(n, stride), axis=1, bitorder="little")
        words = np.ascontiguousarray(packed.view("<u8").T[: self.layout.words])
        got = np.zeros(n, np.int64)
        for w in range(words.shape[0]):
            got += np.bitwise_count(words[w])
        ok &= got == lengths  # a duplicate or an unknown id sets fewer bits than ids listed
        return words, ok

    def _bools(self, batch: Any, plan: _Plan, n: int) -> Any:
        """Boolean requirement columns as packed masks (null: not met)."""
        _pa, pc, np = _arrow()
        pa = _pa
        width = self.layout.words * 64
        # one contiguous row of flags per requirement, then eight rows to a byte
        dense = np.zeros((width, n), np.bool_)
        for i, rid in plan.bools:
            c = batch.column(i)
            if not pa.types.is_boolean(c.type):
                c = c.cast(pa.bool_())
            if c.null_count:
                c = pc.fill_null(c, False)
            dense[self.layout.bits[rid]] = c.to_numpy(zero_copy_only=False)
        packed = np.packbits(dense, axis=0, bitorder="little")  # (width / 8) × n bytes
        return np.ascontiguousarray(np.ascontiguousarray(packed.T).view("<u8").T)

    # judging
    def judge_batch(self, batch: Any, source: str, first: int) -> _Result:
        """Judge a record batch: in bulk where rows pass the checks, else one by one."""
        pa, pc, np = _arrow()
        n = batch.num_rows
        plan = self.plan(batch.schema)
        org = batch.column(plan.org)
        out = _Result(n, org, np)
        if n == 0:
            return out
        ok = np.ones(n, np.bool_)
        if not pa.types.is_string(org.type) and not pa.types.is_large_string(org.type):
            ok[:] = False
        else:
            ok &= ~pc.fill_null(pc.equal(org, ""), True).to_numpy(zero_copy_only=False)
        # dates: each distinct value once
        enc = pc.dictionary_encode(batch.column(plan.on))
        which = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        ok &= which >= 0
        dated = [self._dated(v) for v in enc.dictionary.to_pylist()]
        bad_dates = [k for k, d in enumerate(dated) if d is None]
        if bad_dates:
            ok &= ~np.isin(which, bad_dates)
        # requirements met and pending
        words = np.zeros((self.layout.words, n), np.uint64)
        if plan.met is not None:
            words, listed_ok = self._ids(batch.column(plan.met), n)
            ok &= listed_ok
        if plan.bools:
            extra = self._bools(batch, plan, n)
            if plan.met is not None:
                for w in range(self.layout.words):
                    ok &= (words[w] & extra[w]) == 0  # listed twice: the careful reader says so
            words |= extra
        pend = None
        if plan.pending is not None:
            pend, pend_ok = self._ids(batch.column(plan.pending), n)
            ok &= pend_ok
            for w in range(self.layout.words):
                ok &= (pend[w] & words[w]) == 0
        counts = {name: self._ints(batch.column(i), ok) for i, name in plan.counts}
        facts = {name: batch.column(i) for i, name in plan.facts}
        groups: dict[int, tuple[_Group, list[int]]] = {}
        for k, d in enumerate(dated):
            if d is not None:
                groups.setdefault(id(d[2]), (d[2], []))[1].append(k)
        for g, members in groups.values():
            rows = np.flatnonzero(ok & np.isin(which, members)) if len(groups) > 1 else (
                np.flatnonzero(ok))  # fmt: skip
            if len(rows):
                self._group(g, rows, words, pend, counts, facts, which, dated, out)
        slow = np.flatnonzero(out.index < 0).tolist()
        if slow:
            docs = batch.take(pa.array(slow)).to_pylist()
            for i, doc in zip(slow, docs, strict=True):
                out.slow[i] = self._one(doc, plan, source, first + i)
        return out

    def _dated(self, value: Any) -> tuple[str, int, _Group] | None:
        if isinstance(value, dt.datetime):
            return None  # a timestamp is not a date: the careful reader says so
        if isinstance(value, dt.date):
            value = value.isoformat()
        got = self.judge.date(value)
        if got is None:
            return None
        try:
            g = self.judge.group(got[0])
        except (RulesetNotFound, RulesError):
            return None
        return got[1], date_key(got[0]), g

    def _ints(self, column: Any, ok: Any) -> Any:
        pa, pc, np = _arrow()
        if not pa.types.is_integer(column.type):
            ok &= pc.is_null(column).to_numpy(zero_copy_only=False)
            return np.zeros(len(column), np.int64)
        vals = pc.fill_null(column, 0).to_numpy(zero_copy_only=False).astype(np.int64)
        ok &= vals >= 0
        return vals

    def _group(
        self,
        g: _Group,
        rows: Any,
        words: Any,
        pend: Any,
        counts: dict[str, Any],
        facts: dict[str, Any],
        which: Any,
        dated: list[Any],
        out: _Result,
    ) -> None:
        """Judge the rows of one group of evaluators with their kernels."""
        pa, pc, np = _arrow()
        layout = self.layout
        ok = np.ones(len(rows), np.bool_)
        sub = words[:, rows]
        for w in range(layout.words):
            ok &= (sub[w] & g.listable_words[w]) == 0
            if pend is not None:
                ok &= (pend[w, rows] & g.listable_words[w]) == 0
        pools = np.zeros((max(len(layout.pools), 1), len(rows)), np.int32)
        for name, vals in counts.items():
            v = vals[rows]
            size = g.pools.get(name)
            if size is None:
                ok &= v == 0  # a count for a group these versions lack: the careful reader
            else:
                ok &= v <= size
                pools[layout.pools[name]] = v
        fvals: dict[str, Any] = {}
        for name, f in g.facts.items():
            default = _vector_default(f)
            col = facts.get(name)
            if col is None:
                if f.default is None:
                    return  # a required fact with no column: every row one by one
                fvals[name] = np.array(default, _DTYPES[f.type])[()]
                continue
            taken = col.take(pa.array(rows))
            given = pc.is_valid(taken).to_numpy(zero_copy_only=False)
            if f.default is None:
                ok &= given
            arr = self._fact_array(taken, f.type, default, ok, given)
            fvals[name] = arr
        for name, col in facts.items():
            if name not in g.facts:  # a fact these versions do not declare
                ok &= ~pc.is_valid(col.take(pa.array(rows))).to_numpy(zero_copy_only=False)
        if not ok.all():
            keep = np.flatnonzero(ok)
            rows, sub, pools = rows[keep], sub[:, keep], pools[:, keep]
            fvals = {k: v[keep] if np.ndim(v) else v for k, v in fvals.items()}
        if not len(rows):
            return
        k = len(rows)
        sub = np.ascontiguousarray(sub)
        wk = which[rows]
        on = np.array([d[1] if d else 0 for d in dated], np.int64)[wk]
        isos_u = [d[0] if d else "" for d in dated]
        results = [e.vector_kernel(layout)(sub, pools, fvals, on, k) for e in g.evaluators]
        out.add(g, rows, wk, isos_u, results)

    def _fact_array(self, taken: Any, kind: str, default: Any, ok: Any, given: Any) -> Any:
        """A fact column as the kernel's array; rows with a value of the wrong type are not ok."""
        pa, pc, np = _arrow()
        t = taken.type
        if kind == "boolean" and pa.types.is_boolean(t):
            return pc.fill_null(taken, bool(default)).to_numpy(zero_copy_only=False)
        if kind == "number" and pa.types.is_integer(t):
            return pc.fill_null(taken, int(default)).to_numpy(zero_copy_only=False).astype(np.int64)
        if kind == "date" and pa.types.is_date(t):
            d = pc.fill_null(taken.cast(pa.date32()), pa.scalar(0, pa.date32()))
            days = d.to_numpy(zero_copy_only=False).astype("datetime64[D]")
            keys = _keys(days, np)
            return np.where(given, keys, default)
        ok &= ~given  # another type: each such row is read the careful way
        return np.full(len(taken), default, _DTYPES[kind])

    def _one(self, doc: dict[str, Any], plan: _Plan, source: str, row: int) -> Any:
        """One row as an evidence mapping, judged as ``iiprules.evaluate`` judges it."""
        ev: dict[str, Any] = {}
        met: list[Any] = []
        counts: dict[str, Any] = {}
        facts: dict[str, Any] = {}
        for key, v in doc.items():
            if v is None:
                continue
            if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
                v = v.isoformat()
            if key in ("organisation", "assessed_on", "pending", *_DESCRIPTIVE):
                ev[key] = v
            elif key == "met":
                met.extend(v)
            elif any(key == name for _i, name in plan.bools):
                if v:
                    met.append(key)
            elif any(key == name for _i, name in plan.counts):
                counts[key] = v
            else:
                facts[key[6:] if key.startswith("facts.") else key] = v
        if plan.met is not None or met:
            ev["met"] = met
        if counts:
            ev["unnamed_met"] = counts
        if facts:
            ev["facts"] = facts
        try:
            return self.judge.one(ev, f"{source}[{row}]", None)
        except Exception as exc:  # pragma: no cover - one() reports every evidence problem
            return _Error(None, f"{source}[{row}]", f"{source}[{row}]: {exc}")

    # output
    def to_arrow(self, res: _Result) -> pa.RecordBatch:
        """A judged batch as an Arrow record batch of ``self.schema``, in input order.

        Every column but ``organisation`` is a small table of the distinct answers
        taken by each row's key: no Python work per row.
        """
        pa, _pc, _np = _arrow()
        awards, invs = self.judge.award_columns, self.judge.invariant_columns
        keys = [_key_row(iso, v, awards, invs) for iso, v in res.keys]
        index = res.index
        org = res.org
        if not (pa.types.is_string(org.type) or pa.types.is_large_string(org.type)):
            org = pa.nulls(res.n, pa.string())
        elif pa.types.is_large_string(org.type):
            org = org.cast(pa.string())
        if res.slow:
            index = index.copy()
            names = org.to_pylist()
            blank = (None,) * (3 + len(awards) + len(invs))
            for i, row in res.slow.items():
                index[i] = len(keys)
                if row is None:
                    keys.append((*blank, None))
                elif isinstance(row, _Error):
                    names[i] = row.organisation
                    keys.append((*blank, row.message))
                else:
                    name, iso, v = row
                    names[i] = name
                    keys.append(_key_row(iso, v, awards, invs))
            org = pa.array(names, pa.string())
        take = pa.array(index)
        columns = [org]
        for c, field in enumerate(list(self.schema)[1:]):
            columns.append(pa.array([k[c] for k in keys], field.type).take(take))
        return pa.RecordBatch.from_arrays(columns, schema=self.schema)


def _key_row(iso: str, v: Any, awards: Sequence[str], invs: Sequence[str]) -> tuple[Any, ...]:
    aw, iv = dict(v.awards), dict(v.invariants)
    return (
        dt.date.fromisoformat(iso),
        " ".join(f"{a}@{b}" for a, b in v.rulesets),
        v.level,
        *[aw.get(a) for a in awards],
        *[iv.get(i) for i in invs],
        None,
    )


def _keys(days: Any, np: Any) -> Any:
    """``datetime64[D]`` → ``yyyymmdd`` integers (``evaluate.date_key``), vectorised."""
    y = days.astype("datetime64[Y]")
    mo = days.astype("datetime64[M]")
    year = y.astype(np.int64) + 1970
    month = (mo - y.astype("datetime64[M]")).astype(np.int64) + 1
    day = (days - mo.astype("datetime64[D]")).astype(np.int64) + 1
    return year * 10000 + month * 100 + day


class _Out:
    """Writes judged batches to Parquet (columnar), JSONL or CSV (the batch writers).

    Every file is written whole or not at all (``outputs.AtomicFile``, as the batch
    writers do): ``close`` puts it in place, ``fail`` leaves the previous one.
    """

    def __init__(self, path: str | Path, col: _Columnar, source: str | Path) -> None:
        from iiprules._batch.write import _Writer
        from iiprules.outputs import AtomicFile

        self.col = col
        self.path = str(path)
        self.parquet = Path(self.path).suffix.lower() == ".parquet"
        self._pq: Any = None
        self._rows: Any = None
        self._atomic: Any = None
        if self.parquet:
            self._atomic = AtomicFile(self.path, [source])
            self._file = self._atomic.open()
        else:
            self._rows = _Writer(path, col.judge, [source])
            self._rows.open()

    def write(self, res: _Result) -> None:
        if self._rows is not None:
            from iiprules._batch.write import render

            judged = res.judged()
            j = self.col.judge
            fmt = self._rows.format
            self._rows.write(render(judged, fmt, j.award_columns, j.invariant_columns))
            return
        import pyarrow.parquet as pq

        if self._pq is None:
            self._pq = pq.ParquetWriter(self._file, self.col.schema)
        self._pq.write_batch(self.col.to_arrow(res))

    def close(self) -> None:
        if self._rows is not None:
            self._rows.close()
            return
        import pyarrow.parquet as pq

        if self._pq is None:  # no rows at all: still a file with the columns
            self._pq = pq.ParquetWriter(self._file, self.col.schema)
        self._pq.close()
        self._atomic.commit()

    def fail(self, exc: BaseException) -> BaseException:
        """Drop the unfinished file (the previous one stays); the error to report."""
        if self._rows is not None:
            return self._rows.fail(exc)  # type: ignore[no-any-return]
        self._atomic.discard()
        return self._atomic.translate(exc)  # type: ignore[no-any-return]
