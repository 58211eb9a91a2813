"""The library's version, in a leaf module: read without importing the package.

``iiprules.__version__`` re-exports it; ``_cache`` keys entries by it without
importing ``iiprules`` (which would be an import circle).
"""

__version__ = "0.1.0"
