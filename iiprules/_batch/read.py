"""Reading populations in chunks: JSONL, a JSON array, CSV, or a folder of evidence files.

Input → output: a path → ``_Chunk``s, lazily, each small and picklable (so a
worker process can judge it). A CSV row becomes an evidence mapping here.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from attrs import frozen

from iiprules import model as m
from iiprules.diagnostics import EvidenceError, did_you_mean
from iiprules.evidence import FIELDS

if TYPE_CHECKING:
    from iiprules._batch.judge import _Judge


#: Population formats by file suffix (a folder is read as YAML/JSON evidence files).
FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv"}


#: Evidence files read from a population folder.
EVIDENCE_SUFFIXES = (".yaml", ".yml", ".json")


#: Organisations per chunk: big enough for numpy to pay, small enough to stay in cache.
CHUNK_ROWS = 4096


#: Bytes read at a time from a JSONL file (a chunk ends at a line end).
CHUNK_BYTES = 1 << 21


_TRUE_CELLS = {"1", "true", "yes", "y", "x", "met", "✓"}


_FALSE_CELLS = {"", "0", "false", "no", "n", "-"}


_LIST_SPLIT = re.compile(r"[;,|\s]+")


@frozen
class _Chunk:
    """A piece of a population, small and picklable, for a judge in any process."""

    kind: str  # jsonl | csv | docs | files
    data: Any
    source: str
    first: int  # the line (or index) of its first row
    size: int = 0  # bytes of input it covers, for progress


def population_format(path: str | Path) -> str:
    """The format of a population by its suffix (a folder: ``yaml-dir``).

    Raises:
        EvidenceError: an unknown suffix.
    """
    p = Path(path)
    if str(path) == "-":
        return "jsonl"
    if p.is_dir():
        return "yaml-dir"
    fmt = FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise EvidenceError(
            f"unknown population format '{p.suffix or p.name}'; use "
            + ", ".join(FORMATS)
            + " or a folder of evidence files",
            None,
            str(path),
            None,
        )
    return fmt


def read_chunks(
    path: str | Path, rows: int = CHUNK_ROWS, judge: _Judge | None = None
) -> Iterator[_Chunk]:
    """The population in chunks, lazily (a CSV header is checked against ``judge``).

    Raises:
        EvidenceError: the population cannot be read, or is not in its format.
    """
    fmt = population_format(path)
    source = str(path)
    if fmt == "jsonl":
        yield from _jsonl_chunks(path, rows)
    elif fmt == "json":
        yield from _json_chunks(Path(path), rows)
    elif fmt == "csv":
        yield from _csv_chunks(Path(path), rows, judge)
    else:
        files = sorted(
            p for p in Path(path).iterdir() if p.suffix.lower() in EVIDENCE_SUFFIXES and p.is_file()
        )
        if not files:
            raise EvidenceError(
                "the folder has no evidence files (.yaml, .yml, .json)", None, source, None
            )
        for i in range(0, len(files), 256):
            part = files[i : i + 256]
            yield _Chunk("files", part, source, i, sum(_size(p) for p in part))


def _size(p: Path) -> int:
    try:
        return p.stat().st_size
    except OSError:
        return 0


def _open_binary(path: str | Path) -> IO[bytes]:
    if str(path) == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")  # closed by the caller's with
    except OSError as exc:
        raise EvidenceError(
            f"cannot read the population ({exc.strerror or exc.__class__.__name__})",
            None,
            str(path),
            None,
        ) from None


def _jsonl_chunks(path: str | Path, rows: int) -> Iterator[_Chunk]:
    source = str(path)
    line = 1
    block = max(rows * 1024, 1 << 16)
    with _open_binary(path) as f:
        rest = b""
        while True:
            data = f.read(block)
            if not data:
                break
            data = rest + data
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                rest = data
                continue
            rest = data[cut:]
            buf = data[:cut]
            # split on line count, so chunk boundaries do not depend on the block size
            start = 0
            while start < len(buf):
                end = start
                for _ in range(rows):
                    nl = buf.find(b"\n", end)
                    if nl < 0:
                        end = len(buf)
                        break
                    end = nl + 1
                piece = buf[start:end]
                lines = piece.count(b"\n")
                yield _Chunk("jsonl", piece, source, line, len(piece))
                line += lines
                start = end
        if rest.strip():
            yield _Chunk("jsonl", rest + b"\n", source, line, len(rest))


def _json_chunks(path: Path, rows: int) -> Iterator[_Chunk]:
    source = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=str)
    except OSError as exc:
        raise EvidenceError(
            f"cannot read the population ({exc.__class__.__name__})", None, source, None
        ) from None
    except json.JSONDecodeError as exc:
        raise EvidenceError(f"not valid JSON: {exc.msg}", None, source, exc.lineno) from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise EvidenceError("expected a list of evidence mappings", None, source, None)
    for i in range(0, len(data), rows):
        part = [(d, f"{source}[{i + j}]") for j, d in enumerate(data[i : i + rows])]
        yield _Chunk("docs", part, source, i, 0)


def _csv_chunks(path: Path, rows: int, judge: _Judge | None) -> Iterator[_Chunk]:
    source = str(path)
    try:
        f = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise EvidenceError(
            f"cannot read the population ({exc.__class__.__name__})", None, source, None
        ) from None
    with f:
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            raise EvidenceError("the CSV file is empty", None, source, 1) from None
        except csv.Error as exc:
            raise EvidenceError(f"not valid CSV: {exc}", None, source, 1) from None
        if judge is not None:
            _CsvPlan(header, judge, source)  # unknown columns fail before any work
        batch: list[list[str]] = []
        first = 2
        line = 2
        try:
            for row in reader:
                batch.append(row)
                if len(batch) >= rows:
                    yield _Chunk("csv", (header, batch), source, first, 0)
                    first += len(batch)
                    batch = []
                line = reader.line_num + 1
        except csv.Error as exc:
            raise EvidenceError(f"not valid CSV: {exc}", None, source, line) from None
        if batch:
            yield _Chunk("csv", (header, batch), source, first, 0)


class _CsvPlan:
    """How each CSV column becomes part of an evidence mapping."""

    def __init__(self, header: Sequence[str], judge: _Judge, source: str) -> None:
        self.columns: list[tuple[str, str]] = []
        ids = judge.layout.bits if judge.layout is not None else None
        known_ids = set(ids) if ids is not None else set()
        if ids is None:
            for s in judge.rulesets.versions():
                known_ids.update(
                    k for k, r in s.requirements.items() if isinstance(r.node, m.Requirement)
                )
        seen: set[str] = set()
        for col in header:
            name = col.strip()
            if name in seen:
                raise EvidenceError(f"column '{name}' appears twice", None, source, 1)
            seen.add(name)
            if name in ("organisation", "assessed_on", "id", "sector", "size", "notes"):
                self.columns.append(("field", name))
            elif name in ("met", "pending"):
                self.columns.append(("list", name))
            elif name.startswith("facts.") and name[6:] in judge.fact_types:
                self.columns.append(("fact", name[6:]))
            elif name in judge.fact_types:
                self.columns.append(("fact", name))
            elif name in judge.unnamed:
                self.columns.append(("count", name))
            elif name in known_ids:
                self.columns.append(("req", name))
            else:
                choices = [*FIELDS, *judge.fact_types, *judge.unnamed, *sorted(known_ids)]
                hint = did_you_mean(name, choices)
                raise EvidenceError(
                    f"unknown column '{name}'"
                    + (f"; {hint}" if hint else "; columns are evidence fields, requirement ids, "
                       "unnamed group ids or fact names"),
                    None,
                    source,
                    1,
                )  # fmt: skip
        self.fact_types = judge.fact_types

    def doc(self, row: Sequence[str]) -> dict[str, Any]:
        if len(row) != len(self.columns):
            raise ValueError(f"expected {len(self.columns)} cells, found {len(row)}")
        doc: dict[str, Any] = {}
        met: list[str] = []
        counts: dict[str, int] = {}
        facts: dict[str, Any] = {}
        for (kind, name), cell in zip(self.columns, row, strict=True):
            text = cell.strip()
            if kind == "field":
                if text:
                    doc[name] = text
            elif kind == "list":
                ids = [x for x in _LIST_SPLIT.split(text) if x]
                if name == "met":
                    met.extend(ids)
                elif ids:
                    doc[name] = ids
            elif kind == "req":
                low = text.lower()
                if low in _TRUE_CELLS:
                    met.append(name)
                elif low not in _FALSE_CELLS:
                    raise ValueError(
                        f"column '{name}': expected 1/0, yes/no or true/false, got {text!r}"
                    )
            elif kind == "count":
                if text:
                    try:
                        counts[name] = int(text)
                    except ValueError:
                        raise ValueError(
                            f"column '{name}': expected a whole number, got {text!r}"
                        ) from None
            elif text:
                facts[name] = _cell_value(text, self.fact_types[name])
        if met:
            doc["met"] = met
        if counts:
            doc["unnamed_met"] = counts
        if facts:
            doc["facts"] = facts
        return doc


def _cell_value(text: str, type_: str) -> Any:
    low = text.lower()
    if type_ == "boolean":
        if low in ("true", "yes", "y", "1"):
            return True
        if low in ("false", "no", "n", "0"):
            return False
        return text
    if type_ == "number":
        try:
            return int(text)
        except ValueError:
            return text
    return text
