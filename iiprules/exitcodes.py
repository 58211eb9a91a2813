"""The exit codes of the ``iiprules`` command, in one place.

Input → output: nothing → named constants. A leaf module (it imports nothing
from iiprules), so the command line, the library's helpers and the tests can
all name the same numbers without pulling in anything else.

The table, also in the docs (``docs/cli.rst``, "Exit codes"):

===  ===============================================================
 0   ok
 1   the rules have errors, or embedded examples / checks failed
 2   bad input or usage: unreadable or malformed files, unknown names,
     an output that cannot be written, an output that is an input
130  interrupted (Ctrl-C or SIGTERM); nothing half-written is left
 70  a bug in iiprules: never for anything a user types
===  ===============================================================
"""

from __future__ import annotations

from typing import Final

__all__ = ["BAD_INPUT", "FAILED", "INTERNAL", "INTERRUPTED", "OK", "TABLE"]

#: Everything went as asked.
OK: Final = 0
#: The rules have errors, or examples (or verification checks) failed.
FAILED: Final = 1
#: Unreadable or malformed input, unknown names, bad usage, an unwritable output.
BAD_INPUT: Final = 2
#: Interrupted by SIGINT or SIGTERM (128 + SIGINT, as shells report it).
INTERRUPTED: Final = 130
#: A bug in iiprules: no input a user can give may end here.
INTERNAL: Final = 70

#: The table as (code, meaning), for help text and documentation.
TABLE: Final = (
    (OK, "ok"),
    (FAILED, "the rules have errors, or examples or checks failed"),
    (BAD_INPUT, "bad input or usage (including an output that cannot be written)"),
    (INTERRUPTED, "interrupted; no output was half-written"),
    (INTERNAL, "a bug in iiprules (please report it); never for user input"),
)
