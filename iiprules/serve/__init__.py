"""An HTTP service for tools not written in Python: ``iiprules serve``.

Input → output: HTTP requests carrying evidence, rules text or a population →
the JSON the ``iiprules`` CLI prints for the same question, or an RFC 9457
problem document with the CLI's codes, field paths and lines.

Why Starlette under uvicorn: the OpenAPI document must come from the library's
own JSON Schemas (``iiprules.schemas``), not from a second model of the same
shapes. FastAPI and Litestar earn their keep by deriving schemas and validation
from Pydantic or msgspec classes; here that would be exactly the second copy we
must not have, and their validation errors would not be the CLI's. Starlette
gives routing, streaming responses, CORS, static files and lifespan events, and
nothing that decides shapes for us; it is the layer FastAPI itself is built on,
so it is maintained and fast. uvicorn (with httptools and uvloop when present)
is the reference ASGI server, runs several worker processes on one socket and
replaces them one by one on SIGHUP, which is how a reload never drops a request.

Modules: ``settings`` (every bound), ``registry`` (rulesets loaded once, swapped
whole), ``bodies`` (request bodies within bounds), ``problems`` (RFC 9457),
``endpoints`` and ``batch`` (the ``/v1`` routes), ``texts`` (rules text →
diagnostics), ``openapi`` (the document), ``app`` (assembly), ``server``
(uvicorn). Starlette and uvicorn are the ``[serve]`` extra:
``pip install 'iiprules[serve]' && iiprules serve``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from iiprules.serve.app import create_app
    from iiprules.serve.registry import Registry
    from iiprules.serve.server import run
    from iiprules.serve.settings import Settings

__all__ = ["Registry", "Settings", "create_app", "run"]

_WHERE = {
    "create_app": "iiprules.serve.app",
    "Registry": "iiprules.serve.registry",
    "run": "iiprules.serve.server",
    "Settings": "iiprules.serve.settings",
}


def __getattr__(name: str) -> Any:
    # Imported when first used: ``iiprules --help`` reads the service's default bounds
    # from ``settings`` and must neither load Starlette nor fail where it is missing.
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'iiprules.serve' has no attribute {name!r}")
