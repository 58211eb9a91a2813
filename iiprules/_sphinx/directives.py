"""The directives of the ``iip`` domain.

Input → output: a directive in a document (``.. iip:autoruleset:: standard``)
→ docutils nodes, with the ruleset files declared as dependencies and the
checker's diagnostics reported as Sphinx warnings at the directive.

- ``iip:autoruleset``: a whole ruleset version;
- ``iip:default-ruleset``: the ruleset that later directives and roles mean;
- ``iip:requirement``, ``iip:indicator``, ``iip:level``, ``iip:award``,
  ``iip:fact``, ``iip:invariant``: one item;
- ``iip:mapping-matrix``: derived indicators against the requirements they map onto;
- ``iip:version-changes``: what a version adds, removes and changes;
- ``iip:cli`` and ``iip:cli-reference``: the command line, run at build time
  (in ``command``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from iiprules import api
from iiprules import model as m
from iiprules.check import CheckedRuleset, Snapshot
from iiprules.diagnostics import Diagnostic, RulesError, RulesetNotFound, did_you_mean
from iiprules.diff import diff_snapshots

from .command import CliDirective, CliReference
from .describe import Describer, text_para
from .domain import IIPDomain, Key, html_id
from .render import Renderer, ordered_ids
from .tables import changes, table

logger = logging.getLogger(__name__)

_CONTEXT_NAME = "iip:ruleset"  # the default ruleset's name, for roles
_CONTEXT_REF = "iip:ruleset-ref"  # how to load it (a path or a packaged name)
_REPORTED = "iip:reported"  # rulesets whose warnings this document already reported


def diagnostic_text(d: Diagnostic) -> str:
    """A diagnostic on one line: ``file:line:col: warning IIP250: message (hint: ...)``."""
    where = f"{d.span.path}:{d.span.line}:{d.span.column}: " if d.span is not None else ""
    hint = f" (hint: {d.hint})" if d.hint else ""
    return f"{where}{d.severity} {d.code}: {d.message}{hint}"


class RulesetDirective(SphinxDirective):
    """Shared by the directives that read a ruleset: loading, dependencies, diagnostics."""

    option_spec: ClassVar[dict[str, Any]] = {
        "ruleset": directives.unchanged_required,
        "version": directives.unchanged_required,
        "no-index": directives.flag,
    }

    def warn(self, message: str, subtype: str = "directive") -> None:
        """A Sphinx warning at this directive."""
        logger.warning("%s", message, location=self.get_location(), type="iip", subtype=subtype)

    def load(self, ref: str | None) -> tuple[CheckedRuleset, Snapshot] | None:
        """Load the ruleset a directive names (or the default one) and pick the version.

        A ref is a packaged name (``standard``) or a path relative to the
        document (``/``-rooted: to the source folder), optionally with
        ``@version``. Problems become warnings here, and None is returned.
        """
        if ref:
            name, at = api.split_ref(ref)
            target = self.locate(name)
        elif self.env.ref_context.get(_CONTEXT_REF):
            target = self.env.ref_context[_CONTEXT_REF]  # located when it was set
            name, at = self.env.ref_context[_CONTEXT_NAME], None
        else:
            self.warn("no ruleset named: give one, or set it with .. iip:default-ruleset::")
            return None
        version = self.options.get("version") or at
        if target.endswith(api.RULES_SUFFIX):
            self.env.note_dependency(target)
        try:
            checked = api.load(target)
        except RulesetNotFound as exc:
            self.warn(str(exc))
            return None
        except RulesError as exc:
            for d in exc.diagnostics:
                self.warn(f"ruleset {name} has errors: {diagnostic_text(d)}", "check")
            return None
        self.note_dependencies(checked)
        if version is None:
            return checked, checked.snapshots[-1]
        try:
            return checked, checked.version(version)
        except KeyError:
            have = ", ".join(s.label for s in checked.snapshots)
            self.warn(f"ruleset {checked.name} has no version '{version}' (versions: {have})")
            return None

    def locate(self, name: str) -> str:
        """A path (absolute) for a file ref, the packaged ``.rules`` file for a name."""
        if name.endswith(api.RULES_SUFFIX) or "/" in name or os.sep in name:
            return str(Path(self.env.relfn2path(name, self.env.docname)[1]).resolve())
        candidate = api.packaged_dir() / f"{name}{api.RULES_SUFFIX}"
        return str(candidate.resolve()) if candidate.is_file() else name

    def note_dependencies(self, checked: CheckedRuleset) -> None:
        """Rebuild when the ruleset or any ruleset it uses changes; report warnings once."""
        reported = self.env.ref_context.setdefault(_REPORTED, set())
        chain: CheckedRuleset | None = checked
        while chain is not None:
            self.env.note_dependency(str(Path(chain.path).resolve()))
            chain = chain.base
        if checked.path not in reported:
            reported.add(checked.path)
            for d in checked.warnings:
                self.warn(f"ruleset {checked.name}: {diagnostic_text(d)}", "check")

    def version_key(self, checked: CheckedRuleset, snap: Snapshot) -> str:
        """``""`` (canonical) unless a version was asked for explicitly."""
        return snap.label if self.options.get("version") else ""


class AutoRuleset(RulesetDirective):
    """``.. iip:autoruleset:: standard``: a whole ruleset version, ready to read."""

    required_arguments = 1
    option_spec: ClassVar[dict[str, Any]] = {
        "version": directives.unchanged_required,
        "no-index": directives.flag,
        "no-examples": directives.flag,
    }

    def run(self) -> list[nodes.Node]:
        """Render the ruleset; it becomes the default for the rest of the document."""
        loaded = self.load(self.arguments[0])
        if loaded is None:
            return []
        checked, snap = loaded
        self.env.ref_context[_CONTEXT_NAME] = checked.name
        self.env.ref_context[_CONTEXT_REF] = self.locate(api.split_ref(self.arguments[0])[0])
        results = None
        if "no-examples" not in self.options:
            results = api.run_examples(checked) if self.config.iip_run_examples else []
            for r in results:
                if not r.passed:
                    self.warn(f"ruleset {checked.name}: example '{r.name}' "
                              f"({r.span.path}:{r.span.line}) fails: {'; '.join(r.failures)}",
                              "example")
        version_key = self.version_key(checked, snap)
        index = "no-index" not in self.options
        domain = self.env.domains["iip"]
        assert isinstance(domain, IIPDomain)
        earlier = domain.objects.get(Key("ruleset", checked.name, version_key, checked.name))
        if index and earlier is not None:
            # One warning, not one per requirement: the rest renders without targets.
            self.warn(f"ruleset {checked.name} is already rendered in {earlier.docname}; "
                      "add :no-index: to one of them", "duplicate")
            index = False
        renderer = Renderer(self, checked, snap, version_key, index=index)
        return renderer.render(results)


class DefaultRuleset(RulesetDirective):
    """``.. iip:default-ruleset:: standard``: what later directives and roles refer to."""

    required_arguments = 1
    option_spec: ClassVar[dict[str, Any]] = {}

    def run(self) -> list[nodes.Node]:
        """Set the document's default ruleset (``None`` clears it)."""
        if self.arguments[0] == "None":
            self.env.ref_context.pop(_CONTEXT_NAME, None)
            self.env.ref_context.pop(_CONTEXT_REF, None)
            return []
        loaded = self.load(self.arguments[0])
        if loaded is not None:
            self.env.ref_context[_CONTEXT_NAME] = loaded[0].name
            self.env.ref_context[_CONTEXT_REF] = self.locate(api.split_ref(self.arguments[0])[0])
        return []


