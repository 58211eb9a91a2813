"""The quality passes: warnings for what is probably a slip but not wrong.

Input → output: snapshots → warnings (no source, requirement unused).
"""

from __future__ import annotations

from typing import Any

import attrs

from iiprules import model as m
from iiprules._check.scope import CheckedRuleset, Snapshot, merge, used_bases
from iiprules._check.sink import Sink, id_span
from iiprules._check.walk import all_conditions, cond_selections, select


def pass_provenance(scope: Snapshot, own: Snapshot, sink: Sink) -> None:
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


def pass_unused(
    ruleset: m.Ruleset, base: CheckedRuleset | None, snaps: list[Snapshot], sink: Sink
) -> None:
    """Requirements that no level, award, mapping or invariant counts are probably a mistake."""
    for snap in snaps:
        bases = used_bases(ruleset, base, snap) or [None]  # type: ignore[list-item]
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



def pass_source_confidence(ruleset: m.Ruleset, sink: Sink) -> None:
    """Every source says how sure it is (the docs promise a confidence word on each)."""
    stack: list[Any] = [ruleset]
    while stack:
        node = stack.pop()
        if isinstance(node, m.Source):
            if node.confidence is None:
                sink.warning(
                    "IIP252",
                    f"source \"{node.reference}\" does not say how sure it is",
                    node.span,
                    "end it with a confidence word: " + ", ".join(m.CONFIDENCE),
                )
            continue
        if isinstance(node, tuple):
            stack.extend(node)
        elif attrs.has(type(node)) and not isinstance(node, m.Span):
            stack.extend(getattr(node, f.name) for f in attrs.fields(type(node)))
