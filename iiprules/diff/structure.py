"""The structural diff: two snapshots → what changed, kind by kind (``RulesetDiff``).

Input → output: two snapshots (merged scopes, ``CheckedRuleset.scope``, for
the command line; a version's own content for the docs' changes page) →
``RulesetDiff``, the changes a reviewer reads: parts, topics, principles and
indicators added or removed; requirements added, removed, reworded (text
changed), moved (indicator or part changed) or otherwise changed; facts;
levels, awards and invariants added, removed, or with a changed condition,
reported as a *threshold* change when only the numbers of counting conditions
differ (``at least 26 → 30 of part extended``), or when a selection's size
changed under the same words. Conditions are shown in rules text
(``unparse_cond``) and in plain English (``describe_cond`` with each side's
snapshot). ``item_of`` gives the model node a change names, for renderers
that describe items themselves (the Sphinx extension).

Why one module of ~700 lines: every kind of item is compared by the same table of
rules (added, removed, reworded, moved, threshold), and splitting the kinds apart
would scatter that table over files a reviewer must then read together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs
from attrs import frozen

from iiprules import api
from iiprules import model as m
from iiprules.check import CheckedRuleset, Snapshot, select, size
from iiprules.explain import describe_cond, describe_selection
from iiprules.syntax import unparse_cond, unparse_selection

#: The kinds of item compared, in the order a diff lists them.
KINDS = (
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


#: What can happen to an item, in the order a diff lists them.
ACTIONS = (
    "added",
    "removed",
    "reworded",
    "moved",
    "threshold",
    "condition",
    "reordered",
    "changed",
)


PLURAL = {
    "part": "parts",
    "topic": "topics",
    "principle": "principles",
    "indicator": "indicators",
    "requirement": "requirements",
    "fact": "facts",
    "level": "levels",
    "award": "awards",
    "invariant": "invariants",
}


@frozen
class FieldChange:
    """One field of an item, before and after (None: absent on that side).

    ``old_words``/``new_words`` carry conditions in plain English.
    """

    name: str
    old: str | None
    new: str | None
    old_words: str | None = None
    new_words: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The field change as plain data (words only when set)."""
        out: dict[str, Any] = {"field": self.name, "old": self.old, "new": self.new}
        if self.old_words is not None or self.new_words is not None:
            out["old_words"] = self.old_words
            out["new_words"] = self.new_words
        return out


@frozen
class Threshold:
    """A counting condition whose number changed: ``at least 26`` → ``at least 30`` of a selection.

    ``old_size``/``new_size`` are how many requirements the selection holds on
    each side, so that "all of part extended" over a grown part shows too.
    """

    selection: str
    selection_words: str
    old: str
    new: str
    old_size: int
    new_size: int

    def words(self) -> str:
        """``at least 26 → at least 30 of The wider framework`` (and the size, if it changed)."""
        text = f"{arrow(self.old, self.new)} of {self.selection_words}"
        if self.old_size != self.new_size and not self.old.startswith("all "):
            text += f" (which holds {self.old_size} → {self.new_size} requirements)"
        return text

    def to_dict(self) -> dict[str, Any]:
        """The threshold change as plain data."""
        return attrs.asdict(self) | {"words": self.words()}


