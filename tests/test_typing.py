"""The typed API: ``mypy --strict`` passes on the package, and checks a client that uses it.

The client is checked as a tool builder's code would be: against iiprules
*installed* (found through a ``.pth`` file in a site-packages folder, as
``pip install -e`` does), where mypy reads a package's types only if it ships
the ``py.typed`` marker. Without the marker every planted error below goes
unseen (the package is ``import-untyped``); with it, each is caught.
"""

from __future__ import annotations

import re
import subprocess
import sys
import sysconfig
import textwrap
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CLIENT = '''\
"""A tool builder's script, strictly typed."""

import iiprules


def level_of(doc: dict[str, object]) -> str:
    outcome = iiprules.evaluate(doc, "standard", explain=False)
    return outcome.level or "none"


def judged(docs: list[dict[str, object]]) -> list[str | None]:
    out: list[str | None] = []
    for result in iiprules.evaluate_many(docs, errors="collect"):
        if isinstance(result, iiprules.IIPError):
            out.append(None)
            continue
        out.append(result.level)
    return out


def problems(path: str) -> list[tuple[str, int | None]]:
    try:
        iiprules.evaluate(path)
    except iiprules.EvidenceError as exc:
        return [(p.code, p.line) for p in exc.problems]
    return []
'''

#: Planted errors, each with the line it is on (counted from the end of CLIENT).
PLANTED = '''\


def planted() -> None:
    outcome = iiprules.evaluate("x.yaml")
    n: int = outcome.level  # str | None is not an int
    iiprules.evaluate_many([], errors="ignore")  # not a policy
    for p in iiprules.load_evidence("x.yaml").met:
        p.no_such_method()  # an id is a str
'''


def _mypy(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", *args], cwd=cwd, capture_output=True, text=True
    )


def test_the_package_is_mypy_strict_clean(tmp_path):
    """``mypy --strict iiprules`` (with the project's configuration) finds nothing."""
    proc = _mypy("--strict", "iiprules", "--cache-dir", str(tmp_path / "cache"), cwd=ROOT)
    assert 0 == proc.returncode, proc.stdout[-5000:] + proc.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Python environment where this checkout is installed the way ``pip install -e`` does."""
    env = tmp_path_factory.mktemp("env")
    venv.create(env, system_site_packages=True, with_pip=False)
    python = env / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    Path(purelib, "iiprules_checkout.pth").write_text(str(ROOT) + "\n", encoding="utf-8")
    assert sysconfig.get_paths()["purelib"] != purelib
    return python


def test_a_strict_client_passes_and_planted_errors_are_caught(tmp_path, installed):
    """The client type-checks; each planted type error is reported on its own line."""
    good = tmp_path / "client.py"
    good.write_text(CLIENT, encoding="utf-8")
    bad = tmp_path / "client_bad.py"
    bad.write_text(CLIENT + PLANTED, encoding="utf-8")
    proc = _mypy(
        "--strict", "--python-executable", str(installed), "--cache-dir",
        str(tmp_path / "cache"), "--no-incremental", str(good), str(bad), cwd=tmp_path,
    )
    errors = [line for line in proc.stdout.splitlines() if ": error:" in line]
    assert not [e for e in errors if e.startswith(str(good)) or "client.py" in e.split(":")[0]]
    first = len(CLIENT.splitlines())
    planted_lines = {
        first + i + 1
        for i, line in enumerate(textwrap.dedent(PLANTED).splitlines())
        if "#" in line
    }
    found = {int(m.group(1)) for e in errors if (m := re.match(r".*client_bad\.py:(\d+):", e))}
    assert planted_lines == found, proc.stdout
