"""Evidence: a YAML/JSON file or a mapping → a validated ``Evidence`` object.

Input → output: evidence about one organisation (file, text or mapping) →
``Evidence`` (``load``); then ``validate(evidence, scopes)`` — or a
``Validator`` built once for the rulesets that will judge it — checks it
against them. Problems are collected, not raised one at a time: an
``EvidenceError`` carries every problem found, each with a code of its own
(``CODES``), the field path (``met[3]``, ``facts.employees``) and, for YAML and
JSON files alike, the line and column.

The format is strict: unknown fields, duplicate keys, duplicate ids, dates not
written ``YYYY-MM-DD`` and values over the stated limits (``LIMITS``) are all
refused, so that what evidence says is never silently reinterpreted. Every
check is linear in the size of the evidence.

Two paths give one answer. Documents and unusual mappings go through the
complete reader, which knows positions and reports everything. A plain dict
judged by ``api.evaluate`` is first offered to ``Validator.accept``, which only
*accepts*: it builds the ``Evidence`` straight from the dict when every check
passes by set operations (ids ⊆ the listable ids also proves they are text),
and otherwise hands over to the complete reader for the messages. Nothing is
wrapped per value and no message is formatted on the success path.

Why one module of ~970 lines: the complete reader and the acceptor are two halves
of one contract (the acceptor may only accept what the reader accepts), and they
are read against each other; the document parsers with positions live apart, in
``iiprules._evidence``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import attrs
from attrs import field, frozen

from iiprules import model as m
from iiprules._evidence.codes import (
    BAD_COUNT,
    BAD_DATE,
    CODES,
    CONFLICT,
    DUPLICATE_ID,
    DUPLICATE_KEY,
    LIMITS,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_LIST_ITEMS,
    MAX_NODES,
    MAX_STRING_CHARS,
    MISSING_FIELD,
    NOT_LISTABLE,
    SYNTAX,
    TOO_LARGE,
    UNKNOWN_FACT,
    UNKNOWN_FIELD,
    UNKNOWN_ID,
    UNKNOWN_LEVEL,
    UNREADABLE,
    WRONG_TYPE,
)
from iiprules._evidence.documents import Document, field_path, read_text
from iiprules.check import BUILTIN_FACTS, ReqInfo, Snapshot
from iiprules.diagnostics import EvidenceError, EvidenceProblem, did_you_mean, quote
from iiprules.syntax import unparse_selection

__all__ = [
    "BAD_COUNT",
    "BAD_DATE",
    "CODES",
    "CONFLICT",
    "DUPLICATE_ID",
    "DUPLICATE_KEY",
    "EXTRA_FIELDS",
    "FIELDS",
    "HISTORY_FIELDS",
    "LIMITS",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_LIST_ITEMS",
    "MAX_NODES",
    "MAX_PROBLEMS",
    "MAX_STRING_CHARS",
    "MISSING_FIELD",
    "NOT_LISTABLE",
    "REQUIRED",
    "SYNTAX",
    "TOO_LARGE",
    "UNKNOWN_FACT",
    "UNKNOWN_FIELD",
    "UNKNOWN_ID",
    "UNKNOWN_LEVEL",
    "UNREADABLE",
    "WRONG_TYPE",
    "Document",
    "Earlier",
    "Evidence",
    "Validator",
    "load",
    "parse_date",
    "read_document",
    "validate",
]

#: The fields evidence may have; descriptive ones are kept but not judged.
FIELDS: Final = (
    "organisation",
    "assessed_on",
    "met",
    "unnamed_met",
    "facts",
    "history",
    "pending",
    "id",
    "sector",
    "size",
    "notes",
)
REQUIRED: Final = ("organisation", "assessed_on")
#: Descriptive fields: kept with the outcome, never judged.
EXTRA_FIELDS: Final = ("id", "sector", "size", "notes")
HISTORY_FIELDS: Final = ("assessed_on", "met", "unnamed_met", "ruleset", "level", "notes")
#: Problems reported in full for one document; past this they are only counted,
#: so that a list of ten thousand bad ids costs no ten thousand suggestions.
MAX_PROBLEMS: Final = 50

_FIELD_SET = frozenset(FIELDS)
_HISTORY_SET = frozenset(HISTORY_FIELDS)
_EMPTY: Mapping[str, Any] = {}
_LISTS = (list, tuple)


# -- dates ------------------------------------------------------------------------------

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATES: dict[str, dt.date] = {}


def parse_date(value: object) -> dt.date | None:
    """A date written ``YYYY-MM-DD`` (or a ``date``), or None when it is not one.

    Stricter than ``date.fromisoformat``, which also reads ``20100630`` and
    ``2010-W26-3``: every message says ``YYYY-MM-DD``, so only that is accepted,
    on every path (the population readers call this too). Parsed texts are
    memoised: a population has few distinct dates.
    """
    if type(value) is str:
        hit = _DATES.get(value)
        if hit is not None:
            return hit
        if not _DATE.fullmatch(value):
            return None
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return None
        if len(_DATES) > 100_000:
            _DATES.clear()
        _DATES[value] = day
        return day
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def _date_problem(value: object) -> str:
    if isinstance(value, str) and _DATE.fullmatch(value):
        return f"no such day: {quote(value)}"
    return f"expected a date written YYYY-MM-DD, got {quote(value)}"


# -- the model ------------------------------------------------------------------------


@frozen
class Earlier:
    """An earlier assessment: its date and what it found met."""

    assessed_on: dt.date
    met: frozenset[str] = frozenset()
    unnamed_met: Mapping[str, int] = field(factory=dict)
    ruleset: str | None = None
    level: str | None = None


@frozen
class Evidence:
    """What an assessment found about one organisation.

    ``facts`` are typed by ``validate``; until then they are in ``raw_facts`` as
    written. ``origin`` remembers the document (or mapping) read, so that a
    problem found later by ``validate`` can still name its line and column;
    ``problems`` are shape problems kept by ``load(defer=True)`` for ``validate``
    to report together with its own.
    """

    organisation: str
    assessed_on: dt.date
    met: frozenset[str] = frozenset()
    unnamed_met: Mapping[str, int] = field(factory=dict)
    facts: Mapping[str, m.Value] = field(factory=dict)
    history: tuple[Earlier, ...] = ()
    pending: frozenset[str] = frozenset()
    extra: Mapping[str, Any] = field(factory=dict, eq=False)
    path: str | None = field(default=None, eq=False)
    raw_facts: Mapping[str, Any] = field(factory=dict, eq=False, repr=False)
    origin: _Origin | None = field(default=None, eq=False, repr=False)
    problems: tuple[EvidenceProblem, ...] = field(default=(), eq=False, repr=False)

    def error(self, fld: str, message: str, code: str = "IIP300") -> EvidenceError:
        """An error about one of this evidence's fields, placed when it can be."""
        return EvidenceError.of([_Origin.locate(self, code, message, _parts(fld))])


