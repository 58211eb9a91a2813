"""Sphinx configuration for the iiprules documentation.

Build it from the top of the checkout (the tests do exactly this)::

    sphinx-build -W -b html docs docs/_build/html

The ruleset pages are generated from ``rulesets/*.rules`` by our own
extension, ``iiprules.sphinxext``, and the command-line examples are run at
build time, so the site cannot drift from the rules.
"""

import iiprules

project = "iiprules"
author = "the iiprules authors"
copyright = "the iiprules authors"
release = iiprules.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "iiprules.sphinxext",
]

exclude_patterns = ["_build", "_examples"]
root_doc = "index"
language = "en"
highlight_language = "none"

# -- the iip extension ------------------------------------------------------------
# Command-line examples (.. iip:cli::) run from the top of the checkout.
iip_cli_cwd = ".."

# -- autodoc ----------------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_format = "short"
napoleon_google_docstring = True
napoleon_numpy_docstring = False

# -- HTML ---------------------------------------------------------------------------
# Furo: maintained, responsive down to a phone, with the page's own contents in a
# right-hand column (our ruleset pages are long), a search box and navigation on the
# left, code blocks that scroll instead of being cut off, and a dark mode; it needs no
# JavaScript framework and ships its assets in the wheel, so nothing is fetched at
# build or read time.
html_theme = "furo"
html_title = "iiprules"
html_theme_options = {
    "navigation_with_keys": True,
    "top_of_page_buttons": [],
}
html_static_path: list[str] = []
html_show_sourcelink = False


# -- the error-code catalogue ---------------------------------------------------------
# The "Diagnostic codes" page is generated from iiprules.codes (itself built from the
# golden bad cases of the test suite), so the page cannot drift from the checker.


def _codes_rst() -> list[str]:
    from iiprules import codes

    lines: list[str] = []

    def block(language: str, text: str) -> None:
        lines.extend([f".. code-block:: {language}", ""])
        lines.extend(f"   {ln}" if ln else "" for ln in text.rstrip("\n").split("\n"))
        lines.append("")

    for code, entry in codes.catalogue().items():
        lines += [f".. _{code.lower()}:", "", code, "-" * len(code), "", entry.meaning, ""]
        if entry.bad is not None:
            lines += ["For example:", ""]
            block("iiprules", entry.bad)
            lines += ["gets", ""]
            block("text", entry.diagnostic or "")
            lines += ["Fixed:", ""]
            block("iiprules", entry.fixed or "")
    return lines


def setup(app):
    """Register the ``iip-codes`` directive."""
    from docutils import nodes
    from docutils.parsers.rst import Directive
    from docutils.statemachine import StringList
    from sphinx.util.nodes import nested_parse_with_titles

    class CodesDirective(Directive):
        """``.. iip-codes::``: every diagnostic code with its example and fix."""

        def run(self):
            node = nodes.section()
            node.document = self.state.document
            nested_parse_with_titles(self.state, StringList(_codes_rst(), "codes"), node)
            return node.children

    app.add_directive("iip-codes", CodesDirective)
    return {"parallel_read_safe": True}
