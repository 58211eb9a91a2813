"""The checker's insides, one module per concern; ``iiprules.check`` is the public face.

``check.py`` grew past 1,200 lines, mixing the resolved-version types, version
resolution, tree walks and seven passes. Split the way Sphinx splits
``domains/c/`` and attrs ``_make``: a private subpackage whose modules import
only downwards (``scope`` ← ``sink``/``walk`` ← ``resolve`` ← the pass
modules), so each can be read alone. Nothing outside ``iiprules.check`` should
import from here; names stay importable from ``iiprules.check``.
"""
