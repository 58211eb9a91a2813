"""What one version of a ruleset changes against the one before: snapshots → ``VersionDiff``.

Input → output: two resolved snapshots of the same ruleset (``old`` may be
None for the first version) → the items added, removed and changed, kind by
kind. Structural and pure: it compares model nodes (whose equality ignores
source positions), so moving text around in the file is no change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attrs import frozen

from iiprules import model as m
from iiprules.check import Snapshot

#: The kinds compared, in the order a changes page lists them.
KINDS = ("part", "topic", "fact", "indicator", "requirement", "level", "award", "invariant")


@frozen
class Changed:
    """An item present in both versions whose content differs.

    ``fields`` names what differs, in words (``text``, ``condition``, ...).
    """

    id: str
    old: Any
    new: Any
    fields: tuple[str, ...]


@frozen
class KindDiff:
    """The changes to one kind of item (requirements, levels, ...)."""

    kind: str
    added: tuple[Any, ...] = ()
    removed: tuple[Any, ...] = ()
    changed: tuple[Changed, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@frozen
class VersionDiff:
    """Everything a version changes against the version before it (``old`` None: the first)."""

    old: Snapshot | None
    new: Snapshot
    kinds: tuple[KindDiff, ...]

    def kind(self, name: str) -> KindDiff:
        """The changes to one kind.

        Raises:
            KeyError: not one of ``KINDS``.
        """
        for k in self.kinds:
            if k.kind == name:
                return k
        raise KeyError(name)

    @property
    def empty(self) -> bool:
        """True when the version changes nothing (only its dates or examples)."""
        return not any(self.kinds)


#: Attributes compared, and how a changes page names them.
_FIELD_WORDS = {
    "text": "text", "title": "title", "by": "who gives the evidence", "part": "part",
    "topic": "topic", "applies": "when it applies", "maps": "mapping", "requires": "condition",
    "holds": "condition", "kind": "kind", "type": "type", "default": "default", "count": "count",
}


def _fields(old: Any, new: Any) -> tuple[str, ...]:
    """Which parts of an item differ, in a reviewer's words."""
    out: list[str] = []
    for attr, word in _FIELD_WORDS.items():
        if hasattr(old, attr) and hasattr(new, attr) and getattr(old, attr) != getattr(new, attr):
            out.append(word)
    if type(old) is not type(new):
        out.append("kind of item")
    om, nm = getattr(old, "meta", None), getattr(new, "meta", None)
    if om is not None and nm is not None:
        if om.doc != nm.doc:
            out.append("notes")
        if om.sources != nm.sources:
            out.append("sources")
    return tuple(dict.fromkeys(out))


def _compare(kind: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> KindDiff:
    added = tuple(v for k, v in new.items() if k not in old)
    removed = tuple(v for k, v in old.items() if k not in new)
    changed = []
    for k, v in new.items():
        if k in old and old[k] != v:
            fields = _fields(old[k], v)
            if fields:
                changed.append(Changed(k, old[k], v, fields))
    return KindDiff(kind, added, removed, tuple(changed))


def _tables(snap: Snapshot | None) -> dict[str, dict[str, Any]]:
    if snap is None:
        return {k: {} for k in KINDS}
    return {
        "part": dict(snap.parts),
        "topic": dict(snap.topics),
        "fact": dict(snap.facts),
        # The indicator's own node, without the requirements a later version extends it with.
        "indicator": {k: _bare_indicator(v.node) for k, v in snap.indicators.items()},
        "requirement": {k: r.node for k, r in snap.requirements.items()},
        "level": {x.id: x for x in snap.levels},
        "award": {x.id: x for x in snap.awards},
        "invariant": {x.id: x for x in snap.invariants},
    }


def _bare_indicator(node: m.Indicator) -> m.Indicator:
    return m.Indicator(node.id, node.title, node.meta, node.maps, (), span=node.span)


def diff(old: Snapshot | None, new: Snapshot) -> VersionDiff:
    """Compare two versions of a ruleset (their own content, not what they use).

    Args:
        old: the previous version's snapshot, or None when ``new`` is the first.
        new: the version whose changes are wanted.

    Returns:
        The added, removed and changed items for each kind in ``KINDS``.
    """
    before, after = _tables(old), _tables(new)
    return VersionDiff(old, new, tuple(_compare(k, before[k], after[k]) for k in KINDS))
