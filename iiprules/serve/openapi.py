"""The OpenAPI 3.1 document, built from the library's own JSON Schemas.

Input → output: the service's settings → the document served at ``/openapi.json``.
The shapes of evidence, outcomes, diagnostics and the answers are not written
here: they come from ``iiprules.schemas`` (the schemas ``iiprules schema NAME``
prints), so the service and the CLI cannot drift apart. A schema's ``$defs`` are
lifted into ``components/schemas`` with their references rewritten, since OpenAPI
resolves ``#/…`` against the whole document. Only the service's own shapes (the
problem document, the ruleset listing, the form items, the health check) are
described here, next to the code that produces them.

While ``iiprules.schemas`` is not installed, each library shape is a permissive
object with a note saying so; nothing is copied in its place.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Callable
from typing import Any

from iiprules.serve.settings import Settings

OPENAPI_VERSION = "3.1.0"

#: Component name → the names the library's schema may have (``iiprules schema NAME``).
LIBRARY = {
    "Evidence": ("evidence",),
    "Outcome": ("outcome",),
    "PopulationRow": ("population-row", "population_row", "row"),
    "Diagnostic": ("diagnostic", "diagnostics"),
    "CostFile": ("costs", "cost", "cost-file", "cost_file"),
    "CheckResult": ("check",),
    "Plan": ("plan",),
    "WhyNot": ("why-not", "why_not", "whynot"),
    "Critical": ("critical",),
    "Pending": ("pending",),
    "Lapse": ("lapse",),
}


def _library_schema(names: tuple[str, ...]) -> dict[str, Any] | None:
    # Imported by name: the module is optional until every installation has it.
    try:
        schemas = importlib.import_module("iiprules.schemas")
    except ImportError:
        return None
    get: Callable[[str], dict[str, Any]] = schemas.get
    known = set(schemas.names())
    for n in names:
        if n in known:
            return copy.deepcopy(get(n))
    return None


def _rewrite(node: Any, prefix: str) -> Any:
    """Point ``#/$defs/X`` (and ``#``) references at the lifted components."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                if v.startswith("#/$defs/"):
                    v = f"#/components/schemas/{prefix}.{v[len('#/$defs/'):]}"
                elif v == "#":
                    v = f"#/components/schemas/{prefix}"
            out[k] = _rewrite(v, prefix)
        return out
    if isinstance(node, list):
        return [_rewrite(v, prefix) for v in node]
    return node


