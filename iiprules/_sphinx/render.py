"""Model items → docutils nodes: the ruleset header, requirements, indicators, levels, awards.

Input → output: a checked ruleset, one of its snapshots and the directive
being run → docutils nodes, with ids noted in the document and objects noted
in the ``iip`` domain (unless ``index`` is off).

Items are built as nodes, not as reST text parsed again: rule texts are
shown verbatim, with no escaping to get wrong. Free-text ``doc`` strings are
laid out by ``prose``: blank lines part paragraphs, an underlined line is a
heading, ``- `` starts a bullet, ``A1.`` starts an assumption (an anchor
that ``source "Assumption A1"`` links to).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.util.docutils import SphinxDirective

from iiprules import model as m
from iiprules.api import ExampleResult
from iiprules.check import CheckedRuleset, ReqInfo, Snapshot, select, size
from iiprules.syntax import unparse_cond, unparse_selection

from .describe import WHO_WORDS, Describer, in_sentence, text_para, value_words
from .domain import ID_PREFIX, ROLE_OF, IIPDomain, Key, html_id, mapped_from
from .tables import examples_table

_ASSUMPTION = re.compile(r"^([A-Z]\d+)\.\s+")
_ASSUMPTION_REF = re.compile(r"\b(A\d+)\b")


def field(name: str, body: Iterable[nodes.Node] | nodes.Node | str) -> nodes.field:
    """A field of a field list (``Evidence from: top managers``)."""
    f = nodes.field()
    f += nodes.field_name(name, name)
    fb = nodes.field_body()
    if isinstance(body, str):
        fb += text_para(body)
    elif isinstance(body, nodes.Node):
        fb += body if isinstance(body, nodes.Body) else nodes.paragraph("", "", body)
    else:
        items = list(body)
        if items and all(isinstance(x, nodes.Body) for x in items):
            fb.extend(items)
        else:
            fb += nodes.paragraph("", "", *items)
    f += fb
    return f


def ordered_ids(scope: Snapshot, sel: m.Selection) -> list[str]:
    """The requirement ids of a selection in the order they are written (lists keep theirs).

    Appendix 2 of the L&M report lists statements in its own order; a mapping
    written as a list keeps it, so the rendered matrix reads like the report.
    Recursion is bounded: the checker limits nesting to ``MAX_DEPTH``.
    """
    match sel:
        case m.SelList(ids=ids):
            chosen = select(scope, sel)
            return [i for i in dict.fromkeys(ids) if i in chosen]
        case m.Union_(left=a, right=b):
            return list(dict.fromkeys(ordered_ids(scope, a) + ordered_ids(scope, b)))
        case m.Except(left=a) | m.Within(left=a):
            chosen = select(scope, sel)
            return [i for i in ordered_ids(scope, a) if i in chosen]
    return list(select(scope, sel))


class Renderer:
    """Builds the nodes of one ruleset version for one directive.

    Args:
        directive: the directive being run (for the document, env and location).
        checked: the checked ruleset.
        snap: the version to show (its own items); conditions are read in its scope.
        version_key: ``""`` for the canonical rendering, else the version label.
        index: note objects in the domain (off for ``:no-index:``).
    """

    def __init__(self, directive: SphinxDirective, checked: CheckedRuleset, snap: Snapshot,
                 version_key: str = "", index: bool = True) -> None:
        self.directive = directive
        self.env = directive.env
        self.document = directive.state.document
        self.checked = checked
        self.snap = snap
        self.scope = checked.scope(snap)
        self.ruleset = checked.name
        self.version_key = version_key
        self.index = index
        self.describer = Describer(self.scope, self.link)
        self.assumption_ids: dict[str, str] = {}
        self.added_in: dict[str, str] = {}
        for s in checked.snapshots:
            for rid in s.requirements:
                self.added_in.setdefault(rid, s.label)

    @property
    def domain(self) -> IIPDomain:
        """The ``iip`` domain."""
        domain = self.env.domains["iip"]
        assert isinstance(domain, IIPDomain)
        return domain

    # -- links and targets ----------------------------------------------------------

    def link(self, objtype: str, ruleset: str, target: str, text: str) -> nodes.Node:
        """A quiet cross-reference (plain text when the target is not documented)."""
        node = addnodes.pending_xref("", refdomain="iip", reftype=ROLE_OF[objtype],
                                     reftarget=target, refexplicit=True, refwarn=False,
                                     refdoc=self.env.docname)
        node["iip:ruleset"] = ruleset
        node["iip:version"] = self.version_key if ruleset == self.ruleset else ""
        node += nodes.inline(text, text, classes=["iip-ref", f"iip-{objtype}"])
        return node

    def target(self, node: nodes.Element, objtype: str, name: str, title: str,
               ruleset: str | None = None) -> str:
        """Give a node its HTML id (``iip-req-4-1``) and note the object in the domain."""
        node_id = self.unique_id(html_id(ID_PREFIX[objtype], name))
        node["ids"].append(node_id)
        self.document.note_explicit_target(node)
        if self.index:
            key = Key(objtype, ruleset or self.ruleset, self.version_key, name)
            self.domain.note_object(key, node_id, title, location=self.directive.get_location())
        return node_id

    def unique_id(self, wanted: str) -> str:
        """``wanted``, or ``wanted-2``, ... when the document already has that id."""
        node_id, n = wanted, 1
        while node_id in self.document.ids:
            n += 1
            node_id = f"{wanted}-{n}"
        return node_id

    def index_node(self, text: str, node_id: str) -> addnodes.index:
        """A general-index entry for an object (none under ``:no-index:``)."""
        entries = [("single", text, node_id, "", None)] if self.index else []
        return addnodes.index(entries=entries)

    def section(self, title: str, name: str) -> nodes.section:
        """A section with a stable id (``iip-standard-levels``)."""
        sec = nodes.section()
        sec["ids"].append(self.unique_id(html_id("iip", f"{self.ruleset}-{name}")))
        self.document.note_implicit_target(sec)
        sec += nodes.title(title, title)
        return sec

    # -- free text ------------------------------------------------------------------

    def prose(self, text: str | None, anchors: bool = False) -> list[nodes.Node]:
        """A ``doc`` string as paragraphs, headings, bullets and assumptions."""
        if not text:
            return []
        out: list[nodes.Node] = []
        for block in re.split(r"\n\s*\n", textwrap.dedent(text).strip("\n")):
            lines = [ln.rstrip() for ln in textwrap.dedent(block).splitlines() if ln.strip()]
            if len(lines) >= 2 and set(lines[1].strip()) <= {"-", "="}:
                out.append(nodes.rubric(lines[0].strip(), lines[0].strip()))
                lines = lines[2:]
            out.extend(self._block(lines, anchors))
        return out

    def _block(self, lines: list[str], anchors: bool) -> list[nodes.Node]:
        if not lines:
            return []
        if lines[0].lstrip().startswith("- "):
            bullets = nodes.bullet_list()
            for item in _items(lines, lambda ln: ln.lstrip().startswith("- ")):
                bullets += nodes.list_item("", text_para(item[2:].strip()))
            return [bullets]
        if _ASSUMPTION.match(lines[0]):
            box = nodes.container(classes=["iip-assumptions"])
            for item in _items(lines, _ASSUMPTION.match):
                match = _ASSUMPTION.match(item)
                assert match is not None  # _items splits on this pattern
                label, rest = match.group(1), item[match.end():]
                para = nodes.paragraph()
                if anchors:
                    aid = self.unique_id(html_id("iip", f"{self.ruleset}-{label}"))
                    para["ids"].append(aid)
                    self.document.note_implicit_target(para)
                    self.assumption_ids[label] = aid
                para += nodes.strong(label + ". ", label + ". ")
                para += nodes.Text(rest)
                box += para
            return [box]
        return [text_para(" ".join(ln.strip() for ln in lines))]

    def sources(self, meta: m.Meta) -> list[nodes.Node]:
        """The sources of an item with their confidence, as a field."""
        if not meta.sources:
            return []
        bullets = nodes.bullet_list(classes=["iip-sources"])
        for s in meta.sources:
            para = nodes.paragraph()
            para.extend(self._source_text(s.reference))
            if s.confidence:
                para += nodes.Text(" ")
                para += nodes.inline(s.confidence, s.confidence,
                                     classes=["iip-confidence", f"iip-confidence-{s.confidence}"])
            bullets += nodes.list_item("", para)
        return [field("Sources", [bullets])]

    def _source_text(self, ref: str) -> list[nodes.Node]:
        # "Assumption A2 (...)" links to the assumption when it is on this page.
        if "Assumption" not in ref or not self.assumption_ids:
            return [nodes.Text(ref)]
        out: list[nodes.Node] = []
        pos = 0
        for match in _ASSUMPTION_REF.finditer(ref):
            aid = self.assumption_ids.get(match.group(1))
            if aid is None:
                continue
            out.append(nodes.Text(ref[pos:match.start()]))
            out.append(nodes.reference(match.group(1), match.group(1), refid=aid))
            pos = match.end()
        out.append(nodes.Text(ref[pos:]))
        return out

    def notes(self, meta: m.Meta) -> list[nodes.Node]:
        """An item's ``doc`` as a field."""
        body = self.prose(meta.doc)
        return [field("Notes", body)] if body else []

    def as_written(self, code: str) -> nodes.Node:
        """A condition as written in the ruleset, highlighted."""
        block = nodes.literal_block(code, code, language="iiprules",
                                    classes=["iip-as-written"])
        return field("As written", [block])

    # -- the ruleset ----------------------------------------------------------------

    def header(self) -> list[nodes.Node]:
        """The ruleset's title, versions, what it builds on, its doc and sources."""
        model = self.checked.model
        box = nodes.container(classes=["iip-ruleset"])
        title = model.meta.title or model.name
        node_id = self.target(box, "ruleset", model.name, title)
        out: list[nodes.Node] = [self.index_node(f"{model.name} (ruleset)", node_id), box]
        fields = nodes.field_list()
        name_words: list[nodes.Node] = [nodes.literal(model.name, model.name)]
        if model.meta.title:
            name_words.append(nodes.Text(f": {model.meta.title}"))
        fields += field("Ruleset", name_words)
        if model.uses is not None:
            uses = model.uses
            body: list[nodes.Node] = [self.link("ruleset", uses.name, uses.name, uses.name)]
            if uses.op and uses.version:
                body.append(nodes.Text(f", version {uses.op} {uses.version}"))
            if self.scope.base is not None:
                body.append(nodes.Text(f" (here: version {self.scope.base.label})"))
            fields += field("Builds on", body)
        if model.amends is not None:
            am = model.amends
            fields += field("A proposal amending", [
                self.link("ruleset", am.name, am.name, am.name),
                nodes.Text(f", version {am.version}"),
            ])
            fields += field("What it changes", _amendments(model))
        shown = self.snap
        until = f" to {shown.until.isoformat()}" if shown.until else ""
        which = "" if len(self.checked.snapshots) == 1 else (
            "the newest version, " if shown is self.checked.snapshots[-1] else "")
        fields += field("This page shows", f"version {shown.label} ({which}in force from "
                        f"{shown.effective.isoformat()}{until})")
        doc = self.prose(model.meta.doc, anchors=self.index)  # first: sources link to it
        fields.extend(self.sources(model.meta))
        box += fields
        box.extend(doc)
        return out

    def versions(self) -> nodes.section:
        """A section listing the versions, their dates and what each is."""
        sec = self.section("Versions", "versions")
        items = nodes.bullet_list()
        for s in self.checked.snapshots:
            para = nodes.paragraph()
            para += nodes.strong("", "", self.link("version", self.ruleset,
                                                   f"{self.ruleset}@{s.label}", s.label))
            until = f" to {s.until.isoformat()}" if s.until else " onwards"
            para += nodes.Text(f", in force from {s.effective.isoformat()}{until}")
            item = nodes.list_item("", para)
            item.extend(self.prose(s.meta.doc))
            items += item
        sec += items
        return sec

    def render(self, examples: list[ExampleResult] | None = None) -> list[nodes.Node]:
        """The whole version, from its header to its examples.

        In order: header, versions, parts, facts, principles → indicators →
        requirements, levels, awards, invariants, examples.
        """
        out: list[nodes.Node] = self.header()
        snap = self.snap
        if len(self.checked.snapshots) > 1:
            out.append(self.versions())
        if snap.parts or snap.topics:
            sec = self.section("Parts and topics", "parts")
            for p in snap.parts.values():
                sec.extend(self.part(p))
            for t in snap.topics.values():
                sec.extend(self.topic(t))
            out.append(sec)
        if snap.facts:
            sec = self.section("Facts about the organisation", "facts")
            for f in snap.facts.values():
                sec.extend(self.fact(f))
            out.append(sec)
        for p in snap.principles.values():  # type: ignore[assignment]
            out.append(self.principle(p))  # type: ignore[arg-type]
        loose = [r for r in snap.requirements.values() if r.indicator is None]
        if loose:
            sec = self.section("Requirements under no indicator", "loose")
            for r in loose:
                sec.extend(self.requirement(r))
            out.append(sec)
        own_levels = [lv for lv in snap.levels]
        if own_levels:
            sec = self.section("Levels", "levels")
            sec += text_para("Levels are ordered, lowest first; an organisation is recognised "
                             "at the highest level whose condition it meets.")
            for lv in own_levels:
                sec.extend(self.level(lv))
            out.append(sec)
        if snap.awards:
            sec = self.section("Awards", "awards")
            for a in snap.awards:
                sec.extend(self.award(a))
            out.append(sec)
        if snap.invariants:
            sec = self.section("Invariants", "invariants")
            sec += text_para("Conditions that must hold for every organisation; the embedded "
                             "examples check them.")
            for inv in snap.invariants:
                sec.extend(self.invariant(inv))
            out.append(sec)
        if examples is not None and examples:
            sec = self.section("Examples", "examples")
            sec += text_para("Each example is an evidence set with the outcome it must have; "
                             "iiprules test runs them.")
            sec += examples_table(self, examples)
            out.append(sec)
        return out

    def principle(self, p: m.Principle) -> nodes.section:
        """A principle's section and, inside it, its indicators' sections."""
        sec = self.section(p.title, f"principle-{p.id}")
        sec.extend(self.prose(p.meta.doc))
        for iid, info in self.snap.indicators.items():
            if info.principle == p.id:
                sec += self.indicator_section(iid)
        return sec

    def indicator_section(self, iid: str) -> nodes.section:
        """An indicator's section: doc, sources, mapping, and its requirements by part."""
        info = self.snap.indicators[iid]
        ind = info.node
        title = f"Indicator {ind.id}: {ind.title}"
        sec = nodes.section()
        sec += nodes.title(title, title)
        node_id = self.target(sec, "indicator", ind.id, title)
        sec.insert(0, self.index_node(f"{ind.id}, {ind.title} (indicator of {self.ruleset})",
                                      node_id))
        sec.extend(self.indicator_body(info))
        return sec

    def indicator_body(self, info: Any) -> list[nodes.Node]:
        """What sits under an indicator's title."""
        ind: m.Indicator = info.node
        out: list[nodes.Node] = list(self.prose(ind.meta.doc))
        fields = nodes.field_list()
        if ind.maps is not None:
            fields += self.mapping_field(ind.maps, "indicator", ind.id)
        fields.extend(self.sources(ind.meta))
        if len(fields):
            out.append(fields)
        reqs = [r for r in self.snap.requirements.values() if r.indicator == ind.id]
        parts = list(dict.fromkeys(r.node.part for r in reqs))
        for part in parts:
            if len(parts) > 1:
                p = self.scope.parts.get(part)
                words = p.title if p else part
                out.append(nodes.rubric(words, words))
            for r in reqs:
                if r.node.part == part:
                    out.extend(self.requirement(r))
        return out

    def mapping_field(self, sel: m.Selection, objtype: str, source_id: str) -> nodes.field:
        """The mapping field ("met exactly when all of these are met: ..."); notes back-links."""
        ids = ordered_ids(self.scope, sel)
        if self.index and not self.version_key:
            source = Key(objtype, self.ruleset, "", source_id)
            for rid in ids:
                info = self.scope.requirements[rid]
                self.domain.note_backlink(info.ruleset, rid, source, source_id)
        body: list[nodes.Node] = [nodes.Text("met exactly when all of these are met: "),
                                  *self.describer.reqs(ids)]
        para = nodes.paragraph("", "", *body)
        code = nodes.literal_block(unparse_selection(sel), unparse_selection(sel),
                                   language="iiprules", classes=["iip-as-written"])
        return field("Mapping", [para, code])

    # -- single items ---------------------------------------------------------------

    def _desc(self, objtype: str, sig_parts: list[nodes.Node]
              ) -> tuple[addnodes.desc, addnodes.desc_signature, addnodes.desc_content]:
        desc = addnodes.desc(domain="iip", objtype=objtype, desctype=objtype,
                             classes=["iip", objtype])
        sig = addnodes.desc_signature("", "", classes=["sig", "sig-object"])
        sig.extend(sig_parts)
        content = addnodes.desc_content()
        desc += sig
        desc += content
        return desc, sig, content

    def requirement(self, info: ReqInfo) -> list[nodes.Node]:
        """A requirement (or unnamed group): id, who, text, part, mapping, provenance."""
        node = info.node
        sig_parts: list[nodes.Node] = [addnodes.desc_name(node.id, node.id)]
        p = self.scope.parts.get(node.part)
        part_title = p.title if p else node.part
        if isinstance(node, m.Requirement) and node.by:
            who = ", ".join(WHO_WORDS.get(w, w) for w in node.by)
            sig_parts.append(addnodes.desc_annotation(f" · {who}", f" · {who}"))
        sig_parts += [nodes.Text(" "),
                      nodes.inline(part_title, part_title, classes=["iip-part-badge"])]
        desc, sig, content = self._desc("requirement", sig_parts)
        title = node.text if isinstance(node, m.Requirement) else (
            f"{node.count} requirements of {in_sentence(part_title)} not known by text")
        node_id = self.target(sig, "requirement", node.id, title)
        fields = nodes.field_list()
        if isinstance(node, m.Requirement):
            content += text_para(node.text, ["iip-text"])
            if node.topic:
                t = self.scope.topics.get(node.topic)
                fields += field("Topic", t.title if t else node.topic)
            if node.applies is not None:
                fields += field("Applies", [nodes.Text("only when "),
                                            *self.describer.cond(node.applies)])
            if node.maps is not None:
                ids = ordered_ids(self.scope, node.maps)
                inherited = bool(info.indicator) and self._inherits(info)
                fields += field("Met through", [
                    nodes.Text("all of "), *self.describer.reqs(ids),
                    nodes.Text(" (its indicator's mapping)" if inherited else "")])
        else:
            content += text_para(
                f"{node.count} requirements of {in_sentence(part_title)} that are not known by "
                "text. Evidence reports how many of them were met, never which.", ["iip-text"])
        fields += field("Part", [self.describer.part(node.part)])
        added = self.added_in.get(node.id)
        if added and added != self.checked.snapshots[0].label:
            fields += field("Added in", [self.link("version", self.ruleset,
                                                   f"{self.ruleset}@{added}", f"version {added}")])
        fields.extend(self.notes(node.meta))
        fields.extend(self.sources(node.meta))
        content += fields
        if not self.version_key and self.index:
            content += mapped_from(ruleset=info.ruleset, id=node.id)
            self.domain.note_placeholder()
        index = self.index_node(f"{node.id} (requirement of {self.ruleset})", node_id)
        return [index, desc]

    def _inherits(self, info: ReqInfo) -> bool:
        ind = self.scope.indicators.get(info.indicator or "")
        return ind is not None and ind.node.maps is not None and ind.node.maps == info.maps

    def indicator(self, info: Any) -> list[nodes.Node]:
        """An indicator as a description (for ``iip:indicator``), requirements inside."""
        ind: m.Indicator = info.node
        desc, sig, content = self._desc("indicator", [
            addnodes.desc_annotation("indicator ", "indicator "),
            addnodes.desc_name(ind.id, ind.id),
            addnodes.desc_annotation(f" · {ind.title}", f" · {ind.title}")])
        node_id = self.target(sig, "indicator", ind.id, ind.title)
        content.extend(self.indicator_body(info))
        return [self.index_node(f"{ind.id}, {ind.title} (indicator of {self.ruleset})", node_id),
                desc]

    def _simple(self, objtype: str, ident: str, title: str | None, words: str,
                body: list[nodes.Node], meta: m.Meta) -> list[nodes.Node]:
        sig_parts: list[nodes.Node] = [addnodes.desc_annotation(f"{words} ", f"{words} ")]
        if title:
            sig_parts += [addnodes.desc_name(title, title),
                          addnodes.desc_addname(f" ({ident})", f" ({ident})")]
        else:
            sig_parts.append(addnodes.desc_name(ident, ident))
        desc, sig, content = self._desc(objtype, sig_parts)
        node_id = self.target(sig, objtype, ident, title or ident)
        fields = nodes.field_list()
        fields.extend(body)
        fields.extend(self.notes(meta))
        fields.extend(self.sources(meta))
        content += fields
        label = f"{title} ({objtype} of {self.ruleset})" if title else f"{ident} ({objtype})"
        return [self.index_node(label, node_id), desc]

    def part(self, p: m.Part) -> list[nodes.Node]:
        """A part of the framework, with how many requirements it holds."""
        n = _size(self.scope, m.SelPart(p.id))
        return self._simple("part", p.id, p.title, "part",
                            [field("Requirements", f"{n} in this version")], p.meta)

    def topic(self, t: m.Topic) -> list[nodes.Node]:
        """A topic area (not a cross-reference target of its own)."""
        para = nodes.paragraph()
        para += nodes.strong(t.title, t.title)
        para += nodes.Text(f" (topic {t.id})")
        box = nodes.container(classes=["iip-topic"])
        box += para
        box.extend(self.prose(t.meta.doc))
        fields = nodes.field_list()
        fields.extend(self.sources(t.meta))
        if len(fields):
            box += fields
        return [box]

    def fact(self, f: m.Fact) -> list[nodes.Node]:
        """A fact about the organisation: its type and default."""
        body = [field("Type", {"boolean": "yes or no", "number": "a number",
                               "date": "a date"}.get(f.type, f.type))]
        if f.default is not None:
            body.append(field("Default", f"{value_words(f.default)} (when the evidence is "
                                         "silent)"))
        return self._simple("fact", f.id, None, "fact", body, f.meta)  # type: ignore[arg-type]

    def level(self, lv: m.Level) -> list[nodes.Node]:
        """A level: its condition in plain English and as written."""
        body = [field("Requires", self.describer.cond(lv.requires)),
                self.as_written(unparse_cond(lv.requires))]
        return self._simple("level", lv.id, lv.title, "level", body, lv.meta)

    def award(self, a: m.Award) -> list[nodes.Node]:
        """An award: its kind and eligibility condition."""
        body = [field("Kind", a.kind), field("Eligible when", self.describer.cond(a.requires)),
                self.as_written(unparse_cond(a.requires))]
        return self._simple("award", a.id, a.title, "award", body, a.meta)

    def invariant(self, inv: m.Invariant) -> list[nodes.Node]:
        """An invariant: what must hold for every organisation."""
        body = [field("Holds", self.describer.cond(inv.holds)),
                self.as_written(unparse_cond(inv.holds))]
        return self._simple("invariant", inv.id, inv.title, "invariant", body, inv.meta)


