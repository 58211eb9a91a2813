"""``iiprules verify``: invariants proven for all evidence, or two versions compared.

Input → output: ``.rules`` paths, or ``--compare OLD NEW`` → one line per
property (proven, refuted with a counterexample file, ...) or per level and
award (equivalent, stricter, looser, with witnesses), or the same as JSON; exit
1 when a property fails. The proving is ``iiprules.verify``'s; this prints it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from typing import Any

import attrs

from iiprules import api, outputs, verify
from iiprules.cli.common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from iiprules.diagnostics import RulesError, render_all
from iiprules.verify import (
    ALWAYS_TRUE,
    FAILURES,
    NEVER_TRUE,
    PROVEN,
    REFUTED,
    UNKNOWN,
    UNREACHABLE,
    Result,
)


def _z3_missing() -> bool:
    if importlib.util.find_spec("z3") is None:
        print(
            "iiprules: 'verify' needs the z3 solver: pip install z3-solver "
            "(or pip install 'iiprules[dev]')",
            file=sys.stderr,
        )
        return True
    return False


def cmd_verify(args: argparse.Namespace) -> int:
    """Prove every invariant of the rulesets given, or compare two versions."""
    if _z3_missing():
        return EXIT_BAD_INPUT
    out = outputs.check_folder(args.out)  # a file given as the folder: refused before work
    started = time.perf_counter()
    if args.compare:
        old, new, comparisons = verify.compare(args.compare[0], args.compare[1], out)
        print(f"compare {old} -> {new}")
        for c in comparisons:
            print(f"  {c.kind:<6} {c.id:<24} {c.verdict}" + (f"  ({c.detail})" if c.detail else ""))
            for w in c.witnesses:
                print(f"         witness: {w}")
        print(
            f"compared {len(comparisons)} level(s) and award(s) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        if args.paths:
            print()
        else:
            return EXIT_OK
    files = api.rules_files(args.paths)
    if not files:
        print("iiprules: no .rules files found", file=sys.stderr)
        return EXIT_BAD_INPUT
    counts = dict.fromkeys((PROVEN, REFUTED, UNREACHABLE, ALWAYS_TRUE, NEVER_TRUE, UNKNOWN), 0)
    broken_files = 0
    everything: list[Result] = []
    text = args.format == "text"
    for f in files:
        ref = str(f)
        try:
            checked = api.load(ref)
        except RulesError as exc:
            print(render_all(exc.diagnostics), file=sys.stderr)
            broken_files += 1
            continue
        shown: str | None = None
        for r in verify.verify_ruleset(checked, ref, out):
            counts[r.status] += 1
            everything.append(r)
            if not text:
                continue
            if r.subject != shown:
                print(r.subject)
                shown = r.subject
            if r.status == PROVEN and r.check.startswith("reachable:") and not args.verbose:
                continue
            print(f"  {r.status:<11} {r.title}" + (f" ({r.detail})" if r.detail else ""))
            for path in r.files:
                print(f"              counterexample: {path}")
                print(f"              see: iiprules evaluate {path} --ruleset {ref}")
    elapsed = time.perf_counter() - started
    failed = sum(counts[s] for s in FAILURES) + broken_files
    if not text:
        json.dump(
            {
                "ok": not failed,
                "seconds": round(elapsed, 3),
                "files_with_errors": broken_files,
                "results": [attrs.asdict(r) for r in everything],
            },
            sys.stdout,
            indent=2,
        )
        print()
        return EXIT_FAILED if failed else EXIT_OK
    print(
        f"verified {len(files)} file(s) in {elapsed:.1f} s: {counts[PROVEN]} proven, "
        f"{counts[REFUTED]} refuted, {counts[UNREACHABLE]} unreachable, "
        f"{counts[ALWAYS_TRUE] + counts[NEVER_TRUE]} warning(s), {counts[UNKNOWN]} unknown"
        + (f", {broken_files} with errors" if broken_files else "")
        + (" - ok" if not failed else " - failed")
    )
    return EXIT_FAILED if failed else EXIT_OK


def register(subparsers: Any) -> None:
    """Register ``iiprules verify``."""
    p = subparsers.add_parser(
        "verify",
        help="prove invariants for all evidence, or compare two versions (needs z3-solver)",
        description="Prove every declared and built-in invariant for all possible evidence, "
        "or refute it with a minimal counterexample evidence file; with --compare, decide "
        "for each level and award whether NEW is equivalent to, stricter or looser than OLD.",
    )
    p.add_argument("paths", nargs="*", help=".rules files or folders")
    p.add_argument(
        "--compare",
        nargs=2,
        metavar=("OLD", "NEW"),
        help="compare two versions (e.g. standard@2004 standard@2009, or two files)",
    )
    p.add_argument(
        "--out",
        default="iiprules-verify",
        metavar="DIR",
        help="folder for counterexample and witness files (default: %(default)s)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="list reachable levels too")
    p.add_argument(
        "--format", choices=["text", "json"], default="text", help="output (default: text)"
    )
    p.set_defaults(func=cmd_verify)
