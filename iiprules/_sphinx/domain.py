"""The ``iip`` domain: object inventory, cross-reference roles, the index of requirements.

Input → output: objects noted while documents are read (requirements,
indicators, levels, ...) → resolved cross-references, index pages and the
"mapped from" back-links, when documents are written.

Shaped after ``sphinx/domains/rst.py``: one ``objects`` table, duplicate
warnings with ``location=``, ``clear_doc``/``merge_domaindata`` so reading is
parallel-safe. Objects are keyed by ``(type, ruleset, version, id)``: the same
requirement id may be rendered for several versions, and different rulesets
may reuse an id. ``version`` is ``""`` for the canonical rendering (the
ruleset's newest version); a bare ``:iip:req:`4.1``` prefers it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Set
from typing import Any, ClassVar, NamedTuple

from docutils import nodes
from docutils.nodes import Element
from sphinx import addnodes
from sphinx.addnodes import pending_xref
from sphinx.builders import Builder
from sphinx.domains import Domain, Index, IndexEntry, ObjType
from sphinx.environment import BuildEnvironment
from sphinx.roles import XRefRole
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.nodes import make_refnode

from iiprules.diagnostics import did_you_mean
from iiprules.model import CONFIDENCE

logger = logging.getLogger(__name__)

#: Object types → the role that refers to them.
ROLE_OF = {
    "ruleset": "ruleset", "version": "version", "part": "part", "indicator": "indicator",
    "requirement": "req", "level": "level", "award": "award", "fact": "fact",
    "invariant": "invariant",
}

#: Object types → the prefix of their HTML ids (``iip-req-4-1``).
ID_PREFIX = {
    "ruleset": "iip-ruleset", "version": "iip-version", "part": "iip-part",
    "indicator": "iip-indicator", "requirement": "iip-req", "level": "iip-level",
    "award": "iip-award", "fact": "iip-fact", "invariant": "iip-invariant",
}


class Key(NamedTuple):
    """Where an object lives in the inventory."""

    objtype: str
    ruleset: str
    version: str  # "" for the canonical rendering
    name: str


class Entry(NamedTuple):
    """Where an object was documented, and what to show for it."""

    docname: str
    node_id: str
    title: str


def html_id(prefix: str, name: str) -> str:
    """An HTML id for an object: ``iip-req`` and ``W4.2`` → ``iip-req-w4-2``.

    Ids such as ``4.1``, ``W.other`` or ``ST.impact`` become lower-case words
    joined by hyphens, so they are valid, readable anchors and CSS selectors.
    """
    return f"{prefix}-" + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "x")


def version_order(label: str) -> tuple[tuple[int, int, str], ...]:
    """A sort key for version labels: ``2009`` after ``2004``, ``1.10`` after ``1.9``."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p)
                 for p in label.replace("-", ".").split("."))


def split_target(target: str) -> tuple[str | None, str | None, str]:
    """Split a target: ``standard@2004:4.1`` → ``("standard", "2004", "4.1")``.

    A bare ``4.1`` gives ``(None, None, "4.1")``.
    """
    if ":" not in target:
        return None, None, target
    where, name = target.split(":", 1)
    if "@" in where:
        ruleset, version = where.split("@", 1)
        return ruleset, version, name
    return where, None, name


class mapped_from(nodes.General, nodes.Element):  # noqa: N801 - docutils names nodes in lower case
    """Placeholder on a requirement for the derived requirements that map onto it.

    The mappings are known only once every document is read, so a
    post-transform fills it in at write time (or drops it).
    """


class IIPXRefRole(XRefRole):
    """A cross-reference role that remembers the document's default ruleset."""

    def process_link(self, env: BuildEnvironment, refnode: Element, has_explicit_title: bool,
                     title: str, target: str) -> tuple[str, str]:
        """Keep the default ruleset on the node; show ``4.1`` for ``standard:4.1``."""
        refnode["iip:context"] = env.ref_context.get("iip:ruleset")
        target = target.strip()
        if not has_explicit_title:
            title = split_target(target)[2]
        return title, target