class ItemDirective(RulesetDirective):
    """``.. iip:requirement:: 4.1`` and the other single items, from a ruleset."""

    required_arguments = 1
    kind: ClassVar[str] = ""

    def run(self) -> list[nodes.Node]:
        """Find the item in the ruleset (or the one it uses) and render it."""
        loaded = self.load(self.options.get("ruleset"))
        if loaded is None:
            return []
        checked, snap = loaded
        ident = self.arguments[0].strip()
        scope = checked.scope(snap)
        table_ = self.table(scope)
        item = table_.get(ident)
        if item is None:
            hint = did_you_mean(ident, table_)
            self.warn(f"ruleset {checked.name}@{snap.label} has no {self.kind} '{ident}'"
                      + (f" ({hint})" if hint else ""))
            return []
        declared = getattr(item, "ruleset", None) or self.declared_by(scope, item)
        if declared != checked.name and checked.base is not None:
            base_snap = checked.base_for(snap)
            if base_snap is not None:
                checked, snap = checked.base, base_snap
        renderer = Renderer(self, checked, snap, self.version_key(checked, snap),
                            index="no-index" not in self.options)
        return self.render(renderer, item)

    def table(self, scope: Snapshot) -> dict[str, Any]:
        """The items of this kind, by id."""
        raise NotImplementedError

    def declared_by(self, scope: Snapshot, item: Any) -> str:
        """The ruleset that declares an item (levels, awards, ... of a used ruleset)."""
        base = scope.base
        if base is not None:
            for attr in ("levels", "awards", "invariants"):
                if any(x is item for x in getattr(base, attr)):
                    return base.ruleset
            if any(x is item for x in base.facts.values()):
                return base.ruleset
        return scope.ruleset

    def render(self, renderer: Renderer, item: Any) -> list[nodes.Node]:
        """The item's nodes."""
        raise NotImplementedError


