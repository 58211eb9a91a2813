"""Build the JSON Schemas from the code's own model: names, limits and codes → schema documents.

Input → output: the evidence fields, limits and problem codes of
``iiprules.evidence``, the kinds of evidence of ``iiprules.model`` and the
shapes the ``to_dict`` methods write → one JSON Schema (draft 2020-12) per
name. The shipped files ``iiprules/schemas/*.json`` are this module's output;
a test rebuilds them and fails if they differ, and other tests hold each
schema to the code both ways (what it accepts the reader accepts, and every
output the CLI prints validates), so neither side can drift alone.

Run ``python -m iiprules.schemas._build`` to rewrite the files after a change.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from iiprules import model as m
from iiprules.evidence import (
    CODES,
    FIELDS,
    HISTORY_FIELDS,
    MAX_LIST_ITEMS,
    MAX_STRING_CHARS,
    REQUIRED,
)

DRAFT = "https://json-schema.org/draft/2020-12/schema"
#: The major version of the JSON shapes; it changes only with an incompatible change.
SHAPE_VERSION = 1

Schema = dict[str, Any]


def _id(name: str) -> str:
    return f"urn:iiprules:schema:{name}:{SHAPE_VERSION}"


def _doc(name: str, title: str, description: str, body: Schema, defs: Schema) -> Schema:
    out: Schema = {"$schema": DRAFT, "$id": _id(name), "title": title}
    out["description"] = description
    out.update(body)
    if defs:
        out["$defs"] = defs
    return out


def _obj(
    properties: Schema, required: tuple[str, ...] | list[str] = (), closed: bool = True
) -> Schema:
    out: Schema = {"type": "object", "properties": properties}
    if required:
        out["required"] = list(required)
    if closed:
        out["additionalProperties"] = False
    return out


DATE: Schema = {
    "type": "string",
    "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    "format": "date",
    "description": "A date written YYYY-MM-DD (no other form: not 20100630, not 2010-W26-3).",
}
NULLABLE_DATE: Schema = {"anyOf": [{"$ref": "#/$defs/date"}, {"type": "null"}]}
TEXT: Schema = {"type": "string"}
NULLABLE_TEXT: Schema = {"type": ["string", "null"]}
WHOLE: Schema = {"type": "integer", "minimum": 0}
BOOL: Schema = {"type": "boolean"}


def _ids(description: str) -> Schema:
    return {
        "type": "array",
        "items": {"type": "string"},
        "uniqueItems": True,
        "maxItems": MAX_LIST_ITEMS,
        "description": description,
    }


def _counts(description: str) -> Schema:
    return {"type": "object", "additionalProperties": WHOLE, "description": description}


_FIELD_DOCS: dict[str, tuple[Schema, str]] = {
    "organisation": (
        {"type": "string", "minLength": 1},
        "The organisation's name.",
    ),
    "assessed_on": ({"$ref": "#/$defs/date"}, "The date of the assessment: it picks the "
                    "versions of the rulesets in force."),
    "met": (
        _ids("The requirements the assessment found met, by id, each once. Ids are text "
             "(in YAML, 1.10 unquoted is read as the text '1.10', never as a number). Only "
             "requirements known by text may be listed; requirements met through a mapping "
             "(the L&M Model) are derived, and unnamed groups are counted in unnamed_met."),
        "",
    ),
    "unnamed_met": (
        _counts("For each unnamed group (requirements of the wider framework not known by "
                "text), how many of it were found met: a whole number from 0 to the group's "
                "size."),
        "",
    ),
    "facts": (
        {
            "type": "object",
            "additionalProperties": {"type": ["boolean", "number", "string", "null"]},
            "description": "Values of the facts the rulesets declare, by name: true or "
            "false for a boolean fact, a whole number for a number fact, a date "
            "(YYYY-MM-DD) for a date fact. A fact with no default must be given; the "
            "built-in facts (assessed_on, previous_assessed_on, recognised_since, "
            "consecutive_recognitions) come from the evidence itself and are not listed.",
        },
        "",
    ),
    "history": (
        {
            "type": "array",
            "maxItems": MAX_LIST_ITEMS,
            "items": {"$ref": "#/$defs/earlier"},
            "description": "Earlier assessments, for recognition history, lapses and "
            "credits carried forward. Each is dated on or before assessed_on.",
        },
        "",
    ),
    "pending": (
        _ids("Requirements not yet decided (neither met nor unmet): the answers give the "
             "range of outcomes they leave open. None may also be in met."),
        "",
    ),
    "id": ({}, "Descriptive: kept with the outcome, never judged (any value)."),
    "sector": ({}, "Descriptive: kept with the outcome, never judged (any value)."),
    "size": ({}, "Descriptive: kept with the outcome, never judged (any value)."),
    "notes": ({}, "Descriptive: kept with the outcome, never judged (any value)."),
}

_HISTORY_DOCS: dict[str, Schema] = {
    "assessed_on": {"$ref": "#/$defs/date"},
    "met": _ids("The requirements that assessment found met; ids of any version of the "
                "rulesets are accepted (the version then in force may have had them)."),
    "unnamed_met": _counts("Unnamed-group counts of that assessment."),
    "ruleset": {"type": "string", "description": "The ruleset (and version) that judged it."},
    "level": {"type": "string", "description": "The level it reached ('none' for none)."},
    "notes": {"description": "Descriptive (any value)."},
}


def evidence() -> Schema:
    """Evidence about one organisation (a YAML or JSON file, or a population row)."""
    if set(_FIELD_DOCS) != set(FIELDS) or set(_HISTORY_DOCS) != set(HISTORY_FIELDS):
        raise AssertionError("the evidence schema and evidence.FIELDS disagree")
    props: Schema = {}
    for name in FIELDS:
        schema, doc = _FIELD_DOCS[name]
        props[name] = {**schema, **({"description": doc} if doc else {})}
    earlier = _obj(dict(_HISTORY_DOCS), ["assessed_on"])
    earlier["description"] = "An earlier assessment."
    body = _obj(props, REQUIRED)
    return _doc(
        "evidence",
        "Evidence about one organisation",
        "What an assessment found: the shape iiprules reads from YAML, JSON and population "
        "rows. The rulesets judging the evidence add what a schema cannot know: which ids "
        "exist (and may be listed), which unnamed groups and facts there are and their types. "
        "The reader also refuses what JSON Schema cannot express: a key written twice, the "
        "same id in met and pending, a date that does not exist (2010-02-30), and documents "
        f"over its limits (see the evidence format page: among them {MAX_LIST_ITEMS:,} "
        f"items in a list and, in a file, {MAX_STRING_CHARS:,} characters in a text). In "
        "YAML and JSON files the reader also takes a number as an id (met: [1.10] is the id "
        "'1.10'), a convenience the schema leaves out: write ids as text.",
        body,
        {"date": DATE, "earlier": earlier},
    )


_PROBLEM: Schema = _obj(
    {
        "code": {"type": "string", "pattern": "^IIP[0-9]{3}$"},
        "severity": {"enum": ["error", "warning"]},
        "message": TEXT,
        "path": TEXT,
        "line": {"type": "integer", "minimum": 0},
        "column": {"type": "integer", "minimum": 0},
        "end_line": {"type": "integer", "minimum": 0},
        "end_column": {"type": "integer", "minimum": 0},
        "hint": TEXT,
        "field": TEXT,
    },
    ["code", "severity", "message"],
)


def diagnostic() -> Schema:
    """One problem: a rules diagnostic or an evidence problem, in one shape."""
    body = dict(_PROBLEM)
    body["properties"] = dict(body["properties"])
    body["properties"]["code"] = {
        **_PROBLEM["properties"]["code"],
        "description": "Stable: IIP1xx syntax, IIP2xx checks, IIP3xx evidence and "
        "evaluation. Evidence codes: "
        + "; ".join(f"{c} {meaning}" for c, meaning in CODES.items()),
    }
    return _doc(
        "diagnostic",
        "A diagnostic or evidence problem",
        "Diagnostic.to_dict and EvidenceProblem.to_dict. Positions are 1-based; 'field' is "
        "the path of an evidence field (met[3], facts.employees).",
        body,
        {},
    )


def error() -> Schema:
    """An error as JSON (``IIPError.to_dict``)."""
    return _doc(
        "error",
        "An error",
        "IIPError.to_dict: the kind of error, its text and every problem it reports; "
        "'index' is the organisation's position in evaluate_many's input.",
        _obj(
            {
                "error": {"enum": ["EvidenceError", "RulesError", "RulesSyntaxError",
                                   "RulesetNotFound", "EvaluationError", "UnknownTarget"]},
                "message": TEXT,
                "problems": {"type": "array", "items": {"$ref": "#/$defs/diagnostic"}},
                "index": {"type": "integer", "minimum": 0},
            },
            ["error", "message", "problems"],
        ),
        {"diagnostic": _PROBLEM},
    )


def check_report() -> Schema:
    """``iiprules check --format json``."""
    return _doc(
        "check",
        "A check report",
        "What iiprules check --format json prints: counts, and every diagnostic.",
        _obj(
            {
                "summary": _obj(
                    {"files": WHOLE, "errors": WHOLE, "warnings": WHOLE},
                    ["files", "errors", "warnings"],
                ),
                "diagnostics": {"type": "array", "items": {"$ref": "#/$defs/diagnostic"}},
            },
            ["summary", "diagnostics"],
        ),
        {"diagnostic": _PROBLEM},
    )


_RULESETS: Schema = {
    "type": "array",
    "items": _obj({"name": TEXT, "version": TEXT}, ["name", "version"]),
    "description": "The ruleset versions that judged the organisation.",
}

_OUTCOME_PROPS: Schema = {
    "organisation": TEXT,
    "assessed_on": {"$ref": "#/$defs/date"},
    "rulesets": _RULESETS,
    "level": {**NULLABLE_TEXT, "description": "The highest level reached; null for none."},
    "awards": {"type": "object", "additionalProperties": BOOL,
               "description": "Every award of the rulesets: reached or not."},
    "invariants": {"type": "object", "additionalProperties": BOOL,
                   "description": "Every declared invariant: holds or not (all hold on a "
                   "correct ruleset)."},
}
_OUTCOME_REQUIRED = ("organisation", "assessed_on", "rulesets", "level", "awards", "invariants")

_TRACE: Schema = _obj(
    {
        "condition": {"type": "string", "description": "The condition, as written in the rules."},
        "holds": BOOL,
        "met": WHOLE,
        "needed": WHOLE,
        "of": WHOLE,
        "missing": {"type": "array", "items": TEXT},
        "unnamed_short": {
            "type": "array",
            "items": _obj({"group": TEXT, "met": WHOLE, "of": WHOLE}, ["group", "met", "of"]),
        },
        "credited": {"type": "array", "items": TEXT},
        "value": {"type": ["boolean", "integer", "string", "null"]},
        "parts": {"type": "array", "items": {"$ref": "#/$defs/trace"}},
    },
    ["condition", "holds"],
)
_DECISION: Schema = _obj(
    {
        "id": TEXT,
        "title": TEXT,
        "holds": BOOL,
        "ruleset": TEXT,
        "kind": TEXT,
        "because": {"$ref": "#/$defs/trace"},
    },
    ["id", "title", "holds", "ruleset"],
)
_HISTORY_OUT: Schema = _obj(
    {
        "status": TEXT,
        "lapsed": BOOL,
        "reason": NULLABLE_TEXT,
        "previous_assessed_on": NULLABLE_DATE,
        "previous_level": NULLABLE_TEXT,
        "previous_ruleset": NULLABLE_TEXT,
        "last_recognised_on": NULLABLE_DATE,
        "lapsed_after": NULLABLE_DATE,
        "recognised_since": NULLABLE_DATE,
        "consecutive_recognitions": WHOLE,
        "earlier_lapses": {
            "type": "array",
            "items": _obj(
                {"recognised_on": {"$ref": "#/$defs/date"},
                 "next_assessed_on": {"$ref": "#/$defs/date"}},
                ["recognised_on", "next_assessed_on"],
            ),
        },
        "recognition_years": WHOLE,
    },
    ["status", "lapsed", "consecutive_recognitions"],
)


def outcome() -> Schema:
    """An outcome (``Outcome.to_dict``, ``evaluate --format json``), with its explanation."""
    props = dict(_OUTCOME_PROPS)
    props["explanation"] = _obj(
        {
            "levels": {"type": "array", "items": {"$ref": "#/$defs/decision"}},
            "awards": {"type": "array", "items": {"$ref": "#/$defs/decision"}},
            "not_applicable": {"type": "array", "items": TEXT},
            "derived": {"type": "object", "additionalProperties": BOOL},
        },
        ["levels", "awards", "not_applicable", "derived"],
    )
    props["explanation"]["description"] = "Why: each level and award with the trace of its "
    props["explanation"]["description"] += "conditions (absent with --brief)."
    props["recognition_history"] = {**_HISTORY_OUT, "description": "From the evidence's "
                                    "history (evaluate --format json with history)."}
    return _doc(
        "outcome",
        "The outcome for one organisation",
        "Outcome.to_dict(explanation=True) and iiprules evaluate --format json.",
        _obj(props, _OUTCOME_REQUIRED),
        {"date": DATE, "decision": _DECISION, "trace": _TRACE},
    )


def population_row() -> Schema:
    """One row of ``evaluate --population --out x.jsonl``: an outcome or an error."""
    good = _obj(dict(_OUTCOME_PROPS), _OUTCOME_REQUIRED)
    bad = _obj(
        {
            "organisation": NULLABLE_TEXT,
            "where": {"type": "string", "description": "file:line of the row"},
            "error": {"type": "string", "description": "Every problem, one per line."},
        },
        ["organisation", "where", "error"],
    )
    return _doc(
        "population-row",
        "One row of a population's outcomes",
        "A JSONL output row: the outcome without explanation, or the row's error.",
        {"oneOf": [good, bad]},
        {"date": DATE},
    )


def costs() -> Schema:
    """A cost file for ``iiprules plan --costs``."""
    cost = {
        "anyOf": [
            {"type": "number", "minimum": 0},
            {"type": "string", "pattern": r"^\s*[0-9]+(\.[0-9]+)?(/[1-9][0-9]*)?\s*$"},
        ],
        "description": "A cost of 0 or more: a number, or text such as '1/3' or '2.5'.",
    }
    return _doc(
        "costs",
        "Costs of meeting requirements",
        "Each key is a requirement id, an unnamed group id, a kind of evidence ("
        + ", ".join(m.WHO)
        + ") or 'default'; each value the cost of meeting one requirement of it. "
        "Requirements met through a mapping cannot be costed (cost what they map to).",
        {"type": "object", "additionalProperties": cost},
        {},
    )


_REF: Schema = _obj(
    {
        "id": TEXT,
        "text": TEXT,
        "sources": {
            "type": "array",
            "items": _obj({"reference": TEXT, "confidence": NULLABLE_TEXT},
                          ["reference", "confidence"]),
        },
        "pending": {"const": True},
    },
    ["id", "text", "sources"],
)


def plan() -> Schema:
    """``iiprules plan --format json``."""
    cost = {"type": "number", "minimum": 0}
    step = _obj(
        {
            "choose": WHOLE,
            "of": WHOLE,
            "all": BOOL,
            "requirements": {"type": "array", "items": {"$ref": "#/$defs/requirement"}},
            "unnamed": {
                "type": "array",
                "items": _obj({"group": TEXT, "candidates": WHOLE}, ["group", "candidates"]),
            },
            "cost_each": cost,
        },
        ["choose", "of", "all", "requirements", "unnamed", "cost_each"],
    )
    option = _obj(
        {"cost": cost, "requirements": WHOLE, "steps": {"type": "array", "items": step}},
        ["cost", "requirements", "steps"],
    )
    return _doc(
        "plan",
        "A plan to reach a level or award",
        "The fewest (or cheapest) additional requirements, with alternatives.",
        _obj(
            {
                "organisation": TEXT,
                "target": _obj({"id": TEXT, "kind": TEXT, "title": NULLABLE_TEXT},
                               ["id", "kind", "title"]),
                "ruleset": NULLABLE_TEXT,
                "reachable": BOOL,
                "already_reached": BOOL,
                "costed": BOOL,
                "plan": {"anyOf": [option, {"type": "null"}]},
                "alternatives": {"type": "array", "items": option},
                "reasons": {"type": "array", "items": TEXT},
            },
            ["organisation", "target", "ruleset", "reachable", "already_reached", "costed",
             "plan", "alternatives", "reasons"],
        ),
        {"requirement": _REF},
    )


def why_not() -> Schema:
    """``iiprules why-not --format json``."""
    failed = _obj(
        {
            "condition": TEXT,
            "met": WHOLE,
            "needed": WHOLE,
            "of": WHOLE,
            "more": WHOLE,
            "missing": {"type": "array", "items": {"$ref": "#/$defs/requirement"}},
            "through_mappings": {
                "type": "array",
                "items": _obj(
                    {"derived": {"type": "array", "items": TEXT},
                     "lacks": {"type": "array", "items": {"$ref": "#/$defs/requirement"}}},
                    ["derived", "lacks"],
                ),
            },
            "unnamed_short": {
                "type": "array",
                "items": _obj({"group": TEXT, "met": WHOLE, "of": WHOLE},
                              ["group", "met", "of"]),
            },
            "credited": {"type": "array", "items": TEXT},
            "one_of": {"type": "array", "items": {"type": "array",
                                                   "items": {"$ref": "#/$defs/failed"}}},
        },
        ["condition"],
    )
    shortfall = _obj(
        {"id": TEXT, "kind": TEXT, "title": NULLABLE_TEXT, "ruleset": NULLABLE_TEXT,
         "failed": {"type": "array", "items": {"$ref": "#/$defs/failed"}}},
        ["id", "kind", "title", "ruleset", "failed"],
    )
    return _doc(
        "why-not",
        "Why a level or award was not reached",
        "For the next level and each award not reached, the conditions that failed.",
        _obj(
            {"organisation": TEXT, "level": NULLABLE_TEXT,
             "why_not": {"type": "array", "items": shortfall}},
            ["organisation", "level", "why_not"],
        ),
        {"requirement": _REF, "failed": failed},
    )


def critical() -> Schema:
    """``iiprules critical --format json``."""
    item = _obj(
        {
            "requirement": {"$ref": "#/$defs/requirement"},
            "kind": TEXT,
            "level_after": NULLABLE_TEXT,
            "level_lowered": BOOL,
            "awards_lost": {"type": "array", "items": TEXT},
        },
        ["requirement", "kind", "level_after", "level_lowered", "awards_lost"],
    )
    return _doc(
        "critical",
        "Critical evidence",
        "The met requirements whose loss would lower the level or lose an award.",
        _obj(
            {"organisation": TEXT, "level": NULLABLE_TEXT,
             "awards": {"type": "array", "items": TEXT}, "checked": WHOLE,
             "critical": {"type": "array", "items": item}},
            ["organisation", "level", "awards", "checked", "critical"],
        ),
        {"requirement": _REF},
    )


def pending() -> Schema:
    """``iiprules pending --format json``."""
    award = _obj(
        {"id": TEXT, "title": NULLABLE_TEXT, "status": TEXT,
         "decided_by": {"type": "array", "items": TEXT}},
        ["id", "title", "status", "decided_by"],
    )
    return _doc(
        "pending",
        "Outcomes left open by pending requirements",
        "The range of levels and each award's status over every way the pending "
        "requirements could be decided, and which pending requirements decide them.",
        _obj(
            {
                "organisation": TEXT,
                "pending": {"type": "array", "items": TEXT},
                "level": _obj(
                    {"at_least": NULLABLE_TEXT, "at_most": NULLABLE_TEXT,
                     "decided_by": {"type": "array", "items": TEXT}},
                    ["at_least", "at_most", "decided_by"],
                ),
                "awards": {"type": "array", "items": award},
                "decided": BOOL,
                "exact_deciders": BOOL,
            },
            ["organisation", "pending", "level", "awards", "decided", "exact_deciders"],
        ),
        {},
    )


def lapse() -> Schema:
    """``iiprules lapse --format json``."""
    credit = _obj(
        {
            "requirement": {"$ref": "#/$defs/requirement"},
            "met_on": {"$ref": "#/$defs/date"},
            "years": WHOLE,
            "valid_until": {"$ref": "#/$defs/date"},
            "expired": BOOL,
            "used_by": {"type": "array", "items": TEXT},
        },
        ["requirement", "met_on", "years", "valid_until", "expired", "used_by"],
    )
    loss = _obj(
        {"date": {"$ref": "#/$defs/date"}, "level_after": NULLABLE_TEXT,
         "level_lowered": BOOL, "awards_lost": {"type": "array", "items": TEXT}},
        ["date", "level_after", "level_lowered", "awards_lost"],
    )
    recognition = _obj(
        {
            "recognised_on": NULLABLE_DATE,
            "level": NULLABLE_TEXT,
            "recognised_until": NULLABLE_DATE,
            "lapses_on": NULLABLE_DATE,
            "lapsed": BOOL,
            "recognised_since": NULLABLE_DATE,
            "consecutive": WHOLE,
        },
        ["recognised_on", "level", "recognised_until", "lapses_on", "lapsed",
         "recognised_since", "consecutive"],
    )
    return _doc(
        "lapse",
        "When a recognition lapses",
        "The latest recognition, when it runs out, and which carried-forward credits "
        "expire when (with what would be lost then).",
        _obj(
            {
                "organisation": TEXT,
                "assessed_on": {"$ref": "#/$defs/date"},
                "on": {"$ref": "#/$defs/date"},
                "level": NULLABLE_TEXT,
                "recognition": recognition,
                "credits": {"type": "array", "items": credit},
                "losses": {"type": "array", "items": loss},
            },
            ["organisation", "assessed_on", "on", "level", "recognition", "credits", "losses"],
        ),
        {"date": DATE, "requirement": _REF},
    )


#: Every schema by name, in the order the docs list them.
BUILDERS = {
    "evidence": evidence,
    "outcome": outcome,
    "population-row": population_row,
    "costs": costs,
    "diagnostic": diagnostic,
    "error": error,
    "check": check_report,
    "plan": plan,
    "why-not": why_not,
    "critical": critical,
    "pending": pending,
    "lapse": lapse,
}


def build(name: str) -> Schema:
    """One schema, built from the code."""
    return BUILDERS[name]()


def text(schema: Schema) -> str:
    """A schema as the shipped file holds it (stable key order, two-space indent)."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Rewrite ``iiprules/schemas/*.json`` from the code (``--check``: only compare)."""
    check = "--check" in (argv if argv is not None else sys.argv[1:])
    folder = Path(__file__).parent
    stale = []
    for name in BUILDERS:
        path = folder / f"{name}.json"
        want = text(build(name))
        if not path.is_file() or path.read_text(encoding="utf-8") != want:
            stale.append(name)
            if not check:
                path.write_text(want, encoding="utf-8")
    if check and stale:
        print("stale schemas: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
