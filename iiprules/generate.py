"""Generate: a ruleset version, N and a seed → plausible evidence for N organisations.

Input → output: a ref (``standard@2009``, ``lm_theme``, a path), a count and a
seed → evidence mappings, one per organisation, streamed (``generate``), and
written as JSONL (one mapping per line, constant memory however large N) or as
one YAML file per organisation (``write_jsonl``, ``write_yaml_dir``). The same
seed gives byte-identical output: one ``random.Random(seed)`` drives every
choice, and nothing depends on hash order.

The evidence is built from the rules, not from a fixed list of ids: for a
target level, the counting conditions of that level and of the levels below it
say how many requirements of which selection to meet, and the next level's
conditions say how many not to reach. What the rules do not fix is assumed:

Assumptions (the sources give almost none of these proportions)
---------------------------------------------------------------
G1. Outcome mix. Under a version with levels above the Standard: 15% not
    recognised, 72.5% the Standard only, 10% Bronze, 2% Silver, 0.5% Gold.
    Silver is then 2.4% of recognised organisations, under the 3% that
    "fewer than 600 ever held Silver" (domain.md §2) implies; most recognised
    organisations hold only the Standard. Under a version with one level: 15%
    not recognised, 85% recognised. Further levels get 10%, 2%, 0.5%, 0.1%...
    of the total, taken from the lowest level's share.
G2. Not recognised means a near miss: the lowest level's requirements less
    1 to 3 of them.
G3. Within a level's band, the number of further requirements met is drawn
    towards the band's lower end (triangular, mode at the threshold). At the
    lowest level, 70% meet none of the further requirements.
G4. 30% of organisations at a higher level meet the requirements known by
    text first (an L&M focus: the known wider-framework statements are
    Appendix 2's leadership statements); the others spread evenly over the
    known ones and the unnamed group.
G5. Size (employees): 2-9 22%, 10-49 40%, 50-249 27%, 250-999 8%,
    1,000-5,000 3%; public-sector organisations are drawn from the larger
    bands. Sector from a weighted list of sixteen.
G6. Representative groups (e.g. trade unions): 10%, 25%, 50%, 75%, 90% by size
    band, 20 points more in the public sector (at most 95%). Their
    requirements are then not listed (they do not apply).
G7. History: 50% of recognised organisations have earlier assessments, 1 to
    6 of them (40%, 25%, 15%, 10%, 7%, 3%), every 2.5 to 3 years, none before
    1993; each gap has a 10% chance of being 3 to 4 years (the recognition
    lapsed). Earlier assessments are recorded at the lowest level; the latest,
    when within 3 years, lists the lowest level's requirements (credits).
    8% of organisations not recognised now were recognised 3 to 4 years
    earlier (a lapsed recognition).
G8. Parts that no level needs (the L&M topics of stretch, the partner's
    criteria): an organisation takes part with probability 8%, and then meets
    each of their requirements with probability 85%. Boolean facts whose
    name says membership (business_network_member): true for 25%. Other facts
    take their default.
G9. Dates: uniform within the version's effective range; a version with no
    end date is taken to run 3 years (one recognition cycle). Without
    @VERSION, dates span every version of the ruleset, and each organisation
    gets evidence for the version in force on its date.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

import yaml

from iiprules import api, outputs
from iiprules import model as m
from iiprules.check import CheckedRuleset, Snapshot, select, size

#: Shares of the population above the lowest level, for the 2nd, 3rd ... level (G1).
HIGHER_SHARES = (0.10, 0.02, 0.005, 0.001)
#: Share not recognised (G1).
NOT_RECOGNISED = 0.15
#: Size bands: (low, high, weight) in employees (G5).
SIZES = ((2, 9, 22), (10, 49, 40), (50, 249, 27), (250, 999, 8), (1000, 5000, 3))
#: Representative groups by size band (G6).
GROUPS_BY_SIZE = (0.10, 0.25, 0.50, 0.75, 0.90)
#: Sectors: (name, weight, public sector?, name pattern).
SECTORS = (
    ("manufacturing", 12, False, "{place} {trade} Ltd"),
    ("construction", 6, False, "{surname} {build} Ltd"),
    ("retail", 8, False, "{surname} & {surname2}"),
    ("hospitality", 6, False, "The {place} {inn}"),
    ("professional services", 10, False, "{surname} {firm}"),
    ("software and IT", 5, False, "{word}{tech} Ltd"),
    ("finance", 4, False, "{place} {money}"),
    ("transport and logistics", 4, False, "{place} {haul} Ltd"),
    ("food production", 4, False, "{surname} & Daughters {food}"),
    ("education", 12, True, "{place} {school}"),
    ("health", 8, True, "{place} {health}"),
    ("social care", 6, False, "{place} {care}"),
    ("local government", 5, True, "{place} {council} Council"),
    ("social housing", 3, False, "{place} Housing Association"),
    ("charity", 5, False, "The {place} {trust}"),
    ("central government agency", 2, True, "{place} {agency} Agency"),
)
_WORDS = {
    "head": (
        "Ash", "Bram", "Carr", "Dun", "Elm", "Fen", "Glen", "Hol", "Kel", "Lang", "Mar",
        "Nor", "Oak", "Pen", "Ros", "Sal", "Thorn", "Wes", "Whit", "Yar", "Brack", "Cald",
        "Hart", "Kirk", "Marl", "Stan", "Tre", "Wy", "Alder", "Birch", "Coll", "Dray",
    ),
    "tail": (
        "by", "dale", "ford", "ham", "ley", "mouth", "ton", "wick", "worth", "combe",
        "field", "bridge", "stead", "hurst", "mere", "well", "gate", "holme",
    ),
    "surname": (
        "Ackroyd", "Bellamy", "Carver", "Dunmore", "Ellery", "Fairbairn", "Gilchrist",
        "Hallam", "Ingram", "Jessop", "Kearney", "Lomax", "Merriman", "Nettleton",
        "Oakes", "Pargeter", "Quayle", "Rudd", "Sewell", "Tolley", "Upward", "Varley",
        "Wainwright", "Yeats", "Pellow", "Brandt", "Ostley", "Rowntree", "Tasker", "Venn",
    ),
    "trade": ("Castings", "Engineering", "Plastics", "Textiles", "Components", "Print"),
    "build": ("Construction", "Building Services", "Joinery", "Civil Engineering"),
    "inn": ("Hotel", "Inn", "Kitchen", "Arms"),
    "firm": ("Partners LLP", "Associates", "Advisory", "& Co Accountants", "Solicitors"),
    "word": ("Bright", "Lantern", "Quill", "Fern", "Kestrel", "Copper", "Signal", "Harbour"),
    "tech": ("fly Labs", "stack", "works", "byte Systems", "path Digital"),
    "money": ("Building Society", "Credit Union", "Insurance Brokers"),
    "haul": ("Haulage", "Logistics", "Freight", "Coaches"),
    "food": ("Bakery", "Dairy", "Preserves", "Brewery"),
    "school": ("Primary School", "Academy", "College", "High School", "Infant School"),
    "health": ("Surgery", "Health Centre", "Dental Practice", "Community Health Trust"),
    "care": ("Care Home", "Home Care", "Day Nursery", "Support Services"),
    "council": ("Borough", "District", "Town", "Parish", "County"),
    "trust": ("Trust", "Foundation", "Hospice", "Wildlife Trust"),
    "agency": ("Skills", "Land Registry", "Records", "Employment"),
}  # fmt: skip
#: Earlier assessments per recognised organisation that has any (G7): 1..6.
HISTORY_COUNTS = (40, 25, 15, 10, 7, 3)
EARLIEST_HISTORY = dt.date(1993, 1, 1)


# -- what the rules ask for ------------------------------------------------------------


class _Need:
    """A counting condition of a level: meet at least ``n`` of a selection."""

    __slots__ = ("groups", "n", "named", "total")

    def __init__(self, scope: Snapshot, sel: m.Selection, n: int) -> None:
        reqs = select(scope, sel)
        self.named = [
            k for k, r in reqs.items() if isinstance(r.node, m.Requirement) and r.maps is None
        ]
        self.groups = [(k, r.node.count) for k, r in reqs.items() if isinstance(r.node, m.Unnamed)]
        self.total = size(reqs)
        self.n = n

    @property
    def key(self) -> tuple[tuple[str, ...], tuple[tuple[str, int], ...]]:
        """What the selection holds, so that two writings of one selection match."""
        return tuple(self.named), tuple(self.groups)


def _needs(scope: Snapshot, cond: m.Cond) -> list[_Need]:
    """The counting conditions a level's condition asks for (through ``and``)."""
    out: list[_Need] = []
    stack = [cond]
    while stack:
        c = stack.pop()
        match c:
            case m.And(items=items):
                stack.extend(reversed(items))
            case m.Quantified(quant="all", selection=s):
                out.append(_Need(scope, s, size(select(scope, s))))
            case m.Quantified(quant="any", selection=s):
                out.append(_Need(scope, s, 1))
            case m.AtLeast(n=n, selection=s):
                out.append(_Need(scope, s, n))
            case m.CountCmp(selection=s, op=">=", n=n):
                out.append(_Need(scope, s, n))
            case m.CountCmp(selection=s, op=">", n=n):
                out.append(_Need(scope, s, n + 1))
    return out


