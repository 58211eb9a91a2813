"""``iiprules test``: run embedded examples; measure their coverage; mutation-test them.

Input → output: ``.rules`` files or folders → example results (text, JSON or
JUnit XML), a coverage report (``--coverage``) or a mutation report
(``--mutants``) on stdout, and an exit code: 0 when everything passed (and the
figure reaches ``--fail-under``), 1 when an example failed, a ruleset has
errors or the figure falls short, 2 for bad usage.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from iiprules import api
from iiprules.check import CheckedRuleset
from iiprules.cli.common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, error, print_diagnostics
from iiprules.diagnostics import render_all


def _load(args: argparse.Namespace) -> tuple[list[CheckedRuleset], list[tuple[str, str]]] | None:
    """The checked rulesets of the paths, and ``(path, diagnostics)`` of those with errors."""
    files = api.rules_files(args.paths)
    if not files:
        error("no .rules files found")
        return None
    checked: list[CheckedRuleset] = []
    broken: list[tuple[str, str]] = []
    for f in files:
        if not f.is_file():
            error(f"{f}: no such file")
            return None
        result = api.check_file(f)
        if result.checked is None:
            if args.format != "junit":
                print_diagnostics(result.errors)
            broken.append((str(f), render_all(result.errors)))
            continue
        checked.append(result.checked)
    return checked, broken


def cmd_test(args: argparse.Namespace) -> int:
    """Run the examples (or measure coverage, or mutation-test) of rulesets."""
    if args.coverage and args.mutants:
        error("give --coverage or --mutants, not both")
        return EXIT_BAD_INPUT
    if args.format == "junit" and (args.coverage or args.mutants):
        error("--format junit reports examples; use text or json with --coverage or --mutants")
        return EXIT_BAD_INPUT
    if args.fail_under is not None and not (args.coverage or args.mutants):
        error("--fail-under needs --coverage or --mutants")
        return EXIT_BAD_INPUT
    if args.run is not None:
        try:
            re.compile(args.run)
        except re.error as exc:
            error(f"--run: not a regular expression ({exc})")
            return EXIT_BAD_INPUT
    loaded = _load(args)
    if loaded is None:
        return EXIT_BAD_INPUT
    checked, broken = loaded
    if args.coverage:
        return _coverage(args, checked, bool(broken))
    if args.mutants:
        return _mutants(args, checked, bool(broken))
    return _examples(args, checked, broken)


def _examples(
    args: argparse.Namespace, checked: list[CheckedRuleset], broken: list[tuple[str, str]]
) -> int:
    from iiprules import testing_examples as te

    runs = [r for c in checked for r in te.run(c, args.run)]
    if args.format == "json":
        sys.stdout.write(te.render_json(runs))
    elif args.format == "junit":
        sys.stdout.write(te.render_junit(runs, broken))
    else:
        sys.stdout.write(te.render_text(runs, args.verbose))
    failed = any(not r.passed for r in runs) or bool(broken)
    return EXIT_FAILED if failed else EXIT_OK


def _coverage(args: argparse.Namespace, checked: list[CheckedRuleset], broken: bool) -> int:
    from iiprules import testing_coverage as tc

    reports = [r for c in checked for r in tc.coverage(c, args.run)]
    sys.stdout.write(tc.render_json(reports) if args.format == "json" else tc.render_text(reports))
    covered, total = tc.totals(reports)["all"]
    short = args.fail_under is not None and tc.percent(covered, total) < args.fail_under
    if short and args.format != "json":
        error(f"coverage {tc.percent(covered, total):.1f}% is under {args.fail_under:g}%")
    return EXIT_FAILED if short or broken else EXIT_OK


def _mutants(args: argparse.Namespace, checked: list[CheckedRuleset], broken: bool) -> int:
    from iiprules import testing_mutants as tm

    reports = [r for c in checked for r in tm.mutants(c, pattern=args.run)]
    sys.stdout.write(tm.render_json(reports) if args.format == "json" else tm.render_text(reports))
    killed = sum(r.count("killed") for r in reports)
    survived = sum(r.count("survived") for r in reports)
    got = tm.score(killed, survived)
    short = args.fail_under is not None and got < args.fail_under
    if short and args.format != "json":
        error(f"mutation score {got:.1f}% is under {args.fail_under:g}%")
    return EXIT_FAILED if short or broken else EXIT_OK


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a percentage: {text!r}") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"a percentage is between 0 and 100, not {text}")
    return value


def register(subparsers: Any) -> None:
    """Add ``test``."""
    p = subparsers.add_parser(
        "test",
        help="run the examples embedded in rulesets (--coverage, --mutants: how good they are)",
        description="Run the examples embedded in rulesets. With --coverage, report which "
        "decisions, conditions, thresholds and requirements the examples exercise; with "
        "--mutants, make the slips a reviewer could make (a threshold one off, 'and' for "
        "'or', a requirement dropped from a list...) and report those no example notices.",
    )
    p.add_argument("paths", nargs="+", help=".rules files or folders")
    p.add_argument("-v", "--verbose", action="store_true", help="list passing examples too")
    p.add_argument("--run", metavar="PATTERN",
                   help="only the examples whose name matches this regular expression")
    p.add_argument("--format", choices=["text", "json", "junit"], default="text",
                   help="junit: JUnit XML, one test case per example (for CI)")
    mode = p.add_argument_group("how good the examples are")
    mode.add_argument("--coverage", action="store_true",
                      help="decision, condition, boundary, operand and requirement coverage")
    mode.add_argument("--mutants", action="store_true",
                      help="mutation testing: the score and every surviving mutant")
    mode.add_argument("--fail-under", type=_percent, metavar="PCT",
                      help="with --coverage or --mutants: exit 1 when the figure is under PCT")
    p.set_defaults(func=cmd_test)
