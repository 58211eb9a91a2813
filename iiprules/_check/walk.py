"""Walks over conditions and selections, and what a selection denotes.

Input → output: model conditions and selections (and a snapshot) → their
nodes, depth and the requirements they select. Every walk is iterative, so
deeply nested input cannot overflow the stack.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from iiprules import model as m
from iiprules._check.scope import ReqInfo, Snapshot


def walk_cond(cond: m.Cond) -> Iterator[m.Cond]:
    """Every condition node under ``cond`` (itself included), without recursion."""
    stack = [cond]
    while stack:
        c = stack.pop()
        yield c
        match c:
            case m.And(items=items) | m.Or(items=items):
                stack.extend(reversed(items))
            case m.Not(item=i):
                stack.append(i)
            case m.Implies(premise=a, conclusion=b):
                stack.extend((b, a))


def cond_selections(cond: m.Cond) -> Iterator[m.Selection]:
    """The selections a condition counts over."""
    for c in walk_cond(cond):
        if isinstance(c, (m.Quantified, m.AtLeast, m.AtMost, m.CountCmp)):
            yield c.selection


def walk_selection(sel: m.Selection) -> Iterator[m.Selection]:
    """Every selection node under ``sel``, without recursion."""
    stack = [sel]
    while stack:
        s = stack.pop()
        yield s
        if isinstance(s, (m.Union_, m.Except, m.Within)):
            stack.extend((s.right, s.left))


def depth(node: Any) -> int:
    """Nesting depth of a condition or selection, computed without recursion."""
    best = 0
    stack = [(node, 1)]
    while stack:
        n, d = stack.pop()
        best = max(best, d)
        match n:
            case m.And(items=items) | m.Or(items=items):
                stack.extend((i, d + 1) for i in items)
            case m.Not(item=i):
                stack.append((i, d + 1))
            case m.Implies(premise=a, conclusion=b):
                stack.extend(((a, d + 1), (b, d + 1)))
            case m.Quantified() | m.AtLeast() | m.AtMost() | m.CountCmp():
                stack.append((n.selection, d + 1))
            case m.Union_() | m.Except() | m.Within():
                stack.extend(((n.left, d + 1), (n.right, d + 1)))
    return best


def select(scope: Snapshot, sel: m.Selection) -> dict[str, ReqInfo]:
    """The requirements a selection denotes, in declaration order (unknown names ignored).

    Iterative (post-order over an explicit stack): ``check`` runs every pass even
    on a selection chain too deep to accept, so this must not recurse.
    """
    values: list[dict[str, ReqInfo]] = []
    todo: list[tuple[m.Selection, bool]] = [(sel, False)]
    reqs = scope.requirements
    while todo:
        node, ready = todo.pop()
        match node:
            case m.Union_() | m.Except() | m.Within() if not ready:
                todo.extend(((node, True), (node.right, False), (node.left, False)))
            case m.Union_():
                right, left = values.pop(), values.pop()
                values.append({k: r for k, r in reqs.items() if k in left or k in right})
            case m.Except():
                right, left = values.pop(), values.pop()
                values.append({k: r for k, r in left.items() if k not in right})
            case m.Within():
                right, left = values.pop(), values.pop()
                values.append({k: r for k, r in left.items() if k in right})
            case _:
                values.append(_select_atom(scope, node))
    return values[0]


def _select_atom(scope: Snapshot, sel: m.Selection) -> dict[str, ReqInfo]:
    match sel:
        case m.SelPart(part=p):
            return {k: r for k, r in scope.requirements.items() if r.node.part == p}
        case m.SelIndicator(indicator=i):
            return {k: r for k, r in scope.requirements.items() if r.indicator == i}
        case m.SelPrinciple(principle=p):
            return {k: r for k, r in scope.requirements.items() if r.principle == p}
        case m.SelTopic(topic=t):
            return {
                k: r
                for k, r in scope.requirements.items()
                if isinstance(r.node, m.Requirement) and r.node.topic == t
            }
        case m.SelList(ids=ids):
            wanted = set(ids)
            return {k: r for k, r in scope.requirements.items() if k in wanted}
    raise TypeError(sel)  # pragma: no cover


def size(reqs: Mapping[str, ReqInfo]) -> int:
    """How many requirements a selection holds, counting each unnamed group by its size."""
    return sum(r.node.count if isinstance(r.node, m.Unnamed) else 1 for r in reqs.values())


def all_conditions(scope: Snapshot) -> Iterator[tuple[str, m.Cond]]:
    """Every condition of the own snapshot, with what it belongs to."""
    for lv in scope.levels:
        if lv in own_items(scope, "levels"):
            yield f"level '{lv.id}'", lv.requires
    for aw in own_items(scope, "awards"):
        yield f"award '{aw.id}'", aw.requires
    for inv in own_items(scope, "invariants"):
        yield f"invariant '{inv.id}'", inv.holds
    for r in scope.requirements.values():
        if r.ruleset == scope.ruleset and isinstance(r.node, m.Requirement) and r.node.applies:
            yield f"requirement '{r.id}'", r.node.applies


def own_items(scope: Snapshot, attr: str) -> tuple[Any, ...]:
    items: tuple[Any, ...] = getattr(scope, attr)
    if scope.base is None:
        return items
    base_items = set(map(id, getattr(scope.base, attr)))
    return tuple(i for i in items if id(i) not in base_items)


# -- the passes -----------------------------------------------------------------------
