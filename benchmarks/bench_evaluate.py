"""How fast the paths users call are, side by side with baselines and a peer engine.

Run: python benchmarks/bench_evaluate.py [-n 100000] [--rounds 5] [--quick]

One run prints one table. Every row is something a user calls (``iiprules.evaluate``,
``evaluate_many``, a population file, a Parquet file, start-up) or a floor to
compare it with (hand-written frozenset and numpy code, ``orjson.loads`` of each
line, zen-engine driven its fastest way), on the same organisations:

* the synthetic framework of ``workload.py`` (the peer workload of issue 13: 165
  requirements, 4 levels, one award), for the public API, the kernels, zen-engine
  and the columnar path;
* a generated population judged by every packaged ruleset, about 44% of it with
  earlier assessments and some with pending lists, for JSONL in and out.

Each figure is CPU seconds of the process doing the work (``time.process_time``),
so other work on a shared machine counts as little as it can; the median of
``--rounds`` rounds (at least 5) in which every case runs once, in turn, so that
all see the same machine; the spread is the lowest and highest round. Start-up
rows run in fresh processes reading bytecode from a cache (as an installed
package does; the cache is in the run's temporary folder). Answers are compared
between paths before anything is timed. Speed is never asserted in the tests.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
import openfisca_peer
import workload as w

import iiprules
from iiprules import api, batch

ROOT = w.ROOT


# -- measuring -------------------------------------------------------------------------


class Case:
    """One thing measured: a callable doing ``n`` organisations' work (or one start-up)."""

    def __init__(self, key: str, fn: Callable[[], Any], n: int, fresh: bool = False) -> None:
        self.key = key
        self.fn = fn
        self.n = n
        self.fresh = fresh  # fn returns its own seconds (a fresh process)
        self.samples: list[float] = []

    def run(self) -> None:
        """Measure once more."""
        if self.fresh:
            self.samples.append(self.fn())
            return
        gc.collect()
        t = time.process_time()
        self.fn()
        self.samples.append((time.process_time() - t) / self.n)

    @property
    def median(self) -> float:
        """The median of the rounds."""
        return statistics.median(self.samples)

    def spread(self) -> str:
        """The lowest and highest round."""
        lo, hi = min(self.samples), max(self.samples)
        return f"{_t(lo)}–{_t(hi)}"


def _t(seconds: float) -> str:
    """A time in the unit that reads best."""
    if seconds >= 1e-3:
        return f"{seconds * 1e3:,.1f} ms"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:,.2f} µs"
    return f"{seconds * 1e9:,.1f} ns"


def interleaved(cases: list[Case], rounds: int) -> None:
    """Every case once per round, in turn, ``rounds`` times."""
    for r in range(rounds):
        for c in cases:
            c.run()
        print(f"  round {r + 1}/{rounds} done", file=sys.stderr)


#: Fresh processes import from a bytecode cache, as an installed package does.
PYCACHE: list[Path] = []


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE[0])
    return env


def child(code: str) -> dict[str, Any]:
    """Run Python code in a fresh process; its last line of output is one JSON object."""
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=_env(),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


IMPORT_CODE = """
import json, time
t = time.process_time()
import iiprules
print(json.dumps({"s": time.process_time() - t}))
"""

LOAD_CODE = """
import json, time
from iiprules import api
t = time.process_time()
for name in api.packaged_names():
    c = api.load(name)
    for s in c.snapshots:
        api.evaluator_for(c, s, None)
print(json.dumps({"s": time.process_time() - t}))
"""

CLI_CODE = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
done = subprocess.run([sys.executable, "-c", "import sys; from iiprules.cli import main; "
                       "sys.exit(main())", "evaluate", {path!r}], capture_output=True)
