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
from typing import IO, Any, Protocol

from attrs import frozen

from iiprules import model as m
from iiprules._batch.rows import Rulesets
from iiprules.diagnostics import EvidenceError, did_you_mean
from iiprules.evaluate import Layout
from iiprules.evidence import FIELDS


class _Judge(Protocol):
    """What reading a CSV needs of the judge (``judge._Judge`` is one): the known columns.

    A protocol, not an import of ``judge``: ``judge`` reads chunks from here, so
    importing it back would close an import circle.
    """

    layout: Layout | None
    rulesets: Rulesets
    fact_types: dict[str, str]
    unnamed: set[str]


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


#: Characters a byte that is not UTF-8 becomes when read with ``surrogateescape``.
_BAD_TEXT = re.compile("[\udc80-\udcff]")


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


def cut(text: str, limit: int = 60) -> str:
    """A value for a message, cut to ``limit`` characters.

    A 10,000-character value repeated in every error row helps no one.
    """
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Refused:
    """A document the careful reader refuses (a duplicate key): judged as an error row."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


def careful_json(text: str | bytes) -> Any:
    """One JSON document as the evidence reader reads it.

    Decimals are kept as text, and a duplicate key is refused (``json.loads``
    lets the last one win silently).

    Raises:
        ValueError: not valid JSON, a duplicate key, or nested too deeply.
    """
    text = text if isinstance(text, str) else _utf8(text)
    start = len(text) - len(text.lstrip(" \t\n\r"))
    doc, end = _careful_decode(text, start)
    if isinstance(doc, Refused):
        raise ValueError(doc.message)
    if text[end:].strip(" \t\n\r"):
        raise ValueError("extra data after the JSON value (one value per line)")
    return doc


def _utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text (byte {exc.start + 1})") from None


def _careful_decode(text: str, at: int) -> tuple[Any, int]:
    """The JSON value starting at ``at`` and where it ends; a ``Refused`` for a duplicate key."""
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in items:
            if k in out and not duplicates:
                duplicates.append(k)
            out[k] = v
        return out

    decoder = json.JSONDecoder(parse_float=str, object_pairs_hook=pairs)
    try:
        doc, end = decoder.raw_decode(text, at)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if duplicates:
        return Refused(f"key '{cut(duplicates[0])}' appears twice"), end
    return doc, end


def _json_chunks(path: Path, rows: int) -> Iterator[_Chunk]:
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EvidenceError(
            f"cannot read the population ({exc.__class__.__name__})", None, source, None
        ) from None
    items = _json_array(text, source)
    for i in range(0, len(items), rows):
        part = [(d, f"{source}[{i + j}]") for j, d in enumerate(items[i : i + rows])]
        yield _Chunk("docs", part, source, i, 0)


def _json_array(text: str, source: str) -> list[Any]:
    """The items of a JSON array (or one mapping), each parsed on its own.

    An item with a duplicate key becomes a ``Refused`` (an error row); the others
    are still judged. Invalid JSON stops the file: where the next item starts is
    then unknown.

    Raises:
        EvidenceError: not valid JSON, or not a list of mappings.
    """
    ws = " \t\n\r"
    i = len(text) - len(text.lstrip(ws))

    def fail(msg: str, at: int) -> EvidenceError:
        return EvidenceError(f"not valid JSON: {msg}", None, source, text.count("\n", 0, at) + 1)

    def value(at: int) -> tuple[Any, int]:
        try:
            return _careful_decode(text, at)
        except json.JSONDecodeError as exc:
            raise fail(exc.msg, exc.pos) from None
        except ValueError as exc:
            raise fail(str(exc), at) from None

    if text[i : i + 1] != "[":
        doc, end = value(i)
        if text[end:].strip(ws):
            raise fail("extra data after the JSON value", end)
        if isinstance(doc, (dict, Refused)):
            return [doc]
        raise EvidenceError("expected a list of evidence mappings", None, source, None)
    items: list[Any] = []
    i += 1
    while True:
        while i < len(text) and text[i] in ws:
            i += 1
        if text[i : i + 1] == "]" and not items:
            i += 1
            break
        doc, i = value(i)
        items.append(doc)
        while i < len(text) and text[i] in ws:
            i += 1
        if text[i : i + 1] == ",":
            i += 1
            continue
        if text[i : i + 1] == "]":
            i += 1
            break
        raise fail("expected ',' or ']' after an item", i)
    if text[i:].strip(ws):
        raise fail("extra data after the list", i)
    return items


def _csv_chunks(path: Path, rows: int, judge: _Judge | None) -> Iterator[_Chunk]:
    source = str(path)
    try:
        # a byte that is not UTF-8 spoils its row only (see _CsvPlan.doc), not the file
        f = path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")
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

    def name(self, row: Sequence[str]) -> str | None:
        """The organisation's name in a row, for an error row that keeps it."""
        for (kind, col), cell in zip(self.columns, row, strict=False):
            if kind == "field" and col == "organisation" and cell.strip():
                return _BAD_TEXT.sub("\ufffd", cell.strip())
        return None

    def doc(self, row: Sequence[str]) -> dict[str, Any]:
        """The evidence mapping of a row.

        Raises:
            ValueError: a cell cannot be read (the row becomes an error row).
        """
        bad = next((c for c in row if _BAD_TEXT.search(c)), None)
        if bad is not None:
            raise ValueError("the row is not UTF-8 text")
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
                        f"column '{name}': expected 1/0, yes/no or true/false, got {cut(text)!r}"
                    )
            elif kind == "count":
                if text:
                    try:
                        counts[name] = int(text)
                    except ValueError:
                        raise ValueError(
                            f"column '{name}': expected a whole number, got {cut(text)!r}"
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
