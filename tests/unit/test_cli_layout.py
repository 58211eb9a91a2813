"""The command line's layout: every command module is registered, every command runs something."""

from __future__ import annotations

import importlib
from pathlib import Path

from iiprules import cli

CLI = Path(cli.__file__).resolve().parent
#: Modules of iiprules/cli/ that hold no commands.
NOT_COMMANDS = {"__init__", "app", "common"}


def test_every_command_module_is_listed_once():
    """A module added to iiprules/cli/ is in COMMANDS (else its commands would never appear)."""
    modules = {f"iiprules.cli.{p.stem}" for p in CLI.glob("*.py") if p.stem not in NOT_COMMANDS}
    assert sorted(modules) == sorted(cli.COMMANDS)
    assert len(set(cli.COMMANDS)) == len(cli.COMMANDS)


def test_every_command_module_registers_itself():
    """Each command module has ``register(subparsers)``."""
    for name in cli.COMMANDS:
        assert callable(importlib.import_module(name).register), name


def test_every_subcommand_has_a_function_and_a_help_line():
    """Every subcommand sets ``func`` (what main calls) and says in one line what it does."""
    parser = cli.build_parser()
    found = cli.subcommands(parser)
    assert len(found) >= 10
    for name, help_text, sub in found:
        assert callable(sub.get_default("func")), name
        assert help_text, name
