"""Syntax: ruleset text ⇄ model.

Input → output: text (and the path it came from) → ``model.Ruleset``; and back,
``unparse(model) → text`` in the canonical layout (for ``iiprules fmt`` and the
round-trip property).

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
import textwrap
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer_NonRecursive, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from iiprules import model as m
from iiprules.diagnostics import ERROR, Diagnostic, RulesSyntaxError

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
    return _Builder(path, text).transform(tree)


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


def comment_lines(text: str) -> list[int]:
    """The lines that hold a ``#`` comment (outside quoted texts).

    ``unparse`` works from the model, which keeps doc text but not comments, so
    ``fmt`` uses this to refuse to drop a reviewer's comments.
    """
    found: list[int] = []
    line, i, n = 1, 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
        elif ch == "#":
            found.append(line)
            while i < n and text[i] != "\n":
                i += 1
            continue
        elif ch == '"':
            triple = text.startswith('"""', i)
            end = text.find('"""', i + 3) + 3 if triple else text.find('"', i + 1) + 1
            if end <= i:
                break
            line += text.count("\n", i, end)
            i = end
            continue
        i += 1
    return found


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


def _string_value(tok: str) -> str:
    if tok.startswith('"""'):
        body = tok[3:-3]
        if body.startswith("\n"):
            body = body[1:]
        return textwrap.dedent(body).strip()
    return re.sub(
        r"\\(.)", lambda mo: {"n": "\n", "t": "\t"}.get(mo.group(1), mo.group(1)), tok[1:-1]
    )