class _Plan:
    """One version, read once: the levels' needs, the optional parts, the facts."""

    def __init__(self, checked: CheckedRuleset, snap: Snapshot) -> None:
        scope = checked.scope(snap)
        self.scope = scope
        self.name = checked.name
        self.start = snap.effective
        self.until = snap.until  # None: still in force
        self.end = snap.until or _plus_years(snap.effective, 3) - dt.timedelta(days=1)
        self.levels = [lv.id for lv in scope.levels]
        self.needs = [_needs(scope, lv.requires) for lv in scope.levels]
        used = {k for needs in self.needs for nd in needs for k in nd.named}
        used |= {g for needs in self.needs for nd in needs for g, _ in nd.groups}
        self.optional: list[list[str]] = []
        for part in scope.parts:
            ids = [
                k
                for k, r in scope.requirements.items()
                if r.node.part == part and isinstance(r.node, m.Requirement) and r.maps is None
            ]
            if ids and not any(k in used for k in ids):
                self.optional.append(ids)
        self.applies: dict[str, str] = {}
        for k, r in scope.requirements.items():
            if isinstance(r.node, m.Requirement) and isinstance(r.node.applies, m.FactTrue):
                self.applies[k] = r.node.applies.fact
        self.facts = list(scope.facts.values())
        shares = [NOT_RECOGNISED]
        if self.levels:
            higher = list(HIGHER_SHARES[: len(self.levels) - 1])
            higher += [HIGHER_SHARES[-1]] * (len(self.levels) - 1 - len(higher))
            shares += [1 - NOT_RECOGNISED - sum(higher), *higher]
        self.shares = shares

    def covers(self, other: _Plan) -> bool:
        """Whether this version is in force on every date ``other`` gives organisations."""
        return self.start <= other.start and (self.until is None or other.end <= self.until)

    def absorb(self, other: _Plan) -> None:
        """Add another ruleset's optional parts and facts (``--ruleset`` given twice)."""
        have = {k for ids in self.optional for k in ids}
        self.optional += [ids for ids in other.optional if not any(k in have for k in ids)]
        known = {f.id for f in self.facts}
        self.facts += [f for f in other.facts if f.id not in known]

    def band(self, target: int) -> list[tuple[_Need, int, int]]:
        """Per selection, how many to meet at least and at most, to land on ``target``."""
        want: dict[Any, tuple[_Need, int]] = {}
        for needs in self.needs[: max(target, 0) + 1]:
            for nd in needs:
                have = want.get(nd.key)
                if have is None or nd.n > have[1]:
                    want[nd.key] = (nd, nd.n)
        caps: dict[Any, int] = {}
        if 0 <= target + 1 < len(self.needs):
            for nd in self.needs[target + 1]:
                if nd.key in want and nd.n > want[nd.key][1]:
                    caps[nd.key] = nd.n - 1
                elif nd.key not in want:
                    want[nd.key] = (nd, 0)
                    caps[nd.key] = nd.n - 1
        return [(nd, lo, caps.get(key, lo)) for key, (nd, lo) in want.items()]


