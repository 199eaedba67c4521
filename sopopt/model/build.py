"""Build the planning LP as a Pyomo model: a short recipe of constraint families.

Each ``add_<family>`` function lives in its own module with the maths and a symbol
table in its docstring (see docs/formulation.md for the whole model). The build is
pure: compiled case data in, model out; nothing is written to the data.
"""

from __future__ import annotations

import pyomo.environ as pyo

from sopopt.model.demand import add_demand
from sopopt.model.inventory import add_inventory
from sopopt.model.materials import add_materials
from sopopt.model.objective import add_objective
from sopopt.model.production import add_production, add_subcontracting
from sopopt.model.registry import Registry
from sopopt.model.resources import add_resources
from sopopt.model.sets import ModelData
from sopopt.model.storage import add_storage
from sopopt.model.transport import add_transport
from sopopt.model.workforce import add_workforce


def build_model(data: ModelData) -> pyo.ConcreteModel:
    """The planning LP for compiled case data.

    The returned model carries its component registry as ``model.registry`` and the
    data it was built from as ``model.data``.
    """
    m = pyo.ConcreteModel(name="sopopt")
    reg = Registry()
    add_production(m, data, reg)
    add_subcontracting(m, data, reg)
    add_transport(m, data, reg)
    add_demand(m, data, reg)
    add_inventory(m, data, reg)
    add_storage(m, data, reg)
    add_resources(m, data, reg)
    add_workforce(m, data, reg)
    add_materials(m, data, reg)
    add_objective(m, reg)
    m.registry = reg
    m.data = data
    return m


__all__ = ["build_model"]
