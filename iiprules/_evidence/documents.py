"""Documents: YAML or JSON text → plain Python values with positions, within limits.

Input → output: the text of one evidence (or cost) file → a ``Document``: its
value as plain dicts, lists, strings, whole numbers, booleans and None, plus a
side table that says where each key and value is written (line and column, for
YAML and JSON alike) and the raw text of plain YAML scalars that were read as
something other than text. Keeping positions beside the values, not inside
wrapper objects, is what lets evidence given as a Python mapping be checked
by the same code at no cost: it simply has no table.

Both readers refuse what would silently lose or mangle data or exhaust the
machine, each as an ``EvidenceError`` with a code (``_evidence.codes``):

* a key written twice in one mapping (both lines named; all such keys reported);
* more than ``MAX_NODES`` values (YAML aliases counted at every use, computed
  from the composed node graph with a memo, so an alias bomb is refused in
  microseconds without being expanded), nesting deeper than ``MAX_DEPTH``, text
  longer than ``MAX_STRING_CHARS``.

YAML is composed with PyYAML (libyaml's C parser when present, through PyYAML's
own ``Composer`` so that nesting is bounded as nodes are built) and converted
at the node level rather than with ``safe_load``: requirement ids such as
``1.10`` must stay text (``safe_load`` would make the float ``1.1``), dates stay
text so that only ``YYYY-MM-DD`` is accepted, and nothing but plain data is ever
constructed.

JSON is parsed by the standard library's own scanner (``json.scanner.
py_make_scanner`` with ``json.decoder.scanstring``) given object and array
parsers that record the offset of every key and value: the stdlib stays the
authority on JSON syntax and escapes, and we get exact positions, duplicate-key
detection and the limits, which ``json.loads`` offers none of (its
``object_pairs_hook`` sees no positions). Numbers with a fraction are kept as
their text (``1.10`` is an id, not a float), as the YAML reader does.
"""

from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
import re
from collections.abc import Callable
from typing import Any, cast

import yaml
import yaml.composer
import yaml.nodes
import yaml.parser
import yaml.reader
import yaml.resolver
import yaml.scanner

from iiprules._evidence.codes import (
    DUPLICATE_KEY,
    MAX_DEPTH,
    MAX_NODES,
    MAX_STRING_CHARS,
    SYNTAX,
    TOO_LARGE,
    UNREADABLE,
)
from iiprules.diagnostics import EvidenceError, EvidenceProblem

#: (key offset, value offset) of a mapping key, or (offset, offset) of a list item.
Mark = tuple[int, int]


class Document:
    """A parsed document: plain values, and where each key and value is written.

    ``marks`` maps ``id(container)`` to {key or index: (key offset, value offset)};
    the containers are held by ``value``, so their ids stay valid while the
    document lives. ``raws`` maps (``id(container)``, key) to the source text of
    a plain YAML scalar that was read as a number, a boolean or null. ``problems``
    are what reading found without having to stop (duplicate keys).
    """

    __slots__ = ("_line_starts", "marks", "path", "problems", "raws", "root_offset", "text",
                 "value")

    def __init__(
        self,
        value: Any,
        path: str | None,
        text: str = "",
        marks: dict[int, dict[Any, Mark]] | None = None,
        raws: dict[tuple[int, Any], str] | None = None,
        root_offset: int | None = None,
        problems: list[EvidenceProblem] | None = None,
    ) -> None:
        self.value = value
        self.path = path
        self.text = text
        self.marks = marks if marks is not None else {}
        self.raws = raws if raws is not None else {}
        self.root_offset = root_offset
        self.problems = problems if problems is not None else []
        self._line_starts: list[int] | None = None

    # positions are computed only when a problem needs one
    def position(self, offset: int | None) -> tuple[int | None, int | None]:
        """The 1-based (line, column) of a character offset; (None, None) for None."""
        if offset is None:
            return None, None
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        i = bisect.bisect_right(self._line_starts, offset) - 1
        return i + 1, offset - self._line_starts[i] + 1

    def line_text(self, line: int | None) -> str | None:
        """The text of a 1-based line, for a caret under the problem."""
        if line is None or not self.text:
            return None
        self.position(0)
        starts = self._line_starts
        assert starts is not None
        if not 1 <= line <= len(starts):
            return None
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[starts[line - 1] : end].rstrip("\r")

    def offset(self, container: Any, key: Any, of_key: bool = False) -> int | None:
        """Where a key (``of_key``) or its value is written, as a character offset."""
        if container is None:
            return self.root_offset
        mark = self.marks.get(id(container), {}).get(key)
        if mark is None:
            return None
        return mark[0] if of_key else mark[1]

    def raw(self, container: Any, key: Any) -> str | None:
        """The source text of a plain YAML scalar read as a number, boolean or null."""
        return self.raws.get((id(container), key))

    def problem(
        self, code: str, message: str, fld: str | None, offset: int | None
    ) -> EvidenceProblem:
        """A problem at a character offset of this document."""
        line, column = self.position(offset)
        return EvidenceProblem(code, message, fld, self.path, line, column, self.line_text(line))


