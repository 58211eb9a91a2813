"""The evaluator's plan nodes: compiled conditions over bit masks, and their ``Trace``.

Input → output: (built by ``evaluate.Evaluator`` from a checked snapshot) →
node objects that decide a condition for one organisation's ``_Env`` (bit
masks, counters, facts) and explain it as a ``Trace``; and ``Layout``, where a
batch keeps each requirement. The code generators (``codegen``, ``vecgen``)
translate the same nodes into Python text.

These sit below ``evaluate`` so that the generators can read them without
importing ``evaluate`` back: ``evaluate`` imports the generators, and an import
of ``evaluate`` from them would close an import circle. ``Compiled`` states
what of an ``Evaluator`` the nodes and the generators read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from attrs import frozen

from iiprules.check import RECOGNITION_YEARS

if TYPE_CHECKING:
    from iiprules.evidence import Evidence


class Compiled(Protocol):
    """What the plan nodes and the code generators read of an ``evaluate.Evaluator``."""

    def bits_of(self, ids: Iterable[str]) -> list[int]:
        """The bit of each named requirement id."""
        ...

    def ids_in(self, mask: int) -> tuple[str, ...]:
        """The named requirement ids of a mask's bits, in declaration order."""
        ...

    @property
    def award_ids(self) -> Any:
        """The award ids, in evaluation order."""
        ...

    @property
    def pool_ids(self) -> Any:
        """The unnamed groups, by id."""
        ...

    @property
    def pool_sizes(self) -> Any:
        """The size of each unnamed group."""
        ...

    @property
    def _applies(self) -> Any: ...
    @property
    def _awards(self) -> Any: ...
    @property
    def _derived(self) -> Any: ...
    @property
    def _derived_ids(self) -> Any: ...
    @property
    def _facts(self) -> Any: ...
    @property
    def _invariants(self) -> Any: ...
    @property
    def _levels(self) -> Any: ...
    @property
    def _missing_check(self) -> Any: ...
    @property
    def _verdict(self) -> Any: ...


@frozen
class Trace:
    """Why a condition held or not: the model node, the figures, the children.

    ``count``/``needed``/``total`` are set for counting conditions; ``missing``
    lists the named requirements of the selection that were not met, and
    ``short`` the unnamed groups that fell short, as ``(id, met, size)``.
    """

    node: Any
    holds: bool
    count: int | None = None
    needed: int | None = None
    total: int | None = None
    missing: tuple[str, ...] = ()
    short: tuple[tuple[str, int, int], ...] = ()
    credited: tuple[str, ...] = ()
    value: Any = None
    children: tuple[Trace, ...] = ()




# -- the explained path: an environment of bit masks, interpreted nodes ----------------


class _Env:
    """Per-organisation state for the explained path: bit masks and counts, never names."""

    __slots__ = ("_credits", "awards", "facts", "history", "met", "on", "pools", "rank")

    def __init__(
        self,
        met: int,
        pools: list[int],
        facts: dict[str, Any],
        on: dt.date,
        history: list[tuple[dt.date, int, list[int]]],
    ) -> None:
        self.met = met
        self.pools = pools
        self.facts = facts
        self.on = on
        self.history = history
        self.rank = -1
        self.awards: dict[str, bool] = {}
        self._credits: dict[tuple[int, int], tuple[int, list[int]]] = {}

    def credited(self, years: int) -> tuple[int, list[int]]:
        """Met now, or met at an earlier assessment no more than ``years`` before."""
        # Keyed by the current mask too: what is met now grows while requirements
        # are found not applicable and derived ones are decided.
        key = (years, self.met)
        hit = self._credits.get(key)
        if hit is None:
            since = years_before(self.on, years)
            met, pools = self.met, list(self.pools)
            for date, hmask, hpools in self.history:
                if since <= date <= self.on:
                    met |= hmask
                    pools = [max(a, b) for a, b in zip(pools, hpools, strict=True)]
            hit = self._credits[key] = (met, pools)
        return hit


