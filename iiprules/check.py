"""Check: model → versions resolved and checked, or diagnostics.

Input → output: a parsed ``model.Ruleset`` (and a ``Library`` to find the
rulesets it uses) → ``CheckResult`` holding every diagnostic, sorted by
position, and a ``CheckedRuleset`` when there are no errors.

First the versions are *resolved*: the first version declares, each later one
amends, and resolving yields a ``Snapshot`` per version — the full content in
force from its effective date. Then an ordered tuple of named passes runs over
each snapshot (merged with the snapshot of the ruleset it uses). All passes run,
so a reviewer sees every problem at once. A ``CheckedRuleset`` is what the
evaluator accepts: names resolved, types consistent, no cycles, nesting bounded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import attrs
from attrs import field, frozen

from iiprules import model as m
from iiprules.diagnostics import ERROR, WARNING, Diagnostic, did_you_mean
from iiprules.syntax import unparse_selection

#: Deepest nesting of conditions and selections the evaluator accepts.
MAX_DEPTH = 64

#: Facts every ruleset can use without declaring them; the evaluator computes them
#: from the evidence (its date and its earlier assessments).
BUILTIN_FACTS: dict[str, m.Fact] = {
    "assessed_on": m.Fact("assessed_on", "date", None, m.Meta(doc="The date of the assessment.")),
    "previous_assessed_on": m.Fact(
        "previous_assessed_on",
        "date",
        None,
        m.Meta(doc="The date of the latest earlier assessment; unknown without history."),
    ),
    "recognised_since": m.Fact(
        "recognised_since",
        "date",
        None,
        m.Meta(
            doc="The date of the first of the unbroken run of earlier recognitions (each "
            "earlier assessment recognised at some level, each within 3 years of the next, "
            "the latest within 3 years of this assessment); unknown when there is none."
        ),
    ),
    "consecutive_recognitions": m.Fact(
        "consecutive_recognitions",
        "number",
        0,
        m.Meta(doc="How many earlier assessments form that unbroken run of recognitions."),
    ),
}

#: Gap between assessments after which a recognition has lapsed (domain.md §2, [C]).
RECOGNITION_YEARS = 3


# -- resolved versions ------------------------------------------------------------


@frozen
class IndicatorInfo:
    """An indicator as resolved: its node and the principle it sits under."""

    node: m.Indicator
    principle: str | None
    ruleset: str


@frozen
class ReqInfo:
    """A requirement (or unnamed group) as resolved, with where it sits."""

    node: m.Requirement | m.Unnamed
    indicator: str | None
    principle: str | None
    ruleset: str

    @property
    def id(self) -> str:
        """The requirement's id."""
        return self.node.id

    @property
    def maps(self) -> m.Selection | None:
        """The mapping that derives it, its own or its indicator's."""
        return self.node.maps if isinstance(self.node, m.Requirement) else None


@frozen(eq=False)
class Snapshot:
    """The full content of one version of a ruleset, amendments applied.

    A snapshot merged with the snapshot of the ruleset it uses (``merge``) is
    what conditions are checked and evaluated against.
    """

    ruleset: str
    label: str
    effective: dt.date
    until: dt.date | None
    meta: m.Meta
    version_node: m.Version = field(eq=False, repr=False)
    parts: Mapping[str, m.Part] = field(factory=dict, repr=False)
    topics: Mapping[str, m.Topic] = field(factory=dict, repr=False)
    principles: Mapping[str, m.Principle] = field(factory=dict, repr=False)
    indicators: Mapping[str, IndicatorInfo] = field(factory=dict, repr=False)
    requirements: Mapping[str, ReqInfo] = field(factory=dict, repr=False)
    facts: Mapping[str, m.Fact] = field(factory=dict, repr=False)
    levels: tuple[m.Level, ...] = field(default=(), repr=False)
    awards: tuple[m.Award, ...] = field(default=(), repr=False)
    invariants: tuple[m.Invariant, ...] = field(default=(), repr=False)
    examples: tuple[m.Example, ...] = field(default=(), repr=False)
    base: Snapshot | None = field(default=None, repr=False)

    @property
    def key(self) -> str:
        """``name@version``, as the CLI writes it."""
        return f"{self.ruleset}@{self.label}"

    def in_force(self, on: dt.date) -> bool:
        """True when this version is in force on the date."""
        return self.effective <= on and (self.until is None or on <= self.until)

    def level_index(self, level: str) -> int:
        """The rank of a level (0 for the lowest); -1 for ``none``."""
        for i, lv in enumerate(self.levels):
            if lv.id == level:
                return i
        return -1


def merge(base: Snapshot | None, own: Snapshot) -> Snapshot:
    """The namespace a version's conditions see: the used ruleset's items, then its own."""
    if base is None:
        return own
    return attrs.evolve(
        own,
        parts={**base.parts, **own.parts},
        topics={**base.topics, **own.topics},
        principles={**base.principles, **own.principles},
        indicators={**base.indicators, **own.indicators},
        requirements={**base.requirements, **own.requirements},
        facts={**base.facts, **own.facts},
        levels=base.levels + own.levels,
        awards=base.awards + own.awards,
        invariants=base.invariants + own.invariants,
        examples=own.examples,
        base=base,
    )


# -- results ------------------------------------------------------------------------


