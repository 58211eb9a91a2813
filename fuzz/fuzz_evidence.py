"""Atheris harness: evidence text (YAML or JSON) → read → build → validate → evaluate.

The evidence loader faces uploads written to hurt it: it must refuse bad input
with an ``EvidenceError`` (one line, a position) and never crash, hang or
blow up in memory (alias bombs, deep nesting, huge numbers, odd dates).

Run for an hour (seed corpus: the examples)::

    python fuzz/fuzz_evidence.py fuzz/corpus/evidence -max_total_time=3600 \
        -rss_limit_mb=2048 -timeout=20
"""

from __future__ import annotations

import os
import sys
import tempfile

import atheris

with atheris.instrument_imports():
    from _common import USER_ERRORS

    from iiprules import api

_DIR = tempfile.mkdtemp(prefix="iiprules-fuzz-")


def test_one_input(data: bytes) -> None:
    """One document: refused with a user error, or judged."""
    json_like = data.lstrip().startswith((b"{", b"["))
    path = os.path.join(_DIR, "fuzz.json" if json_like else "fuzz.yaml")
    with open(path, "wb") as f:  # the file, as iiprules evaluate reads it
        f.write(data)
    try:
        api.evaluate(path, explain=True)
    except USER_ERRORS:
        pass


def main() -> None:
    """Start atheris (arguments as libFuzzer's)."""
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