@v_args(meta=True)
class _Builder(Transformer_NonRecursive):
    """One method per grammar rule; each builds one node with its span."""

    def __init__(self, path: str, text: str) -> None:
        super().__init__(visit_tokens=True)
        self._path = path
        self._text = text

    def _span(self, meta: Any) -> m.Span:
        if getattr(meta, "empty", True):
            return m.Span(self._path, 0, 0, 0, 0, self._text)
        return m.Span(
            self._path, meta.line, meta.column, meta.end_line, meta.end_column, self._text
        )

    # tokens
    def STRING(self, tok: Token) -> str:  # noqa: N802 - Lark names terminal callbacks so
        return _string_value(str(tok))

    def INT(self, tok: Token) -> int:  # noqa: N802
        return int(tok)

    def DATE(self, tok: Token) -> dt.date:  # noqa: N802
        return dt.date.fromisoformat(str(tok))

    def ID(self, tok: Token) -> str:  # noqa: N802
        return str(tok)

    def CMP(self, tok: Token) -> str:  # noqa: N802
        return str(tok)

    # keyword sets
    def _keyword(self, meta: Any, children: list[Any]) -> str:
        return str(children[0])

    confidence = who = kind = type = quant = kindword = _keyword

    def bool(self, meta: Any, children: list[Any]) -> bool:
        return str(children[0]) == "true"

    def literal(self, meta: Any, children: list[Any]) -> m.Value:
        return children[0]

    # shared clauses
    def start(self, meta: Any, children: list[Any]) -> m.Ruleset:
        return children[0]

    def title(self, meta: Any, children: list[Any]) -> tuple[str, str]:
        return ("title", children[0])

    def doc(self, meta: Any, children: list[Any]) -> tuple[str, str]:
        return ("doc", children[0])

    def source(self, meta: Any, children: list[Any]) -> m.Source:
        conf = children[1] if len(children) > 1 else None
        return m.Source(children[0], conf, span=self._span(meta))

    def meta(self, meta: Any, children: list[Any]) -> m.Meta:
        fields = dict(c for c in children if isinstance(c, tuple))
        sources = tuple(c for c in children if isinstance(c, m.Source))
        return m.Meta(fields.get("title"), fields.get("doc"), sources, span=self._span(meta))

    def uses(self, meta: Any, children: list[Any]) -> m.Uses:
        op, ver = (children[1], children[2]) if len(children) == 3 else (None, None)
        return m.Uses(children[0], op, ver, span=self._span(meta))

    def ruleset(self, meta: Any, children: list[Any]) -> m.Ruleset:
        name, meta_, *rest = children
        uses = next((c for c in rest if isinstance(c, m.Uses)), None)
        versions = tuple(c for c in rest if isinstance(c, m.Version))
        return m.Ruleset(name, versions, meta_, uses, span=self._span(meta))

    def until(self, meta: Any, children: list[Any]) -> tuple[str, dt.date]:
        return ("until", children[0])

    def version(self, meta: Any, children: list[Any]) -> m.Version:
        label, effective, *rest = children
        until = None
        if rest and isinstance(rest[0], tuple):
            until = rest.pop(0)[1]
        meta_, *items = rest
        return m.Version(label, effective, until, meta_, tuple(items), span=self._span(meta))

    # structure
    def block(self, meta: Any, children: list[Any]) -> m.Meta:
        return children[0]

    def part(self, meta: Any, children: list[Any]) -> m.Part:
        meta_ = children[2] if len(children) > 2 else m.EMPTY_META
        return m.Part(children[0], children[1], meta_, span=self._span(meta))

    def topic(self, meta: Any, children: list[Any]) -> m.Topic:
        meta_ = children[2] if len(children) > 2 else m.EMPTY_META
        return m.Topic(children[0], children[1], meta_, span=self._span(meta))

    def principle(self, meta: Any, children: list[Any]) -> m.Principle:
        id_, title, meta_, *indicators = children
        return m.Principle(id_, title, meta_, tuple(indicators), span=self._span(meta))

    def indicator(self, meta: Any, children: list[Any]) -> m.Indicator:
        id_, title, meta_, *rest = children
        maps = None
        if rest and isinstance(rest[0], tuple):
            maps = rest.pop(0)[1]
        return m.Indicator(id_, title, meta_, maps, tuple(rest), span=self._span(meta))

    def in_part(self, meta: Any, children: list[Any]) -> tuple[str, str]:
        return ("part", children[0])

    def by(self, meta: Any, children: list[Any]) -> tuple[str, tuple[str, ...]]:
        return ("by", tuple(children))

    def in_topic(self, meta: Any, children: list[Any]) -> tuple[str, str]:
        return ("topic", children[0])

    def text(self, meta: Any, children: list[Any]) -> tuple[str, str]:
        return ("text", children[0])

    def applies(self, meta: Any, children: list[Any]) -> tuple[str, m.Cond]:
        return ("applies", children[0])

    def maps(self, meta: Any, children: list[Any]) -> tuple[str, m.Selection]:
        return ("maps", children[0])

    def requirement(self, meta: Any, children: list[Any]) -> m.Requirement:
        id_ = children[0]
        fields = dict(c for c in children[1:] if isinstance(c, tuple))
        meta_ = next(c for c in children if isinstance(c, m.Meta))
        return m.Requirement(
            id_,
            fields["part"],
            fields["text"],
            fields.get("by", ()),
            fields.get("topic"),
            meta_,
            fields.get("applies"),
            fields.get("maps"),
            span=self._span(meta),
        )

    def unnamed(self, meta: Any, children: list[Any]) -> m.Unnamed:
        count, id_, (_, part), *rest = children
        meta_ = rest[0] if rest else m.EMPTY_META
        return m.Unnamed(id_, count, part, meta_, span=self._span(meta))

    def default(self, meta: Any, children: list[Any]) -> tuple[str, m.Value]:
        return ("default", children[0])

    def fact(self, meta: Any, children: list[Any]) -> m.Fact:
        id_, type_, *rest = children
        default = next((c[1] for c in rest if isinstance(c, tuple)), None)
        meta_ = next((c for c in rest if isinstance(c, m.Meta)), m.EMPTY_META)
        return m.Fact(id_, type_, default, meta_, span=self._span(meta))

    # decisions
    def level(self, meta: Any, children: list[Any]) -> m.Level:
        id_, title, meta_, cond = children
        return m.Level(id_, title, cond, meta_, span=self._span(meta))

    def award(self, meta: Any, children: list[Any]) -> m.Award:
        id_, kind, title, meta_, cond = children
        return m.Award(id_, kind, title, cond, meta_, span=self._span(meta))

    def invariant(self, meta: Any, children: list[Any]) -> m.Invariant:
        id_, title, meta_, cond = children
        return m.Invariant(id_, title, cond, meta_, span=self._span(meta))

    # examples
    def example(self, meta: Any, children: list[Any]) -> m.Example:
        name, *rest = children
        doc = None
        if rest and isinstance(rest[0], tuple):
            doc = rest.pop(0)[1]
        givens = tuple(c for c in rest if not isinstance(c, (m.ExpectLevel, m.ExpectAward)))
        expects = tuple(c for c in rest if isinstance(c, (m.ExpectLevel, m.ExpectAward)))
        return m.Example(name, doc, givens, expects, span=self._span(meta))

    def given_date(self, meta: Any, children: list[Any]) -> m.GivenDate:
        return m.GivenDate(children[0], span=self._span(meta))

    def given_met(self, meta: Any, children: list[Any]) -> m.GivenMet:
        return m.GivenMet(children[0], span=self._span(meta))

    def given_met_some(self, meta: Any, children: list[Any]) -> m.GivenMet:
        return m.GivenMet(children[1], children[0], span=self._span(meta))

    def given_unmet(self, meta: Any, children: list[Any]) -> m.GivenUnmet:
        return m.GivenUnmet(children[0], span=self._span(meta))

    def given_fact(self, meta: Any, children: list[Any]) -> m.GivenFact:
        return m.GivenFact(children[0], children[1], span=self._span(meta))

    def given_earlier(self, meta: Any, children: list[Any]) -> m.GivenEarlier:
        return m.GivenEarlier(children[0], children[1], span=self._span(meta))

    def expect_level(self, meta: Any, children: list[Any]) -> m.ExpectLevel:
        return m.ExpectLevel(children[0], span=self._span(meta))

    def expect_award(self, meta: Any, children: list[Any]) -> m.ExpectAward:
        return m.ExpectAward(children[0], True, span=self._span(meta))

    def expect_no_award(self, meta: Any, children: list[Any]) -> m.ExpectAward:
        return m.ExpectAward(children[0], False, span=self._span(meta))

    # amendments
    def extend(self, meta: Any, children: list[Any]) -> m.Extend:
        return m.Extend(children[0], tuple(children[1:]), span=self._span(meta))

    def requirement_change(self, meta: Any, children: list[Any]) -> m.Requirement:
        return children[0]

    def change(self, meta: Any, children: list[Any]) -> m.Change:
        return m.Change(children[0], span=self._span(meta))

    def remove(self, meta: Any, children: list[Any]) -> m.Remove:
        return m.Remove(children[0], children[1], span=self._span(meta))

    # conditions
    def implies(self, meta: Any, children: list[Any]) -> m.Implies:
        return m.Implies(children[0], children[1], span=self._span(meta))

    def or_(self, meta: Any, children: list[Any]) -> m.Or:
        left, right = children
        items = left.items if isinstance(left, m.Or) else (left,)
        return m.Or((*items, right), span=self._span(meta))

    def and_(self, meta: Any, children: list[Any]) -> m.And:
        left, right = children
        items = left.items if isinstance(left, m.And) else (left,)
        return m.And((*items, right), span=self._span(meta))

    def not_(self, meta: Any, children: list[Any]) -> m.Not:
        return m.Not(children[0], span=self._span(meta))

    def credits(self, meta: Any, children: list[Any]) -> tuple[str, int]:
        return ("credits", children[0])

    def quantified(self, meta: Any, children: list[Any]) -> m.Quantified:
        years = children[2][1] if len(children) > 2 else None
        return m.Quantified(children[0], children[1], years, span=self._span(meta))

    def at_least(self, meta: Any, children: list[Any]) -> m.AtLeast:
        years = children[2][1] if len(children) > 2 else None
        return m.AtLeast(children[0], children[1], years, span=self._span(meta))

    def at_most(self, meta: Any, children: list[Any]) -> m.AtMost:
        years = children[2][1] if len(children) > 2 else None
        return m.AtMost(children[0], children[1], years, span=self._span(meta))

    def count_cmp(self, meta: Any, children: list[Any]) -> m.CountCmp:
        return m.CountCmp(children[0], children[1], children[2], span=self._span(meta))

    def level_cmp(self, meta: Any, children: list[Any]) -> m.LevelCmp:
        return m.LevelCmp(children[0], children[1], span=self._span(meta))

    def award_ref(self, meta: Any, children: list[Any]) -> m.AwardRef:
        return m.AwardRef(children[0], span=self._span(meta))

    def fact_true(self, meta: Any, children: list[Any]) -> m.FactTrue:
        return m.FactTrue(children[0], span=self._span(meta))

    def fact_cmp(self, meta: Any, children: list[Any]) -> m.FactCmp:
        return m.FactCmp(children[0], children[1], children[2], span=self._span(meta))

    def years_since(self, meta: Any, children: list[Any]) -> m.YearsSince:
        return m.YearsSince(children[0], children[1], children[2], span=self._span(meta))

    def const(self, meta: Any, children: list[Any]) -> m.Const:
        return m.Const(children[0], span=self._span(meta))

    # selections
    def union(self, meta: Any, children: list[Any]) -> m.Union_:
        return m.Union_(children[0], children[1], span=self._span(meta))

    def except_(self, meta: Any, children: list[Any]) -> m.Except:
        return m.Except(children[0], children[1], span=self._span(meta))

    def within(self, meta: Any, children: list[Any]) -> m.Within:
        return m.Within(children[0], children[1], span=self._span(meta))

    def sel_part(self, meta: Any, children: list[Any]) -> m.SelPart:
        return m.SelPart(children[0], span=self._span(meta))

    def sel_indicator(self, meta: Any, children: list[Any]) -> m.SelIndicator:
        return m.SelIndicator(children[0], span=self._span(meta))

    def sel_principle(self, meta: Any, children: list[Any]) -> m.SelPrinciple:
        return m.SelPrinciple(children[0], span=self._span(meta))

    def sel_topic(self, meta: Any, children: list[Any]) -> m.SelTopic:
        return m.SelTopic(children[0], span=self._span(meta))

    def sel_list(self, meta: Any, children: list[Any]) -> m.SelList:
        return m.SelList(tuple(children), span=self._span(meta))


