"""The objective: the sum of every family's cost terms. It knows no business rules.

Each family adds ``(coefficient, variable)`` pairs to a cost category of the
:class:`~sopopt.model.family.CostTerms`; here each category becomes one Pyomo
``Expression`` (``m.cost[category]``) and the objective is their sum, in report order
(:data:`~sopopt.model.catalogue.COST_CATEGORIES`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sopopt.model.family import CostTerms

if TYPE_CHECKING:
    import pyomo.environ as pyo


def add_objective(m: pyo.ConcreteModel, reg: CostTerms) -> None:
    """One Expression per cost category, and the objective as their sum."""
    import pyomo.environ as pyo

    m.cost_category = pyo.Set(initialize=reg.categories, ordered=True)
    m.cost = pyo.Expression(
        m.cost_category, rule=lambda m, c: pyo.quicksum(coef * var for coef, var in reg.costs[c])
    )
    m.total_cost = pyo.Objective(expr=pyo.quicksum(m.cost[c] for c in reg.categories), sense=pyo.minimize)