def _plus_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def plans_for(ref: str) -> list[_Plan]:
    """The versions a ref names: one with ``@VERSION``, every version without.

    Raises:
        RulesetNotFound: no such ruleset or version.
        RulesError: the ruleset has errors.
    """
    checked, snap = api.resolve_ref(ref)
    if api.split_ref(ref)[1] is not None:
        return [_Plan(checked, snap)]
    return [_Plan(checked, s) for s in checked.snapshots]


# -- one organisation -----------------------------------------------------------------


def _weighted(rng: random.Random, weights: Sequence[float]) -> int:
    x = rng.random() * sum(weights)
    for i, w in enumerate(weights):
        x -= w
        if x < 0:
            return i
    return len(weights) - 1


def _name(rng: random.Random, pattern: str) -> str:
    w = _WORDS
    values = {
        "place": rng.choice(w["head"]) + rng.choice(w["tail"]),
        "surname": rng.choice(w["surname"]),
        "surname2": rng.choice(w["surname"]),
    }
    for key in re.findall(r"{(\w+)}", pattern):
        if key not in values:
            values[key] = rng.choice(w[key])
    return pattern.format(**values)


def _count_in(rng: random.Random, lo: int, hi: int) -> int:
    """A count in [lo, hi], towards lo (G3)."""
    if hi <= lo:
        return lo
    return min(hi, int(rng.triangular(lo, hi + 1, lo)))