@frozen(eq=False)
class CheckedRuleset:
    """A ruleset that passed the checker: the only input the evaluator accepts."""

    model: m.Ruleset
    path: str
    snapshots: tuple[Snapshot, ...]
    base: CheckedRuleset | None = None
    warnings: tuple[Diagnostic, ...] = ()

    @property
    def name(self) -> str:
        """The ruleset's name."""
        return self.model.name

    def version(self, label: str) -> Snapshot:
        """The snapshot of a version by its label.

        Raises:
            KeyError: no version has that label.
        """
        for s in self.snapshots:
            if s.label == label:
                return s
        raise KeyError(label)

    def in_force(self, on: dt.date) -> Snapshot | None:
        """The snapshot in force on a date, or None."""
        for s in self.snapshots:
            if s.in_force(on):
                return s
        return None

    def base_for(self, own: Snapshot, on: dt.date | None = None) -> Snapshot | None:
        """The version of the used ruleset that ``own`` builds on (on a date, if given)."""
        if self.base is None or self.model.uses is None:
            return None
        candidates = [s for s in self.base.snapshots if satisfies(s.label, self.model.uses)]
        if on is not None:
            dated = [s for s in candidates if s.in_force(on)]
            if dated:
                return dated[-1]
            return None
        # Undated (e.g. ``--ruleset lm_theme@2009``): the newest version in force
        # while ``own`` is, else the newest satisfying the constraint.
        during = [
            s
            for s in candidates
            if own.effective <= (s.until or dt.date.max)
            and (own.until is None or s.effective <= own.until)
        ]
        chosen = during or candidates
        return chosen[-1] if chosen else None

    def scope(self, own: Snapshot, on: dt.date | None = None) -> Snapshot:
        """``own`` merged with the version of the used ruleset it builds on."""
        return merge(self.base_for(own, on), own)


@frozen
class CheckResult:
    """Every diagnostic, sorted by position; ``checked`` is None when any is an error."""

    diagnostics: tuple[Diagnostic, ...]
    checked: CheckedRuleset | None

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        """The diagnostics that are errors."""
        return tuple(d for d in self.diagnostics if d.is_error)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        """The diagnostics that are warnings."""
        return tuple(d for d in self.diagnostics if not d.is_error)

    @property
    def ok(self) -> bool:
        """True when there are no errors."""
        return not self.errors


class Library:
    """Finds rulesets by name for ``uses`` (the packaged ones, or a folder's)."""

    def __init__(self, finder: Callable[[str], CheckedRuleset | None] | None = None) -> None:
        self._finder = finder

    def find(self, name: str) -> CheckedRuleset | None:
        """The checked ruleset of that name, or None."""
        return self._finder(name) if self._finder else None


# -- version constraints --------------------------------------------------------------


def _version_key(label: str) -> tuple[Any, ...]:
    parts: list[Any] = []
    for piece in label.replace("-", ".").split("."):
        parts.append((0, int(piece), "") if piece.isdigit() else (1, 0, piece))
    return tuple(parts)


def satisfies(label: str, uses: m.Uses) -> bool:
    """True when a version label satisfies the constraint of a ``uses`` clause."""
    if uses.op is None or uses.version is None:
        return True
    a, b = _version_key(label), _version_key(uses.version)
    return {
        ">=": a >= b,
        ">": a > b,
        "<=": a <= b,
        "<": a < b,
        "=": a == b,
        "!=": a != b,
    }[uses.op]


# -- the checker ----------------------------------------------------------------------


class _Sink:
    def __init__(self) -> None:
        self.items: dict[tuple[Any, ...], Diagnostic] = {}

    def error(self, code: str, message: str, span: m.Span | None, hint: str | None = None) -> None:
        self._add(Diagnostic(code, ERROR, message, _real(span), hint))

    def warning(
        self, code: str, message: str, span: m.Span | None, hint: str | None = None
    ) -> None:
        self._add(Diagnostic(code, WARNING, message, _real(span), hint))

    def _add(self, d: Diagnostic) -> None:
        # The same problem seen through several versions is reported once.
        self.items.setdefault((d.code, d.message, d.sort_key()), d)


def _real(span: m.Span | None) -> m.Span | None:
    if span is None or span.line == 0:
        return None
    return span


def id_span(node: Any) -> m.Span:
    """The span of an item narrowed to its id on its first line, for a precise caret."""
    span: m.Span = node.span
    ident = getattr(node, "id", None)
    if not ident or span.line == 0:
        return span
    text = span.line_text()
    at = text.find(f" {ident}", max(span.column - 1, 0))
    if at < 0:
        return span
    col = at + 2
    return attrs.evolve(span, column=col, end_line=span.line, end_column=col + len(ident))


def check(
    ruleset: m.Ruleset, library: Library | None = None, path: str | None = None
) -> CheckResult:
    """Check a parsed ruleset.

    Args:
        ruleset: the parsed model.
        library: finds the ruleset named in ``uses``; without one, ``uses`` is an error.
        path: the file name, for the result (defaults to the spans' path).

    Returns:
        Every diagnostic, and the ``CheckedRuleset`` when none is an error.
    """
    sink = _Sink()
    library = library or Library()
    base: CheckedRuleset | None = None
    if ruleset.uses is not None:
        base = _check_uses(ruleset, library, sink)
    snapshots = _resolve(ruleset, sink)
    if ruleset.uses is not None and base is None:
        # Without the ruleset it builds on, every name taken from it would be
        # reported as unknown; the 'uses' error above is the one to fix first.
        snapshots_to_check: list[Snapshot] = []
    else:
        snapshots_to_check = snapshots
    for snap in snapshots_to_check:
        bases = _bases(ruleset, base, snap)
        for b in bases or [None]:
            scope = merge(b, snap)
            for _name, check_pass in PASSES:
                check_pass(scope, snap, sink)
    if snapshots_to_check:
        _pass_unused(ruleset, base, snapshots, sink)
    diagnostics = tuple(sorted(sink.items.values(), key=Diagnostic.sort_key))
    errors = [d for d in diagnostics if d.is_error]
    checked = None
    if not errors:
        checked = CheckedRuleset(
            ruleset,
            path or ruleset.span.path,
            tuple(snapshots),
            base,
            tuple(d for d in diagnostics if not d.is_error),
        )
    return CheckResult(diagnostics, checked)


