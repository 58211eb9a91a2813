"""Atheris harness: evidence text (YAML or JSON) → read → build → validate → evaluate.

The evidence loader faces uploads written to hurt it: it must refuse bad input
with an ``EvidenceError`` (one line, a position) and never crash, hang or
blow up in memory (alias bombs, deep nesting, huge numbers, odd dates).

Run for an hour (seed corpus: the examples)::

    python fuzz/fuzz_evidence.py fuzz/corpus/evidence -max_total_time=3600 \
        -rss_limit_mb=2048 -timeout=20
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from _common import USER_ERRORS

    from iiprules import api
    from iiprules.evidence import from_document, read_document


def test_one_input(data: bytes) -> None:
    """One document: refused with a user error, or judged."""
    text = data.decode("utf-8", "replace")
    path = "fuzz.json" if text.lstrip().startswith(("{", "[")) else "fuzz.yaml"
    try:
        ev = from_document(read_document(text, path), path)
        api.evaluate(ev, explain=True)
    except USER_ERRORS:
        pass


def main() -> None:
    """Start atheris (arguments as libFuzzer's)."""
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
