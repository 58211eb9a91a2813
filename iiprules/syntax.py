"""Syntax: ruleset text ⇄ model.

Input → output: text (and the path it came from) → ``model.Ruleset``; and back,
``unparse(model) → text`` in the canonical layout (for ``iiprules fmt`` and the
round-trip property), keeping every comment and blank-line grouping that the
text had (see ``iiprules._syntax.printer`` for how).

The parser is built once per process from ``grammar/rules.lark``. The
transformer is thin: one method per grammar rule, each building one model node
with its span; it never validates and never raises. Every Lark exception is
caught in one place, ``parse``, and turned into a ``RulesSyntaxError`` whose
message speaks of what a reviewer would write, not of token names.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path

import attrs
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

from iiprules import model as m
from iiprules._syntax import messages, trivia
from iiprules._syntax.build import Builder
from iiprules._syntax.printer import unparse, unparse_cond, unparse_selection
from iiprules.diagnostics import ERROR, Diagnostic, RulesSyntaxError

__all__ = [
    "grammar_path",
    "parse",
    "parse_file",
    "unparse",
    "unparse_cond",
    "unparse_selection",
]

# -- the grammar file ---------------------------------------------------------------


def grammar_path() -> Path:
    """Where ``rules.lark`` is: inside the installed package, or at the checkout's top."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "grammar" / "rules.lark", here.parent / "grammar" / "rules.lark"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("grammar/rules.lark is missing from this installation")


@functools.cache
def _parser() -> Lark:
    # Once per process, from the tables made at build time (``_parser_build``: ~10 ms
    # instead of ~65 ms to build them from the grammar); built from the grammar only
    # when the tables were made from other grammar text. No cache file is written
    # anywhere (style A6).
    from iiprules import _parser_build as pb

    text = grammar_path().read_text(encoding="utf-8")
    tables = pb.read()
    if tables is not None and tables.get("grammar_sha256") == pb.grammar_sha256(text):
        try:
            return Lark._load_from_dict(tables["data"], tables["memo"])  # type: ignore[no-any-return,no-untyped-call]
        except Exception:  # pragma: no cover - tables from a Lark with another format
            pass
    return pb.build(text)  # type: ignore[no-any-return]


# -- from text to model -------------------------------------------------------------


def parse(text: str, path: str = "<string>") -> m.Ruleset:
    """Parse ruleset text into the model.

    Args:
        text: the ruleset's source text.
        path: the file name shown in diagnostics.

    Raises:
        RulesSyntaxError: the text does not follow the grammar. It holds every
            independent syntax error of the file (up to ``MAX_SYNTAX_ERRORS``),
            each positioned and put in a reviewer's words.
    """
    tree, errors = _parse_recovering(text, path)
    if errors:
        raise RulesSyntaxError(tuple(errors))
    assert tree is not None  # no errors means a tree; not user input
    # iter_subtrees is iterative, so deeply nested input cannot overflow the stack here.
    bad_dates = [
        _bad_date_diagnostic(tok, text, path)
        if tok.type == "DATE"
        else _long_number_diagnostic(tok, text, path)
        for sub in tree.iter_subtrees()
        for tok in sub.children
        if isinstance(tok, Token)
        and (
            (tok.type == "DATE" and not _is_date(tok))
            or (tok.type == "INT" and len(tok) > MAX_INT_DIGITS)
        )
    ]
    if bad_dates:
        raise RulesSyntaxError(tuple(bad_dates))
    ruleset: m.Ruleset = Builder(path, text).transform(tree)
    return attrs.evolve(ruleset, trivia=trivia.scan(text, _trivia_pattern()))


def _parse_recovering(text: str, path: str) -> tuple[Tree[Token] | None, list[Diagnostic]]:
    """The parse tree, or every syntax error of the text.

    After each error the broken item is blanked out (or the one missing
    character supplied) and the text parsed again, so a reviewer sees all
    independent slips at once and none caused by an earlier one.
    """
    errors: list[Diagnostic] = []
    work, last = text, -1
    while True:
        try:
            tree = _parser().parse(work)
        except UnexpectedInput as exc:
            found = messages.diagnose(exc, work, path, _messages_context(), original=text)
            if found.pos <= last and errors:
                break  # no progress: what follows is the same error seen again
            errors.append(found.diagnostic)
            if found.repaired is None or len(errors) >= messages.MAX_SYNTAX_ERRORS:
                break
            work, last = found.repaired, found.pos
            continue
        return (None if errors else tree), errors
    return None, errors


@functools.cache
def _messages_context() -> messages.Context:
    parser = _parser()
    keywords = frozenset(
        str(t.pattern.value)
        for t in parser.terminals
        if t.pattern.type == "str" and str(t.pattern.value).isidentifier()
    )

    def try_parse(text: str) -> object:
        return parser.parse(text)

    return messages.build_context(keywords, try_parse)


@functools.cache
def _trivia_pattern() -> re.Pattern[str]:
    # The grammar's own terminals, so comments are found exactly where the lexer skips them.
    parser = _parser()
    string = parser.get_terminal("STRING").pattern.to_regexp()
    comment = parser.get_terminal("COMMENT").pattern.to_regexp()
    return re.compile(f"(?P<string>{string})|(?P<comment>{comment})")


def parse_file(path: str | Path) -> m.Ruleset:
    """Parse a ``.rules`` file; see ``parse``."""
    p = Path(path)
    return parse(p.read_text(encoding="utf-8"), str(path))


def _is_date(tok: str) -> bool:
    try:
        dt.date.fromisoformat(tok)
    except ValueError:
        return False
    return True


#: The longest whole number a ruleset may write (Python's own limit for turning
#: text into an int: beyond it the builder would fail instead of saying so).
MAX_INT_DIGITS = 4300


def _long_number_diagnostic(tok: Token, text: str, path: str) -> Diagnostic:
    span = m.Span(
        path, tok.line or 0, tok.column or 0, tok.end_line or 0, tok.end_column or 0, text
    )
    return Diagnostic(
        "IIP109",
        ERROR,
        f"this number has {len(tok):,} digits; at most {MAX_INT_DIGITS:,} are allowed",
        span,
        "no threshold or fact needs a number this long; check for a slip",
    )


def _bad_date_diagnostic(tok: Token, text: str, path: str) -> Diagnostic:
    span = m.Span(
        path, tok.line or 0, tok.column or 0, tok.end_line or 0, tok.end_column or 0, text
    )
    return Diagnostic(
        "IIP103",
        ERROR,
        f"'{tok}' is not a calendar date",
        span,
        "write dates as YYYY-MM-DD, e.g. 2009-05-01",
    )