def lift(name: str, schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A standalone JSON Schema as components: itself and each of its ``$defs``."""
    schema = dict(schema)
    defs = schema.pop("$defs", {}) or {}
    for key in ("$schema", "$id"):
        schema.pop(key, None)
    out = {name: _rewrite(schema, name)}
    for d, sub in defs.items():
        out[f"{name}.{d}"] = _rewrite(sub, name)
    return out


def library_components() -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The library's schemas as components, and the names still missing from it."""
    comps: dict[str, dict[str, Any]] = {}
    missing: list[str] = []
    for comp, names in LIBRARY.items():
        found = _library_schema(names)
        if found is None:
            missing.append(comp)
            comps[comp] = {
                "type": "object",
                "description": f"The shape `iiprules schema {names[0]}` prints "
                "(not available in this installation).",
            }
        else:
            comps.update(lift(comp, found))
    return comps, missing


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def service_components() -> dict[str, dict[str, Any]]:
    """The shapes only the service has: problems, listings, form items, health."""
    nullable_str = {"type": ["string", "null"]}
    version = {
        "type": "object",
        "required": ["label", "effective", "until", "title"],
        "properties": {
            "label": {"type": "string"},
            "effective": {"type": "string", "format": "date"},
            "until": {"type": ["string", "null"], "format": "date"},
            "title": nullable_str,
        },
    }
    ruleset = {
        "type": "object",
        "required": ["name", "title", "uses", "versions", "warnings"],
        "properties": {
            "name": {"type": "string"},
            "title": nullable_str,
            "uses": nullable_str,
            "versions": {"type": "array", "items": _ref("Version")},
            "warnings": {"type": "integer", "minimum": 0},
        },
    }
    problem_item = {
        "type": "object",
        "required": ["code", "severity", "message"],
        "properties": {
            "code": {"type": "string"},
            "severity": {"type": "string"},
            "message": {"type": "string"},
            "field": {"type": "string"},
            "pointer": {"type": "string"},
            "line": {"type": "integer"},
            "column": {"type": "integer"},
        },
    }
    problem = {
        "type": "object",
        "description": "RFC 9457 problem details, with the CLI's code and every problem found.",
        "required": ["type", "title", "status", "detail", "code", "errors"],
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "code": {"type": "string"},
            "errors": {"type": "array", "items": _ref("ProblemItem")},
        },
    }
    ident = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}
    items = {
        "type": "object",
        "required": ["ruleset", "version", "parts", "principles", "indicators", "requirements",
                     "unnamed", "facts", "levels", "awards"],
        "properties": {
            "ruleset": {"type": "string"},
            "version": _ref("Version"),
            "uses": nullable_str,
            "parts": {"type": "array", "items": ident},
            "topics": {"type": "array", "items": ident},
            "principles": {"type": "array", "items": ident},
            "indicators": {"type": "array", "items": ident},
            "requirements": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "text", "part", "by", "indicator", "principle",
                                 "derived"],
                    "properties": {
                        "id": {"type": "string"},
                        "text": {"type": "string"},
                        "part": {"type": "string"},
                        "by": {"type": "array", "items": {"type": "string"}},
                        "indicator": nullable_str,
                        "principle": nullable_str,
                        "derived": {"type": "boolean"},
                    },
                },
            },
            "unnamed": {"type": "array", "items": ident},
            "facts": {"type": "array", "items": ident},
            "levels": {"type": "array", "items": ident},
            "awards": {"type": "array", "items": ident},
        },
    }
    health = {
        "type": "object",
        "required": ["status", "version", "rulesets", "digest", "loaded_at", "limits"],
        "properties": {
            "status": {"const": "ok"},
            "version": {"type": "string"},
            "rulesets": {"type": "array", "items": {"type": "string"}},
            "digest": {"type": "string"},
            "loaded_at": {"type": "string", "format": "date-time"},
            "limits": {"type": "object"},
        },
    }
    plan_request = {
        "type": "object",
        "required": ["evidence"],
        "additionalProperties": False,
        "properties": {"evidence": _ref("Evidence"), "cost": _ref("CostFile")},
    }
    return {
        "Version": version,
        "Ruleset": ruleset,
        "RulesetList": {
            "type": "object",
            "required": ["digest", "rulesets"],
            "properties": {"digest": {"type": "string"},
                           "rulesets": {"type": "array", "items": _ref("Ruleset")}},
        },
        "Items": items,
        "Health": health,
        "Problem": problem,
        "ProblemItem": problem_item,
        "PlanRequest": plan_request,
    }


def _problems(*statuses: int) -> dict[str, Any]:
    words = {
        404: "No such ruleset or version",
        405: "Method not allowed",
        408: "The computation passed the time bound",
        413: "The body (or the batch) is too large",
        415: "The body's media type is not accepted",
        422: "The input cannot be used: every problem with its code, field and line",
    }
    return {
        str(s): {
            "description": words[s],
            "content": {"application/problem+json": {"schema": _ref("Problem")}},
        }
        for s in statuses
    }


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ruleset_param() -> dict[str, Any]:
    return {
        "name": "ruleset",
        "in": "query",
        "required": False,
        "description": "`name` or `name@version` of a served ruleset (repeatable); "
        "none: every ruleset in force on the assessment date",
        "schema": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "style": "form",
        "explode": True,
    }


def _evidence_body(s: Settings) -> dict[str, Any]:
    return {
        "required": True,
        "description": f"The organisation's evidence (at most {s.max_body_bytes:,} bytes), "
        "as in an evidence file",
        "content": {
            "application/json": {"schema": _ref("Evidence")},
            "application/yaml": {"schema": _ref("Evidence")},
        },
    }


