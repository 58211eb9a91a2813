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
from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from iiprules import model as m
from iiprules._syntax import trivia
from iiprules._syntax.build import Builder
from iiprules._syntax.printer import unparse, unparse_cond, unparse_selection
from iiprules.diagnostics import ERROR, Diagnostic, RulesSyntaxError

__all__ = [
    "EXPECTED_WORDS",
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
            return Lark._load_from_dict(tables["data"], tables["memo"])  # type: ignore[no-any-return]
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
        RulesSyntaxError: the text does not follow the grammar; the diagnostic
            carries the position and says what was expected in plain words.
    """
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        raise RulesSyntaxError((_syntax_diagnostic(exc, text, path),)) from None
    # iter_subtrees is iterative, so deeply nested input cannot overflow the stack here.
    bad_dates = [
        _bad_date_diagnostic(tok, text, path)
        for sub in tree.iter_subtrees()
        for tok in sub.children
        if isinstance(tok, Token) and tok.type == "DATE" and not _is_date(tok)
    ]
    if bad_dates:
        raise RulesSyntaxError(tuple(bad_dates))
    ruleset: m.Ruleset = Builder(path, text).transform(tree)
    return attrs.evolve(ruleset, trivia=trivia.scan(text, _trivia_pattern()))


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


#: Terminal names in reviewer's words. Anonymous keyword terminals are named by
#: Lark after their text (``REQUIRES`` for "requires"), so those are found by
#: lower-casing; these are the others.
EXPECTED_WORDS: dict[str, str] = {
    "ID": "a name or id",
    "STRING": 'a quoted text ("...")',
    "INT": "a whole number",
    "DATE": "a date (YYYY-MM-DD)",
    "CMP": "a comparison (>=, >, =, !=, <, <=)",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COMMA": "','",
    "COLON": "':'",
    "EQUAL": "'='",
    "PLUS": "'+'",
    "$END": "the end of the file",
}

_TOKEN_WORDS = {**EXPECTED_WORDS, "$END": "the end of the file"}

#: Curated hints, by the keyword the parser wanted next (Catala's parser.messages idea).
_HINTS: dict[str, str] = {
    "IN": "every requirement says which part it belongs to, e.g. "
    "'requirement 1.1 in standard by top_managers {'",
    "TEXT": 'a requirement\'s block starts with its text: text "..."',
    "REQUIRES": "levels and awards state their condition after the doc and sources: "
    "requires all of part standard",
    "HOLDS": "an invariant states its condition: holds level >= gold implies award lm_themed",
    "EFFECTIVE": "a version says when it comes into force: version 2009 effective 2009-05-01 {",
    "VERSION": "a ruleset has at least one version block: "
    "version 2004 effective 2004-01-01 { ... }",
    "OF": "counts are written 'at least 26 of part extended'",
}


def _expected_words(expected: set[str]) -> list[str]:
    words = set()
    for name in expected:
        if name in EXPECTED_WORDS:
            words.add(EXPECTED_WORDS[name])
        elif name.startswith("__") or not name.isupper():
            continue
        else:
            words.add(f"'{name.lower()}'")
    return sorted(words)


def _syntax_diagnostic(exc: UnexpectedInput, text: str, path: str) -> Diagnostic:
    line = getattr(exc, "line", 0) or 0
    column = getattr(exc, "column", 0) or 0
    hint = None
    if isinstance(exc, UnexpectedToken):
        tok = exc.token
        if tok.type == "$END":
            found = "the end of the file"
            lines = text.splitlines() or [""]
            line, column = len(lines), len(lines[-1]) + 1
            width = 1
        else:
            found = f"'{tok}'"
            width = max(len(str(tok)), 1)
        expected = _expected_words(set(exc.expected))
        message = f"unexpected {found}"
        if expected:
            message += "; expected " + _or_list(expected)
        hint = next((_HINTS[e] for e in sorted(exc.expected) if e in _HINTS), None)
        if tok.type == "$END" and "RBRACE" in exc.expected:
            opened = _unclosed_brace(text)
            message = "the file ends inside a '{' block"
            if opened is not None:
                message += f" opened at line {opened}"
            hint = "add the missing '}'"
    elif isinstance(exc, UnexpectedCharacters):
        char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        message = f"unexpected character '{char}'"
        allowed = _expected_words(set(exc.allowed or ()))
        if allowed:
            message += "; expected " + _or_list(allowed)
        if char == "'":
            hint = 'texts are written in double quotes: "..."'
        width = 1
    elif isinstance(exc, UnexpectedEOF):
        lines = text.splitlines() or [""]
        line, column = len(lines), len(lines[-1]) + 1
        message = "unexpected end of the file; expected " + _or_list(
            _expected_words(set(exc.expected))
        )
        width = 1
    else:  # pragma: no cover - Lark has no other UnexpectedInput subclasses
        message, width = str(exc), 1
    span = m.Span(path, line, column, line, column + width, text)
    return Diagnostic("IIP101", ERROR, message, span, hint)


def _unclosed_brace(text: str) -> int | None:
    """The line of the innermost '{' left open at the end (strings and comments skipped)."""
    stack: list[int] = []
    line, i, n = 1, 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
        elif ch == "#":
            while i < n and text[i] != "\n":
                i += 1
            continue
        elif ch == '"':
            end = (
                text.find('"""', i + 3) + 3
                if text.startswith('"""', i)
                else text.find('"', i + 1) + 1
            )
            if end <= i:
                break
            line += text.count("\n", i, end)
            i = end
            continue
        elif ch == "{":
            stack.append(line)
        elif ch == "}" and stack:
            stack.pop()
        i += 1
    return stack[-1] if stack else None


def _or_list(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    if len(words) > 8:
        return ", ".join(words[:8]) + f" (or {len(words) - 8} more)"
    return ", ".join(words[:-1]) + " or " + words[-1]
