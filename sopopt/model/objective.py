"""The objective: the sum of every family's cost terms. It knows no business rules."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyomo.environ as pyo

from sopopt.model.registry import COST_CATEGORIES, Registry


def _flatten(terms: Iterable[Any]) -> list[Any]:
    flat: list[Any] = []
    for term in terms:
        if isinstance(term, list):
            flat.extend(term)
        else:
            flat.append(term)
    return flat


def add_objective(m: pyo.ConcreteModel, reg: Registry) -> None:
    """One Expression per cost category, and the objective as their sum."""
    m.cost_category = pyo.Set(initialize=COST_CATEGORIES, ordered=True)
    m.cost = pyo.Expression(m.cost_category, rule=lambda m, c: pyo.quicksum(_flatten(reg.costs[c])))
    m.total_cost = pyo.Objective(expr=pyo.quicksum(m.cost[c] for c in COST_CATEGORIES), sense=pyo.minimize)
