"""``iiprules plan``, ``why-not``, ``critical``, ``pending`` and ``lapse``: an assessor's answers.

Input → output: an evidence file (and ``--ruleset`` refs) → the answer of
``iiprules.answers`` as text or JSON on stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from iiprules.answers import (
    DEFAULT_ALTERNATIVES,
    critical,
    lapse_forecast,
    pending_range,
    plan,
    why_not_of,
)
from iiprules.cli.common import emit


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("evidence", help="evidence file (.yaml, .yml or .json)")
    p.add_argument(
        "--ruleset",
        action="append",
        metavar="NAME_OR_PATH[@VERSION]",
        help="judge by this ruleset (repeatable); default: every packaged ruleset in force",
    )
    p.add_argument("--format", choices=["text", "json"], default="text")


def _date_arg(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date (YYYY-MM-DD), got {text!r}") from None


def cmd_plan(args: argparse.Namespace) -> int:
    """``iiprules plan``: the exact fewest or cheapest additional requirements for a target."""
    result = plan(
        args.evidence,
        args.target,
        cost=args.cost,
        alternatives=args.alternatives,
        rulesets=args.ruleset or None,
    )
    return emit(args, result)


def cmd_why_not(args: argparse.Namespace) -> int:
    """``iiprules why-not``: what the next level and each award not reached lack."""
    return emit(args, why_not_of(args.evidence, args.ruleset or None))


def cmd_critical(args: argparse.Namespace) -> int:
    """``iiprules critical``: the evidence whose loss alone changes the outcome."""
    return emit(args, critical(args.evidence, args.ruleset or None))


def cmd_pending(args: argparse.Namespace) -> int:
    """``iiprules pending``: the outcome as a range over the pending requirements."""
    return emit(args, pending_range(args.evidence, args.ruleset or None))


def cmd_lapse(args: argparse.Namespace) -> int:
    """``iiprules lapse``: when the recognition lapses and which credits expire when."""
    return emit(args, lapse_forecast(args.evidence, args.on, args.ruleset or None))


def _alternatives_arg(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of 0 or more, got {text!r}")
    return n


def register(subparsers: Any) -> None:
    """Register ``plan``, ``why-not``, ``critical``, ``pending`` and ``lapse``."""
    p = subparsers.add_parser(
        "plan", help="the fewest (or cheapest) additional requirements for a level or award"
    )
    _add_common(p)
    p.add_argument("--target", required=True, metavar="LEVEL_OR_AWARD")
    p.add_argument("--cost", metavar="FILE", help="YAML/JSON: requirement, kind or group → cost")
    p.add_argument(
        "--alternatives",
        type=_alternatives_arg,
        default=DEFAULT_ALTERNATIVES,
        metavar="N",
        help=f"list up to N equally good alternatives (default {DEFAULT_ALTERNATIVES})",
    )
    p.set_defaults(func=cmd_plan)

    p = subparsers.add_parser("why-not", help="what the next level and each award not reached lack")
    _add_common(p)
    p.set_defaults(func=cmd_why_not)

    p = subparsers.add_parser(
        "critical", help="requirements whose loss alone lowers the level or loses an award"
    )
    _add_common(p)
    p.set_defaults(func=cmd_critical)

    p = subparsers.add_parser(
        "pending", help="the level and awards as a range over the pending requirements"
    )
    _add_common(p)
    p.set_defaults(func=cmd_pending)

    p = subparsers.add_parser("lapse", help="when the recognition lapses; which credits expire")
    _add_common(p)
    p.add_argument("--on", type=_date_arg, metavar="DATE", help="forecast for this date")
    p.set_defaults(func=cmd_lapse)