def _check_uses(ruleset: m.Ruleset, library: Library, sink: _Sink) -> CheckedRuleset | None:
    uses = ruleset.uses
    assert uses is not None  # guarded by the caller, not user input
    if uses.name == ruleset.name:
        sink.error(
            "IIP211",
            f"ruleset '{ruleset.name}' uses itself",
            uses.span,
            "a ruleset builds on another one, e.g. 'uses standard >= 2009'",
        )
        return None
    base = library.find(uses.name)
    if base is None:
        sink.error(
            "IIP210",
            f"unknown ruleset '{uses.name}'",
            uses.span,
            "the used ruleset must be packaged or sit in the same folder",
        )
        return None
    if not any(satisfies(s.label, uses) for s in base.snapshots):
        have = ", ".join(s.label for s in base.snapshots)
        sink.error(
            "IIP212",
            f"no version of '{uses.name}' satisfies {uses.op} {uses.version}",
            uses.span,
            f"'{uses.name}' has versions {have}",
        )
        return None
    return base


def _bases(ruleset: m.Ruleset, base: CheckedRuleset | None, snap: Snapshot) -> list[Snapshot]:
    if base is None or ruleset.uses is None:
        return []
    return [s for s in base.snapshots if satisfies(s.label, ruleset.uses)]


# -- pass 0: resolving versions -------------------------------------------------------


def _resolve(ruleset: m.Ruleset, sink: _Sink) -> list[Snapshot]:
    """Apply each version's items to the previous version's content."""
    snaps: list[Snapshot] = []
    seen_labels: dict[str, m.Version] = {}
    state = _State(ruleset.name)
    for i, version in enumerate(ruleset.versions):
        if version.label in seen_labels:
            sink.error(
                "IIP202",
                f"duplicate version '{version.label}'",
                version.span,
                "each version needs its own label",
            )
        seen_labels[version.label] = version
        nxt = ruleset.versions[i + 1] if i + 1 < len(ruleset.versions) else None
        until = version.until
        if until is not None and until < version.effective:
            sink.error(
                "IIP203",
                f"version {version.label} ends ({until}) before it starts ({version.effective})",
                version.span,
            )
        if nxt is not None:
            if nxt.effective <= version.effective:
                sink.error(
                    "IIP203",
                    f"version {nxt.label} starts on {nxt.effective}, not after "
                    f"version {version.label} ({version.effective})",
                    nxt.span,
                    "versions are written oldest first, with increasing effective dates",
                )
            elif until is not None and until >= nxt.effective:
                sink.error(
                    "IIP204",
                    f"version {version.label} (until {until}) overlaps version "
                    f"{nxt.label} (from {nxt.effective})",
                    version.span,
                    f"end version {version.label} on {nxt.effective - dt.timedelta(days=1)}",
                )
            elif until is not None and until + dt.timedelta(days=1) < nxt.effective:
                sink.error(
                    "IIP205",
                    f"no version is in force from {until + dt.timedelta(days=1)} "
                    f"to {nxt.effective - dt.timedelta(days=1)}",
                    version.span,
                    "remove 'until' or make the next version start the day after",
                )
            if until is None and nxt.effective > version.effective:
                until = nxt.effective - dt.timedelta(days=1)
        state.apply(version, first=(i == 0), sink=sink)
        snaps.append(state.snapshot(version, until))
    return snaps


