"""The VS Code extension's TextMate grammar, run under Node as VS Code runs it.

`editors/vscode/test/scopes.mjs` tokenizes with vscode-textmate and
vscode-oniguruma (npm, installed by `.ci/run` with `npm ci`). Each packaged
ruleset has a golden scope file (`--update-golden` rewrites them), and every
token's scope is checked against what the language server's name reader (which
is checked against the parse tree) says the token is.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from iiprules.lsp import names as n

ROOT = Path(__file__).resolve().parents[2]
VSCODE = ROOT / "editors" / "vscode"
GOLDEN = VSCODE / "test" / "golden"
RULESETS = sorted((ROOT / "rulesets").glob("*.rules"))


def _node() -> str:
    node = shutil.which("node")
    assert node, "Node.js is needed for the grammar tests (.ci/run has it)"
    assert (VSCODE / "node_modules" / "vscode-textmate").is_dir(), (
        "run `npm ci` in editors/vscode first (.ci/run does)")
    return node


def _scopes(path: Path) -> str:
    proc = subprocess.run([_node(), str(VSCODE / "test" / "scopes.mjs"), str(path)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert 0 == proc.returncode, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("path", RULESETS, ids=lambda p: p.stem)
def test_scopes_match_the_golden_file(path: Path, request: pytest.FixtureRequest) -> None:
    """The grammar gives every token of the packaged ruleset the scopes in its golden file."""
    got = _scopes(path)
    golden = GOLDEN / f"{path.stem}.scopes"
    if request.config.getoption("--update-golden"):
        golden.write_text(got, encoding="utf-8")
    assert golden.read_text(encoding="utf-8") == got


def _tm_tokens(path: Path) -> dict[tuple[int, int], str]:
    """(start offset, end offset) → scopes, from the golden file."""
    text = path.read_text(encoding="utf-8")
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    out: dict[tuple[int, int], str] = {}
    for row in (GOLDEN / f"{path.stem}.scopes").read_text(encoding="utf-8").splitlines():
        where, _text, scopes = row.split("\t")
        line, cols = where.split(":")
        a, b = map(int, cols.split("-"))
        base = starts[int(line) - 1]
        out[(base + a, base + b)] = scopes
    return out


def _expected_scope(tok: n.Token, name: n.Name | None) -> tuple[str, ...]:
    """The scope prefixes a token must carry."""
    if name is not None:
        return ((f"entity.name.{name.kind}.iiprules",) if name.declaration
                else (f"variable.other.{name.kind}.iiprules",))
    match tok.kind:
        case "comment":
            return ("comment.line",)
        case "string":
            return ("string.quoted",)
        case "date":
            return ("constant.numeric.date",)
        case "word" if tok.text in n.CONSTANTS:
            return ("constant.language", "support.type", "keyword.operator.quantifier")
        case "word" if tok.text.isdigit():
            return ("constant.numeric.integer",)
        case "word" if tok.text in n.KEYWORDS:
            return ("keyword.", "storage.type.")
    return ()


@pytest.mark.parametrize("path", RULESETS, ids=lambda p: p.stem)
def test_every_token_has_the_right_scope(path: Path) -> None:
    """Keywords, ids (by kind and role), strings, numbers and comments get their scopes."""
    text = path.read_text(encoding="utf-8")
    tokens = n.tokenize(text)
    names = {x.index: x for x in n.classify(tokens)}
    tm = _tm_tokens(path)
    wrong = []
    for i, tok in enumerate(tokens):
        want = _expected_scope(tok, names.get(i))
        if not want:
            continue
        # A token may be split by the grammar (a comment's '#', a text's quotes, lines).
        pieces = [s for (a, b), s in tm.items() if a < tok.end and b > tok.start]
        if not pieces or not all(any(w in s for w in want) for s in pieces):
            wrong.append((text.count("\n", 0, tok.start) + 1, tok.text[:30], want, pieces[:2]))
    assert [] == wrong


def test_extension_starts_the_language_server() -> None:
    """The extension's own Node tests pass: it starts `iiprules lsp` for .rules files."""
    proc = subprocess.run([_node(), "--test", "test/extension.test.js"], cwd=VSCODE,
                          capture_output=True, text=True, timeout=120, check=False)
    assert 0 == proc.returncode, proc.stdout + proc.stderr
    assert "# fail 0" in proc.stdout
