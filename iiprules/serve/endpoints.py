"""The ``/v1`` endpoints: thin calls into the public API, answering the CLI's JSON.

Input → output: a request (evidence, rules text or a population in the body;
ruleset names, a target or a date in the query) → the JSON the matching CLI
command prints with ``--format json``, byte for byte the same renderer. As
OpenFisca's web API is a thin layer over its core, nothing here decides
anything: every answer comes from ``iiprules.api``, ``iiprules.answers``,
``iiprules.explain`` or ``iiprules.check``.

Evaluation and explanation run on the event loop: they take well under a
millisecond and their cost grows only with the body, which is bounded. The
answers that search (plan, pending, critical, lapse, why-not) and ``check`` run in
worker threads under the time bound, so one slow request cannot stall the rest.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from iiprules import answers
from iiprules import model as m
from iiprules.check import Snapshot
from iiprules.diagnostics import EvaluationError, EvidenceError, RulesError, RulesetNotFound
from iiprules.evaluate import Evaluator, combine
from iiprules.evidence import Evidence
from iiprules.explain import render_json, render_tree
from iiprules.serve import bodies
from iiprules.serve.problems import Problem, from_exception, limit
from iiprules.serve.registry import Registry
from iiprules.serve.settings import Settings
from iiprules.serve.texts import check_text
from iiprules.syntax import unparse_cond

T = TypeVar("T")

LIBRARY_ERRORS = (EvidenceError, RulesError, RulesetNotFound, EvaluationError)


# -- helpers ---------------------------------------------------------------------------


def registry_of(request: Request) -> Registry:
    """The registry in force when the request arrived (a reload never changes it midway)."""
    reg: Registry = request.app.state.registry
    return reg


def settings_of(request: Request) -> Settings:
    """The service's settings."""
    s: Settings = request.app.state.settings
    return s


class JSONText(Response):
    """A response whose JSON is already rendered (by the CLI's own renderer)."""

    media_type = "application/json"


def dumps(data: Any) -> str:
    """JSON as the CLI prints an answer with ``--format json``."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def query_bool(request: Request, name: str, default: bool) -> bool:
    """A ``true``/``false`` query parameter.

    Raises:
        Problem: any other value (422).
    """
    raw = request.query_params.get(name)
    if raw is None:
        return default
    value = {"true": True, "1": True, "false": False, "0": False}.get(raw.lower())
    if value is None:
        raise bad_query(name, f"expected true or false, got {raw!r}")
    return value


def query_date(request: Request, name: str) -> dt.date | None:
    """A ``YYYY-MM-DD`` query parameter, or None.

    Raises:
        Problem: not a date (422).
    """
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise bad_query(name, f"expected a date (YYYY-MM-DD), got {raw!r}") from None


def bad_query(name: str, message: str) -> Problem:
    """A problem about one query parameter, with its name as the field."""
    item = {"code": "IIP-HTTP-422", "severity": "error", "message": message,
            "field": name, "parameter": name}
    return Problem(422, "query", "Bad query parameter", f"query parameter '{name}': {message}",
                   None, [item])


def refs_of(request: Request) -> list[str] | None:
    """The ``ruleset`` query parameters (repeatable), or None for every ruleset in force."""
    refs = [r for r in request.query_params.getlist("ruleset") if r]
    return refs or None


async def in_thread(request: Request, fn: Callable[..., T], *args: Any) -> T:
    """Run a computation in a worker thread, answered 408 when it passes the time bound.

    A thread cannot be stopped from outside: a computation past the bound finishes
    in the background while its slot in the limiter stays taken, so at most
    ``threads`` computations ever run at once however many time out.
    """
    s = settings_of(request)
    try:
        with anyio.fail_after(s.timeout_seconds):
            return await anyio.to_thread.run_sync(
                fn, *args, limiter=request.app.state.limiter, abandon_on_cancel=True
            )
    except TimeoutError:
        raise limit(
            408,
            "timeout",
            "The request took too long",
            f"the answer took more than {s.timeout_seconds:g} s to compute",
            limit=s.timeout_seconds,
        ) from None


def prepare(
    registry: Registry, ev: Evidence, refs: Sequence[str] | None
) -> tuple[Evidence, list[Evaluator]]:
    """The evaluators for evidence already read, and the evidence checked against them.

    The same steps as ``api.evaluate``, with the registry's rulesets in place of
    the packaged ones, so the messages are the CLI's.
    """
    evs = registry.evaluators(ev.assessed_on, refs)
    return registry.validator(evs).validate(ev), evs


async def prepared(
    request: Request, refs: Sequence[str] | None
) -> tuple[Evidence, list[Evaluator], Registry]:
    """Read the evidence of a request and check it against the rulesets that judge it."""
    s = settings_of(request)
    registry = registry_of(request)
    body = await bodies.read_body(request, s.max_body_bytes)
    mt = bodies.media_type(request)

    def judges(on: dt.date) -> tuple[list[Evaluator], Any]:
        evs = registry.evaluators(on, refs)
        return evs, registry.validator(evs)

    ev, (evs, _) = bodies.evidence(body, mt, s.max_depth, judges)
    return ev, evs, registry


# -- rulesets --------------------------------------------------------------------------


def version_dict(s: Snapshot) -> dict[str, Any]:
    """A version: label, dates and title."""
    return {
        "label": s.label,
        "effective": s.effective.isoformat(),
        "until": s.until.isoformat() if s.until else None,
        "title": s.meta.title,
    }


def ruleset_dict(registry: Registry, name: str) -> dict[str, Any]:
    """A served ruleset: its name, title, the ruleset it uses and its versions."""
    checked = registry.get(name)
    model = checked.model
    return {
        "name": checked.name,
        "title": model.meta.title,
        "uses": model.uses.name if model.uses else None,
        "versions": [version_dict(s) for s in checked.snapshots],
        "warnings": len(checked.warnings),
    }


async def list_rulesets(request: Request) -> Response:
    """``GET /v1/rulesets``: every served ruleset and its versions."""
    registry = registry_of(request)
    return JSONResponse(
        {
            "digest": registry.digest,
            "rulesets": [ruleset_dict(registry, n) for n in registry.names()],
        }
    )


async def get_ruleset(request: Request) -> Response:
    """``GET /v1/rulesets/{name}``: one ruleset and its versions."""
    registry = registry_of(request)
    try:
        return JSONResponse(ruleset_dict(registry, request.path_params["name"]))
    except RulesetNotFound as exc:
        raise from_exception(exc, 404) from None


async def ruleset_source(request: Request) -> Response:
    """``GET /v1/rulesets/{name}/source``: the ruleset's text, for editors."""
    registry = registry_of(request)
    name = request.path_params["name"]
    try:
        registry.get(name)
    except RulesetNotFound as exc:
        raise from_exception(exc, 404) from None
    return PlainTextResponse(registry.texts[name])