wall = time.perf_counter() - t
use = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({{"wall": wall, "cpu": use.ru_utime + use.ru_stime, "rc": done.returncode}}))
"""

JOBS_CODE = """
import json, time
from iiprules import api
api.PopulationRulesets().versions()
t = time.perf_counter()
api.evaluate_population({src!r}, None, out={out!r}, jobs={jobs}, progress=False)
print(json.dumps({{"wall": time.perf_counter() - t}}))
"""


def fresh(code: str, key: str = "s") -> Callable[[], float]:
    return lambda: float(child(code)[key])


# -- the table ------------------------------------------------------------------------


class Table:
    """Rows of (what, median, spread, ratio, goal, verdict), printed once at the end."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []

    def section(self, title: str) -> None:
        """Start a section."""
        self.rows.append(("",) * 6)
        self.rows.append((title, "", "", "", "", ""))

    def add(self, what: str, c: Case | None, ratio: str = "", goal: str = "", ok: Any = None,
            figure: str | None = None) -> None:  # fmt: skip
        """Add a row: a case's median and spread, its ratio, the goal and whether it is met."""
        fig = figure if figure is not None else (_t(c.median) if c else "")
        spread = c.spread() if c is not None else ""
        verdict = "" if ok is None else ("met" if ok else "MISSED")
        self.rows.append(("  " + what, fig, spread, ratio, goal, verdict))

    def print(self) -> None:
        """Print the table, columns aligned."""
        head = ("", "median (CPU)", "spread", "ratio", "goal", "")
        rows = [head, *self.rows]
        w = [max(len(r[i]) for r in rows) for i in range(6)]
        for r in rows:
            line = f"{r[0]:<{w[0]}}  {r[1]:>{w[1]}}  {r[2]:>{w[2]}}  {r[3]:<{w[3]}}  "
            print((line + f"{r[4]:<{w[4]}}  {r[5]}").rstrip())


