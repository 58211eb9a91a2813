"""Build the small Sphinx projects under ``roots/`` once per module, with ``sphinx.testing``.

Each ``roots/test-<name>/`` holds a ``conf.py``, an ``index.rst`` and the
``.rules`` files it renders. ``build("<name>")`` copies the root to a
temporary folder, builds it as HTML and returns the application; the
warnings are in ``app.warning_text``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp

ROOTS = Path(__file__).resolve().parent / "roots"


class BuiltApp:
    """A built test project: its Sphinx app, output folder and warnings."""

    def __init__(self, app: SphinxTestApp, warnings: StringIO) -> None:
        self.app = app
        self._warnings = warnings

    @property
    def outdir(self) -> Path:
        return Path(self.app.outdir)

    @property
    def srcdir(self) -> Path:
        return Path(self.app.srcdir)

    @property
    def warning_text(self) -> str:
        return re.sub(r"\x1b\[[0-9;]*m", "", self._warnings.getvalue())

    def html(self, docname: str) -> str:
        return (self.outdir / f"{docname}.html").read_text(encoding="utf-8")


def make_built(tmp: Path, name: str, **kwargs: object) -> BuiltApp:
    """Copy ``roots/test-<name>`` into ``tmp`` and build it as HTML."""
    src = tmp / name
    if not src.exists():
        shutil.copytree(ROOTS / f"test-{name}", src)
    warnings = StringIO()
    app = SphinxTestApp("html", srcdir=src, status=StringIO(), warning=warnings, **kwargs)
    try:
        app.build()
    finally:
        # Undo docutils' global registrations now: the next build starts clean.
        app.cleanup()
    return BuiltApp(app, warnings)


@pytest.fixture
def fresh_build(tmp_path: Path) -> Callable[..., BuiltApp]:
    """Build a test root in this test's own folder (again on each call: incremental)."""
    return lambda name, **kwargs: make_built(tmp_path, name, **kwargs)


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], BuiltApp]:
    """Build a test root once per module (cached by name)."""
    cache: dict[str, BuiltApp] = {}
    tmp = tmp_path_factory.mktemp("sphinx")

    def _build(name: str) -> BuiltApp:
        if name not in cache:
            cache[name] = make_built(tmp, name)
        return cache[name]

    return _build