# -- from model to text -------------------------------------------------------------


def _q(text: str) -> str:
    if "\n" in text:
        body = textwrap.indent(text, "    ")
        return '"""\n' + body + '\n    """'
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _lit(value: m.Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, dt.date)):
        return str(value) if not isinstance(value, dt.date) else value.isoformat()
    return _q(value)


def unparse_selection(sel: m.Selection, top: bool = True) -> str:
    """A selection as it is written in a ruleset."""
    match sel:
        case m.SelPart(part=p):
            return f"part {p}"
        case m.SelIndicator(indicator=i):
            return f"indicator {i}"
        case m.SelPrinciple(principle=p):
            return f"principle {p}"
        case m.SelTopic(topic=t):
            return f"topic {t}"
        case m.SelList(ids=ids):
            return "[" + ", ".join(ids) + "]"
        case m.Union_(left=a, right=b):
            return f"{unparse_selection(a, False)} + {_sel_operand(b, m.Union_)}"
        case m.Except(left=a, right=b):
            return f"{unparse_selection(a, False)} except {_sel_operand(b, m.Except)}"
        case m.Within(left=a, right=b):
            left = unparse_selection(a, False)
            if isinstance(a, (m.Union_, m.Except)):
                left = f"({left})"
            return f"{left} within {_sel_operand(b, m.Within)}"
    raise TypeError(f"not a selection: {sel!r}")  # pragma: no cover