# -- the run ------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000, help="organisations (default 100,000)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (>= 5)")
    parser.add_argument("--quick", action="store_true", help="small sizes, to try the script")
    args = parser.parse_args()
    n = 5_000 if args.quick else args.n
    tmp = Path(tempfile.mkdtemp(prefix="iiprules-bench-"))
    PYCACHE.append(tmp / "pycache")
    try:
        run(n, max(args.rounds, 5), tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(n: int, rounds: int, tmp: Path) -> None:
    """Build the workloads, check the answers agree, measure, print the table."""
    import orjson
    import pyarrow as pa
    import pyarrow.parquet as pq

    from iiprules import columnar

    started = time.perf_counter()
    fw = w.Framework(1, tmp)
    ref = str(fw.path)
    docs = w.population(fw, n)
    evs = w.evidence_of(docs, fw.evaluator)
    words, pools, facts, on = w.arrays_of(docs, fw)
    e = fw.evaluator
    hand, hand_np = w.frozenset_baseline(fw), w.numpy_baseline(fw)
    kernel = e.vector_kernel(fw.layout)
    zen = w.zen_fastest(fw)
    small = max(n // 20, 500)  # the slower per-organisation paths judge fewer
    ctx = [w.zen_context(d) for d in docs[:small]]

    # the packaged population, with history and pending lists
    pdocs = w.packaged_population(n)
    psrc = tmp / "packaged.jsonl"
    lines = [orjson.dumps(d) for d in pdocs]
    psrc.write_bytes(b"\n".join(lines) + b"\n")
    share = sum("history" in d for d in pdocs) / n
    # the synthetic population as Parquet: a list column, and a boolean column per id
    rows = [
        {"organisation": d["organisation"], "assessed_on": w.ON, "met": d["met"],
         "W.other": d["unnamed_met"]["W.other"],
         "representative_groups": d.get("facts", {}).get("representative_groups"),
         "employees": d.get("facts", {}).get("employees")}
        for d in docs
    ]  # fmt: skip
    table = pa.Table.from_pylist(rows)
    list_pq = tmp / "listed.parquet"
    pq.write_table(table, list_pq)
    sets = [set(d["met"]) for d in docs]
    flags = {rid: pa.array([rid in m for m in sets]) for rid in fw.listable}
    keep = ("organisation", "assessed_on")
    rest = ("W.other", "representative_groups", "employees")
    bool_table = pa.table({**{k: table[k] for k in keep}, **flags, **{k: table[k] for k in rest}})
    bool_pq = tmp / "flags.parquet"
    pq.write_table(bool_table, bool_pq)
    arrow_batch = table.combine_chunks().to_batches()[0]
    flags_batch = bool_table.combine_chunks().to_batches()[0]
    openfisca = openfisca_peer.build(fw)
    of_inputs = openfisca_peer.inputs_of(docs, fw) if openfisca is not None else {}

    # -- the answers agree before anything is timed
    rank, cert = hand_np(words, pools, facts)
    krank, kawards, _ = kernel(words, pools, facts, on, n)
    assert np.array_equal(krank, rank) and np.array_equal(kawards[0], cert)
    for j in range(0, n, max(n // 2000, 1)):
        v = e.decide(evs[j])
        assert (v.level, v.awards) == hand(evs[j]), j
        got = iiprules.evaluate(docs[j], ref, explain=False)
        assert (got.level, got.award_results["lm"]) == (v.level, v.awards[0])
        if zen is not None and j < small:
            z = zen(ctx[j])["result"]
            assert (z.get("level"), z["lm"]) == (v.level, v.awards[0]), (z, v)
    many = list(iiprules.evaluate_many(docs[:2000], ref))
    assert many == [iiprules.evaluate(d, ref, explain=False) for d in docs[:2000]]
    out_rows = columnar.evaluate_arrow(arrow_batch, ref).to_pylist()
    assert [r["level"] for r in out_rows[:2000]] == [x.level for x in many]
    jsonl_rows = list(batch.iter_rows(psrc, api.PopulationRulesets()))
    for d, r in list(zip(pdocs, jsonl_rows, strict=True))[:: max(n // 1000, 1)]:
        try:
            want = iiprules.evaluate(d, explain=False).to_dict(explanation=False)
        except iiprules.EvidenceError as exc:
            assert str(exc).split(": ", 1)[-1] in r["error"]
        else:
            assert want == r
    if openfisca is not None:
        of_rank, of_cert = openfisca(of_inputs, n)
        assert np.array_equal(of_rank, rank) and np.array_equal(of_cert, cert)
    print(f"answers agree; measuring {rounds} rounds", file=sys.stderr)

    # -- the cases
    decide = e.decide
    ex = sorted((ROOT / "examples").glob("*.yaml"))[0]
    out_jsonl = tmp / "out.jsonl"
    cases = {
        "hand": Case("hand", lambda: [hand(x) for x in evs], n),
        "decide": Case("decide", lambda: [decide(x) for x in evs], n),
        "evaluate": Case(
            "evaluate", lambda: [iiprules.evaluate(d, ref, explain=False) for d in docs[:small]],
            small,
        ),
        "explain": Case(
            "explain",
            lambda: [iiprules.evaluate(d, ref, explain=True) for d in docs[: small // 4]],
            small // 4,
        ),
        "many": Case("many", lambda: list(iiprules.evaluate_many(docs, ref)), n),
        "hand_np": Case("hand_np", lambda: hand_np(words, pools, facts), n),
        "kernel": Case("kernel", lambda: kernel(words, pools, facts, on, n), n),
        "orjson": Case("orjson", lambda: [orjson.loads(x) for x in lines], n),
        "jsonl": Case(
            "jsonl",
            lambda: batch.evaluate_population(
                psrc, api.PopulationRulesets(), out_jsonl, progress=False
            ),
            n,
        ),
        "pq_flags": Case(
            "pq_flags", lambda: columnar.evaluate_parquet(bool_pq, tmp / "o1.parquet", ref), n
        ),
        "pq_list": Case(
            "pq_list", lambda: columnar.evaluate_parquet(list_pq, tmp / "o2.parquet", ref), n
        ),
        "arrow": Case("arrow", lambda: columnar.evaluate_arrow(arrow_batch, ref), n),
        "arrow_flags": Case("arrow_flags", lambda: columnar.evaluate_arrow(flags_batch, ref), n),
        "import": Case("import", fresh(IMPORT_CODE), 1, fresh=True),
        "load": Case("load", fresh(LOAD_CODE), 1, fresh=True),
        "cli": Case("cli", fresh(CLI_CODE.format(path=str(ex)), "wall"), 1, fresh=True),
        "cli_cpu": Case("cli_cpu", fresh(CLI_CODE.format(path=str(ex)), "cpu"), 1, fresh=True),
    }
    if zen is not None:
        cases["zen"] = Case("zen", lambda: [zen(c) for c in ctx], len(ctx))
    if openfisca is not None:
        cases["openfisca"] = Case("openfisca", lambda: openfisca(of_inputs, n), n)
    jobs: dict[int, Case] = {}
    for k in (1, 2):
        code = JOBS_CODE.format(src=str(psrc), out=str(tmp / f"jobs{k}.jsonl"), jobs=k)
        jobs[k] = cases[f"jobs{k}"] = Case(f"jobs{k}", fresh(code, "wall"), 1, fresh=True)
    child(IMPORT_CODE)  # fill the bytecode cache
    gc.collect()
    gc.freeze()  # the populations live as long as the run: the collector need not scan them
    interleaved(list(cases.values()), rounds)
    c = cases

    # -- the table
    t = Table()
    t.section(f"Public API, synthetic framework (165 requirements), {n:,} organisations")
    t.add("hand-written frozenset function (baseline)", c["hand"], "1.00")
    t.add("Evaluator.decide (compiled scalar path)", c["decide"],
          f"{c['decide'].median / c['hand'].median:.2f}x baseline", "<= 1.0x baseline",
          c["decide"].median <= c["hand"].median)  # fmt: skip
    ratio_d = c["evaluate"].median / c["decide"].median
    t.add("iiprules.evaluate(mapping, explain=False)", c["evaluate"],
          f"{ratio_d:.1f}x decide", "<= 10x decide", ratio_d <= 10)  # fmt: skip
    if zen is not None:
        faster = c["zen"].median / c["evaluate"].median
        t.add("zen-engine: engine.evaluate, pre-built decision content", c["zen"],
              f"evaluate is {faster:.1f}x faster", ">= 5x faster", faster >= 5)  # fmt: skip
    else:
        t.add("zen-engine", None, figure="not installed (pip install zen-engine)")
    t.add("iiprules.evaluate(mapping, explain=True)", c["explain"], "", "<= 50 µs",
          c["explain"].median <= 50e-6)  # fmt: skip
    t.add("iiprules.evaluate_many(mappings)", c["many"],
          f"{c['many'].median / c['decide'].median:.1f}x decide", "<= 2 µs/org",
          c["many"].median <= 2e-6)  # fmt: skip
    t.section("Vector kernel on packed masks (same words)")
    t.add("hand-written numpy (baseline)", c["hand_np"], "1.00")
    kr = c["kernel"].median / c["hand_np"].median
    t.add("Evaluator.vector_kernel", c["kernel"], f"{kr:.2f}x numpy", "<= 2x numpy", kr <= 2)
    t.section(f"Population JSONL -> JSONL, packaged rulesets, {share:.0%} with history")
    t.add("orjson.loads of each line (floor)", c["orjson"], "1.00")
    jr = c["jsonl"].median / c["orjson"].median
    rate = 1 / c["jsonl"].median
    t.add("evaluate_population, one process", c["jsonl"],
          f"{jr:.2f}x orjson; {rate:,.0f}/s", ">= 250k/s, <= 1.3x orjson",
          rate >= 250_000 and jr <= 1.3)  # fmt: skip
    scale = jobs[1].median / jobs[2].median
    t.add("--jobs 2 vs --jobs 1 (wall, whole run)", jobs[2], f"{scale:.2f}x faster",
          ">= 1.6x (quiet machine)", scale >= 1.6)  # fmt: skip
    t.section("Columnar (Parquet/Arrow), synthetic framework, end to end on one core")
    for key, what in (("pq_flags", "Parquet (a boolean column per id) -> Parquet"),
                      ("pq_list", "Parquet (a list-of-ids column) -> Parquet"),
                      ("arrow", "evaluate_arrow: RecordBatch (list column) -> RecordBatch"),
                      ("arrow_flags", "evaluate_arrow: RecordBatch (boolean columns) -> "
                       "RecordBatch")):  # fmt: skip
        r = 1 / c[key].median
        t.add(what, c[key], f"{r:,.0f}/s", ">= 1M/s", r >= 1_000_000)
    if openfisca is not None:
        ratio = c["openfisca"].median / c["kernel"].median
        t.add("OpenFisca-Core 46: one simulation, an input array per requirement",
              c["openfisca"], f"{ratio:.1f}x the vector kernel")  # fmt: skip
        t.add("  (its inputs are numpy arrays already: compare with the kernel, not the "
              "Arrow rows, which read and write whole batches)", None)  # fmt: skip
    else:
        t.add("OpenFisca-Core", None, figure="not installed (pip install openfisca-core)")
    t.section("Start-up (fresh processes, bytecode cached)")
    t.add("import iiprules", c["import"], "", "<= 60 ms", c["import"].median <= 0.06)
    t.add("load + check + compile the packaged rulesets", c["load"], "", "<= 40 ms",
          c["load"].median <= 0.04)  # fmt: skip
    t.add(f"iiprules evaluate examples/{ex.name} (wall)", c["cli"], "", "<= 150 ms",
          c["cli"].median <= 0.15)  # fmt: skip
    t.add("  the same, CPU of the process", c["cli_cpu"])

    load = os.getloadavg()
    print(
        f"iiprules benchmark: Python {platform.python_version()}, numpy {np.__version__}, "
        f"pyarrow {pa.__version__}, {os.cpu_count()} CPUs ({platform.machine()}), "
        f"load average {load[0]:.1f}; {n:,} organisations; {rounds} interleaved rounds; "
        f"run took {time.perf_counter() - started:,.0f} s"
    )
    print("Median of the rounds, CPU time per organisation (per run for start-up); "
          "spread: lowest and highest round.\n")  # fmt: skip
    t.print()


if __name__ == "__main__":
    main()
