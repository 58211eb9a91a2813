"""Tables of a ruleset page: the embedded examples, and what a version changed.

Input → output: a ``Renderer`` (the ruleset version being shown, its links)
and example results, or a version's ``RulesetDiff`` (from ``iiprules.diff``, the
one version diff, run over the versions' own content) → docutils tables whose
cells hold plain English with links.
"""

from __future__ import annotations

from typing import Any, Protocol

from docutils import nodes

from iiprules import model as m
from iiprules.api import ExampleResult
from iiprules.check import CheckedRuleset, Snapshot
from iiprules.diff import KINDS, RulesetDiff, item_of

from .describe import WHO_WORDS, Describer, text_para, value_words
from .domain import ROLE_OF


class Renderer(Protocol):
    """What the tables need of the page they are drawn on (``render.Renderer`` is one).

    A protocol, not an import of ``render``: ``render`` uses these tables, so
    importing it back would close an import circle.
    """

    checked: CheckedRuleset
    snap: Snapshot
    ruleset: str
    version_key: str
    describer: Describer

    def link(self, objtype: str, ruleset: str, target: str, text: str) -> nodes.Node:
        """A cross-reference to an item of a ruleset."""
        ...

    def section(self, title: str, name: str) -> nodes.section:
        """A new section with a unique id."""
        ...


def examples_table(r: Renderer, results: list[ExampleResult]) -> nodes.table:
    """Embedded examples: evidence, expected outcome, and whether it passes now."""
    by_name = {(r.version, r.name): r for r in results}
    rows: list[list[list[nodes.Node]]] = []
    for snap in r.checked.snapshots:
        if r.version_key and snap.label != r.snap.label:
            continue
        describer = Describer(r.checked.scope(snap), r.link)
        for ex in snap.examples:
            name: list[nodes.Node] = [nodes.strong(ex.name, ex.name)]
            if ex.doc:
                name += [nodes.Text(" "), nodes.inline(ex.doc, ex.doc,
                                                       classes=["iip-example-doc"])]
            givens = [_given(describer, g) for g in ex.givens] or [[nodes.Text("nothing")]]
            expects = [_expect(describer, e) for e in ex.expects]
            result = by_name.get((snap.label, ex.name))
            if result is None:
                verdict: list[nodes.Node] = [nodes.Text("not run")]
            elif result.passed:
                verdict = [nodes.inline("passes", "passes", classes=["iip-pass"])]
            else:
                verdict = [nodes.inline("fails", "fails", classes=["iip-fail"]),
                           nodes.Text(": " + "; ".join(result.failures))]
            rows.append([name, [nodes.Text(snap.label)], _lines(givens), _lines(expects),
                         verdict])
    return table(["Example", "Version", "Evidence", "Expected", "Now"], rows,
                 widths=[24, 8, 38, 20, 10], classes=["iip-examples"])


#: Section titles of the changes page, by kind of item.
_KIND_TITLES = {"part": "Parts", "topic": "Topics", "principle": "Principles",
                "indicator": "Indicators", "requirement": "Requirements", "fact": "Facts",
                "level": "Levels", "award": "Awards", "invariant": "Invariants"}

#: How the changes page names a changed field (``FieldChange.name``) in a reviewer's words.
_FIELD_WORDS = {"text": "text", "title": "title", "doc": "notes", "sources": "sources",
                "by": "who gives the evidence", "part": "part", "topic": "topic",
                "applies": "when it applies", "maps": "mapping", "requires": "condition",
                "holds": "condition", "kind": "kind", "type": "type", "default": "default",
                "count": "count", "indicator": "indicator", "principle": "principle"}


def changes(r: Renderer, d: RulesetDiff, old: Snapshot | None,
            new: Snapshot) -> list[nodes.Node]:
    """What a version adds, removes and changes, kind by kind, as tables."""
    out: list[nodes.Node] = []
    old_describer = Describer(r.checked.scope(old), r.link) if old else None
    for kind in KINDS:
        found = d.of(kind)
        if not found:
            continue
        added = tuple(item_of(new, kind, c.id) for c in found if c.action == "added")
        removed = tuple(item_of(old, kind, c.id) for c in found if c.action == "removed")
        # One row per item however many ways it changed (reworded and moved, ...).
        words: dict[str, list[str]] = {}
        for c in found:
            if c.action in ("added", "removed") or item_of(new, kind, c.id) is None:
                continue  # "reordered" names no one item
            for f in c.fields:
                word = _FIELD_WORDS.get(f.name, f.name)
                if kind == "requirement" and f.name == "kind":
                    word = "kind of item"
                words.setdefault(c.id, [])
                if word not in words[c.id]:
                    words[c.id].append(word)
        changed = [(item_of(old, kind, k), item_of(new, kind, k), ", ".join(w))
                   for k, w in words.items()]
        sec = r.section(_KIND_TITLES[kind], f"{r.snap.label}-{kind}-changes")
        if added:
            sec += nodes.rubric("Added", "Added")
            sec += _item_table(r, kind, added, r.describer, link=True)
        if removed:
            sec += nodes.rubric("Removed", "Removed")
            sec += _item_table(r, kind, removed, old_describer or r.describer, link=False)
        if changed:
            sec += nodes.rubric("Changed", "Changed")
            sec += _changed_table(r, kind, changed, old_describer)
        out.append(sec)
    return out

