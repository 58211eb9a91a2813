"""``iiprules diff``: what changed between two versions, and whom it affects.

Input → output: OLD [NEW] refs and optionally a population → the structural
diff and the impact as text, Markdown or JSON on stdout. The comparing is
``iiprules.diff``'s; this prints it.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from iiprules import api
from iiprules.cli.common import EXIT_BAD_INPUT, EXIT_OK
from iiprules.diff import (
    diff_refs,
    impact,
    render_impact_markdown,
    render_impact_text,
    render_markdown,
    render_text,
    version_diffs,
)

HELP = """\
Compare two ruleset versions, or two rulesets.

OLD and NEW are NAME@VERSION (standard@2004), NAME (its newest version), or a
.rules path (optionally PATH@VERSION). Without NEW, every version of OLD is
compared with the one before it.

The structural diff lists parts, topics, principles and indicators added or
removed; requirements added, removed, reworded (text changed), moved
(indicator or part changed) or otherwise changed; facts; and levels, awards
and invariants added, removed, or with a changed condition. A condition whose
numbers alone changed is a threshold change ("at least 26 → 30 of
The wider framework"). Conditions are shown in rules text and in plain English.

--population DIR_OR_FILE judges every organisation under OLD and under NEW,
each version pinned (the assessment date does not choose it), and reports how
many move up, down or stay per level, who gains or loses each award, the most
common reasons, and the organisations that change with the first decision
that differs. A population is a folder of .yaml/.yml/.json evidence files (and
.jsonl files), or a .jsonl file with one evidence mapping per line (see
'iiprules generate'). Requirements and facts a version does not know are
ignored on that side.

--award A --vs B compares award A under OLD with award B under NEW, for
options that are different awards, e.g. Option 1 (themed) against Option 3
(partner-linked):

  iiprules diff lm_theme partner_award --population examples/ \\
      --award lm_themed --vs lm_partner

"gained" counts organisations eligible for B but not for A; "lost" the
reverse. Levels are still compared.
"""


def cmd_diff(args: argparse.Namespace) -> int:
    """Print the structural diff and, with ``--population``, the impact."""
    fmt = args.format
    if args.new is None:
        checked = api.load(args.old)
        diffs = version_diffs(checked)[1:]
        if not diffs:
            print(f"iiprules: '{checked.name}' has only one version", file=sys.stderr)
            return EXIT_BAD_INPUT
    else:
        diffs = [diff_refs(args.old, args.new)]
    if args.population is None:
        if fmt == "json":
            dicts = [d.to_dict() for d in diffs]
            shown = dicts[0] if len(dicts) == 1 else dicts
            sys.stdout.write(json.dumps(shown, indent=2, ensure_ascii=False) + "\n")
        else:
            render = render_markdown if fmt == "markdown" else render_text
            sys.stdout.write("\n".join(render(d) for d in diffs))
        return EXIT_OK
    if args.new is None:
        print("iiprules: --population needs both OLD and NEW", file=sys.stderr)
        return EXIT_BAD_INPUT
    im = impact(args.old, args.new, args.population, args.award, args.vs, args.limit)
    if fmt == "json":
        data: dict[str, Any] = {"impact": im.to_dict()}
        if not args.impact_only:
            data = {"diff": diffs[0].to_dict(), **data}
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        md = fmt == "markdown"
        structure = "" if args.impact_only else (render_markdown if md else render_text)(diffs[0])
        rendered = (render_impact_markdown if md else render_impact_text)(im)
        sys.stdout.write(structure + ("\n" if structure else "") + rendered)
    counted = (
        f"{im.judged} of {im.organisations} organisation(s) under both; "
        f"{im.error_count} could not be judged"
        if im.error_count
        else f"{im.judged} organisation(s) under both"
    )
    print(f"(judged {counted} in {im.seconds:.2f} s)", file=sys.stderr)
    # as evaluate --population: a population with rows not judged is bad input
    return EXIT_BAD_INPUT if im.error_count else EXIT_OK


def register(subparsers: Any) -> None:
    """Register ``iiprules diff``."""
    p = subparsers.add_parser(
        "diff",
        help="what changed between two versions, and whom it affects (--population)",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("old", metavar="OLD", help="NAME[@VERSION] or PATH[@VERSION]")
    p.add_argument("new", metavar="NEW", nargs="?", help="NAME[@VERSION] or PATH[@VERSION]")
    p.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    p.add_argument(
        "--population",
        metavar="DIR_OR_FILE",
        help="judge these organisations under both and report who moves",
    )
    p.add_argument("--award", metavar="ID", help="with --population: compare this award of OLD")
    p.add_argument(
        "--vs", metavar="ID", help="with --award: ... with this award of NEW (default: same id)"
    )
    p.add_argument(
        "--limit",
        type=int,
        default=50,
        metavar="N",
        help="list at most N organisations that change (0: all; default 50)",
    )
    p.add_argument(
        "--impact-only", action="store_true", help="with --population: skip the structural diff"
    )
    p.set_defaults(func=cmd_diff)
