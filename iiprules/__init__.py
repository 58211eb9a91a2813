"""iiprules: the Investors in People framework as versioned, checked rules.

The pipeline is parse → check → evaluate → explain, one module per stage. This
module is the small stable API that tool builders use::

    import iiprules
    outcome = iiprules.evaluate("examples/hilltop_school.yaml")
    outcome.level, outcome.award_results
    print(iiprules.render_text(outcome))

Importing iiprules never imports Sphinx, numpy or the CLI.
"""

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
from iiprules.diagnostics import (
    Diagnostic,
    EvaluationError,
    EvidenceError,
    RulesError,
    RulesetNotFound,
    RulesSyntaxError,
)
from iiprules.evaluate import Decision, Evaluator, Outcome, Trace
from iiprules.evidence import Evidence
from iiprules.evidence import load as load_evidence
from iiprules.explain import describe_cond, render_json, render_markdown, render_text, render_tree
from iiprules.syntax import parse, parse_file, unparse

__version__ = "0.1.0"

__all__ = [
    "CheckResult",
    "CheckedRuleset",
    "Decision",
    "Diagnostic",
    "EvaluationError",
    "Evaluator",
    "Evidence",
    "EvidenceError",
    "ExampleResult",
    "Outcome",
    "RulesError",
    "RulesSyntaxError",
    "RulesetNotFound",
    "Trace",
    "check",
    "check_file",
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
]