def _fail(doc: Document, code: str, message: str, offset: int | None) -> EvidenceError:
    return EvidenceError.of([doc.problem(code, message, None, offset)])


def read_text(text: str, path: str) -> Document:
    """Parse YAML or JSON text (by the path's suffix) into a ``Document``.

    Raises:
        EvidenceError: the text is not valid YAML/JSON, is empty, or exceeds a limit.
    """
    if text.startswith("\ufeff"):  # a byte-order mark is an encoding detail, not content
        text = text[1:]
    if path.endswith(".json"):
        return _JSONReader(text, path).read()
    return _YAMLReader(text, path).read()


def _too_many(doc: Document, offset: int | None) -> EvidenceError:
    return _fail(
        doc,
        TOO_LARGE,
        f"the document holds more than {MAX_NODES:,} values (YAML aliases count each "
        "time they are used); evidence is limited to that",
        offset,
    )


def _too_deep(doc: Document, offset: int | None) -> EvidenceError:
    return _fail(
        doc,
        TOO_LARGE,
        f"mappings and lists are nested more than {MAX_DEPTH} deep; evidence is limited to that",
        offset,
    )


def _too_long(doc: Document, n: int, offset: int | None) -> EvidenceError:
    return _fail(
        doc,
        TOO_LARGE,
        f"a text of {n:,} characters; evidence is limited to {MAX_STRING_CHARS:,}",
        offset,
    )


def field_path(parts: list[Any]) -> str:
    """``["history", 0, "met", 3]`` → ``history[0].met[3]``."""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += f".{p[:60]}" if out else p[:60]
    return out


def _duplicate(doc: Document, fld: str, first: int, again: int) -> EvidenceProblem:
    line, column = doc.position(first)
    return doc.problem(
        DUPLICATE_KEY,
        f"written twice in one mapping (first at line {line}, column {column}); "
        "say each thing once",
        fld,
        again,
    )


# -- YAML ------------------------------------------------------------------------------


class _TooDeep(Exception):
    def __init__(self, offset: int | None) -> None:
        self.offset = offset


class _BoundedComposer(yaml.composer.Composer):
    """PyYAML's composer, refusing deep nesting as it goes.

    The composer recurses once per level of nesting; counting levels here stops
    a document of ten thousand ``[`` before Python's recursion limit is reached.
    """

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                event = self.peek_event()  # type: ignore[attr-defined]
                raise _TooDeep(event.start_mark.index if event is not None else None)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


# The composer over libyaml's parser when present (much faster), PyYAML's own
# otherwise: the same mixins PyYAML assembles its loaders from.
_STREAM_BASES: tuple[type, ...]
_BASES: tuple[type, ...]
try:
    from yaml.cyaml import CParser  # type: ignore[attr-defined]

    _STREAM_BASES = (CParser,)
    _BASES = (_BoundedComposer, CParser, yaml.resolver.Resolver)
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    _STREAM_BASES = (yaml.reader.Reader,)
    _BASES = (
        yaml.reader.Reader,
        yaml.scanner.Scanner,
        yaml.parser.Parser,
        _BoundedComposer,
        yaml.resolver.Resolver,
    )


def _composer_init(self: Any, stream: str) -> None:
    for base in _BASES:
        init: Any = cast(Any, base).__init__
        if base in _STREAM_BASES:
            init(self, stream)
        else:
            init(self)


_Composer: Any = type("_Composer", _BASES, {"__init__": _composer_init})


_INT = re.compile(r"[-+]?[0-9]{1,4000}\Z")
_TRUE = frozenset(("true", "yes", "on", "y"))


