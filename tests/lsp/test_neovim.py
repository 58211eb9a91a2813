"""A real editor: Neovim's built-in LSP client drives `iiprules lsp` on lm_theme.rules.

Neovim is installed by `.ci/run` (Debian's package), so this test runs in CI and
never skips: a missing `nvim` is a failure that says how to install it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import iiprules

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
LM = ROOT / "rulesets" / "lm_theme.rules"
STANDARD = ROOT / "rulesets" / "standard.rules"


def _position(path: Path, needle: str, shift: int) -> tuple[int, int]:
    text = path.read_text(encoding="utf-8")
    at = text.index(needle) + shift
    return text.count("\n", 0, at), at - (text.rfind("\n", 0, at) + 1)


def test_neovim_gets_diagnostics_definition_and_hover(tmp_path: Path) -> None:
    """Neovim opens lm_theme.rules: no diagnostics, W4.1 leads to standard.rules, hover has its text."""
    nvim = shutil.which("nvim")
    assert nvim, "Neovim is needed: apt-get install -y neovim (.ci/run does this)"
    line, col = _position(LM, "[4.1, W4.1", len("[4.1, "))
    out = tmp_path / "answers.json"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "IIP_FILE": str(LM),
        "IIP_OUT": str(out),
        "IIP_LINE": str(line),
        "IIP_COL": str(col),
        "IIP_CMD": json.dumps([sys.executable, "-m", "iiprules", "lsp"]),
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    proc = subprocess.run(
        [nvim, "--headless", "--clean", "-n", "-i", "NONE",
         "-c", f"luafile {HERE / 'neovim' / 'client.lua'}"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=180,
        stdin=subprocess.DEVNULL, check=False,
    )
    assert out.exists(), proc.stderr + proc.stdout
    answers = json.loads(out.read_text(encoding="utf-8"))
    assert "error" not in answers, answers.get("error")
    assert answers["steps"]["diagnostics_arrived"]
    assert [] == (answers["diagnostics"] or [])  # json_encode writes an empty list as {}

    definition = answers["definition"]
    assert 1 == len(definition)
    assert STANDARD.as_uri() == definition[0]["uri"]
    want_line, want_col = _position(STANDARD, "requirement W4.1 ", len("requirement "))
    assert {"line": want_line, "character": want_col} == definition[0]["range"]["start"]

    checked = iiprules.load("standard")
    text = checked.scope(checked.snapshots[-1]).requirements["W4.1"].node.text
    assert text in answers["hover"]["contents"]["value"]

    assert answers["steps"]["typed_diagnostics_arrived"]
    codes = [(d["code"], d["range"]["start"]["line"]) for d in answers["typed_diagnostics"]]
    assert ("IIP222", line) in codes
    assert answers["diagnostics_in_neovim"] >= 1
