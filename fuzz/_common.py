"""Shared set-up for the atheris harnesses: which errors are the user's, not crashes.

A harness feeds arbitrary bytes to one stage. The stage may refuse the input
only with one of the library's own errors (each is one clear message for the
user); anything else — an OverflowError, a RecursionError, a VisitError, a
KeyError — is a crash that atheris reports with the input that caused it.
"""

from __future__ import annotations

import os
import sys

# Run from a checkout without installing: the package is one folder up.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

from iiprules.diagnostics import (
    EvaluationError,
    EvidenceError,
    RulesError,
    RulesetNotFound,
)

#: The errors that are a clear refusal of the input (not a crash).
USER_ERRORS: tuple[type[BaseException], ...] = (
    EvaluationError,
    EvidenceError,
    RulesError,
    RulesetNotFound,
)