def _sel_operand(sel: m.Selection, parent: type) -> str:
    text = unparse_selection(sel, False)
    if isinstance(sel, (m.Union_, m.Except, m.Within)):
        return f"({text})"
    return text


def _credits(years: int | None) -> str:
    return "" if years is None else f" counting credits from the last {years} years"


def unparse_cond(cond: m.Cond) -> str:
    """A condition as it is written in a ruleset, with only the parentheses it needs."""
    return _cond(cond, 0)


# precedence: implies 1, or 2, and 3, not 4, atoms 5
def _cond(c: m.Cond, ctx: int) -> str:
    match c:
        case m.Implies(premise=a, conclusion=b):
            text, prec = f"{_cond(a, 2)} implies {_cond(b, 1)}", 1
        case m.Or(items=items):
            text, prec = " or ".join(_cond(i, 3 if isinstance(i, m.Or) else 2) for i in items), 2
            if any(isinstance(i, m.Or) for i in items):
                text = " or ".join(
                    _cond(i, 3) if isinstance(i, m.Or) else _cond(i, 2) for i in items
                )
        case m.And(items=items):
            text, prec = " and ".join(_cond(i, 4 if isinstance(i, m.And) else 3) for i in items), 3
        case m.Not(item=i):
            text, prec = f"not {_cond(i, 4)}", 4
        case m.Quantified(quant=q, selection=s, credit_years=y):
            text, prec = f"{q} of {unparse_selection(s)}{_credits(y)}", 5
        case m.AtLeast(n=n, selection=s, credit_years=y):
            text, prec = f"at least {n} of {unparse_selection(s)}{_credits(y)}", 5
        case m.AtMost(n=n, selection=s, credit_years=y):
            text, prec = f"at most {n} of {unparse_selection(s)}{_credits(y)}", 5
        case m.CountCmp(selection=s, op=op, n=n):
            text, prec = f"count of {unparse_selection(s)} {op} {n}", 5
        case m.LevelCmp(op=op, level=lv):
            text, prec = f"level {op} {lv}", 5
        case m.AwardRef(award=a):
            text, prec = f"award {a}", 5
        case m.FactTrue(fact=f):
            text, prec = f, 5
        case m.FactCmp(fact=f, op=op, value=v):
            text, prec = f"{f} {op} {_lit(v)}", 5
        case m.YearsSince(fact=f, op=op, n=n):
            text, prec = f"years since {f} {op} {n}", 5
        case m.Const(value=v):
            text, prec = ("true" if v else "false"), 5
        case _:  # pragma: no cover
            raise TypeError(f"not a condition: {c!r}")
    # A counted atom ends in a selection that may be followed by "+"/"except"
    # only inside brackets, so atoms never need parentheses.
    return f"({text})" if prec < ctx else text


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0

    def line(self, text: str = "") -> None:
        self.lines.append(("    " * self.depth + text) if text else "")

    def open(self, text: str) -> None:
        self.line(text + " {")
        self.depth += 1

    def close(self) -> None:
        self.depth -= 1
        self.line("}")

    def text_clause(self, keyword: str, value: str) -> None:
        quoted = _q(value)
        if "\n" in value:
            body = textwrap.indent(value, "    " * (self.depth + 1))
            quoted = '"""\n' + body + "\n" + "    " * self.depth + '"""'
        self.line(f"{keyword} {quoted}")

    def meta(self, meta: m.Meta) -> None:
        if meta.title is not None:
            self.text_clause("title", meta.title)
        if meta.doc is not None:
            self.text_clause("doc", meta.doc)
        for s in meta.sources:
            self.line(f"source {_q(s.reference)}" + (f" {s.confidence}" if s.confidence else ""))


