"""``iiprules check``, ``evaluate`` and ``explain``: the pipeline's stages.

Input → output: paths and evidence files → diagnostics, outcomes, explanation
trees, example results or formatted rules text on stdout, and an exit code.
Each command is a call into the public API and a renderer.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from iiprules import api
from iiprules.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    rulesets_arg,
)
from iiprules.evidence import load as load_evidence
from iiprules.explain import render_json, render_markdown, render_text, render_tree


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
    ev = load_evidence(args.evidence, defer=True)  # evaluate reports every problem
    outcome = api.evaluate(ev, rulesets_arg(args), explain=True)
    if args.format == "json":
        sys.stdout.write(render_json(outcome, explanation=not args.brief, evidence=ev))
    elif args.format == "markdown":
        sys.stdout.write(render_markdown(outcome, ev))
    else:
        sys.stdout.write(render_text(outcome, ev, all_items=args.all))
    return EXIT_OK


def _evaluate_population(args: argparse.Namespace) -> int:
    """Judge every organisation of a population; a summary table, rows to ``--out``."""
    if args.jobs < 1:
        print("iiprules: --jobs must be 1 or more", file=sys.stderr)
        return EXIT_BAD_INPUT
    if str(args.population).lower().endswith(".parquet"):
        # columnar input: read with pyarrow straight into the packed masks (one process)
        from iiprules import columnar

        summary = columnar.evaluate_parquet(args.population, args.out, rulesets_arg(args))
    else:
        summary = api.evaluate_population(
            args.population, rulesets_arg(args), out=args.out, jobs=args.jobs
        )
    # With the rows on standard output, the table goes to standard error.
    table = sys.stderr if args.out == "-" else sys.stdout
    if args.format == "json":
        table.write(json.dumps(summary.to_dict(), indent=2) + "\n")
    else:
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
    ev = load_evidence(args.evidence, defer=True)
    outcome = api.evaluate(ev, rulesets_arg(args), explain=True)
    if args.format == "json":
        sys.stdout.write(render_json(outcome, evidence=ev))
    else:
        sys.stdout.write(render_tree(outcome, ev))
    return EXIT_OK


def register(subparsers: Any) -> None:
    """Add ``check``, ``evaluate`` and ``explain`` (``test`` is in ``iiprules.cli.testing``)."""
    for name, func, helptext in (
        ("evaluate", cmd_evaluate, "judge an organisation's evidence"),
        ("explain", cmd_explain, "show why, decision by decision"),
    ):
        p = subparsers.add_parser(name, help=helptext)
        if name == "evaluate":
            p.add_argument(
                "evidence", nargs="?", help="evidence file (.yaml, .yml or .json); or --population"
            )
            p.add_argument(
                "--population",
                metavar="FILE_OR_DIR",
                help="judge many organisations: .jsonl (- for standard input), .json array, "
                ".csv (one row each; a column per requirement or a 'met' list), .parquet "
                "(columnar, read with pyarrow), or a folder of evidence files; prints counts "
                "per level and award",
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
            p.add_argument(
                "--all", action="store_true",
                help="text: list every missing requirement (by default the first 12 of each)",
            )
        p.set_defaults(func=func)
