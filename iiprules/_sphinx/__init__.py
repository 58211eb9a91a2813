"""The parts of the Sphinx extension (private; ``iiprules.sphinxext`` is the entry point).

- ``diff``: what a version adds, removes and changes (pure, no Sphinx);
- ``describe``: conditions and selections in plain English, as docutils nodes;
- ``render``: model items → docutils nodes (header, requirements, levels, ...);
- ``tables``: the examples table and the tables of a version's changes;
- ``domain``: the ``iip`` domain, its roles, object inventory and index;
- ``directives``: ``iip:autoruleset`` and the single-item, matrix and changes directives;
- ``command``: ``iip:cli`` and ``iip:cli-reference``, the command line run at build time.
"""