def confidence_role(name: str, rawtext: str, text: str, lineno: int, inliner: Any,
                    options: dict[str, Any] | None = None, content: Any = ()
                    ) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    """``:iip:confidence:`seed```: a confidence word as the badge the rulesets show."""
    word = text.strip()
    if word not in CONFIDENCE:
        msg = inliner.reporter.warning(
            f"unknown confidence '{word}' (one of: {', '.join(CONFIDENCE)})", line=lineno)
        return [inliner.problematic(rawtext, rawtext, msg)], [msg]
    return [nodes.inline(word, word, classes=["iip-confidence", f"iip-confidence-{word}"])], []


class RequirementIndex(Index):
    """Every requirement documented in the project, grouped by ruleset."""

    name = "reqindex"
    localname = "Index of requirements"
    shortname = "requirements"

    def generate(self, docnames: Iterable[str] | None = None
                 ) -> tuple[list[tuple[str, list[IndexEntry]]], bool]:
        """The index's content: one group per ruleset, requirements in declaration order."""
        domain = self.domain
        assert isinstance(domain, IIPDomain)
        wanted = set(docnames) if docnames is not None else None
        groups: dict[str, list[IndexEntry]] = {}
        for key, entry in domain.objects.items():
            if key.objtype != "requirement" or key.version:
                continue
            if wanted is not None and entry.docname not in wanted:
                continue
            text = entry.title if len(entry.title) <= 110 else entry.title[:107] + "..."
            groups.setdefault(key.ruleset, []).append(
                IndexEntry(key.name, 0, entry.docname, entry.node_id, "", "", text))
        return sorted(groups.items()), False


