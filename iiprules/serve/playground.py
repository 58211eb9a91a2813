"""The playground's one round trip: evidence (and perhaps edited rules) → every answer.

Input → output: ``{"ruleset", "version"?, "rules"?, "evidence", "target"?}`` → the
diagnostics of the edited rules (if any), the outcome, why-not, the plan to a
target, the critical requirements and, when some are pending, the range; with
edited rules, also the outcome under the served rules, so the page can show what
the edit changes. One request per tick keeps the page's answer within one round
trip of the click; each part is the same call the matching ``/v1`` endpoint makes.

Edited rules are checked against the served rulesets (for ``uses``) and compiled
into an evaluator that is kept in a small cache keyed by the text, never in the
library's own cache (which lives as long as the process): a public playground
sees a new text on every keystroke.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from iiprules import answers
from iiprules.check import CheckedRuleset, merge
from iiprules.diagnostics import EvidenceError, RulesetNotFound
from iiprules.evaluate import Evaluator, combine
from iiprules.evidence import Evidence, validate
from iiprules.serve import bodies
from iiprules.serve.endpoints import (
    JSONText,
    dumps,
    in_thread,
    prepare,
    registry_of,
    settings_of,
)
from iiprules.serve.registry import Registry
from iiprules.serve.texts import check_result, result_dict

#: Edited rulesets kept compiled (one per recent text).
CACHE_SIZE = 16

_FIELDS = {"ruleset", "version", "rules", "evidence", "target"}


class _Compiled:
    """Edited texts → their check result, bounded, shared by the worker's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[str, int], tuple[dict[str, Any],
                                                        CheckedRuleset | None]] = OrderedDict()
        self._evaluators: OrderedDict[tuple[str, int, str, str | None], Evaluator] = OrderedDict()

    def check(self, text: str, registry: Registry) -> tuple[dict[str, Any], CheckedRuleset | None]:
        key = (hashlib.sha256(text.encode()).hexdigest(), id(registry))
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        result = check_result(text, "edited.rules", registry.library())
        value = (result_dict(result), result.checked)
        with self._lock:
            self._items[key] = value
            while len(self._items) > CACHE_SIZE:
                self._items.popitem(last=False)
        return value

    def evaluator(self, text: str, registry: Registry, checked: CheckedRuleset,
                  ev: Evidence, version: str | None) -> Evaluator:
        if version:
            try:
                snap = checked.version(version)
            except KeyError:
                raise RulesetNotFound(
                    f"the edited ruleset has no version '{version}'") from None
        else:
            found = checked.in_force(ev.assessed_on)
            if found is None:
                raise RulesetNotFound(
                    f"no version of the edited ruleset is in force on "
                    f"{ev.assessed_on.isoformat()}")
            snap = found
        base = checked.base_for(snap, None if version else ev.assessed_on)
        if checked.model.uses is not None and base is None:
            raise RulesetNotFound(f"the edited ruleset uses '{checked.model.uses.name}', which "
                                  "has no suitable version")
        key = (hashlib.sha256(text.encode()).hexdigest(), id(registry), snap.label,
               base.label if base else None)
        with self._lock:
            hit = self._evaluators.get(key)
        if hit is None:
            hit = Evaluator(merge(base, snap))
            with self._lock:
                self._evaluators[key] = hit
                while len(self._evaluators) > CACHE_SIZE:
                    self._evaluators.popitem(last=False)
        return hit


COMPILED = _Compiled()


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 2)


def answer(registry: Registry, data: dict[str, Any]) -> dict[str, Any]:
    """Every answer for the evidence, by the served or the edited rules.

    Raises:
        EvidenceError, RulesetNotFound: bad evidence, or no such ruleset, version or target.
    """
    name = data.get("ruleset")
    version = data.get("version") or None
    rules = data.get("rules")
    target = data.get("target") or None
    for fld, value in (("ruleset", name), ("version", version), ("rules", rules),
                       ("target", target)):
        if value is not None and not isinstance(value, str):
            raise EvidenceError("expected text", fld, None, None)
    if not name:
        raise EvidenceError("missing (required): the ruleset to judge by", "ruleset", None, None)
    ev = bodies.evidence_from(data.get("evidence"))
    timings: dict[str, float] = {}
    out: dict[str, Any] = {"check": None, "outcome": None, "packaged": None, "why_not": None,
                           "plan": None, "critical": None, "pending": None}
    ref = f"{name}@{version}" if version else name
    t0 = time.perf_counter()
    if rules is None:
        ev, evs = prepare(registry, ev, [ref])
    else:
        doc, checked = COMPILED.check(rules, registry)
        out["check"] = doc
        timings["check"] = _ms(t0)
        if checked is None:
            out["timings_ms"] = timings
            return out
        evaluator = COMPILED.evaluator(rules, registry, checked, ev, version)
        evs = [evaluator]
        try:  # the same case under the served rules, for "what does the edit change"
            served_ev, served = prepare(registry, ev, [ref])
        except (EvidenceError, RulesetNotFound):  # the edit names ids the served rules lack
            served_ev, served = ev, []
        if served:
            packaged = combine([e.evaluate(served_ev, False) for e in served])
            out["packaged"] = packaged.to_dict(False)
        ev = validate(ev, [evaluator.scope], registry.elsewhere(served) if served else {})
    t0 = time.perf_counter()
    outcome = combine([e.evaluate(ev, True) for e in evs])
    out["outcome"] = outcome.to_dict(False)
    out["why_not"] = answers.why_not(outcome, [e.scope for e in evs]).to_dict()
    timings["evaluate"] = _ms(t0)
    t0 = time.perf_counter()
    out["critical"] = answers.critical(ev, evaluators=evs).to_dict()
    timings["critical"] = _ms(t0)
    if ev.pending:
        t0 = time.perf_counter()
        out["pending"] = answers.pending_range(ev, evaluators=evs).to_dict()
        timings["pending"] = _ms(t0)
    if target is not None:
        t0 = time.perf_counter()
        out["plan"] = answers.plan(ev, target, alternatives=0, evaluators=evs).to_dict()
        timings["plan"] = _ms(t0)
    out["timings_ms"] = timings
    return out


async def playground_answer(request: Request) -> Response:
    """``POST /v1/playground``: every answer the playground shows, in one round trip."""
    s = settings_of(request)
    mt = bodies.media_type(request)
    if mt not in bodies.JSON_TYPES:
        raise bodies.unsupported(mt, bodies.JSON_TYPES[:1])
    body = await bodies.read_body(request, s.max_body_bytes + s.max_rules_bytes)
    data = bodies.load_json(bodies.text_of(body), s.max_depth + 1)
    if not isinstance(data, dict):
        raise EvidenceError("expected an object with 'ruleset' and 'evidence'", None, None, 1)
    extra = sorted(set(data) - _FIELDS)
    if extra:
        raise EvidenceError("unknown field; a playground request has "
                            + ", ".join(sorted(_FIELDS)), extra[0], None, None)
    registry = registry_of(request)
    result = await in_thread(request, answer, registry, data)
    return JSONText(dumps(result))
