"""Build the planning LP as a Pyomo model: a short recipe over the constraint families.

Each family's Pyomo rules live in its own module with the maths and a symbol table in
its docstring (see docs/formulation.md for the whole model). The build is pure:
compiled case data in, model out; nothing is written to the data.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyomo.environ as pyo

from sopopt.inputs.compile import ModelData
from sopopt.model.catalogue import COST_CATEGORIES
from sopopt.model.families import FAMILIES
from sopopt.model.family import CostTerms, Family
from sopopt.model.objective import add_objective


def build_model(data: ModelData, families: Sequence[Family] = FAMILIES) -> pyo.ConcreteModel:
    """The planning LP for compiled case data (``families``: the recipe, in build order).

    The returned model carries its cost terms as ``model.cost_terms`` and the data it was
    built from as ``model.data``.
    """
    m = pyo.ConcreteModel(name="sopopt")
    reg = CostTerms(COST_CATEGORIES)
    for family in families:
        family.add(m, data, reg)
    add_objective(m, reg)
    m.cost_terms = reg
    m.data = data
    return m


__all__ = ["build_model"]
