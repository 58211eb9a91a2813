"""The parts of the Sphinx extension (private; ``iiprules.sphinxext`` is the entry point).

- ``describe``: conditions and selections in plain English, as docutils nodes;
- ``render``: model items → docutils nodes (header, requirements, levels, ...);
- ``tables``: the examples table and the tables of a version's changes (from
  ``iiprules.diff``, the one version diff);
- ``domain``: the ``iip`` domain, its roles, object inventory and index;
- ``directives``: ``iip:autoruleset`` and the single-item, matrix and changes directives;
- ``command``: ``iip:cli`` and ``iip:cli-reference``, the command line run at build time.
"""
