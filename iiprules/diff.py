"""Diff: two ruleset versions → what changed (``RulesetDiff``) and whom it affects (``Impact``).

Input → output: two merged snapshots (``CheckedRuleset.scope``: a version with
the version of the ruleset it uses) → ``RulesetDiff``, the structural
changes a reviewer reads: parts, topics, principles and indicators added or
removed; requirements added, removed, reworded (text changed), moved
(indicator or part changed) or otherwise changed; facts; levels, awards and
invariants added, removed, or with a changed condition, reported as a
*threshold* change when only the numbers of counting conditions differ
(``at least 26 → 30 of part extended``), or when a selection's size changed
under the same words. Conditions are shown in rules text (``unparse_cond``)
and in plain English (``describe_cond`` with each side's snapshot).

With a population (a folder of YAML/JSON evidence files, or a JSONL file
with one evidence mapping per line) → ``Impact``: every organisation judged
under both versions, pinned (the assessment date does not pick the version);
counts per level and award, moves up and down, and the organisations that
change with the first decision that differs.

The docs build uses ``diff_snapshots``/``version_diffs`` and the renderers;
``iiprules diff`` lives in ``iiprules.cli.diff``. Nothing here prints.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
from attrs import field, frozen

from iiprules import api
from iiprules import model as m
from iiprules.check import CheckedRuleset, Snapshot, select, size
from iiprules.diagnostics import EvaluationError, EvidenceError, RulesetNotFound
from iiprules.evaluate import Decision, Evaluator, Outcome, Trace
from iiprules.evidence import FIELDS, HISTORY_FIELDS, Earlier, Evidence, validate
from iiprules.evidence import load as load_evidence
from iiprules.explain import describe_cond, describe_selection, trace_line
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
_PLURAL = {
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

# -- the structural diff ----------------------------------------------------------------


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


# conditions: thresholds -------------------------------------------------------------


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
            return (op, n, f"{_OP_WORDS[op]} {n}", s, None)
    return None


def arrow(old: str, new: str) -> str:
    """``at least 26 → 30``: the new phrase shortened to what differs from the old."""
    a, b = old.rsplit(" ", 1), new.rsplit(" ", 1)
    if len(a) == 2 and len(b) == 2 and a[0] == b[0]:
        return f"{old} → {b[1]}"
    return f"{old} → {new}"


_OP_WORDS = {
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


# the comparison, kind by kind -----------------------------------------------------------


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


# -- rendering the structural diff --------------------------------------------------------

_MARK = {"added": "+", "removed": "-"}


def _summary_line(d: RulesetDiff) -> str:
    counts = d.counts()
    if not counts:
        return "No changes."
    parts = []
    for kind in KINDS:
        if kind in counts:
            acts = ", ".join(f"{counts[kind][a]} {a}" for a in ACTIONS if a in counts[kind])
            parts.append(f"{_PLURAL[kind]}: {acts}")
    return "Summary: " + "; ".join(parts)


def _plain(s: str) -> str:
    return s


def _field_lines(
    c: Change, indent: str, code: Callable[[str], str] = _plain, sub: str = "     "
) -> list[str]:
    """The details of a change, one line each; ``code`` marks up rules text."""
    lines: list[str] = []
    for f in c.fields:
        if f.name == "doc":
            lines.append(f"{indent}doc: changed")
            continue
        rules = f.old_words is not None or f.new_words is not None or f.name == "maps"
        if c.action in ("added", "removed"):
            value = f.new if c.action == "added" else f.old
            words = f.new_words if c.action == "added" else f.old_words
            if f.name == "text":
                lines.append(f'{indent}"{value}"')
            elif value is not None:
                lines.append(f"{indent}{f.name} {code(value) if rules else value}")
                if words:
                    lines.append(f"{indent}{sub[:2]}i.e. {words}")
            continue
        if rules:
            lines.append(f"{indent}was: {code(f.old) if f.old else '(none)'}")
            if f.old_words:
                lines.append(f"{indent}{sub}i.e. {f.old_words}")
            lines.append(f"{indent}now: {code(f.new) if f.new else '(none)'}")
            if f.new_words:
                lines.append(f"{indent}{sub}i.e. {f.new_words}")
        elif f.name == "text":
            lines.append(f'{indent}was: "{f.old}"')
            lines.append(f'{indent}now: "{f.new}"')
        else:
            lines.append(f"{indent}{f.name}: {f.old or '(none)'} → {f.new or '(none)'}")
    return lines


def _head(c: Change) -> str:
    mark = _MARK.get(c.action, "~")
    label = {
        "added": "",
        "removed": "",
        "reworded": " reworded",
        "moved": " moved",
        "threshold": " threshold changed",
        "condition": " condition changed",
        "reordered": "",
        "changed": " changed",
    }[c.action]
    summary = c.summary
    if c.action == "threshold":
        return f"{mark} {c.id}{label}: {summary}"
    return f"{mark} {c.id}{label}" + (f" - {summary}" if summary else "")


def render_text(d: RulesetDiff) -> str:
    """The diff as plain text, grouped by kind; ``+`` added, ``-`` removed, ``~`` changed."""
    lines = [
        f"{d.old.key} → {d.new.key}",
        f"  {d.old.key}: {d.old.in_force()}",
        f"  {d.new.key}: {d.new.in_force()}",
        "",
        _summary_line(d),
    ]
    for kind in KINDS:
        changes = d.of(kind)
        if not changes:
            continue
        lines += ["", _PLURAL[kind].capitalize()]
        for c in changes:
            lines.append("  " + _head(c))
            lines.extend(_field_lines(c, "      "))
    return "\n".join(lines) + "\n"


def render_markdown(d: RulesetDiff) -> str:
    """The diff as Markdown: a heading per kind, a bullet per change."""
    lines = [
        f"# Changes from `{d.old.key}` to `{d.new.key}`",
        "",
        f"- `{d.old.key}`: {d.old.in_force()}",
        f"- `{d.new.key}`: {d.new.in_force()}",
        "",
        _summary_line(d),
    ]
    for kind in KINDS:
        changes = d.of(kind)
        if not changes:
            continue
        lines += ["", f"## {_PLURAL[kind].capitalize()}", ""]
        for c in changes:
            lines.append(f"- **{c.action}** `{c.id}`" + (f": {c.summary}" if c.summary else ""))
            for fl in _field_lines(c, "", lambda s: f"`{s}`", ""):
                lines.append(f"  - {fl}")
    return "\n".join(lines) + "\n"


def render_json(d: RulesetDiff) -> str:
    """The diff as JSON (``RulesetDiff.to_dict``)."""
    return json.dumps(d.to_dict(), indent=2, ensure_ascii=False) + "\n"


# -- impact on a population ---------------------------------------------------------------

#: File endings read as one organisation each when a population is a folder.
EVIDENCE_SUFFIXES = (".yaml", ".yml", ".json")


def iter_population(path: str | Path) -> Iterator[tuple[str, Callable[[], Evidence]]]:
    """The organisations of a population, lazily: ``(where, load)`` pairs.

    ``path`` is a folder (every ``.yaml``/``.yml``/``.json`` file in it, sorted,
    and every ``.jsonl`` file line by line), a ``.jsonl`` file (one evidence
    mapping per line; blank lines skipped) or a single evidence file. ``load()``
    reads one organisation and may raise ``EvidenceError``; reading is lazy, so
    memory stays constant however large the population.

    Raises:
        EvidenceError: the path does not exist.
    """
    p = Path(path)
    if p.is_dir():
        for f in sorted(p.iterdir()):
            if f.is_file() and f.suffix in EVIDENCE_SUFFIXES:
                yield str(f), _file_loader(f)
            elif f.is_file() and f.suffix == ".jsonl":
                yield from _jsonl(f)
    elif p.is_file() and p.suffix == ".jsonl":
        yield from _jsonl(p)
    elif p.is_file():
        yield str(p), _file_loader(p)
    else:
        raise EvidenceError("no such file or folder", None, str(p), None)


def _file_loader(f: Path) -> Callable[[], Evidence]:
    return lambda: load_evidence(f)


def _jsonl(f: Path) -> Iterator[tuple[str, Callable[[], Evidence]]]:
    with f.open(encoding="utf-8") as lines:
        for n, line in enumerate(lines, 1):
            if line.strip():
                yield f"{f}:{n}", _line_loader(line, str(f), n)


def _line_loader(line: str, path: str, n: int) -> Callable[[], Evidence]:
    def load() -> Evidence:
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvidenceError(f"not valid JSON: {exc.msg}", None, path, n) from None
        fast = _fast_evidence(data, f"{path}:{n}")
        if fast is not None:
            return fast
        try:
            ev = load_evidence(data)
        except EvidenceError as exc:
            raise EvidenceError(exc.message, exc.field, path, n) from None
        return attrs.evolve(ev, path=f"{path}:{n}")

    return load


class _Judge:
    """One side of an impact run: a pinned version, and evidence fitted to it."""

    def __init__(self, ref: str) -> None:
        checked, snap = api.resolve_ref(ref)
        self.evaluator: Evaluator = api.evaluator_for(checked, snap, None)
        scope = self.evaluator.scope
        self.scope = scope
        self.key = snap.key
        self.named = frozenset(
            k
            for k, r in scope.requirements.items()
            if isinstance(r.node, m.Requirement) and r.maps is None
        )
        self.groups = frozenset(
            k for k, r in scope.requirements.items() if isinstance(r.node, m.Unnamed)
        )
        self.facts = frozenset(scope.facts)
        self.levels = tuple(lv.id for lv in scope.levels)
        self.awards = tuple(a.id for a in scope.awards)

    def judge(self, ev: Evidence, explain: bool = False) -> Outcome:
        """The outcome under this version."""
        return self.evaluator.evaluate(ev, explain)


class _Fit:
    """Evidence restricted to what either side knows, validated once for both.

    An evidence file may serve several rulesets: requirements, groups and facts
    that neither side has are dropped (and counted), and earlier levels neither
    side knows count as recognitions. Each evaluator ignores the ids of the other.
    """

    def __init__(self, a: _Judge, b: _Judge) -> None:
        self.named = a.named | b.named
        self.groups = a.groups | b.groups
        self.facts = a.facts | b.facts
        self.levels = frozenset((*a.levels, *b.levels, "none"))
        self.scopes = [a.scope, b.scope]

    def __call__(self, ev: Evidence) -> tuple[Evidence, bool]:
        """The fitted, validated evidence, and whether anything was dropped."""
        named, groups = self.named, self.groups
        met = frozenset(x for x in ev.met if x in named)
        unnamed = {k: v for k, v in ev.unnamed_met.items() if k in groups}
        facts = {k: v for k, v in ev.raw_facts.items() if k in self.facts}
        dropped = len(met) < len(ev.met) or len(unnamed) < len(ev.unnamed_met)
        dropped = dropped or len(facts) < len(ev.raw_facts)
        history = tuple(
            h
            if h.met <= named
            and all(k in groups for k in h.unnamed_met)
            and (h.level is None or h.level in self.levels)
            else attrs.evolve(
                h,
                met=frozenset(x for x in h.met if x in named),
                unnamed_met={k: v for k, v in h.unnamed_met.items() if k in groups},
                level=h.level if h.level in self.levels else None,
            )
            for h in ev.history
        )
        if dropped or history != ev.history or not ev.pending <= named:
            ev = attrs.evolve(
                ev,
                met=met,
                pending=frozenset(x for x in ev.pending if x in named),
                unnamed_met=unnamed,
                history=history,
                raw_facts=facts,
            )
        return validate(ev, self.scopes), dropped


def _fast_evidence(data: Any, where: str) -> Evidence | None:
    """Evidence from a plain JSON mapping of the usual shape, or None to take the slow path.

    The slow path (``evidence.load``) gives the precise message for anything unusual;
    this one only skips its line bookkeeping, which JSONL does not have.
    """
    if not isinstance(data, dict) or not data.keys() <= _FIELDS:
        return None
    try:
        org, on = data["organisation"], dt.date.fromisoformat(data["assessed_on"])
        met = _str_set(data.get("met", []))
        pending = _str_set(data.get("pending", []))
        unnamed = _counts(data.get("unnamed_met", {}))
        facts = data.get("facts", {})
        history = tuple(_fast_earlier(h) for h in data.get("history", []))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    if not isinstance(org, str) or not isinstance(facts, dict) or met & pending:
        return None
    if None in history or any(h.assessed_on > on for h in history):  # type: ignore[union-attr]
        return None
    extra = {k: data[k] for k in ("id", "sector", "size", "notes") if k in data}
    return Evidence(
        org,
        on,
        met,
        unnamed,
        {},
        history,  # type: ignore[arg-type]
        pending,
        extra=extra,
        path=where,
        raw_facts=facts,
    )


_FIELDS = frozenset(FIELDS)
_HISTORY_FIELDS = frozenset(HISTORY_FIELDS)


def _str_set(v: Any) -> frozenset[str]:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise TypeError
    out = frozenset(v)
    if len(out) != len(v):
        raise ValueError  # a duplicate: the slow path names it
    return out


def _counts(v: Any) -> dict[str, int]:
    if not isinstance(v, dict):
        raise TypeError
    for x in v.values():
        if not isinstance(x, int) or isinstance(x, bool) or x < 0:
            raise ValueError
    return v


def _fast_earlier(h: Any) -> Earlier | None:
    if not isinstance(h, dict) or not h.keys() <= _HISTORY_FIELDS:
        return None
    level, ruleset = h.get("level"), h.get("ruleset")
    if not isinstance(level, (str, type(None))) or not isinstance(ruleset, (str, type(None))):
        return None
    return Earlier(
        dt.date.fromisoformat(h["assessed_on"]),
        _str_set(h.get("met", [])),
        _counts(h.get("unnamed_met", {})),
        ruleset,
        level,
    )


@frozen
class OrgChange:
    """An organisation whose outcome differs, and why (the first decision that differs)."""

    organisation: str
    where: str
    old_level: str | None
    new_level: str | None
    move: str
    gained: tuple[str, ...]
    lost: tuple[str, ...]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """The change as plain data."""
        return attrs.asdict(self)


@frozen
class AwardImpact:
    """One award (or an OLD award compared with a NEW one): eligible before, after, moves."""

    old_id: str | None
    new_id: str | None
    old_count: int
    new_count: int
    gained: int
    lost: int

    @property
    def label(self) -> str:
        """The award's id, or ``old → new`` when two different awards are compared."""
        if self.old_id == self.new_id:
            return str(self.old_id)
        if self.old_id is None:
            return f"{self.new_id} (NEW only)"
        if self.new_id is None:
            return f"{self.old_id} (OLD only)"
        return f"{self.old_id} → {self.new_id}"

    def to_dict(self) -> dict[str, Any]:
        """The award impact as plain data."""
        return attrs.asdict(self) | {"label": self.label}


