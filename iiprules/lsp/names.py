"""Where names are in ruleset text: tokens, and each name's kind and role.

Input → output: ruleset text (any text, finished or not) → ``Token``s and
``Name``s (``requirement W4.1``, a declaration at line 12; ``part extended``, a
reference).

Why not the parse tree: an editor asks about a file mostly while it is broken,
half-typed, between two keystrokes. The parser gives nothing for such a file,
while every word of it still has an obvious meaning to a reader — ``W4.1``
inside ``[...]`` is a requirement, the word after ``level >=`` is a level. So
this module reads the text the way the contextual lexer does (the same
terminals as ``grammar/rules.lark``) and decides each name's kind from the
words before and after it. It never raises, whatever the input. A test checks
it against the parse tree of every packaged ruleset, so the two cannot drift.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Final

from attrs import frozen

#: The kinds of name the language has.
KINDS: Final = (
    "ruleset",
    "version",
    "part",
    "topic",
    "principle",
    "indicator",
    "requirement",
    "fact",
    "level",
    "award",
    "invariant",
)

#: Every keyword of the grammar (plain strings in ``grammar/rules.lark``).
KEYWORDS: Final = frozenset(
    """
    ruleset title doc source uses amends version effective until part topic principle indicator
    requirement in by text applies when maps to unnamed as fact default level requires award
    invariant holds example assessed on met of unmet earlier expect no extend change remove
    implies or and not at least most count years since counting credits from the last except
    within
    """.split()
)

#: Closed sets of words, each a keyword where the grammar wants one of them.
CONFIDENCE: Final = ("confirmed", "partly", "unconfirmed", "seed", "inferred", "assumed")
WHO: Final = ("top_managers", "managers", "people", "representative_groups")
AWARD_KINDS: Final = ("themed", "extended", "partner")
FACT_TYPES: Final = ("boolean", "number", "date")
QUANTS: Final = ("all", "any", "none")
BOOLS: Final = ("true", "false")
CONSTANTS: Final = frozenset(CONFIDENCE + WHO + AWARD_KINDS + FACT_TYPES + QUANTS + BOOLS)

#: Keywords that declare an item with the name after them.
_DECLARING: Final = frozenset(
    ("part", "topic", "principle", "indicator", "level", "award", "invariant")
)
#: Words that start an atom of a condition, so a name there is not a fact.
_ATOM_WORDS: Final = frozenset(("all", "any", "none", "at", "count", "level", "award", "years",
                                "true", "false", "not"))
#: Words after which a condition (or a sub-condition) starts.
_COND_START: Final = frozenset(("requires", "holds", "when", "and", "or", "not", "implies"))

_TOKEN_RE: Final = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>\"\"\"(?:.|\n)*?(?:\"\"\"|\Z)|"(?:[^"\\\n]|\\.)*(?:"|$))
  | (?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2}(?![A-Za-z0-9_.]))
  | (?P<word>[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)
  | (?P<op>>=|<=|!=|=|>|<|\+)
  | (?P<punct>[{}\[\](),:@])
  | (?P<other>.)
    """,
    re.VERBOSE | re.MULTILINE,
)


@frozen
class Token:
    """A token of the text: its kind, text and offsets (in characters)."""

    kind: str  # comment, string, date, word, op, punct, other
    text: str
    start: int
    end: int


@frozen
class Name:
    """A name written in the text, with its kind and whether it declares it.

    ``index`` is the position of its token in the token list, so callers can
    look at the words around it.
    """

    kind: str
    name: str
    token: Token
    declaration: bool
    index: int


@frozen
class Item:
    """A declared item for outlines and folding: kind, name, and the text it covers."""

    kind: str
    name: str
    name_token: Token
    start: int
    end: int
    children: tuple[Item, ...] = ()


def tokenize(text: str) -> list[Token]:
    """Split text into tokens (whitespace dropped); never raises."""
    out: list[Token] = []
    for mo in _TOKEN_RE.finditer(text):
        kind = mo.lastgroup or "other"
        if kind != "ws":
            out.append(Token(kind, mo.group(), mo.start(), mo.end()))
    return out


