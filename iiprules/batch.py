"""Batch: a population of organisations → one outcome row each, streamed in chunks.

Input → output: a population (a JSONL file, a JSON array, a CSV file with one row
per organisation, or a folder of YAML/JSON evidence files) and the rulesets that
judge it → outcome rows in input order (JSONL, CSV or Parquet) and a ``Summary``
of counts per level and award.

The population is read in chunks, so memory stays the same however many
organisations there are (a JSON array is the exception: it is read whole). Each
chunk is judged on the fastest path that gives the same answer as
``api.evaluate``:

* rows in the common shape (listed requirements, unnamed counts, facts; no
  earlier assessments or pending requirements) are validated in bulk and
  judged together by the numpy kernels of ``Evaluator.vector_kernel``; in JSONL
  files their requirement ids are even read without making a string per id;
* without numpy, the same rows are judged one by one on the scalar fast path;
* every other row (history, pending, anything unusual or wrong) goes through
  the full evidence reader and validator, so its answer or its error message
  is exactly what ``iiprules evaluate`` gives for that organisation alone.

With ``jobs`` > 1, chunks are judged in worker processes and written in input
order, so the output is byte for byte the same. The rulesets come from a
``Rulesets`` provider (``api.PopulationRulesets``): this module sits below the
API and does not load rulesets itself.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs

from iiprules._batch.judge import _Judge
from iiprules._batch.read import (
    CHUNK_ROWS,
    FORMATS,
    _Chunk,
    _size,
    population_format,
    read_chunks,
)
from iiprules._batch.rows import Rulesets, Summary, _row_dict
from iiprules._batch.write import (
    OUTPUT_FORMATS,
    _Writer,
    render,
    summarise,
)

__all__ = [
    "FORMATS",
    "OUTPUT_FORMATS",
    "Rulesets",
    "Summary",
    "evaluate_population",
    "iter_rows",
    "outcomes",
    "population_format",
    "read_chunks",
]


_WORKER: dict[str, Any] = {}


def _worker_init(rulesets: Rulesets, vectorise: bool) -> None:
    _WORKER["judge"] = _Judge(rulesets, vectorise)


def _worker_run(chunk: _Chunk, fmt: str | None) -> tuple[Any, Summary, int]:
    judge: _Judge = _WORKER["judge"]
    judged = judge.judge(chunk)
    rendered = (
        render(judged, fmt, judge.award_columns, judge.invariant_columns)
        if fmt is not None
        else judged.rows()
    )
    return rendered, summarise(judged), chunk.size


class _Progress:
    """A one-line progress report on standard error, for runs long enough to want one."""

    #: Seconds before the first report, and between reports.
    AFTER = 1.0
    EVERY = 0.25

    def __init__(self, enabled: bool, total_bytes: int) -> None:
        self.enabled = enabled
        self.total = total_bytes
        self.start = time.perf_counter()
        self.last = self.start
        self.rows = 0
        self.bytes = 0
        self.shown = False

    def update(self, rows: int, size: int) -> None:
        self.rows += rows
        self.bytes += size
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self.last < self.EVERY or now - self.start < self.AFTER:
            return
        self.last = now
        rate = self.rows / (now - self.start)
        pct = f"  {min(self.bytes / self.total, 1):.0%}" if self.total else ""
        sys.stderr.write(f"\r  {self.rows:,} organisations  {rate:,.0f}/s{pct}   ")
        sys.stderr.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _judged_chunks(
    chunks: Iterable[_Chunk], rulesets: Rulesets, fmt: str | None, jobs: int, vectorise: bool
) -> Iterator[tuple[Any, Summary, int]]:
    """Each chunk judged (and rendered, when ``fmt`` is set), in input order."""
    if jobs <= 1:
        _worker_init(rulesets, vectorise)
        for chunk in chunks:
            yield _worker_run(chunk, fmt)
        return
    import concurrent.futures as cf
    import multiprocessing as mp

    methods = mp.get_all_start_methods()
    ctx = mp.get_context("fork" if "fork" in methods else "spawn")
    with cf.ProcessPoolExecutor(
        max_workers=jobs, mp_context=ctx, initializer=_worker_init, initargs=(rulesets, vectorise)
    ) as pool:
        pending: deque[cf.Future[tuple[Any, Summary, int]]] = deque()
        # A bounded window of chunks in flight keeps memory flat.
        for chunk in chunks:
            pending.append(pool.submit(_worker_run, chunk, fmt))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def evaluate_population(
    source: str | Path,
    rulesets: Rulesets,
    out: str | Path | None = None,
    jobs: int = 1,
    progress: bool | None = None,
    vectorise: bool = True,
    chunk_rows: int = CHUNK_ROWS,
) -> Summary:
    """Judge every organisation of a population, write the outcomes, return the summary.

    Args:
        source: a ``.jsonl``/``.ndjson`` file (``-``: standard input), a ``.json``
            array, a ``.csv`` file, or a folder of evidence files.
        rulesets: the rulesets' provider (``api.PopulationRulesets``).
        out: where to write one row per organisation, in input order (``.jsonl``,
            ``.csv``, ``.parquet``; ``-`` for JSONL on standard output); None: only count.
        jobs: worker processes (results are the same, in the same order).
        progress: report progress on standard error; None: when it is a terminal.
        vectorise: use numpy when it is installed (False: the scalar path only).
        chunk_rows: organisations per chunk.

    Raises:
        EvidenceError: the population cannot be read, or is in an unknown format.
        OutputError: the output cannot be written there, or is the population.
        OutputInterrupted: interrupted (Ctrl-C, SIGTERM); the previous output is intact.
            Problems with one organisation do not raise: its
            row says what is wrong, and ``Summary.errors`` counts it.
    """
    started = time.perf_counter()
    fmt = None
    writer: _Writer | None = None
    probe = _Judge(rulesets, vectorise=False)
    if out is not None:
        # before the population is opened: an output that is the input is refused
        writer = _Writer(out, probe, inputs=[source])
        fmt = writer.format
    chunks = read_chunks(source, chunk_rows, probe)
    total_bytes = _size(Path(source)) if str(source) != "-" and Path(source).is_file() else 0
    show = progress if progress is not None else sys.stderr.isatty()
    bar = _Progress(show, total_bytes)
    summary = Summary()
    if writer is not None:
        writer.open()
    try:
        for rendered, counts, size in _judged_chunks(chunks, rulesets, fmt, jobs, vectorise):
            if writer is not None:
                writer.write(rendered)
            summary = summary + counts
            bar.update(counts.total, size)
    except BaseException as exc:
        bar.done()
        if writer is None:
            raise
        # a run that fails or is interrupted leaves the previous output as it was
        reported = writer.fail(exc)
        if reported is exc:
            raise
        raise reported from None
    bar.done()
    if writer is not None:
        writer.close()
    return attrs.evolve(summary, seconds=time.perf_counter() - started)


def iter_rows(
    source: str | Path, rulesets: Rulesets, jobs: int = 1, vectorise: bool = True
) -> Iterator[dict[str, Any]]:
    """Each organisation's outcome as a dict, in input order (see ``evaluate_population``).

    A row has the shape of ``Outcome.to_dict(explanation=False)``, or
    ``{"organisation", "where", "error"}`` for an organisation that cannot be judged.

    Raises:
        EvidenceError: the population cannot be read or is in an unknown format.
    """
    chunks = read_chunks(source, CHUNK_ROWS, _Judge(rulesets, vectorise=False))
    for rows, _s, _n in _judged_chunks(chunks, rulesets, None, jobs, vectorise):
        for row in rows:
            yield _row_dict(row)


def outcomes(evidences: Iterable[Any], rulesets: Rulesets, explain: bool = False) -> Iterator[Any]:
    """Each organisation's ``Outcome`` or error, lazily, in input order (``api.evaluate_many``).

    Mappings are judged a chunk at a time by the vectorised kernels, everything else
    one by one; each outcome is what ``api.evaluate`` gives (see ``_batch.outcomes``).
    An organisation that cannot be judged yields its ``IIPError`` in its place, with
    ``index`` set to its position, and the rest go on: ``api.evaluate_many`` decides
    whether to raise, collect or skip it.
    """
    from iiprules._batch.outcomes import outcomes as bulk_outcomes

    return bulk_outcomes(evidences, rulesets, explain)
