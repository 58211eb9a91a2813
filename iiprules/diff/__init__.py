"""Diff: two ruleset versions → what changed (``RulesetDiff``) and whom it affects (``Impact``).

Three stages, one module each:

* ``structure`` — two snapshots → ``RulesetDiff``: items added, removed,
  reworded, moved, with changed conditions or thresholds (``diff_snapshots``,
  ``diff_refs``, ``version_diffs``);
* ``population`` — two refs and a population → ``Impact``: every organisation
  judged under both, pinned; who moves, and the first decision that differs
  (``impact``, ``iter_population``);
* ``render`` — either result → text, Markdown or JSON.

The command line (``iiprules.cli.diff``) and the Sphinx extension's changes
page both use ``structure``: there is one version diff. Nothing here prints.
"""

from __future__ import annotations

from iiprules.diff.population import (
    EVIDENCE_SUFFIXES,
    AwardImpact,
    Impact,
    OrgChange,
    impact,
    iter_population,
)
from iiprules.diff.render import (
    render_impact_json,
    render_impact_markdown,
    render_impact_text,
    render_json,
    render_markdown,
    render_text,
)
from iiprules.diff.structure import (
    ACTIONS,
    KINDS,
    Change,
    FieldChange,
    RulesetDiff,
    Side,
    Threshold,
    arrow,
    diff_refs,
    diff_snapshots,
    item_of,
    scope_of,
    version_diffs,
)

__all__ = [
    "ACTIONS",
    "EVIDENCE_SUFFIXES",
    "KINDS",
    "AwardImpact",
    "Change",
    "FieldChange",
    "Impact",
    "OrgChange",
    "RulesetDiff",
    "Side",
    "Threshold",
    "arrow",
    "diff_refs",
    "diff_snapshots",
    "impact",
    "item_of",
    "iter_population",
    "render_impact_json",
    "render_impact_markdown",
    "render_impact_text",
    "render_json",
    "render_markdown",
    "render_text",
    "scope_of",
    "version_diffs",
]