def _items(lines: list[str], starts: Any) -> list[str]:
    """Lines grouped into items, each starting at a line that ``starts`` matches."""
    items: list[str] = []
    for ln in lines:
        if starts(ln) or not items:
            items.append(ln.strip())
        else:
            items[-1] += " " + ln.strip()
    return items


def _size(scope: Snapshot, sel: m.Selection) -> int:
    return size(select(scope, sel))


def _amendments(model: m.Ruleset) -> str:
    """A proposal's changes in words: 'changes level bronze; adds example "..."'."""
    said: list[str] = []
    for version in model.versions:
        for item in version.items:
            match item:
                case m.Change(item=inner):
                    said.append(f"changes {m.KIND_WORDS.get(type(inner), 'item')} "
                                f"{getattr(inner, 'id', '')}")
                case m.Remove(kind=kind, id=id_):
                    said.append(f"removes {kind} {id_}")
                case m.Extend(indicator=ind, members=members):
                    said.append(f"adds {len(members)} requirement(s) under indicator {ind}")
                case m.Example(name=name):
                    said.append(f'adds example "{name}"')
                case _:
                    word = m.KIND_WORDS.get(type(item), "item")
                    said.append(f"adds {word} {getattr(item, 'id', '')}")
    return "; ".join(said) or "nothing yet"