def items_dict(registry: Registry, name: str, version: str | None) -> dict[str, Any]:
    """What a form needs to ask for a version's evidence, in declaration order."""
    checked, snap = registry.snapshot(name, version)
    scope = checked.scope(snap)
    reqs = []
    unnamed = []
    for rid, r in scope.requirements.items():
        node = r.node
        common = {"id": rid, "part": node.part, "indicator": r.indicator,
                  "principle": r.principle, "ruleset": r.ruleset}
        if isinstance(node, m.Requirement):
            reqs.append({**common, "text": node.text, "by": list(node.by), "topic": node.topic,
                         "derived": r.maps is not None,
                         "conditional": node.applies is not None})
        else:
            unnamed.append({**common, "count": node.count, "title": node.meta.title})
    principles = [
        {"id": p.id, "title": p.title,
         "indicators": [i for i, info in scope.indicators.items() if info.principle == p.id]}
        for p in scope.principles.values()
    ]
    return {
        "ruleset": checked.name,
        "version": version_dict(snap),
        "uses": scope.base.key if scope.base else None,
        "parts": [{"id": p.id, "title": p.title} for p in scope.parts.values()],
        "topics": [{"id": t.id, "title": t.title} for t in scope.topics.values()],
        "principles": principles,
        "indicators": [
            {"id": i, "title": info.node.title, "principle": info.principle,
             "ruleset": info.ruleset}
            for i, info in scope.indicators.items()
        ],
        "requirements": reqs,
        "unnamed": unnamed,
        "facts": [
            {"id": f.id, "type": f.type, "default": _plain(f.default), "title": f.meta.title}
            for f in scope.facts.values()
        ],
        "levels": [{"id": lv.id, "title": lv.title, "requires": unparse_cond(lv.requires)}
                   for lv in scope.levels],
        "awards": [{"id": a.id, "kind": a.kind, "title": a.title,
                    "requires": unparse_cond(a.requires)} for a in scope.awards],
    }


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


async def ruleset_items(request: Request) -> Response:
    """``GET /v1/rulesets/{name}/items``: requirements, levels and awards for a form."""
    registry = registry_of(request)
    version = request.query_params.get("version") or None
    try:
        return JSONResponse(items_dict(registry, request.path_params["name"], version))
    except RulesetNotFound as exc:
        raise from_exception(exc, 404) from None


# -- judging -----------------------------------------------------------------------------


async def evaluate(request: Request) -> Response:
    """``POST /v1/evaluate``: the outcome, as ``iiprules evaluate --format json [--brief]``."""
    explain = query_bool(request, "explain", False)
    ev, evs, _ = await prepared(request, refs_of(request))
    outcome = combine([e.evaluate(ev, explain) for e in evs])
    return JSONText(render_json(outcome, explanation=explain, evidence=ev))