class _State:
    """The content in force while versions are applied one after the other."""

    def __init__(self, ruleset: str) -> None:
        self.ruleset = ruleset
        self.parts: dict[str, m.Part] = {}
        self.topics: dict[str, m.Topic] = {}
        self.principles: dict[str, m.Principle] = {}
        self.indicators: dict[str, IndicatorInfo] = {}
        self.requirements: dict[str, ReqInfo] = {}
        self.facts: dict[str, m.Fact] = {}
        self.levels: dict[str, m.Level] = {}
        self.awards: dict[str, m.Award] = {}
        self.invariants: dict[str, m.Invariant] = {}
        self.examples: list[m.Example] = []

    def snapshot(self, version: m.Version, until: dt.date | None) -> Snapshot:
        return Snapshot(
            self.ruleset,
            version.label,
            version.effective,
            until,
            version.meta,
            version,
            dict(self.parts),
            dict(self.topics),
            dict(self.principles),
            dict(self.indicators),
            dict(self.requirements),
            dict(self.facts),
            tuple(self.levels.values()),
            tuple(self.awards.values()),
            tuple(self.invariants.values()),
            tuple(self.examples),
        )

    def _table(self, item: Any) -> tuple[dict[str, Any], str]:
        match item:
            case m.Part():
                return self.parts, "part"
            case m.Topic():
                return self.topics, "topic"
            case m.Fact():
                return self.facts, "fact"
            case m.Level():
                return self.levels, "level"
            case m.Award():
                return self.awards, "award"
            case m.Invariant():
                return self.invariants, "invariant"
        raise TypeError(item)  # pragma: no cover

    def apply(self, version: m.Version, first: bool, sink: _Sink) -> None:
        # Examples belong to the version that declares them (they run on the
        # version in force on their date), so they are not carried forward.
        self.examples = []
        for item in version.items:
            match item:
                case m.Part() | m.Topic() | m.Fact() | m.Level() | m.Award() | m.Invariant():
                    table, word = self._table(item)
                    self._declare(table, word, item, sink)
                case m.Principle():
                    self._principle(item, sink)
                case m.Unnamed() | m.Requirement():
                    self._member(item, None, None, sink)
                case m.Example():
                    if any(e.name == item.name for e in self.examples):
                        sink.error("IIP201", f"duplicate example '{item.name}'", item.span)
                    self.examples.append(item)
                case m.Extend():
                    info = self.indicators.get(item.indicator)
                    if info is None:
                        sink.error(
                            "IIP206",
                            f"'extend' names unknown indicator '{item.indicator}'",
                            item.span,
                            did_you_mean(item.indicator, self.indicators),
                        )
                        continue
                    for mem in item.members:
                        self._member(mem, item.indicator, info.principle, sink)
                case m.Change():
                    self._change(item, sink)
                case m.Remove():
                    self._remove(item, sink)

    def _declare(self, table: dict[str, Any], word: str, item: Any, sink: _Sink) -> None:
        if item.id in table:
            prev = table[item.id]
            sink.error(
                "IIP201",
                f"duplicate {word} '{item.id}'",
                id_span(item),
                _first_declared(word, item.id, prev.span)
                + f"; to replace it in a later version write 'change {word} ...'",
            )
            return
        table[item.id] = item

    def _principle(self, p: m.Principle, sink: _Sink) -> None:
        if p.id in self.principles:
            sink.error(
                "IIP201",
                f"duplicate principle '{p.id}'",
                id_span(p),
                _first_declared("principle", p.id, self.principles[p.id].span),
            )
            return
        self.principles[p.id] = p
        for ind in p.indicators:
            if ind.id in self.indicators:
                sink.error(
                    "IIP201",
                    f"duplicate indicator '{ind.id}'",
                    id_span(ind),
                    _first_declared("indicator", ind.id, self.indicators[ind.id].node.span),
                )
                continue
            self.indicators[ind.id] = IndicatorInfo(ind, p.id, self.ruleset)
            for mem in ind.members:
                self._member(mem, ind.id, p.id, sink)

    def _member(
        self, mem: m.Member, indicator: str | None, principle: str | None, sink: _Sink
    ) -> None:
        if mem.id in self.requirements:
            sink.error(
                "IIP201",
                f"duplicate requirement '{mem.id}'",
                id_span(mem),
                _first_declared("requirement", mem.id, self.requirements[mem.id].node.span),
            )
            return
        if isinstance(mem, m.Requirement) and mem.maps is None and indicator is not None:
            ind = self.indicators[indicator].node
            if ind.maps is not None:
                mem = attrs.evolve(mem, maps=ind.maps)
        self.requirements[mem.id] = ReqInfo(mem, indicator, principle, self.ruleset)

    def _change(self, ch: m.Change, sink: _Sink) -> None:
        item = ch.item
        if isinstance(item, m.Requirement):
            old = self.requirements.get(item.id)
            if old is None:
                sink.error(
                    "IIP207",
                    f"'change' names unknown requirement '{item.id}'",
                    ch.span,
                    did_you_mean(item.id, self.requirements)
                    or "to add a requirement, write it under 'extend indicator ...'",
                )
                return
            self.requirements[item.id] = attrs.evolve(old, node=item)
            return
        table, word = self._table(item)
        if item.id not in table:
            sink.error(
                "IIP207",
                f"'change' names unknown {word} '{item.id}'",
                ch.span,
                did_you_mean(item.id, table) or f"to add a {word}, declare it without 'change'",
            )
            return
        table[item.id] = item

    def _remove(self, rm: m.Remove, sink: _Sink) -> None:
        tables: dict[str, dict[str, Any]] = {
            "requirement": self.requirements,
            "part": self.parts,
            "topic": self.topics,
            "fact": self.facts,
            "level": self.levels,
            "award": self.awards,
            "invariant": self.invariants,
        }
        table = tables[rm.kind]
        if rm.id not in table:
            sink.error(
                "IIP207",
                f"'remove' names unknown {rm.kind} '{rm.id}'",
                rm.span,
                did_you_mean(rm.id, table),
            )
            return
        del table[rm.id]


def _first_declared(word: str, id_: str, span: m.Span) -> str:
    if span.line:
        return f"{word} '{id_}' is first declared at line {span.line}"
    return f"{word} '{id_}' is already declared"


# -- helpers over conditions and selections -------------------------------------------


def walk_cond(cond: m.Cond) -> Iterator[m.Cond]:
    """Every condition node under ``cond`` (itself included), without recursion."""
    stack = [cond]
    while stack:
        c = stack.pop()
        yield c
        match c:
            case m.And(items=items) | m.Or(items=items):
                stack.extend(reversed(items))
            case m.Not(item=i):
                stack.append(i)
            case m.Implies(premise=a, conclusion=b):
                stack.extend((b, a))


