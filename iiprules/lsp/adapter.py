"""The language server's only door into iiprules: check text, format it, run examples.

Input → output: a document's text, its path and the texts of the other open
documents → an ``Analysis`` (the parsed model, the ``CheckResult``).

Why an adapter: the server must report exactly what ``iiprules check``
reports, but it checks text that is not saved yet, and a ruleset it uses may
itself be open and edited. ``api.check_file`` reads from disk, so this module
does what it does (parse, then check with ``uses`` looked up beside the file,
then among the packaged rulesets) with a finder that prefers open documents.
Everything the server needs from the core goes through here, so when the core
grows error recovery, a text-checking function and a comment-keeping
formatter, only this module changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from attrs import frozen

from iiprules import model as m
from iiprules.api import ExampleResult, packaged_dir, run_examples
from iiprules.check import CheckedRuleset, CheckResult, Library, Unusable, check
from iiprules.diagnostics import ERROR, Diagnostic, RulesError
from iiprules.syntax import parse, unparse

RULES_SUFFIX = ".rules"

#: Reads the current text of a file: the open document's if it is open, else the disk's.
Reader = Callable[[Path], str | None]


@frozen
class Analysis:
    """What checking one text gave: its model (None on syntax errors) and the result."""

    model: m.Ruleset | None
    result: CheckResult

    @property
    def checked(self) -> CheckedRuleset | None:
        """The checked ruleset, when the text has no errors."""
        return self.result.checked


def read_disk(path: Path) -> str | None:
    """The file's text, or None when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


class Checker:
    """Checks texts, caching the rulesets they use by path and content.

    The cache key includes the text's hash, so an edit to a used ruleset (open
    or saved) is seen at once, and an unchanged one costs nothing.
    """

    def __init__(self, reader: Reader = read_disk) -> None:
        self.reader = reader
        self._used: dict[tuple[str, str], CheckedRuleset | Unusable | None] = {}

    def analyse(self, text: str, path: str) -> Analysis:
        """Parse and check a text as ``iiprules check`` would check the file at ``path``."""
        return self._analyse(text, path, Path(path).resolve().parent, ())

    def _analyse(self, text: str, path: str, folder: Path, stack: tuple[str, ...]) -> Analysis:
        try:
            model = parse(text, path)
        except RulesError as exc:
            return Analysis(None, CheckResult(exc.diagnostics, None))
        except RecursionError:  # pragma: no cover - the parser is iterative; a guard only
            d = Diagnostic("IIP101", ERROR, "the text is nested too deeply to read")
            return Analysis(None, CheckResult((d,), None))

        def finder(name: str) -> CheckedRuleset | Unusable | None:
            if name in stack:
                return None
            candidate = find_used(name, folder)
            if candidate is None:
                return None
            return self._used_ruleset(candidate, (*stack, model.name))

        return Analysis(model, check(model, Library(finder), path))

    def _used_ruleset(
        self, path: Path, stack: tuple[str, ...]
    ) -> CheckedRuleset | Unusable | None:
        text = self.reader(path)
        if text is None:
            return None
        key = (str(path), hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest())
        if key not in self._used:
            analysis = self._analyse(text, str(path), path.parent, stack)
            errors = analysis.result.errors
            # Found but broken: said as such (IIP213), as `iiprules check` does.
            self._used[key] = analysis.checked or (
                Unusable(_display(path), errors[0]) if errors else None
            )
        return self._used[key]


def _display(p: Path) -> str:
    try:
        return str(p.relative_to(Path.cwd()))
    except ValueError:
        return str(p)


def find_used(name: str, folder: Path) -> Path | None:
    """The file a ``uses NAME`` clause means: beside the ruleset, else a packaged one."""
    for base_dir in (folder, packaged_dir()):
        candidate = base_dir / f"{name}{RULES_SUFFIX}"
        if candidate.is_file():
            return candidate.resolve()
    return None


@frozen
class Formatted:
    """The formatter's answer: the new text, or why it refuses."""

    text: str | None
    refusal: str | None = None


def format_text(text: str, path: str) -> Formatted:
    """The text in the canonical layout of ``iiprules fmt`` (comments kept), or a refusal.

    A text with syntax errors is not formatted: the formatter prints the
    model, and a broken text has none.
    """
    try:
        model = parse(text, path)
    except RulesError:
        return Formatted(None, "not formatted: fix the syntax errors first")
    try:
        return Formatted(unparse(model))
    except RecursionError:  # pragma: no cover - the printer is iterative; a guard only
        return Formatted(None, "not formatted: a condition is nested too deeply")


def population_counts(ruleset_path: Path, population: Path) -> tuple[int, dict[str, int]]:
    """How many organisations of a population file reach each level, by the saved ruleset.

    Returns the number judged and the count of each level reached (``none``
    for not recognised), as ``iiprules evaluate --population`` counts them.

    Raises:
        EvidenceError, RulesetNotFound, RulesError: the population or ruleset is unusable.
    """
    from iiprules.api import evaluate_population

    summary = evaluate_population(population, [str(ruleset_path)], out=None, progress=False)
    return summary.total - summary.errors, dict(summary.levels)


def examples(checked: CheckedRuleset) -> list[ExampleResult]:
    """Run a checked ruleset's embedded examples (as ``iiprules test`` does)."""
    return run_examples(checked)
