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
# alabaster ships with Sphinx, reads well and narrows to one column on a phone.
html_theme = "alabaster"
html_title = "iiprules"
html_theme_options = {
    "description": "The Investors in People framework as checked, explainable rules",
    "page_width": "1100px",
    "sidebar_width": "230px",
    "fixed_sidebar": False,
    "show_relbars": True,
}
html_sidebars = {
    "**": ["about.html", "searchfield.html", "navigation.html", "relations.html"],
}
html_show_sourcelink = False
