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

The work is done in the private subpackage ``iiprules._check`` (one module per
concern); this module runs the passes in order and re-exports the names the
other stages use, so ``from iiprules.check import Snapshot`` keeps working.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from iiprules import model as m
from iiprules._check.quality import pass_provenance, pass_source_confidence, pass_unused
from iiprules._check.references import pass_applies, pass_facts, pass_references
from iiprules._check.resolve import resolve
from iiprules._check.scope import (
    BUILTIN_FACTS,
    MAX_DEPTH,
    RECOGNITION_YEARS,
    CheckedRuleset,
    CheckResult,
    IndicatorInfo,
    Library,
    ReqInfo,
    Snapshot,
    Unusable,
    merge,
    satisfies,
    used_bases,
)
from iiprules._check.sink import Sink, id_span
from iiprules._check.structure import pass_cycles, pass_levels, pass_thresholds
from iiprules._check.walk import (
    all_conditions,
    cond_selections,
    depth,
    select,
    size,
    walk_cond,
    walk_selection,
)
from iiprules.diagnostics import Diagnostic, did_you_mean

__all__ = [
    "BUILTIN_FACTS",
    "MAX_DEPTH",
    "PASSES",
    "RECOGNITION_YEARS",
    "CheckResult",
    "CheckedRuleset",
    "IndicatorInfo",
    "Library",
    "ReqInfo",
    "Snapshot",
    "Unusable",
    "all_conditions",
    "check",
    "cond_selections",
    "depth",
    "id_span",
    "merge",
    "satisfies",
    "select",
    "size",
    "walk_cond",
    "walk_selection",
]


def check(
    ruleset: m.Ruleset,
    library: Library | None = None,
    path: str | None = None,
    removed: frozenset[str] = frozenset(),
) -> CheckResult:
    """Check a parsed ruleset.

    Args:
        ruleset: the parsed model.
        library: finds the ruleset named in ``uses``; without one, ``uses`` is an error.
        path: the file name, for the result (defaults to the spans' path).
        removed: ids that an edit of the used ruleset has just removed; a
            reference to one says so (cross-file checking, ``iiprules.workbench``).

    Returns:
        Every diagnostic, and the ``CheckedRuleset`` when none is an error.
    """
    sink = Sink(removed)
    library = library or Library()
    base: CheckedRuleset | None = None
    seed: Snapshot | None = None
    amend_failed = False
    if ruleset.amends is not None:
        amended = _check_amends(ruleset, library, sink)
        if amended is None:
            amend_failed = True
        else:
            seed = amended.version(ruleset.amends.version)
            if amended.model.uses is not None:
                # The amended ruleset builds on another; so does the proposal.
                ruleset = attrs.evolve(ruleset, uses=amended.model.uses)
    if ruleset.uses is not None:
        base = _check_uses(ruleset, library, sink)
    snapshots = resolve(ruleset, sink, seed)
    if amend_failed or (ruleset.uses is not None and base is None):
        # Without the ruleset it builds on, every name taken from it would be
        # reported as unknown; the 'uses' error above is the one to fix first.
        snapshots_to_check: list[Snapshot] = []
    else:
        snapshots_to_check = snapshots
    for snap in snapshots_to_check:
        bases = used_bases(ruleset, base, snap)
        for b in bases or [None]:  # type: ignore[list-item]
            scope = merge(b, snap)
            for _name, check_pass in PASSES:
                check_pass(scope, snap, sink)
    if snapshots_to_check:
        pass_unused(ruleset, base, snapshots, sink)
    pass_source_confidence(ruleset, sink)
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


def _check_amends(ruleset: m.Ruleset, library: Library, sink: Sink) -> CheckedRuleset | None:
    """The ruleset a proposal amends, when it is there, usable and has that version."""
    amends = ruleset.amends
    assert amends is not None  # guarded by the caller, not user input
    if amends.name == ruleset.name:
        sink.error(
            "IIP211",
            f"ruleset '{ruleset.name}' amends itself",
            amends.span,
            "a proposal amends another ruleset, e.g. 'amends standard@2009'",
        )
        return None
    found = library.lookup(amends.name)
    if isinstance(found, Unusable):
        sink.error(
            "IIP213",
            f"the amended ruleset '{amends.name}' ({found.path}) has errors",
            amends.span,
            f"{found.first.code}: {found.first.message}; fix {found.path} first",
        )
        return None
    if found is None:
        sink.error(
            "IIP210",
            f"unknown ruleset '{amends.name}'",
            amends.span,
            "the amended ruleset must be packaged or sit in the same folder",
        )
        return None
    labels = [s.label for s in found.snapshots]
    if amends.version not in labels:
        sink.error(
            "IIP212",
            f"'{amends.name}' has no version '{amends.version}'",
            amends.span,
            did_you_mean(amends.version, labels) or f"'{amends.name}' has versions "
            + ", ".join(labels),
        )
        return None
    return found


def _check_uses(ruleset: m.Ruleset, library: Library, sink: Sink) -> CheckedRuleset | None:
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
    base = library.lookup(uses.name)
    if isinstance(base, Unusable):
        first = base.first
        where = (
            f"{first.span.path}:{first.span.line}:{first.span.column}" if first.span else base.path
        )
        sink.error(
            "IIP213",
            f"the used ruleset '{uses.name}' ({base.path}) has errors, the first at {where}",
            uses.span,
            f"{first.code}: {first.message}; fix {base.path} first",
        )
        return None
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



#: The checker's passes, in order. References come first so that later passes
#: can report in terms of resolved names; all of them always run.
PASSES: tuple[tuple[str, Callable[[Snapshot, Snapshot, Sink], None]], ...] = (
    ("references", pass_references),
    ("facts", pass_facts),
    ("applies", pass_applies),
    ("thresholds", pass_thresholds),
    ("levels", pass_levels),
    ("cycles", pass_cycles),
    ("provenance", pass_provenance),
)
