"""Killing ``evaluate --population --out OUT`` at any moment leaves the previous OUT intact.

The run is a real process on a population big enough to take a while; it is
killed (SIGINT, SIGTERM, SIGKILL) at several moments, from before the first
row is written to just before the end. Every time, OUT must be byte for byte
the previous file; after SIGINT and SIGTERM the command says
``interrupted; OUT not written`` and exits 130, and leaves no temporary file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _iiprules(*argv: str, **kw: object) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "iiprules", *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kw,
    )


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A population of 20,000 organisations (a few seconds of work on a slow machine)."""
    path = tmp_path_factory.mktemp("kill") / "pop.jsonl"
    p = _iiprules("generate", "--ruleset", "standard", "-n", "20000", "--seed", "3",
                  "--out", str(path))  # fmt: skip
    _, err = p.communicate(timeout=300)
    assert 0 == p.returncode, err
    return path


@pytest.mark.parametrize(
    ("sig", "after", "suffix"),
    [
        (signal.SIGINT, 0.0, ".jsonl"),
        (signal.SIGTERM, 0.0, ".parquet"),
        (signal.SIGTERM, 0.7, ".jsonl"),
        (signal.SIGTERM, 0.7, ".parquet"),
        (signal.SIGINT, 0.7, ".csv"),
        (signal.SIGINT, 1.5, ".jsonl"),
        (signal.SIGTERM, 1.5, ".csv"),
        (signal.SIGKILL, 0.0, ".csv"),
        (signal.SIGKILL, 1.0, ".parquet"),
    ],
)
def test_kill_leaves_previous_output(
    population: Path, tmp_path: Path, sig: signal.Signals, after: float, suffix: str
) -> None:
    """Whenever the run is killed, OUT is the previous file, byte for byte."""
    out = tmp_path / f"out{suffix}"
    previous = b"the previous output, which must survive\n" * 100
    out.write_bytes(previous)
    p = _iiprules("evaluate", "--population", str(population), "--out", str(out),
                  "--jobs", "2" if after > 1 else "1")  # fmt: skip
    # the moments are counted from when writing starts (the temporary file appears)
    deadline = time.monotonic() + 120
    while not any(q.name.endswith(".iiprules-tmp") for q in tmp_path.iterdir()):
        assert p.poll() is None, p.communicate()[1]
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(after)
    p.send_signal(sig)
    _, err = p.communicate(timeout=300)
    if p.returncode == 0:
        # The run finished before the signal: the new output is complete instead.
        assert previous != out.read_bytes()
        return
    assert previous == out.read_bytes()
    if sig != signal.SIGKILL:
        assert 130 == p.returncode, err
        assert f"iiprules: interrupted; {out} not written\n".encode() == err.splitlines(True)[-1]
        assert [out.name] == [q.name for q in tmp_path.iterdir()]
