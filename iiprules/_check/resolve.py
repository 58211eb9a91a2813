"""Pass 0, resolving versions: the first version declares, each later one amends.

Input → output: a ``model.Ruleset`` → one ``Snapshot`` per version, plus
diagnostics for version dates and for amendments naming what is not there.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from iiprules import model as m
from iiprules._check.scope import IndicatorInfo, ReqInfo, Snapshot
from iiprules._check.sink import Sink, id_span
from iiprules.diagnostics import did_you_mean


def resolve(ruleset: m.Ruleset, sink: Sink, seed: Snapshot | None = None) -> list[Snapshot]:
    """Apply each version's items to the previous version's content.

    Args:
        ruleset: the parsed model.
        sink: where problems go.
        seed: for a proposal (``amends name@version``), the amended version's
            content, which its first version then changes like any later version.
    """
    snaps: list[Snapshot] = []
    seen_labels: dict[str, m.Version] = {}
    state = State(ruleset.name)
    if seed is not None:
        state.seed(seed)
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


class State:
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
        #: What is being amended ("standard@2009"), for messages; None for a plain ruleset.
        self.origin: str | None = None

    def seed(self, snap: Snapshot) -> None:
        """Start from another ruleset's version: a proposal amends it like a later version.

        Its content becomes this ruleset's own (re-tagged), so every pass checks the
        amended whole, and evaluation needs nothing of the amended ruleset.
        """
        self.origin = snap.key
        self.parts = dict(snap.parts)
        self.topics = dict(snap.topics)
        self.principles = dict(snap.principles)
        self.indicators = {
            k: attrs.evolve(v, ruleset=self.ruleset) for k, v in snap.indicators.items()
        }
        self.requirements = {
            k: attrs.evolve(v, ruleset=self.ruleset) for k, v in snap.requirements.items()
        }
        self.facts = dict(snap.facts)
        self.levels = {lv.id: lv for lv in snap.levels}
        self.awards = {a.id: a for a in snap.awards}
        self.invariants = {i.id: i for i in snap.invariants}

    def _unknown(self, verb: str, word: str, id_: str) -> str:
        if self.origin is not None:
            return f"'{verb}' names {word} '{id_}', which {self.origin} does not have"
        return f"'{verb}' names unknown {word} '{id_}'"

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

    def apply(self, version: m.Version, first: bool, sink: Sink) -> None:
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
                            self._unknown("extend", "indicator", item.indicator),
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

    def _declare(self, table: dict[str, Any], word: str, item: Any, sink: Sink) -> None:
        if item.id in table:
            prev = table[item.id]
            sink.error(
                "IIP201",
                f"duplicate {word} '{item.id}'",
                id_span(item),
                first_declared(word, item.id, prev.span)
                + f"; to replace it in a later version write 'change {word} ...'",
            )
            return
        table[item.id] = item

    def _principle(self, p: m.Principle, sink: Sink) -> None:
        if p.id in self.principles:
            sink.error(
                "IIP201",
                f"duplicate principle '{p.id}'",
                id_span(p),
                first_declared("principle", p.id, self.principles[p.id].span),
            )
            return
        self.principles[p.id] = p
        for ind in p.indicators:
            if ind.id in self.indicators:
                sink.error(
                    "IIP201",
                    f"duplicate indicator '{ind.id}'",
                    id_span(ind),
                    first_declared("indicator", ind.id, self.indicators[ind.id].node.span),
                )
                continue
            self.indicators[ind.id] = IndicatorInfo(ind, p.id, self.ruleset)
            for mem in ind.members:
                self._member(mem, ind.id, p.id, sink)

    def _member(
        self, mem: m.Member, indicator: str | None, principle: str | None, sink: Sink
    ) -> None:
        if mem.id in self.requirements:
            sink.error(
                "IIP201",
                f"duplicate requirement '{mem.id}'",
                id_span(mem),
                first_declared("requirement", mem.id, self.requirements[mem.id].node.span),
            )
            return
        if isinstance(mem, m.Requirement) and mem.maps is None and indicator is not None:
            ind = self.indicators[indicator].node
            if ind.maps is not None:
                mem = attrs.evolve(mem, maps=ind.maps)
        self.requirements[mem.id] = ReqInfo(mem, indicator, principle, self.ruleset)

    def _change(self, ch: m.Change, sink: Sink) -> None:
        item = ch.item
        if isinstance(item, m.Requirement):
            old = self.requirements.get(item.id)
            if old is None:
                sink.error(
                    "IIP207",
                    self._unknown("change", "requirement", item.id),
                    ch.span,
                    did_you_mean(item.id, self.requirements)
                    or "to add a requirement, write it under 'extend indicator ...'",
                )
                return
            self.requirements[item.id] = attrs.evolve(old, node=item)
            return
        table, word = self._table(item)
        if item.id not in table:  # type: ignore[union-attr]
            sink.error(
                "IIP207",
                self._unknown("change", word, item.id),  # type: ignore[union-attr]
                ch.span,
                did_you_mean(item.id, table) or f"to add a {word}, declare it without 'change'",  # type: ignore[union-attr]
            )
            return
        table[item.id] = item  # type: ignore[union-attr]

    def _remove(self, rm: m.Remove, sink: Sink) -> None:
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
                self._unknown("remove", rm.kind, rm.id),
                rm.span,
                did_you_mean(rm.id, table),
            )
            return
        del table[rm.id]


def first_declared(word: str, id_: str, span: m.Span) -> str:
    if span.line:
        return f"{word} '{id_}' is first declared at line {span.line}"
    return f"{word} '{id_}' is already declared"

