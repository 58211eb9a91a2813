"""Plan by branch and bound (the package) against plan by z3 over verify's encoding.

Run: python benchmarks/bench_plan.py [--repeat 3] [--differential 200]

Issue 12 asked whether ``plan`` should be optimisation over the constraint
encoding ``verify`` uses (``iiprules._verify.encode`` with z3's ``Optimize``)
instead of its own best-first branch and bound (``iiprules.answers.search``),
keeping exactness, ranked alternatives, "any k of these n" groups and cost
files, and keeping the simpler one at equal answers and no worse than 2x
latency. ``plan_z3.py`` (next to this file) is the z3 candidate: the same
groups of interchangeable requirements, the target stated with
``encode.Decisions``, (cost, count) minimised lexicographically, alternatives
as further models at the optimum blocked by their group counts.

Two parts:

* latency: every example organisation in examples/ planned for every level and
  award of the packaged rulesets, both ways, median of ``--repeat`` runs each
  (wall-clock milliseconds; the first, compiling call is not timed); answers
  compared as ``Plan.to_dict()``;
* ``--differential N``: N small generated rulesets with generated evidence
  (the strategies of tests/property/test_answers_props.py), with and without
  costs, both ways; reachability, best (cost, count) and, when fewer optima
  exist than are listed, the whole set of options compared.

Measured on 2 shared cores (2026-11-27): 118 plans of the 14 example
organisations, equal answers 118/118 (``to_dict`` identical); branch and bound
median 1.2 ms (max 14.6 ms), z3 median 78.5 ms (max 853 ms), z3/bb median x69
(min x4.2, max x615). Differential, 300 generated rulesets: 0 disagreements
(58 unreachable targets). Decision: the package keeps the branch and bound (z3
is at best 4x, typically 70x, slower: outside the 2x allowed) and ``plan`` does
not need z3; z3 stays a need of ``verify`` only. Symmetry breaking inside each
group of interchangeable requirements was needed for z3 to answer at all (without
it one Bronze plan ran past 60 s).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from plan_z3 import NotEncodable, plan_z3  # noqa: E402

from iiprules import answers, api  # noqa: E402
from iiprules.evidence import load  # noqa: E402


def targets(ev: object) -> list[str]:
    """Every level and award of the rulesets that judge an organisation."""
    evs = api.evaluators_for(ev, None)  # type: ignore[arg-type]
    out: list[str] = []
    for e in evs:
        out += [lv.id for lv in e.scope.levels] + [a.id for a in e.scope.awards]
    return list(dict.fromkeys(out))


def timed(f, *args, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    """Median wall milliseconds of ``repeat`` calls, and the last result."""
    out = None
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f(*args)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), out


def latency(repeat: int) -> None:
    """Both planners on the example organisations, target by target."""
    rows = []
    for path in sorted((ROOT / "examples").glob("*.y*ml")) + sorted(
        (ROOT / "examples").glob("*.json")
    ):
        ev = load(path)
        for t in targets(ev):
            answers.plan(ev, t)  # compile once, untimed
            bb_ms, bb = timed(answers.plan, ev, t, repeat=repeat)
            z3_ms, z = timed(plan_z3, ev, t, repeat=repeat)
            same = bb.to_dict() == z.to_dict()  # type: ignore[union-attr]
            rows.append((path.stem, t, bb_ms, z3_ms, same))
            print(f"{path.stem:28} {t:20} bb {bb_ms:8.1f} ms  z3 {z3_ms:8.1f} ms  "
                  f"x{z3_ms / bb_ms:6.1f}  same={same}", flush=True)
    ratios = [z / b for _o, _t, b, z, _s in rows]
    print(f"\n{len(rows)} plans: equal answers {sum(s for *_r, s in rows)}/{len(rows)}; "
          f"branch and bound median {statistics.median(r[2] for r in rows):.1f} ms "
          f"(max {max(r[2] for r in rows):.1f}); "
          f"z3 median {statistics.median(r[3] for r in rows):.1f} ms "
          f"(max {max(r[3] for r in rows):.1f}); z3/bb median x{statistics.median(ratios):.0f}, "
          f"min x{min(ratios):.1f}, max x{max(ratios):.0f}")


def differential(n: int) -> None:
    """Both planners on generated rulesets and evidence; prints the disagreements."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    sys.path.insert(0, str(ROOT / "tests" / "property"))
    from test_answers_props import compiled, evidence_for, small_rulesets

    stats = {"compared": 0, "unreachable": 0, "not encodable": 0, "differ": 0}

    @settings(max_examples=n, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(model=small_rulesets(), data=st.data())
    def run(model, data) -> None:  # type: ignore[no-untyped-def]
        ev = compiled(model)
        if ev is None:
            return
        e = data.draw(evidence_for(ev))
        scope = ev.scope
        target = data.draw(st.sampled_from([lv.id for lv in scope.levels]
                                           + [a.id for a in scope.awards]))
        ids = [k for k, r in scope.requirements.items() if r.maps is None]
        cost = ({k: Fraction(data.draw(st.integers(0, 3))) for k in ids}
                if data.draw(st.booleans()) else None)
        bb = answers.plan(e, target, cost=cost, alternatives=2, evaluators=[ev])
        try:
            z = plan_z3(e, target, cost=cost, alternatives=2, evaluators=[ev])
        except NotEncodable:
            stats["not encodable"] += 1
            return
        stats["compared"] += 1
        if not bb.reachable:
            stats["unreachable"] += 1
        key = [(o.cost, o.count) for o in bb.options[:1]]
        same = bb.reachable == z.reachable and key == [(o.cost, o.count) for o in z.options[:1]]
        if same and len(bb.options) < 3:  # every optimum listed: the sets must agree
            same = {str(o.to_dict()) for o in bb.options} == {str(o.to_dict()) for o in z.options}
        if not same:
            stats["differ"] += 1
            print("DIFFER", target, bb.to_dict(), z.to_dict(), flush=True)

    run()
    print(stats)


def main() -> None:
    """Parse the options and run."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--differential", type=int, default=0, metavar="N")
    args = ap.parse_args()
    if args.differential:
        differential(args.differential)
    else:
        latency(args.repeat)


if __name__ == "__main__":
    main()