def _parts(fld: str) -> list[Any]:
    """``history[0].met`` → ``["history", 0, "met"]``."""
    out: list[Any] = []
    for piece in fld.split("."):
        name, _, rest = piece.partition("[")
        if name:
            out.append(name)
        for idx in rest.split("[") if rest else ():
            out.append(int(idx.rstrip("]")))
    return out


class _Origin:
    """The value evidence was read from (and its document), to place later problems."""

    __slots__ = ("_id_index", "doc", "value")

    def __init__(self, value: Any, doc: Document | None) -> None:
        self.value = value
        self.doc = doc
        self._id_index: dict[int, dict[str, int]] = {}

    def index_of(self, items: Any, rid: str) -> int | None:
        """The position of an id in a list as read (one pass per list, then a lookup)."""
        if not isinstance(items, list):
            return None
        table = self._id_index.get(id(items))
        if table is None:
            table = {}
            for i, x in enumerate(items):
                text = _id_text(x, self.doc, items, i)
                if text is not None:
                    table.setdefault(text, i)
            self._id_index[id(items)] = table
        return table.get(rid)

    @staticmethod
    def locate(
        ev: Evidence, code: str, message: str, parts: list[Any], of_key: bool = False
    ) -> EvidenceProblem:
        """A problem at a field path of the evidence, with its position when known.

        A requirement id as the part after a list field is looked up in the list.
        """
        origin = ev.origin
        if origin is None:
            return EvidenceProblem(code, message, field_path(parts) or None, ev.path)
        container: Any = None
        key: Any = None
        node: Any = origin.value
        found: list[Any] = []
        for p in parts:
            if isinstance(node, list) and isinstance(p, str):
                i = origin.index_of(node, p)
                if i is None:
                    break
                p = i
            in_dict = isinstance(node, dict) and p in node
            in_list = isinstance(node, list) and isinstance(p, int) and 0 <= p < len(node)
            if in_dict or in_list:
                container, key, node = node, p, node[p]
                found.append(p)
            else:
                break
        fld = field_path(found) or (field_path(parts) or None)
        if origin.doc is None:
            return EvidenceProblem(code, message, fld, ev.path)
        return origin.doc.problem(code, message, fld, origin.doc.offset(container, key, of_key))