@frozen
class Impact:
    """What changing from OLD to NEW does to a population of organisations.

    ``levels`` is the combined level order (``none`` first); ``moves`` counts
    organisations by (old level, new level); ``changes`` lists the first
    ``limit`` organisations that change, ``changed`` counts them all, and
    ``reasons`` the most common reasons (without the figures).
    """

    old: str
    new: str
    organisations: int
    judged: int
    levels: tuple[str, ...]
    old_levels: Mapping[str, int]
    new_levels: Mapping[str, int]
    moves: Mapping[tuple[str, str], int]
    up: int
    down: int
    same: int
    awards: tuple[AwardImpact, ...]
    changed: int
    changes: tuple[OrgChange, ...]
    reasons: tuple[tuple[str, int], ...] = ()
    errors: tuple[tuple[str, str], ...] = ()
    error_count: int = 0
    ignored: int = 0
    pair: tuple[str, str] | None = None
    seconds: float = field(default=0.0, eq=False)

    def to_dict(self) -> dict[str, Any]:
        """The impact as plain JSON-ready data (without the timing, which varies)."""
        return {
            "old": self.old,
            "new": self.new,
            "organisations": self.organisations,
            "judged": self.judged,
            "could_not_judge": self.error_count,
            "errors": [{"where": w, "message": e} for w, e in self.errors],
            "ignored_unknown": self.ignored,
            "levels": {
                lv: {"old": self.old_levels.get(lv, 0), "new": self.new_levels.get(lv, 0)}
                for lv in self.levels
            },
            "moves": [
                {"from": a, "to": b, "count": n}
                for (a, b), n in sorted(self.moves.items(), key=lambda kv: self._move_key(kv[0]))
            ],
            "up": self.up,
            "down": self.down,
            "same": self.same,
            "pair": list(self.pair) if self.pair else None,
            "awards": [a.to_dict() for a in self.awards],
            "changed": self.changed,
            "reasons": [{"reason": r, "count": n} for r, n in self.reasons],
            "changes": [c.to_dict() for c in self.changes],
        }

    def _move_key(self, move: tuple[str, str]) -> tuple[int, int]:
        return (self.levels.index(move[0]), self.levels.index(move[1]))


