"""Evidence: a YAML/JSON file or a mapping → a validated ``Evidence`` object.

Input → output: evidence about one organisation (file, text or mapping) →
``Evidence``; then ``validate(evidence, scopes)`` checks it against the
rulesets that will judge it. Every problem is an ``EvidenceError`` whose text
is one line naming the file, the line (for YAML) and the field.

YAML is read at the node level, not with ``safe_load``, so that requirement
ids such as ``1.10`` are never turned into the float ``1.1`` and every value
keeps its line number.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
import yaml
from attrs import field, frozen

from iiprules import model as m
from iiprules.check import BUILTIN_FACTS, Snapshot
from iiprules.diagnostics import EvidenceError, did_you_mean

#: The fields evidence may have; descriptive ones are kept but not judged.
FIELDS = (
    "organisation",
    "assessed_on",
    "met",
    "unnamed_met",
    "facts",
    "history",
    "pending",
    "id",
    "sector",
    "size",
    "notes",
)
REQUIRED = ("organisation", "assessed_on")
HISTORY_FIELDS = ("assessed_on", "met", "unnamed_met", "ruleset", "level", "notes")


@frozen
class Earlier:
    """An earlier assessment: its date and what it found met."""

    assessed_on: dt.date
    met: frozenset[str] = frozenset()
    unnamed_met: Mapping[str, int] = field(factory=dict)
    ruleset: str | None = None
    level: str | None = None


@frozen
class Evidence:
    """What an assessment found about one organisation."""

    organisation: str
    assessed_on: dt.date
    met: frozenset[str] = frozenset()
    unnamed_met: Mapping[str, int] = field(factory=dict)
    facts: Mapping[str, m.Value] = field(factory=dict)
    history: tuple[Earlier, ...] = ()
    pending: frozenset[str] = frozenset()
    extra: Mapping[str, Any] = field(factory=dict, eq=False)
    path: str | None = field(default=None, eq=False)
    lines: Mapping[str, int] = field(factory=dict, eq=False, repr=False)
    raw_facts: Mapping[str, Any] = field(factory=dict, eq=False, repr=False)

    def error(self, fld: str, message: str) -> EvidenceError:
        """An error about one of this evidence's fields, with its line when known."""
        return EvidenceError(message, fld, self.path, self.lines.get(fld))


# -- reading ------------------------------------------------------------------------


class _Lined:
    """A value read from a document, with the line it was on (1-based) or None."""

    __slots__ = ("line", "raw", "value")

    def __init__(self, value: Any, line: int | None, raw: str | None = None) -> None:
        self.value = value
        self.line = line
        self.raw = raw


def _from_yaml_node(node: yaml.Node) -> _Lined:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, _Lined] = {}
        for k, v in node.value:
            key = _from_yaml_node(k)
            value = _from_yaml_node(v)
            if isinstance(value.value, (dict, list)):
                # A block value starts on the next line; errors about the field
                # itself belong on the line of its key.
                value = _Lined(value.value, key.line, value.raw)
            out[str(key.raw if key.raw is not None else key.value)] = value
        return _Lined(out, line)
    if isinstance(node, yaml.SequenceNode):
        return _Lined([_from_yaml_node(v) for v in node.value], line)
    raw = node.value
    tag = node.tag.rsplit(":", 1)[-1]
    value: Any = raw
    if getattr(node, "style", None) in ("'", '"'):
        value = raw
    elif tag == "int":
        value = int(raw) if raw.lstrip("+-").isdigit() else raw
    elif tag == "bool":
        value = raw.lower() in ("true", "yes", "on", "y")
    elif tag == "null":
        value = None
    return _Lined(value, line, raw)


def _from_plain(value: Any) -> _Lined:
    if isinstance(value, Mapping):
        return _Lined({str(k): _from_plain(v) for k, v in value.items()}, None)
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return _Lined([_from_plain(v) for v in items], None)
    return _Lined(value, None, value if isinstance(value, str) else None)


def read_document(text: str, path: str) -> _Lined:
    """Parse YAML or JSON text into lined values (JSON is YAML, but JSON errors read better)."""
    if path.endswith(".json"):
        try:
            data = json.loads(text, parse_float=str)
        except json.JSONDecodeError as exc:
            raise EvidenceError(f"not valid JSON: {exc.msg}", None, path, exc.lineno) from None
        return _from_plain(data)
    try:
        node = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise EvidenceError(
            f"not valid YAML: {problem}", None, path, mark.line + 1 if mark else None
        ) from None
    if node is None:
        raise EvidenceError("the file is empty", None, path, None)
    return _from_yaml_node(node)


