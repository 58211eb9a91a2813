"""`iiprules lsp`: listed by the CLI, and a clear message without the [lsp] extra."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_WITHOUT_PYGLS = """
import sys
class _Block:
    def find_spec(self, name, path=None, target=None):
        if name == "pygls" or name.startswith("pygls."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, _Block())
from iiprules.cli import main
sys.exit(main(["lsp"]))
"""


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL, check=False)


def test_lsp_is_a_command() -> None:
    """`iiprules --help` lists lsp, and `iiprules lsp --help` says how editors start it."""
    assert "lsp" in _run("-m", "iiprules", "--help").stdout
    assert "standard input and output" in _run("-m", "iiprules", "lsp", "--help").stdout


def test_without_the_extra_it_says_what_to_install() -> None:
    """Without pygls the command exits 2 with one line naming the extra, no traceback."""
    proc = _run("-c", _WITHOUT_PYGLS)
    assert 2 == proc.returncode
    assert "pip install 'iiprules[lsp]'" in proc.stderr
    assert "Traceback" not in proc.stderr
