"""Sphinx extension: the ``iip`` domain, documentation generated from the rulesets.

Input → output: ``.. iip:*`` directives and ``:iip:*:`` roles in a Sphinx
project → pages that render rulesets as readable documents, so the published
framework never drifts from the rules that are checked and tested.

Use it with ``extensions = ["iiprules.sphinxext"]``. Directives:

``.. iip:autoruleset:: standard``
    A whole ruleset: principles → indicators → requirements (id, who gives
    the evidence, text, provenance and confidence), levels and awards with
    their conditions in plain English, invariants, and the embedded examples
    as a table (run at build time). ``:version: 2004`` shows an older
    version; ``:no-index:`` renders without registering targets. The
    argument is a packaged ruleset name or a ``.rules`` path relative to the
    document.
``.. iip:default-ruleset:: standard``
    The ruleset that the following single-item directives and roles mean.
``.. iip:requirement:: 4.1`` (also ``indicator``, ``level``, ``award``, ``fact``, ``invariant``)
    One item, from ``:ruleset:`` or the default ruleset (items of a used
    ruleset are found too).
``.. iip:mapping-matrix:: lm_theme``
    Derived indicators (rows) against the requirements they map onto, one
    column per part (``:parts: standard extended``, ``:texts:`` to show the
    statements), like Appendix 2 of the L&M report.
``.. iip:version-changes:: standard`` with ``:version: 2009``
    What a version adds, removes and changes against the previous one.
``.. iip:cli:: check rulesets/`` and ``.. iip:cli-reference::``
    The command line, run at build time (``iip_cli_cwd`` in ``conf.py``, relative
    to it, says where).

Roles: ``:iip:req:`4.1```, ``:iip:indicator:``, ``:iip:level:``, ``:iip:award:``,
``:iip:fact:``, ``:iip:invariant:``, ``:iip:part:``, ``:iip:ruleset:``,
``:iip:version:`standard@2009```. A target may name its ruleset
(``standard:4.1``) and version (``standard@2004:4.1``); an unknown target is
a warning at the role's position, with a "did you mean". Requirement anchors
are ``iip-req-<id>`` (``4.1`` → ``#iip-req-4-1``). ``:ref:`iip-reqindex```
links the index of requirements.

The ruleset files are dependencies of the documents that render them, and
checker warnings become Sphinx warnings (type ``iip``, subtype ``check``) at
the directive. The extension is parallel-safe. ``import iiprules`` never
imports this module, nor Sphinx.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

from iiprules import __version__
from iiprules._sphinx.directives import DIRECTIVES
from iiprules._sphinx.domain import (
    FillMappedFrom,
    IIPDomain,
    backlinks_changed,
    warn_missing_reference,
)
from iiprules.lexer import RulesLexer

__all__ = ["setup"]

_STATIC = Path(__file__).resolve().parent / "_sphinx" / "static"


def _config_inited(app: Sphinx, config: Config) -> None:
    config.html_static_path.append(str(_STATIC))
    # Command-line examples run in a folder given relative to conf.py: make it absolute.
    config.iip_cli_cwd = str(Path(app.confdir, config.iip_cli_cwd or ".").resolve())


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the ``iip`` domain, its directives, the lexer and the stylesheet.

    Args:
        app: the Sphinx application.

    Returns:
        The extension's metadata: its version, and that it is parallel-safe.
    """
    app.add_domain(IIPDomain)
    for name, directive in DIRECTIVES.items():
        app.add_directive_to_domain("iip", name, directive)
    app.add_lexer("iiprules", RulesLexer)
    app.add_post_transform(FillMappedFrom)
    app.connect("warn-missing-reference", warn_missing_reference)
    app.connect("env-get-updated", backlinks_changed)
    app.add_config_value("iip_cli_cwd", "", "env", str)
    app.add_config_value("iip_run_examples", True, "env", bool)
    app.connect("config-inited", _config_inited)
    app.add_css_file("iiprules.css")
    return {
        "version": __version__,
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