def _sig(tokens: Sequence[Token]) -> list[int]:
    """Indices of the tokens that matter for meaning (comments dropped)."""
    return [i for i, t in enumerate(tokens) if t.kind != "comment"]


class _View:
    """The significant tokens, with safe look-behind and look-ahead."""

    def __init__(self, tokens: Sequence[Token]) -> None:
        self.tokens = tokens
        self.order = _sig(tokens)

    def text(self, j: int) -> str:
        if 0 <= j < len(self.order):
            return self.tokens[self.order[j]].text
        return ""

    def kind(self, j: int) -> str:
        if 0 <= j < len(self.order):
            return self.tokens[self.order[j]].kind
        return ""


def classify(tokens: Sequence[Token]) -> list[Name]:
    """Every name in the tokens, with its kind and role; unknown words are left out."""
    v = _View(tokens)
    names: list[Name] = []
    in_list = False
    for j, i in enumerate(v.order):
        tok = tokens[i]
        if tok.kind == "punct":
            if tok.text == "[":
                in_list = True
            elif tok.text in "]{}":
                in_list = False
            continue
        if tok.kind != "word":
            continue
        found = _kind_of(v, j, in_list)
        if found is not None:
            kind, decl = found
            names.append(Name(kind, tok.text, tok, decl, i))
    return names


def _kind_of(v: _View, j: int, in_list: bool) -> tuple[str, bool] | None:
    prev, prev2, prev3 = v.text(j - 1), v.text(j - 2), v.text(j - 3)
    nxt = v.text(j + 1)
    word = v.text(j)
    if in_list and prev in ("[", ","):
        return "requirement", False
    if prev == "ruleset":
        return "ruleset", True
    if prev in ("uses", "amends"):
        return "ruleset", False
    if prev == "@" and prev3 == "amends":
        return "version", False
    if prev == "version" and nxt == "effective":
        return "version", True
    if prev3 == "uses" and v.kind(j - 1) == "op":
        return "version", False
    if prev == "remove":
        return None  # the kind word itself
    if prev2 == "remove" and prev in ("requirement", "level", "award", "fact", "part", "topic",
                                      "invariant"):
        return prev, False
    if prev == "requirement":
        return "requirement", True
    if prev == "as" and prev3 == "unnamed":
        return "requirement", True
    if prev == "in":
        return "part", False
    if prev == "fact":
        if nxt == ":":
            return "fact", True
        return "fact", False
    if prev == "since" and prev2 == "years":
        return "fact", False
    if prev == "award":
        if nxt in AWARD_KINDS and v.kind(j + 2) == "string" and prev2 != "expect":
            return "award", True
        return "award", False
    if prev in _DECLARING:
        if v.kind(j + 1) == "string" and prev2 not in ("expect", "extend"):
            return prev, True
        return prev, False
    if v.kind(j - 1) == "op" and prev2 == "level" and prev != "+":
        return "level", False
    if prev in _COND_START or (prev == "(" and prev2 in _COND_START | {"("}):
        if word not in _ATOM_WORDS and not (word == "none" and nxt == "of"):
            return "fact", False
    return None


def is_keyword_at(tokens: Sequence[Token], names_at: dict[int, Name], i: int) -> bool:
    """True when the word token at ``i`` is a keyword (not a name, number or constant)."""
    tok = tokens[i]
    return tok.kind == "word" and i not in names_at and tok.text in KEYWORDS


def block_ends(tokens: Sequence[Token]) -> dict[int, int]:
    """For each ``{`` token index, the index of its matching ``}`` (unclosed ones: the last)."""
    stack: list[int] = []
    out: dict[int, int] = {}
    for i, t in enumerate(tokens):
        if t.kind != "punct":
            continue
        if t.text == "{":
            stack.append(i)
        elif t.text == "}" and stack:
            out[stack.pop()] = i
    for i in stack:
        out[i] = len(tokens) - 1
    return out