@frozen
class Change:
    """One change to one item: a kind (``level``), an id, an action, and the details.

    ``summary`` is a one-line description (where the item sits, its title);
    ``fields`` hold the before and after of what changed (for an added or
    removed item, what it is); ``thresholds`` are set for threshold changes.
    """

    kind: str
    id: str
    action: str
    summary: str = ""
    fields: tuple[FieldChange, ...] = ()
    thresholds: tuple[Threshold, ...] = ()

    def field(self, name: str) -> FieldChange | None:
        """The change of one field, or None."""
        return next((f for f in self.fields if f.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        """The change as plain data."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "id": self.id,
            "action": self.action,
            "summary": self.summary,
            "fields": [f.to_dict() for f in self.fields],
        }
        if self.thresholds:
            out["thresholds"] = [t.to_dict() for t in self.thresholds]
        return out


@frozen
class Side:
    """One side of a diff: the ruleset version and when it is in force."""

    ruleset: str
    version: str | None = None
    effective: str | None = None
    until: str | None = None

    @property
    def key(self) -> str:
        """``name@version`` (``(nothing)`` for the side before a first version)."""
        return self.ruleset if self.version is None else f"{self.ruleset}@{self.version}"

    def in_force(self) -> str:
        """When the version is in force, in words."""
        if self.effective is None:
            return "nothing"
        if self.until is None:
            return f"in force from {self.effective}"
        return f"in force {self.effective} to {self.until}"

    def to_dict(self) -> dict[str, Any]:
        """The side as plain data."""
        return attrs.asdict(self)


@frozen
class RulesetDiff:
    """Everything that differs between two ruleset versions, kind by kind, in a stable order."""

    old: Side
    new: Side
    changes: tuple[Change, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.changes)

    def of(self, kind: str, action: str | None = None) -> tuple[Change, ...]:
        """The changes to one kind of item, optionally of one action."""
        return tuple(
            c for c in self.changes if c.kind == kind and (action is None or c.action == action)
        )

    def ids(self, kind: str, action: str) -> list[str]:
        """The ids of the items of a kind with an action (e.g. the levels added)."""
        return [c.id for c in self.of(kind, action)]

    def counts(self) -> dict[str, dict[str, int]]:
        """How many changes per kind and action, for a summary."""
        out: dict[str, dict[str, int]] = {}
        for c in self.changes:
            out.setdefault(c.kind, {})
            out[c.kind][c.action] = out[c.kind].get(c.action, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        """The diff as plain JSON-ready data, in a stable shape."""
        return {
            "old": self.old.to_dict(),
            "new": self.new.to_dict(),
            "summary": self.counts(),
            "changes": [c.to_dict() for c in self.changes],
        }


def _side(s: Snapshot | None) -> Side:
    if s is None:
        return Side("(nothing)")
    return Side(
        s.ruleset,
        s.label,
        s.effective.isoformat(),
        s.until.isoformat() if s.until else None,
    )


def _sources(meta: m.Meta) -> str:
    return "; ".join(
        s.reference + (f" [{s.confidence}]" if s.confidence else "") for s in meta.sources
    )


def _meta_fields(a: m.Meta, b: m.Meta) -> list[FieldChange]:
    out: list[FieldChange] = []
    if a.title != b.title:
        out.append(FieldChange("title", a.title, b.title))
    if a.doc != b.doc:
        out.append(FieldChange("doc", a.doc, b.doc))
    if a.sources != b.sources:
        out.append(FieldChange("sources", _sources(a) or None, _sources(b) or None))
    return out


def _who(by: tuple[str, ...]) -> str:
    return ", ".join(w.replace("_", " ") for w in by)


def _where(r: Any) -> str:
    """Where a requirement sits: "indicator 4, part standard"."""
    where = f"indicator {r.indicator}" if r.indicator else "no indicator"
    return f"{where}, part {r.node.part}"


def _req_summary(r: Any) -> str:
    node = r.node
    if isinstance(node, m.Unnamed):
        return f"{node.count} requirements not known by text ({_where(r)})"
    text = f"{_where(r)}"
    if node.by:
        text += f", by {_who(node.by)}"
    if node.topic:
        text += f", topic {node.topic}"
    if r.maps is not None:
        text += f", maps to {unparse_selection(r.maps)}"
    return text


def _cond_field(
    name: str,
    a: m.Cond | None,
    b: m.Cond | None,
    sa: Snapshot | None,
    sb: Snapshot | None,
) -> FieldChange:
    return FieldChange(
        name,
        unparse_cond(a) if a is not None else None,
        unparse_cond(b) if b is not None else None,
        describe_cond(a, sa) if a is not None else None,
        describe_cond(b, sb) if b is not None else None,
    )


def _counting(c: m.Cond, scope: Snapshot) -> tuple[str, int, str, m.Selection, int | None] | None:
    """A counting condition as (op, n, phrase, selection, credit years); None otherwise."""
    match c:
        case m.Quantified(quant=q, selection=s, credit_years=y):
            n = size(select(scope, s))
            return {
                "all": (">=", n, f"all {n}", s, y),
                "any": (">=", 1, "any", s, y),
                "none": ("<=", 0, "none", s, y),
            }[q]
        case m.AtLeast(n=n, selection=s, credit_years=y):
            return (">=", n, f"at least {n}", s, y)
        case m.AtMost(n=n, selection=s, credit_years=y):
            return ("<=", n, f"at most {n}", s, y)
        case m.CountCmp(selection=s, op=op, n=n):
            return (op, n, f"{OP_WORDS[op]} {n}", s, None)
    return None


def arrow(old: str, new: str) -> str:
    """``at least 26 → 30``: the new phrase shortened to what differs from the old."""
    a, b = old.rsplit(" ", 1), new.rsplit(" ", 1)
    if len(a) == 2 and len(b) == 2 and a[0] == b[0]:
        return f"{old} → {b[1]}"
    return f"{old} → {new}"


OP_WORDS = {
    ">=": "at least",
    ">": "more than",
    "<=": "at most",
    "<": "fewer than",
    "=": "exactly",
    "!=": "other than",
}


def _same_shape(a: m.Cond, b: m.Cond, sa: Snapshot, sb: Snapshot, out: list[Threshold]) -> bool:
    """True when ``a`` and ``b`` differ at most in their counting numbers; collects those."""
    if isinstance(a, (m.And, m.Or)) and type(a) is type(b):
        return len(a.items) == len(b.items) and all(
            _same_shape(x, y, sa, sb, out) for x, y in zip(a.items, b.items, strict=True)
        )
    if isinstance(a, m.Not) and isinstance(b, m.Not):
        return _same_shape(a.item, b.item, sa, sb, out)
    if isinstance(a, m.Implies) and isinstance(b, m.Implies):
        return _same_shape(a.premise, b.premise, sa, sb, out) and _same_shape(
            a.conclusion, b.conclusion, sa, sb, out
        )
    ca, cb = _counting(a, sa), _counting(b, sb)
    if ca is None or cb is None:
        return a == b
    op_a, _n_a, phrase_a, sel_a, years_a = ca
    op_b, _n_b, phrase_b, sel_b, years_b = cb
    if sel_a != sel_b or years_a != years_b or op_a != op_b:
        return False
    size_a, size_b = size(select(sa, sel_a)), size(select(sb, sel_b))
    if phrase_a != phrase_b or size_a != size_b:
        out.append(
            Threshold(
                unparse_selection(sel_b),
                describe_selection(sel_b, sb),
                phrase_a,
                phrase_b,
                size_a,
                size_b,
            )
        )
    return True


def _condition_change(
    kind: str, id_: str, name: str, a: m.Cond, b: m.Cond, sa: Snapshot, sb: Snapshot
) -> Change | None:
    found: list[Threshold] = []
    if _same_shape(a, b, sa, sb, found):
        if not found:
            return None
        summary = "; ".join(t.words() for t in found)
        return Change(
            kind, id_, "threshold", summary, (_cond_field(name, a, b, sa, sb),), tuple(found)
        )
    return Change(kind, id_, "condition", "", (_cond_field(name, a, b, sa, sb),))


def _by_id(items: Iterable[Any]) -> dict[str, Any]:
    return {x.id: x for x in items}


def _added_removed(
    kind: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    describe: Callable[[Any, Snapshot | None], tuple[str, tuple[FieldChange, ...]]],
    so: Snapshot | None,
    sn: Snapshot | None,
) -> list[Change]:
    out: list[Change] = []
    for k, x in new.items():
        if k not in old:
            summary, fields = describe(x, sn)
            out.append(Change(kind, k, "added", summary, fields))
    for k, x in old.items():
        if k not in new:
            summary, fields = describe(x, so)
            out.append(
                Change(
                    kind,
                    k,
                    "removed",
                    summary,
                    tuple(FieldChange(f.name, f.new, None, f.new_words, None) for f in fields),
                )
            )
    return out


def _titled(x: Any, _s: Snapshot | None) -> tuple[str, tuple[FieldChange, ...]]:
    return f'"{x.title}"', ()


def _indicator_desc(x: Any, _s: Snapshot | None) -> tuple[str, tuple[FieldChange, ...]]:
    where = f", principle {x.principle}" if x.principle else ""
    return f'"{x.node.title}"{where}', ()


def _req_desc(r: Any, _s: Snapshot | None) -> tuple[str, tuple[FieldChange, ...]]:
    fields: tuple[FieldChange, ...] = ()
    if isinstance(r.node, m.Requirement):
        fields = (FieldChange("text", None, r.node.text),)
    return _req_summary(r), fields


def _fact_desc(f: m.Fact, _s: Snapshot | None) -> tuple[str, tuple[FieldChange, ...]]:
    default = "" if f.default is None else f" default {_lit(f.default)}"
    return f"{f.type}{default}", ()


def _decision_desc(
    attr: str,
) -> Callable[[Any, Snapshot | None], tuple[str, tuple[FieldChange, ...]]]:
    def describe(x: Any, s: Snapshot | None) -> tuple[str, tuple[FieldChange, ...]]:
        cond = getattr(x, attr)
        title = getattr(x, "title", "")
        kind = f"{x.kind} award " if isinstance(x, m.Award) else ""
        return f'{kind}"{title}"', (_cond_field(attr, None, cond, None, s),)

    return describe


def _lit(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return v.isoformat() if hasattr(v, "isoformat") else str(v)


_EMPTY_SCOPE: dict[str, Any] = {
    "parts": {},
    "topics": {},
    "principles": {},
    "indicators": {},
    "requirements": {},
    "facts": {},
    "levels": (),
    "awards": (),
    "invariants": (),
}


def _get(s: Snapshot | None, attr: str) -> Any:
    return _EMPTY_SCOPE[attr] if s is None else getattr(s, attr)


def diff_snapshots(old_scope: Snapshot | None, new_scope: Snapshot) -> RulesetDiff:
    """The structural diff between two merged snapshots (two versions, or two rulesets).

    Args:
        old_scope: the older version, merged with what it uses (``checked.scope(snap)``);
            None to list everything ``new_scope`` declares as added.
        new_scope: the newer version, merged likewise.

    Returns:
        The changes, ordered by kind (``KINDS``), then action (``ACTIONS``), then
        declaration order.
    """
    so, sn = old_scope, new_scope
    changes: list[Change] = []

    for kind, attr in (("part", "parts"), ("topic", "topics")):
        a, b = _get(so, attr), _get(sn, attr)
        changes += _added_removed(kind, a, b, _titled, so, sn)
        for k in b:
            if k in a:
                fields = _meta_fields(a[k].meta, b[k].meta)
                if a[k].title != b[k].title:
                    fields.insert(0, FieldChange("title", a[k].title, b[k].title))
                if fields:
                    changes.append(Change(kind, k, "changed", f'"{b[k].title}"', tuple(fields)))

    a, b = _get(so, "principles"), _get(sn, "principles")
    changes += _added_removed("principle", a, b, _titled, so, sn)
    for k in b:
        if k in a and a[k].title != b[k].title:
            changes.append(
                Change(
                    "principle",
                    k,
                    "changed",
                    f'"{b[k].title}"',
                    (FieldChange("title", a[k].title, b[k].title),),
                )
            )

    a, b = _get(so, "indicators"), _get(sn, "indicators")
    changes += _added_removed("indicator", a, b, _indicator_desc, so, sn)
    for k in b:
        if k not in a:
            continue
        x, y = a[k], b[k]
        if x.principle != y.principle:
            changes.append(
                Change(
                    "indicator",
                    k,
                    "moved",
                    f'"{y.node.title}"',
                    (FieldChange("principle", x.principle, y.principle),),
                )
            )
        fields = []
        if x.node.title != y.node.title:
            fields.append(FieldChange("title", x.node.title, y.node.title))
        if x.node.maps != y.node.maps:
            fields.append(
                FieldChange(
                    "maps",
                    unparse_selection(x.node.maps) if x.node.maps else None,
                    unparse_selection(y.node.maps) if y.node.maps else None,
                )
            )
        fields += _meta_fields(x.node.meta, y.node.meta)
        if fields:
            changes.append(Change("indicator", k, "changed", f'"{y.node.title}"', tuple(fields)))

    changes += _requirements(so, sn)

    a, b = _get(so, "facts"), _get(sn, "facts")
    changes += _added_removed("fact", a, b, _fact_desc, so, sn)
    for k in b:
        if k in a and a[k] != b[k]:
            x, y = a[k], b[k]
            fields = []
            if x.type != y.type:
                fields.append(FieldChange("type", x.type, y.type))
            if x.default != y.default:
                fields.append(
                    FieldChange(
                        "default",
                        None if x.default is None else _lit(x.default),
                        None if y.default is None else _lit(y.default),
                    )
                )
            fields += _meta_fields(x.meta, y.meta)
            changes.append(Change("fact", k, "changed", _fact_desc(y, sn)[0], tuple(fields)))

    for kind, attr, cond_attr in (
        ("level", "levels", "requires"),
        ("award", "awards", "requires"),
        ("invariant", "invariants", "holds"),
    ):
        a, b = _by_id(_get(so, attr)), _by_id(_get(sn, attr))
        changes += _added_removed(kind, a, b, _decision_desc(cond_attr), so, sn)
        for k, y in b.items():
            if k not in a:
                continue
            x = a[k]
            assert so is not None  # a shared id implies an old side
            title = f'"{y.title}"'
            ch = _condition_change(
                kind, k, cond_attr, getattr(x, cond_attr), getattr(y, cond_attr), so, sn
            )
            if ch is not None:
                changes.append(attrs.evolve(ch, summary=f"{title}: {ch.summary}".rstrip(": ")))
            fields = []
            if x.title != y.title:
                fields.append(FieldChange("title", x.title, y.title))
            if isinstance(x, m.Award) and x.kind != y.kind:
                fields.append(FieldChange("kind", x.kind, y.kind))
            fields += [f for f in _meta_fields(x.meta, y.meta) if f.name != "title"]
            if fields:
                changes.append(Change(kind, k, "changed", title, tuple(fields)))
        if kind == "level":
            shared_old = [k for k in a if k in b]
            shared_new = [k for k in b if k in a]
            if shared_old != shared_new:
                changes.append(
                    Change(
                        "level",
                        "(order)",
                        "reordered",
                        "levels are ranked in declaration order",
                        (FieldChange("order", " < ".join(shared_old), " < ".join(shared_new)),),
                    )
                )

    order_k = {k: i for i, k in enumerate(KINDS)}
    order_a = {k: i for i, k in enumerate(ACTIONS)}
    # sorted() is stable: within a kind and action, declaration order is kept.
    changes.sort(key=lambda c: (order_k[c.kind], order_a[c.action]))
    return RulesetDiff(_side(so), _side(sn), tuple(changes))


def _requirements(so: Snapshot | None, sn: Snapshot) -> list[Change]:
    a, b = _get(so, "requirements"), _get(sn, "requirements")
    out = _added_removed("requirement", a, b, _req_desc, so, sn)
    for k, y in b.items():
        if k not in a:
            continue
        x = a[k]
        xn, yn = x.node, y.node
        summary = _req_summary(y)
        if type(xn) is not type(yn):
            out.append(
                Change(
                    "requirement",
                    k,
                    "changed",
                    summary,
                    (FieldChange("kind", _req_summary(x), summary),),
                )
            )
            continue
        if isinstance(xn, m.Requirement) and xn.text != yn.text:
            out.append(
                Change(
                    "requirement", k, "reworded", summary, (FieldChange("text", xn.text, yn.text),)
                )
            )
        moved = []
        if x.indicator != y.indicator:
            moved.append(FieldChange("indicator", x.indicator, y.indicator))
        if xn.part != yn.part:
            moved.append(FieldChange("part", xn.part, yn.part))
        if moved:
            out.append(Change("requirement", k, "moved", summary, tuple(moved)))
        fields: list[FieldChange] = []
        if isinstance(xn, m.Unnamed):
            if xn.count != yn.count:
                fields.append(FieldChange("count", str(xn.count), str(yn.count)))
        else:
            if xn.by != yn.by:
                fields.append(FieldChange("by", _who(xn.by) or None, _who(yn.by) or None))
            if xn.topic != yn.topic:
                fields.append(FieldChange("topic", xn.topic, yn.topic))
            if xn.applies != yn.applies:
                fields.append(_cond_field("applies", xn.applies, yn.applies, so, sn))
            if x.maps != y.maps:
                fields.append(
                    FieldChange(
                        "maps",
                        unparse_selection(x.maps) if x.maps is not None else None,
                        unparse_selection(y.maps) if y.maps is not None else None,
                    )
                )
        fields += _meta_fields(xn.meta, yn.meta)
        if fields:
            out.append(Change("requirement", k, "changed", summary, tuple(fields)))
    return out


def diff_refs(old: str, new: str) -> RulesetDiff:
    """The diff between two refs (``standard@2004``, ``lm_theme``, ``path.rules@2009``).

    A ref without ``@version`` means the ruleset's newest version.

    Raises:
        RulesetNotFound: a ruleset or version does not exist.
        RulesError: a ruleset has errors.
    """
    return diff_snapshots(scope_of(old), scope_of(new))


def scope_of(ref: str) -> Snapshot:
    """The merged snapshot a ref names (newest version when none is given)."""
    checked, snap = api.resolve_ref(ref)
    return checked.scope(snap)


def version_diffs(checked: CheckedRuleset) -> list[RulesetDiff]:
    """Each version of a ruleset against the one before (the first against nothing)."""
    out: list[RulesetDiff] = []
    previous: Snapshot | None = None
    for snap in checked.snapshots:
        scope = checked.scope(snap)
        out.append(diff_snapshots(previous, scope))
        previous = scope
    return out


def item_of(s: Snapshot | None, kind: str, ident: str) -> Any:
    """The model node a change names on one side (None when that side lacks it).

    For renderers that describe items themselves (the Sphinx extension links
    every name): a part, topic, principle, indicator, requirement (its node),
    fact, level, award or invariant.
    """
    if s is None:
        return None
    match kind:
        case "part" | "topic" | "principle" | "fact":
            return _get(s, _TABLE[kind]).get(ident)
        case "indicator" | "requirement":
            info = _get(s, _TABLE[kind]).get(ident)
            return None if info is None else info.node
        case "level" | "award" | "invariant":
            return _by_id(_get(s, _TABLE[kind])).get(ident)
    raise KeyError(kind)


#: The snapshot attribute holding each kind of item.
_TABLE = {k: PLURAL[k] for k in KINDS}