def _item_cell(r: Renderer, kind: str, item: Any, link: bool) -> list[nodes.Node]:
    if link and kind in ROLE_OF:
        return [r.link(kind, r.ruleset, item.id, item.id)]
    return [nodes.literal(item.id, item.id)]

def _summary(r: Renderer, kind: str, item: Any, describer: Describer) -> list[nodes.Node]:
    match item:
        case m.Requirement():
            who = ", ".join(WHO_WORDS.get(w, w) for w in item.by)
            return [nodes.Text(item.text + (f" (evidence from {who})" if who else ""))]
        case m.Unnamed():
            return [nodes.Text(f"{item.count} requirements not known by text")]
        case m.Level() | m.Award():
            return [nodes.Text(f"{item.title}: requires "), *describer.cond(item.requires)]
        case m.Invariant():
            return [nodes.Text(f"{item.title}: "), *describer.cond(item.holds)]
        case m.Fact():
            default = f", default {value_words(item.default)}" if item.default is not None \
                else ""
            return [nodes.Text(f"{item.type}{default}")]
        case m.Part() | m.Topic() | m.Principle() | m.Indicator():
            return [nodes.Text(item.title)]
    return [nodes.Text(str(item))]  # pragma: no cover

def _item_table(r: Renderer, kind: str, items: tuple[Any, ...], describer: Describer,
                link: bool) -> nodes.table:
    rows = [[_item_cell(r, kind, it, link), _summary(r, kind, it, describer)]
            for it in items]
    return table(["Id", "What it says"], rows, widths=[15, 85],
                 classes=["iip-changes"])

def _changed_table(r: Renderer, kind: str, changed: list[tuple[Any, Any, str]],
                   old_describer: Describer | None) -> nodes.table:
    rows = []
    for old, new, what in changed:
        before = _summary(r, kind, old, old_describer or r.describer)
        after = _summary(r, kind, new, r.describer)
        rows.append([_item_cell(r, kind, new, True), [nodes.Text(what)], before, after])
    return table(["Id", "What changed", "Before", "After"], rows, widths=[12, 16, 36, 36],  # type: ignore[arg-type]
                 classes=["iip-changes"])


def _lines(items: list[list[nodes.Node]]) -> list[nodes.Node]:
    if len(items) == 1:
        return items[0]
    bullets = nodes.bullet_list(classes=["iip-compact"])
    for it in items:
        bullets += nodes.list_item("", nodes.paragraph("", "", *it))
    return [bullets]


def _given(describer: Describer, g: m.Given) -> list[nodes.Node]:
    match g:
        case m.GivenDate(date=d):
            return [nodes.Text(f"assessed on {d.isoformat()}")]
        case m.GivenMet(selection=s, count=None):
            return [nodes.Text("met: "), *describer.selection(s)]
        case m.GivenMet(selection=s, count=n):
            return describer.counted(f"met {n}", s)
        case m.GivenUnmet(selection=s):
            return [nodes.Text("not met: "), *describer.selection(s)]
        case m.GivenFact(fact=f, value=v):
            return [describer.fact(f), nodes.Text(f" = {value_words(v)}")]
        case m.GivenEarlier(date=d, selection=s):
            return [nodes.Text(f"at an assessment on {d.isoformat()}, met: "),
                    *describer.selection(s)]
    return [nodes.Text(str(g))]  # pragma: no cover


def _expect(describer: Describer, e: m.Expect) -> list[nodes.Node]:
    match e:
        case m.ExpectLevel(level="none"):
            return [nodes.Text("not recognised")]
        case m.ExpectLevel(level=lv):
            return [nodes.Text("level "), describer.level(lv)]
        case m.ExpectAward(award=a, eligible=True):
            return [nodes.Text("eligible for "), describer.award(a)]
        case m.ExpectAward(award=a):
            return [nodes.Text("not eligible for "), describer.award(a)]
    return [nodes.Text(str(e))]  # pragma: no cover


def table(header: list[str], rows: list[list[list[nodes.Node]]], widths: list[int],
          classes: list[str]) -> nodes.table:
    """A docutils table from cells given as node lists."""
    tbl = nodes.table(classes=["iip-table", *classes])
    group = nodes.tgroup(cols=len(header))
    tbl += group
    for w in widths:
        group += nodes.colspec(colwidth=w)
    head = nodes.thead()
    row = nodes.row()
    for h in header:
        row += nodes.entry("", text_para(h))
    head += row
    group += head
    body = nodes.tbody()
    for cells in rows:
        row = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            if cell and all(isinstance(c, nodes.Body) for c in cell):
                entry.extend(cell)
            else:
                entry += nodes.paragraph("", "", *cell)
            row += entry
        body += row
    group += body
    return tbl