#: Declaring words whose items appear in an outline, in the order a reader meets them.
OUTLINE_KINDS: Final = frozenset(("ruleset", "version", "part", "topic", "principle", "indicator",
                                  "requirement", "fact", "level", "award", "invariant"))


def items(tokens: Sequence[Token], names: Sequence[Name]) -> list[Item]:
    """The declared items as a tree (versions hold principles, which hold indicators...).

    Examples are items too, named by their text. An item runs from its keyword
    to the end of its block, or to its last token when it has no block.
    """
    ends = block_ends(tokens)
    starts: list[tuple[int, int, str, str, Token]] = []  # (start idx, end idx, kind, name, tok)
    decl_at = {n.index: n for n in names if n.declaration}
    for idx, tok in enumerate(tokens):
        n = decl_at.get(idx)
        if n is not None and n.kind in OUTLINE_KINDS:
            first = idx - 1
            while first > 0 and tokens[first].kind == "comment":
                first -= 1
            if n.kind == "requirement" and first > 0 and tokens[first].text == "as":
                first -= 3  # unnamed N as ID
            if first > 0 and tokens[first - 1].text == "change":
                first -= 1
            if n.kind == "ruleset":
                end = len(tokens) - 1
            else:
                end = _item_end(tokens, idx, ends)
            starts.append((max(first, 0), end, n.kind, n.name, tok))
        elif tok.kind == "word" and tok.text == "example" and idx + 1 < len(tokens) \
                and tokens[idx + 1].kind == "string":
            end = _item_end(tokens, idx + 1, ends)
            label = tokens[idx + 1].text.strip('"')
            starts.append((idx, end, "example", label, tokens[idx + 1]))
    return _nest(tokens, starts)


def _item_end(tokens: Sequence[Token], idx: int, ends: dict[int, int]) -> int:
    """The last token of the item whose name is at ``idx``."""
    k = idx + 1
    last = idx
    while k < len(tokens):
        t = tokens[k]
        if t.kind == "punct" and t.text == "{":
            return ends.get(k, len(tokens) - 1)
        if t.kind == "punct" and t.text == "}":
            return last
        if t.kind == "word" and t.text in _ITEM_STARTS and _starts_line(tokens, k):
            return last
        if t.kind != "comment":
            last = k
        k += 1
    return last


_ITEM_STARTS: Final = frozenset(("part", "topic", "principle", "indicator", "requirement",
                                 "unnamed", "fact", "level", "award", "invariant", "example",
                                 "extend", "change", "remove", "version"))


#: Words after which an item keyword continues a phrase (``all of part x``) instead of
#: starting an item.
_CONTINUES: Final = frozenset(("of", "expect", "no", "extend", "remove", "change", "(", "+",
                               "except", "within", "to", "and", "or", "not", "implies",
                               "requires", "holds", "when", "met", "unmet", "count", ","))


def _starts_line(tokens: Sequence[Token], k: int) -> bool:
    j = k - 1
    while j >= 0 and tokens[j].kind == "comment":
        j -= 1
    if j < 0:
        return True
    prev = tokens[j]
    return prev.kind != "op" and prev.text not in _CONTINUES


def _nest(tokens: Sequence[Token], flat: list[tuple[int, int, str, str, Token]]) -> list[Item]:
    flat.sort(key=lambda s: (s[0], -s[1]))

    def build(lo: int, hi: int, at: int) -> tuple[list[Item], int]:
        out: list[Item] = []
        while at < len(flat) and flat[at][0] >= lo and flat[at][0] <= hi:
            s, e, kind, name, tok = flat[at]
            children, at = build(s + 1, e, at + 1)
            out.append(Item(kind, name, tok, tokens[s].start, tokens[e].end, tuple(children)))
        return out, at

    result: list[Item] = []
    at = 0
    while at < len(flat):
        built, at = build(flat[at][0], len(tokens), at)
        result.extend(built)
        if not built:
            at += 1
    return result


def walk(items_: Sequence[Item]) -> Iterator[Item]:
    """Every item of the tree, parents first."""
    for it in items_:
        yield it
        yield from walk(it.children)
