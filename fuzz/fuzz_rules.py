"""Atheris harness: rules text → parse → check → (if accepted) every later stage.

Everything ``check`` accepts must be handled by every stage: the formatter
(``unparse`` and a second parse giving the same model), the compiled fast path
and the population kernel. A stage that crashes on a checked ruleset is a bug;
so is ``check`` crashing instead of giving a diagnostic.

Run for an hour (seed corpus: the packaged rulesets)::

    python fuzz/fuzz_rules.py fuzz/corpus/rules -max_total_time=3600 \
        -rss_limit_mb=2048 -timeout=20
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

with atheris.instrument_imports():
    import _common  # noqa: F401 - puts the checkout on the path

    from iiprules import api
    from iiprules.diagnostics import RulesError
    from iiprules.syntax import parse, unparse


def _later_stages(text: str) -> None:
    """The stages after check, on a ruleset check accepted."""
    result = api._check_text(text, "fuzz.rules", Path.cwd())
    if result.checked is None:
        return
    model = parse(text, "fuzz.rules")
    again = parse(unparse(model), "fuzz.rules")
    if again != model:
        raise AssertionError("fmt changed the meaning of a checked ruleset")
    checked = result.checked
    layout_ids: dict[str, int] = {}
    pools: dict[str, int] = {}
    from iiprules import model as m
    from iiprules.evaluate import Layout

    chain = []
    c = checked
    while c is not None:  # a ruleset's kernel also reads the rulesets it uses
        chain.append(c)
        c = c.base
    for snap in (s for c in chain for s in c.snapshots):
        for rid, r in snap.requirements.items():
            if isinstance(r.node, m.Unnamed):
                pools.setdefault(rid, len(pools))
            else:
                layout_ids.setdefault(rid, len(layout_ids))
    layout = Layout(layout_ids, pools)
    for snap in checked.snapshots:
        evaluator = api.evaluator_for(checked, snap)
        evaluator.vector_kernel(layout)


def test_one_input(data: bytes) -> None:
    """One input: refused with diagnostics, or handled by every stage."""
    text = data.decode("utf-8", "replace")
    try:
        _later_stages(text)
    except RulesError:
        pass


def main() -> None:
    """Start atheris (arguments as libFuzzer's)."""
    sys.setrecursionlimit(1000)
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
