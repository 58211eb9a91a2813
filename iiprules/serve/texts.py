"""Rules text → diagnostics, for editors in the browser (the service's ``check``).

Input → output: the text of a ruleset, a label for it and a ``Library`` of the
served rulesets → the document ``iiprules check --format json`` prints. This is a
small adapter over the public ``parse`` and ``check``; when the library grows a
public "check this text" function, this module becomes a one-line call to it.
"""

from __future__ import annotations

from typing import Any

from iiprules.check import CheckResult, Library, check
from iiprules.diagnostics import RulesError
from iiprules.serve.problems import diagnostic_dict, limit
from iiprules.syntax import parse


def check_result(text: str, filename: str, library: Library) -> CheckResult:
    """Parse and check a text; syntax errors come back as diagnostics too.

    Raises:
        Problem: the text nests too deeply for the parser (422).
    """
    try:
        model = parse(text, filename)
    except RulesError as exc:
        return CheckResult(exc.diagnostics, None)
    except RecursionError:
        raise limit(422, "too-deep", "Rules text nested too deeply",
                    "the rules text nests too deeply to be read") from None
    try:
        return check(model, library, filename)
    except RecursionError:
        raise limit(422, "too-deep", "Rules text nested too deeply",
                    "the rules text nests too deeply to be checked") from None


def check_text(text: str, filename: str, library: Library) -> dict[str, Any]:
    """The ``iiprules check --format json`` document for one text."""
    return result_dict(check_result(text, filename, library))


def result_dict(result: CheckResult) -> dict[str, Any]:
    """A check result as the ``iiprules check --format json`` document of one file."""
    return {
        "summary": {"files": 1, "errors": len(result.errors), "warnings": len(result.warnings)},
        "diagnostics": [diagnostic_dict(d) for d in result.diagnostics],
    }