class RequirementDirective(ItemDirective):
    """``.. iip:requirement:: 4.1``."""

    kind = "requirement"

    def table(self, scope: Snapshot) -> dict[str, Any]:
        """Requirements by id."""
        return dict(scope.requirements)

    def render(self, renderer: Renderer, item: Any) -> list[nodes.Node]:
        """One requirement."""
        return renderer.requirement(item)


class IndicatorDirective(ItemDirective):
    """``.. iip:indicator:: 4`` with its requirements."""

    kind = "indicator"

    def table(self, scope: Snapshot) -> dict[str, Any]:
        """Indicators by id."""
        return dict(scope.indicators)

    def render(self, renderer: Renderer, item: Any) -> list[nodes.Node]:
        """One indicator."""
        return renderer.indicator(renderer.snap.indicators[item.node.id])


class LevelDirective(ItemDirective):
    """``.. iip:level:: bronze``."""

    kind = "level"

    def table(self, scope: Snapshot) -> dict[str, Any]:
        """Levels by id."""
        return {x.id: x for x in scope.levels}

    def render(self, renderer: Renderer, item: Any) -> list[nodes.Node]:
        """One level."""
        return renderer.level(item)


class AwardDirective(ItemDirective):
    """``.. iip:award:: lm_themed``."""

    kind = "award"

    def table(self, scope: Snapshot) -> dict[str, Any]:
        """Awards by id."""
        return {x.id: x for x in scope.awards}

    def render(self, renderer: Renderer, item: Any) -> list[nodes.Node]:
        """One award."""
        return renderer.award(item)


class InvariantDirective(ItemDirective):
    """``.. iip:invariant:: gold_implies_lm_themed``."""

    kind = "invariant"

    def table(self, scope: Snapshot) -> dict[str, Any]:
        """Invariants by id."""
        return {x.id: x for x in scope.invariants}

    def render(self, renderer: Renderer, item: Any) -> list[nodes.Node]:
        """One invariant."""
        return renderer.invariant(item)


class FactDirective(ItemDirective):
    """``.. iip:fact:: employees``."""

    kind = "fact"

    def table(self, scope: Snapshot) -> dict[str, Any]:
        """Facts by id."""
        return dict(scope.facts)

    def render(self, renderer: Renderer, item: Any) -> list[nodes.Node]:
        """One fact."""
        return renderer.fact(item)


