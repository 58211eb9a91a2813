"""Solve: formulas → answers and minimal models; models → evidence files.

Input → output: the formulas of ``encode`` → ``sat``/``unsat``/``unknown``, a
model minimising what the evidence says, and that model written as an
evidence YAML file in the README's layout.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from iiprules import outputs

#: Milliseconds the solver may spend on one question before answering "unknown".
TIMEOUT_MS = 60_000


class VerifyError(RuntimeError):
    """The solver and the evaluator disagree about a counterexample (a bug in iiprules)."""


class Prover:
    """A solver holding the evidence constraints; asks for proofs and minimal models."""

    def __init__(self, domain: list[Any]) -> None:
        import z3

        self.z3 = z3
        self.domain = domain
        self.solver = z3.Solver()
        self.solver.set("timeout", TIMEOUT_MS)
        self.solver.add(*domain)

    def sat(self, formula: Any) -> str:
        """``sat``, ``unsat`` or ``unknown`` for the formula under the domain."""
        self.solver.push()
        self.solver.add(formula)
        answer = str(self.solver.check())
        self.solver.pop()
        return answer

    def minimal(self, formula: Any, objectives: Sequence[Any], soft: Sequence[Any]) -> Any:
        """A model of the formula minimising the objectives in order, then the soft wishes.

        Each objective (a non-negative integer term) is minimised by binary search
        over the solver, then fixed; z3's own optimiser was far slower on these
        counting objectives (it timed out where the search takes a second).
        """
        z3 = self.z3
        s = self.solver
        s.push()
        try:
            s.add(formula)
            if s.check() != z3.sat:  # pragma: no cover - sat was established before
                raise VerifyError("the solver lost a model it had found")
            model = s.model()
            for o in objectives:
                best = model.eval(o, model_completion=True).as_long()
                lo = 0
                while lo < best:
                    mid = (lo + best) // 2
                    s.push()
                    s.add(o <= mid)
                    answer = s.check()
                    if answer == z3.sat:
                        model = s.model()
                        best = model.eval(o, model_completion=True).as_long()
                    s.pop()
                    if answer == z3.unsat:
                        lo = mid + 1
                    elif answer != z3.sat:
                        break  # out of time: keep the smallest found so far
                s.add(o == best)
            for wish in soft:
                s.push()
                s.add(wish)
                if s.check() == z3.sat:
                    model = s.model()
                    s.pop()
                    s.add(wish)
                else:
                    s.pop()
            return model
        finally:
            s.pop()


def _yaml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, dt.date)):
        return v.isoformat() if isinstance(v, dt.date) else str(v)
    return json.dumps(str(v), ensure_ascii=False)


def evidence_yaml(doc: dict[str, Any]) -> str:
    """An evidence document as YAML in the README's layout."""
    lines = [
        f"organisation: {_yaml_value(doc['organisation'])}",
        f"assessed_on: {_yaml_value(doc['assessed_on'])}",
    ]
    if doc.get("notes"):
        lines.append(f"notes: {_yaml_value(doc['notes'])}")
    lines.append("met: [" + ", ".join(doc.get("met", [])) + "]")
    if doc.get("unnamed_met"):
        body = ", ".join(f"{k}: {n}" for k, n in doc["unnamed_met"].items())
        lines.append("unnamed_met: {" + body + "}")
    if doc.get("facts"):
        body = ", ".join(f"{k}: {_yaml_value(v)}" for k, v in doc["facts"].items())
        lines.append("facts: {" + body + "}")
    if doc.get("history"):
        lines.append("history:")
        for h in doc["history"]:
            entry = f"  - {{assessed_on: {_yaml_value(h['assessed_on'])}"
            if h.get("level"):
                entry += f", level: {h['level']}"
            entry += f", met: [{', '.join(h['met'])}]"
            if h.get("unnamed_met"):
                entry += (
                    ", unnamed_met: {"
                    + ", ".join(f"{k}: {n}" for k, n in h["unnamed_met"].items())
                    + "}"
                )
            lines.append(entry + "}")
    return "\n".join(lines) + "\n"


class Writer:
    """Writes evidence files into one folder, created on first use."""

    def __init__(self, out: Path) -> None:
        self.out = out

    def write(self, name: str, doc: dict[str, Any]) -> str:
        """Write one evidence file, whole or not at all.

        Raises:
            OutputError: the folder is a file or cannot be written (the user's input).
        """
        outputs.prepare_folder(self.out)
        safe = "".join(ch if ch.isalnum() or ch in "._-@" else "_" for ch in name)
        path = self.out / f"{safe}.yaml"
        outputs.write_text(path, evidence_yaml(doc))
        return str(path)