class IIPDomain(Domain):
    """The Investors in People rules: rulesets, requirements, levels, awards."""

    name = "iip"
    label = "Investors in People rules"

    object_types: ClassVar[dict[str, ObjType]] = {
        objtype: ObjType(objtype, role) for objtype, role in ROLE_OF.items()
    }
    roles: ClassVar[dict[str, Any]] = {
        **{role: IIPXRefRole(warn_dangling=True) for role in ROLE_OF.values()},
        "confidence": confidence_role,
    }
    indices: ClassVar[list[type[Index]]] = [RequirementIndex]
    initial_data: ClassVar[dict[str, Any]] = {
        "objects": {},  # Key -> Entry
        "backlinks": {},  # docname -> [(target ruleset, target id, source Key, title)]
        "placeholders": {},  # docname -> True: documents with mapped_from nodes
        "backlinks_sig": "",
    }
    data_version = 1

    @property
    def objects(self) -> dict[Key, Entry]:
        """The inventory: (type, ruleset, version, id) → (docname, node id, title)."""
        return self.data.setdefault("objects", {})  # type: ignore[no-any-return]

    def note_object(self, key: Key, node_id: str, title: str, location: Any = None) -> None:
        """Record an object; warn (with its location) when it is documented twice."""
        if key in self.objects:
            other = self.objects[key].docname
            logger.warning("duplicate description of %s %s of ruleset %s%s, other instance in %s;"
                           " add :no-index: to one of them", key.objtype, key.name, key.ruleset,
                           f"@{key.version}" if key.version else "", other, location=location,
                           type="iip", subtype="duplicate")
        self.objects[key] = Entry(self.env.docname, node_id, title)

    def note_backlink(self, target_ruleset: str, target_id: str, source: Key, title: str) -> None:
        """Record that a derived item (``source``) maps onto a requirement."""
        docname = self.env.docname
        self.data["backlinks"].setdefault(docname, []).append(
            (target_ruleset, target_id, tuple(source), title))

    def note_placeholder(self) -> None:
        """Record that the current document has ``mapped_from`` placeholders."""
        self.data["placeholders"][self.env.docname] = True

    def backlinks_to(self, ruleset: str, rid: str) -> list[tuple[Key, str]]:
        """The derived items that map onto a requirement, in document order."""
        out = []
        for docname in sorted(self.data["backlinks"]):
            for t_rs, t_id, source, title in self.data["backlinks"][docname]:
                if t_rs == ruleset and t_id == rid:
                    out.append((Key(*source), title))
        return out

    def clear_doc(self, docname: str) -> None:
        """Forget everything a document declared."""
        for key, entry in list(self.objects.items()):
            if entry.docname == docname:
                del self.objects[key]
        self.data["backlinks"].pop(docname, None)
        self.data["placeholders"].pop(docname, None)

    def merge_domaindata(self, docnames: Set[str], otherdata: dict[str, Any]) -> None:
        """Take over what parallel readers found for their documents."""
        for key, entry in otherdata["objects"].items():
            if entry.docname in docnames:
                if key in self.objects and self.objects[key].docname != entry.docname:
                    logger.warning("duplicate description of %s %s of ruleset %s, other instance "
                                   "in %s", key.objtype, key.name, key.ruleset,
                                   self.objects[key].docname, location=(entry.docname, None),
                                   type="iip", subtype="duplicate")
                self.objects[key] = entry
        for docname in docnames:
            if docname in otherdata["backlinks"]:
                self.data["backlinks"][docname] = otherdata["backlinks"][docname]
            if docname in otherdata["placeholders"]:
                self.data["placeholders"][docname] = True

    # -- resolving ------------------------------------------------------------------

    def find(self, objtypes: Iterable[str], target: str, node: Element | None = None
             ) -> list[tuple[Key, Entry]]:
        """The objects a target may mean, best first.

        ``standard:4.1`` and ``standard@2004:4.1`` name the ruleset (and version);
        a bare ``4.1`` prefers the document's default ruleset, then the
        canonical rendering, then the newest version.
        """
        ruleset, version, name = split_target(target)
        node = node if node is not None else nodes.Element()
        ruleset = ruleset or node.get("iip:ruleset")
        context = node.get("iip:context")
        prefer_version = node.get("iip:version", "")
        types = set(objtypes)
        found = [(k, e) for k, e in self.objects.items()
                 if k.objtype in types and k.name == name
                 and (ruleset is None or k.ruleset == ruleset)
                 and (version is None or k.version == version)]
        found.sort(key=lambda ke: version_order(ke[0].version or "0"), reverse=True)
        found.sort(key=lambda ke: (ke[0].ruleset != context, ke[0].version != prefer_version,
                                   ke[0].version != ""))
        return found

    def resolve_xref(self, env: BuildEnvironment, fromdocname: str, builder: Builder, typ: str,  # type: ignore[override]
                     target: str, node: pending_xref, contnode: Element) -> Element | None:
        """Resolve ``:iip:req:`4.1``` and friends; warn when a bare id is ambiguous."""
        objtypes = self.objtypes_for_role(typ) or []
        found = self.find(objtypes, target, node)
        if not found:
            return None
        best, entry = found[0]
        rivals = sorted({k.ruleset for k, _ in found if k.ruleset != best.ruleset
                         and k.version == best.version})
        if rivals and node.get("refwarn") and split_target(target)[0] is None \
                and node.get("iip:context") != best.ruleset:
            logger.warning("ambiguous %s '%s': rulesets %s have it; write '%s:%s' or set "
                           ".. iip:default-ruleset::", best.objtype, target,
                           ", ".join([best.ruleset, *rivals]), best.ruleset, target,
                           location=node, type="ref", subtype="iip")
        return make_refnode(builder, fromdocname, entry.docname, entry.node_id, contnode,
                            entry.title or f"{best.objtype} {best.name}")

    def resolve_any_xref(self, env: BuildEnvironment, fromdocname: str, builder: Builder,  # type: ignore[override]
                         target: str, node: pending_xref, contnode: Element
                         ) -> list[tuple[str, Element]]:
        """Resolve ``:any:`` references to requirements, levels, awards, ..."""
        results: list[tuple[str, Element]] = []
        for objtype, role in ROLE_OF.items():
            found = self.find([objtype], target, node)
            if found:
                _key, entry = found[0]
                results.append((f"iip:{role}", make_refnode(
                    builder, fromdocname, entry.docname, entry.node_id, contnode, entry.title)))
        return results

    def get_objects(self) -> Iterator[tuple[str, str, str, str, str, int]]:
        """Objects for the search index and inventories; versioned copies are hidden."""
        for key, entry in self.objects.items():
            where = f"{key.ruleset}@{key.version}" if key.version else key.ruleset
            yield (f"{where}:{key.name}", key.name, key.objtype, entry.docname, entry.node_id,
                   1 if not key.version else -1)

    def names(self, objtype: str) -> list[str]:
        """Every documented id of a type, for "did you mean"."""
        return sorted({k.name for k in self.objects if k.objtype == objtype})


