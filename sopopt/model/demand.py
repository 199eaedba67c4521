r"""Serving demand: sales, backlog and lost sales, only where they are allowed.

For a product at a site with demand :math:`D_{p,s,t}`:

- *hard demand* (neither backlog nor lost sales): sales equal demand, a constant;
- *lost sales only*: :math:`0 \le \Lambda_{p,s,t} \le D_{p,s,t}`, sales are
  :math:`D - \Lambda`;
- *backlog* (with or without lost sales): sales :math:`S \ge 0` and

.. math::

    B_{p,s,t} = B_{p,s,t-1} + D_{p,s,t} - S_{p,s,t} - \Lambda_{p,s,t},
    \qquad 0 \le B_{p,s,t} \le \overline{B}_{p,s,t},
    \qquad B_{p,s,-1} = B^0_{p,s}

with :math:`B_{p,s,T-1} = 0` when ``at_end: forbid``. Costs, on the closing position of
every period: :math:`c^B B` (backlog), :math:`c^\Lambda \Lambda` and, with
``at_end: lost_sale_cost``, :math:`c^\Lambda_{T-1} B_{T-1}` (lost sales).

=======================  ========================  ==================================
symbol                   Pyomo                     file field
=======================  ========================  ==================================
:math:`D`                constant                  ``demand.P.S``
:math:`S`                ``m.sales``               (decision) units delivered
:math:`B`                ``m.backlog``             (decision) units owed at close
:math:`\Lambda`          ``m.lost``                (decision) units lost
:math:`\overline{B}`     bound of B                ``backlog.limit``
:math:`B^0`              constant                  ``initial_backlog``
:math:`c^B`              cost term                 ``backlog.cost``
:math:`c^\Lambda`        cost term                 ``lost_sales.cost`` (at least
                                                   ``price``: the lost margin,
                                                   net of the costs saved)
=======================  ========================  ==================================
"""

from __future__ import annotations

import pyomo.environ as pyo

from sopopt.model.common import bound
from sopopt.model.registry import Registry
from sopopt.model.sets import ModelData


def add_demand(m: pyo.ConcreteModel, d: ModelData, reg: Registry) -> None:
    """Sales, backlog and lost-sale variables and the backlog balance."""
    T = d.T
    backlog_items = [(p, s) for (p, s), item in d.items.items() if item.backlog]
    lost_items = [(p, s) for (p, s), item in d.items.items() if item.lost_sales]
    m.backlog_index = pyo.Set(initialize=[(p, s, t) for p, s in backlog_items for t in range(T)], dimen=3, ordered=True)
    m.lost_index = pyo.Set(initialize=[(p, s, t) for p, s in lost_items for t in range(T)], dimen=3, ordered=True)

    def backlog_bounds(_m: pyo.ConcreteModel, p: str, s: str, t: int) -> tuple[float, float | None]:
        item = d.items[p, s]
        if t == T - 1 and item.backlog_at_end == "forbid":
            return 0.0, 0.0
        return 0.0, bound(item.backlog_limit[t])

    def lost_bounds(_m: pyo.ConcreteModel, p: str, s: str, t: int) -> tuple[float, float | None]:
        item = d.items[p, s]
        # Without backlog only this period's demand can be lost.
        return 0.0, None if item.backlog else float(item.demand[t])

    m.sales = pyo.Var(m.backlog_index, domain=pyo.NonNegativeReals)
    m.backlog = pyo.Var(m.backlog_index, domain=pyo.NonNegativeReals, bounds=backlog_bounds)
    m.lost = pyo.Var(m.lost_index, domain=pyo.NonNegativeReals, bounds=lost_bounds)

    def backlog_balance(m: pyo.ConcreteModel, p: str, s: str, t: int) -> pyo.Expression:
        item = d.items[p, s]
        previous = m.backlog[p, s, t - 1] if t > 0 else item.initial_backlog
        lost = m.lost[p, s, t] if item.lost_sales else 0.0
        return m.backlog[p, s, t] - previous + m.sales[p, s, t] + lost == float(item.demand[t])

    m.backlog_balance = pyo.Constraint(m.backlog_index, rule=backlog_balance)

    reg.cost("backlog", [
        (float(d.items[p, s].backlog_cost[t]), m.backlog[p, s, t])
        for p, s, t in m.backlog_index if d.items[p, s].backlog_cost[t]
    ])
    reg.cost("lost_sales", [
        (float(d.items[p, s].lost_sale_cost[t]), m.lost[p, s, t])
        for p, s, t in m.lost_index if d.items[p, s].lost_sale_cost[t]
    ])
    reg.cost("lost_sales", [
        (float(d.items[p, s].lost_sale_cost[T - 1]), m.backlog[p, s, T - 1])
        for p, s in backlog_items
        if d.items[p, s].backlog_at_end == "lost_sale_cost" and d.items[p, s].lost_sale_cost[T - 1]
    ])


def sales_expression(m: pyo.ConcreteModel, d: ModelData, p: str, s: str, t: int) -> tuple[object, float]:
    """Units delivered from stock in period t, as (variable part, constant part)."""
    item = d.items[p, s]
    if item.backlog:
        return m.sales[p, s, t], 0.0
    if item.lost_sales:
        return -m.lost[p, s, t], float(item.demand[t])
    return 0.0, float(item.demand[t])