def _has_meta(meta: m.Meta) -> bool:
    return bool(meta.title is not None or meta.doc is not None or meta.sources)


def _block_or_not(w: _Writer, head: str, meta: m.Meta) -> None:
    if _has_meta(meta):
        w.open(head)
        w.meta(meta)
        w.close()
    else:
        w.line(head)


def _member(w: _Writer, mem: m.Member) -> None:
    if isinstance(mem, m.Unnamed):
        _block_or_not(w, f"unnamed {mem.count} as {mem.id} in {mem.part}", mem.meta)
        return
    head = f"requirement {mem.id} in {mem.part}"
    if mem.by:
        head += " by " + ", ".join(mem.by)
    if mem.topic:
        head += f" topic {mem.topic}"
    w.open(head)
    w.text_clause("text", mem.text)
    w.meta(mem.meta)
    if mem.applies is not None:
        w.line(f"applies when {unparse_cond(mem.applies)}")
    if mem.maps is not None:
        w.line(f"maps to {unparse_selection(mem.maps)}")
    w.close()


def _item(w: _Writer, item: m.Item) -> None:
    match item:
        case m.Unnamed() | m.Requirement():
            _member(w, item)
        case m.Part() | m.Topic():
            word = "part" if isinstance(item, m.Part) else "topic"
            _block_or_not(w, f"{word} {item.id} {_q(item.title)}", item.meta)
        case m.Principle():
            w.open(f"principle {item.id} {_q(item.title)}")
            w.meta(item.meta)
            for ind in item.indicators:
                _indicator(w, ind)
            w.close()
        case m.Fact():
            head = f"fact {item.id}: {item.type}"
            if item.default is not None:
                head += f" default {_lit(item.default)}"
            _block_or_not(w, head, item.meta)
        case m.Level() | m.Award() | m.Invariant():
            if isinstance(item, m.Level):
                head, kw, cond = f"level {item.id} {_q(item.title)}", "requires", item.requires
            elif isinstance(item, m.Award):
                head = f"award {item.id} {item.kind} {_q(item.title)}"
                kw, cond = "requires", item.requires
            else:
                head, kw, cond = f"invariant {item.id} {_q(item.title)}", "holds", item.holds
            w.open(head)
            w.meta(item.meta)
            w.line(f"{kw} {unparse_cond(cond)}")
            w.close()
        case m.Example():
            w.open(f"example {_q(item.name)}")
            if item.doc is not None:
                w.text_clause("doc", item.doc)
            for g in item.givens:
                w.line(_given(g))
            for e in item.expects:
                if isinstance(e, m.ExpectLevel):
                    w.line(f"expect level {e.level}")
                else:
                    w.line(f"expect {'' if e.eligible else 'no '}award {e.award}")
            w.close()
        case m.Extend():
            w.open(f"extend indicator {item.indicator}")
            for mem in item.members:
                _member(w, mem)
            w.close()
        case m.Change():
            sub = _Writer()
            sub.depth = w.depth
            inner = item.item
            if isinstance(inner, m.Requirement):
                _member(sub, inner)
            else:
                _item(sub, inner)
            sub.lines[0] = "    " * w.depth + "change " + sub.lines[0].lstrip()
            w.lines.extend(sub.lines)
        case m.Remove():
            w.line(f"remove {item.kind} {item.id}")