def cond_selections(cond: m.Cond) -> Iterator[m.Selection]:
    """The selections a condition counts over."""
    for c in walk_cond(cond):
        if isinstance(c, (m.Quantified, m.AtLeast, m.AtMost, m.CountCmp)):
            yield c.selection


def walk_selection(sel: m.Selection) -> Iterator[m.Selection]:
    """Every selection node under ``sel``, without recursion."""
    stack = [sel]
    while stack:
        s = stack.pop()
        yield s
        if isinstance(s, (m.Union_, m.Except, m.Within)):
            stack.extend((s.right, s.left))


def depth(node: Any) -> int:
    """Nesting depth of a condition or selection, computed without recursion."""
    best = 0
    stack = [(node, 1)]
    while stack:
        n, d = stack.pop()
        best = max(best, d)
        match n:
            case m.And(items=items) | m.Or(items=items):
                stack.extend((i, d + 1) for i in items)
            case m.Not(item=i):
                stack.append((i, d + 1))
            case m.Implies(premise=a, conclusion=b):
                stack.extend(((a, d + 1), (b, d + 1)))
            case m.Quantified() | m.AtLeast() | m.AtMost() | m.CountCmp():
                stack.append((n.selection, d + 1))
            case m.Union_() | m.Except() | m.Within():
                stack.extend(((n.left, d + 1), (n.right, d + 1)))
    return best


def select(scope: Snapshot, sel: m.Selection) -> dict[str, ReqInfo]:
    """The requirements a selection denotes, in declaration order (unknown names ignored)."""
    match sel:
        case m.SelPart(part=p):
            return {k: r for k, r in scope.requirements.items() if r.node.part == p}
        case m.SelIndicator(indicator=i):
            return {k: r for k, r in scope.requirements.items() if r.indicator == i}
        case m.SelPrinciple(principle=p):
            return {k: r for k, r in scope.requirements.items() if r.principle == p}
        case m.SelTopic(topic=t):
            return {
                k: r
                for k, r in scope.requirements.items()
                if isinstance(r.node, m.Requirement) and r.node.topic == t
            }
        case m.SelList(ids=ids):
            wanted = set(ids)
            return {k: r for k, r in scope.requirements.items() if k in wanted}
        case m.Union_(left=a, right=b):
            left, right = select(scope, a), select(scope, b)
            return {k: r for k, r in scope.requirements.items() if k in left or k in right}
        case m.Except(left=a, right=b):
            right = select(scope, b)
            return {k: r for k, r in select(scope, a).items() if k not in right}
        case m.Within(left=a, right=b):
            right = select(scope, b)
            return {k: r for k, r in select(scope, a).items() if k in right}
    raise TypeError(sel)  # pragma: no cover


def size(reqs: Mapping[str, ReqInfo]) -> int:
    """How many requirements a selection holds, counting each unnamed group by its size."""
    return sum(r.node.count if isinstance(r.node, m.Unnamed) else 1 for r in reqs.values())


def all_conditions(scope: Snapshot) -> Iterator[tuple[str, m.Cond]]:
    """Every condition of the own snapshot, with what it belongs to."""
    for lv in scope.levels:
        if lv in _own(scope, "levels"):
            yield f"level '{lv.id}'", lv.requires
    for aw in _own(scope, "awards"):
        yield f"award '{aw.id}'", aw.requires
    for inv in _own(scope, "invariants"):
        yield f"invariant '{inv.id}'", inv.holds
    for r in scope.requirements.values():
        if r.ruleset == scope.ruleset and isinstance(r.node, m.Requirement) and r.node.applies:
            yield f"requirement '{r.id}'", r.node.applies


def _own(scope: Snapshot, attr: str) -> tuple[Any, ...]:
    items: tuple[Any, ...] = getattr(scope, attr)
    if scope.base is None:
        return items
    base_items = set(map(id, getattr(scope.base, attr)))
    return tuple(i for i in items if id(i) not in base_items)


# -- the passes -----------------------------------------------------------------------


def _pass_references(scope: Snapshot, own: Snapshot, sink: _Sink) -> None:
    """Every name a condition, selection, requirement or example uses must exist."""
    for r in own.requirements.values():
        node = r.node
        if node.part not in scope.parts:
            sink.error(
                "IIP220",
                f"requirement '{node.id}' is in unknown part '{node.part}'",
                id_span(node),
                did_you_mean(node.part, scope.parts) or _declare_hint("part"),
            )
        if isinstance(node, m.Requirement) and node.topic and node.topic not in scope.topics:
            sink.error(
                "IIP220",
                f"requirement '{node.id}' has unknown topic '{node.topic}'",
                id_span(node),
                did_you_mean(node.topic, scope.topics) or _declare_hint("topic"),
            )
        if isinstance(node, m.Unnamed) and node.count < 1:
            sink.error("IIP231", f"unnamed group '{node.id}' must count at least 1", id_span(node))
        if r.maps is not None:
            _check_selection(scope, r.maps, sink)
    for _owner, cond in all_conditions(scope):
        _check_cond(scope, cond, sink)
    for ex in own.examples:
        _check_example(scope, own, ex, sink)


def _declare_hint(word: str) -> str:
    return f'declare it first: {word} <id> "<title>"'


