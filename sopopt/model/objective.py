"""The objective: the sum of every family's cost terms. It knows no business rules.

Each family adds ``(coefficient, variable)`` pairs to a cost category of the
:class:`~sopopt.model.registry.Registry`; here each category becomes one Pyomo
``Expression`` (``m.cost[category]``) and the objective is their sum.
"""

from __future__ import annotations

import pyomo.environ as pyo

from sopopt.model.registry import COST_CATEGORIES, Registry


def add_objective(m: pyo.ConcreteModel, reg: Registry) -> None:
    """One Expression per cost category, and the objective as their sum."""
    m.cost_category = pyo.Set(initialize=COST_CATEGORIES, ordered=True)
    m.cost = pyo.Expression(
        m.cost_category, rule=lambda m, c: pyo.quicksum(coef * var for coef, var in reg.costs[c])
    )
    m.total_cost = pyo.Objective(expr=pyo.quicksum(m.cost[c] for c in COST_CATEGORIES), sense=pyo.minimize)
