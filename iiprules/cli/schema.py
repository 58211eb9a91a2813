"""``iiprules schema``: print a JSON Schema of what iiprules reads or writes.

Input → output: a schema name → the schema (JSON, draft 2020-12) on stdout;
no name → the names, one a line. The schemas are ``iiprules.schemas``'s.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from iiprules import schemas
from iiprules.cli.common import EXIT_BAD_INPUT, EXIT_OK, error


def cmd_schema(args: argparse.Namespace) -> int:
    """Print one schema, or the names of all."""
    if args.name is None:
        sys.stdout.write("".join(f"{n}\n" for n in schemas.names()))
        return EXIT_OK
    try:
        schema = schemas.get(args.name)
    except KeyError:
        error(f"no schema '{args.name}'; schemas: {', '.join(schemas.names())}")
        return EXIT_BAD_INPUT
    sys.stdout.write(json.dumps(schema, indent=2, ensure_ascii=False) + "\n")
    return EXIT_OK


def register(subparsers: Any) -> None:
    """Add ``schema``."""
    p = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of evidence, outcomes, answers, ...",
        description="Print a JSON Schema (draft 2020-12) of what iiprules reads or writes. "
        "Without a name, list the names: " + ", ".join(schemas.names()) + ".",
    )
    p.add_argument("name", nargs="?", help="the schema to print (omit to list them)")
    p.set_defaults(func=cmd_schema)
