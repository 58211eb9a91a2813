"""``iiprules generate``: plausible evidence for N organisations, as JSONL or YAML files.

Input → output: ``--ruleset``, ``-n``, ``--seed`` and ``--out`` → evidence
records written to a file, a folder or stdout. The generating is
``iiprules.generate``'s; this writes it where asked.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from iiprules.cli.common import EXIT_BAD_INPUT, EXIT_OK
from iiprules.generate import generate, write_jsonl, write_jsonl_file, write_yaml_dir

HELP = """\
Write plausible evidence for N organisations, for trying rulesets and 'iiprules
diff --population'. The same --seed gives byte-identical output.

--ruleset NAME@VERSION dates every assessment within that version's range (a
version without an end date is taken to run 3 years); NAME alone spreads the
dates over every version, each organisation fitting the version in force on its
date. Repeat --ruleset to add the parts no level needs (and the facts) of
further rulesets, e.g. --ruleset lm_theme --ruleset partner_award for a
population to compare Option 1 with Option 3.

--format jsonl (the default) writes one evidence mapping per line to --out
FILE or to stdout, streaming, in constant memory; --format yaml writes one
file per organisation into --out DIR.

Assumed proportions (see the module docstring of iiprules.generate, G1-G9):
15% not recognised (1-3 Standard requirements short); 72.5% the Standard only;
10% Bronze, 2% Silver (2.4% of those recognised: fewer than 3%), 0.5% Gold;
sizes 2-9 22%, 10-49 40%, 50-249 27%, 250-999 8%, 1,000+ 3%; representative
groups more likely in larger and public-sector organisations; 50% of those
recognised have 1-6 earlier assessments 2.5-3 years apart (10% of gaps lapse);
8% take part in parts no level needs (topics of stretch, partner criteria).
"""


def cmd_generate(args: argparse.Namespace) -> int:
    """Write the population."""
    if args.n < 0:
        print("iiprules: -n must be 0 or more", file=sys.stderr)
        return EXIT_BAD_INPUT
    records = generate(args.ruleset, args.n, args.seed)
    if args.format == "yaml":
        if not args.out:
            print("iiprules: --format yaml needs --out DIR", file=sys.stderr)
            return EXIT_BAD_INPUT
        count = write_yaml_dir(records, Path(args.out), force=args.force)
    elif args.out:
        # the rulesets read are inputs: --out must not overwrite one of them
        count = write_jsonl_file(records, args.out, [r for r in args.ruleset if Path(r).is_file()])
    else:
        count = write_jsonl(records, sys.stdout)
    if args.out:
        print(f"wrote {count} organisation(s) to {args.out}", file=sys.stderr)
    return EXIT_OK


def register(subparsers: Any) -> None:
    """Register ``iiprules generate``."""
    p = subparsers.add_parser(
        "generate",
        help="write plausible evidence for N organisations (JSONL or YAML)",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--ruleset",
        required=True,
        action="append",
        metavar="NAME[@VERSION]",
        help="e.g. standard@2009; repeat to add the optional parts and facts of further "
        "rulesets (--ruleset lm_theme --ruleset partner_award)",
    )
    p.add_argument("-n", type=int, default=100, help="how many organisations (default 100)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--out", metavar="FILE|DIR", help="JSONL file, or folder for YAML")
    p.add_argument("--format", choices=["jsonl", "yaml"], default="jsonl")
    p.add_argument(
        "--force",
        action="store_true",
        help="with --format yaml: write into a folder that already has files in it",
    )
    p.set_defaults(func=cmd_generate)
