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

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sopopt.inputs.compile import ModelData
from sopopt.model.arrays import INF, ArrayModel, Grid, previous
from sopopt.model.common import bound
from sopopt.model.family import (
    BoundLimitSpec,
    BoundSpec,
    CostCategory,
    CostTerms,
    DemandTerm,
    Family,
    PlanColumn,
    Relief,
    RowSpec,
    Source,
    VarSpec,
    Words,
)

if TYPE_CHECKING:
    import pyomo.environ as pyo

PSP = ("product", "site", "period")
SALES = VarSpec("sales", "sales", PSP, "units")
BACKLOG = VarSpec("backlog", "backlog", PSP, "units")
LOST = VarSpec("lost", "lost_sales", PSP, "units")
BACKLOG_BALANCE = "backlog_balance"
#: Plan-table columns this family fills.
PLAN_DEMAND = PlanColumn("demand", "", "Demand")
PLAN_DELIVERED = PlanColumn("delivered", SALES.component, "Delivered")
PLAN_BACKLOG = PlanColumn("backlog", BACKLOG.component, "Backlog")
PLAN_LOST = PlanColumn("lost", LOST.component, "Lost sales")


def add(m: pyo.ConcreteModel, d: ModelData, reg: CostTerms) -> None:
    """Sales, backlog and lost-sale variables and the backlog balance."""
    import pyomo.environ as pyo

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


def sales_arrays(a: ArrayModel) -> tuple[list[tuple[np.ndarray, Grid, float]], Grid]:
    """:func:`sales_expression` on the item grid: ``([(items, columns, coefficient)], constant)``.

    Backlog items deliver ``S``; lost-sales-only items deliver ``D - Λ``; the rest ``D``.
    """
    has_backlog, has_lost = a.item_flag("backlog"), a.item_flag("lost_sales")
    lost_only = has_lost & ~has_backlog
    terms = [
        (has_backlog, a.ids[SALES.component], 1.0),
        (lost_only, a.item_ids(LOST.component, has_lost)[lost_only], -1.0),
    ]
    constant = np.where(has_backlog[:, None], 0.0, a.item_grid("demand"))
    return terms, constant


def arrays(a: ArrayModel) -> None:
    """The same columns, rows and costs as arrays."""
    T, n = a.T, len(a.items)
    ones = np.ones((n, T), dtype=bool)
    has_backlog, has_lost = a.item_flag("backlog"), a.item_flag("lost_sales")
    backlog_items = np.flatnonzero(has_backlog)
    bl_keys = a.item_keys(has_backlog)
    forbid = np.array([a.items[i].backlog_at_end == "forbid" for i in backlog_items], dtype=bool)
    bl_upper = a.item_grid("backlog_limit")[has_backlog]
    if bl_upper.size:
        bl_upper[forbid, T - 1] = 0.0
    S = a.columns(SALES.component, bl_keys, ones[has_backlog])
    B = a.columns(BACKLOG.component, bl_keys, ones[has_backlog], 0.0, bl_upper)
    demand = a.item_grid("demand")
    lost_upper = np.where(has_backlog[:, None], INF, demand)[has_lost]
    L = a.columns(LOST.component, a.item_keys(has_lost), ones[has_lost], 0.0, lost_upper)

    # Backlog balance: B[t] - B[t-1] + S[t] + L[t] = D[t] (+ B0 in the first period).
    rhs = demand[has_backlog]
    if rhs.size:
        rhs[:, 0] += np.array([a.items[i].initial_backlog for i in backlog_items])
    R = a.rows(BACKLOG_BALANCE, bl_keys, ones[has_backlog], rhs, 0)
    a.coef(R, B, 1.0)
    a.coef(R, previous(B), -1.0)
    a.coef(R, S, 1.0)
    a.coef(R, a.item_ids(LOST.component, has_lost)[has_backlog], 1.0)

    a.objective("backlog", B, a.item_grid("backlog_cost")[has_backlog])
    lost_cost = a.item_grid("lost_sale_cost")
    a.objective("lost_sales", L, lost_cost[has_lost])
    at_end = np.array([a.items[i].backlog_at_end == "lost_sale_cost" for i in backlog_items], dtype=bool)
    if at_end.any():
        a.objective("lost_sales", B[at_end, T - 1], lost_cost[has_backlog][at_end, T - 1])


