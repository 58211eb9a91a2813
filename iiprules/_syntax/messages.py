"""Syntax errors in a reviewer's words, and reading on after one.

Input → output: a Lark ``UnexpectedInput`` and the text → a ``Diagnostic``
(code, message, caret span, hint) and, when the rest of the file can still be
read, a *repaired* text in which the broken item is blanked out (or the one
missing character supplied) so that the parser can report the next,
independent error. Positions never move: repairs replace characters one for
one and keep every newline.

Messages are chosen in this order, most specific first:

1. operators from other languages (``&&``, ``||``, ``=>``, ``==``, ``!``);
2. texts: single quotes, a text left open at the end of its line;
3. braces: a block left open (naming it and the line it opened on), a ``}``
   that closes nothing or closes a version early;
4. words written together (``atleast``) and misspelt keywords (``requirment``,
   ``prt``, ``confimed``, ``expects``) with "did you mean";
5. a table *by example* (Lark's ``match_examples``, Catala's
   ``parser.messages``): short wrong snippets, parsed once per process, give
   the parser state each slip leaves; an error in the same state gets that
   slip's message (a level without ``requires``, a count without ``of``…);
6. otherwise "unexpected X; expected …", the expected tokens grouped into
   the construct being written (a condition, a selection, an item…), most
   likely first.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping

from attrs import frozen
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from iiprules import model as m
from iiprules._syntax import scan
from iiprules.diagnostics import ERROR, Diagnostic

#: How many syntax errors one file reports before giving up.
MAX_SYNTAX_ERRORS = 20

#: Operators that other languages use, and what the rules language writes instead.
FOREIGN = {
    "&&": "and",
    "||": "or",
    "=>": "implies",
    "->": "implies",
    "==": "=",
    "&": "and",
    "|": "or",
    "!": "not",
}

#: Keyword phrases written as one word.
GLUED = {
    "atleast": "at least",
    "atmost": "at most",
    "countof": "count of",
    "allof": "all of",
    "anyof": "any of",
    "noneof": "none of",
    "yearssince": "years since",
    "mapsto": "maps to",
    "applieswhen": "applies when",
    "assessedon": "assessed on",
}

ITEMS = (
    "requirement", "level", "award", "part", "fact", "example", "principle", "indicator",
    "invariant", "topic", "unnamed", "extend", "change", "remove",
)  # fmt: skip
CLAUSES = ("title", "doc", "source", "uses", "version", "text", "applies", "maps", "requires",
           "holds", "effective", "until", "in", "by", "of", "as", "when", "to")
CONFIDENCE = ("confirmed", "partly", "unconfirmed", "seed", "inferred", "assumed")
CONDITION = {"ALL", "ANY", "NONE", "AT", "COUNT", "NOT", "LPAR", "YEARS"}
SELECTION = {"PART", "INDICATOR", "PRINCIPLE", "TOPIC", "LSQB"}
VALUE = {"TRUE", "FALSE", "INT", "DATE", "STRING"}
CONTINUATION = ("AND", "OR", "IMPLIES")

PUNCTUATION = {
    "LBRACE": "'{'", "RBRACE": "'}'", "LPAR": "'('", "RPAR": "')'", "LSQB": "'['",
    "RSQB": "']'", "COMMA": "','", "COLON": "':'", "EQUAL": "'='", "PLUS": "'+'",
}  # fmt: skip
TERMINALS = {
    "ID": "a name or id",
    "STRING": 'a quoted text ("...")',
    "INT": "a whole number",
    "DATE": "a date (YYYY-MM-DD)",
    "CMP": "a comparison (>=, >, =, !=, <, <=)",
    "$END": "the end of the file",
}


@frozen
class Slip:
    """A common slip the table recognises by the parser state it leaves."""

    code: str
    message: str  # may use {block} (e.g. "level bronze") and {found}
    hint: str
    examples: tuple[str, ...]


def _v(body: str) -> str:
    return f'ruleset r\nversion 1 effective 2000-01-01 {{\n    part p "P"\n{body}\n}}\n'


#: The table by example: each slip with snippets that make it.
SLIPS: dict[str, Slip] = {
    "missing_requires": Slip(
        "IIP108",
        "{block} has no condition: write 'requires' and the condition after its doc and "
        "sources",
        "e.g. requires level >= standard and at least 26 of part extended",
        (
            _v('level l "L" { }'),
            _v('level l "L" { source "s" seed }'),
            _v('level l "L" { all of part p }'),
            _v('award a themed "A" { doc "d" }'),
            _v('award a themed "A" { all of part p }'),
        ),
    ),
    "missing_holds": Slip(
        "IIP108",
        "{block} has no condition: write 'holds' and what must always be true",
        "e.g. holds level >= gold implies award lm_themed",
        (_v('invariant i "I" { }'), _v('invariant i "I" { level >= l implies award a }')),
    ),
    "missing_of": Slip(
        "IIP108",
        "a count needs 'of' before what it counts",
        "counts are written 'at least 26 of part extended'",
        (
            _v('level l "L" { requires at least 2 part p }'),
            _v('level l "L" { requires at most 2 part p }'),
            _v('level l "L" { requires all part p }'),
            _v('level l "L" { requires count part p >= 1 }'),
        ),
    ),
    "missing_in": Slip(
        "IIP108",
        "{block} does not say which part of the framework it belongs to",
        "every requirement says its part: 'requirement 1.1 in standard by top_managers {'",
        (
            _v('requirement 1.1 by managers { text "t" }'),
            _v('requirement 1.1 { text "t" }'),
        ),
    ),
    "missing_text": Slip(
        "IIP108",
        "{block} has no text: its block starts with text \"...\"",
        'e.g. text "Top managers make a commitment to support the development of people"',
        (_v('requirement 1.1 in p { source "s" seed }'), _v("requirement 1.1 in p { }")),
    ),
    "missing_effective": Slip(
        "IIP108",
        "a version says when it comes into force: 'effective' and a date",
        "e.g. version 2009 effective 2009-05-01 {",
        ("ruleset r\nversion 1 2000-01-01 {\n}\n", "ruleset r\nversion 1 {\n}\n"),
    ),
    "missing_version": Slip(
        "IIP108",
        "the ruleset has no version block",
        "a ruleset has at least one: version 2004 effective 2004-01-01 { ... }",
        ("ruleset r\n", 'ruleset r\n    title "t"\n'),
    ),
}


@frozen
class Context:
    """What the grammar offers for messages, computed once per process."""

    keywords: frozenset[str]
    by_state: Mapping[int, str]


def build_context(keywords: frozenset[str], try_parse: Callable[[str], object]) -> Context:
    """Parse each slip's examples and remember the parser state each one fails in.

    Args:
        keywords: every keyword of the grammar.
        try_parse: parses a text; raises Lark's ``UnexpectedInput`` on a syntax error.
    """
    by_state: dict[int, str] = {}
    for name, slip in SLIPS.items():
        for example in slip.examples:
            try:
                try_parse(example)
            except UnexpectedToken as exc:
                by_state.setdefault(exc.state.position, name)
            except UnexpectedInput:
                continue
    return Context(keywords, by_state)


@frozen
class Finding:
    """A syntax error, and the text to read on with (None: stop here)."""

    diagnostic: Diagnostic
    repaired: str | None
    pos: int


def _or_list(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


def expected_phrase(expected: set[str]) -> str:
    """The expected tokens as the construct being written, most likely first."""
    names = set(expected)
    parts: list[str] = []
    conf = [w for w in CONFIDENCE if w.upper() in names]
    if conf:
        parts.append("a confidence word (" + ", ".join(conf) + ")")
        names -= {w.upper() for w in conf}
    if {"AND", "OR"} <= names:
        parts.append("'and', 'or'" + (", 'implies'" if "IMPLIES" in names else ""))
        names -= set(CONTINUATION)
    if {"AT", "COUNT"} <= names:
        parts.append("a condition (all of, at least N of, count of, level >=, award, a fact, not)")
        names -= CONDITION | {"LEVEL", "AWARD", "ID", "TRUE", "FALSE"}
    if SELECTION <= names:
        parts.append("a selection (part, indicator, principle, topic, [ids])")
        names -= SELECTION | {"LPAR"}
    if {"TRUE", "INT", "DATE"} <= names:
        parts.append("a value (true, false, a number, a date, a quoted text)")
        names -= VALUE
    items = [w for w in ITEMS if w.upper() in names]
    clauses = [w for w in CLAUSES if w.upper() in names]
    names -= {w.upper() for w in items} | {w.upper() for w in clauses}
    parts.extend(f"'{w}'" for w in clauses)
    if len(items) > 3:
        parts.append("an item (" + ", ".join(items) + ")")
    else:
        parts.extend(f"'{w}'" for w in items)
    closing = "RBRACE" in names
    names.discard("RBRACE")
    for name in sorted(names):
        if name in TERMINALS:
            parts.append(TERMINALS[name])
        elif name in PUNCTUATION:
            parts.append(PUNCTUATION[name])
        elif name.isalpha() and name.isupper():
            parts.append(f"'{name.lower()}'")
    if closing:
        parts.append("'}'")
    if len(parts) > 6:
        parts = [*parts[:5], "…"]
    return _or_list(parts)


def _span(text: str, path: str, start: int, end: int) -> m.Span:
    line = text.count("\n", 0, start) + 1
    col = start - (text.rfind("\n", 0, start) + 1) + 1
    end = max(end, start + 1)
    same_line_end = text.find("\n", start)
    if same_line_end < 0:
        same_line_end = len(text)
    end = min(end, max(same_line_end, start + 1))
    return m.Span(path, line, col, line, col + (end - start), text)


def _end_span(text: str, path: str) -> m.Span:
    lines = text.splitlines() or [""]
    return m.Span(path, len(lines), len(lines[-1]) + 1, len(lines), len(lines[-1]) + 2, text)


def _position(exc: UnexpectedInput, text: str) -> int:
    if isinstance(exc, UnexpectedCharacters):
        return int(exc.pos_in_stream or 0)
    if isinstance(exc, UnexpectedToken):
        if exc.token.type == "$END":
            return len(text)
        return int(exc.token.start_pos or 0)
    return len(text)


def diagnose(
    exc: UnexpectedInput, text: str, path: str, ctx: Context, original: str | None = None
) -> Finding:
    """The diagnostic for a parse error, and the repaired text to read on with.

    Args:
        exc: the parser's exception.
        text: the text that was parsed (after earlier repairs).
        path: the file name for the span.
        ctx: the keyword set and the table by example.
        original: the text as written, shown in carets (defaults to ``text``).
    """
    shown = text if original is None else original
    pos = _position(exc, text)
    expected: set[str] = set(getattr(exc, "expected", None) or getattr(exc, "allowed", None) or ())
    sh = scan.shape(text)

    def make(
        code: str, message: str, start: int, end: int, hint: str | None, repaired: str | None
    ) -> Finding:
        span = _end_span(shown, path) if start >= len(text) else _span(shown, path, start, end)
        return Finding(Diagnostic(code, ERROR, message, span, hint), repaired, pos)

    def skip_item() -> str | None:
        region = scan.statement(text, sh, pos)
        if region is None:
            # Outside every version (the header): the clause is the whole line.
            line_start = text.rfind("\n", 0, pos) + 1
            line_end = text.find("\n", pos)
            region = (line_start, len(text) if line_end < 0 else line_end)
        return scan.blank(text, *region) if region[1] > region[0] else None

    # 1. operators from other languages
    for op in sorted(FOREIGN, key=len, reverse=True):
        for start in (pos, pos - 1):
            if start >= 0 and text.startswith(op, start) and (len(op) > 1 or start == pos):
                instead = FOREIGN[op]
                return make(
                    "IIP107",
                    f"'{op}' is not part of the rules language; write '{instead}'",
                    start, start + len(op),
                    f"conditions are written in words: and, or, not, implies "
                    f"(e.g. a {instead} b)" if instead in ("and", "or", "implies")
                    else f"write '{instead}'",
                    skip_item(),
                )  # fmt: skip

    # 2. texts
    char = text[pos] if pos < len(text) else ""
    if isinstance(exc, UnexpectedCharacters) and char == "'":
        return make(
            "IIP105", "texts are written in double quotes, not single quotes",
            pos, pos + 1, 'write "..." (or """...""" over several lines)', skip_item(),
        )  # fmt: skip
    if isinstance(exc, UnexpectedCharacters) and char == '"':
        line_end = text.find("\n", pos)
        line_end = len(text) if line_end < 0 else line_end
        return make(
            "IIP105", "this text is not closed: the line ends before its closing '\"'",
            pos, line_end,
            'end it with ", or write a text over several lines between """ and """',
            _close_text(text, pos, line_end),
        )  # fmt: skip

    # 3. braces
    tok_type = exc.token.type if isinstance(exc, UnexpectedToken) else ""
    if tok_type == "$END" or isinstance(exc, UnexpectedEOF):
        opened = scan.innermost(sh, len(text), len(text))
        if opened is not None and opened.close is None:
            return make(
                "IIP104",
                f"the file ends inside '{opened.describe()}', whose '{{' at line "
                f"{opened.line} is never closed",
                len(text), len(text), f"add the missing '}}' at the end of "
                f"'{opened.describe()}'", None,
            )  # fmt: skip
    if tok_type == "RBRACE" and pos in sh.stray:
        return make(
            "IIP106", "this '}' closes no block", pos, pos + 1,
            "remove it, or add the '{' it was meant to close", scan.blank(text, pos, pos + 1),
        )  # fmt: skip
    word_start, word_end = scan.word_at(text, pos)
    word = text[word_start:word_end]
    line_start = text.rfind("\n", 0, pos) + 1
    starts_line = not text[line_start:pos].strip()
    if starts_line and (tok_type.lower() in ITEMS or tok_type == "VERSION"):
        inside = scan.innermost(sh, pos, len(text))
        if inside is not None and (inside.keyword not in scan.CONTAINERS or word == "version"):
            return make(
                "IIP104",
                f"'{inside.describe()}' (opened at line {inside.line}) is not closed before "
                f"this '{word}'",
                word_start, word_end, f"add '}}' at the end of '{inside.describe()}'",
                _close_before(text, pos),
            )  # fmt: skip
        early = _closed_early(text, sh, pos)
        if early is not None and expected <= {"VERSION", "$END"}:
            return make(
                "IIP106",
                f"this '}}' ends '{early.describe()}' (opened at line {early.line}) before its "
                "items do",
                early.close or 0, (early.close or 0) + 1,
                "remove it: the items after it fall outside any version",
                scan.blank(text, early.close or 0, (early.close or 0) + 1),
            )  # fmt: skip

    # 4. glued and misspelt words
    for w_start, w_end in ((word_start, word_end), _previous_word(text, pos)):
        w = text[w_start:w_end]
        if w.lower() in GLUED:
            return make(
                "IIP102", f"'{w}' is two words: write '{GLUED[w.lower()]}'",
                w_start, w_end, f"e.g. {GLUED[w.lower()]} 26 of part extended"
                if w.lower() in ("atleast", "atmost") else None, skip_item(),
            )  # fmt: skip
    if word and word not in ctx.keywords and not word[0].isdigit():
        wanted = sorted(
            e.lower() for e in expected if e.isalpha() and e.lower() in ctx.keywords
        )
        close = difflib.get_close_matches(word, wanted, n=2, cutoff=0.6) or (
            # A word glued to a keyword ('expects') is lexed as that keyword and a
            # stray tail, so the state has moved on: look among every keyword.
            difflib.get_close_matches(word, sorted(ctx.keywords), n=1, cutoff=0.8)
        )
        if close:
            # Mid-word (a keyword lexed off its front) the parser's state is past the
            # word's start, so its expected tokens would mislead.
            phrase = expected_phrase(expected) if word_start == pos else ""
            return make(
                "IIP102",
                f"unknown word '{word}'" + (f"; expected {phrase}" if phrase else ""),
                word_start, word_end,
                "did you mean " + " or ".join(f"'{c}'" for c in close) + "?", skip_item(),
            )  # fmt: skip

    # 5. the table by example
    if isinstance(exc, UnexpectedToken):
        name = ctx.by_state.get(exc.state.position)
        if name is not None:
            slip = SLIPS[name]
            inside = _being_written(text, sh, pos)
            block = f"'{inside.describe()}'" if inside is not None else "this item"
            start, end = (word_start, word_end) if word else (pos, pos + 1)
            if tok_type == "$END":
                start = end = len(text)
            message = slip.message.format(block=block, found=word or char)
            return make(slip.code, message, start, end, slip.hint, skip_item())

    # 6. the general case
    if isinstance(exc, UnexpectedToken) and tok_type != "$END":
        found = f"'{exc.token}'"
        start, end = pos, pos + max(len(str(exc.token)), 1)
        if word:
            found, start, end = f"'{word}'", word_start, word_end
    elif isinstance(exc, UnexpectedCharacters):
        found, start, end = f"character '{char}'", pos, pos + 1
    else:
        found, start, end = "end of the file", len(text), len(text)
    phrase = expected_phrase(expected)
    message = f"unexpected {found}" + (f"; expected {phrase}" if phrase else "")
    return make("IIP101", message, start, end, None, skip_item() if start < len(text) else None)


def _being_written(text: str, sh: scan.Shape, pos: int) -> scan.Block | None:
    """The block whose header holds ``pos`` (its '{' later on the line), else the innermost."""
    line_end = text.find("\n", pos)
    line_end = len(text) if line_end < 0 else line_end
    for b in sh.blocks:
        if pos <= b.open < line_end and text.rfind("\n", 0, b.open) < pos:
            return b
    return scan.innermost(sh, pos, len(text))


def _previous_word(text: str, pos: int) -> tuple[int, int]:
    i = pos
    while i > 0 and text[i - 1] in " \t":
        i -= 1
    if i == pos and i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_"):
        return (0, 0)  # touching: the word at pos already covers it
    return scan.word_at(text, i - 1) if i > 0 else (0, 0)


def _close_text(text: str, pos: int, line_end: int) -> str | None:
    """Supply the missing closing quote in place of one character of the same line."""
    body = text[pos + 1 : line_end].rstrip()
    if not body:
        return None
    if body.endswith(" {"):
        return scan.replace_char(text, pos + len(body) - 1, '"')  # '"Title {' → '"Title"{'
    after = pos + 1 + len(body)
    if after < line_end:
        return scan.replace_char(text, after, '"')  # in the trailing blank
    return scan.replace_char(text, after - 1, '"')  # over its last character


def _close_before(text: str, pos: int) -> str | None:
    """Put the missing '}' in the indentation just before ``pos``."""
    if pos > 0 and text[pos - 1] in " \t":
        return scan.replace_char(text, pos - 1, "}")
    return None


def _indent(text: str, pos: int) -> int:
    start = text.rfind("\n", 0, pos) + 1
    line = text[start:]
    return len(line) - len(line.lstrip(" \t"))


def _closed_early(text: str, sh: scan.Shape, pos: int) -> scan.Block | None:
    """The version whose '}' came before ``pos`` although indented deeper than its header."""
    before = [
        b for b in sh.blocks if b.keyword == "version" and b.close is not None and b.close < pos
    ]
    if not before:
        return None
    last = max(before, key=lambda b: b.close or 0)
    return last if _indent(text, last.close or 0) > _indent(text, last.open) else None
