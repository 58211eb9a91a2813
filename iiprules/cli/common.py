"""What every command module shares: the exit codes and small printing helpers.

Input → output: results and diagnostics → text on stdout/stderr. The exit codes
live here, once, so that every command (and ``app.main``, which maps the
library's exceptions) exits with the same number for the same kind of trouble.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, Protocol

from iiprules import exitcodes
from iiprules.diagnostics import Diagnostic, render_all

#: Exit codes, in one place.
#: (The table itself lives in the leaf module ``iiprules.exitcodes``.)
EXIT_OK = exitcodes.OK
EXIT_FAILED = exitcodes.FAILED  # the rules have errors, or examples failed
EXIT_BAD_INPUT = exitcodes.BAD_INPUT  # unreadable or malformed input, unknown names, outputs
EXIT_INTERRUPTED = exitcodes.INTERRUPTED  # Ctrl-C or SIGTERM
EXIT_INTERNAL = exitcodes.INTERNAL  # a bug in iiprules, never for user input


class Renderable(Protocol):
    """A result the answer commands print: JSON-ready data or text."""

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data."""
        ...

    def render(self) -> str:
        """The result as text for a reader."""
        ...


def error(message: str) -> None:
    """Print one ``iiprules: ...`` line to standard error."""
    print(f"iiprules: {message}", file=sys.stderr)


def print_diagnostics(diags: Sequence[Diagnostic]) -> None:
    """Print diagnostics (with their caret snippets) to standard error."""
    if diags:
        print(render_all(diags), file=sys.stderr)
        print(file=sys.stderr)


def rulesets_arg(args: argparse.Namespace) -> list[str] | None:
    """The ``--ruleset`` refs given, or None for "every packaged ruleset in force"."""
    return args.ruleset or None


def emit(args: argparse.Namespace, result: Renderable) -> int:
    """Print a result as ``--format`` asks (text or JSON); exit code 0."""
    if args.format == "json":
        sys.stdout.write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(result.render())
    return EXIT_OK