def _meet(
    rng: random.Random, nd: _Need, k: int, named_first: bool, met: list[str], pools: dict  # type: ignore[type-arg]
) -> None:
    """Meet ``k`` requirements of a selection: named ids into ``met``, group counts into pools."""
    slots = len(nd.named) + sum(c for _, c in nd.groups)
    k = min(k, slots)
    if named_first:
        order = list(range(len(nd.named)))
        rng.shuffle(order)
        chosen = order[:k]
        rest = k - len(chosen)
        picks_in_groups = list(range(len(nd.named), len(nd.named) + rest))
        chosen += picks_in_groups
    else:
        chosen = rng.sample(range(slots), k)
    offset = len(nd.named)
    starts = []
    for g, c in nd.groups:
        starts.append((g, offset, offset + c))
        offset += c
    for i in sorted(chosen):
        if i < len(nd.named):
            if nd.named[i] not in met:
                met.append(nd.named[i])
        else:
            for g, a, b in starts:
                if a <= i < b:
                    pools[g] = pools.get(g, 0) + 1


def _organisation(rng: random.Random, plan: _Plan, i: int, on: dt.date) -> dict[str, Any]:
    sector, _w, public, pattern = SECTORS[_weighted(rng, [s[1] for s in SECTORS])]
    weights = [s[2] for s in SIZES]
    if public:
        weights = [w * f for w, f in zip(weights, (0.2, 0.6, 1.5, 3, 4), strict=True)]  # type: ignore[misc]
    band = _weighted(rng, weights)
    lo, hi = SIZES[band][:2]
    employees = int(min(hi, lo * (hi / lo) ** rng.random()))
    groups = rng.random() < min(0.95, GROUPS_BY_SIZE[band] + (0.2 if public else 0.0))

    facts: dict[str, Any] = {}
    for f in plan.facts:
        if f.id == "employees" and f.type == "number":
            facts[f.id] = employees
        elif f.id == "representative_groups" and f.type == "boolean":
            facts[f.id] = groups
        elif f.type == "boolean" and "member" in f.id:
            value = rng.random() < 0.25
            if value != f.default:
                facts[f.id] = value
        elif f.default is None:
            facts[f.id] = {
                "boolean": rng.random() < 0.5,
                "number": rng.randint(0, 10),
                "date": on.isoformat(),
            }[f.type]

    target = _weighted(rng, plan.shares) - 1  # -1: not recognised
    met: list[str] = []
    pools: dict[str, int] = {}
    named_first = target >= 1 and rng.random() < 0.30
    for nd, least, most in plan.band(max(target, 0)):
        if least == 0 and most > 0 and rng.random() < 0.70:
            continue  # G3: most meet none of the further requirements
        _meet(rng, nd, _count_in(rng, least, most), named_first, met, pools)
    met = [k for k in met if facts.get(plan.applies.get(k, ""), True) is not False]
    if target < 0 and plan.needs:
        lowest = [k for nd in plan.needs[0] for k in nd.named if k in met]
        for k in rng.sample(lowest, min(len(lowest), rng.randint(1, 3))):
            met.remove(k)
    for ids in plan.optional:
        if rng.random() < 0.08:
            met += [k for k in ids if rng.random() < 0.85]

    record: dict[str, Any] = {
        "organisation": _name(rng, pattern),
        "id": f"GEN-{i:06d}",
        "sector": sector,
        "size": f"{employees} employees",
        "assessed_on": on.isoformat(),
        "met": met,
    }
    if pools:
        record["unnamed_met"] = {g: pools[g] for g in sorted(pools)}
    if facts:
        record["facts"] = facts
    history = _history(rng, plan, on, target)
    if history:
        record["history"] = history
    return record


