"""Writing judged rows (JSONL, CSV, Parquet) and counting them.

Input → output: a ``_Judged`` chunk → bytes of JSONL or CSV (or rows for
Parquet), written one chunk after another; → its ``Summary``.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from iiprules._batch.rows import _FIRST_ERRORS, Summary, _Error, _Row, _row_dict
from iiprules.diagnostics import EvidenceError
from iiprules.outputs import AtomicFile

if TYPE_CHECKING:
    from iiprules._batch.judge import _Judge, _Judged


#: Output formats by file suffix (``-`` writes JSONL to standard output).
OUTPUT_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}


class _Writer:
    """Writes rows of one chunk after another to a JSONL, CSV or Parquet file.

    A file is written whole or not at all (``outputs.AtomicFile``): ``close``
    puts it in place, ``discard`` leaves the previous one as it was.
    """

    def __init__(
        self, path: str | Path, judge: _Judge, inputs: Sequence[str | Path] = ()
    ) -> None:
        """Check the output before anything is read (it must not be an input).

        Raises:
            EvidenceError: an unknown output format, or Parquet without pyarrow.
            OutputError: the output cannot be written there, or is an input.
        """
        self.path = str(path)
        if self.path == "-":
            self.format = "jsonl"
        else:
            fmt = OUTPUT_FORMATS.get(Path(path).suffix.lower())
            if fmt is None:
                raise EvidenceError(
                    f"unknown output format '{Path(path).suffix or Path(path).name}'; use "
                    + ", ".join(OUTPUT_FORMATS)
                    + " or - for JSONL on standard output",
                    None,
                    self.path,
                    None,
                )
            self.format = fmt
        self.award_columns = judge.award_columns
        self.invariant_columns = judge.invariant_columns
        self._parquet: Any = None
        if self.format == "parquet":
            try:
                import pyarrow.parquet  # noqa: F401 - only to fail early without it
            except ImportError:
                raise EvidenceError(
                    "writing Parquet needs pyarrow (pip install pyarrow); or write .jsonl or .csv",
                    None,
                    self.path,
                    None,
                ) from None
        self._file: IO[bytes] | None = None
        self._atomic = AtomicFile(self.path, inputs) if self.path != "-" else None

    def open(self) -> None:
        """Start writing (a temporary file beside the target)."""
        if self.path == "-":
            self._file = sys.stdout.buffer
        else:
            assert self._atomic is not None
            self._file = self._atomic.open()
        if self.format == "csv":
            self._file.write(render_csv_header(self.award_columns, self.invariant_columns))

    def write(self, rendered: Any) -> None:
        if self.format == "parquet":
            self._write_parquet(rendered)
        else:
            assert self._file is not None
            self._file.write(rendered)

    def _write_parquet(self, rows: list[_Row]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        cols: dict[str, list[Any]] = {
            "organisation": [],
            "assessed_on": [],
            "rulesets": [],
            "level": [],
            **{f"award.{a}": [] for a in self.award_columns},
            **{f"invariant.{i}": [] for i in self.invariant_columns},
            "error": [],
        }
        for row in rows:
            if isinstance(row, _Error):
                cols["organisation"].append(row.organisation)
                for k in cols:
                    if k not in ("organisation", "error"):
                        cols[k].append(None)
                cols["error"].append(f"{row.message}")
                continue
            name, iso, v = row
            cols["organisation"].append(name)
            cols["assessed_on"].append(dt.date.fromisoformat(iso))
            cols["rulesets"].append(" ".join(f"{n}@{ver}" for n, ver in v.rulesets))
            cols["level"].append(v.level)
            aw, inv = dict(v.awards), dict(v.invariants)
            for a in self.award_columns:
                cols[f"award.{a}"].append(aw.get(a))
            for i in self.invariant_columns:
                cols[f"invariant.{i}"].append(inv.get(i))
            cols["error"].append(None)
        schema = pa.schema(
            [
                ("organisation", pa.string()),
                ("assessed_on", pa.date32()),
                ("rulesets", pa.string()),
                ("level", pa.string()),
                *[(f"award.{a}", pa.bool_()) for a in self.award_columns],
                *[(f"invariant.{i}", pa.bool_()) for i in self.invariant_columns],
                ("error", pa.string()),
            ]
        )
        table = pa.table(cols, schema=schema)
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self._file, schema)
        self._parquet.write_table(table)

    def close(self) -> None:
        """Finish the file and put it in place of the previous one.

        Raises:
            OutputError: it cannot be written (a full disk); the previous file is intact.
        """
        if self._parquet is not None:
            self._parquet.close()
        elif self.format == "parquet":
            # no rows at all: still write a file with the columns
            self._write_parquet([])
            self._parquet.close()  # type: ignore[attr-defined]
        if self._atomic is not None:
            self._atomic.commit()
        elif self._file is not None:
            self._file.flush()

    def fail(self, exc: BaseException) -> BaseException:
        """Drop the unfinished file (the previous one stays); the error to report."""
        if self._parquet is not None:
            # closed before its file goes, or it complains at exit about a closed file
            with contextlib.suppress(Exception):
                self._parquet.close()
            self._parquet = None
        if self._atomic is None:
            return exc
        self._atomic.discard()
        return self._atomic.translate(exc)


def render(
    judged: _Judged, fmt: str, award_columns: Sequence[str], invariant_columns: Sequence[str]
) -> Any:
    """A judged chunk for a writer: bytes for JSONL and CSV, its rows for Parquet."""
    if fmt == "jsonl":
        return render_jsonl(judged)
    if fmt == "csv":
        return render_csv(judged.rows(), award_columns, invariant_columns)
    return judged.rows()


def render_jsonl(judged: _Judged) -> bytes:
    """Rows as JSON lines, in the shape of ``Outcome.to_dict(explanation=False)``."""
    dumps = _json_dumps()
    tails = []
    for iso, v in judged.keys:
        d = _row_dict(("", iso, v))
        del d["organisation"]
        tails.append(b"," + dumps(d)[1:] + b"\n")
    index, names, which = judged.ordered()
    head = b'{"organisation":'
    lines = [
        head + n + t for n, t in zip(map(dumps, names), map(tails.__getitem__, which), strict=True)
    ]
    if not judged.slow:
        return b"".join(lines)
    out: list[bytes | None] = [None] * judged.n
    for i, line in zip(index, lines, strict=True):
        out[i] = line
    for i, row in judged.slow.items():
        if row is not None:
            out[i] = dumps(_row_dict(row)) + b"\n"
    return b"".join(x for x in out if x is not None)


def render_csv_header(award_columns: Sequence[str], invariant_columns: Sequence[str]) -> bytes:
    """The header line of the CSV output."""
    cols = ["organisation", "assessed_on", "rulesets", "level", *award_columns,
            *(f"invariant:{i}" for i in invariant_columns), "error"]  # fmt: skip
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(cols)
    return buf.getvalue().encode()


def render_csv(
    rows: list[_Row], award_columns: Sequence[str], invariant_columns: Sequence[str]
) -> bytes:
    """Rows as CSV lines: one column per award and invariant (empty: not judged)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    tail: dict[int, list[str]] = {}
    empty = [""] * (len(award_columns) + len(invariant_columns))
    for row in rows:
        if isinstance(row, _Error):
            w.writerow([row.organisation or "", "", "", "", *empty, row.message])
            continue
        name, iso, v = row
        t = tail.get(id(v))
        if t is None:
            aw, inv = dict(v.awards), dict(v.invariants)
            t = tail[id(v)] = [
                " ".join(f"{n}@{ver}" for n, ver in v.rulesets),
                v.level or "none",
                *(_cell(aw.get(a)) for a in award_columns),
                *(_cell(inv.get(i)) for i in invariant_columns),
                "",
            ]
        w.writerow([name, iso, *t])
    return buf.getvalue().encode()


