"""Running a ruleset's embedded examples, with reports a person or a CI system reads.

Input → output: a checked ruleset (and optionally a name pattern) → one
``ExampleRun`` per example: every expectation with its expected and actual
value, and, when they differ, the explanation of the difference (the trace of
the decision that came out otherwise); then text, JSON or JUnit XML.

``prepare`` is shared with coverage (``testing_coverage``) and mutation testing
(``testing_mutants``): each example's evidence is built and validated once, with
the compiled evaluator that judges it, and the others reuse both.

JUnit XML is written with the standard library's ``xml.etree.ElementTree``: the
format is a small, fixed element tree, and ElementTree escapes text and
attributes correctly, which hand-built strings do not.
"""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from typing import Any

from attrs import frozen

from iiprules import model as m
from iiprules.api import evaluator_for, example_evidence
from iiprules.check import CheckedRuleset, Snapshot
from iiprules.diagnostics import EvaluationError, EvidenceError, RulesetNotFound
from iiprules.evaluate import Decision, Evaluator, Outcome
from iiprules.evidence import Evidence, validate
from iiprules.explain import render_trace

__all__ = [
    "ExampleRun",
    "Expectation",
    "Prepared",
    "judge",
    "prepare",
    "render_json",
    "render_junit",
    "render_text",
    "run",
]


@frozen(eq=False)
class Prepared:
    """An example made ready to judge: its evidence and the evaluator of its version.

    ``error`` is set (and ``evaluator``/``evidence`` are None) when the example's
    evidence does not fit its ruleset, or no version it builds on is in force.
    """

    checked: CheckedRuleset
    snapshot: Snapshot
    example: m.Example
    evaluator: Evaluator | None
    evidence: Evidence | None
    error: str | None = None

    @property
    def ref(self) -> str:
        """``ruleset@version`` of the example."""
        return self.snapshot.key


def prepare(checked: CheckedRuleset, pattern: str | None = None) -> list[Prepared]:
    """Every example of every version of a ruleset, evidence built and validated once.

    Args:
        checked: the ruleset.
        pattern: a regular expression searched in each example's name (None: all).

    Raises:
        re.error: the pattern is not a regular expression.
    """
    wanted = re.compile(pattern) if pattern is not None else None
    out: list[Prepared] = []
    for snap in checked.snapshots:
        for ex in snap.examples:
            if wanted is not None and not wanted.search(ex.name):
                continue
            try:
                evaluator = evaluator_for(checked, snap, None)
                ev = example_evidence(evaluator.scope, ex, snap.effective)
                if checked.base is not None:
                    # The version built on is the one in force on the example's date.
                    evaluator = evaluator_for(checked, snap, ev.assessed_on)
                ev = validate(ev, [evaluator.scope])
            except (EvidenceError, RulesetNotFound) as exc:
                out.append(Prepared(checked, snap, ex, None, None, str(exc)))
                continue
            out.append(Prepared(checked, snap, ex, evaluator, ev))
    return out


# -- judging -------------------------------------------------------------------------------


@frozen
class Expectation:
    """One expectation of an example (or an invariant every example must keep).

    ``what`` is ``level``, ``award <id>`` or ``invariant <id>``; ``expected`` and
    ``actual`` are words (a level id or ``none``; ``yes``/``no``). ``explanation``
    holds the trace lines of the decision that differs, empty when it passed.
    """

    what: str
    expected: str
    actual: str
    explanation: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """True when the actual value is the expected one."""
        return self.expected == self.actual

    def message(self) -> str:
        """``expected level bronze, got standard`` in a reviewer's words."""
        return f"{self.what}: expected {self.expected}, got {self.actual}"


@frozen
class ExampleRun:
    """The result of one example: its expectations, or the error that stopped it."""

    ruleset: str
    version: str
    name: str
    span: m.Span
    expectations: tuple[Expectation, ...]
    error: str | None = None
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        """True when the example ran and every expectation held."""
        return self.error is None and all(e.passed for e in self.expectations)

    @property
    def failures(self) -> tuple[Expectation, ...]:
        """The expectations that did not hold."""
        return tuple(e for e in self.expectations if not e.passed)

    @property
    def ref(self) -> str:
        """``ruleset@version``."""
        return f"{self.ruleset}@{self.version}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data, in a stable shape."""
        return {
            "ruleset": self.ruleset,
            "version": self.version,
            "name": self.name,
            "path": self.span.path,
            "line": self.span.line,
            "passed": self.passed,
            "error": self.error,
            "seconds": round(self.seconds, 6),
            "expectations": [
                {
                    "what": e.what,
                    "expected": e.expected,
                    "actual": e.actual,
                    "passed": e.passed,
                    **({"explanation": list(e.explanation)} if e.explanation else {}),
                }
                for e in self.expectations
            ],
        }


def _why(d: Decision | None, titles: Any) -> tuple[str, ...]:
    if d is None or d.trace is None:
        return ()
    return (f"{d.kind} {d.id} ({d.title}): {'holds' if d.holds else 'does not hold'}",
            *render_trace(d.trace, titles=titles))


def judge(p: Prepared, explain: bool = True) -> ExampleRun:
    """Run one prepared example; ``explain`` adds the trace of each difference."""
    snap, ex = p.snapshot, p.example
    if p.evaluator is None or p.evidence is None:
        return ExampleRun(snap.ruleset, snap.label, ex.name, ex.span, (), p.error)
    start = time.perf_counter()
    try:
        outcome = p.evaluator.evaluate(p.evidence, explain=False)
    except EvaluationError as exc:
        return ExampleRun(snap.ruleset, snap.label, ex.name, ex.span, (), str(exc))
    found = expectations(ex, outcome)
    if explain and not all(e.passed for e in found):
        outcome = p.evaluator.evaluate(p.evidence, explain=True)
        found = expectations(ex, outcome, explained=True)
    took = time.perf_counter() - start
    return ExampleRun(snap.ruleset, snap.label, ex.name, ex.span, tuple(found), None, took)