def _check_selection(scope: Snapshot, sel: m.Selection, sink: _Sink) -> None:
    for s in walk_selection(sel):
        match s:
            case m.SelPart(part=p) if p not in scope.parts:
                sink.error("IIP221", f"unknown part '{p}'", s.span, did_you_mean(p, scope.parts))
            case m.SelIndicator(indicator=i) if i not in scope.indicators:
                sink.error(
                    "IIP221", f"unknown indicator '{i}'", s.span, did_you_mean(i, scope.indicators)
                )
            case m.SelPrinciple(principle=p) if p not in scope.principles:
                sink.error(
                    "IIP221", f"unknown principle '{p}'", s.span, did_you_mean(p, scope.principles)
                )
            case m.SelTopic(topic=t) if t not in scope.topics:
                sink.error("IIP221", f"unknown topic '{t}'", s.span, did_you_mean(t, scope.topics))
            case m.SelList(ids=ids):
                seen: set[str] = set()
                for id_ in ids:
                    if id_ not in scope.requirements:
                        sink.error(
                            "IIP222",
                            f"unknown requirement '{id_}'",
                            s.span,
                            did_you_mean(id_, scope.requirements),
                        )
                    if id_ in seen:
                        sink.warning("IIP223", f"requirement '{id_}' is listed twice", s.span)
                    seen.add(id_)


def _check_cond(scope: Snapshot, cond: m.Cond, sink: _Sink) -> None:
    if depth(cond) > MAX_DEPTH:
        sink.error(
            "IIP240",
            f"condition nested deeper than {MAX_DEPTH} levels",
            cond.span,
            "split it into named levels or awards",
        )
        return
    for c in walk_cond(cond):
        match c:
            case m.Quantified() | m.AtLeast() | m.AtMost() | m.CountCmp():
                _check_selection(scope, c.selection, sink)
            case m.LevelCmp(level=lv) if lv not in {x.id for x in scope.levels}:
                sink.error(
                    "IIP224",
                    f"unknown level '{lv}'",
                    c.span,
                    did_you_mean(lv, [x.id for x in scope.levels]),
                )
            case m.AwardRef(award=a) if a not in {x.id for x in scope.awards}:
                sink.error(
                    "IIP225",
                    f"unknown award '{a}'",
                    c.span,
                    did_you_mean(a, [x.id for x in scope.awards]),
                )
            case m.FactTrue() | m.FactCmp() | m.YearsSince():
                _check_fact_use(scope, c, sink)


def _facts(scope: Snapshot) -> dict[str, m.Fact]:
    return {**BUILTIN_FACTS, **scope.facts}


def _check_fact_use(scope: Snapshot, c: m.FactTrue | m.FactCmp | m.YearsSince, sink: _Sink) -> None:
    facts = _facts(scope)
    fact = facts.get(c.fact)
    if fact is None:
        sink.error(
            "IIP226",
            f"unknown fact '{c.fact}'",
            c.span,
            did_you_mean(c.fact, facts) or "declare it: fact <name>: boolean|number|date",
        )
        return
    if isinstance(c, m.FactTrue) and fact.type != "boolean":
        sink.error(
            "IIP230",
            f"fact '{c.fact}' is a {fact.type}, not a yes/no fact",
            c.span,
            f"compare it, e.g. {c.fact} >= ...",
        )
    elif isinstance(c, m.YearsSince) and fact.type != "date":
        sink.error(
            "IIP230", f"'years since' needs a date fact; '{c.fact}' is a {fact.type}", c.span
        )
    elif isinstance(c, m.FactCmp):
        got = _value_type(c.value)
        if got != fact.type:
            sink.error("IIP230", f"fact '{c.fact}' is a {fact.type}, compared with a {got}", c.span)
        elif fact.type == "boolean" and c.op not in ("=", "!="):
            sink.error(
                "IIP230", f"yes/no fact '{c.fact}' can only be compared with = or !=", c.span
            )


