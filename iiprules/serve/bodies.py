"""Request bodies → evidence, rules text or populations, within the service's bounds.

Input → output: the raw bytes of a request and its media type → an ``Evidence``
(read exactly as the CLI reads a ``.json`` or ``.yaml`` file), rules text, or the
rows of a population. Size is bounded while the body streams in (413), nesting
depth after parsing (422), and YAML anchors and aliases are refused outright, since
a few hundred bytes of aliases can stand for billions of nodes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import yaml
from starlette.requests import Request

from iiprules.diagnostics import EvidenceError
from iiprules.evidence import Evidence, from_document, read_document
from iiprules.serve.problems import Problem, limit

JSON_TYPES = ("application/json", "application/problem+json")
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
NDJSON_TYPES = ("application/x-ndjson", "application/jsonl", "application/ndjson")
TEXT_TYPES = ("text/plain",)

T = TypeVar("T")


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
    """Parse JSON as the CLI reads a ``.json`` file (numbers with a point kept as text).

    Raises:
        EvidenceError: not valid JSON (with the line).
        Problem: nested deeper than ``max_depth`` (422).
    """
    try:
        data = json.loads(text, parse_float=str)
    except json.JSONDecodeError as exc:
        raise EvidenceError(f"not valid JSON: {exc.msg}", None, None, exc.lineno) from None
    except RecursionError:
        raise _too_deep("more than a thousand", max_depth) from None
    found = depth(data)
    if found > max_depth:
        raise _too_deep(found, max_depth)
    return data


def check_yaml(text: str, max_depth: int) -> None:
    """Refuse YAML with anchors or aliases, or nested deeper than ``max_depth``.

    Raises:
        EvidenceError: not valid YAML (with the line).
        Problem: aliases (422) or too deep (422).
    """
    level = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise limit(
                    422,
                    "yaml-alias",
                    "YAML anchors and aliases are not accepted",
                    "the body uses a YAML anchor or alias (& or *); write the values out",
                    line=event.start_mark.line + 1,
                )
            if isinstance(event, yaml.CollectionStartEvent):
                level += 1
                if level > max_depth:
                    raise _too_deep(level, max_depth)
            elif isinstance(event, yaml.CollectionEndEvent):
                level -= 1
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise EvidenceError(
            f"not valid YAML: {problem}", None, None, mark.line + 1 if mark else None
        ) from None


def evidence(body: bytes, mt: str, max_depth: int) -> Evidence:
    """The evidence in a JSON or YAML body, read as the CLI reads an evidence file.

    Raises:
        EvidenceError: malformed evidence (field path and, for YAML, line).
        Problem: an unsupported media type (415) or a body nested too deeply (422).
    """
    text = text_of(body)
    if mt in JSON_TYPES:
        return evidence_from(load_json(text, max_depth))
    if mt in YAML_TYPES:
        check_yaml(text, max_depth)
        return from_document(read_document(text, "evidence.yaml"), None)
    raise unsupported(mt, JSON_TYPES[:1] + YAML_TYPES[:1])


def evidence_from(data: Any) -> Evidence:
    """Evidence from parsed JSON (the CLI's reader for a ``.json`` file, without a path)."""
    from iiprules.evidence import load

    if not isinstance(data, dict):
        raise EvidenceError(
            "expected a mapping with 'organisation', 'assessed_on' and 'met'", None, None, 1
        )
    return load(data)


def locate(
    exc: EvidenceError, body: bytes, mt: str, again: Callable[[Evidence], T]
) -> EvidenceError:
    """The same error with its line, when JSON evidence lost it.

    JSON is read fast, without positions; only when it turns out wrong is it read
    again through the YAML reader (JSON is YAML), which keeps every line, and the
    same steps (``again``) run on that reading. The line is taken only when the
    second reading fails the same way.
    """
    if exc.line is not None or mt not in JSON_TYPES:
        return exc
    try:
        text = body.decode("utf-8")
        check_yaml(text, 10_000)
        again(from_document(read_document(text, "evidence.yaml"), None))
    except EvidenceError as second:
        if second.field == exc.field and second.message == exc.message:
            return second
    except Exception:  # a second reading is a courtesy, never an error
        return exc
    return exc