def _answer(summary: str, op_id: str, schema: str, s: Settings,
            params: list[dict[str, Any]] | None = None,
            body: dict[str, Any] | None = None, text: bool = False) -> dict[str, Any]:
    ok = _json(_ref(schema), "The answer, as the CLI prints it with --format json")
    if text:
        ok["content"]["text/plain"] = {"schema": {"type": "string"}}
    return {
        "post": {
            "operationId": op_id,
            "summary": summary,
            "parameters": [_ruleset_param(), *(params or [])],
            "requestBody": body or _evidence_body(s),
            "responses": {
                "200": ok,
                **_problems(405, 408, 413, 415, 422),
            },
        }
    }


def document(s: Settings, version: str) -> dict[str, Any]:
    """The OpenAPI document of the service."""
    lib, missing = library_components()
    name_param = {"name": "name", "in": "path", "required": True,
                  "schema": {"type": "string", "minLength": 1}}
    paths: dict[str, Any] = {
        "/healthz": {"get": {"operationId": "health", "summary": "Liveness and what is loaded",
                             "responses": {"200": _json(_ref("Health"), "Serving")}}},
        "/v1/rulesets": {"get": {
            "operationId": "listRulesets", "summary": "The served rulesets and their versions",
            "responses": {"200": _json(_ref("RulesetList"), "The rulesets")}}},
        "/v1/rulesets/{name}": {"get": {
            "operationId": "getRuleset", "summary": "One ruleset and its versions",
            "parameters": [name_param],
            "responses": {"200": _json(_ref("Ruleset"), "The ruleset"), **_problems(404)}}},
        "/v1/rulesets/{name}/items": {"get": {
            "operationId": "getItems",
            "summary": "Requirements (with texts), groups, facts, levels and awards of a "
            "version, for building an evidence form",
            "parameters": [name_param, {"name": "version", "in": "query", "required": False,
                                        "schema": {"type": "string"},
                                        "description": "default: the newest"}],
            "responses": {"200": _json(_ref("Items"), "The items"), **_problems(404)}}},
        "/v1/rulesets/{name}/source": {"get": {
            "operationId": "getSource", "summary": "The ruleset's text",
            "parameters": [name_param],
            "responses": {"200": {"description": "The text",
                                  "content": {"text/plain": {"schema": {"type": "string"}}}},
                          **_problems(404)}}},
        "/v1/evaluate": _answer(
            "Judge one organisation (`iiprules evaluate --format json`; `--brief` unless "
            "explain=true)", "evaluate", "Outcome", s,
            [{"name": "explain", "in": "query", "required": False,
              "schema": {"type": "boolean", "default": False}}]),
        "/v1/explain": _answer(
            "Every decision and why (`iiprules explain --format json`; format=text for the "
            "tree)", "explain", "Outcome", s,
            [{"name": "format", "in": "query", "required": False,
              "schema": {"enum": ["json", "text"], "default": "json"}}],
            text=True),
        "/v1/plan": _answer(
            "The fewest (or cheapest) further requirements that reach a target "
            "(`iiprules plan`)", "plan", "Plan", s,
            [{"name": "target", "in": "query", "required": True,
              "schema": {"type": "string", "minLength": 1}},
             {"name": "alternatives", "in": "query", "required": False,
              "schema": {"type": "integer", "minimum": 0, "maximum": 20, "default": 3}}],
            {"required": True, "content": {
                "application/json": {"schema": {"anyOf": [_ref("Evidence"),
                                                          _ref("PlanRequest")]}},
                "application/yaml": {"schema": _ref("Evidence")}}}),
        "/v1/why-not": _answer("What the next level and each award not reached lack "
                               "(`iiprules why-not`)", "whyNot", "WhyNot", s),
        "/v1/critical": _answer("Requirements whose loss alone lowers the level or loses an "
                                "award (`iiprules critical`)", "critical", "Critical", s),
        "/v1/pending": _answer("The level and awards as a range over the pending requirements "
                               "(`iiprules pending`)", "pending", "Pending", s),
        "/v1/lapse": _answer(
            "When the recognition lapses; which credits expire when (`iiprules lapse`)",
            "lapse", "Lapse", s,
            [{"name": "on", "in": "query", "required": False,
              "schema": {"type": "string", "format": "date"}}]),
        "/v1/check": {"post": {
            "operationId": "check",
            "summary": "Rules text → diagnostics (`iiprules check --format json`)",
            "parameters": [{"name": "filename", "in": "query", "required": False,
                            "schema": {"type": "string"},
                            "description": "a label for the text in the diagnostics; "
                            "never opened"}],
            "requestBody": {"required": True, "content": {"text/plain": {
                "schema": {"type": "string", "maxLength": s.max_rules_bytes}}}},
            "responses": {"200": _json(_ref("CheckResult"), "Every diagnostic, sorted by "
                                       "position (errors included: they are the answer)"),
                          **_problems(405, 408, 413, 415, 422)}}},
        "/v1/playground": {"post": {
            "operationId": "playground",
            "summary": "Every answer the playground shows for one case, in one round trip: "
            "outcome, why-not, critical, pending range, a plan to `target`; with `rules` "
            "(edited text), its diagnostics and the outcome under the served rules",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["ruleset", "evidence"],
                "additionalProperties": False,
                "properties": {
                    "ruleset": {"type": "string", "minLength": 1},
                    "version": {"type": "string"},
                    "rules": {"type": "string", "maxLength": s.max_rules_bytes},
                    "evidence": _ref("Evidence"),
                    "target": {"type": "string"},
                }}}}},
            "responses": {"200": _json({
                "type": "object",
                "required": ["check", "outcome", "packaged", "why_not", "plan", "critical",
                             "pending", "timings_ms"],
                "properties": {
                    "check": {"anyOf": [{"type": "null"}, _ref("CheckResult")]},
                    "outcome": {"anyOf": [{"type": "null"}, _ref("Outcome")]},
                    "packaged": {"anyOf": [{"type": "null"}, _ref("Outcome")]},
                    "why_not": {"anyOf": [{"type": "null"}, _ref("WhyNot")]},
                    "plan": {"anyOf": [{"type": "null"}, _ref("Plan")]},
                    "critical": {"anyOf": [{"type": "null"}, _ref("Critical")]},
                    "pending": {"anyOf": [{"type": "null"}, _ref("Pending")]},
                    "timings_ms": {"type": "object"},
                }}, "The answers"),
                **_problems(405, 408, 413, 415, 422)}}},
        "/v1/evaluate/batch": {"post": {
            "operationId": "evaluateBatch",
            "summary": "Judge a population: NDJSON or a JSON array in, one NDJSON row out per "
            "organisation, streamed as judged (`iiprules evaluate --population`)",
            "parameters": [_ruleset_param()],
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": {"type": "array", "items": _ref("Evidence"),
                                                "maxItems": s.max_batch_rows}}}},
            "responses": {
                "200": {"description": "One row per organisation, in input order",
                        "content": {"application/x-ndjson": {
                            "schema": {"type": "string"},
                            "itemSchema": _ref("PopulationRow")}}},
                **_problems(405, 408, 413, 415, 422)}}},
    }
    note = ""
    if missing:
        note = ("\n\nSchemas not yet provided by `iiprules.schemas` in this installation: "
                + ", ".join(missing) + ".")
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "iiprules",
            "version": version,
            "description": "The Investors in People framework as rules: judge evidence, "
            "explain, plan, check rules text. Every answer is the JSON the `iiprules` CLI "
            "prints with `--format json`; every client error is an RFC 9457 problem document "
            f"with the CLI's codes.{note}",
        },
        "paths": paths,
        "components": {"schemas": {**lib, **service_components()}},
    }