async def explain(request: Request) -> Response:
    """``POST /v1/explain``: every decision and why, as ``iiprules explain``."""
    fmt = request.query_params.get("format", "json")
    if fmt not in ("json", "text"):
        raise bad_query("format", f"expected json or text, got {fmt!r}")
    ev, evs, _ = await prepared(request, refs_of(request))
    outcome = combine([e.evaluate(ev, True) for e in evs])
    if fmt == "text":
        return PlainTextResponse(render_tree(outcome, ev))
    return JSONText(render_json(outcome, evidence=ev))


async def plan(request: Request) -> Response:
    """``POST /v1/plan?target=…``: the fewest (or cheapest) requirements to a target.

    The body is evidence, or ``{"evidence": …, "cost": …}`` to price requirements as
    a cost file does.
    """
    target = request.query_params.get("target")
    if not target:
        raise bad_query("target", "missing (required): a level or award id")
    raw = request.query_params.get("alternatives", str(answers.DEFAULT_ALTERNATIVES))
    if not raw.isdigit() or int(raw) > 20:
        raise bad_query("alternatives", f"expected a whole number from 0 to 20, got {raw!r}")
    s = settings_of(request)
    registry = registry_of(request)
    refs = refs_of(request)
    body = await bodies.read_body(request, s.max_body_bytes)
    mt = bodies.media_type(request)
    cost = None
    data: Any = None
    if mt in bodies.JSON_TYPES:
        data = bodies.load_json(bodies.text_of(body), s.max_depth)
    if isinstance(data, dict) and "evidence" in data:
        extra = sorted(set(data) - {"evidence", "cost"})
        if extra:
            raise EvidenceError("unknown field; a plan request has 'evidence' and 'cost'",
                                extra[0], None, None)
        cost = data.get("cost")
        if cost is not None and not isinstance(cost, dict):
            raise EvidenceError("expected a mapping of requirement, kind or group to a "
                                "cost", "cost", None, None)
        ev, evs = prepare(registry, bodies.evidence_from(data["evidence"]), refs)
    else:

        def judges(on: dt.date) -> tuple[list[Evaluator], Any]:
            found = registry.evaluators(on, refs)
            return found, registry.validator(found)

        ev, (evs, _) = bodies.evidence(body, mt, s.max_depth, judges)
    result = await in_thread(
        request, lambda: answers.plan(ev, target, cost=cost, alternatives=int(raw),
                                      evaluators=evs)
    )
    return JSONText(dumps(result.to_dict()))


async def why_not(request: Request) -> Response:
    """``POST /v1/why-not``: what the next level and each award not reached lack."""
    ev, evs, _ = await prepared(request, refs_of(request))

    def run() -> Any:
        outcome = combine([e.evaluate(ev, True) for e in evs])
        return answers.why_not(outcome, [e.scope for e in evs])

    return JSONText(dumps((await in_thread(request, run)).to_dict()))


async def critical(request: Request) -> Response:
    """``POST /v1/critical``: the requirements whose loss alone changes the outcome."""
    ev, evs, _ = await prepared(request, refs_of(request))
    result = await in_thread(request, lambda: answers.critical(ev, evaluators=evs))
    return JSONText(dumps(result.to_dict()))


async def pending(request: Request) -> Response:
    """``POST /v1/pending``: the outcome as a range over the pending requirements."""
    ev, evs, _ = await prepared(request, refs_of(request))
    result = await in_thread(request, lambda: answers.pending_range(ev, evaluators=evs))
    return JSONText(dumps(result.to_dict()))


async def lapse(request: Request) -> Response:
    """``POST /v1/lapse?on=DATE``: when the recognition lapses; which credits expire when."""
    on = query_date(request, "on")
    ev, evs, _ = await prepared(request, refs_of(request))
    result = await in_thread(request, lambda: answers.lapse_forecast(ev, on, evaluators=evs))
    return JSONText(dumps(result.to_dict()))


# -- rules text ----------------------------------------------------------------------------


async def check(request: Request) -> Response:
    """``POST /v1/check``: rules text → diagnostics, as ``iiprules check --format json``.

    The body is the text (``text/plain``). ``filename`` names it in the diagnostics;
    it is a label only and is never opened. A ruleset that ``uses`` another is
    checked against the served one of that name.
    """
    s = settings_of(request)
    mt = bodies.media_type(request)
    if mt not in bodies.TEXT_TYPES:
        raise bodies.unsupported(mt, bodies.TEXT_TYPES)
    body = await bodies.read_body(request, s.max_rules_bytes)
    text = bodies.text_of(body, "the rules text")
    filename = request.query_params.get("filename") or "<request>.rules"
    registry = registry_of(request)
    result = await in_thread(request, check_text, text, filename, registry.library())
    return JSONText(dumps(result))
