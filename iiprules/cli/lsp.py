"""``iiprules lsp``: the language server for editors, over stdio.

Input → output: LSP messages on stdin → answers on stdout (see
``iiprules.lsp``). The server needs the ``[lsp]`` extra; without it this
command says how to install it and exits 2, instead of a traceback.
"""

from __future__ import annotations

import argparse
from typing import Any

from iiprules.cli.common import EXIT_BAD_INPUT, error

HELP = """\
Start the iiprules language server on standard input and output, for an
editor's LSP client (the VS Code extension in editors/vscode starts it this
way; Neovim: vim.lsp.start({cmd = {'iiprules', 'lsp'}})). It reports the
same diagnostics as 'iiprules check' as you type, and offers hover, go to
definition, references, rename, completion, outline, formatting, quick fixes,
inlay hints and example lenses. Needs: pip install 'iiprules[lsp]'.
"""


def cmd_lsp(args: argparse.Namespace) -> int:
    """Serve until the editor closes the connection."""
    try:
        from iiprules.lsp.server import main
    except ImportError as exc:
        error(f"the language server needs the [lsp] extra ({exc.name} is missing): "
              "pip install 'iiprules[lsp]'")
        return EXIT_BAD_INPUT
    return main()


def register(sub: Any) -> None:
    """Add the ``lsp`` subcommand."""
    p = sub.add_parser("lsp", help="run the language server for editors (stdio)",
                       description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stdio", action="store_true",
                   help="use standard input and output (the default; accepted for editors "
                        "that always pass it)")
    p.set_defaults(func=cmd_lsp)
