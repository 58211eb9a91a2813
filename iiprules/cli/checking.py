"""``iiprules check``: the checker's diagnostics, for the files named and what they break.

Input → output: ``.rules`` files or folders → every diagnostic (with caret
snippets) on stderr or as JSON, a summary line, and an exit code: 1 when
there are errors (or, with ``--strict``, warnings), else 0.

A file named on the command line is checked together with the rulesets beside
it that use it (``iiprules.workbench``), so an edit that breaks another
ruleset is seen from the file that was edited. ``--explain CODE`` prints the
error-code catalogue's entry instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from iiprules import api, workbench
from iiprules.check import CheckResult
from iiprules.cli.common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, error, print_diagnostics
from iiprules.diagnostics import Diagnostic


def diagnostic_dict(d: Diagnostic) -> dict[str, object]:
    """A diagnostic as JSON-ready data, for editors and CI annotations."""
    out: dict[str, object] = {"code": d.code, "severity": d.severity, "message": d.message}
    if d.span is not None:
        out.update(path=d.span.path, line=d.span.line, column=d.span.column,
                   end_line=d.span.end_line, end_column=d.span.end_column)
    if d.hint:
        out["hint"] = d.hint
    return out


def _results(args: argparse.Namespace, files: list[Path]) -> list[tuple[Path, CheckResult]]:
    """Each file's result, then (for files named one by one) those of their dependents."""
    named = {p.resolve() for p in map(Path, args.paths) if p.is_file()}
    listed = {f.resolve() for f in files}
    out: list[tuple[Path, CheckResult]] = []
    seen: set[Path] = set()
    for f in files:
        if f.resolve() in named and not args.alone:
            for fr in workbench.check_with_dependents(f):
                key = fr.path.resolve()
                if key in seen or (fr.dependent and key in listed):
                    continue
                seen.add(key)
                out.append((fr.path, fr.result))
        elif f.resolve() not in seen:
            seen.add(f.resolve())
            out.append((f, api.check_file(f)))
    return out


def cmd_check(args: argparse.Namespace) -> int:
    """Check rulesets; errors exit 1, warnings alone exit 0 (1 with --strict)."""
    if args.explain:
        return _explain(args.explain)
    if not args.paths:
        error("check needs .rules files or folders (or --explain CODE)")
        return EXIT_BAD_INPUT
    files = api.rules_files(args.paths)
    if not files:
        error("no .rules files found")
        return EXIT_BAD_INPUT
    for f in files:
        if not f.is_file():
            error(f"{f}: no such file")
            return EXIT_BAD_INPUT
    errors = warnings = 0
    found: list[dict[str, object]] = []
    results = _results(args, files)
    for _path, result in results:
        shown = result.diagnostics if not args.quiet else result.errors
        if args.format == "json":
            found.extend(diagnostic_dict(d) for d in shown)
        else:
            print_diagnostics(shown)
        errors += len(result.errors)
        warnings += len(result.warnings)
    failed = errors or (args.strict and warnings)
    if args.format == "json":
        summary = {"files": len(results), "errors": errors, "warnings": warnings}
        print(json.dumps({"summary": summary, "diagnostics": found}, indent=2))
    else:
        status = "failed" if failed else "ok"
        strict = " (--strict: warnings fail)" if args.strict and warnings and not errors else ""
        print(f"checked {len(results)} file(s): {errors} error(s), {warnings} warning(s) - "
              f"{status}{strict}")
    return EXIT_FAILED if failed else EXIT_OK


def _explain(code: str) -> int:
    from iiprules import codes

    entry = codes.catalogue().get(code.upper())
    if entry is None:
        hint = codes.suggest(code)
        error(f"no diagnostic code '{code}'" + (f"; {hint}" if hint else ""))
        return EXIT_BAD_INPUT
    sys.stdout.write(entry.render())
    return EXIT_OK


def register(subparsers: Any) -> None:
    """Add ``check``."""
    p = subparsers.add_parser(
        "check", help="check rulesets for errors (exit 1 on errors; --strict: on warnings too)"
    )
    p.add_argument("paths", nargs="*", help=".rules files or folders")
    p.add_argument("-q", "--quiet", action="store_true", help="show errors only")
    p.add_argument("--format", choices=["text", "json"], default="text",
                   help="json: one document with every diagnostic and its position")
    p.add_argument("--strict", action="store_true", help="warnings fail too (exit 1), for CI")
    p.add_argument("--alone", action="store_true",
                   help="do not also check the rulesets beside a named file that use it")
    p.add_argument("--explain", metavar="CODE",
                   help="print what a diagnostic code means, with a bad example and its fix")
    p.set_defaults(func=cmd_check)
