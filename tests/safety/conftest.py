"""Helpers for the safety tests: run the command in-process and see its exit code and output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from iiprules.cli.app import main

ROOT = Path(__file__).resolve().parents[2]

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """``run(*argv)`` → (exit code, stdout, stderr) of ``iiprules argv``."""

    def go(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse's usage errors
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return go