def _value_type(value: m.Value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "number"
    if isinstance(value, dt.date):
        return "date"
    return "text"


def _pass_applies(scope: Snapshot, own: Snapshot, sink: _Sink) -> None:
    """'applies when' is decided before any level or award, so it cannot refer to them."""
    for r in own.requirements.values():
        node = r.node
        if not isinstance(node, m.Requirement) or node.applies is None:
            continue
        for c in walk_cond(node.applies):
            if isinstance(c, (m.LevelCmp, m.AwardRef)):
                sink.error(
                    "IIP237",
                    f"requirement '{node.id}' applies depending on a "
                    f"{'level' if isinstance(c, m.LevelCmp) else 'award'}, which is decided "
                    "after the requirements",
                    c.span,
                    "applicability can depend only on facts about the organisation",
                )


def _pass_facts(scope: Snapshot, own: Snapshot, sink: _Sink) -> None:
    """A fact's default must have the fact's type."""
    for f in own.facts.values():
        if f.id in BUILTIN_FACTS:
            sink.error("IIP201", f"fact '{f.id}' is built in and cannot be declared", f.span)
        if f.default is not None and _value_type(f.default) != f.type:
            sink.error(
                "IIP230",
                f"fact '{f.id}' is a {f.type} but its default is a {_value_type(f.default)}",
                f.span,
            )


def _pass_thresholds(scope: Snapshot, own: Snapshot, sink: _Sink) -> None:
    """A count that no evidence can reach is a mistake (e.g. 80 of a selection of 60)."""
    for owner, cond in all_conditions(scope):
        for c in walk_cond(cond):
            if isinstance(c, (m.AtLeast, m.AtMost, m.CountCmp, m.Quantified)):
                reqs = select(scope, c.selection)
                n = size(reqs)
                label = unparse_selection(c.selection)
                if isinstance(c, m.AtLeast) and c.n > n:
                    sink.error(
                        "IIP232",
                        f"{owner} asks for at least {c.n} of {label}, which holds only {n}",
                        c.span,
                        "no evidence can reach this; check the number or the selection",
                    )
                elif isinstance(c, m.CountCmp) and not _count_reachable(c.op, c.n, n):
                    sink.error(
                        "IIP232",
                        f"{owner} compares the count of {label} (0 to {n}) with "
                        f"{c.op} {c.n}, which no evidence can satisfy",
                        c.span,
                    )
                elif n == 0 and _names_resolve(scope, c.selection):
                    sink.warning(
                        "IIP233",
                        f"{owner} counts over {label}, which holds no requirements",
                        c.span,
                    )


def _names_resolve(scope: Snapshot, sel: m.Selection) -> bool:
    for s in walk_selection(sel):
        match s:
            case m.SelPart(part=p) if p not in scope.parts:
                return False
            case m.SelIndicator(indicator=i) if i not in scope.indicators:
                return False
            case m.SelPrinciple(principle=p) if p not in scope.principles:
                return False
            case m.SelTopic(topic=t) if t not in scope.topics:
                return False
            case m.SelList(ids=ids) if not ids or any(i not in scope.requirements for i in ids):
                return False
    return True


def _count_reachable(op: str, n: int, total: int) -> bool:
    return any(
        {">=": k >= n, ">": k > n, "<=": k <= n, "<": k < n, "=": k == n, "!=": k != n}[op]
        for k in (0, total, min(max(n, 0), total))
    )


def _pass_levels(scope: Snapshot, own: Snapshot, sink: _Sink) -> None:
    """Levels are ordered: a level may only refer to levels below it, and may not need less."""
    levels = list(scope.levels)
    index = {lv.id: i for i, lv in enumerate(levels)}
    own_levels = set(map(id, own.levels))
    for i, lv in enumerate(levels):
        if id(lv) not in own_levels:
            continue
        for c in walk_cond(lv.requires):
            if isinstance(c, m.AwardRef):
                sink.error(
                    "IIP238",
                    f"level '{lv.id}' depends on award '{c.award}', but awards are decided "
                    "after levels",
                    c.span,
                    "write the award's condition into the level, or make it an award",
                )
            if isinstance(c, m.LevelCmp) and c.level in index and index[c.level] >= i:
                sink.error(
                    "IIP234",
                    f"level '{lv.id}' refers to level '{c.level}', which is not below it",
                    c.span,
                    "levels are ordered lowest first; a level's "
                    "condition can only build on the levels declared before it",
                )
    # Thresholds must not fall as levels rise (Bronze needing more than Silver).
    # Selections are compared by the requirements they denote, not by their text.
    prev: dict[frozenset[str], tuple[int, m.Level]] = {}
    effective: dict[str, dict[frozenset[str], tuple[int, str]]] = {}
    for lv in levels:
        mins = _minimum_counts(scope, lv.requires)
        # A level that requires a lower one inherits what that one needs.
        items = lv.requires.items if isinstance(lv.requires, m.And) else (lv.requires,)
        for c in items:
            if isinstance(c, m.LevelCmp) and c.op in (">=", ">", "=") and c.level in effective:
                for key, (n, text) in effective[c.level].items():
                    if n > mins.get(key, (-1, ""))[0]:
                        mins[key] = (n, text)
        effective[lv.id] = mins
        for key, (n, text) in mins.items():
            if key in prev and n < prev[key][0] and id(lv) in own_levels:
                lower_n, lower = prev[key]
                sink.error(
                    "IIP235",
                    f"levels out of order: '{lv.id}' needs {n} of {text}, fewer "
                    f"than the {lower_n} that the lower level '{lower.id}' needs",
                    lv.requires.span,
                    "levels are declared lowest first; swap them or fix the thresholds",
                )
        for key, (n, _text) in mins.items():
            prev[key] = (max(n, prev.get(key, (0, lv))[0]), lv)


def _minimum_counts(scope: Snapshot, cond: m.Cond) -> dict[frozenset[str], tuple[int, str]]:
    """For a conjunction, the least count it needs of each selection it counts over."""
    items = cond.items if isinstance(cond, m.And) else (cond,)
    out: dict[frozenset[str], tuple[int, str]] = {}
    for c in items:
        n: int | None = None
        if isinstance(c, m.AtLeast):
            n = c.n
        elif isinstance(c, m.CountCmp) and c.op in (">=", ">", "="):
            n = c.n + (1 if c.op == ">" else 0)
        elif isinstance(c, m.Quantified) and c.quant == "all":
            n = size(select(scope, c.selection))
        if n is not None:
            reqs = select(scope, c.selection)
            if reqs:
                out[frozenset(reqs)] = (n, unparse_selection(c.selection))
    return out


def _pass_cycles(scope: Snapshot, own: Snapshot, sink: _Sink) -> None:
    """Mappings and award references must not go round in circles."""
    # Derived requirements that (through their mappings) depend on themselves.
    graph: dict[str, list[str]] = {}
    for rid, r in scope.requirements.items():
        if r.maps is not None:
            graph[rid] = [k for k in select(scope, r.maps)]
    for rid in _cyclic(graph):
        r = scope.requirements[rid]
        if r.ruleset == own.ruleset:
            sink.error(
                "IIP236",
                f"requirement '{rid}' is mapped onto itself through its mapping",
                id_span(r.node),
                "a mapping must lead to requirements that evidence can show",
            )
    agraph = {
        a.id: [c.award for c in walk_cond(a.requires) if isinstance(c, m.AwardRef)]
        for a in scope.awards
    }
    own_awards = {a.id for a in own.awards}
    for aid in _cyclic(agraph):
        if aid in own_awards:
            award = next(a for a in scope.awards if a.id == aid)
            sink.error(
                "IIP236",
                f"award '{aid}' depends on itself",
                id_span(award),
                "break the circle of 'award ...' references",
            )


def _cyclic(graph: Mapping[str, list[str]]) -> list[str]:
    """The nodes on a cycle, found iteratively (Tarjan would do; this is small)."""
    on_cycle: list[str] = []
    for start in graph:
        seen: set[str] = set()
        stack = list(graph.get(start, ()))
        while stack:
            n = stack.pop()
            if n == start:
                on_cycle.append(start)
                break
            if n in seen:
                continue
            seen.add(n)
            stack.extend(graph.get(n, ()))
    return on_cycle


def _pass_provenance(scope: Snapshot, own: Snapshot, sink: _Sink) -> None:
    """Every requirement, level and award should say where it comes from."""
    items: list[Any] = (
        [r.node for r in own.requirements.values()] + list(own.levels) + list(own.awards)
    )
    for node in items:
        if not node.meta.sources:
            word = m.KIND_WORDS[type(node)]
            sink.warning(
                "IIP250",
                f"{word} '{node.id}' has no source",
                id_span(node),
                'add: source "<where it comes from>" confirmed|partly|unconfirmed|'
                "seed|inferred|assumed",
            )


def _check_example(scope: Snapshot, own: Snapshot, ex: m.Example, sink: _Sink) -> None:
    for g in ex.givens:
        match g:
            case m.GivenMet() | m.GivenUnmet() | m.GivenEarlier():
                _check_selection(scope, g.selection, sink)
                for rid, r in select(scope, g.selection).items():
                    if (
                        r.maps is not None
                        and isinstance(g, (m.GivenMet, m.GivenEarlier))
                        and isinstance(g.selection, m.SelList)
                    ):
                        sink.error(
                            "IIP242",
                            f"example '{ex.name}' lists '{rid}', which is met through its mapping",
                            g.span,
                            "list the framework requirements it maps to instead",
                        )
            case m.GivenFact(fact=f, value=v):
                fact = _facts(scope).get(f)
                if fact is None:
                    sink.error(
                        "IIP226", f"unknown fact '{f}'", g.span, did_you_mean(f, _facts(scope))
                    )
                elif _value_type(v) != fact.type:
                    sink.error(
                        "IIP230", f"fact '{f}' is a {fact.type}, given a {_value_type(v)}", g.span
                    )
            case m.GivenDate(date=d) if not own.in_force(d):
                sink.error(
                    "IIP241",
                    f"example '{ex.name}' is dated {d}, when version {own.label} is not in force",
                    g.span,
                    f"version {own.label} is in force from {own.effective}"
                    + (f" to {own.until}" if own.until else ""),
                )
    level_ids = {lv.id for lv in scope.levels} | {"none"}
    for e in ex.expects:
        if isinstance(e, m.ExpectLevel) and e.level not in level_ids:
            sink.error(
                "IIP224", f"unknown level '{e.level}'", e.span, did_you_mean(e.level, level_ids)
            )
        if isinstance(e, m.ExpectAward) and e.award not in {a.id for a in scope.awards}:
            sink.error(
                "IIP225",
                f"unknown award '{e.award}'",
                e.span,
                did_you_mean(e.award, [a.id for a in scope.awards]),
            )


def _pass_unused(
    ruleset: m.Ruleset, base: CheckedRuleset | None, snaps: list[Snapshot], sink: _Sink
) -> None:
    """Requirements that no level, award, mapping or invariant counts are probably a mistake."""
    for snap in snaps:
        bases = _bases(ruleset, base, snap) or [None]
        scope = merge(bases[-1], snap)
        used: set[str] = set()
        sels: list[m.Selection] = []
        for _owner, cond in all_conditions(scope):
            sels.extend(cond_selections(cond))
        for lv in scope.levels:
            sels.extend(cond_selections(lv.requires))
        for r in scope.requirements.values():
            if r.maps is not None:
                sels.append(r.maps)
        for sel in sels:
            used.update(select(scope, sel))
        for rid, r in snap.requirements.items():
            if rid not in used:
                sink.warning(
                    "IIP251",
                    f"requirement '{rid}' is not used by any level, award or mapping",
                    id_span(r.node),
                    "count it somewhere, or remove it",
                )


#: The checker's passes, in order. References come first so that later passes
#: can report in terms of resolved names; all of them always run.
PASSES: tuple[tuple[str, Callable[[Snapshot, Snapshot, _Sink], None]], ...] = (
    ("references", _pass_references),
    ("facts", _pass_facts),
    ("applies", _pass_applies),
    ("thresholds", _pass_thresholds),
    ("levels", _pass_levels),
    ("cycles", _pass_cycles),
    ("provenance", _pass_provenance),
)
