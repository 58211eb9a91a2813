"""Code generation: an evaluator's compiled plan → the text of one Python function.

Input → output: an ``Evaluator`` (its stages, nodes and selections) → the source
text of its scalar fast path (a function of one ``Evidence``, on frozensets) or
of its vectorised kernel (a numpy function of a chunk of organisations), with
the constants the text names. ``evaluate`` compiles the text once per evaluator.

The text is made from the checked model only: identifiers chosen here, operators
from a fixed table, integers written after an ``int`` check; every name or value
from a ruleset is a constant bound in the function's globals (``K0``, ``K1``, …),
never source text. See ``evaluate`` for why this is not ``eval`` of user input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from iiprules._evaluate.nodes import (
    _CMP,
    _HISTORY_FACTS,
    _And,
    _AwardRef,
    _Const,
    _Count,
    _Fact,
    _Implies,
    _Level,
    _Node,
    _Not,
    _Or,
    _Sel,
    _YearsSince,
)
from iiprules.diagnostics import EvaluationError

if TYPE_CHECKING:
    # What codegen reads of an evaluate.Evaluator (importing evaluate would close a circle).
    from iiprules._evaluate.nodes import Compiled as Evaluator


#: The language's comparison operators as Python writes them (the only operators emitted).
_PY_OPS = {">=": ">=", ">": ">", "<=": "<=", "<": "<", "=": "==", "!=": "!="}

#: Above this size the generated text computes shared parts eagerly instead of on demand
#: (on-demand sharing repeats a part's text at each use, which could grow quickly for
#: long chains of derived requirements).
_MAX_LAZY_SOURCE = 400_000


#: Up to this many bits of answer code, every Verdict is made at compile time, in a list.
_MAX_VERDICT_TABLE_BITS = 10


def _int(x: Any) -> str:
    # Integers are the only values written into the text, after this check.
    if type(x) is not int:
        raise EvaluationError(f"cannot compile a count of {x!r}")
    return str(x)


#: Terms per group when a long chain is compiled (see ``join``).
_JOIN_GROUP = 32


class _Temp:
    """A part of the generated code computed once and shared where it is used."""

    __slots__ = ("code", "name", "uses")

    def __init__(self, name: str, code: tuple[Any, ...]) -> None:
        self.name = name
        self.code = code
        self.uses = 0


class _Gen:
    """Translates an evaluator's plan into source text; backends say how to write each part.

    Code is built as tuples of text and ``_Temp`` parts; a temp used once is
    written in place, a temp used more than once is computed once.
    """

    TRUE = "True"
    FALSE = "False"
    #: Whether the backend returns early when the first level fails (see ``unranked``).
    EARLY_EXIT = False

    def __init__(self, ev: Evaluator) -> None:
        self.ev = ev
        self.consts: dict[str, Any] = {}
        self._const_keys: dict[Any, str] = {}
        self.temps: list[_Temp] = []
        self._temp_keys: dict[Any, _Temp] = {}
        self.specials = {rid for rid, _b, _c in ev._applies} | {rid for rid, _b, _s in ev._derived}
        # The code for whether a special requirement (with 'applies when', or derived)
        # counts as met at the current stage; derived ones start unmet.
        self.state: dict[str, Any] = {
            rid: (self.FALSE,) if rid in ev._derived_ids else self.raw(rid) for rid in self.specials
        }
        self.all_parts: dict[_Temp, tuple[frozenset[str], tuple[Any, ...], tuple[Any, ...]]] = {}
        self.stage = "applies"
        self.floor: int | None = None
        self.award_code: dict[str, Any] = {}
        self.facts: dict[str, str] = {}

    # plumbing
    def const(self, value: Any, key: Any = None) -> str:
        k = key if key is not None else (type(value).__name__, value)
        name = self._const_keys.get(k)
        if name is None:
            name = f"K{len(self.consts)}"
            self.consts[name] = value
            self._const_keys[k] = name
        return name

    def temp(self, key: Any, build: Callable[[], tuple[Any, ...]]) -> _Temp:
        t = self._temp_keys.get(key)
        if t is None:
            code = build()  # first: it may make the temps it uses
            t = _Temp(f"t{len(self.temps)}", code)
            self.temps.append(t)
            self._temp_keys[key] = t
        return t

    #: The backend's conjunction and disjunction operators (``and``/``or`` on sets,
    #: ``&``/``|`` on packed words); the constant folding around them is shared.
    AND: str
    OR: str

    def and_(self, codes: Sequence[tuple[Any, ...]]) -> tuple[Any, ...]:
        codes = [c for c in codes if c != (self.TRUE,)]
        if any(c == (self.FALSE,) for c in codes):
            return (self.FALSE,)
        return self.join(codes, self.AND, self.TRUE)

    def or_(self, codes: Sequence[tuple[Any, ...]]) -> tuple[Any, ...]:
        codes = [c for c in codes if c != (self.FALSE,)]
        if any(c == (self.TRUE,) for c in codes):
            return (self.TRUE,)
        return self.join(codes, self.OR, self.FALSE)

    def join(self, codes: Sequence[tuple[Any, ...]], sep: str, empty: str) -> tuple[Any, ...]:
        if not codes:
            return (empty,)
        if len(codes) == 1:
            return codes[0]
        if len(codes) > _JOIN_GROUP:
            # Python compiles ``a & b & c ...`` into a left-leaning tree as deep as the
            # chain: 3,000 terms overflow the compiler's stack. Grouping keeps the
            # depth logarithmic; the operators are associative, so the value is the
            # same (a sum repeats its typed zero in every group, so it cannot wrap).
            zero = [codes[0]] if codes[0] in (("_Z16",), ("_Z32",)) else []
            groups = [
                self.join([*(zero if i else []), *codes[i : i + _JOIN_GROUP]], sep, empty)
                for i in range(0, len(codes), _JOIN_GROUP)
            ]
            return self.join(groups, sep, empty)
        out: list[Any] = ["("]
        for i, c in enumerate(codes):
            if i:
                out.append(sep)
            out.extend(c)
        out.append(")")
        return tuple(out)

    def cmp(self, a: tuple[Any, ...], op: str, n: int) -> tuple[Any, ...]:
        return ("(", *a, f" {_PY_OPS[op]} ", _int(n), ")")

    # selections
    def split(
        self, sel: _Sel
    ) -> tuple[frozenset[str], list[tuple[str, Any]], list[tuple[int, int]]]:
        base = frozenset(i for i in sel.ids if i not in self.specials)
        specials = [(i, self.state[i]) for i in sel.ids if i in self.specials]
        return base, specials, list(zip(sel.pools, sel.pool_sizes, strict=True))

    def flatten_all(
        self, base: frozenset[str], specials: list[tuple[str, Any]], pools: list[tuple[int, int]]
    ) -> tuple[frozenset[str], list[tuple[str, Any]], list[tuple[int, int]]]:
        # "all of" a derived requirement's mapping is itself an "all of": merge it in,
        # so that "all of part lm_model" becomes one subset test.
        out_base, out_specials, out_pools = set(base), [], dict(pools)
        stack = list(reversed(specials))
        seen: set[int] = set()
        while stack:
            rid, code = stack.pop()
            parts = self.all_parts.get(code[0]) if len(code) == 1 else None
            if parts is None:
                out_specials.append((rid, code))
                continue
            if id(code[0]) in seen:
                continue
            seen.add(id(code[0]))
            b, s, p = parts
            out_base |= b
            stack.extend(reversed(s))
            out_pools.update(p)
        return frozenset(out_base), out_specials, list(out_pools.items())

    def count_node(self, c: _Count) -> tuple[Any, ...]:
        sel, op, n, years = c.sel, c.op, c.n, c.years
        total = sel.total
        if (op in ("=", ">=") and n == total) or (op == ">" and n == total - 1):
            return self.all_of(sel, years)
        if (op in ("=", "<=") and n == 0) or (op == "<" and n == 1):
            return self.none_of(sel, years)
        if (op == ">=" and n == 1) or (op in (">", "!=") and n == 0):
            return self.any_of(sel, years)
        return self.cmp(self.count_of(sel, years), op, n)

    def all_of(self, sel: _Sel, years: int | None) -> tuple[Any, ...]:
        base, specials, pools = self.split(sel)
        counted = self._temp_keys.get(self.count_key(base, specials, pools, years))
        if counted is not None:  # the count is made already: "all" is "count = size"
            return self.cmp((counted,), "=", sel.total)
        if years is None:
            base, specials, pools = self.flatten_all(base, specials, pools)
        key = ("all", base, tuple(id(c[0]) if len(c) == 1 else c for _r, c in specials),
               tuple(pools), years)  # fmt: skip
        parts: list[tuple[Any, ...]] = []
        if base:
            parts.append(self.base_all(base, years))
        parts.extend(self.special(rid, code, years) for rid, code in specials)
        parts.extend(self.pool_cmp(pi, "=", size, years) for pi, size in pools)
        if len(parts) <= 1:
            return self.join(parts, " and ", self.TRUE)
        t = self.temp(key, lambda: self.and_(parts))
        return (t,)

    def none_of(self, sel: _Sel, years: int | None) -> tuple[Any, ...]:
        base, specials, pools = self.split(sel)
        parts: list[tuple[Any, ...]] = []
        if base:
            parts.append(self.base_none(base, years))
        parts.extend(self.not_(self.special(rid, code, years)) for rid, code in specials)
        parts.extend(self.pool_cmp(pi, "=", 0, years) for pi, _size in pools)
        return self.and_(parts)

    def any_of(self, sel: _Sel, years: int | None) -> tuple[Any, ...]:
        base, specials, pools = self.split(sel)
        parts: list[tuple[Any, ...]] = []
        if base:
            parts.append(self.base_any(base, years))
        parts.extend(self.special(rid, code, years) for rid, code in specials)
        parts.extend(self.pool_cmp(pi, ">", 0, years) for pi, _size in pools)
        return self.or_(parts)

    @staticmethod
    def count_key(
        base: frozenset[str], specials: list[tuple[str, Any]], pools: list[tuple[int, int]],
        years: int | None,
    ) -> tuple[Any, ...]:  # fmt: skip
        return ("count", base, tuple(c for _r, c in specials), tuple(pools), years)

    def count_of(self, sel: _Sel, years: int | None) -> tuple[Any, ...]:
        base, specials, pools = self.split(sel)
        key = self.count_key(base, specials, pools, years)

        def build() -> tuple[Any, ...]:
            parts: list[tuple[Any, ...]] = []
            if base:
                parts.append(self.base_count(base, years))
            parts.extend(self.special(rid, code, years) for rid, code in specials)
            parts.extend(self.pool(pi, years) for pi, _size in pools)
            return self.add(parts, sel.total)

        return (self.temp(key, build),)

    # conditions
    def cond(self, c: _Node) -> tuple[Any, ...]:
        match c:
            case _Count():
                return self.count_node(c)
            case _Or(items=items):
                return self.or_([self.cond(i) for i in items])
            case _And(items=items):
                return self.and_([self.cond(i) for i in items])
            case _Not(item=i):
                return self.not_(self.cond(i))
            case _Implies(a=a, b=b):
                return self.or_([self.not_(self.cond(a)), self.cond(b)])
            case _Level(op=op, rank=r):
                if self.stage in ("applies", "derived", "unranked"):
                    # no level is reached (yet): the rank is -1 ('none')
                    return (self.TRUE,) if _CMP[op](-1, r) else (self.FALSE,)
                if self.floor is not None:
                    # past the early exit the rank is at least `floor`: maybe decided already
                    seen = {_CMP[op](x, r) for x in range(self.floor, len(self.ev._levels))}
                    if len(seen) == 1:
                        return (self.TRUE,) if seen.pop() else (self.FALSE,)
                return self.cmp(("rank",), op, r)
            case _AwardRef(award=a):
                return self.award_code.get(a, (self.FALSE,))  # type: ignore[no-any-return]
            case _YearsSince(fact=f, op=op, value=n):
                return self.years_since(f, op, n)  # type: ignore[arg-type]
            case _Fact(fact=f, op=None):
                return self.fact_true(f)
            case _Fact(fact=f, op=op, value=v):
                return self.fact_cmp(f, op, v)  # type: ignore[arg-type]
            case _Const(value=v):
                return (self.TRUE,) if v else (self.FALSE,)
        raise EvaluationError(f"cannot compile {c.node!r}", getattr(c.node, "span", None))

    def state_temps(self) -> set[Any]:
        """The temps that stand for a special requirement's own state."""
        return {c[0] for c in self.state.values() if len(c) == 1 and isinstance(c[0], _Temp)}

    def plan(self) -> tuple[list[Any], list[Any], list[Any], list[Any], list[Any]]:
        """Walk the stages in order; the codes of every decision, applies flag and derived flag."""
        ev = self.ev
        applies = []
        for rid, _bit, node in ev._applies:
            code = self.cond(node)
            a = self.temp(("applies", code), lambda code=code: code)  # type: ignore[misc]
            applies.append((a,))
            raw = self.raw(rid) if rid not in ev._derived_ids else (self.FALSE,)
            self.state[rid] = (
                self.temp(("na", rid), lambda raw=raw, a=a: self.or_([raw, self.not_((a,))])),  # type: ignore[misc]
            )
        self.stage = "derived"
        derived = []
        for rid, _bit, sel in ev._derived:
            d = self.all_of(sel, None)
            if len(d) != 1 or not isinstance(d[0], _Temp) or d[0] in self.state_temps():
                # A mapping onto a single special requirement returns that
                # requirement's own temp; registering it below as "all of its
                # parts" would make it contain itself and drop it when flattened.
                d = (self.temp(("derived", rid, d), lambda d=d: d),)  # type: ignore[misc]
            if d[0] not in self.all_parts:
                base, specials, pools = self.flatten_all(*self.split(sel))
                self.all_parts[d[0]] = (base, tuple(specials), tuple(pools))
            derived.append(d)
            before = self.state[rid]
            self.state[rid] = d if before == (self.FALSE,) else self.or_([before, d])
        self.stage = "levels"
        levels = []
        for i, (_lv, node) in enumerate(ev._levels):
            levels.append(self.cond(node))
            if i == 0 and self.EARLY_EXIT and self.early_exit():
                self.floor = 0  # the code after the first level runs only when it holds
        self.stage = "awards"
        awards = {}
        for aw, node in ev._awards:
            code = self.cond(node)
            awards[aw.id] = code
            self.award_code[aw.id] = ("A_" + str(len(self.award_code)),)
        self.stage = "invariants"
        invariants = [self.cond(node) for _inv, node in ev._invariants]
        return levels, list(awards.values()), invariants, applies, derived

    def early_exit(self) -> bool:
        """Whether no level can be reached once the first fails (each later one needs a level)."""
        ev = self.ev
        return bool(ev._levels) and all(_guarded(node) for _lv, node in ev._levels[1:])

    def unranked(self) -> tuple[list[Any], list[Any]] | None:
        """The awards' and invariants' codes for when the first level fails, or None.

        Only when no level can be reached then (every later level needs a level).

        This is the early exit a hand-written function takes: a decision with a
        conjunct such as ``level >= standard`` is false, the others need no rank.
        """
        ev = self.ev
        if not self.EARLY_EXIT or not self.early_exit():
            return None
        saved = self.stage, self.award_code, self.floor
        self.stage, self.award_code, self.floor = "unranked", {}, None
        awards = []
        for _aw, node in ev._awards:
            awards.append((self.FALSE,) if _guarded(node) else self.cond(node))
            self.award_code[_aw.id] = ("A_" + str(len(self.award_code)),)
        invariants = [
            (self.FALSE,) if _guarded(node) else self.cond(node) for _inv, node in ev._invariants
        ]
        self.stage, self.award_code, self.floor = saved
        return awards, invariants

    # backend hooks
    def raw(self, rid: str) -> tuple[Any, ...]:  # pragma: no cover - abstract
        raise NotImplementedError

    def not_(self, code: tuple[Any, ...]) -> tuple[Any, ...]:  # pragma: no cover
        raise NotImplementedError

    def add(
        self, codes: Sequence[tuple[Any, ...]], total: int
    ) -> tuple[Any, ...]:  # pragma: no cover
        raise NotImplementedError

    def base_all(
        self, base: frozenset[str], years: int | None
    ) -> tuple[Any, ...]:  # pragma: no cover
        raise NotImplementedError

    def base_none(
        self, base: frozenset[str], years: int | None
    ) -> tuple[Any, ...]:  # pragma: no cover
        raise NotImplementedError

    def base_any(
        self, base: frozenset[str], years: int | None
    ) -> tuple[Any, ...]:  # pragma: no cover
        raise NotImplementedError

    def base_count(
        self, base: frozenset[str], years: int | None
    ) -> tuple[Any, ...]:  # pragma: no cover
        raise NotImplementedError

    def special(
        self, rid: str, code: tuple[Any, ...], years: int | None
    ) -> tuple[Any, ...]:  # pragma: no cover
        raise NotImplementedError

    def pool(self, pi: int, years: int | None) -> tuple[Any, ...]:  # pragma: no cover
        raise NotImplementedError

    def pool_cmp(self, pi: int, op: str, n: int, years: int | None) -> tuple[Any, ...]:
        return self.cmp(self.pool(pi, years), op, n)

    def fact_true(self, name: str) -> tuple[Any, ...]:  # pragma: no cover
        raise NotImplementedError

    def fact_cmp(self, name: str, op: str, value: Any) -> tuple[Any, ...]:  # pragma: no cover
        raise NotImplementedError

    def years_since(self, name: str, op: str, n: int) -> tuple[Any, ...]:  # pragma: no cover
        raise NotImplementedError

    # rendering
    @staticmethod
    def count_uses(roots: Iterable[tuple[Any, ...]]) -> None:
        stack = [c for r in roots for c in r]
        while stack:
            part = stack.pop()
            if isinstance(part, _Temp):
                part.uses += 1
                if part.uses == 1:
                    stack.extend(part.code)


