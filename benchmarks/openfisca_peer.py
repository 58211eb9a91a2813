"""The synthetic framework's rules in OpenFisca-Core, for the benchmark's batch row.

Input → output: a ``workload.Framework`` → a function judging a whole population
given as numpy arrays (one boolean array per named requirement, the unnamed count,
the two facts) with OpenFisca's vectorised formulas, returning the level's rank
(-1 for none) and the certificate per organisation.

OpenFisca is the rules-as-code engine closest to iiprules' batch path: variables
over entities, formulas over numpy arrays. It is driven its usual way here: one
simulation per population (``SimulationBuilder.build_default_simulation``), every
input set with ``set_input``, the decisions asked for with ``calculate``. Only
imported when ``openfisca-core`` is installed (``pip install openfisca-core``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def build(fw: Any) -> Callable[[dict[str, Any], int], tuple[Any, Any]] | None:
    """A judge of the population in OpenFisca, or None when OpenFisca is not installed."""
    try:
        from openfisca_core.entities import build_entity
        from openfisca_core.periods import DateUnit
        from openfisca_core.simulations import SimulationBuilder
        from openfisca_core.taxbenefitsystems import TaxBenefitSystem
        from openfisca_core.variables import Variable
    except ImportError:
        return None

    org = build_entity(key="organisation", plural="organisations", label="An organisation",
                       is_person=True)  # fmt: skip
    names = {rid: "r_" + rid.replace(".", "_") for rid in fw.listable}

    def var(name: str, kind: type, **extra: Any) -> type:
        attrs = {"value_type": kind, "entity": org, "definition_period": DateUnit.YEAR,
                 "label": name, **extra}  # fmt: skip
        return type(name, (Variable,), attrs)

    core = [names[r] for r in fw.core]
    rg = [names[r] for r in fw.rg]
    ext = [names[r] for r in fw.named_ext]
    lm = [names[r] for r in fw.lm_union]
    bronze, silver, gold = 26 * fw.scale, 76 * fw.scale, fw.total_ext

    def all_of(o: Any, period: Any, ids: list[str]) -> Any:
        out = np.ones(o.count, np.bool_)
        for n in ids:
            out &= o(n, period)
        return out

    def standard(o: Any, period: Any) -> Any:
        rg_ok = all_of(o, period, rg) | ~o("representative_groups", period)
        return all_of(o, period, core) & rg_ok & (o("employees", period) >= 2)

    def extended(o: Any, period: Any) -> Any:
        count = o("w_other", period).astype(np.int32)
        for n in ext:
            count += o(n, period)
        return count

    def rank(o: Any, period: Any) -> Any:
        count = o("extended", period)
        up = (count >= bronze).astype(np.int8) + (count >= silver) + (count >= gold)
        return np.where(o("standard", period), up, -1)

    def certificate(o: Any, period: Any) -> Any:
        return o("standard", period) & all_of(o, period, lm)

    system = TaxBenefitSystem([org])
    for n in names.values():
        system.add_variable(var(n, bool))
    system.add_variable(var("w_other", int))
    system.add_variable(var("representative_groups", bool, default_value=True))
    system.add_variable(var("employees", int, default_value=2))
    system.add_variable(var("standard", bool, formula=standard))
    system.add_variable(var("extended", int, formula=extended))
    system.add_variable(var("rank", int, formula=rank))
    system.add_variable(var("certificate", bool, formula=certificate))

    def judge(inputs: dict[str, Any], n: int) -> tuple[Any, Any]:
        sim = SimulationBuilder().build_default_simulation(system, count=n)
        for rid, values in inputs.items():
            sim.set_input(names.get(rid, rid), "2010", values)
        return sim.calculate("rank", "2010"), sim.calculate("certificate", "2010")

    return judge


def inputs_of(docs: list[dict[str, Any]], fw: Any) -> dict[str, Any]:
    """The population as OpenFisca's inputs: one array per requirement, count and facts."""
    sets = [set(d["met"]) for d in docs]
    out: dict[str, Any] = {rid: np.array([rid in s for s in sets]) for rid in fw.listable}
    out["w_other"] = np.array([d["unnamed_met"]["W.other"] for d in docs], np.int32)
    facts = [d.get("facts", {}) for d in docs]
    out["representative_groups"] = np.array([f.get("representative_groups", True) for f in facts])
    out["employees"] = np.array([f.get("employees", 2) for f in facts], np.int32)
    return out
