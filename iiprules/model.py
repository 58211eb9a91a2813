"""The ruleset model: frozen attrs classes, one per construct of the language.

Input → output: nothing → the node classes that ``syntax`` builds and every
later stage reads.

This module imports nothing from iiprules and nothing from Lark, so that tests
and tools can build rulesets without parsing. Every node carries a ``span``
that is excluded from equality, so ``parse(unparse(r)) == r`` holds however the
text was laid out.
"""

from __future__ import annotations

import datetime as dt
from typing import Union

from attrs import field, frozen

#: Who gives the evidence for a requirement, in the order reviewers list them.
WHO = ("top_managers", "managers", "people", "representative_groups")
#: How sure a source is (domain.md's tags C, P, U, S, plus our own inferences and assumptions).
CONFIDENCE = ("confirmed", "partly", "unconfirmed", "seed", "inferred", "assumed")
#: The kinds of award the framework offers.
AWARD_KINDS = ("themed", "extended", "partner")
#: The types a fact about an organisation may have.
FACT_TYPES = ("boolean", "number", "date")
#: Comparison operators, as written.
CMP_OPS = (">=", "<=", "!=", "=", ">", "<")

Value = Union[bool, int, dt.date, str]


@frozen
class Span:
    """Where a node was written: a file, a start and an end position.

    The source text travels with the span so that any stage can render the
    offending line with a caret without going back to the file.
    """

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    source: str = field(default="", repr=False, eq=False)

    def line_text(self) -> str:
        """The text of the span's first line, without its newline."""
        lines = self.source.splitlines()
        if 1 <= self.line <= len(lines):
            return lines[self.line - 1]
        return ""


NO_SPAN = Span("<model>", 0, 0, 0, 0)


def _span() -> Span:
    # attrs' ``field`` is typed to return the attribute's type, as here: the span
    return field(default=NO_SPAN, eq=False, repr=False, kw_only=True)


# -- shared clauses -------------------------------------------------------------


@frozen
class Source:
    """Provenance: where a statement comes from and how sure that is."""

    reference: str
    confidence: str | None = None
    span: Span = _span()


@frozen
class Meta:
    """Title, doc text and sources, which every item may carry."""

    title: str | None = None
    doc: str | None = None
    sources: tuple[Source, ...] = ()
    span: Span = _span()
    #: Where the ``title`` and ``doc`` clauses were written (they hold plain
    #: strings, which carry no span); the formatter places comments by them.
    title_span: Span = _span()
    doc_span: Span = _span()


EMPTY_META = Meta()


@frozen
class Uses:
    """A reference to the ruleset this one builds on, with a version constraint."""

    name: str
    op: str | None = None
    version: str | None = None
    span: Span = _span()


@frozen
class Amends:
    """A proposal's base: the ruleset and the version it changes (``amends standard@2009``)."""

    name: str
    version: str
    span: Span = _span()


# -- selections -------------------------------------------------------------------


@frozen
class SelPart:
    """Every requirement of a part of the framework (e.g. the Standard)."""

    part: str
    span: Span = _span()


@frozen
class SelIndicator:
    """Every requirement under an indicator."""

    indicator: str
    span: Span = _span()


@frozen
class SelPrinciple:
    """Every requirement under the indicators of a principle."""

    principle: str
    span: Span = _span()


@frozen
class SelTopic:
    """Every requirement of a topic area."""

    topic: str
    span: Span = _span()


@frozen
class SelList:
    """An explicit list of requirement ids."""

    ids: tuple[str, ...]
    span: Span = _span()


@frozen
class Union_:
    """Requirements in either selection."""

    left: Selection
    right: Selection
    span: Span = _span()


@frozen
class Except:
    """Requirements in the left selection but not the right."""

    left: Selection
    right: Selection
    span: Span = _span()


@frozen
class Within:
    """Requirements in both selections (e.g. the wider framework within indicator 4)."""

    left: Selection
    right: Selection
    span: Span = _span()


Selection = Union[SelPart, SelIndicator, SelPrinciple, SelTopic, SelList, Union_, Except, Within]


# -- conditions -------------------------------------------------------------------


@frozen
class Quantified:
    """``all of`` / ``any of`` / ``none of`` a selection."""

    quant: str
    selection: Selection
    credit_years: int | None = None
    span: Span = _span()


