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