def _cell(x: bool | None) -> str:
    return "" if x is None else "true" if x else "false"


def _json_dumps() -> Callable[[Any], bytes]:
    try:
        import orjson

        return orjson.dumps
    except ImportError:  # pragma: no cover - depends on the installation
        return lambda x: json.dumps(x, ensure_ascii=False, separators=(",", ":")).encode()


def summarise(judged: _Judged) -> Summary:
    """The counts of one judged chunk."""
    per_key = [0] * len(judged.keys)
    for w in judged.which:
        per_key[w] += 1
    tally: dict[int, list[Any]] = {}
    for (_iso, v), count in zip(judged.keys, per_key, strict=True):
        hit = tally.setdefault(id(v), [v, 0])
        hit[1] += count
    errors = total = 0
    first: list[str] = []
    for _i, row in sorted(judged.slow.items()):
        if row is None:
            continue
        total += 1
        if isinstance(row, _Error):
            errors += 1
            if len(first) < _FIRST_ERRORS:
                first.append(row.message)
        else:
            hit = tally.setdefault(id(row[2]), [row[2], 0])
            hit[1] += 1
    levels: dict[str, int] = {}
    awards: dict[str, tuple[int, int]] = {}
    for v, count in tally.values():
        lv = v.level or "none"
        levels[lv] = levels.get(lv, 0) + count
        for a, ok in v.awards:
            yes, n = awards.get(a, (0, 0))
            awards[a] = (yes + (count if ok else 0), n + count)
    return Summary(total + len(judged.which), errors, levels, awards, 0.0, tuple(first))
