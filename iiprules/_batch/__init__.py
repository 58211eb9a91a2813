"""The parts of ``iiprules.batch``: reading, scanning, judging and writing populations.

Nothing here is public; ``iiprules.batch`` is the module to use.
"""