class _YAMLReader:
    def __init__(self, text: str, path: str) -> None:
        self.doc = Document(None, path, text)

    def read(self) -> Document:
        doc = self.doc
        composer = _Composer(doc.text)
        try:
            node = composer.get_single_node()
        except _TooDeep as exc:
            raise _too_deep(doc, exc.offset) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            if "nesting depth" in problem:  # libyaml's own bound, above ours
                raise _too_deep(doc, mark.index if mark else None) from None
            raise _fail(doc, SYNTAX, f"not valid YAML: {problem}", mark.index if mark else None
                        ) from None
        finally:
            composer.dispose()
        if node is None:
            raise _fail(doc, UNREADABLE, "the file is empty", None)
        # Count values with aliases expanded before building anything: shared nodes
        # are counted once per use, from a memo, so this is linear in the text.
        sizes: dict[int, int] = {}
        open_: set[int] = set()
        stack: list[tuple[yaml.Node, bool]] = [(node, False)]
        while stack:
            n, done = stack.pop()
            if id(n) in sizes:
                continue
            if not done and id(n) in open_:
                # only an alias inside its own anchor leads back to an open node
                raise _fail(doc, SYNTAX, "a YAML alias refers to a value that contains it",
                            n.start_mark.index)
            if isinstance(n, yaml.ScalarNode):
                sizes[id(n)] = 1
                continue
            children: list[yaml.Node] = (
                [x for kv in n.value for x in kv]
                if isinstance(n, yaml.MappingNode)
                else list(n.value)
            )
            if done:
                total = 1 + sum(sizes[id(c)] for c in children)
                if total > MAX_NODES:
                    raise _too_many(doc, n.start_mark.index)
                sizes[id(n)] = total
                open_.discard(id(n))
            else:
                open_.add(id(n))
                stack.append((n, True))
                stack.extend((c, False) for c in children if id(c) not in sizes)
        doc.root_offset = node.start_mark.index
        doc.value = self.convert(node, [])
        return doc

    def convert(self, node: yaml.Node, at_path: list[Any]) -> Any:
        doc = self.doc
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            marks: dict[Any, Mark] = {}
            for k, v in node.value:
                if not isinstance(k, yaml.ScalarNode):
                    doc.problems.append(doc.problem(
                        SYNTAX, "a key must be text, not a mapping or a list", None,
                        k.start_mark.index,
                    ))
                    continue
                key = k.value
                if len(key) > MAX_STRING_CHARS:
                    raise _too_long(doc, len(key), k.start_mark.index)
                if key in marks:
                    doc.problems.append(_duplicate(
                        doc, field_path([*at_path, key]), marks[key][0], k.start_mark.index
                    ))
                    continue
                value = self.convert(v, [*at_path, key])
                # A block value starts on the next line; a problem with the field as a
                # whole is reported where its key is written.
                at = v.start_mark.index if isinstance(v, yaml.ScalarNode) else k.start_mark.index
                marks[key] = (k.start_mark.index, at)
                out[key] = value
                if isinstance(v, yaml.ScalarNode) and not isinstance(value, str):
                    doc.raws[(id(out), key)] = v.value
            doc.marks[id(out)] = marks
            return out
        if isinstance(node, yaml.SequenceNode):
            items: list[Any] = []
            item_marks: dict[Any, Mark] = {}
            for i, v in enumerate(node.value):
                value = self.convert(v, [*at_path, i])
                items.append(value)
                item_marks[i] = (v.start_mark.index, v.start_mark.index)
                if isinstance(v, yaml.ScalarNode) and not isinstance(value, str):
                    doc.raws[(id(items), i)] = v.value
            doc.marks[id(items)] = item_marks
            return items
        raw: str = node.value
        if len(raw) > MAX_STRING_CHARS:
            raise _too_long(doc, len(raw), node.start_mark.index)
        if getattr(node, "style", None) in ("'", '"', "|", ">"):
            return raw
        tag = node.tag.rsplit(":", 1)[-1]
        if tag == "int" and _INT.match(raw):
            return int(raw)
        if tag == "bool":
            return raw.lower() in _TRUE
        if tag == "null":
            return None
        # floats, timestamps and everything else stay text: '1.10' is an id and
        # '2010-06-30' a date only once it is checked to be one
        return raw


# -- JSON ------------------------------------------------------------------------------

_WS = re.compile(r"[ \t\n\r]*")
_scanstring: Callable[[str, int, bool], tuple[str, int]]
_scanstring = json.decoder.scanstring  # type: ignore[attr-defined]