def _balance_words(d: ModelData, key: tuple[Any, ...], labels: Sequence[str]) -> Words:
    p, s, t = key
    demand = float(d.items[p, s].demand[t])
    text = f"demand of {p} at {s} in {labels[t]}: {{n[0]}} units, backlog allowed ({{0}})"
    return Words("demand", f"{p} at {s}", t, demand, text, (Source(("demand", p, s), t),), numbers=(demand,))


def backlog_cap(d: ModelData, key: tuple[Any, ...]) -> float:
    """The upper bound of backlog as built (0 in the last period with ``at_end: forbid``)."""
    p, s, t = key
    item = d.items[p, s]
    return 0.0 if t == d.T - 1 and item.backlog_at_end == "forbid" else float(item.backlog_limit[t])


def _backlog_words(d: ModelData, key: tuple[Any, ...], labels: Sequence[str], value: float) -> Words:
    p, s, t = key
    where = Source((p, s, "backlog"), item=True)
    if t == d.T - 1 and d.items[p, s].backlog_at_end == "forbid":
        text = f"backlog of {p} at {s} must be cleared by the end of {labels[t]} ({{0}})"
        return Words("backlog cleared at end", f"{p} at {s}", t, 0.0, text, (where,))
    text = f"backlog limit of {p} at {s} in {labels[t]}: at most {{n[0]}} units ({{0}})"
    return Words("backlog limit", f"{p} at {s}", t, value, text, (Source((p, s, "backlog", "limit"), t, item=True),),
                 numbers=(value,))


def _lost_words(_d: ModelData, key: tuple[Any, ...], labels: Sequence[str], value: float) -> Words:
    p, s, t = key
    text = f"lost sales of {p} at {s} in {labels[t]}: at most the demand, {{n[0]}} units"
    return Words("lost sales limit", f"{p} at {s}", t, value, text, numbers=(value,))


ROWS = (
    RowSpec(BACKLOG_BALANCE, "units of {name} owed in {period}", "unit",
            "one more unit of demand of the product at the site in the period", _balance_words),
)
BOUNDS = (
    BoundSpec(BACKLOG.component, "upper", "unit", "one more unit of backlog allowed", backlog_cap, _backlog_words,
              Relief("demand", "{q} units more backlog of {name} in {period} than allowed", "unit")),
    BoundSpec(LOST.component, "upper", "unit", "one more unit of demand that could be lost (physics, never relaxed)",
              lambda d, key: float(d.items[key[0], key[1]].demand[key[2]]), _lost_words),
)


def _backlog_rows(d: ModelData, p: str, s: str) -> list[tuple[tuple[Any, ...], float]]:
    """Demand of an item with backlog moves its backlog balance: right-hand side D."""
    return [((p, s), 1.0)] if d.items[p, s].backlog else []


def _lost_bounds(d: ModelData, p: str, s: str) -> list[tuple[tuple[Any, ...], float]]:
    """Without backlog, at most the period's demand can be lost."""
    item = d.items[p, s]
    return [((p, s), 1.0)] if item.lost_sales and not item.backlog else []


FAMILY = Family(
    name="demand",
    title="Demand, backlog and lost sales",
    doc=__doc__ or "",
    add=add,
    arrays=arrays,
    variables=(SALES, BACKLOG, LOST),
    bound_limits=(BoundLimitSpec("backlog", "upper", "backlog_limit", "unit of backlog", "ending_backlog",
                                  lambda d, key: 0.0 if d.items[key].backlog_at_end == "forbid" else None),),
    costs=(
        CostCategory("backlog", "Late delivery penalty (backlog)", 110),
        CostCategory("lost_sales", "Lost sales penalty", 120),
    ),
    rows=ROWS,
    plan_columns=(PLAN_DEMAND, PLAN_DELIVERED, PLAN_BACKLOG, PLAN_LOST),
    bounds=BOUNDS,
    demand=(DemandTerm(BACKLOG_BALANCE, "row", _backlog_rows), DemandTerm(LOST.component, "upper", _lost_bounds)),
)