@frozen
class AtLeast:
    """``at least N of`` a selection."""

    n: int
    selection: Selection
    credit_years: int | None = None
    span: Span = _span()


@frozen
class AtMost:
    """``at most N of`` a selection."""

    n: int
    selection: Selection
    credit_years: int | None = None
    span: Span = _span()


@frozen
class CountCmp:
    """``count of`` a selection compared with a number."""

    selection: Selection
    op: str
    n: int
    span: Span = _span()


@frozen
class LevelCmp:
    """The recognition level compared with a named level (levels are ordered)."""

    op: str
    level: str
    span: Span = _span()


@frozen
class AwardRef:
    """Holds when the named award is reached."""

    award: str
    span: Span = _span()


@frozen
class FactTrue:
    """Holds when a boolean fact about the organisation is true."""

    fact: str
    span: Span = _span()


@frozen
class FactCmp:
    """A fact about the organisation compared with a value."""

    fact: str
    op: str
    value: Value
    span: Span = _span()


@frozen
class YearsSince:
    """Whole years from a date fact to the assessment date, compared with a number."""

    fact: str
    op: str
    n: int
    span: Span = _span()


@frozen
class Const:
    """``true`` or ``false``."""

    value: bool
    span: Span = _span()


@frozen
class Not:
    """Negation."""

    item: Cond
    span: Span = _span()


@frozen
class And:
    """All of the conditions hold (flattened: ``a and b and c`` is one node)."""

    items: tuple[Cond, ...]
    span: Span = _span()


@frozen
class Or:
    """At least one of the conditions holds (flattened)."""

    items: tuple[Cond, ...]
    span: Span = _span()


@frozen
class Implies:
    """If the first condition holds, so does the second."""

    premise: Cond
    conclusion: Cond
    span: Span = _span()


Cond = Union[
    Quantified,
    AtLeast,
    AtMost,
    CountCmp,
    LevelCmp,
    AwardRef,
    FactTrue,
    FactCmp,
    YearsSince,
    Const,
    Not,
    And,
    Or,
    Implies,
]


# -- structure --------------------------------------------------------------------


@frozen
class Part:
    """A part of the framework: the Standard, the wider framework, a topic area."""

    id: str
    title: str
    meta: Meta = EMPTY_META
    span: Span = _span()


@frozen
class Topic:
    """A topic area (e.g. a new area of stretch)."""

    id: str
    title: str
    meta: Meta = EMPTY_META
    span: Span = _span()


@frozen
class Requirement:
    """An evidence requirement.

    ``maps`` makes it *derived*: it is met exactly when every requirement of
    the selection is met (the L&M Model's mapping onto the framework), and
    evidence cannot list it directly.
    """

    id: str
    part: str
    text: str
    by: tuple[str, ...] = ()
    topic: str | None = None
    meta: Meta = EMPTY_META
    applies: Cond | None = None
    maps: Selection | None = None
    span: Span = _span()
    text_span: Span = _span()


@frozen
class Unnamed:
    """A counted part of the framework whose requirements are not known by text.

    Evidence reports how many of them were met (``unnamed_met``), never which.
    """

    id: str
    count: int
    part: str
    meta: Meta = EMPTY_META
    span: Span = _span()


Member = Union[Requirement, Unnamed]


@frozen
class Indicator:
    """An indicator and the requirements under it."""

    id: str
    title: str
    meta: Meta = EMPTY_META
    maps: Selection | None = None
    members: tuple[Member, ...] = ()
    span: Span = _span()


@frozen
class Principle:
    """A principle (Plan, Do, Review) and its indicators."""

    id: str
    title: str
    meta: Meta = EMPTY_META
    indicators: tuple[Indicator, ...] = ()
    span: Span = _span()


@frozen
class Fact:
    """A fact about the organisation that conditions may use."""

    id: str
    type: str
    default: Value | None = None
    meta: Meta = EMPTY_META
    span: Span = _span()


@frozen
class Level:
    """A recognition level; levels are ordered by declaration, lowest first."""

    id: str
    title: str
    requires: Cond
    meta: Meta = EMPTY_META
    span: Span = _span()


@frozen
class Award:
    """An award of a kind (themed, extended, partner) and its eligibility condition."""

    id: str
    kind: str
    title: str
    requires: Cond
    meta: Meta = EMPTY_META
    span: Span = _span()