def load(source: str | Path | Mapping[str, Any] | Evidence) -> Evidence:
    """Read evidence from a file path, a mapping or an ``Evidence``.

    Raises:
        EvidenceError: the file cannot be read, or a field is missing or malformed.
    """
    if isinstance(source, Evidence):
        return source
    if isinstance(source, Mapping):
        return from_document(_from_plain(source), None)
    p = Path(source)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EvidenceError("no such file", None, str(source), None) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EvidenceError(
            f"cannot read the file ({exc.__class__.__name__})", None, str(source), None
        ) from None
    return from_document(read_document(text, str(source)), str(source))


def _date(v: _Lined, fld: str, path: str | None) -> dt.date:
    value = v.value
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise EvidenceError(
            f"expected a date (YYYY-MM-DD), got {value!r}", fld, path, v.line
        ) from None


def _ids(v: _Lined, fld: str, path: str | None, lines: dict[str, int]) -> frozenset[str]:
    if not isinstance(v.value, list):
        raise EvidenceError("expected a list of requirement ids", fld, path, v.line)
    out: list[str] = []
    for i, item in enumerate(v.value):
        if isinstance(item.value, (dict, list)) or item.value is None:
            raise EvidenceError("expected a requirement id", f"{fld}[{i}]", path, item.line)
        rid = str(item.raw if item.raw is not None else item.value)
        if rid in out:
            raise EvidenceError(
                f"requirement '{rid}' is listed twice", f"{fld}[{i}]", path, item.line
            )
        out.append(rid)
        if item.line is not None:
            lines[f"{fld}:{rid}"] = item.line
    return frozenset(out)


def _counts(v: _Lined, fld: str, path: str | None, lines: dict[str, int]) -> dict[str, int]:
    if not isinstance(v.value, dict):
        raise EvidenceError(
            "expected a mapping of unnamed group id to a number met", fld, path, v.line
        )
    out: dict[str, int] = {}
    for k, item in v.value.items():
        if not isinstance(item.value, int) or isinstance(item.value, bool) or item.value < 0:
            raise EvidenceError(
                f"expected a whole number, got {item.raw or item.value!r}",
                f"{fld}.{k}",
                path,
                item.line,
            )
        out[k] = item.value
        if item.line is not None:
            lines[f"{fld}.{k}"] = item.line
    return out


def from_document(doc: _Lined, path: str | None) -> Evidence:
    """Build ``Evidence`` from a parsed document; only the shape is checked here."""
    if not isinstance(doc.value, dict):
        raise EvidenceError(
            "expected a mapping with 'organisation', 'assessed_on' and 'met'", None, path, doc.line
        )
    d: dict[str, _Lined] = doc.value
    lines: dict[str, int] = {k: v.line for k, v in d.items() if v.line is not None}
    for k in d:
        if k not in FIELDS:
            hint = did_you_mean(k, FIELDS)
            raise EvidenceError(
                "unknown field"
                + (f"; {hint}" if hint else f"; evidence fields are {', '.join(FIELDS)}"),
                k,
                path,
                d[k].line,
            )
    for k in REQUIRED:
        if k not in d or d[k].value in (None, ""):
            raise EvidenceError(
                "missing (required)", k, path, doc.line if k not in d else d[k].line
            )
    org = d["organisation"]
    if not isinstance(org.value, str):
        org_text = org.raw if org.raw is not None else None
        if org_text is None:
            raise EvidenceError(
                "expected the organisation's name as text", "organisation", path, org.line
            )
    name = str(org.raw if org.raw is not None else org.value)
    assessed_on = _date(d["assessed_on"], "assessed_on", path)
    met = _ids(d["met"], "met", path, lines) if "met" in d else frozenset()
    unnamed = _counts(d["unnamed_met"], "unnamed_met", path, lines) if "unnamed_met" in d else {}
    facts_raw: dict[str, _Lined] = {}
    if "facts" in d:
        if not isinstance(d["facts"].value, dict):
            raise EvidenceError(
                "expected a mapping of fact name to value", "facts", path, d["facts"].line
            )
        facts_raw = d["facts"].value
        for k, v in facts_raw.items():
            if v.line is not None:
                lines[f"facts.{k}"] = v.line
    history: list[Earlier] = []
    if "history" in d:
        if not isinstance(d["history"].value, list):
            raise EvidenceError(
                "expected a list of earlier assessments", "history", path, d["history"].line
            )
        for i, h in enumerate(d["history"].value):
            history.append(_earlier(h, f"history[{i}]", path, lines))
    pending = _ids(d["pending"], "pending", path, lines) if "pending" in d else frozenset()
    both = sorted(met & pending)
    if both:
        raise EvidenceError(
            f"requirement '{both[0]}' is both met and pending",
            "pending",
            path,
            lines.get(f"pending:{both[0]}"),
        )
    extra = {k: _plain(d[k]) for k in ("id", "sector", "size", "notes") if k in d}
    return Evidence(
        name,
        assessed_on,
        met,
        unnamed,
        {},
        tuple(history),
        pending,
        extra=extra,
        path=path,
        lines=lines,
        raw_facts=facts_raw,
    )


