"""The iiprules language server: editor support for ``.rules`` files over the LSP.

Input → output: an editor's LSP messages → diagnostics, hovers, definitions,
completions, outlines and edits for rulesets.

Start it with ``iiprules lsp`` (stdio). It needs the ``[lsp]`` extra (pygls
and lsprotocol); nothing else in iiprules imports this package. One module per
feature (``hover``, ``navigation``, ``completion``, ``outline``, ``editing``,
``hints``, ``diagnostics``) over shared services (``state``), with ``names``
reading names from any text and ``adapter`` the only door into the core;
``server`` wires them to pygls.
"""