def _combined(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    """Both level orders merged, keeping each side's order (``none`` first)."""
    out: list[str] = []
    for lv in itertools.chain(*itertools.zip_longest(a, b)):
        if lv is not None and lv not in out:
            out.append(lv)
    # Put each level after the levels below it on either side.
    ordered: list[str] = []
    for lv in out:
        pos = len(ordered)
        for side in (a, b):
            if lv in side:
                above = side[side.index(lv) + 1 :]
                for i, x in enumerate(ordered):
                    if x in above:
                        pos = min(pos, i)
        ordered.insert(pos, lv)
    return ("none", *ordered)


def impact(
    old: str,
    new: str,
    population: str | Path | Iterable[tuple[str, Callable[[], Evidence]]],
    award: str | None = None,
    vs: str | None = None,
    limit: int = 50,
) -> Impact:
    """Judge every organisation under OLD and under NEW, and report who moves.

    Args:
        old: the ref judged first (``standard@2004``, ``lm_theme``, a path).
        new: the ref it is compared with.
        population: a folder, a ``.jsonl`` file or an evidence file (see
            ``iter_population``), or already-read ``(where, load)`` pairs.
        award: compare only this award of OLD (and levels) ...
        vs: ... with this award of NEW (default: the same id). ``lm_themed`` vs
            ``lm_partner`` asks who gains and who loses between Option 1 and Option 3.
        limit: how many changed organisations to list (0: all).

    Raises:
        RulesetNotFound: a ruleset, version or award does not exist.
        RulesError: a ruleset has errors.
        EvidenceError: the population path does not exist.
    """
    start = time.perf_counter()
    a, b = _Judge(old), _Judge(new)
    pair: tuple[str, str] | None = None
    if award is not None or vs is not None:
        pair = (award or str(vs), vs or str(award))
        for judge, aid, ref in ((a, pair[0], old), (b, pair[1], new)):
            if aid not in judge.awards:
                have = ", ".join(judge.awards) or "none"
                raise RulesetNotFound(f"'{ref}' has no award '{aid}' (awards: {have})")
        award_ids: list[tuple[str | None, str | None]] = [pair]
    else:
        award_ids = [(x, x if x in b.awards else None) for x in a.awards]
        award_ids += [(None, x) for x in b.awards if x not in a.awards]
    levels = _combined(a.levels, b.levels)
    rank = {lv: i for i, lv in enumerate(levels)}
    rows = iter_population(population) if isinstance(population, (str, Path)) else population
    n = judged = up = down = same = changed = ignored = error_count = 0
    old_levels: Counter[str] = Counter()
    new_levels: Counter[str] = Counter()
    moves: Counter[tuple[str, str]] = Counter()
    award_counts = [[0, 0, 0, 0] for _ in award_ids]  # old, new, gained, lost
    changes: list[OrgChange] = []
    reasons: Counter[str] = Counter()
    errors: list[tuple[str, str]] = []
    fit = _Fit(a, b)
    for where, load in rows:
        n += 1
        try:
            ev, dropped = fit(load())
            ignored += dropped
            oa, ob = a.judge(ev), b.judge(ev)
        except (EvidenceError, EvaluationError) as exc:
            error_count += 1
            if len(errors) < max(limit, 10):
                errors.append((where, str(exc)))
            continue
        judged += 1
        la, lb = oa.level or "none", ob.level or "none"
        old_levels[la] += 1
        new_levels[lb] += 1
        moves[(la, lb)] += 1
        move = "up" if rank[lb] > rank[la] else "down" if rank[lb] < rank[la] else "same"
        up += move == "up"
        down += move == "down"
        same += move == "same"
        ra, rb = oa.award_results, ob.award_results
        gained: list[str] = []
        lost: list[str] = []
        for i, (x, y) in enumerate(award_ids):
            had = bool(x and ra.get(x))
            has = bool(y and rb.get(y))
            counts = award_counts[i]
            counts[0] += had
            counts[1] += has
            if has and not had:
                counts[2] += 1
                gained.append(str(y))
            elif had and not has:
                counts[3] += 1
                lost.append(str(x))
        if move == "same" and not gained and not lost:
            continue
        changed += 1
        # Only organisations that change are judged again with explanations.
        key, detail = _reason(
            a.judge(ev, explain=True), b.judge(ev, explain=True), a, b, levels, award_ids
        )
        reasons[key] += 1
        if limit <= 0 or len(changes) < limit:
            changes.append(
                OrgChange(
                    ev.organisation,
                    where,
                    oa.level,
                    ob.level,
                    move,
                    tuple(gained),
                    tuple(lost),
                    key + detail,
                )
            )
    return Impact(
        a.key,
        b.key,
        n,
        judged,
        levels,
        dict(old_levels),
        dict(new_levels),
        dict(moves),
        up,
        down,
        same,
        tuple(
            AwardImpact(x, y, c[0], c[1], c[2], c[3])
            for (x, y), c in zip(award_ids, award_counts, strict=True)
        ),
        changed,
        tuple(changes),
        tuple(reasons.most_common(10)),
        tuple(errors),
        error_count,
        ignored,
        pair,
        time.perf_counter() - start,
    )


# the first differing decision ------------------------------------------------------------


def _phrase(t: Trace) -> str:
    node = t.node
    match node:
        case m.Quantified(quant="all"):
            return f"all {t.total}"
        case m.Quantified(quant=q):
            return q
        case m.AtLeast(n=n):
            return f"at least {n}"
        case m.AtMost(n=n):
            return f"at most {n}"
        case m.CountCmp(op=op, n=n):
            return f"{_OP_WORDS[op]} {n}"
    return unparse_cond(node)  # pragma: no cover


def _line(t: Trace, titles: Mapping[str, str]) -> str:
    # The figures without the list of what is missing: a reason stays one short line.
    return trace_line(t, titles).split("] ", 1)[-1].split("; not met: ", 1)[0]


def _mark(t: Trace) -> str:
    return "yes" if t.holds else "no"


def _trace_diff(
    ta: Trace, tb: Trace, titles_a: Mapping[str, str], titles_b: Mapping[str, str]
) -> tuple[str, str]:
    """The first place two traces of the same decision differ: (key, figures)."""
    na, nb = ta.node, tb.node
    if (
        isinstance(na, (m.And, m.Or, m.Not, m.Implies))
        and type(na) is type(nb)
        and len(ta.children) == len(tb.children)
    ):
        pairs = list(zip(ta.children, tb.children, strict=True))
        for ca, cb in pairs:
            if ca.holds != cb.holds:
                return _trace_diff(ca, cb, titles_a, titles_b)
        for ca, cb in pairs:
            if ca.node != cb.node or ca.count != cb.count:
                return _trace_diff(ca, cb, titles_a, titles_b)
    if (
        ta.count is not None
        and tb.count is not None
        and getattr(na, "selection", None) == getattr(nb, "selection", None)
    ):
        sel = describe_selection(nb.selection, None, titles_b)
        pa, pb = _phrase(ta), _phrase(tb)
        if pa != pb:
            met = f"{tb.count}" if ta.count == tb.count else f"{ta.count} → {tb.count}"
            return f"{arrow(pa, pb)} of {sel}", f": {met} met"
        return f"{pa} of {sel}", f": {ta.count} → {tb.count} met"
    return (
        f"was {_line(ta, titles_a)} [{_mark(ta)}]; now {_line(tb, titles_b)} [{_mark(tb)}]",
        "",
    )


def _gist(d: Decision, titles: Mapping[str, str]) -> str:
    """The figures that decide a decision: its counting conditions, or its failing parts."""
    if d.trace is None:
        return ""
    stack, leaves, context = [d.trace], [], []
    while stack:
        t = stack.pop()
        if t.children and isinstance(t.node, (m.And, m.Or)):
            stack.extend(reversed(t.children))
        elif d.holds or not t.holds:
            # Levels and awards a decision builds on say less than its own figures.
            into = context if isinstance(t.node, (m.LevelCmp, m.AwardRef)) else leaves
            into.append(f"{_line(t, titles)} [{_mark(t)}]")
    return "; ".join((leaves or context)[:3])


def _reason(
    oa: Outcome,
    ob: Outcome,
    a: _Judge,
    b: _Judge,
    levels: tuple[str, ...],
    award_ids: list[tuple[str | None, str | None]],
) -> tuple[str, str]:
    """The first decision that differs, levels first: (key without figures, figures)."""
    la = {d.id: d for d in oa.levels}
    lb = {d.id: d for d in ob.levels}
    for lv in levels[1:]:
        x, y = la.get(lv), lb.get(lv)
        if x is not None and y is not None and x.holds != y.holds:
            assert x.trace is not None and y.trace is not None  # judged with explain=True
            key, figures = _trace_diff(x.trace, y.trace, oa.titles, ob.titles)
            return f"{lv}: {key}", figures
        if x is None and y is not None and y.holds:
            return f"{lv}: new in {b.key}", f" ({_gist(y, ob.titles)})"
        if y is None and x is not None and x.holds:
            return f"{lv}: not in {b.key}", f" (held under {a.key}: {_gist(x, oa.titles)})"
    aa = {d.id: d for d in oa.awards}
    ab = {d.id: d for d in ob.awards}
    for xid, yid in award_ids:
        x = aa.get(xid) if xid else None
        y = ab.get(yid) if yid else None
        had, has = bool(x and x.holds), bool(y and y.holds)
        if had == has:
            continue
        if x is not None and y is not None and xid == yid:
            assert x.trace is not None and y.trace is not None
            key, figures = _trace_diff(x.trace, y.trace, oa.titles, ob.titles)
            return f"{xid}: {key}", figures
        if x is not None and y is not None:
            yes, no = (yid, xid) if has else (xid, yid)
            return (
                f"{xid} → {yid}: {'gains' if has else 'loses'} ({yes} yes, {no} no)",
                f": {xid}: {_gist(x, oa.titles)}; {yid}: {_gist(y, ob.titles)}",
            )
        if y is not None:
            return f"{yid}: new in {b.key}", f" ({_gist(y, ob.titles)})"
        if x is not None:
            return f"{xid}: not in {b.key}", f" (held under {a.key})"
    return "no decision differs", ""  # pragma: no cover - guarded by the caller


# -- rendering the impact ------------------------------------------------------------------


def render_impact_text(im: Impact) -> str:
    """The impact as plain text: levels, moves, awards, reasons, and who changes."""
    lines = [
        f"Impact of {im.old} → {im.new} on {im.organisations} organisation(s)",
        f"  judged under both: {im.judged}; could not be judged: {im.error_count}",
    ]
    if im.ignored:
        lines.append(
            f"  {im.ignored} organisation(s) named requirements or facts known to neither "
            "version; those were ignored"
        )
    lines += [
        "",
        f"Levels: {im.up} up, {im.down} down, {im.same} unchanged",
        f"  {'level':<12}{'old':>8}{'new':>8}{'change':>9}",
    ]
    for lv in im.levels:
        o, nw = im.old_levels.get(lv, 0), im.new_levels.get(lv, 0)
        lines.append(f"  {lv:<12}{o:>8}{nw:>8}{nw - o:>+9}")
    moved = [(k, v) for k, v in im.moves.items() if k[0] != k[1]]
    if moved:
        lines.append("  moves:")
        for (x, y), v in sorted(moved, key=lambda kv: im._move_key(kv[0])):
            lines.append(f"    {x} → {y}: {v}")
    if im.awards:
        title = "Awards" if im.pair is None else "Award compared"
        lines += [
            "",
            f"{title} (eligible under OLD, under NEW; gained, lost)",
        ]
        width = max(len(aw.label) for aw in im.awards) + 2
        for aw in im.awards:
            lines.append(
                f"  {aw.label:<{width}}{aw.old_count:>7}{aw.new_count:>7}   +{aw.gained} -{aw.lost}"
            )
    if im.reasons:
        lines += ["", "Most common reasons (first decision that differs):"]
        lines += [f"  {n:>6}  {r}" for r, n in im.reasons]
    lines += ["", f"Organisations that change: {im.changed}"]
    for c in im.changes:
        awards = "".join(f", +{g}" for g in c.gained) + "".join(f", -{x}" for x in c.lost)
        lines.append(
            f"  {c.organisation} ({c.where}): {c.old_level or 'none'} → {c.new_level or 'none'}"
            f" [{c.move}]{awards}"
        )
        lines.append(f"      because {c.reason}")
    if im.changed > len(im.changes):
        lines.append(f"  ... and {im.changed - len(im.changes)} more (--limit 0 lists all)")
    if im.errors:
        lines += ["", "Could not be judged:"]
        lines += [f"  {w}: {e}" for w, e in im.errors]
    return "\n".join(lines) + "\n"


def render_impact_markdown(im: Impact) -> str:
    """The impact as Markdown tables."""
    lines = [
        f"# Impact of `{im.old}` → `{im.new}`",
        "",
        f"{im.organisations} organisation(s); judged under both: {im.judged}; "
        f"could not be judged: {im.error_count}.",
        "",
        f"**Levels:** {im.up} up, {im.down} down, {im.same} unchanged.",
        "",
        "| Level | Old | New | Change |",
        "|---|---:|---:|---:|",
    ]
    for lv in im.levels:
        o, nw = im.old_levels.get(lv, 0), im.new_levels.get(lv, 0)
        lines.append(f"| {lv} | {o} | {nw} | {nw - o:+d} |")
    if im.awards:
        lines += ["", "| Award | Old | New | Gained | Lost |", "|---|---:|---:|---:|---:|"]
        for aw in im.awards:
            lines.append(
                f"| `{aw.label}` | {aw.old_count} | {aw.new_count} | {aw.gained} | {aw.lost} |"
            )
    if im.reasons:
        lines += ["", "## Most common reasons", ""]
        lines += [f"- {n}: {r}" for r, n in im.reasons]
    lines += ["", f"## Organisations that change ({im.changed})", ""]
    for c in im.changes:
        lines.append(
            f"- **{c.organisation}**: {c.old_level or 'none'} → {c.new_level or 'none'} "
            f"({c.move}); {c.reason}"
        )
    if im.changed > len(im.changes):
        lines.append(f"- ... and {im.changed - len(im.changes)} more")
    return "\n".join(lines) + "\n"


def render_impact_json(im: Impact) -> str:
    """The impact as JSON (``Impact.to_dict``)."""
    return json.dumps(im.to_dict(), indent=2, ensure_ascii=False) + "\n"