def _history(rng: random.Random, plan: _Plan, on: dt.date, target: int) -> list[dict[str, Any]]:
    """Earlier assessments, oldest first (G7)."""
    if not plan.levels:
        return []
    level = plan.levels[0]
    dates: list[dt.date] = []
    if target >= 0 and rng.random() < 0.50:
        when = on
        for _ in range(1 + _weighted(rng, HISTORY_COUNTS)):
            lapse = rng.random() < 0.10
            days = rng.randint(1110, 1460) if lapse else rng.randint(913, 1090)
            when = when - dt.timedelta(days=days)
            if when < EARLIEST_HISTORY:
                break
            dates.append(when)
    elif target < 0 and rng.random() < 0.08:
        dates.append(on - dt.timedelta(days=rng.randint(1110, 1460)))
    out: list[dict[str, Any]] = []
    for d in reversed(dates):
        out.append({"assessed_on": d.isoformat(), "ruleset": plan.name, "level": level})
    if out and dates[0] >= _plus_years(on, -3) and plan.needs:
        out[-1]["met"] = [k for nd in plan.needs[0] for k in nd.named]
    return out


# -- a population -----------------------------------------------------------------------


def generate(ref: str | Sequence[str], n: int, seed: int) -> Iterator[dict[str, Any]]:
    """Evidence for ``n`` organisations, lazily, reproducible by ``seed``.

    Args:
        ref: ``NAME[@VERSION]`` or a path; without a version, dates span every version.
            Several refs: the first sets the dates and levels; the others add the
            parts no level needs and their facts (e.g. ``lm_theme``, ``partner_award``).
        n: how many organisations.
        seed: the random seed; the same seed gives the same organisations.

    Raises:
        RulesetNotFound: no such ruleset or version.
        RulesError: the ruleset has errors.
    """
    refs = [ref] if isinstance(ref, str) else list(ref)
    plans = plans_for(refs[0])
    for other in refs[1:]:
        versions = plans_for(other)
        for plan in plans:
            # Only a version in force over the plan's whole period: anything else
            # would list ids or facts that evaluate refuses on some of its dates.
            extra = next((x for x in versions if x.covers(plan)), None)
            if extra is not None:
                plan.absorb(extra)
    rng = random.Random(seed)
    first, last = plans[0].start, plans[-1].end
    days = (last - first).days
    for i in range(1, n + 1):
        on = first + dt.timedelta(days=rng.randint(0, days))
        plan = next((p for p in plans if p.start <= on <= p.end), plans[-1])
        yield _organisation(rng, plan, i, on)


def write_jsonl(records: Iterator[dict[str, Any]], out: TextIO) -> int:
    """Write one JSON mapping per line; returns how many were written."""
    count = 0
    for r in records:
        out.write(json.dumps(r, ensure_ascii=False) + "\n")
        count += 1
    return count


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40]


def write_jsonl_file(
    records: Iterator[dict[str, Any]], path: str | Path, inputs: Sequence[str | Path] = ()
) -> int:
    """Write one JSON mapping per line to a file, whole or not at all; returns how many.

    The file appears only when every record is written (``outputs.AtomicFile``):
    an interrupted run leaves the previous file as it was.

    Raises:
        OutputError: the file cannot be written there, or is one of ``inputs``.
        OutputInterrupted: interrupted; the previous file is intact.
    """
    count = 0
    with outputs.AtomicFile(path, inputs) as f:
        for r in records:
            f.write((json.dumps(r, ensure_ascii=False) + "\n").encode("utf-8"))
            count += 1
    return count


def write_yaml_dir(records: Iterator[dict[str, Any]], folder: Path, force: bool = False) -> int:
    """Write one YAML evidence file per organisation into ``folder``; returns how many.

    A folder that does not exist yet appears whole or not at all. A folder with
    files in it is refused unless ``force``: a later ``--population DIR`` would
    read two populations mixed.

    Raises:
        OutputError: ``folder`` is a file, is not empty (without ``force``), or
            cannot be written.
        OutputInterrupted: interrupted; a new folder is not left behind.
    """
    if not folder.exists():
        with outputs.new_folder(folder) as temp:
            return _write_yaml_files(records, temp)
    outputs.prepare_folder(folder, empty=not force)
    return _write_yaml_files(records, folder)


def _write_yaml_files(records: Iterator[dict[str, Any]], folder: Path) -> int:
    count = 0
    for r in records:
        name = f"{r['id']}_{_slug(r['organisation'])}.yaml"
        text = yaml.safe_dump(r, sort_keys=False, allow_unicode=True, width=100)
        outputs.write_text(folder / name, text)
        count += 1
    return count
