"""Trivia: the comments and blank lines of a ruleset's text, which the grammar ignores.

Input → output: text (already accepted by the parser) → ``model.Trivia``.

The scan uses the grammar's own ``STRING`` and ``COMMENT`` terminals (passed
in by ``iiprules.syntax``), so it agrees with the lexer on what is a comment:
a ``#`` inside a quoted text is text, and a quote inside a comment is comment.
We scan rather than hook Lark's ``lexer_callbacks``: the parser is built once
per process (and may be loaded from serialised tables), so a callback would
need shared mutable state between parses; a scan of an accepted text is
independent of how the parser was built and costs a single regex pass.
"""

from __future__ import annotations

import bisect
import re

from iiprules import model as m


def scan(text: str, pattern: re.Pattern[str]) -> m.Trivia:
    """The comments and blank lines of ``text``.

    Args:
        text: a ruleset's text that the parser accepted.
        pattern: a regex with named groups ``string`` and ``comment`` (the
            grammar's terminals), tried left to right.
    """
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def line_of(pos: int) -> int:
        return bisect.bisect_right(starts, pos)

    comments: list[m.Comment] = []
    inside: set[int] = set()  # lines strictly inside a multi-line string
    for mo in pattern.finditer(text):
        if mo.lastgroup == "comment":
            line = line_of(mo.start())
            col = mo.start() - starts[line - 1] + 1
            own = not text[starts[line - 1] : mo.start()].strip()
            comments.append(m.Comment(mo.group().rstrip(), line, col, own))
        else:
            first, last = line_of(mo.start()), line_of(mo.end() - 1)
            inside.update(range(first + 1, last + 1))
    lines = text.split("\n")
    blank = frozenset(
        n for n, ln in enumerate(lines, start=1) if not ln.strip() and n not in inside
    )
    return m.Trivia(tuple(comments), blank)
