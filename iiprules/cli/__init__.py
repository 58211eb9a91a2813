"""The ``iiprules`` command line, all of it: one module per command group.

Input → output: command-line arguments → text on stdout/stderr and an exit
code. Thin by design: every command is a call into the library and a renderer;
feature modules (``iiprules.answers``, ``iiprules.diff``, ...) never import
argparse and never print. Bad input of any kind is one clear message and exit
code 2, never a traceback.

Layout:

* ``app``: the parser (``build_parser``), the dispatcher (``main``), and
  ``COMMANDS``, the tuple of command modules in ``--help`` order;
* ``common``: the exit codes (``EXIT_OK`` ...) and the printing helpers;
* one module per command group: ``core`` (check, evaluate, explain),
  ``testing`` (test: examples, coverage, mutants, reports), ``answers``
  (plan, why-not, critical, pending, lapse), ``diff``, ``verify``, ``generate``.

Adding a command
----------------
1. Write ``iiprules/cli/<group>.py`` with a module docstring (input → output)
   and a function ``register(subparsers: Any) -> None`` that adds your
   subcommands with ``subparsers.add_parser(...)`` and, on each,
   ``p.set_defaults(func=cmd_x)``, where ``cmd_x(args: argparse.Namespace) -> int``
   returns an exit code from ``iiprules.cli.common``.
2. Add ``"iiprules.cli.<group>"`` to ``COMMANDS`` in ``iiprules/cli/app.py``.
3. Let the library's errors (``RulesError``, ``EvidenceError``,
   ``RulesetNotFound``, ``EvaluationError``) propagate: ``main`` turns them
   into a message and exit code 2.
"""

from __future__ import annotations

from iiprules.cli.app import COMMANDS, build_parser, main, subcommands

__all__ = ["COMMANDS", "build_parser", "main", "subcommands"]
