"""The structural passes: thresholds that can be reached, ordered levels, no cycles.

Input → output: (scope, own snapshot) → diagnostics about the shape of the
rules rather than about names.
"""

from __future__ import annotations

from collections.abc import Mapping

from iiprules import model as m
from iiprules._check.scope import Snapshot
from iiprules._check.sink import Sink, id_span
from iiprules._check.walk import all_conditions, select, size, walk_cond, walk_selection
from iiprules.syntax import unparse_selection


def pass_thresholds(scope: Snapshot, own: Snapshot, sink: Sink) -> None:
    """A count that no evidence can reach is a mistake (e.g. 80 of a selection of 60)."""
    for owner, cond in all_conditions(scope):
        for c in walk_cond(cond):
            if isinstance(c, (m.AtLeast, m.AtMost, m.CountCmp, m.Quantified)):
                reqs = select(scope, c.selection)
                n = size(reqs)
                label = unparse_selection(c.selection)
                if isinstance(c, m.AtLeast) and c.n > n:
                    sink.error(
                        "IIP232",
                        f"{owner} asks for at least {c.n} of {label}, which holds only {n}",
                        c.span,
                        "no evidence can reach this; check the number or the selection",
                    )
                elif isinstance(c, m.CountCmp) and not _count_reachable(c.op, c.n, n):
                    sink.error(
                        "IIP232",
                        f"{owner} compares the count of {label} (0 to {n}) with "
                        f"{c.op} {c.n}, which no evidence can satisfy",
                        c.span,
                    )
                elif n == 0 and _names_resolve(scope, c.selection):
                    sink.warning(
                        "IIP233",
                        f"{owner} counts over {label}, which holds no requirements",
                        c.span,
                    )


def _names_resolve(scope: Snapshot, sel: m.Selection) -> bool:
    for s in walk_selection(sel):
        match s:
            case m.SelPart(part=p) if p not in scope.parts:
                return False
            case m.SelIndicator(indicator=i) if i not in scope.indicators:
                return False
            case m.SelPrinciple(principle=p) if p not in scope.principles:
                return False
            case m.SelTopic(topic=t) if t not in scope.topics:
                return False
            case m.SelList(ids=ids) if not ids or any(i not in scope.requirements for i in ids):
                return False
    return True


def _count_reachable(op: str, n: int, total: int) -> bool:
    return any(
        {">=": k >= n, ">": k > n, "<=": k <= n, "<": k < n, "=": k == n, "!=": k != n}[op]
        for k in (0, total, min(max(n, 0), total))
    )


def pass_levels(scope: Snapshot, own: Snapshot, sink: Sink) -> None:
    """Levels are ordered: a level may only refer to levels below it, and may not need less."""
    levels = list(scope.levels)
    index = {lv.id: i for i, lv in enumerate(levels)}
    own_levels = set(map(id, own.levels))
    for i, lv in enumerate(levels):
        if id(lv) not in own_levels:
            continue
        for c in walk_cond(lv.requires):
            if isinstance(c, m.AwardRef):
                sink.error(
                    "IIP238",
                    f"level '{lv.id}' depends on award '{c.award}', but awards are decided "
                    "after levels",
                    c.span,
                    "write the award's condition into the level, or make it an award",
                )
            if isinstance(c, m.LevelCmp) and c.level in index and index[c.level] >= i:
                sink.error(
                    "IIP234",
                    f"level '{lv.id}' refers to level '{c.level}', which is not below it",
                    c.span,
                    "levels are ordered lowest first; a level's "
                    "condition can only build on the levels declared before it",
                )
    # Thresholds must not fall as levels rise (Bronze needing more than Silver).
    # Selections are compared by the requirements they denote, not by their text.
    prev: dict[frozenset[str], tuple[int, m.Level]] = {}
    effective: dict[str, dict[frozenset[str], tuple[int, str]]] = {}
    for lv in levels:
        mins = _minimum_counts(scope, lv.requires)
        # A level that requires a lower one inherits what that one needs.
        items = lv.requires.items if isinstance(lv.requires, m.And) else (lv.requires,)
        for c in items:
            if isinstance(c, m.LevelCmp) and c.op in (">=", ">", "=") and c.level in effective:
                for key, (n, text) in effective[c.level].items():
                    if n > mins.get(key, (-1, ""))[0]:
                        mins[key] = (n, text)
        effective[lv.id] = mins
        for key, (n, text) in mins.items():
            if key in prev and n < prev[key][0] and id(lv) in own_levels:
                lower_n, lower = prev[key]
                sink.error(
                    "IIP235",
                    f"levels out of order: '{lv.id}' needs {n} of {text}, fewer "
                    f"than the {lower_n} that the lower level '{lower.id}' needs",
                    lv.requires.span,
                    "levels are declared lowest first; swap them or fix the thresholds",
                )
        for key, (n, _text) in mins.items():
            prev[key] = (max(n, prev.get(key, (0, lv))[0]), lv)


def _minimum_counts(scope: Snapshot, cond: m.Cond) -> dict[frozenset[str], tuple[int, str]]:
    """For a conjunction, the least count it needs of each selection it counts over."""
    items = cond.items if isinstance(cond, m.And) else (cond,)
    out: dict[frozenset[str], tuple[int, str]] = {}
    for c in items:
        n: int | None = None
        if isinstance(c, m.AtLeast):
            n = c.n
        elif isinstance(c, m.CountCmp) and c.op in (">=", ">", "="):
            n = c.n + (1 if c.op == ">" else 0)
        elif isinstance(c, m.Quantified) and c.quant == "all":
            n = size(select(scope, c.selection))
        if n is not None:
            reqs = select(scope, c.selection)  # type: ignore[union-attr]
            if reqs:
                out[frozenset(reqs)] = (n, unparse_selection(c.selection))  # type: ignore[union-attr]
    return out


def pass_cycles(scope: Snapshot, own: Snapshot, sink: Sink) -> None:
    """Mappings and award references must not go round in circles."""
    # Derived requirements that (through their mappings) depend on themselves.
    graph: dict[str, list[str]] = {}
    for rid, r in scope.requirements.items():
        if r.maps is not None:
            graph[rid] = [k for k in select(scope, r.maps)]
    for rid in _cyclic(graph):
        r = scope.requirements[rid]
        if r.ruleset == own.ruleset:
            sink.error(
                "IIP236",
                f"requirement '{rid}' is mapped onto itself through its mapping",
                id_span(r.node),
                "a mapping must lead to requirements that evidence can show",
            )
    agraph = {
        a.id: [c.award for c in walk_cond(a.requires) if isinstance(c, m.AwardRef)]
        for a in scope.awards
    }
    own_awards = {a.id for a in own.awards}
    for aid in _cyclic(agraph):
        if aid in own_awards:
            award = next(a for a in scope.awards if a.id == aid)
            sink.error(
                "IIP236",
                f"award '{aid}' depends on itself",
                id_span(award),
                "break the circle of 'award ...' references",
            )


def _cyclic(graph: Mapping[str, list[str]]) -> list[str]:
    """The nodes on a cycle, found iteratively (Tarjan would do; this is small)."""
    on_cycle: list[str] = []
    for start in graph:
        seen: set[str] = set()
        stack = list(graph.get(start, ()))
        while stack:
            n = stack.pop()
            if n == start:
                on_cycle.append(start)
                break
            if n in seen:
                continue
            seen.add(n)
            stack.extend(graph.get(n, ()))
    return on_cycle

