"""The pipeline's import direction: each module imports only the stages below it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "iiprules"

# Lower index = lower stage. A module may import only modules with a lower index.
ORDER = [
    "exitcodes",  # leaf: the exit-code table
    "outputs",  # leaf: atomic writing of every file the tool writes
    "model",
    "diagnostics",
    "_parser_build",
    "syntax",
    "check",
    "evidence",
    "evaluate",
    "explain",
    "batch",
    "api",
    "answers",
    "diff",
    "generate",
    "verify",
    "testing",
    "cli",
]
# Outside the pipeline: nothing in it imports these (they import the public API).
OUTSIDE = ["sphinxext", "lexer", "__init__", "__main__"]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("iiprules"):
            parts = node.module.split(".")
            if len(parts) > 1:
                out.add(parts[1])
            else:
                out.update(a.name for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name.split(".")[1] for a in node.names if a.name.startswith("iiprules."))
    return out


def test_imports_only_go_down_the_pipeline():
    """No stage imports a later stage (model ← diagnostics ← syntax ← check ← ... ← cli)."""
    for name in ORDER:
        if not (PACKAGE / f"{name}.py").exists():
            continue
        used = imports_of(PACKAGE / f"{name}.py") & set(ORDER)
        later = {u for u in used if ORDER.index(u) >= ORDER.index(name)}
        assert set() == later, f"{name} imports {later}"


def test_model_imports_neither_lark_nor_iiprules():
    """model.py stands alone, so rulesets can be built without parsing."""
    text = (PACKAGE / "model.py").read_text(encoding="utf-8")
    assert "import lark" not in text and "from lark" not in text
    assert set() == imports_of(PACKAGE / "model.py")


def test_import_iiprules_does_not_import_sphinx():
    """Importing the library never pulls in Sphinx."""
    import subprocess
    import sys

    code = "import sys, iiprules; print('sphinx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "False" == out.stdout.strip()


def test_every_module_has_a_place():
    """Each module of the package is a pipeline stage or explicitly outside it."""
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert set() == modules - set(ORDER) - set(OUTSIDE)


def test_nothing_in_the_pipeline_imports_the_outside_modules():
    """The Sphinx extension and the lexer are leaves: no stage imports them."""
    for name in ORDER:
        if (PACKAGE / f"{name}.py").exists():
            assert set() == imports_of(PACKAGE / f"{name}.py") & {"sphinxext", "lexer", "_sphinx"}


def test_check_subpackage_imports_only_below_check():
    """iiprules._check, the checker's insides, imports only model, diagnostics and syntax."""
    allowed = {"model", "diagnostics", "syntax", "_check"}
    for path in (PACKAGE / "_check").glob("*.py"):
        assert set() == imports_of(path) - allowed, path.name
