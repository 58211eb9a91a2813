"""JSON Schemas (draft 2020-12) of everything iiprules reads and writes.

Input → output: a name → the schema as a dict. The schemas ship as files
beside this module (``iiprules/schemas/<name>.json``), so a team working in
Java or JavaScript can take them as they are; they are built from the code's
own model by ``iiprules.schemas._build`` and held to it by the tests, both ways.
``iiprules schema NAME`` prints one; the HTTP service builds its OpenAPI
document from them.

Names: ``evidence`` (what is read), ``outcome`` (with its explanation),
``population-row``, ``costs``, ``diagnostic``, ``error``, ``check``, and the
answers ``plan``, ``why-not``, ``critical``, ``pending``, ``lapse``.

This module's API (``names``, ``get``) is stable; a schema's ``$id`` ends in
the major version of the JSON shapes, which changes only with an incompatible
change (see the compatibility promise in the docs).
"""

from __future__ import annotations

import copy
import functools
import json
from importlib import resources
from typing import Any

__all__ = ["get", "names"]

_NAMES = (
    "evidence",
    "outcome",
    "population-row",
    "costs",
    "diagnostic",
    "error",
    "check",
    "plan",
    "why-not",
    "critical",
    "pending",
    "lapse",
)


def names() -> list[str]:
    """The names of the schemas, in the order the docs list them."""
    return list(_NAMES)


@functools.cache
def _load(name: str) -> dict[str, Any]:
    text = resources.files("iiprules.schemas").joinpath(f"{name}.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def get(name: str) -> dict[str, Any]:
    """The schema of that name, as a fresh dict (the caller may change it).

    Raises:
        KeyError: no schema of that name (the message lists the names).
    """
    if name not in _NAMES:
        raise KeyError(f"no schema '{name}'; schemas: {', '.join(_NAMES)}")
    return copy.deepcopy(_load(name))
