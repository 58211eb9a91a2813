"""Code generation, vectorised backend: an evaluator's plan → a numpy function of a chunk.

Input → output: an ``Evaluator`` and a ``Layout`` → the source text of a function
over packed ``uint64`` masks of a chunk of organisations (words × organisations),
their unnamed-group counts, facts and assessment dates, with the constants the
text names. Kept apart from the scalar backend (``codegen``) so that each stays
readable; the plan they both translate is ``codegen._Gen``'s. The same safety
rules hold: identifiers chosen here, operators from a fixed table, integers
written after an ``int`` check, every value from a ruleset a bound constant.

With ``history=True`` the function also takes ``H``: per organisation, the masks
and counts credited from earlier assessments within each window the rules use
(``cm<years>``, ``cp<years>``) and the built-in history facts as ``yyyymmdd``
integers, 0 when unknown (``prev``, ``since``) and a count (``consec``). Built by
``_batch.judge`` for chunks whose rows have earlier assessments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from iiprules._evaluate.codegen import _PY_OPS, _Gen, _int
from iiprules._evaluate.nodes import date_key

if TYPE_CHECKING:
    # What the generator reads of an evaluate.Evaluator (importing evaluate would close a circle).
    from iiprules._evaluate.nodes import Compiled as Evaluator
    from iiprules._evaluate.nodes import Layout


class VecGen(_Gen):
    """The vectorised backend: numpy over packed masks of a chunk of organisations.

    Inputs: ``M`` (``uint64`` words × organisations, bits placed by a ``Layout``),
    ``P`` (unnamed-group counts × organisations), ``F`` (fact name → array or
    scalar; dates as ``yyyymmdd`` integers), ``ON`` (assessment dates, ``yyyymmdd``)
    and ``n``; with ``history``, also ``H`` (see the module). Without it, credits add
    nothing and the history facts are unknown, as for organisations with no earlier
    assessment.
    """

    AND, OR = " & ", " | "

    TRUE = "_TRUE"
    FALSE = "_FALSE"

    #: The built-in history facts and the names of their arrays in ``H``.
    HISTORY_VARS: ClassVar[dict[str, str]] = {
        "previous_assessed_on": "prev",
        "recognised_since": "since",
        "consecutive_recognitions": "consec",
    }

    def __init__(self, ev: Evaluator, layout: Layout, history: bool = False) -> None:
        self.layout = layout
        self.history = history
        self.words_used: set[int] = set()
        self.pool_rows: dict[int, str] = {}
        self.credit_words: set[tuple[int, int]] = set()
        self.credit_pools: set[tuple[int, int]] = set()
        self.history_vars: set[str] = set()
        super().__init__(ev)

    def src(self, w: int, years: int | None) -> str:
        """The variable holding word ``w``: met now, or met now or as a credit."""
        if years is None or not self.history:
            return f"m{w}"
        self.credit_words.add((years, w))
        return f"c{_int(years)}_{w}"

    def word_masks(self, ids: Iterable[str]) -> dict[int, int]:
        out: dict[int, int] = {}
        for rid in ids:
            pos = self.layout.bits[rid]
            out[pos >> 6] = out.get(pos >> 6, 0) | (1 << (pos & 63))
        self.words_used.update(out)
        return out

    def mask_const(self, mask: int) -> str:
        import numpy as np

        return self.const(np.uint64(mask), ("u64", mask))

    def raw(self, rid: str) -> tuple[Any, ...]:
        ((w, mask),) = self.word_masks([rid]).items()
        return (f"((m{w} & ", self.mask_const(mask), ") != 0)")

    def not_(self, code: tuple[Any, ...]) -> tuple[Any, ...]:
        if code == (self.TRUE,):
            return (self.FALSE,)
        if code == (self.FALSE,):
            return (self.TRUE,)
        return ("(~", *code, ")")

    def add(self, codes: Sequence[tuple[Any, ...]], total: int) -> tuple[Any, ...]:
        # Start from a typed zero: numpy adds booleans as "or", and popcounts are uint8.
        zero = "_Z16" if total < 2**15 else "_Z32"
        return self.join([(zero,), *codes], " + ", zero)

    def base_all(self, base: frozenset[str], years: int | None) -> tuple[Any, ...]:
        parts: list[tuple[Any, ...]] = []
        for w, mask in sorted(self.word_masks(base).items()):
            k = self.mask_const(mask)
            v = self.src(w, years)
            if mask & (mask - 1):
                parts.append((f"(({v} & ", k, ") == ", k, ")"))
            else:
                parts.append((f"(({v} & ", k, ") != 0)"))
        return self.and_(parts)

    def base_none(self, base: frozenset[str], years: int | None) -> tuple[Any, ...]:
        return self.and_(
            [
                (f"(({self.src(w, years)} & ", self.mask_const(mask), ") == 0)")
                for w, mask in sorted(self.word_masks(base).items())
            ]
        )

    def base_any(self, base: frozenset[str], years: int | None) -> tuple[Any, ...]:
        return self.or_(
            [
                (f"(({self.src(w, years)} & ", self.mask_const(mask), ") != 0)")
                for w, mask in sorted(self.word_masks(base).items())
            ]
        )

    def base_count(self, base: frozenset[str], years: int | None) -> tuple[Any, ...]:
        # Typed zero first, so the uint8 popcounts add up without wrapping.
        zero = "_Z16" if len(base) < 2**15 else "_Z32"
        return self.join(
            [(zero,)]
            + [
                (f"_bc({self.src(w, years)} & ", self.mask_const(mask), ")")
                for w, mask in sorted(self.word_masks(base).items())
            ],
            " + ",
            zero,
        )

    def special(self, rid: str, code: tuple[Any, ...], years: int | None) -> tuple[Any, ...]:
        if years is None or not self.history:
            return code
        # met at this stage, or met at an earlier assessment within the window
        ((w, mask),) = self.word_masks([rid]).items()
        return self.or_([code, (f"(({self.src(w, years)} & ", self.mask_const(mask), ") != 0)")])

    def pool(self, pi: int, years: int | None) -> tuple[Any, ...]:
        if years is not None and self.history:
            self.credit_pools.add((years, pi))
            return (f"cq{_int(years)}_{pi}",)
        name = self.pool_rows.setdefault(pi, f"q{pi}")
        return (name,)

    def fact_value(self, name: str) -> str | None:
        if name == "assessed_on":
            return "ON"
        if name in self.HISTORY_VARS:
            if not self.history:
                # no earlier assessment: dates unknown, no recognitions in a row
                return "_Z16" if name == "consecutive_recognitions" else None
            self.history_vars.add(name)
            return f"h_{self.HISTORY_VARS[name]}"
        var = self.facts.get(name)
        if var is None:
            var = self.facts[name] = f"f{len(self.facts)}"
        return var

    def known(self, name: str, test: tuple[Any, ...]) -> tuple[Any, ...]:
        """A test on a history date, false where the date is unknown (0)."""
        if self.history and name in ("previous_assessed_on", "recognised_since"):
            return self.and_([(f"({self.fact_value(name)} != 0)",), test])
        return test

    def fact_true(self, name: str) -> tuple[Any, ...]:
        v = self.fact_value(name)
        if v is None:
            return (self.FALSE,)
        if self.history and name in ("previous_assessed_on", "recognised_since"):
            return (f"({v} != 0)",)
        fact = self.ev._facts.get(name)
        if fact is not None and fact.type == "boolean":
            return (v,)
        if fact is not None and fact.type == "date":
            return (self.TRUE,)
        return (f"({v} != 0)",)

    def fact_cmp(self, name: str, op: str, value: Any) -> tuple[Any, ...]:
        v = self.fact_value(name)
        if v is None:
            return (self.FALSE,)
        return self.known(name, (f"({v} {_PY_OPS[op]} ", self.const(_vector_value(value)), ")"))

    def years_since(self, name: str, op: str, n: int) -> tuple[Any, ...]:
        v = self.fact_value(name)
        if v is None:
            return (self.FALSE,)
        # yyyymmdd integers: whole years are the difference floor-divided by 10000
        return self.known(name, (f"(((ON - {v}) // 10000) {_PY_OPS[op]} {_int(n)})",))

    def render(self, code: tuple[Any, ...]) -> str:
        out: list[str] = []
        stack: list[Any] = list(reversed(code))
        while stack:
            part = stack.pop()
            if isinstance(part, str):
                out.append(part)
            elif part.uses > 1:
                out.append(part.name)
            else:
                stack.extend(reversed(part.code))
        return "".join(out)

    def function(self, full: bool = False) -> str:
        """The text of ``_fn(M, P, F, ON, n, H=None) -> (rank, awards, invariants)``.

        ``full``: also every level's answer, and per organisation whether each
        ``applies when`` requirement applies and each derived requirement holds (what
        an ``Outcome`` reports), as ``(rank, awards, invariants, levels, applies, derived)``.
        """
        ev = self.ev
        levels, awards_eval, invariants, applies, derived = self.plan()
        roots = [*levels, *awards_eval, *invariants]
        if full:
            roots += [*applies, *derived]
        self.count_uses(roots)
        body = [f"m{w} = M[{_int(w)}]" for w in sorted(self.words_used)]
        for pi, name in sorted(self.pool_rows.items()):
            row = self.layout.pools[ev.pool_ids[pi]]
            body.append(f"{name} = P[{_int(row)}]")
        for years, w in sorted(self.credit_words):
            body.append(f"c{_int(years)}_{w} = H[{self.const(f'cm{years}')}][{_int(w)}]")
        for years, pi in sorted(self.credit_pools):
            row = self.layout.pools[ev.pool_ids[pi]]
            body.append(f"cq{_int(years)}_{pi} = H[{self.const(f'cp{years}')}][{_int(row)}]")
        for name in sorted(self.history_vars):
            var = self.HISTORY_VARS[name]
            body.append(f"h_{var} = H[{self.const(var)}]")
        body.extend(f"{var} = F[{self.const(name)}]" for name, var in self.facts.items())
        body.extend(f"{t.name} = {self.render(t.code)}" for t in self.temps if t.uses > 1)
        body.append("rank = _full(n, -1, _I8)")
        for i, code in enumerate(levels):
            body.append(f"L{i} = _arr({self.render(code)}, n)")
            body.append(f"rank[L{i}] = {i}")
        body.extend(f"A_{i} = _arr({self.render(code)}, n)" for i, code in enumerate(awards_eval))
        body.extend(f"I{i} = _arr({self.render(code)}, n)" for i, code in enumerate(invariants))
        order = {a.id: i for i, (a, _n) in enumerate(ev._awards)}
        aw = "".join(f"A_{order[a]}, " for a in ev.award_ids)
        inv = "".join(f"I{i}, " for i in range(len(invariants)))
        if full:
            lv = "".join(f"L{i}, " for i in range(len(levels)))
            ap = "".join(f"_arr({self.render(c)}, n), " for c in applies)
            de = "".join(f"_arr({self.render(c)}, n), " for c in derived)
            body.append(f"return rank, ({aw}), ({inv}), ({lv}), ({ap}), ({de})")
        else:
            body.append(f"return rank, ({aw}), ({inv})")
        return "def _fn(M, P, F, ON, n, H=None):\n    " + "\n    ".join(body) + "\n"


def _vector_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return date_key(value)
    return value
