"""Evaluate generated organisations against the packaged rulesets and print one table.

Run: python benchmarks/bench_evaluate.py [-n 100000]

Measures, from one run: the one-time cost of loading and compiling every packaged
ruleset, the compiled scalar path (Evaluator.evaluate on validated evidence, no
explanation), the same with explanations, the whole API path (mapping in, outcome
out, validation included) and a hand-written frozenset baseline of the same
decisions, so that the ratios say how close the interpreter is to hand-written code.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from iiprules import api
from iiprules.evidence import Evidence, validate


def population(n: int, ids: list[str], seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        p = rng.choice((0.8, 0.95, 0.99, 1.0))
        out.append(
            {
                "organisation": f"org {i}",
                "assessed_on": "2010-06-01",
                "met": [r for r in ids if rng.random() < p],
                "unnamed_met": {"W.other": rng.randint(0, 93)},
            }
        )
    return out


def timed(fn, reps: int) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) / reps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000)
    args = parser.parse_args()
    n = args.n

    t0 = time.perf_counter()
    checked = [api.load(name) for name in api.packaged_names()]
    on = dt.date(2010, 6, 1)
    evaluators = [api.evaluator_for(c, c.in_force(on), on) for c in checked]
    load_ms = (time.perf_counter() - t0) * 1000

    std = next(e for e in evaluators if e.scope.ruleset == "standard")
    ids = [k for k, r in std.scope.requirements.items() if k != "W.other"]
    docs = population(n, ids)
    scopes = [e.scope for e in evaluators]
    evs = [
        validate(Evidence(d["organisation"], on, frozenset(d["met"]), d["unnamed_met"]), scopes)
        for d in docs
    ]

    standard_ids = frozenset(
        k for k, r in std.scope.requirements.items() if r.node.part == "standard"
    )
    named_ext = frozenset(
        k for k, r in std.scope.requirements.items() if r.node.part == "extended" and k != "W.other"
    )

    def baseline() -> None:
        levels = []
        for ev in evs:
            met = ev.met
            level = None
            if standard_ids <= met:
                ext = len(named_ext & met) + ev.unnamed_met.get("W.other", 0)
                level = (
                    "gold"
                    if ext >= 126
                    else "silver"
                    if ext >= 76
                    else "bronze"
                    if ext >= 26
                    else "standard"
                )
            levels.append(level)

    def scalar() -> None:
        for ev in evs:
            std.evaluate(ev, explain=False)

    def scalar_all() -> None:
        for ev in evs:
            for e in evaluators:
                e.evaluate(ev, explain=False)

    small = evs[: max(n // 20, 1)]

    def explained() -> None:
        for ev in small:
            std.evaluate(ev, explain=True)

    small_docs = docs[: max(n // 20, 1)]

    def end_to_end() -> None:
        for d in small_docs:
            api.evaluate(d, explain=False)

    rows = [
        ("hand-written frozenset baseline (standard levels)", timed(baseline, n)),
        ("compiled scalar path, standard only", timed(scalar, n)),
        ("compiled scalar path, all 3 rulesets", timed(scalar_all, n)),
        ("explained path, standard only", timed(explained, len(small))),
        ("API end to end (mapping → outcome), all rulesets", timed(end_to_end, len(small_docs))),
    ]
    base = rows[0][1]
    print(f"organisations: {n:,}   load + compile all packaged rulesets: {load_ms:.1f} ms")
    print(f"{'path':<52} {'µs/org':>9} {'orgs/s':>11} {'× baseline':>11}")
    for name, sec in rows:
        print(f"{name:<52} {sec * 1e6:>9.2f} {1 / sec:>11,.0f} {sec / base:>11.2f}")


if __name__ == "__main__":
    main()
