"""A Pygments lexer for the rules language, so ``.. code-block:: iiprules`` highlights.

Input → output: ruleset text → Pygments tokens. The keyword sets mirror
``grammar/rules.lark``; anything the lexer does not know is plain text, never
an error token, so a highlighter never rejects a snippet that the parser
would accept (Sphinx turns error tokens into warnings, and the docs build
with ``-W``).

Nothing in ``iiprules`` imports this module; the Sphinx extension registers it
with ``app.add_lexer``. Outside Sphinx::

    from pygments import highlight
    from pygments.formatters import TerminalFormatter
    from iiprules.lexer import RulesLexer
    print(highlight(text, RulesLexer(), TerminalFormatter()))
"""

from __future__ import annotations

from typing import ClassVar

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    Whitespace,
)

__all__ = ["RulesLexer"]

# An identifier of the language: letters, digits, underscores, dotted (4.1, W.other).
_ID = r"[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*"

#: Keywords that declare a named item: the name after them is a declaration.
DECLARING = ("ruleset", "part", "topic", "principle", "indicator", "requirement", "level",
             "award", "invariant", "fact", "version", "unnamed")

#: The other keywords of the grammar.
KEYWORDS = (
    "title", "doc", "source", "uses", "amends", "effective", "until", "in", "by", "text",
    "applies", "when",
    "maps", "to", "as", "default", "requires", "holds", "example", "assessed", "on", "met",
    "unmet", "of", "earlier", "expect", "no", "extend", "change", "remove", "implies", "or",
    "and", "not", "at", "least", "most", "count", "years", "since", "counting", "credits",
    "from", "the", "last", "all", "any", "none", "except", "within",
)

#: Closed sets of words: confidence, who gives evidence, award kinds, fact types.
CONSTANTS = (
    "confirmed", "partly", "unconfirmed", "seed", "inferred", "assumed",
    "top_managers", "managers", "people", "representative_groups",
    "themed", "extended", "partner", "boolean", "number", "date",
)


class RulesLexer(RegexLexer):
    """Lexer for iiprules ``.rules`` files."""

    name = "iiprules"
    aliases: ClassVar[list[str]] = ["iiprules", "rules"]
    filenames: ClassVar[list[str]] = ["*.rules"]
    mimetypes: ClassVar[list[str]] = ["text/x-iiprules"]
    url = "https://github.com/iiprules/iiprules"

    tokens: ClassVar[dict[str, list]] = {  # type: ignore[type-arg]
        "root": [
            # A declaration starts a line (``requirement 4.1``, ``change level bronze``):
            # its name stands out. ``part standard`` inside a condition is a reference.
            (r"(\A|\n)([ \t]*)(?:(change)([ \t]+))?(" + "|".join(DECLARING) + r")([ \t]+)("
             + _ID + r")",
             bygroups(Whitespace, Whitespace, Keyword, Whitespace, Keyword.Declaration,  # type: ignore[no-untyped-call]
                      Whitespace, Name.Label)),
            (r"\s+", Whitespace),
            (r"#[^\n]*", Comment.Single),
            (r'"""', String.Doc, "docstring"),
            (r'"(?:[^"\\\n]|\\.)*"', String.Double),
            # ``part extended``, ``in partner``: a reference, even when the id is also
            # a word of a closed set (``extended`` is an award kind too).
            (r"\b(part|indicator|principle|topic|in|uses)([ \t]+)(" + _ID + r")\b",
             bygroups(Keyword, Whitespace, Name)),  # type: ignore[no-untyped-call]
            (r"[0-9]{4}-[0-9]{2}-[0-9]{2}\b", Number.Other),
            (words(("true", "false"), prefix=r"\b", suffix=r"\b"), Keyword.Constant),
            (words(CONSTANTS, prefix=r"\b", suffix=r"\b"), Name.Builtin),
            (words(KEYWORDS + DECLARING, prefix=r"\b", suffix=r"\b"), Keyword),
            (r"[0-9]+\b(?!\.)", Number.Integer),
            (_ID, Name),
            (r">=|<=|!=|=|>|<|\+", Operator),
            (r"[{}\[\](),:]", Punctuation),
            (r".", Text),  # never an error token
        ],
        "docstring": [
            (r'"""', String.Doc, "#pop"),
            (r'[^"]+', String.Doc),
            (r'"', String.Doc),
        ],
    }
