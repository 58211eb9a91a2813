"""Golden tests of the parser and checker, collected from files.

Every ``bad/**/*.rules`` must give exactly its ``.expected`` diagnostics, and every
``good/**/*.rules`` must check cleanly and judge its ``.cases.yaml`` as stated.

Failures are reported in the domain's terms (which case, which expectation), not as
pytest assertion dumps. ``pytest --update-golden`` rewrites the ``.expected`` files;
review the diff like any other change.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from iiprules import api
from iiprules.diagnostics import render_all

HERE = Path(__file__).parent


def render_check(path: Path) -> str:
    """The checker's full output for a file, with the path shown relative to tests/golden."""
    cwd = os.getcwd()
    os.chdir(HERE)
    try:
        result = api.check_file(path.relative_to(HERE).as_posix())
    finally:
        os.chdir(cwd)
    return render_all(result.diagnostics) + "\n"


class GoldenFailure(Exception):
    pass


class BadCase(pytest.Item):
    def __init__(self, *, path: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # pytest-lsp's runtest hook expects every item to have funcargs (it returns
        # without yielding otherwise, which pluggy reports as an error).
        self.funcargs: dict[str, Any] = {}
        self.rules = path

    def runtest(self) -> None:
        actual = render_check(self.rules)
        expected_file = self.rules.with_suffix(".expected")
        if self.config.getoption("--update-golden"):
            expected_file.write_text(actual, encoding="utf-8")
            return
        if not expected_file.exists():
            raise GoldenFailure(f"no {expected_file.name}; run pytest --update-golden\n{actual}")
        expected = expected_file.read_text(encoding="utf-8")
        if expected != actual:
            raise GoldenFailure(
                f"diagnostics differ.\n--- expected\n{expected}\n--- actual\n{actual}"
            )

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, GoldenFailure):
            return f"{self.rules.relative_to(HERE)}: {excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"bad case {self.name}"


class GoodCase(pytest.Item):
    def __init__(self, *, path: Path, case: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rules = path
        self.case = case
        self.funcargs: dict[str, Any] = {}

    def runtest(self) -> None:
        result = api.check_file(self.rules)
        if result.errors:
            raise GoldenFailure("the ruleset has errors:\n" + render_all(result.errors))
        outcome = api.evaluate(self.case["input"], [str(self.rules)])
        expect = self.case["expect"]
        problems = []
        if "level" in expect and (outcome.level or "none") != expect["level"]:
            problems.append(f"level: expected {expect['level']}, got {outcome.level or 'none'}")
        for award, wanted in expect.get("awards", {}).items():
            if outcome.award(award) != wanted:
                problems.append(f"award {award}: expected {wanted}, got {outcome.award(award)}")
        if problems:
            raise GoldenFailure("; ".join(problems))

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, GoldenFailure):
            return f"{self.rules.name} / {self.case['name']}: {excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"good case {self.name}"


class RulesFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        rel = self.path.relative_to(HERE)
        if rel.parts[0] == "bad":
            yield BadCase.from_parent(self, name=rel.as_posix(), path=self.path)
        elif rel.parts[0] == "good":
            cases_file = self.path.with_suffix(".cases.yaml")
            cases = (
                yaml.safe_load(cases_file.read_text(encoding="utf-8"))
                if cases_file.exists()
                else [{"name": "checks cleanly", "input": None, "expect": {}}]
            )
            for case in cases:
                if case.get("input") is None:
                    yield CleanCase.from_parent(
                        self, name=f"{rel.as_posix()}::clean", path=self.path
                    )
                else:
                    yield GoodCase.from_parent(
                        self, name=f"{rel.as_posix()}::{case['name']}", path=self.path, case=case
                    )


class CleanCase(BadCase):
    def runtest(self) -> None:
        result = api.check_file(self.rules)
        if result.diagnostics:
            raise GoldenFailure("expected no diagnostics:\n" + render_all(result.diagnostics))


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    # '<case>.fixed.rules' is a bad case's fixed version, for the error-code catalogue
    # (tests/test_codes.py checks it), not a case of its own.
    if file_path.name.endswith(".fixed.rules"):
        return None
    if file_path.suffix == ".rules" and HERE in file_path.parents:
        return RulesFile.from_parent(parent, path=file_path)
    return None
