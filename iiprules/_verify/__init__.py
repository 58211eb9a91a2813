"""Private modules of ``iiprules.verify``: the solver encoding (``encode``).

Nothing outside ``iiprules.verify`` imports them, and they import z3, so that
``import iiprules`` never does.
"""
