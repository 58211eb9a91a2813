"""Atheris harness: a population file (JSONL or CSV) → the population reader → rows.

Two properties: nothing about one row stops the others (the reader returns
one row per organisation, an outcome or an error naming its line, and never
raises for a row), and every row agrees with ``iiprules.evaluate`` on the same
organisation (the same level and awards, or an error).

Run for an hour (seed corpus: small generated populations)::

    python fuzz/fuzz_population.py fuzz/corpus/population -max_total_time=3600 \
        -rss_limit_mb=2048 -timeout=30
"""

from __future__ import annotations

import json
import os
import sys
import tempfile

import atheris

with atheris.instrument_imports():
    from _common import USER_ERRORS

    from iiprules import api, batch
    from iiprules.diagnostics import EvidenceError

_RULESETS = api.PopulationRulesets(())
_DIR = tempfile.mkdtemp(prefix="iiprules-fuzz-")


def _single(raw: bytes) -> tuple[object, ...] | None:
    """What ``iiprules evaluate`` says about the line as a JSON file: its answer, or None."""
    one = os.path.join(_DIR, "one.json")
    with open(one, "wb") as f:
        f.write(raw)
    try:
        o = api.evaluate(one, explain=False)
    except USER_ERRORS:
        return None
    return (o.level, tuple(sorted((k, bool(v)) for k, v in o.to_dict(False)["awards"].items())))


def test_one_input(data: bytes) -> None:
    """One population: every row judged or in error, agreeing with single evaluation."""
    csv_mode = data[:1] == b"c"
    path = os.path.join(_DIR, "pop.csv" if csv_mode else "pop.jsonl")
    with open(path, "wb") as f:
        f.write(data[1:])
    try:
        rows = list(batch.iter_rows(path, _RULESETS))
    except EvidenceError:
        return  # the file as a whole refused (a CSV header, an unreadable file)
    if csv_mode:
        return
    lines = [x for x in data[1:].split(b"\n")]
    texts = [x for x in lines if x.strip()]
    if len(rows) != len(texts):
        raise AssertionError(f"{len(texts)} organisations, {len(rows)} rows")
    for raw, row in zip(texts, rows, strict=True):
        try:
            doc = json.loads(raw, parse_float=str)
        except ValueError:
            if "error" not in row:
                raise AssertionError(f"line {raw!r} is not JSON but was judged") from None
            continue
        want = _single(raw) if isinstance(doc, dict) else None
        if want is None:
            if "error" not in row:
                raise AssertionError(f"evaluate refuses {raw!r}, the population judged it")
            continue
        if "error" in row:
            raise AssertionError(f"evaluate judges {raw!r}; population: {row['error']}")
        got = (row["level"], tuple(sorted((k, bool(v)) for k, v in row["awards"].items())))
        if got != want:
            raise AssertionError(f"{raw!r}: evaluate {want}, population {got}")


def main() -> None:
    """Start atheris (arguments as libFuzzer's)."""
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