@frozen
class Invariant:
    """A condition that must hold for every organisation."""

    id: str
    title: str
    holds: Cond
    meta: Meta = EMPTY_META
    span: Span = _span()


# -- examples ---------------------------------------------------------------------


@frozen
class GivenDate:
    """The example's assessment date."""

    date: dt.date
    span: Span = _span()


@frozen
class GivenMet:
    """Requirements met: a whole selection, or its first ``count`` in declaration order."""

    selection: Selection
    count: int | None = None
    span: Span = _span()


@frozen
class GivenUnmet:
    """Requirements taken back out of the met set."""

    selection: Selection
    span: Span = _span()


@frozen
class GivenFact:
    """A fact's value."""

    fact: str
    value: Value
    span: Span = _span()


@frozen
class GivenEarlier:
    """An earlier assessment on a date, with the requirements it found met."""

    date: dt.date
    selection: Selection
    span: Span = _span()


Given = Union[GivenDate, GivenMet, GivenUnmet, GivenFact, GivenEarlier]


@frozen
class ExpectLevel:
    """The level the example must reach (``none`` for not recognised)."""

    level: str
    span: Span = _span()


@frozen
class ExpectAward:
    """Whether the example must be eligible for an award."""

    award: str
    eligible: bool
    span: Span = _span()


Expect = Union[ExpectLevel, ExpectAward]


@frozen
class Example:
    """An embedded test: an evidence set and the expected outcome."""

    name: str
    doc: str | None = None
    givens: tuple[Given, ...] = ()
    expects: tuple[Expect, ...] = ()
    span: Span = _span()
    doc_span: Span = _span()


# -- amendments -------------------------------------------------------------------


@frozen
class Extend:
    """A later version adds requirements under an existing indicator."""

    indicator: str
    members: tuple[Member, ...]
    span: Span = _span()


@frozen
class Change:
    """A later version replaces an existing item of the same kind and id."""

    item: Item
    span: Span = _span()


@frozen
class Remove:
    """A later version removes an item of a kind by its id."""

    kind: str
    id: str
    span: Span = _span()


Item = Union[
    Part,
    Topic,
    Principle,
    Requirement,
    Unnamed,
    Fact,
    Level,
    Award,
    Invariant,
    Example,
    Extend,
    Change,
    Remove,
]


@frozen
class Version:
    """One version of a ruleset and the dates it is in force."""

    label: str
    effective: dt.date
    until: dt.date | None = None
    meta: Meta = EMPTY_META
    items: tuple[Item, ...] = ()
    span: Span = _span()


# -- what the grammar ignores ------------------------------------------------------


@frozen
class Comment:
    """A ``#`` comment as written: its text (from the ``#``, trailing blanks cut) and place.

    ``own_line`` is True when nothing but blanks precedes it on its line; otherwise
    it ends a line of rules (an end-of-line comment).
    """

    text: str
    line: int
    column: int
    own_line: bool


@frozen
class Trivia:
    """What a reviewer wrote that the grammar ignores: comments and blank lines.

    Kept on the ``Ruleset`` (outside equality) rather than on each node: the
    formatter places each comment by its position relative to the nodes'
    spans, the way Ruff classifies comments as leading, trailing or dangling
    (see ``iiprules._syntax.printer``).
    """

    comments: tuple[Comment, ...] = ()
    blank_lines: frozenset[int] = frozenset()


NO_TRIVIA = Trivia()


@frozen
class Ruleset:
    """A ruleset file: a header and its versions, oldest first."""

    name: str
    versions: tuple[Version, ...]
    meta: Meta = EMPTY_META
    uses: Uses | None = None
    span: Span = _span()
    #: Set for a proposal: its first version amends this version of another ruleset.
    amends: Amends | None = field(default=None, kw_only=True)
    trivia: Trivia = field(default=NO_TRIVIA, eq=False, repr=False, kw_only=True)


#: The keyword each item kind is written with, for messages and ``remove``.
KIND_WORDS: dict[type, str] = {
    Part: "part",
    Topic: "topic",
    Principle: "principle",
    Indicator: "indicator",
    Requirement: "requirement",
    Unnamed: "requirement",
    Fact: "fact",
    Level: "level",
    Award: "award",
    Invariant: "invariant",
    Example: "example",
}