def warn_missing_reference(app: Any, domain: Domain | None, node: pending_xref) -> bool | None:
    """Say which requirement (level, ...) is unknown, where, and what was probably meant."""
    if domain is None or domain.name != "iip":
        return None
    assert isinstance(domain, IIPDomain)
    typ = node["reftype"]
    objtype = next((o for o, r in ROLE_OF.items() if r == typ), typ)
    target = node["reftarget"]
    ruleset, version, name = split_target(target)
    hint = did_you_mean(name, domain.names(objtype))
    where = ""
    if ruleset:
        where = f" in ruleset {ruleset}" + (f" version {version}" if version else "")
    logger.warning("unknown %s '%s'%s%s", objtype, name, where, f" ({hint})" if hint else "",
                   location=node, type="ref", subtype="iip")
    return True


class FillMappedFrom(SphinxPostTransform):
    """Turn ``mapped_from`` placeholders into links to the items that map onto a requirement."""

    default_priority = 5  # before the references resolver (10), which resolves our links

    def run(self, **kwargs: Any) -> None:
        """Fill in or drop every placeholder of the document."""
        domain = self.env.domains["iip"]
        assert isinstance(domain, IIPDomain)
        for node in list(self.document.findall(mapped_from)):
            sources = domain.backlinks_to(node["ruleset"], node["id"])
            if not sources:
                node.parent.remove(node)
                continue
            para = nodes.paragraph(classes=["iip-mapped-from"])
            para += nodes.strong("Mapped from: ", "Mapped from: ")
            by_ruleset: dict[str, list[tuple[Key, str]]] = {}
            for key, title in sources:
                by_ruleset.setdefault(key.ruleset, []).append((key, title))
            for n, (rs, items) in enumerate(by_ruleset.items()):
                if n:
                    para += nodes.Text("; ")
                for i, (key, _title) in enumerate(items):
                    if i:
                        para += nodes.Text(", ")
                    ref = addnodes.pending_xref(
                        "", refdomain="iip", reftype=ROLE_OF[key.objtype], reftarget=key.name,
                        refexplicit=True, refwarn=False, refdoc=self.env.docname)
                    ref["iip:ruleset"] = key.ruleset
                    ref["iip:version"] = ""
                    ref += nodes.inline(key.name, key.name, classes=["iip-ref"])
                    para += ref
                para += nodes.Text(f" (ruleset {rs})")
            node.replace_self(para)


def backlinks_changed(app: Any, env: BuildEnvironment) -> list[str]:
    """Rewrite the documents with back-links when any mapping changed (``env-get-updated``)."""
    domain = env.domains["iip"]
    sig = repr(sorted(x for items in domain.data["backlinks"].values() for x in items))
    if sig == domain.data.get("backlinks_sig"):
        return []
    domain.data["backlinks_sig"] = sig
    return sorted(domain.data["placeholders"])