def _earlier(h: _Lined, fld: str, path: str | None, lines: dict[str, int]) -> Earlier:
    if not isinstance(h.value, dict):
        raise EvidenceError("expected a mapping with 'assessed_on' and 'met'", fld, path, h.line)
    d: dict[str, _Lined] = h.value
    for k in d:
        if k not in HISTORY_FIELDS:
            raise EvidenceError(
                "unknown field"
                + (
                    f"; {did_you_mean(k, HISTORY_FIELDS)}"
                    if did_you_mean(k, HISTORY_FIELDS)
                    else ""
                ),
                f"{fld}.{k}",
                path,
                d[k].line,
            )
    if "assessed_on" not in d:
        raise EvidenceError("missing (required)", f"{fld}.assessed_on", path, h.line)
    return Earlier(
        _date(d["assessed_on"], f"{fld}.assessed_on", path),
        _ids(d["met"], f"{fld}.met", path, lines) if "met" in d else frozenset(),
        _counts(d["unnamed_met"], f"{fld}.unnamed_met", path, lines) if "unnamed_met" in d else {},
        str(d["ruleset"].value) if "ruleset" in d else None,
        str(d["level"].value) if "level" in d else None,
    )


def _plain(v: _Lined) -> Any:
    if isinstance(v.value, dict):
        return {k: _plain(x) for k, x in v.value.items()}
    if isinstance(v.value, list):
        return [_plain(x) for x in v.value]
    return v.value


# -- validating against rulesets -------------------------------------------------------


def validate(
    ev: Evidence, scopes: Iterable[Snapshot], elsewhere: Mapping[str, str] | None = None
) -> Evidence:
    """Check evidence against the rulesets that will judge it, and type its facts.

    Args:
        ev: evidence as read by ``load``.
        scopes: the merged snapshots (versions) it will be evaluated by.
        elsewhere: requirement ids known to other versions of the same rulesets, with the
            version that has them (``standard@2009``), for a clearer message.

    Returns:
        The evidence with its facts converted to the declared types.

    Raises:
        EvidenceError: an unknown or derived requirement id, a count out of range,
            an unknown fact or a value of the wrong type.
    """
    scopes = list(scopes)
    reqs: dict[str, Any] = {}
    facts: dict[str, m.Fact] = {}
    for s in scopes:
        reqs.update(s.requirements)
        facts.update(s.facts)
    names = ", ".join(s.key for s in scopes)
    elsewhere = elsewhere or {}
    _check_ids(ev, ev.met, "met", reqs, names, elsewhere)
    _check_ids(ev, ev.pending, "pending", reqs, names, elsewhere)
    _check_counts(ev, ev.unnamed_met, "unnamed_met", reqs)
    levels = {lv.id for s in scopes for lv in s.levels} | {"none"}
    for i, h in enumerate(ev.history):
        fld = f"history[{i}]"
        if h.assessed_on > ev.assessed_on:
            raise ev.error(
                f"{fld}.assessed_on",
                f"an earlier assessment cannot be dated {h.assessed_on.isoformat()}, after "
                f"this one ({ev.assessed_on.isoformat()})",
            )
        # Earlier assessments may have been judged by older versions: an id known
        # to any version of these rulesets is accepted (it counts only if the
        # version in force now still has it).
        known = {**elsewhere, **{k: "" for k in reqs}}
        _check_ids(ev, [r for r in h.met if r not in known], f"{fld}.met", reqs, names, {})
        # ids the current versions know must be ones evidence can list (not derived
        # through a mapping, not an unnamed group)
        _check_ids(ev, [r for r in h.met if r in reqs], f"{fld}.met", reqs, names, {})
        _check_counts(ev, h.unnamed_met, f"{fld}.unnamed_met", reqs, lenient=True)
        if h.level is not None and h.level not in levels:
            hint = did_you_mean(h.level, levels)
            raise ev.error(
                f"{fld}.level",
                f"unknown level '{h.level}'" + (f"; {hint}" if hint else ""),
            )
    typed: dict[str, m.Value] = {}
    for k, v in ev.raw_facts.items():
        fact = facts.get(k)
        if fact is None:
            if k in BUILTIN_FACTS:
                raise ev.error(f"facts.{k}", f"'{k}' is a top-level field, not a fact")
            hint = did_you_mean(k, facts)
            known = ", ".join(sorted(facts)) or "none"
            raise ev.error(
                f"facts.{k}",
                "unknown fact" + (f"; {hint}" if hint else f"; facts known to {names}: {known}"),
            )
        typed[k] = _typed_fact(ev, k, fact, v)
    for k, fact in facts.items():
        if fact.default is None and k not in typed:
            raise ev.error("facts", f"missing fact '{k}' ({fact.type}), which has no default")
    return attrs.evolve(ev, facts=typed)