def _indicator(w: _Writer, ind: m.Indicator) -> None:
    w.open(f"indicator {ind.id} {_q(ind.title)}")
    w.meta(ind.meta)
    if ind.maps is not None:
        w.line(f"maps to {unparse_selection(ind.maps)}")
    for mem in ind.members:
        _member(w, mem)
    w.close()


def _given(g: m.Given) -> str:
    match g:
        case m.GivenDate(date=d):
            return f"assessed on {d.isoformat()}"
        case m.GivenMet(selection=s, count=None):
            return f"met {unparse_selection(s)}"
        case m.GivenMet(selection=s, count=n):
            return f"met {n} of {unparse_selection(s)}"
        case m.GivenUnmet(selection=s):
            return f"unmet {unparse_selection(s)}"
        case m.GivenFact(fact=f, value=v):
            return f"fact {f} = {_lit(v)}"
        case m.GivenEarlier(date=d, selection=s):
            return f"earlier {d.isoformat()} met {unparse_selection(s)}"
    raise TypeError(f"not a given: {g!r}")  # pragma: no cover


def unparse(ruleset: m.Ruleset) -> str:
    """The ruleset as canonical text; ``parse(unparse(r)) == r``."""
    w = _Writer()
    w.line(f"ruleset {ruleset.name}")
    w.depth = 1
    w.meta(ruleset.meta)
    if ruleset.uses is not None:
        u = ruleset.uses
        w.line(f"uses {u.name}" + (f" {u.op} {u.version}" if u.op else ""))
    w.depth = 0
    for v in ruleset.versions:
        w.line()
        head = f"version {v.label} effective {v.effective.isoformat()}"
        if v.until is not None:
            head += f" until {v.until.isoformat()}"
        w.open(head)
        w.meta(v.meta)
        for item in v.items:
            w.line()
            _item(w, item)
        w.close()
    return "\n".join(w.lines) + "\n"