def _guarded(node: _Node) -> bool:
    """Whether a condition is false when no level is reached (a conjunct like ``level >= X``)."""
    items = node.items if type(node) is _And else [node]
    return any(isinstance(i, _Level) and not _CMP[i.op](-1, i.rank) for i in items)


class SetGen(_Gen):
    """The scalar backend: Python over the evidence's frozenset of ids and a few counters.

    Everything but the evidence's ids is read on demand: unnamed-group counts,
    facts, history facts and credits are shared parts computed at first use.
    """

    AND, OR = " and ", " or "

    EARLY_EXIT = True

    def raw(self, rid: str) -> tuple[Any, ...]:
        return ("(", self.const(rid), " in met)")

    def not_(self, code: tuple[Any, ...]) -> tuple[Any, ...]:
        if code == (self.TRUE,):
            return (self.FALSE,)
        if code == (self.FALSE,):
            return (self.TRUE,)
        if code[0] == "(not not ":  # a fact's truth: 'not (not not f)' is 'not f'
            return ("(not ", *code[1:])
        return ("(not ", *code, ")")

    def add(self, codes: Sequence[tuple[Any, ...]], total: int) -> tuple[Any, ...]:
        return self.join(codes, " + ", "0")

    def credit(self, years: int) -> _Temp:
        # (met now or as a credit, group counts with credits, ids met only as credits)
        def build() -> tuple[Any, ...]:
            pools: list[Any] = ["("]
            for pi in range(len(self.ev.pool_sizes)):
                pools.extend((*self.pool(pi, None), ", "))
            pools.append(")")
            y = _int(years)
            return ("(_credit(met, ", *pools, f", ev.history, ev.assessed_on, {y}) if ev.history "
                    "else (met, ", *pools, ", _EMPTY))")  # fmt: skip

        return self.temp(("credit", years), build)

    def source(self, years: int | None) -> tuple[Any, ...]:
        if years is None:
            return ("met",)
        return (self.credit(years), "[0]")

    def base_all(self, base: frozenset[str], years: int | None) -> tuple[Any, ...]:
        src = self.source(years)
        if len(base) == 1:
            return ("(", self.const(next(iter(base))), " in ", *src, ")")
        return ("(", self.const(base), " <= ", *src, ")")

    def base_none(self, base: frozenset[str], years: int | None) -> tuple[Any, ...]:
        src = self.source(years)
        if len(base) == 1:
            return ("(", self.const(next(iter(base))), " not in ", *src, ")")
        return (self.const(base), ".isdisjoint(", *src, ")")

    def base_any(self, base: frozenset[str], years: int | None) -> tuple[Any, ...]:
        src = self.source(years)
        if len(base) == 1:
            return ("(", self.const(next(iter(base))), " in ", *src, ")")
        return ("(not ", self.const(base), ".isdisjoint(", *src, "))")

    def base_count(self, base: frozenset[str], years: int | None) -> tuple[Any, ...]:
        src = self.source(years)
        if len(base) == 1:
            return ("(", self.const(next(iter(base))), " in ", *src, ")")
        # Evidence usually meets most of a selection: the difference is the small set.
        return ("(", _int(len(base)), " - len(", self.const(base), " - ", *src, "))")

    def special(self, rid: str, code: tuple[Any, ...], years: int | None) -> tuple[Any, ...]:
        if years is None:
            return code
        return self.or_([code, ("(", self.const(rid), " in ", self.credit(years), "[2])")])

    def pool(self, pi: int, years: int | None) -> tuple[Any, ...]:
        if years is not None:
            return (self.credit(years), f"[1][{_int(pi)}]")
        size = _int(self.ev.pool_sizes[pi])
        key = self.const(self.ev.pool_ids[pi])
        # capped at the group's size, as validation already ensures
        return (
            self.temp(
                ("pool", pi),
                lambda: (f"(_x if (_x := ev.unnamed_met.get({key}, 0)) <= {size} else {size})",),
            ),
        )

    def fact(self, name: str) -> tuple[Any, ...]:
        def build() -> tuple[Any, ...]:
            if name == "assessed_on":
                return ("ev.assessed_on",)
            if name in _HISTORY_FACTS:
                hf = self.temp("history facts", lambda: ("(_hfacts(ev) if ev.history else _NOHF)",))
                return (hf, "[", self.const(name), "]")
            fact = self.ev._facts.get(name)
            default = fact.default if fact is not None else None
            return ("ev.facts.get(", self.const(name), ", ", self.const(default), ")")

        return (self.temp(("fact", name), build),)

    def fact_true(self, name: str) -> tuple[Any, ...]:
        return ("(not not ", *self.fact(name), ")")

    def fact_cmp(self, name: str, op: str, value: Any) -> tuple[Any, ...]:
        # An unknown value (no earlier assessment) satisfies no comparison.
        return ("((_v := ", *self.fact(name), f") is not None and _v {_PY_OPS[op]} ",
                self.const(value), ")")  # fmt: skip

    def years_since(self, name: str, op: str, n: int) -> tuple[Any, ...]:
        return ("((_v := ", *self.fact(name), ") is not None and "
                f"_wy(_v, ev.assessed_on) {_PY_OPS[op]} {_int(n)})")  # fmt: skip

    def render(self, code: tuple[Any, ...], lazy: bool) -> str:
        out: list[str] = []
        stack: list[Any] = list(reversed(code))
        while stack:
            part = stack.pop()
            if isinstance(part, str):
                out.append(part)
            elif part.uses > 1:
                if lazy:
                    out.append(f"({part.name} if {part.name} is not None else ({part.name} := ")
                    stack.append("))")
                    stack.extend(reversed(part.code))
                else:
                    out.append(part.name)
            else:
                stack.extend(reversed(part.code))
        return "".join(out)

    def function(self, full: bool) -> str:
        """The text of ``_fn(ev)`` (``full``: also every level, applies flag and derived flag)."""
        levels, awards_eval, invariants, applies, derived = self.plan()
        early = self.unranked()
        # Facts without a default are checked on every call, as the explained path does.
        checks = [(name, self.fact(name)) for name in self.ev._missing_check]
        roots = [*levels, *awards_eval, *invariants, *(c for _n, c in checks)]
        if early is not None:
            roots += [*early[0], *early[1]]
        if full:
            roots += [*applies, *derived] * (2 if early is not None else 1)
        self.count_uses(roots)
        args = (full, levels, awards_eval, invariants, applies, derived, checks, early)
        text = self._text(True, *args)
        if len(text) > _MAX_LAZY_SOURCE:
            text = self._text(False, *args)
        return text

    def _text(
        self,
        lazy: bool,
        full: bool,
        levels: list[Any],
        awards_eval: list[Any],
        invariants: list[Any],
        applies: list[Any],
        derived: list[Any],
        checks: list[tuple[str, Any]],
        early: tuple[list[Any], list[Any]] | None,
    ) -> str:
        body = ["met = ev.met"]
        shared = [t for t in self.temps if t.uses > 1]
        if lazy and shared:
            body.append(" = ".join(t.name for t in shared) + " = None")
        elif not lazy:
            body.extend(f"{t.name} = {self.render(t.code, False)}" for t in shared)
        for name, code in checks:
            body.append(f"if {self.render(code, lazy)} is None: _missing({self.const(name)})")
        body.append("rank = -1")
        for i, code in enumerate(levels):
            test = self.render(code, lazy)
            if full:  # every level's answer is returned: keep it
                body.append(f"L{i} = {test}")
                test = f"L{i}"
            if i == 0 and early is not None:
                # No level at all: what follows needs no rank; the rest are false.
                body.append(f"if not {test}:")
                tail = self._tail(lazy, full, len(levels), early[0], early[1], applies, derived, 0)
                body.extend("    " + line for line in tail)
                body.append("rank = 0")
            else:
                body.append(f"if {test}: rank = {i}")
        body.extend(
            self._tail(lazy, full, len(levels), awards_eval, invariants, applies, derived, None)
        )
        return "def _fn(ev):\n    " + "\n    ".join(body) + "\n"

    def _tail(
        self,
        lazy: bool,
        full: bool,
        n_levels: int,
        awards_eval: list[Any],
        invariants: list[Any],
        applies: list[Any],
        derived: list[Any],
        only_first: int | None,
    ) -> list[str]:
        """Awards, invariants and the return statement (``only_first``: levels after it false)."""
        ev = self.ev
        body = [f"A_{i} = {self.render(code, lazy)}" for i, code in enumerate(awards_eval)]
        body.extend(f"I{i} = {self.render(code, lazy)}" for i, code in enumerate(invariants))
        order = {a.id: i for i, (a, _n) in enumerate(ev._awards)}
        aw = "".join(f"A_{order[a]}, " for a in ev.award_ids)
        inv = "".join(f"I{i}, " for i in range(len(invariants)))
        if full:
            lv = "".join(
                f"L{i}, " if only_first is None or i <= only_first else "False, "
                for i in range(n_levels)
            )
            ap = "".join(self.render(c, lazy) + ", " for c in applies)
            de = "".join(self.render(c, lazy) + ", " for c in derived)
            body.append(f"return (({lv}), rank, ({aw}), ({inv}), ({ap}), ({de}))")
        elif only_first is not None and all(
            c in ((self.TRUE,), (self.FALSE,)) for c in (*awards_eval, *invariants)
        ):
            # every answer is known here: return its Verdict, made now
            shift = (n_levels + 1).bit_length()
            code = 0  # rank + 1, with rank -1
            by_order = {a.id: awards_eval[i] for i, (a, _n) in enumerate(ev._awards)}
            flags_c = [by_order[a] == (self.TRUE,) for a in ev.award_ids]
            flags_c += [c == (self.TRUE,) for c in invariants]
            for i, f in enumerate(flags_c):
                code |= int(f) << (shift + i)
            body = [f"return {self.const(ev._verdict(code), ('verdict', code))}"]
        else:
            # One shared Verdict per distinct answer, found by a small integer: in a table
            # made now when there are few answers, else made as they come.
            flags = [f"A_{order[a]}" for a in ev.award_ids]
            flags += [f"I{i}" for i in range(len(invariants))]
            shift = (n_levels + 1).bit_length()
            code = " + ".join(["rank + 1", *(f"({f} << {shift + i})" for i, f in enumerate(flags))])  # type: ignore[assignment]
            if shift + len(flags) <= _MAX_VERDICT_TABLE_BITS:
                low = (1 << shift) - 1  # rank + 1 sits in the low bits; some values are never used
                table = [
                    ev._verdict(c) if (c & low) <= n_levels else None
                    for c in range(1 << (shift + len(flags)))
                ]
                body.append(f"return {self.const(table, ('verdicts', len(table)))}[{code}]")
            else:
                body.append(f"c = {code}")
                body.append("v = _VERDICTS.get(c)")
                body.append("return v if v is not None else _verdict(c)")
        return body