class _Refused(Exception):
    """A scalar the JSON scanner met that evidence refuses; ``_value`` places it."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message


class _JSONReader:
    """The stdlib JSON scanner, with object and array parsers that record positions.

    The attributes below are the ``context`` that ``json.scanner.py_make_scanner``
    reads (it is how ``json.JSONDecoder`` configures the same scanner).
    """

    def __init__(self, text: str, path: str) -> None:
        self.doc = Document(None, path, text)
        self.strict = True
        self.object_hook = None
        self.object_pairs_hook = None
        self.memo: dict[str, str] = {}
        self.parse_string = self._string
        self.parse_object = self._object
        self.parse_array = self._array
        self.parse_float = self._float
        self.parse_int = self._int
        self.parse_constant = self._constant
        self.nodes = 0
        self.depth = 0
        self.at_path: list[Any] = []
        # the pure-Python scanner: the C one ignores the object and array parsers below
        make: Callable[[Any], Callable[[str, int], tuple[Any, int]]]
        make = json.scanner.py_make_scanner  # type: ignore[attr-defined]
        self.scan_once = make(self)

    def read(self) -> Document:
        doc = self.doc
        s = doc.text
        start = _WS.match(s, 0).end()  # type: ignore[union-attr]
        if start == len(s):
            raise _fail(doc, UNREADABLE, "the file is empty", None)
        try:
            value, end = self._value(s, start)
            end = _WS.match(s, end).end()  # type: ignore[union-attr]
            if end != len(s):
                raise json.JSONDecodeError("Extra data", s, end)
        except json.JSONDecodeError as exc:
            raise _fail(doc, SYNTAX, f"not valid JSON: {exc.msg}", exc.pos) from None
        doc.root_offset = start
        doc.value = value
        return doc

    def _value(self, s: str, idx: int) -> tuple[Any, int]:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _too_many(self.doc, idx)
        try:
            return self.scan_once(s, idx)
        except StopIteration as exc:
            raise json.JSONDecodeError("Expecting value", s, exc.value) from None
        except _Refused as exc:
            raise _fail(self.doc, exc.code, exc.message, idx) from None

    def _string(self, s: str, end: int, strict: bool) -> tuple[str, int]:
        value, after = _scanstring(s, end, strict)
        if len(value) > MAX_STRING_CHARS:
            raise _too_long(self.doc, len(value), end - 1)
        return value, after

    def _float(self, text: str) -> str:
        return text

    def _int(self, text: str) -> int:
        if len(text) > 4000:  # int() refuses more than 4,300 digits anyway
            raise _Refused(TOO_LARGE, f"a number of {len(text):,} digits")
        return int(text)

    def _constant(self, name: str) -> Any:
        raise _Refused(SYNTAX, f"not valid JSON: {name} is not a JSON value")

    def _enter(self, s: str, at: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _too_deep(self.doc, at)

    def _object(
        self, s_and_end: tuple[str, int], strict: bool, *_hooks: Any
    ) -> tuple[dict[str, Any], int]:
        s, end = s_and_end
        self._enter(s, end - 1)
        obj: dict[str, Any] = {}
        marks: dict[Any, Mark] = {}
        end = _WS.match(s, end).end()  # type: ignore[union-attr]
        if s[end : end + 1] == "}":
            self.depth -= 1
            self.doc.marks[id(obj)] = marks
            return obj, end + 1
        while True:
            if s[end : end + 1] != '"':
                raise json.JSONDecodeError(
                    "Expecting property name enclosed in double quotes", s, end
                )
            key_at = end
            key, end = self._string(s, end + 1, strict)
            end = _WS.match(s, end).end()  # type: ignore[union-attr]
            if s[end : end + 1] != ":":
                raise json.JSONDecodeError("Expecting ':' delimiter", s, end)
            end = _WS.match(s, end + 1).end()  # type: ignore[union-attr]
            value_at = end
            self.at_path.append(key)
            value, end = self._value(s, end)
            if key in marks:
                fld = field_path(self.at_path)
                self.doc.problems.append(_duplicate(self.doc, fld, marks[key][0], key_at))
            else:
                obj[key] = value
                marks[key] = (key_at, value_at)
            self.at_path.pop()
            end = _WS.match(s, end).end()  # type: ignore[union-attr]
            ch = s[end : end + 1]
            end += 1
            if ch == "}":
                break
            if ch != ",":
                raise json.JSONDecodeError("Expecting ',' delimiter", s, end - 1)
            end = _WS.match(s, end).end()  # type: ignore[union-attr]
            if s[end : end + 1] == "}":
                raise json.JSONDecodeError("Illegal trailing comma before end of object", s, end)
        self.depth -= 1
        self.doc.marks[id(obj)] = marks
        return obj, end

    def _array(self, s_and_end: tuple[str, int], _scan_once: Any) -> tuple[list[Any], int]:
        s, end = s_and_end
        self._enter(s, end - 1)
        items: list[Any] = []
        marks: dict[Any, Mark] = {}
        end = _WS.match(s, end).end()  # type: ignore[union-attr]
        if s[end : end + 1] == "]":
            self.depth -= 1
            self.doc.marks[id(items)] = marks
            return items, end + 1
        while True:
            marks[len(items)] = (end, end)
            self.at_path.append(len(items))
            value, end = self._value(s, end)
            self.at_path.pop()
            items.append(value)
            end = _WS.match(s, end).end()  # type: ignore[union-attr]
            ch = s[end : end + 1]
            end += 1
            if ch == "]":
                break
            if ch != ",":
                raise json.JSONDecodeError("Expecting ',' delimiter", s, end - 1)
            end = _WS.match(s, end).end()  # type: ignore[union-attr]
            if s[end : end + 1] == "]":
                raise json.JSONDecodeError("Illegal trailing comma before end of array", s, end)
        self.depth -= 1
        self.doc.marks[id(items)] = marks
        return items, end
