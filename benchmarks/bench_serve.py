"""How fast ``iiprules serve`` answers, on loopback, bounded in time and count.

Run: python benchmarks/bench_serve.py [--seconds 10] [--sustain 60] [--batch 20000] [--quick]

Prints one table:

* ``POST /v1/evaluate`` (explain=false) with one worker and with two: requests a
  second, p50 and p99 latency, errors. The load comes from a small keep-alive
  HTTP/1.1 client written here on asyncio (``CONNECTIONS`` connections, one
  request in flight on each), because a general client such as httpx would
  measure itself rather than the service;
* a sustained run (``--sustain`` seconds, one worker): errors, and the service's
  resident memory sampled every few seconds (it should stay flat);
* ``POST /v1/evaluate/batch``: organisations a second for a generated population
  sent as NDJSON, next to the same population through the CLI's population path
  (``api.evaluate_population``, in this process, writing JSONL).

Everything runs on 127.0.0.1; the service is started as ``iiprules serve`` in a
child process on a free port and stopped at the end. The client shares the
machine with the service, so on a small machine its cost is part of the figures;
the table says how many CPUs there were.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONNECTIONS = 16
EVIDENCE = ROOT / "examples" / "thistlewood_partners.json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(workers: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "iiprules", "serve", "--port", str(port),
         "--workers", str(workers)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    time.sleep(0.5 * workers)  # let every worker finish starting
                    return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the service did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()


def rss_kib(pid: int) -> int:
    """Resident memory of a process and its children (the workers), in KiB."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


async def _connection(port: int, request: bytes, until: float, lat: list[float],
                      errors: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < until:
            t0 = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            lat.append(time.perf_counter() - t0)
            if not head.startswith(b"HTTP/1.1 200"):
                errors.append(int(head[9:12]))
    except (OSError, asyncio.IncompleteReadError) as exc:
        errors.append(-1)
        print(f"connection error: {exc!r}", file=sys.stderr)
    finally:
        writer.close()


async def _load(port: int, seconds: float, body: bytes) -> tuple[list[float], list[int], float]:
    request = (
        b"POST /v1/evaluate HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        + f"content-length: {len(body)}\r\n\r\n".encode() + body
    )
    lat: list[float] = []
    errors: list[int] = []
    t0 = time.perf_counter()
    until = t0 + seconds
    await asyncio.gather(*(_connection(port, request, until, lat, errors)
                           for _ in range(CONNECTIONS)))
    return lat, errors, time.perf_counter() - t0


def load(port: int, seconds: float, body: bytes) -> tuple[list[float], list[int], float]:
    try:
        import uvloop

        return uvloop.run(_load(port, seconds, body))
    except ImportError:
        return asyncio.run(_load(port, seconds, body))


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))] * 1000 if s else float("nan")


def bench_evaluate(workers: int, seconds: float, body: bytes) -> dict[str, object]:
    proc, port = start(workers)
    try:
        load(port, min(2.0, seconds), body)  # warm up
        lat, errors, took = load(port, seconds, body)
    finally:
        stop(proc)
    return {"what": f"evaluate, {workers} worker(s)", "requests": len(lat),
            "per_second": len(lat) / took, "p50_ms": pct(lat, 0.50), "p99_ms": pct(lat, 0.99),
            "errors": len(errors)}


def bench_sustained(seconds: float, body: bytes) -> dict[str, object]:
    proc, port = start(1)
    samples: list[int] = []
    total: list[float] = []
    errs: list[int] = []
    try:
        step = max(1.0, seconds / 12)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            lat, errors, _ = load(port, min(step, end - time.monotonic()), body)
            total += lat
            errs += errors
            samples.append(rss_kib(proc.pid))
    finally:
        stop(proc)
    return {"what": f"sustained {seconds:g} s, 1 worker", "requests": len(total),
            "per_second": len(total) / seconds, "p50_ms": pct(total, 0.5),
            "p99_ms": pct(total, 0.99), "errors": len(errs),
            "rss_mib": [round(s / 1024, 1) for s in samples]}


def bench_batch(n: int) -> list[dict[str, object]]:
    sys.path.insert(0, str(ROOT))
    from iiprules import api
    from iiprules.generate import generate

    with tempfile.TemporaryDirectory() as tmp:
        pop = Path(tmp) / "pop.jsonl"
        with pop.open("w") as f:
            for org in generate(["standard", "lm_theme", "partner_award"], n, seed=7):
                f.write(json.dumps(org, default=str) + "\n")
        body = pop.read_bytes()
        api.evaluate_population(pop, out=Path(tmp) / "warm.jsonl", progress=False)
        t0 = time.perf_counter()
        summary = api.evaluate_population(pop, out=Path(tmp) / "out.jsonl", progress=False)
        cli_s = time.perf_counter() - t0
        proc, port = start(1)
        try:
            rows, took = _post_batch(port, body)  # warm
            rows, took = _post_batch(port, body)
        finally:
            stop(proc)
    return [
        {"what": f"population path (api, JSONL → JSONL), {n:,} orgs",
         "per_second": summary.total / cli_s, "errors": summary.errors},
        {"what": f"evaluate/batch (NDJSON → NDJSON), {n:,} orgs", "per_second": rows / took,
         "errors": 0 if rows == n else n - rows},
    ]


def _post_batch(port: int, body: bytes) -> tuple[int, float]:
    t0 = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"POST /v1/evaluate/batch HTTP/1.1\r\nhost: x\r\nconnection: close\r\n"
                  b"content-type: application/x-ndjson\r\n"
                  + f"content-length: {len(body)}\r\n\r\n".encode() + body)
        chunks = []
        while True:
            data = s.recv(1 << 20)
            if not data:
                break
            chunks.append(data)
    took = time.perf_counter() - t0
    raw = b"".join(chunks)
    rows = raw.count(b'{"organisation"')
    return rows, took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="per evaluate measurement")
    ap.add_argument("--sustain", type=float, default=60.0, help="the sustained run")
    ap.add_argument("--batch", type=int, default=20_000, help="organisations in the batch run")
    ap.add_argument("--quick", action="store_true", help="3 s runs, 10 s sustained, 5,000 orgs")
    args = ap.parse_args()
    if args.quick:
        args.seconds, args.sustain, args.batch = 3.0, 10.0, 5_000
    body = EVIDENCE.read_bytes()
    rows = [bench_evaluate(1, args.seconds, body), bench_evaluate(2, args.seconds, body)]
    rows.append(bench_sustained(args.sustain, body))
    rows += bench_batch(args.batch)
    print(f"iiprules serve on {platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} CPU(s), loopback, {CONNECTIONS} keep-alive connections; "
          f"evidence {EVIDENCE.name}")
    print(f"{'measurement':48} {'req or orgs/s':>14} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for r in rows:
        p50 = f"{r['p50_ms']:.2f}" if "p50_ms" in r else ""
        p99 = f"{r['p99_ms']:.2f}" if "p99_ms" in r else ""
        print(f"{r['what']:48} {r['per_second']:>14,.0f} {p50:>8} {p99:>8} {r['errors']:>7}")
        if "rss_mib" in r:
            print(f"{'':48} resident MiB over time: {r['rss_mib']}")


if __name__ == "__main__":
    main()