def years_before(on: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier (28 February for 29 February; never before year 1)."""
    if on.year - years < dt.MINYEAR:
        # A window reaching back before year 1 starts at the first day there is; replacing
        # the year would raise ValueError, which evaluation must never do.
        return dt.date.min
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


def whole_years(start: dt.date, end: dt.date) -> int:
    """Whole years from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years


_CMP = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


class _Sel:
    """A compiled selection: a mask of named requirements and the unnamed groups."""

    __slots__ = ("ids", "mask", "pool_ids", "pool_sizes", "pools", "total")

    def __init__(
        self,
        mask: int,
        pools: tuple[int, ...],
        total: int,
        ids: tuple[str, ...],
        pool_ids: tuple[str, ...],
        pool_sizes: tuple[int, ...],
    ) -> None:
        self.mask = mask
        self.pools = pools
        self.total = total
        self.ids = ids
        self.pool_ids = pool_ids
        self.pool_sizes = pool_sizes

    def count(self, met: int, pools: Sequence[int]) -> int:
        n = (met & self.mask).bit_count()
        for i in self.pools:
            n += pools[i]
        return n


class _Node:
    __slots__ = ("node",)

    def __init__(self, node: Any) -> None:
        self.node = node

    def holds(self, env: _Env) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def trace(self, env: _Env, ev: Compiled) -> Trace:
        return Trace(self.node, self.holds(env))


class _Count(_Node):
    """all / any / none / at least / at most / count-compare, as (op, n) on a count."""

    __slots__ = ("n", "op", "sel", "years")

    def __init__(self, node: Any, sel: _Sel, op: str, n: int, years: int | None) -> None:
        super().__init__(node)
        self.sel, self.op, self.n, self.years = sel, op, n, years

    def _state(self, env: _Env) -> tuple[int, Sequence[int]]:
        if self.years is None:
            return env.met, env.pools
        return env.credited(self.years)

    def holds(self, env: _Env) -> bool:
        met, pools = self._state(env)
        return bool(_CMP[self.op](self.sel.count(met, pools), self.n))

    def trace(self, env: _Env, ev: Compiled) -> Trace:
        met, pools = self._state(env)
        count = self.sel.count(met, pools)
        ok = _CMP[self.op](count, self.n)
        # Only the bits that differ are walked (usually a few of a selection): ascending
        # bit order is the selection's order, as bits follow declaration order.
        missing = ev.ids_in(self.sel.mask & ~met)
        short = tuple(
            (pid, pools[pi], size)
            for pid, pi, size in zip(
                self.sel.pool_ids, self.sel.pools, self.sel.pool_sizes, strict=True
            )
            if pools[pi] < size
        )
        credited: tuple[str, ...] = ()
        if self.years is not None:
            # met only thanks to an earlier assessment: say so in the explanation
            credited = ev.ids_in(self.sel.mask & met & ~env.met)
        return Trace(self.node, ok, count, self.n, self.sel.total, missing, short, credited)


class _And(_Node):
    __slots__ = ("items",)

    def __init__(self, node: Any, items: list[_Node]) -> None:
        super().__init__(node)
        self.items = items

    def holds(self, env: _Env) -> bool:
        return all(i.holds(env) for i in self.items)

    def trace(self, env: _Env, ev: Compiled) -> Trace:
        kids = tuple(i.trace(env, ev) for i in self.items)
        return Trace(self.node, all(k.holds for k in kids), children=kids)


class _Or(_And):
    __slots__ = ()

    def holds(self, env: _Env) -> bool:
        return any(i.holds(env) for i in self.items)

    def trace(self, env: _Env, ev: Compiled) -> Trace:
        kids = tuple(i.trace(env, ev) for i in self.items)
        return Trace(self.node, any(k.holds for k in kids), children=kids)


class _Not(_Node):
    __slots__ = ("item",)

    def __init__(self, node: Any, item: _Node) -> None:
        super().__init__(node)
        self.item = item

    def holds(self, env: _Env) -> bool:
        return not self.item.holds(env)

    def trace(self, env: _Env, ev: Compiled) -> Trace:
        kid = self.item.trace(env, ev)
        return Trace(self.node, not kid.holds, children=(kid,))


class _Implies(_Node):
    __slots__ = ("a", "b")

    def __init__(self, node: Any, a: _Node, b: _Node) -> None:
        super().__init__(node)
        self.a, self.b = a, b

    def holds(self, env: _Env) -> bool:
        return (not self.a.holds(env)) or self.b.holds(env)

    def trace(self, env: _Env, ev: Compiled) -> Trace:
        a, b = self.a.trace(env, ev), self.b.trace(env, ev)
        return Trace(self.node, (not a.holds) or b.holds, children=(a, b))


class _Level(_Node):
    __slots__ = ("op", "rank")

    def __init__(self, node: Any, op: str, rank: int) -> None:
        super().__init__(node)
        self.op, self.rank = op, rank

    def holds(self, env: _Env) -> bool:
        return bool(_CMP[self.op](env.rank, self.rank))


class _AwardRef(_Node):
    __slots__ = ("award",)

    def __init__(self, node: Any, award: str) -> None:
        super().__init__(node)
        self.award = award

    def holds(self, env: _Env) -> bool:
        return env.awards.get(self.award, False)


class _Fact(_Node):
    __slots__ = ("fact", "op", "value")

    def __init__(self, node: Any, fact: str, op: str | None, value: Any) -> None:
        super().__init__(node)
        self.fact, self.op, self.value = fact, op, value

    def holds(self, env: _Env) -> bool:
        v = env.facts[self.fact]
        if self.op is None:
            return bool(v)
        if v is None:  # an unknown date (no earlier assessment) satisfies no comparison
            return False
        return bool(_CMP[self.op](v, self.value))

    def trace(self, env: _Env, ev: Compiled) -> Trace:
        return Trace(self.node, self.holds(env), value=env.facts[self.fact])


class _YearsSince(_Fact):
    __slots__ = ()

    def holds(self, env: _Env) -> bool:
        start = env.facts[self.fact]
        if start is None:
            return False
        assert self.op is not None  # a years-since condition always compares
        return bool(_CMP[self.op](whole_years(start, env.on), self.value))


class _Const(_Node):
    __slots__ = ("value",)

    def __init__(self, node: Any, value: bool) -> None:
        super().__init__(node)
        self.value = value

    def holds(self, env: _Env) -> bool:
        return self.value


def date_key(d: dt.date) -> int:
    """A date as the integer ``yyyymmdd``, for the vectorised path.

    Such integers order like the dates, and the whole years between two dates are
    their difference floor-divided by 10000.
    """
    return d.year * 10000 + d.month * 100 + d.day


# -- the compiled evaluator ----------------------------------------------------------

#: Built-in facts computed from earlier assessments (unknown or 0 without any).
_HISTORY_FACTS = ("previous_assessed_on", "recognised_since", "consecutive_recognitions")
_NO_HISTORY_FACTS = {
    "previous_assessed_on": None,
    "recognised_since": None,
    "consecutive_recognitions": 0,
}


@frozen(eq=False)
class Layout:
    """Where a batch keeps each requirement and unnamed group of its organisations.

    ``bits`` maps named requirement ids to bit positions in the ``uint64`` words of
    the met masks (bit ``b`` is bit ``b % 64`` of word ``b // 64``); ``pools`` maps
    unnamed group ids to rows of the counts array. One layout covers every ruleset
    judging a batch, so an organisation's evidence is encoded once.
    """

    bits: Mapping[str, int]
    pools: Mapping[str, int]

    @property
    def words(self) -> int:
        """How many ``uint64`` words a mask takes."""
        return max(self.bits.values(), default=-1) // 64 + 1


def history_facts(ev: Evidence) -> dict[str, Any]:
    """The built-in facts computed from the evidence's date and earlier assessments.

    An earlier assessment counts as a recognition when it names a level other than
    ``none``, or names no level at all (older records often give only the date).
    """
    earlier = [h for h in ev.history if h.assessed_on <= ev.assessed_on]
    previous = max(h.assessed_on for h in earlier) if earlier else None
    since, count = recognition_run(ev.history, ev.assessed_on)
    return {
        "assessed_on": ev.assessed_on,
        "previous_assessed_on": previous,
        "recognised_since": since,
        "consecutive_recognitions": count,
    }


def recognition_run(
    history: Iterable[Any], on: dt.date, linked: bool = True
) -> tuple[dt.date | None, int]:
    """The unbroken run of earlier recognitions: its first date and how many.

    The one definition of "consecutive recognitions" (``evaluate``, ``explain``
    and ``lapse`` all call this): earlier assessments on or before ``on``, each
    a recognition (a level other than ``none``, or no level given), each within
    ``RECOGNITION_YEARS`` of the next. With ``linked``, the latest must also be
    within that time of ``on`` and a non-recognition ends the run at once;
    without (an organisation not recognised now), the run is the one ending
    with the latest earlier recognition.
    """
    earlier = sorted((h for h in history if h.assessed_on <= on), key=lambda h: h.assessed_on)
    run: list[dt.date] = []
    nxt: dt.date | None = on if linked else None
    for h in reversed(earlier):
        if h.level is not None and h.level == "none":
            if linked or run:
                break
            continue
        if nxt is not None and years_before(nxt, RECOGNITION_YEARS) > h.assessed_on:
            break
        run.append(h.assessed_on)
        nxt = h.assessed_on
    return (run[-1] if run else None), len(run)