def _check_ids(
    ev: Evidence,
    ids: Iterable[str],
    fld: str,
    reqs: Mapping[str, Any],
    names: str,
    elsewhere: Mapping[str, str],
) -> None:
    for rid in sorted(ids):
        line = ev.lines.get(f"{fld}:{rid}")
        info = reqs.get(rid)
        if info is None:
            if rid in elsewhere:
                raise EvidenceError(
                    f"requirement '{rid}' belongs to {elsewhere[rid]}, not to {names} "
                    f"(the versions in force on {ev.assessed_on.isoformat()})",
                    fld,
                    ev.path,
                    line,
                )
            hint = did_you_mean(rid, [k for k, r in reqs.items() if r.maps is None])
            raise EvidenceError(
                f"unknown requirement '{rid}' for {names}" + (f"; {hint}" if hint else ""),
                fld,
                ev.path,
                line,
            )
        if isinstance(info.node, m.Unnamed):
            raise EvidenceError(
                f"'{rid}' is a group of {info.node.count} requirements not known by text; "
                "give how many were met under 'unnamed_met'",
                fld,
                ev.path,
                line,
            )
        if info.maps is not None:
            raise EvidenceError(
                f"'{rid}' is met through its mapping to the framework; list the framework "
                "requirements it maps to instead",
                fld,
                ev.path,
                line,
            )


def _check_counts(
    ev: Evidence,
    counts: Mapping[str, int],
    fld: str,
    reqs: Mapping[str, Any],
    lenient: bool = False,
) -> None:
    for k, n in counts.items():
        info = reqs.get(k)
        if info is None or not isinstance(info.node, m.Unnamed):
            if lenient:
                continue
            groups = [r for r, i in reqs.items() if isinstance(i.node, m.Unnamed)]
            hint = did_you_mean(k, groups) or (
                "unnamed groups: " + ", ".join(groups)
                if groups
                else "these rulesets have no unnamed groups"
            )
            raise EvidenceError(
                f"'{k}' is not an unnamed group; {hint}",
                f"{fld}.{k}",
                ev.path,
                ev.lines.get(f"{fld}.{k}"),
            )
        if n > info.node.count:
            raise EvidenceError(
                f"{n} met, but the group '{k}' has only {info.node.count}",
                f"{fld}.{k}",
                ev.path,
                ev.lines.get(f"{fld}.{k}"),
            )


def _typed_fact(ev: Evidence, name: str, fact: m.Fact, v: Any) -> m.Value:
    fld = f"facts.{name}"
    value = v.value if hasattr(v, "value") else v
    if fact.type == "boolean":
        if isinstance(value, bool):
            return value
        raise ev.error(fld, f"expected true or false, got {value!r}")
    if fact.type == "number":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ev.error(fld, f"expected a whole number, got {value!r}")
    try:
        return _date(v if isinstance(v, _Lined) else _Lined(v, None), fld, ev.path)
    except EvidenceError:
        raise ev.error(fld, f"expected a date (YYYY-MM-DD), got {value!r}") from None