class MappingMatrix(RulesetDirective):
    """``.. iip:mapping-matrix:: lm_theme``: derived indicators against what they map onto.

    One row per indicator (or requirement) with a mapping; one column per part
    of the framework the mappings reach (``:parts:`` to choose and order them).
    Each row links to the derived indicator, each cell to the requirements.
    """

    optional_arguments = 1
    option_spec: ClassVar[dict[str, Any]] = {
        "version": directives.unchanged_required,
        "parts": directives.unchanged_required,
        "texts": directives.flag,
        "caption": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        """Build the matrix table."""
        loaded = self.load(self.arguments[0] if self.arguments else None)
        if loaded is None:
            return []
        checked, snap = loaded
        renderer = Renderer(self, checked, snap, self.version_key(checked, snap), index=False)
        scope = renderer.scope
        rows_src: list[tuple[str, str, str, list[str], list[str]]] = []
        for iid, info in snap.indicators.items():
            members = [r for r in snap.requirements.values() if r.indicator == iid]
            if info.node.maps is not None:
                rows_src.append(("indicator", iid, info.node.title, [r.id for r in members],
                                 ordered_ids(scope, info.node.maps)))
                continue
            for r in members:
                if r.maps is not None:
                    text = r.node.text if isinstance(r.node, m.Requirement) else r.id
                    rows_src.append(("requirement", r.id, text, [r.id],
                                     ordered_ids(scope, r.maps)))
        if not rows_src:
            self.warn(f"ruleset {checked.name}@{snap.label} has no mappings to show")
            return []
        reached = {scope.requirements[i].node.part for row in rows_src for i in row[4]}
        if "parts" in self.options:
            parts = self.options["parts"].replace(",", " ").split()
            unknown = [p for p in parts if p not in scope.parts]
            if unknown:
                self.warn(f"unknown part(s) {', '.join(unknown)} in :parts: "
                          f"(known: {', '.join(scope.parts)})")
                parts = [p for p in parts if p in scope.parts]
        else:
            parts = [p for p in scope.parts if p in reached]
        texts = "texts" in self.options
        describer: Describer = renderer.describer
        header = ["Indicator", "Its requirements",
                  *(scope.parts[p].title for p in parts)]
        rows: list[list[list[nodes.Node]]] = []
        for objtype, ident, title, members, mapped in rows_src:  # type: ignore[assignment]
            first: list[nodes.Node] = [nodes.strong("", "", renderer.link(
                objtype, checked.name, ident, ident)), nodes.Text(f" {title}")]
            row: list[list[nodes.Node]] = [first, describer.reqs(members)]  # type: ignore[arg-type]
            for p in parts:
                ids = [i for i in mapped if scope.requirements[i].node.part == p]
                row.append(self.cell(describer, scope, ids, texts))
            rows.append(row)
        widths = [30, 14, *([56 // max(len(parts), 1)] * len(parts))]
        tbl = table(header, rows, widths, ["iip-matrix"])
        tbl["ids"].append(renderer.unique_id(html_id("iip-matrix", checked.name)))
        self.state.document.note_implicit_target(tbl)
        for row_node in tbl.findall(nodes.row):
            for n, entry in enumerate(row_node.findall(nodes.entry)):
                col = ["indicator", "members", *parts][n] if n < 2 + len(parts) else ""
                entry["classes"].append(f"iip-col-{col}")
        caption = self.options.get("caption")
        if caption:
            tbl.insert(0, nodes.title(caption, caption))
        return [tbl]

    @staticmethod
    def cell(describer: Describer, scope: Snapshot, ids: list[str], texts: bool
             ) -> list[nodes.Node]:
        """A matrix cell: the ids (or, with ``:texts:``, the statements) of one part."""
        if not ids:
            return [nodes.Text("—")]
        if not texts:
            return describer.reqs(ids)
        bullets = nodes.bullet_list(classes=["iip-compact"])
        for i in ids:
            node = scope.requirements[i].node
            text = node.text if isinstance(node, m.Requirement) else ""
            bullets += nodes.list_item("", nodes.paragraph("", "", nodes.strong(
                "", "", describer.req(i)), nodes.Text(f" {text}")))
        return [bullets]


class VersionChanges(RulesetDirective):
    """``.. iip:version-changes:: standard`` with ``:version: 2009``: a version's changes."""

    optional_arguments = 1
    option_spec: ClassVar[dict[str, Any]] = {
        "version": directives.unchanged_required,
        "no-index": directives.flag,
    }

    def run(self) -> list[nodes.Node]:
        """Compare the version with the one before and lay the changes out."""
        loaded = self.load(self.arguments[0] if self.arguments else None)
        if loaded is None:
            return []
        checked, snap = loaded
        i = list(checked.snapshots).index(snap)
        old = checked.snapshots[i - 1] if i else None
        renderer = Renderer(self, checked, snap, "", index="no-index" not in self.options)
        box = nodes.container(classes=["iip-version"])
        key = f"{checked.name}@{snap.label}"
        renderer.target(box, "version", key, f"version {snap.label} of {checked.name}")
        lead = nodes.paragraph()
        lead += nodes.Text("Version ")
        lead += nodes.strong(snap.label, snap.label)
        lead += nodes.Text(" of ruleset ")
        lead += renderer.link("ruleset", checked.name, checked.name, checked.name)
        until = f" to {snap.until.isoformat()}" if snap.until else " onwards"
        lead += nodes.Text(f", in force from {snap.effective.isoformat()}{until}. ")
        if old is None:
            lead += nodes.Text("It is the first version: everything in it is new.")
        else:
            lead += nodes.Text("Changes against version ")
            lead += renderer.link("version", checked.name, f"{checked.name}@{old.label}",
                                  old.label)
            lead += nodes.Text(".")
        box += lead
        box.extend(renderer.prose(snap.meta.doc))
        fields = nodes.field_list()
        fields.extend(renderer.sources(snap.meta))
        if len(fields):
            box += fields
        # The versions' own content, not what they use: a changes page shows this version.
        d = diff_snapshots(old, snap)
        out: list[nodes.Node] = [box]
        if not d:
            box += text_para("This version changes no item; only its dates and examples differ.")
        out.extend(changes(renderer, d, old, snap))
        if snap.examples:
            names = ", ".join(f"“{ex.name}”" for ex in snap.examples)
            box += text_para(f"Examples in this version ({len(snap.examples)}): {names}.",
                             ["iip-example-list"])
        self.env.ref_context[_CONTEXT_NAME] = checked.name
        return out


#: The directives, by name inside the ``iip`` domain.
DIRECTIVES: dict[str, type[SphinxDirective]] = {
    "autoruleset": AutoRuleset,
    "default-ruleset": DefaultRuleset,
    "requirement": RequirementDirective,
    "indicator": IndicatorDirective,
    "level": LevelDirective,
    "award": AwardDirective,
    "invariant": InvariantDirective,
    "fact": FactDirective,
    "mapping-matrix": MappingMatrix,
    "version-changes": VersionChanges,
    "cli": CliDirective,
    "cli-reference": CliReference,
}
