"""The argument parser and the dispatcher: arguments → a command → an exit code.

Input → output: command-line arguments → the chosen command's ``func(args)``,
its exit code, and for any library error one clear message and exit code 2
(never a traceback). The commands themselves live one group per module, listed
in ``COMMANDS``; this module knows nothing about any one of them.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from iiprules.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    error,
    print_diagnostics,
)
from iiprules.diagnostics import EvaluationError, EvidenceError, RulesError, RulesetNotFound
from iiprules.outputs import OutputError, OutputInterrupted

#: The command modules, in the order ``iiprules --help`` lists their commands.
#: Each has ``register(subparsers)``, which adds its subcommands and sets
#: ``func(args) -> int`` on each (see the package docstring).
COMMANDS: tuple[str, ...] = (
    "iiprules.cli.checking",
    "iiprules.cli.core",
    "iiprules.cli.testing",
    "iiprules.cli.fmt",
    "iiprules.cli.verify",
    "iiprules.cli.diff",
    "iiprules.cli.generate",
    "iiprules.cli.answers",
    "iiprules.cli.lsp",
    "iiprules.cli.schema",
    "iiprules.cli.serve",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser: every command module's subcommands, in ``COMMANDS`` order."""
    parser = argparse.ArgumentParser(
        prog="iiprules",
        description="Investors in People rules as code: check rulesets, judge organisations.",
    )
    parser.add_argument("--version", action="version", version="iiprules 0.1.0")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def subcommands(
    parser: argparse.ArgumentParser,
) -> list[tuple[str, str, argparse.ArgumentParser]]:
    """Each subcommand's name, one-line help and parser, in order (for the docs' reference)."""
    out = []
    for action in parser._actions:  # argparse keeps subparsers here; no public accessor
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in action.choices.items():
                out.append((name, helps.get(name, ""), sub))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except RulesError as exc:
        print_diagnostics(exc.diagnostics)
        return EXIT_BAD_INPUT
    except (EvidenceError, RulesetNotFound) as exc:
        error(str(exc))
        return EXIT_BAD_INPUT
    except EvaluationError as exc:
        error(f"cannot evaluate: {exc}")
        return EXIT_BAD_INPUT
    except OutputError as exc:
        error(str(exc))
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return EXIT_OK
    except OutputInterrupted as exc:
        error(f"interrupted; {exc.path} not written")
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        error("interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:
        print(
            f"iiprules: internal error ({exc.__class__.__name__}: {exc}); please report it",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