def expectations(ex: m.Example, o: Outcome, explained: bool = False) -> list[Expectation]:
    """The example's expectations checked against an outcome, then every invariant.

    With ``explained`` (an outcome with traces), a difference carries the trace of
    the decision behind it: for a level, the expected level's decision when it was
    not reached, else the decision of the level reached instead.
    """
    out: list[Expectation] = []
    levels = {d.id: d for d in o.levels}
    awards = {d.id: d for d in o.awards}
    for e in ex.expects:
        if isinstance(e, m.ExpectLevel):
            got = o.level or "none"
            why: tuple[str, ...] = ()
            if explained and got != e.level:
                ids = [d.id for d in o.levels]
                want_rank = ids.index(e.level) if e.level in ids else -1
                got_rank = ids.index(got) if got in ids else -1
                if want_rank > got_rank:  # the expected level was not reached: why not
                    culprit = levels.get(e.level)
                else:  # a level above the expected one was reached: the first one, why
                    culprit = levels[ids[want_rank + 1]]
                why = _why(culprit, o.titles)
            out.append(Expectation("level", e.level, got, why))
        else:
            held = awards.get(e.award)
            got = "yes" if held is not None and held.holds else "no"
            want = "yes" if e.eligible else "no"
            why = _why(held, o.titles) if explained and got != want else ()
            out.append(Expectation(f"award {e.award}", want, got, why))
    for inv in o.invariants:
        why = _why(inv, o.titles) if explained and not inv.holds else ()
        out.append(Expectation(f"invariant {inv.id}", "holds",
                               "holds" if inv.holds else "broken", why))
    return out


def run(checked: CheckedRuleset, pattern: str | None = None) -> list[ExampleRun]:
    """Run the examples of a ruleset whose names match ``pattern`` (all when None).

    Raises:
        re.error: the pattern is not a regular expression.
    """
    return [judge(p) for p in prepare(checked, pattern)]


# -- reports -------------------------------------------------------------------------------


def render_text(runs: Sequence[ExampleRun], verbose: bool = False) -> str:
    """Failures with expected, actual and why; passing examples too with ``verbose``."""
    lines: list[str] = []
    for r in runs:
        where = f"{r.span.path}:{r.span.line}"
        if r.passed:
            if verbose:
                lines.append(f"ok    {r.ref}: {r.name}")
            continue
        lines.append(f"FAIL  {r.ref}: {r.name} ({where})")
        if r.error is not None:
            lines.append(f"      error: {r.error}")
        for e in r.failures:
            lines.append(f"      {e.message()}")
            lines.extend(f"        {x}" for x in e.explanation)
    failed = sum(not r.passed for r in runs)
    lines.append(f"{len(runs)} example(s), {failed} failed")
    return "\n".join(lines) + "\n"


def render_json(runs: Sequence[ExampleRun]) -> str:
    """One JSON document: a summary and every example."""
    failed = sum(not r.passed for r in runs)
    doc = {
        "summary": {"examples": len(runs), "passed": len(runs) - failed, "failed": failed},
        "examples": [r.to_dict() for r in runs],
    }
    return json.dumps(doc, indent=2) + "\n"


def render_junit(runs: Sequence[ExampleRun], broken: Iterable[tuple[str, str]] = ()) -> str:
    """JUnit XML: one ``testsuite`` per ruleset version, one ``testcase`` per example.

    Args:
        runs: the examples run.
        broken: ``(path, message)`` for rulesets that could not be checked; each is a
            test suite with one erroring test case, so CI shows it.
    """
    root = ET.Element("testsuites", name="iiprules examples")
    suites: dict[str, list[ExampleRun]] = {}
    for r in runs:
        suites.setdefault(r.ref, []).append(r)
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for ref, members in suites.items():
        failures = sum(r.error is None and not r.passed for r in members)
        errors = sum(r.error is not None for r in members)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=ref,
            tests=str(len(members)),
            failures=str(failures),
            errors=str(errors),
            skipped="0",
            time=f"{sum(r.seconds for r in members):.6f}",
        )
        for r in members:
            case = ET.SubElement(
                suite,
                "testcase",
                name=r.name,
                classname=ref,
                file=r.span.path,
                line=str(r.span.line),
                time=f"{r.seconds:.6f}",
            )
            if r.error is not None:
                ET.SubElement(case, "error", message=r.error, type="ExampleError").text = r.error
            elif not r.passed:
                body = []
                for e in r.failures:
                    body.append(e.message())
                    body.extend("  " + x for x in e.explanation)
                ET.SubElement(
                    case,
                    "failure",
                    message="; ".join(e.message() for e in r.failures),
                    type="ExpectationFailed",
                ).text = "\n".join(body)
        totals["tests"] += len(members)
        totals["failures"] += failures
        totals["errors"] += errors
    for path, message in broken:
        suite = ET.SubElement(
            root, "testsuite", name=path, tests="1", failures="0", errors="1", skipped="0",
            time="0",
        )
        case = ET.SubElement(suite, "testcase", name="check", classname=path, time="0")
        ET.SubElement(case, "error", message="the ruleset has errors", type="RulesError").text = (
            message
        )
        totals["tests"] += 1
        totals["errors"] += 1
    for k, v in totals.items():
        root.set(k, str(v))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
