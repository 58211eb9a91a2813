"""The parts of ``iiprules.evaluate``: code generation for its compiled paths.

Nothing here is public; ``iiprules.evaluate`` is the module to use.
"""
