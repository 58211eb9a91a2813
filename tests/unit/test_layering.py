"""The package's import graph: no circle anywhere, and every import goes down the pipeline.

The graph is read from the source with ``ast``: every ``import`` and ``from ...
import`` in every module of ``iiprules/`` (subpackages too), including imports
inside functions and under ``TYPE_CHECKING`` — a lazy or type-only import is
still a dependency a reader must follow, and a circle through one is still a
circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "iiprules"

# The stages, lowest first. A module belongs to the stage named by the first part of its
# name under iiprules (iiprules.answers.plan → "answers"; iiprules._evaluate.codegen →
# "_evaluate"). It may import its own stage and lower ones, never a later one. A private
# subpackage sits just below the module it serves, so it cannot import that module back.
ORDER = [
    "_version",  # leaf: the library's version
    "exitcodes",  # leaf: the exit-code table
    "outputs",  # leaf: atomic writing of every file the tool writes
    "model",
    "diagnostics",
    "_parser_build",
    "_syntax",
    "syntax",
    "_check",
    "check",
    "_evidence",
    "_cache",  # checked rulesets kept in the user's cache folder (api uses it)
    "evidence",
    "_evaluate",
    "evaluate",
    "explain",
    "_batch",
    "batch",
    "api",
    "schemas",
    "workbench",
    "codes",
    "columnar",
    "answers",
    "diff",
    "generate",
    "_verify",
    "verify",
    "testing",
    "testing_examples",
    "testing_coverage",
    "testing_mutants",
    "lsp",
    "serve",  # the HTTP service: a thin layer over api, answers, explain and check
    "cli",
]
# Outside the pipeline, above it: nothing in it imports these (they import the public API).
OUTSIDE = ["sphinxext", "_sphinx", "lexer", "__init__", "__main__"]


def module_files() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    out: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ("iiprules", *path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = module_files()


def _target(name: str) -> str | None:
    """The module of the package an imported dotted name lands in, or None (outside)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports(module: str) -> dict[str, int]:
    """The package modules ``module`` imports, each with the line of its first import."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    out: dict[str, int] = {}
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            # ``from iiprules import api`` imports the module iiprules.api.
            names = [f"{prefix}.{a.name}" for a in node.names] + [prefix]
            names = [n for n in names[:-1] if n in MODULES] or [prefix]
        for name in names:
            target = _target(name) if name.startswith("iiprules") else None
            if target is not None and target != module:
                out.setdefault(target, node.lineno)
    return out


GRAPH = {m: imports(m) for m in MODULES}


def stage(module: str) -> str:
    """The stage of a module: the first part of its name under iiprules."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def rank(module: str) -> int:
    """A stage's height: its place in ORDER, or above all of ORDER when outside."""
    s = stage(module)
    return ORDER.index(s) if s in ORDER else len(ORDER)


def find_cycle() -> list[str] | None:
    """One import circle as a path (first module repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for t in sorted(GRAPH[m]):
            if state.get(t) == 1:
                return [*path[path.index(t):], t]
            if t not in state:
                found = visit(t)
                if found:
                    return found
        path.pop()
        state[m] = 2
        return None

    for m in sorted(GRAPH):
        if m not in state:
            found = visit(m)
            if found:
                return found
    return None


def test_the_graph_is_read():
    """The reader sees top-level, relative, in-function and type-only imports."""
    assert "iiprules.cli.app" in GRAPH["iiprules.cli"]
    assert "iiprules.model" in GRAPH["iiprules.check"]
    assert "iiprules.answers.common" in GRAPH["iiprules.answers.plan"]
    assert "iiprules._sphinx.describe" in GRAPH["iiprules._sphinx.tables"]  # relative
    assert "iiprules.cli" in GRAPH["iiprules._sphinx.command"]  # inside a function
    assert "iiprules.model" not in GRAPH["iiprules.model"]


def test_no_import_circle():
    """No module reaches itself through imports, however indirectly."""
    cycle = find_cycle()
    assert cycle is None, "import circle: " + " -> ".join(cycle or ())


def test_imports_only_go_down_the_pipeline():
    """No module imports a later stage (model ← diagnostics ← syntax ← check ← ... ← cli)."""
    upward = [
        f"{m} (line {line}) imports {t}"
        for m in sorted(GRAPH)
        for t, line in sorted(GRAPH[m].items())
        if rank(t) > rank(m)
    ]
    assert [] == upward


def test_argparse_only_in_the_command_line():
    """Only iiprules/cli/ parses arguments; feature modules return results."""
    users = []
    for m, path in MODULES.items():
        if m == "iiprules.cli" or m.startswith("iiprules.cli."):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import) and any(a.name == "argparse" for a in node.names):
                users.append(m)
            elif isinstance(node, ast.ImportFrom) and node.module == "argparse":
                users.append(m)
    assert [] == users


def test_model_imports_neither_lark_nor_iiprules():
    """model.py stands alone, so rulesets can be built without parsing."""
    text = (PACKAGE / "model.py").read_text(encoding="utf-8")
    assert "import lark" not in text and "from lark" not in text
    assert {} == GRAPH["iiprules.model"]


def test_import_iiprules_does_not_import_sphinx():
    """Importing the library never pulls in Sphinx."""
    import subprocess
    import sys

    code = "import sys, iiprules; print('sphinx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "False" == out.stdout.strip()


def test_every_module_has_a_place():
    """Each module and subpackage of the package is a pipeline stage or explicitly outside it."""
    stages = {stage(m) for m in MODULES}
    assert set() == stages - set(ORDER) - set(OUTSIDE)


def test_nothing_in_the_pipeline_imports_the_outside_modules():
    """The Sphinx extension and the lexer are leaves: no stage imports them."""
    for m in MODULES:
        if stage(m) in ORDER:
            assert set() == {stage(t) for t in GRAPH[m]} & {"sphinxext", "lexer", "_sphinx"}, m


def test_check_subpackage_imports_only_below_check():
    """iiprules._check, the checker's insides, imports only model, diagnostics and syntax."""
    allowed = {"model", "diagnostics", "syntax", "_syntax", "_parser_build", "_check"}
    for m in MODULES:
        if stage(m) == "_check":
            assert set() == {stage(t) for t in GRAPH[m]} - allowed, m
