"""``iiprules fmt``: rulesets in the canonical layout, with every comment kept.

Input → output: ``.rules`` files or folders → the formatted text on stdout
(default), the files rewritten (``-w``), a list of files that would change
(``--check``, exit 1) or a unified diff (``--diff``, exit 1 when non-empty).

The formatter is ``iiprules.unparse`` over ``iiprules.parse``: comments and
blank-line grouping are kept (see ``iiprules._syntax.printer``), so a reviewer
can run ``fmt -w`` on a commented ruleset and commit the result.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import Any

from iiprules import api, outputs
from iiprules.cli.common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, error
from iiprules.syntax import parse, unparse


def format_text(text: str, path: str) -> str:
    """The canonical text of a ruleset's text (comments kept).

    Raises:
        RulesSyntaxError: the text does not parse; nothing is written.
    """
    return unparse(parse(text, path))


def write_atomically(path: Path, text: str) -> None:
    """Replace a file's content in one step, through a symlink, keeping its permissions.

    The new text goes to a temporary file in the target's folder, which then
    replaces the target: a reader sees the old file or the new one, never half
    of one, and an interrupted run leaves the original intact.

    Raises:
        OutputError: the file cannot be written (read-only, a full disk).
    """
    outputs.write_text(path, text)  # see iiprules.outputs: every file written goes there


def cmd_fmt(args: argparse.Namespace) -> int:
    """Print, rewrite, check or diff rulesets in the canonical layout."""
    files = api.rules_files(args.paths)
    if not files:
        error("no .rules files found")
        return EXIT_BAD_INPUT
    changed = 0
    for f in files:
        if not f.is_file():
            error(f"{f}: no such file")
            return EXIT_BAD_INPUT
        try:
            text = f.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            error(f"{f}: cannot read the file (not UTF-8 text: byte {exc.start + 1})")
            return EXIT_BAD_INPUT
        formatted = format_text(text, str(f))
        if args.write:
            if formatted != text:
                write_atomically(f, formatted)
                print(f"formatted {f}")
                changed += 1
        elif args.check:
            if formatted != text:
                print(f"would reformat {f}")
                changed += 1
        elif args.diff:
            if formatted != text:
                sys.stdout.writelines(
                    difflib.unified_diff(
                        text.splitlines(keepends=True),
                        formatted.splitlines(keepends=True),
                        fromfile=f"{f}",
                        tofile=f"{f} (formatted)",
                    )
                )
                changed += 1
        else:
            sys.stdout.write(formatted)
    if args.check or args.diff:
        if not changed:
            print(f"{len(files)} file(s) already formatted", file=sys.stderr)
        return EXIT_FAILED if changed else EXIT_OK
    return EXIT_OK


def register(subparsers: Any) -> None:
    """Add ``fmt``."""
    p = subparsers.add_parser(
        "fmt", help="print rulesets in the canonical layout (comments kept)"
    )
    p.add_argument("paths", nargs="+", help=".rules files or folders")
    group = p.add_mutually_exclusive_group()
    group.add_argument("-w", "--write", action="store_true", help="rewrite the files in place")
    group.add_argument(
        "--check", action="store_true", help="list files that would change; exit 1 if any"
    )
    group.add_argument(
        "--diff", action="store_true", help="show what would change as a diff; exit 1 if any"
    )
    p.set_defaults(func=cmd_fmt)
