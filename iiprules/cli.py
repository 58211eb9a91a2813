"""The ``iiprules`` command: check, evaluate, explain, test, fmt.

Input → output: command-line arguments → text on stdout/stderr and an exit
code. Thin by design: every command is a call into the public API and a
renderer. Bad input of any kind is one clear message and exit code 2, never a
traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from iiprules import api
from iiprules.diagnostics import (
    Diagnostic,
    EvaluationError,
    EvidenceError,
    RulesError,
    RulesetNotFound,
    render_all,
)
from iiprules.evidence import load as load_evidence
from iiprules.explain import render_json, render_markdown, render_text, render_tree
from iiprules.syntax import comment_lines, parse, unparse

#: Exit codes, in one place.
EXIT_OK = 0
EXIT_FAILED = 1  # the rules have errors, or examples failed
EXIT_BAD_INPUT = 2  # unreadable or malformed input, unknown names
EXIT_INTERNAL = 70  # a bug in iiprules


def _print_diagnostics(diags: Sequence[object]) -> None:
    if diags:
        print(render_all(diags), file=sys.stderr)  # type: ignore[arg-type]
        print(file=sys.stderr)


def cmd_check(args: argparse.Namespace) -> int:
    """Check rulesets; errors exit 1, warnings alone exit 0."""
    files = api.rules_files(args.paths)
    if not files:
        print("iiprules: no .rules files found", file=sys.stderr)
        return EXIT_BAD_INPUT
    errors = warnings = 0
    found: list[dict[str, object]] = []
    for f in files:
        if not f.is_file():
            print(f"iiprules: {f}: no such file", file=sys.stderr)
            return EXIT_BAD_INPUT
        result = api.check_file(f)
        shown = result.diagnostics if not args.quiet else result.errors
        if args.format == "json":
            found.extend(_diagnostic_dict(d) for d in shown)
        else:
            _print_diagnostics(shown)
        errors += len(result.errors)
        warnings += len(result.warnings)
    if args.format == "json":
        summary = {"files": len(files), "errors": errors, "warnings": warnings}
        print(json.dumps({"summary": summary, "diagnostics": found}, indent=2))
    else:
        status = "ok" if not errors else "failed"
        print(f"checked {len(files)} file(s): {errors} error(s), {warnings} warning(s) - {status}")
    return EXIT_FAILED if errors else EXIT_OK


def _diagnostic_dict(d: Diagnostic) -> dict[str, object]:
    """A diagnostic as JSON-ready data, for editors and CI annotations."""
    out: dict[str, object] = {"code": d.code, "severity": d.severity, "message": d.message}
    if d.span is not None:
        out.update(path=d.span.path, line=d.span.line, column=d.span.column,
                   end_line=d.span.end_line, end_column=d.span.end_column)
    if d.hint:
        out["hint"] = d.hint
    return out


def _rulesets_arg(args: argparse.Namespace) -> list[str] | None:
    return args.ruleset or None


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Judge one organisation's evidence and print the outcome (or a whole population)."""
    if args.population is not None:
        if args.evidence is not None:
            print("iiprules: give an evidence file or --population, not both", file=sys.stderr)
            return EXIT_BAD_INPUT
        return _evaluate_population(args)
    if args.evidence is None:
        print(
            "iiprules: evaluate needs an evidence file, or --population FILE_OR_DIR",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    ev = load_evidence(args.evidence)
    outcome = api.evaluate(ev, _rulesets_arg(args), explain=True)
    if args.format == "json":
        sys.stdout.write(render_json(outcome, explanation=not args.brief, evidence=ev))
    elif args.format == "markdown":
        sys.stdout.write(render_markdown(outcome, ev))
    else:
        sys.stdout.write(render_text(outcome, ev))
    return EXIT_OK


def _evaluate_population(args: argparse.Namespace) -> int:
    """Judge every organisation of a population; a summary table, rows to ``--out``."""
    if args.jobs < 1:
        print("iiprules: --jobs must be 1 or more", file=sys.stderr)
        return EXIT_BAD_INPUT
    summary = api.evaluate_population(
        args.population, _rulesets_arg(args), out=args.out, jobs=args.jobs
    )
    # With the rows on standard output, the table goes to standard error.
    table = sys.stderr if args.out == "-" else sys.stdout
    table.write(summary.table())
    if summary.errors:
        for message in summary.first_errors:
            print(f"iiprules: {message}", file=sys.stderr)
        if summary.errors > len(summary.first_errors):
            more = summary.errors - len(summary.first_errors)
            where = f"; every one is in {args.out}" if args.out not in (None, "-") else ""
            print(
                f"iiprules: ... and {more:,} more organisation(s) in error{where}", file=sys.stderr
            )
        return EXIT_BAD_INPUT
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    """Print the full explanation tree of every decision."""
    ev = load_evidence(args.evidence)
    outcome = api.evaluate(ev, _rulesets_arg(args), explain=True)
    if args.format == "json":
        sys.stdout.write(render_json(outcome, evidence=ev))
    else:
        sys.stdout.write(render_tree(outcome, ev))
    return EXIT_OK


def cmd_test(args: argparse.Namespace) -> int:
    """Run the examples embedded in rulesets."""
    files = api.rules_files(args.paths)
    if not files:
        print("iiprules: no .rules files found", file=sys.stderr)
        return EXIT_BAD_INPUT
    total = failed = 0
    for f in files:
        result = api.check_file(f)
        if result.checked is None:
            _print_diagnostics(result.errors)
            failed += 1
            continue
        for r in api.run_examples(result.checked):
            total += 1
            where = f"{r.span.path}:{r.span.line}"
            if r.passed:
                if args.verbose:
                    print(f"ok    {r.ruleset}@{r.version}: {r.name}")
            else:
                failed += 1
                print(f"FAIL  {r.ruleset}@{r.version}: {r.name} ({where})")
                for msg in r.failures:
                    print(f"      {msg}")
    print(f"{total} example(s), {failed} failed")
    return EXIT_FAILED if failed else EXIT_OK


def cmd_fmt(args: argparse.Namespace) -> int:
    """Print (or rewrite) rulesets in the canonical layout."""
    for f in api.rules_files(args.paths):
        text = Path(f).read_text(encoding="utf-8")
        model = parse(text, str(f))
        formatted = unparse(model)
        comments = comment_lines(text)
        if comments and (args.write or args.check):
            # The model keeps doc text, not comments: rewriting would lose them.
            shown = ", ".join(map(str, comments[:5])) + (" ..." if len(comments) > 5 else "")
            print(f"iiprules: {f}: has {len(comments)} comment line(s) (lines {shown}) that "
                  "fmt cannot keep yet; move them into doc text, or format by hand",
                  file=sys.stderr)
            return EXIT_BAD_INPUT
        if args.write:
            if formatted != text:
                tmp = Path(f).with_suffix(".rules.tmp")
                tmp.write_text(formatted, encoding="utf-8")
                tmp.replace(f)  # atomic: never a half-written file
                print(f"formatted {f}")
        elif args.check:
            if formatted != text:
                print(f"would reformat {f}")
                return EXIT_FAILED
        else:
            sys.stdout.write(formatted)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, one subcommand per stage a user runs."""
    parser = argparse.ArgumentParser(
        prog="iiprules",
        description="Investors in People rules as code: check rulesets, judge organisations.",
    )
    parser.add_argument("--version", action="version", version="iiprules 0.1.0")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("check", help="check rulesets for errors (exit 1 on errors)")
    p.add_argument("paths", nargs="+", help=".rules files or folders")
    p.add_argument("-q", "--quiet", action="store_true", help="show errors only")
    p.add_argument("--format", choices=["text", "json"], default="text",
                   help="json: one document with every diagnostic and its position")
    p.set_defaults(func=cmd_check)

    for name, func, helptext in (
        ("evaluate", cmd_evaluate, "judge an organisation's evidence"),
        ("explain", cmd_explain, "show why, decision by decision"),
    ):
        p = sub.add_parser(name, help=helptext)
        if name == "evaluate":
            p.add_argument(
                "evidence", nargs="?", help="evidence file (.yaml, .yml or .json); or --population"
            )
            p.add_argument(
                "--population",
                metavar="FILE_OR_DIR",
                help="judge many organisations: .jsonl (- for standard input), .json array, "
                ".csv (one row each; a column per requirement or a 'met' list), or a folder "
                "of evidence files; prints counts per level and award",
            )
            p.add_argument(
                "--out",
                metavar="FILE",
                help="with --population: one outcome row per organisation, in input order "
                "(.jsonl, .csv or .parquet; - for JSONL on standard output)",
            )
            p.add_argument(
                "--jobs",
                type=int,
                default=1,
                metavar="N",
                help="with --population: worker processes (same output, same order)",
            )
        else:
            p.add_argument("evidence", help="evidence file (.yaml, .yml or .json)")
        p.add_argument(
            "--ruleset",
            action="append",
            metavar="NAME_OR_PATH[@VERSION]",
            help="judge by this ruleset (repeatable); default: every packaged "
            "ruleset in force on the assessment date",
        )
        formats = ["text", "json", "markdown"] if name == "evaluate" else ["text", "json"]
        p.add_argument("--format", choices=formats, default="text")
        if name == "evaluate":
            p.add_argument("--brief", action="store_true", help="JSON without the explanation")
        p.set_defaults(func=func)

    p = sub.add_parser("test", help="run the examples embedded in rulesets")
    p.add_argument("paths", nargs="+", help=".rules files or folders")
    p.add_argument("-v", "--verbose", action="store_true", help="list passing examples too")
    p.set_defaults(func=cmd_test)

    p = sub.add_parser("fmt", help="print rulesets in the canonical layout")
    p.add_argument("paths", nargs="+")
    group = p.add_mutually_exclusive_group()
    group.add_argument("-w", "--write", action="store_true", help="rewrite the files")
    group.add_argument("--check", action="store_true", help="exit 1 if a file would change")
    p.set_defaults(func=cmd_fmt)

    # Feature modules register their own subcommands (one entry each, below).
    for add_commands in _feature_commands():
        add_commands(sub)
    return parser


def _feature_commands() -> list:  # type: ignore[type-arg]
    """The ``add_commands(subparsers)`` functions of the feature modules."""
    import importlib

    out = []
    for module in FEATURES:
        out.append(importlib.import_module(module).add_commands)
    return out


#: Modules that add subcommands through an ``add_commands(subparsers)`` function.
#: Each subcommand's ``func(args) -> int`` may raise the library's errors; ``main``
#: turns them into messages and exit codes.
FEATURES: tuple[str, ...] = (
    "iiprules.verify",
    "iiprules.diff",
    "iiprules.generate",
    "iiprules.answers",
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except RulesError as exc:
        _print_diagnostics(exc.diagnostics)
        return EXIT_BAD_INPUT
    except (EvidenceError, RulesetNotFound) as exc:
        print(f"iiprules: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except EvaluationError as exc:
        print(f"iiprules: cannot evaluate: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        print(
            f"iiprules: internal error ({exc.__class__.__name__}: {exc}); please report it",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    raise SystemExit(main())
