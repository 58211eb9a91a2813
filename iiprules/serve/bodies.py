"""Request bodies → evidence, rules text or populations, within the service's bounds.

Input → output: the raw bytes of a request and its media type → an ``Evidence``
checked against the rulesets that judge it (read exactly as the CLI reads a
``.json`` or ``.yaml`` file, so every problem has the CLI's code, field path,
line and column), rules text, or the rows of a population. Size is bounded while
the body streams in (413) and JSON nesting after parsing (422); the evidence
reader bounds the rest (nodes, YAML aliases, text length).

JSON evidence takes the library's fast path first, as ``api.evaluate`` does for a
dict: parsed by the C scanner and accepted by ``Validator.accept`` when every check
passes by set operations. Anything it does not accept is read again the complete
way, from the text, so that the problems it reports carry their positions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from starlette.requests import Request

from iiprules import evidence as evidence_module
from iiprules.diagnostics import EvidenceError
from iiprules.evaluate import Evaluator
from iiprules.evidence import Evidence, parse_date, read_document
from iiprules.serve.problems import Problem, limit

JSON_TYPES = ("application/json", "application/problem+json")
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
NDJSON_TYPES = ("application/x-ndjson", "application/jsonl", "application/ndjson")
TEXT_TYPES = ("text/plain",)

def media_type(request: Request) -> str:
    """The request's media type without parameters; JSON when none is given."""
    raw = request.headers.get("content-type", "")
    return raw.split(";", 1)[0].strip().lower() or "application/json"


def unsupported(mt: str, accepted: tuple[str, ...]) -> Problem:
    """A 415 problem naming the media types the endpoint accepts."""
    detail = f"cannot read a body of type '{mt}'; send one of: {', '.join(accepted)}"
    return Problem(415, "unsupported-media-type", "Unsupported media type", detail)


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The whole body, refused with 413 as soon as it passes ``max_bytes``.

    The declared ``Content-Length`` is checked first, so a client announcing a
    huge body is answered before anything is read.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(int(declared), max_bytes)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(size, max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(size: int, max_bytes: int) -> Problem:
    return limit(
        413,
        "too-large",
        "Request body too large",
        f"the body has {size:,} bytes or more; this service accepts at most {max_bytes:,}",
        limit=max_bytes,
    )


def text_of(body: bytes, what: str = "the body") -> str:
    """The body as UTF-8 text.

    Raises:
        EvidenceError: it is not UTF-8 (code IIP301, as the CLI reports an unreadable file).
    """
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EvidenceError(
            f"{what} is not UTF-8 text (byte {exc.start})", None, None, None
        ) from None


def depth(value: Any) -> int:
    """How deeply arrays and objects nest in a parsed JSON value (a scalar is 0)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            d += 1
            stack.extend((x, d) for x in v.values())
        elif isinstance(v, list):
            d += 1
            stack.extend((x, d) for x in v)
        deepest = max(deepest, d)
    return deepest


def _too_deep(found: int | str, max_depth: int) -> Problem:
    return limit(
        422,
        "too-deep",
        "Request body nested too deeply",
        f"the body nests arrays and objects {found} deep; this service accepts at most "
        f"{max_depth}",
        limit=max_depth,
    )


def load_json(text: str, max_depth: int) -> Any:
    """Parse a JSON body that is not evidence (numbers with a point kept as text).

    Raises:
        EvidenceError: not valid JSON (with the line and column).
        Problem: nested deeper than ``max_depth`` (422).
    """
    try:
        data = json.loads(text, parse_float=str)
    except json.JSONDecodeError as exc:
        raise EvidenceError(f"not valid JSON: {exc.msg}", None, None, exc.lineno,
                            column=exc.colno) from None
    except RecursionError:
        raise _too_deep("more than a thousand", max_depth) from None
    found = depth(data)
    if found > max_depth:
        raise _too_deep(found, max_depth)
    return data


Judges = Callable[[Any], tuple[Sequence[Evaluator], Any]]


def evidence(body: bytes, mt: str, max_depth: int, judges: Judges) -> tuple[Evidence, Any]:
    """The evidence in a JSON or YAML body, checked against the rulesets that judge it.

    Args:
        body: the request body.
        mt: its media type.
        max_depth: the deepest nesting a JSON body may have.
        judges: the assessment date → the evaluators and the ``Validator`` for them.

    Returns:
        The checked evidence, and what ``judges`` returned for its date.

    Raises:
        EvidenceError: every problem found, each with its field path, line and column.
        RulesetNotFound: no ruleset (of those asked for) is in force on the date.
        Problem: an unsupported media type (415) or a body nested too deeply (422).
    """
    text = text_of(body)
    if mt in JSON_TYPES:
        try:
            data = json.loads(text)
        except ValueError:  # read again below, for the position of the fault
            data = None
        except RecursionError:
            raise _too_deep("more than a thousand", max_depth) from None
        found = depth(data)
        if found > max_depth:
            raise _too_deep(found, max_depth)
        if type(data) is dict:
            on = parse_date(data.get("assessed_on"))
            if on is not None:
                got = judges(on)
                fast = got[1].accept(data, on)
                if fast is not None:
                    return fast, got
        path = "evidence.json"
    elif mt in YAML_TYPES:
        path = "evidence.yaml"
    else:
        raise unsupported(mt, JSON_TYPES[:1] + YAML_TYPES[:1])
    ev = from_text(text, path)
    got = judges(ev.assessed_on)
    return got[1].validate(ev), got


def from_text(text: str, path: str) -> Evidence:
    """Evidence from YAML or JSON text, shape problems kept for ``validate`` to report.

    The evidence module reads text only from files (``load``); this is ``load`` for
    text already in memory, through its reader, so the problems are the same.
    """
    doc = read_document(text, path)
    reader = evidence_module._Reader(doc, path)
    return reader.evidence(doc.value)


def evidence_from(data: Any) -> Evidence:
    """Evidence from an already parsed JSON value (no positions to report).

    Only a mapping is handed to ``load``: given text, ``load`` would open a file of
    that name, and no request may make the service read a file.

    Raises:
        EvidenceError: the value is not a mapping (other problems wait for ``validate``).
    """
    if not isinstance(data, dict):
        raise EvidenceError(
            "expected a mapping with 'organisation', 'assessed_on' and 'met'", None, None, None
        )
    return evidence_module.load(data, defer=True)