def _id_text(x: Any, doc: Document | None, items: Any, i: int) -> str | None:
    """A requirement id as written: text, or a whole number YAML/JSON read as one."""
    if type(x) is str:
        return x
    if type(x) is int:
        raw = doc.raw(items, i) if doc is not None else None
        return raw if raw is not None else str(x)
    return None


# -- reading ------------------------------------------------------------------------------


def read_document(text: str, path: str) -> Document:
    """Parse YAML or JSON text (``.json`` by suffix) into plain values with positions.

    Raises:
        EvidenceError: not valid YAML/JSON, empty, a duplicate key, or over a limit.
    """
    doc = read_text(text, path)
    if doc.problems:
        raise EvidenceError.of(doc.problems)
    return doc


def read_file(path: str | Path) -> Document:
    """Read a YAML or JSON file within ``MAX_FILE_BYTES``.

    Duplicate keys are kept as ``doc.problems`` for the caller to report with the rest.

    Raises:
        EvidenceError: the file cannot be read, is too large, or is not YAML/JSON.
    """
    where = str(path)
    p = Path(path)
    try:
        with p.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise EvidenceError("no such file", None, where, code=UNREADABLE) from None
    except IsADirectoryError:
        raise EvidenceError("a folder, not a file", None, where, code=UNREADABLE) from None
    except OSError as exc:
        raise EvidenceError(
            f"cannot read the file ({exc.strerror or exc.__class__.__name__})",
            None,
            where,
            code=UNREADABLE,
        ) from None
    if len(data) > MAX_FILE_BYTES:
        raise EvidenceError(
            f"the file is larger than {MAX_FILE_BYTES:,} bytes; evidence is limited to that",
            None,
            where,
            code=TOO_LARGE,
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise EvidenceError(
            "not UTF-8 text", None, where, line, code=UNREADABLE, column=column
        ) from None
    return read_text(text, where)


def load(source: str | Path | Mapping[str, Any] | Evidence, *, defer: bool = False) -> Evidence:
    """Read evidence from a YAML/JSON file path, a mapping or an ``Evidence``.

    Only the shape is checked here (fields, types, dates, duplicates, limits);
    ``validate`` checks it against the rulesets.

    Args:
        source: the file, the mapping, or evidence already read.
        defer: keep the shape problems on the evidence (``Evidence.problems``)
            instead of raising them, so that ``validate`` reports them together
            with its own; for callers that always validate. Problems that leave
            no organisation or assessment date are raised all the same.

    Raises:
        EvidenceError: every problem found (the file cannot be read; a field is
            unknown, missing, of the wrong type or over a limit; ...).
    """
    if isinstance(source, Evidence):
        return source
    if isinstance(source, Mapping):
        ev = _Reader(None, None).evidence(source)
    else:
        doc = read_file(source)
        ev = _Reader(doc, doc.path).evidence(doc.value)
    if ev.problems and not defer:
        raise EvidenceError.of(ev.problems)
    return ev


def _sorted(problems: Iterable[EvidenceProblem]) -> list[EvidenceProblem]:
    """Problems in document order (those without a position keep the order found)."""
    return sorted(
        problems, key=lambda p: (p.line is None, p.line or 0, p.column or 0)
    )


class _Problems:
    """Problems of one evidence, capped at ``MAX_PROBLEMS`` (the rest are counted)."""

    __slots__ = ("dropped", "found")

    def __init__(self, found: Iterable[EvidenceProblem] = ()) -> None:
        self.found: list[EvidenceProblem] = list(found)
        self.dropped = 0

    @property
    def full(self) -> bool:
        """True once no more problems are kept (callers skip costly hints)."""
        return len(self.found) >= MAX_PROBLEMS

    def add(self, problem: EvidenceProblem) -> None:
        if self.full:
            self.dropped += 1
        else:
            self.found.append(problem)

    def all(self, path: str | None) -> tuple[EvidenceProblem, ...]:
        out = _sorted(self.found)
        if self.dropped:
            out.append(EvidenceProblem(
                TOO_LARGE, f"... and {self.dropped:,} more problems not shown", None, path
            ))
        return tuple(out)


class _Reader:
    """Evidence from plain values (a mapping, or a document's value), every problem kept."""

    def __init__(self, doc: Document | None, path: str | None) -> None:
        self.doc = doc
        self.path = path
        self.problems = _Problems(doc.problems if doc is not None else ())

    def add(
        self, code: str, message: str, parts: list[Any], container: Any, key: Any,
        of_key: bool = False,
    ) -> None:
        fld = field_path(parts) or None
        if self.doc is None:
            self.problems.add(EvidenceProblem(code, message, fld, self.path))
        else:
            offset = self.doc.offset(container, key, of_key)
            self.problems.add(self.doc.problem(code, message, fld, offset))

    def evidence(self, value: Any) -> Evidence:
        origin = _Origin(value, self.doc)
        if not isinstance(value, Mapping):
            self.add(WRONG_TYPE, "expected a mapping with 'organisation', 'assessed_on' and "
                     f"'met', got {quote(value)}", [], None, None)
            raise EvidenceError.of(self.problems.all(self.path))
        d = value
        for k in d:
            if k not in _FIELD_SET:
                key = str(k)
                hint = did_you_mean(key, FIELDS) if not self.problems.full else None
                self.add(UNKNOWN_FIELD, "unknown field" + (
                    f"; {hint}" if hint else f"; evidence fields are {', '.join(FIELDS)}"
                ), [key], d, k, of_key=True)
        name = self.organisation(d)
        on = self.date(d, "assessed_on", ["assessed_on"], required=True)
        met = self.ids(d, "met", ["met"])
        pending = self.ids(d, "pending", ["pending"])
        for rid in sorted(met & pending):
            i = self._index(d, "pending", rid)
            self.add(CONFLICT, f"requirement '{rid}' is both met and pending",
                     ["pending", i], d.get("pending"), i)
        unnamed = self.counts(d, "unnamed_met", ["unnamed_met"])
        facts = self.facts(d)
        history = self.history(d)
        extra = {k: self.extra(d, k) for k in EXTRA_FIELDS if k in d}
        problems = self.problems.all(self.path)
        if name is None or on is None:
            raise EvidenceError.of(problems)
        return Evidence(
            name, on, met, unnamed, {}, history, pending, extra=extra, path=self.path,
            raw_facts=facts, origin=origin, problems=problems,
        )

    def _index(self, d: Mapping[str, Any], fld: str, rid: str) -> Any:
        items = d.get(fld)
        if isinstance(items, list):
            for i, x in enumerate(items):
                if _id_text(x, self.doc, items, i) == rid:
                    return i
        return rid

    def organisation(self, d: Mapping[str, Any]) -> str | None:
        if "organisation" not in d or d["organisation"] in (None, ""):
            self.add(MISSING_FIELD, "missing (required)", ["organisation"],
                     d if "organisation" in d else None, "organisation")
            return None
        v = d["organisation"]
        if type(v) is str:
            return v
        raw = self.doc.raw(d, "organisation") if self.doc is not None else None
        if raw is not None:  # a plain YAML scalar such as 1984 or yes: the name as written
            return raw
        self.add(WRONG_TYPE, f"expected the organisation's name as text, got {quote(v)}",
                 ["organisation"], d, "organisation")
        return None

    def date(
        self, d: Mapping[str, Any], key: str, parts: list[Any], required: bool = False
    ) -> dt.date | None:
        if key not in d or (required and d[key] in (None, "")):
            if required:
                self.add(MISSING_FIELD, "missing (required)", parts, d if key in d else None, key)
            return None
        v = d[key]
        day = parse_date(v)
        if day is None:
            self.add(BAD_DATE, _date_problem(v), parts, d, key)
        return day

    def ids(self, d: Mapping[str, Any], key: str, parts: list[Any]) -> frozenset[str]:
        if key not in d:
            return frozenset()
        items = d[key]
        if isinstance(items, (set, frozenset)):  # from Python: ids in no order
            items = sorted(items, key=str)
        if not isinstance(items, _LISTS):
            self.add(WRONG_TYPE, f"expected a list of requirement ids, got {quote(items)}",
                     parts, d, key)
            return frozenset()
        if len(items) > MAX_LIST_ITEMS:
            self.add(TOO_LARGE, f"a list of {len(items):,} ids; evidence is limited to "
                     f"{MAX_LIST_ITEMS:,} in one list", parts, d, key)
            return frozenset()
        seen: dict[str, int] = {}
        for i, x in enumerate(items):
            rid = _id_text(x, self.doc, items, i)
            if rid is None:
                hint = (" (write it in quotes: as a number, 1.10 would be 1.1)"
                        if isinstance(x, float) else "")
                self.add(WRONG_TYPE, f"expected a requirement id, got {quote(x)}{hint}",
                         [*parts, i], items, i)
            elif rid in seen:
                self.add(DUPLICATE_ID, f"requirement '{rid[:60]}' is listed twice "
                         f"(first as {field_path([*parts, seen[rid]])})", [*parts, i], items, i)
            else:
                seen[rid] = i
        return frozenset(seen)

    def counts(self, d: Mapping[str, Any], key: str, parts: list[Any]) -> dict[str, int]:
        if key not in d:
            return {}
        v = d[key]
        if not isinstance(v, Mapping):
            self.add(WRONG_TYPE, "expected a mapping of unnamed group id to a number met, "
                     f"got {quote(v)}", parts, d, key)
            return {}
        out: dict[str, int] = {}
        for k, n in v.items():
            if type(n) is not int or n < 0:
                self.add(WRONG_TYPE, f"expected a whole number of 0 or more, got {quote(n)}",
                         [*parts, str(k)], v, k)
            else:
                out[str(k)] = n
        return out

    def facts(self, d: Mapping[str, Any]) -> dict[str, Any]:
        if "facts" not in d:
            return {}
        v = d["facts"]
        if not isinstance(v, Mapping):
            self.add(WRONG_TYPE, f"expected a mapping of fact name to value, got {quote(v)}",
                     ["facts"], d, "facts")
            return {}
        out: dict[str, Any] = {}
        for k, x in v.items():
            if isinstance(x, (Mapping, list, tuple, set, frozenset)):
                self.add(WRONG_TYPE, f"expected true or false, a whole number or a date, got "
                         f"{quote(x)}", ["facts", str(k)], v, k)
            else:
                out[str(k)] = x
        return out

    def extra(self, d: Mapping[str, Any], key: str) -> Any:
        # descriptive: kept as written, whatever it holds (the document limits bound it)
        return d[key]

    def history(self, d: Mapping[str, Any]) -> tuple[Earlier, ...]:
        if "history" not in d:
            return ()
        v = d["history"]
        if not isinstance(v, _LISTS):
            self.add(WRONG_TYPE, f"expected a list of earlier assessments, got {quote(v)}",
                     ["history"], d, "history")
            return ()
        if len(v) > MAX_LIST_ITEMS:
            self.add(TOO_LARGE, f"{len(v):,} earlier assessments; evidence is limited to "
                     f"{MAX_LIST_ITEMS:,}", ["history"], d, "history")
            return ()
        out: list[Earlier] = []
        for i, h in enumerate(v):
            parts: list[Any] = ["history", i]
            if not isinstance(h, Mapping):
                self.add(WRONG_TYPE, "expected a mapping with 'assessed_on' and 'met', got "
                         f"{quote(h)}", parts, v, i)
                continue
            for k in h:
                if k not in _HISTORY_SET:
                    hint = did_you_mean(str(k), HISTORY_FIELDS) if not self.problems.full else None
                    self.add(UNKNOWN_FIELD, "unknown field" + (
                        f"; {hint}" if hint
                        else f"; fields of an earlier assessment are {', '.join(HISTORY_FIELDS)}"
                    ), [*parts, str(k)], h, k, of_key=True)
            if "assessed_on" not in h:
                self.add(MISSING_FIELD, "missing (required)", [*parts, "assessed_on"], v, i)
                on = None
            else:
                on = self.date(h, "assessed_on", [*parts, "assessed_on"])
            met = self.ids(h, "met", [*parts, "met"])
            counts = self.counts(h, "unnamed_met", [*parts, "unnamed_met"])
            names = [self.text(h, k, [*parts, k]) for k in ("ruleset", "level")]
            if on is not None:
                out.append(Earlier(on, met, counts, names[0], names[1]))
        return tuple(out)

    def text(self, d: Mapping[str, Any], key: str, parts: list[Any]) -> str | None:
        if key not in d:
            return None
        v = d[key]
        if type(v) is str:
            return v
        raw = self.doc.raw(d, key) if self.doc is not None else None
        if raw is not None and v is not None:
            return raw
        self.add(WRONG_TYPE, f"expected text, got {quote(v)}", parts, d, key)
        return None


# -- validating against rulesets -------------------------------------------------------


class Validator:
    """Checks evidence against the rulesets that will judge it; build one per set of them.

    Everything that does not depend on the organisation (the ids evidence may
    list, the unnamed groups, the facts and their types, the levels, the ids
    other versions have) is worked out here once, so that ``validate`` and the
    fast path ``accept`` do only the per-organisation work.

    Args:
        scopes: the merged snapshots (versions) the evidence will be evaluated by.
        elsewhere: requirement ids known to other versions of the same rulesets,
            with the version that has them (``standard@2009``), for a clearer message.
    """

    def __init__(
        self, scopes: Iterable[Snapshot], elsewhere: Mapping[str, str] | None = None
    ) -> None:
        self.scopes: tuple[Snapshot, ...] = tuple(scopes)
        reqs: dict[str, ReqInfo] = {}
        facts: dict[str, m.Fact] = {}
        for s in self.scopes:
            reqs.update(s.requirements)
            facts.update(s.facts)
        self.reqs = reqs
        self.facts = facts
        self.names = ", ".join(s.key for s in self.scopes)
        self.elsewhere: Mapping[str, str] = elsewhere or {}
        #: ids evidence may list: named requirements not met through a mapping
        self.listable = frozenset(
            k for k, r in reqs.items() if isinstance(r.node, m.Requirement) and r.maps is None
        )
        #: unnamed groups and how many requirements each holds
        self.groups = {k: r.node.count for k, r in reqs.items() if isinstance(r.node, m.Unnamed)}
        #: ids any version of these rulesets knows (history may use older versions' ids)
        self.known = frozenset(self.elsewhere) | frozenset(reqs)
        self.levels = frozenset(lv.id for s in self.scopes for lv in s.levels) | {"none"}
        self.required = tuple(k for k, f in facts.items() if f.default is None)
        self._types = {k: f.type for k, f in facts.items()}

    # the fast path: accept a plain dict or say "take the slow path" ------------------

    def accept(self, d: Any, on: dt.date) -> Evidence | None:
        """Evidence straight from a plain dict whose every check passes, or None.

        Only accepts: None means "read it the complete way" (which then gives the
        messages), never "it is wrong". ``on`` is the dict's ``assessed_on`` as
        already parsed by ``parse_date``. Evidence with ``history`` takes the
        complete path.
        """
        if type(d) is not dict or not d.keys() <= _FIELD_SET or "history" in d:
            return None
        name = d.get("organisation")
        if type(name) is not str or not name:
            return None
        listable = self.listable
        met = d.get("met", ())
        if type(met) not in _LISTS:
            return None
        ids = frozenset(met)
        # a subset of the listable ids is also a proof that every item is an id as text
        if len(ids) != len(met) or not ids <= listable:
            return None
        pending = d.get("pending")
        if pending is None:
            if "pending" in d:
                return None
            pend: frozenset[str] = frozenset()
        else:
            if type(pending) not in _LISTS:
                return None
            pend = frozenset(pending)
            if len(pend) != len(pending) or not pend <= listable or not pend.isdisjoint(ids):
                return None
        counts = d.get("unnamed_met")
        if counts is None:
            if "unnamed_met" in d:
                return None
            counts = _EMPTY
        else:
            if type(counts) is not dict:
                return None
            groups = self.groups
            for k, n in counts.items():
                size = groups.get(k)
                if size is None or type(n) is not int or not 0 <= n <= size:
                    return None
            counts = dict(counts)
        raw = d.get("facts")
        typed: Mapping[str, Any] = _EMPTY
        if raw is None:
            if "facts" in d:
                return None
            if self.required:
                return None
        else:
            if type(raw) is not dict:
                return None
            typed = self._fast_facts(raw)  # type: ignore[assignment]
            if typed is None:
                return None
        extra: Mapping[str, Any] = _EMPTY
        if not d.keys() <= _JUDGED:
            extra = {k: d[k] for k in EXTRA_FIELDS if k in d}
        return Evidence(name, on, ids, counts, typed, (), pend, extra, None, raw or _EMPTY)

    def _fast_facts(self, raw: dict[str, Any]) -> dict[str, Any] | None:
        types = self._types
        out = dict(raw)
        for k, v in raw.items():
            t = types.get(k)
            if t is None:
                return None
            if t == "boolean":
                if type(v) is not bool:
                    return None
            elif t == "number":
                if type(v) is not int:
                    return None
            else:
                day = parse_date(v)
                if day is None:
                    return None
                out[k] = day
        for k in self.required:
            if k not in out:
                return None
        return out

    # the complete path ---------------------------------------------------------------

    def validate(self, ev: Evidence) -> Evidence:
        """Check evidence against the rulesets, and type its facts.

        Returns:
            The evidence with its facts converted to the declared types.

        Raises:
            EvidenceError: every problem found, including shape problems ``load``
                deferred: unknown or derived requirement ids, counts out of range,
                unknown or missing facts, values of the wrong type.
        """
        problems = _Problems(ev.problems)
        self._ids(ev, ev.met, ["met"], problems)
        self._ids(ev, ev.pending, ["pending"], problems)
        self._counts(ev, ev.unnamed_met, ["unnamed_met"], problems, lenient=False)
        for i, h in enumerate(ev.history):
            self._earlier(ev, i, h, problems)
        typed = self._facts(ev, problems)
        if problems.found:
            raise EvidenceError.of(problems.all(ev.path))
        if not typed and not ev.facts:
            return ev
        return attrs.evolve(ev, facts=typed)

    def _ids(
        self, ev: Evidence, ids: frozenset[str], parts: list[Any], problems: _Problems
    ) -> None:
        bad = ids - self.listable
        if not bad:
            return
        for rid in sorted(bad):  # only the ids in error are sorted, for a stable report
            if problems.full:
                problems.dropped += 1
                continue
            problems.add(_Origin.locate(ev, *self._id_problem(ev, rid), [*parts, rid]))

    def _id_problem(self, ev: Evidence, rid: str) -> tuple[str, str]:
        info = self.reqs.get(rid)
        if info is None:
            if rid in self.elsewhere:
                return UNKNOWN_ID, (
                    f"requirement '{rid}' belongs to {self.elsewhere[rid]}, not to "
                    f"{self.names} (the versions in force on {ev.assessed_on.isoformat()})"
                )
            hint = did_you_mean(rid, self.listable)
            return UNKNOWN_ID, (
                f"unknown requirement {quote(rid)} for {self.names}" + (f"; {hint}" if hint else "")
            )
        if isinstance(info.node, m.Unnamed):
            return NOT_LISTABLE, (
                f"'{rid}' is a group of {info.node.count} requirements not known by text; "
                "give how many were met under 'unnamed_met'"
            )
        # The mapping and the requirement's text say what to list instead (for an
        # alias of another numbering, the text explains the renumbering).
        text = getattr(info.node, "text", "")
        maps = unparse_selection(info.maps) if info.maps is not None else "the framework"
        return NOT_LISTABLE, (
            f"'{rid}' is met through its mapping to {maps}; list the requirements it maps "
            "to instead" + (f" ('{rid}': {text})" if text else "")
        )

    def _counts(
        self,
        ev: Evidence,
        counts: Mapping[str, int],
        parts: list[Any],
        problems: _Problems,
        lenient: bool,
    ) -> None:
        for k, n in counts.items():
            size = self.groups.get(k)
            if size is None:
                if lenient:
                    continue
                groups = list(self.groups)
                hint = did_you_mean(k, groups) or (
                    "unnamed groups: " + ", ".join(groups)
                    if groups
                    else "these rulesets have no unnamed groups"
                )
                problems.add(_Origin.locate(
                    ev, BAD_COUNT, f"{quote(k)} is not an unnamed group; {hint}", [*parts, k],
                    of_key=True,
                ))
            elif n > size:
                problems.add(_Origin.locate(
                    ev, BAD_COUNT, f"{n} met, but the group '{k}' has only {size}", [*parts, k]
                ))

    def _earlier(self, ev: Evidence, i: int, h: Earlier, problems: _Problems) -> None:
        parts: list[Any] = ["history", i]
        if h.assessed_on > ev.assessed_on:
            problems.add(_Origin.locate(
                ev, CONFLICT,
                f"an earlier assessment cannot be dated {h.assessed_on.isoformat()}, after "
                f"this one ({ev.assessed_on.isoformat()})",
                [*parts, "assessed_on"],
            ))
        # Earlier assessments may have been judged by older versions: an id known to
        # any version of these rulesets is accepted (it counts only if the version in
        # force now still has it); ids the current versions know must be ones evidence
        # can list (not derived through a mapping, not an unnamed group).
        bad = (h.met - self.known) | ((h.met & self.reqs.keys()) - self.listable)
        if bad:
            self._ids(ev, frozenset(bad), [*parts, "met"], problems)
        self._counts(ev, h.unnamed_met, [*parts, "unnamed_met"], problems, lenient=True)
        if h.level is not None and h.level not in self.levels:
            hint = did_you_mean(h.level, self.levels)
            problems.add(_Origin.locate(
                ev, UNKNOWN_LEVEL,
                f"unknown level {quote(h.level)}" + (f"; {hint}" if hint else ""),
                [*parts, "level"],
            ))

    def _facts(self, ev: Evidence, problems: _Problems) -> dict[str, m.Value]:
        typed: dict[str, m.Value] = {}
        for k, v in ev.raw_facts.items():
            fact = self.facts.get(k)
            parts = ["facts", k]
            if fact is None:
                if k in BUILTIN_FACTS:
                    problems.add(_Origin.locate(
                        ev, UNKNOWN_FACT, f"'{k}' is a top-level field, not a fact", parts,
                        of_key=True,
                    ))
                    continue
                hint = did_you_mean(k, self.facts) if not problems.full else None
                known = ", ".join(sorted(self.facts)) or "none"
                problems.add(_Origin.locate(
                    ev, UNKNOWN_FACT,
                    "unknown fact" + (
                        f"; {hint}" if hint else f"; facts known to {self.names}: {known}"
                    ),
                    parts, of_key=True,
                ))
                continue
            value = _typed_fact(fact, v)
            if value is None:
                code = BAD_DATE if fact.type == "date" and isinstance(v, str) else WRONG_TYPE
                problems.add(_Origin.locate(ev, code, _fact_problem(fact, v), parts))
            else:
                typed[k] = value
        for k in self.required:
            if k not in ev.raw_facts:
                problems.add(_Origin.locate(
                    ev, MISSING_FIELD,
                    f"missing fact '{k}' ({self.facts[k].type}), which has no default",
                    ["facts"], of_key=True,
                ))
        return typed


_JUDGED = frozenset(("organisation", "assessed_on", "met", "unnamed_met", "facts", "pending"))


def _typed_fact(fact: m.Fact, v: Any) -> m.Value | None:
    if fact.type == "boolean":
        return v if type(v) is bool else None
    if fact.type == "number":
        return v if type(v) is int else None
    return parse_date(v)


def _fact_problem(fact: m.Fact, v: Any) -> str:
    if fact.type == "boolean":
        return f"expected true or false, got {quote(v)}"
    if fact.type == "number":
        return f"expected a whole number, got {quote(v)}"
    return _date_problem(v)


_VALIDATORS: dict[tuple[int, ...], tuple[Validator, tuple[Any, ...]]] = {}


def validator(
    scopes: Sequence[Snapshot], elsewhere: Mapping[str, str] | None = None
) -> Validator:
    """The ``Validator`` for these scopes, built once and reused.

    Keyed by the identity of the scopes and table, which are compiled once and
    cached by the API; the key objects are held with the entry so that an
    identity is never reused while it is cached.
    """
    key = (*map(id, scopes), id(elsewhere))
    hit = _VALIDATORS.get(key)
    if hit is None:
        if len(_VALIDATORS) > 256:
            _VALIDATORS.clear()
        hit = _VALIDATORS[key] = (Validator(scopes, elsewhere), (*scopes, elsewhere))
    return hit[0]


def validate(
    ev: Evidence, scopes: Iterable[Snapshot], elsewhere: Mapping[str, str] | None = None
) -> Evidence:
    """Check evidence against the rulesets that will judge it, and type its facts.

    Args:
        ev: evidence as read by ``load``.
        scopes: the merged snapshots (versions) it will be evaluated by.
        elsewhere: requirement ids known to other versions of the same rulesets, with the
            version that has them (``standard@2009``), for a clearer message.

    Returns:
        The evidence with its facts converted to the declared types.

    Raises:
        EvidenceError: every problem found: unknown or derived requirement ids, counts
            out of range, unknown or missing facts, values of the wrong type.
    """
    return validator(tuple(scopes), elsewhere).validate(ev)
