"""``POST /v1/evaluate/batch``: a population in, one NDJSON outcome row out per organisation.

Input → output: NDJSON (one evidence object a line) or a JSON array of evidence
objects → a stream of NDJSON rows in input order, each in the shape of
``iiprules evaluate --population … --out -`` (``Outcome.to_dict(explanation=False)``,
or ``{"organisation", "where", "error"}`` for a row that cannot be judged). The
rows are judged in chunks by the same batch judge as the CLI's population path
(numpy kernels where the rows allow, the careful reader for the rest), and each
chunk is sent as soon as it is judged.

The batch module has no public "judge these bytes" function yet, so this module
is the one place that reaches into ``iiprules._batch``; when one appears, only
``_judge_chunk`` changes.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from iiprules._batch.judge import _Judge
from iiprules._batch.read import _Chunk
from iiprules._batch.write import render_jsonl
from iiprules.check import Snapshot
from iiprules.diagnostics import EvidenceError
from iiprules.evaluate import Evaluator
from iiprules.serve import bodies
from iiprules.serve.endpoints import refs_of, registry_of, settings_of
from iiprules.serve.problems import limit
from iiprules.serve.registry import Registry

#: Rows judged (and sent) together: large enough for the numpy kernels to pay off,
#: small enough that the first rows arrive while the rest are judged.
CHUNK_ROWS = 2048

#: Where error rows say they came from (``request:3`` is the third line or item).
SOURCE = "request"


class RefsProvider:
    """The batch ``Rulesets`` protocol for a registry and the rulesets a request names."""

    def __init__(self, registry: Registry, refs: Sequence[str] | None) -> None:
        self.registry = registry
        self.refs = tuple(refs or ())

    def judges(self, on: dt.date) -> Sequence[Evaluator]:
        """The evaluators for an assessment date."""
        return self.registry.evaluators(on, self.refs or None)

    def elsewhere(self, evaluators: Sequence[Evaluator]) -> Mapping[str, str]:
        """Requirement ids of other versions, for clearer messages."""
        return self.registry.elsewhere(evaluators)

    def versions(self) -> Sequence[Snapshot]:
        """Every version that may judge (every served one: a superset is harmless)."""
        return self.registry.versions()


class _Judges:
    """One batch judge per registry and ruleset selection, each used by one thread at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._judges: dict[tuple[int, tuple[str, ...]], tuple[_Judge, threading.Lock]] = {}

    def get(self, registry: Registry, refs: Sequence[str] | None) -> tuple[_Judge, threading.Lock]:
        key = (id(registry), tuple(refs or ()))
        with self._lock:
            hit = self._judges.get(key)
            if hit is None:
                if len(self._judges) > 64:
                    self._judges.clear()
                hit = (_Judge(RefsProvider(registry, refs)), threading.Lock())
                self._judges[key] = hit
        return hit


JUDGES = _Judges()


def _judge_chunk(judge: _Judge, lock: threading.Lock, chunk: _Chunk) -> bytes:
    with lock:
        return bytes(render_jsonl(judge.judge(chunk)))


def _ndjson_chunks(body: bytes) -> list[_Chunk]:
    out = []
    start, line = 0, 1
    while start < len(body):
        end = start
        for _ in range(CHUNK_ROWS):
            nl = body.find(b"\n", end)
            if nl < 0:
                end = len(body)
                break
            end = nl + 1
        piece = body[start:end]
        if not piece.endswith(b"\n"):
            piece += b"\n"
        out.append(_Chunk("jsonl", piece, SOURCE, line, len(piece)))
        line += piece.count(b"\n")
        start = end
    return out


def _array_chunks(items: list[Any]) -> list[_Chunk]:
    out = []
    for first in range(0, len(items), CHUNK_ROWS):
        part = items[first:first + CHUNK_ROWS]
        docs = [(d, f"{SOURCE}[{first + i}]") for i, d in enumerate(part)]
        out.append(_Chunk("docs", docs, SOURCE, first, 0))
    return out


async def evaluate_batch(request: Request) -> Response:
    """``POST /v1/evaluate/batch``: NDJSON or a JSON array in, NDJSON rows streamed out."""
    s = settings_of(request)
    registry = registry_of(request)
    refs = refs_of(request)
    mt = bodies.media_type(request)
    if mt not in bodies.NDJSON_TYPES + bodies.JSON_TYPES:
        raise bodies.unsupported(mt, bodies.NDJSON_TYPES[:1] + bodies.JSON_TYPES[:1])
    body = await bodies.read_body(request, s.max_batch_bytes)
    if refs:  # an unknown ruleset is one problem for the request, not one per row
        for ref in refs:
            name, version = ref.rsplit("@", 1) if "@" in ref else (ref, None)
            registry.snapshot(name, version or None)
    if mt in bodies.JSON_TYPES:
        data = bodies.load_json(bodies.text_of(body), s.max_depth + 1)
        if not isinstance(data, list):
            raise EvidenceError("expected a JSON array of evidence objects (or send NDJSON)",
                                None, None, 1)
        rows = len(data)
        chunks = _array_chunks(data)
    else:
        body = body.rstrip(b"\n")
        rows = body.count(b"\n") + 1 if body.strip() else 0
        chunks = _ndjson_chunks(body + b"\n") if rows else []
    if rows > s.max_batch_rows:
        raise limit(413, "too-many-rows", "Too many organisations in one batch",
                    f"the batch has {rows:,} organisations; this service judges at most "
                    f"{s.max_batch_rows:,} a request", limit=s.max_batch_rows)
    judge, lock = JUDGES.get(registry, refs)
    limiter = request.app.state.limiter
    deadline = time.monotonic() + s.timeout_seconds * max(1, len(chunks))

    async def stream() -> AsyncIterator[bytes]:
        for chunk in chunks:
            if time.monotonic() > deadline:
                problem = limit(408, "timeout", "The batch took too long",
                                "the batch was stopped: it passed its time bound")
                yield json.dumps({"error": problem.to_dict(request.url.path)}).encode() + b"\n"
                return
            yield await anyio.to_thread.run_sync(_judge_chunk, judge, lock, chunk,
                                                 limiter=limiter)

    return StreamingResponse(stream(), media_type="application/x-ndjson")
