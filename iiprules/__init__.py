"""iiprules: the Investors in People framework as versioned, checked rules.

The pipeline is parse → check → evaluate → explain, one module per stage. This
module is the small stable API that tool builders use::

    import iiprules
    outcome = iiprules.evaluate("examples/hilltop_school.yaml")
    outcome.level, outcome.award_results
    print(iiprules.render_text(outcome))

Importing iiprules never imports Sphinx, numpy or the CLI, and imports nothing
else until a name is first used (PEP 562 ``__getattr__``): ``iiprules --version``
or a tool that only needs ``iiprules.Evidence`` does not pay for the parser,
the checker and the evaluator (~100 ms of imports). Type checkers and readers see
the names through the ``TYPE_CHECKING`` block below.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from iiprules._version import __version__ as __version__

#: Each public name and the module that defines it (and its name there).
_EXPORTS: dict[str, tuple[str, str]] = {
    "ExampleResult": ("iiprules.api", "ExampleResult"),
    "check_file": ("iiprules.api", "check_file"),
    "evaluate": ("iiprules.api", "evaluate"),
    "evaluate_many": ("iiprules.api", "evaluate_many"),
    "load": ("iiprules.api", "load"),
    "packaged_names": ("iiprules.api", "packaged_names"),
    "run_examples": ("iiprules.api", "run_examples"),
    "CheckedRuleset": ("iiprules.check", "CheckedRuleset"),
    "CheckResult": ("iiprules.check", "CheckResult"),
    "check": ("iiprules.check", "check"),
    "Diagnostic": ("iiprules.diagnostics", "Diagnostic"),
    "EvaluationError": ("iiprules.diagnostics", "EvaluationError"),
    "EvidenceError": ("iiprules.diagnostics", "EvidenceError"),
    "EvidenceProblem": ("iiprules.diagnostics", "EvidenceProblem"),
    "IIPError": ("iiprules.diagnostics", "IIPError"),
    "RulesError": ("iiprules.diagnostics", "RulesError"),
    "RulesetNotFound": ("iiprules.diagnostics", "RulesetNotFound"),
    "RulesSyntaxError": ("iiprules.diagnostics", "RulesSyntaxError"),
    "Decision": ("iiprules.evaluate", "Decision"),
    "Evaluator": ("iiprules.evaluate", "Evaluator"),
    "Layout": ("iiprules.evaluate", "Layout"),
    "Outcome": ("iiprules.evaluate", "Outcome"),
    "Trace": ("iiprules.evaluate", "Trace"),
    "Evidence": ("iiprules.evidence", "Evidence"),
    "load_evidence": ("iiprules.evidence", "load"),
    "Validator": ("iiprules.evidence", "Validator"),
    "validate": ("iiprules.evidence", "validate"),
    "describe_cond": ("iiprules.explain", "describe_cond"),
    "render_json": ("iiprules.explain", "render_json"),
    "render_markdown": ("iiprules.explain", "render_markdown"),
    "render_text": ("iiprules.explain", "render_text"),
    "render_tree": ("iiprules.explain", "render_tree"),
    "parse": ("iiprules.syntax", "parse"),
    "parse_file": ("iiprules.syntax", "parse_file"),
    "unparse": ("iiprules.syntax", "unparse"),
    "check_text": ("iiprules.workbench", "check_text"),
    "check_with_dependents": ("iiprules.workbench", "check_with_dependents"),
    "code_catalogue": ("iiprules.codes", "catalogue"),
}

__all__ = [
    "CheckResult",
    "CheckedRuleset",
    "Decision",
    "Diagnostic",
    "EvaluationError",
    "Evaluator",
    "Evidence",
    "EvidenceError",
    "EvidenceProblem",
    "ExampleResult",
    "IIPError",
    "Layout",
    "Outcome",
    "RulesError",
    "RulesSyntaxError",
    "RulesetNotFound",
    "Trace",
    "Validator",
    "check",
    "check_file",
    "check_text",
    "check_with_dependents",
    "code_catalogue",
    "describe_cond",
    "evaluate",
    "evaluate_many",
    "load",
    "load_evidence",
    "packaged_names",
    "parse",
    "parse_file",
    "render_json",
    "render_markdown",
    "render_text",
    "render_tree",
    "run_examples",
    "unparse",
    "validate",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module when the name is first used, then keep the name."""
    where = _EXPORTS.get(name)
    if where is None:
        raise AttributeError(f"module 'iiprules' has no attribute {name!r}")
    value = getattr(importlib.import_module(where[0]), where[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


class _Package(types.ModuleType):
    """The package module, keeping ``iiprules.check`` and ``iiprules.evaluate`` the functions.

    Importing a submodule binds it on its package (``import iiprules.evaluate`` sets
    ``iiprules.evaluate`` to the module). With the public names imported eagerly the
    functions were bound afterwards and won; imported lazily, the submodule would win
    and ``iiprules.evaluate(...)`` would call a module. So a submodule named like a
    public name is not bound here: the name resolves through ``__getattr__``.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _EXPORTS and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


if TYPE_CHECKING:  # pragma: no cover - for type checkers and readers only
    from iiprules._evaluate.nodes import Layout, Trace
    from iiprules.api import (
        ExampleResult,
        check_file,
        evaluate,
        evaluate_many,
        load,
        packaged_names,
        run_examples,
    )
    from iiprules.check import CheckedRuleset, CheckResult, check
    from iiprules.codes import catalogue as code_catalogue
    from iiprules.diagnostics import (
        Diagnostic,
        EvaluationError,
        EvidenceError,
        EvidenceProblem,
        IIPError,
        RulesError,
        RulesetNotFound,
        RulesSyntaxError,
    )
    from iiprules.evaluate import Decision, Evaluator, Outcome
    from iiprules.evidence import Evidence, Validator, validate
    from iiprules.evidence import load as load_evidence
    from iiprules.explain import (
        describe_cond,
        render_json,
        render_markdown,
        render_text,
        render_tree,
    )
    from iiprules.syntax import parse, parse_file, unparse
    from iiprules.workbench import check_text, check_with_dependents
