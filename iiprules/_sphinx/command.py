"""The command line in the docs: ``iip:cli`` runs a command, ``iip:cli-reference`` lists all.

Input → output: ``iiprules`` arguments in a document → the command and its
real output, run in-process at build time (so a tutorial never shows stale
output); or the argument parser → one section per subcommand with its help.

The CLI module is imported lazily, and only here: the documentation is the
one part of the extension that needs it. A CLI that fails to import or run is
a Sphinx warning at the directive, not a crashed build.
"""

from __future__ import annotations

import io
import os
import shlex
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from iiprules import api

from .describe import text_para

logger = logging.getLogger(__name__)


def _cli() -> Any:
    """The CLI module, imported only when a page shows the command line."""
    from iiprules import cli

    return cli


def run_cli(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run ``iiprules <args>`` in-process in a folder; its exit code and its output."""
    cli = _cli()
    buf = io.StringIO()
    old = Path.cwd()
    os.chdir(cwd)
    try:
        with redirect_stdout(buf), redirect_stderr(buf):
            code = cli.main(args)
    finally:
        os.chdir(old)
    return code, buf.getvalue()


class CliDirective(SphinxDirective):
    """``.. iip:cli:: evaluate examples/x.yaml``: the command and its real output."""

    required_arguments = 1
    final_argument_whitespace = True
    option_spec: ClassVar[dict[str, Any]] = {
        "cwd": directives.unchanged_required,
        "returncode": directives.nonnegative_int,
    }

    def run(self) -> list[nodes.Node]:
        """Run the command at build time, so the page never shows stale output."""
        args = shlex.split(self.arguments[0])
        if args and args[0] == "iiprules":
            args = args[1:]
        cwd = (Path(self.config.iip_cli_cwd) / self.options.get("cwd", ".")).resolve()
        try:
            code, output = run_cli(args, cwd)
        except Exception as exc:  # a broken CLI is a warning, not a crash
            logger.warning("cannot run iiprules %s: %s: %s", " ".join(args),
                           type(exc).__name__, exc, location=self.get_location(), type="iip",
                           subtype="cli")
            return []
        expected = self.options.get("returncode", 0)
        if code != expected:
            logger.warning("iiprules %s exited with %d, not %d:\n%s", " ".join(args), code,
                           expected, output, location=self.get_location(), type="iip",
                           subtype="cli")
        for a in args:
            if (cwd / a).is_file():
                self.env.note_dependency(str(cwd / a))
        for p in api.packaged_dir().glob(f"*{api.RULES_SUFFIX}"):
            self.env.note_dependency(str(p.resolve()))
        text = "$ iiprules " + " ".join(shlex.quote(a) for a in args) + "\n" + output.rstrip()
        return [nodes.literal_block(text, text, language="console")]


class CliReference(SphinxDirective):
    """``.. iip:cli-reference::``: every subcommand, its help and its arguments, from the parser.

    The parser is walked rather than its ``--help`` pasted: a reader gets each
    argument as a term with its own help (searchable, linkable, wrapping on a
    phone), and a command or option added to the CLI appears here on the next
    build without anyone editing this page.
    """

    def run(self) -> list[nodes.Node]:
        """The top-level usage, then one section per subcommand, in the parser's order."""
        old = os.environ.get("COLUMNS")
        os.environ["COLUMNS"] = "88"  # argparse wraps usage lines to the terminal width
        try:
            cli = _cli()
            for module in sorted(Path(cli.__file__).resolve().parent.glob("*.py")):
                self.env.note_dependency(str(module))
            parser = cli.build_parser()
            out: list[nodes.Node] = [self._block(parser.format_usage())]
            for name, help_text, sub in cli.subcommands(parser):
                sec = nodes.section(ids=[f"iip-cli-{name}"])
                self.state.document.note_implicit_target(sec)
                title = f"iiprules {name}"
                sec += nodes.title(title, title)
                if help_text:
                    sec += text_para(help_text[:1].upper() + help_text[1:] + ".")
                if sub.description and sub.description != help_text:
                    sec += text_para(sub.description)
                sec += self._block(sub.format_usage())
                sec += self._arguments(sub)
                out.append(sec)
        except Exception as exc:  # a broken CLI is a warning, not a crash
            logger.warning("cannot read the command line of iiprules: %s: %s",
                           type(exc).__name__, exc, location=self.get_location(), type="iip",
                           subtype="cli")
            return []
        finally:
            if old is None:
                os.environ.pop("COLUMNS", None)
            else:
                os.environ["COLUMNS"] = old
        return out

    @staticmethod
    def _arguments(sub: Any) -> list[nodes.Node]:
        """A definition list: each argument's spelling (with its value) and its help.

        ``--help`` itself is left out (every command has it), and so are
        arguments whose help is suppressed.
        """
        items = nodes.definition_list(classes=["iip-cli-args"])
        for action in sub._actions:  # argparse has no public accessor for its arguments
            # By duck type, not isinstance: argparse is imported only under iiprules/cli/.
            if action.help == "==SUPPRESS==" or "--help" in action.option_strings:
                continue
            if action.option_strings:
                metavar = ""
                if action.nargs != 0:
                    metavar = " " + sub._get_formatter()._format_args(
                        action, action.dest.upper())
                spelling = ", ".join(f"{opt}{metavar}" for opt in action.option_strings)
            else:
                spelling = str(action.metavar or action.dest)
            helped = (action.help or "").replace("%(default)s", str(action.default))
            if action.choices is not None and not isinstance(action.choices, dict):
                helped += (" " if helped else "") + "(one of: " + ", ".join(
                    str(c) for c in action.choices) + ")"
            item = nodes.definition_list_item()
            item += nodes.term(spelling, "", nodes.literal(spelling, spelling))
            definition = nodes.definition()
            definition += text_para(helped or "(no description)")
            item += definition
            items += item
        if not len(items.children):
            return []
        return [text_para("Arguments:"), items]

    @staticmethod
    def _block(text: str) -> nodes.literal_block:
        text = text.rstrip()
        return nodes.literal_block(text, text, language="text")

