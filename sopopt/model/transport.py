r"""Shipments on transport lanes.

A shipment leaves the origin in period :math:`t` and is available at the destination in
:math:`t + L_l`; shipments that would arrive after the horizon do not exist.

.. math::

    \sum_{p \in P_l} Y_{l,p,t} \le \overline{Y}_{l,t} \quad \forall l, t \le T-1-L_l

    \text{cost} = \sum c^{Y}_{l,t} Y_{l,p,t}

====================  ======================  =====================================
symbol                Pyomo                   file field
====================  ======================  =====================================
:math:`Y`             ``m.shipment``          (decision) units shipped
:math:`P_l`           ``m.shipment_index``    ``lanes.L.products`` (default: all
                                              products stocked at both ends)
:math:`L_l`           lag in the balance      ``lanes.L.lead_time``
:math:`\overline{Y}`  ``m.lane_capacity``     ``lanes.L.capacity``
:math:`c^Y`           cost term               ``lanes.L.cost``
====================  ======================  =====================================
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sopopt.inputs.compile import ModelData
from sopopt.model.arrays import INF, ArrayModel, stack
from sopopt.model.family import (
    CostCategory,
    CostTerms,
    Family,
    LimitSpec,
    PlanColumn,
    Relief,
    RowSpec,
    Source,
    VarSpec,
    Words,
)

if TYPE_CHECKING:
    import pyomo.environ as pyo

SHIPMENT = VarSpec("shipment", "shipments", ("lane", "product", "period"), "units")
#: Plan-table columns this family fills (by period of arrival and of departure).
PLAN_ARRIVALS = PlanColumn("arrivals", SHIPMENT.component, "Arrivals")
PLAN_DEPARTURES = PlanColumn("departures", SHIPMENT.component, "Departures")
LANE_CAPACITY = LimitSpec("lane_capacity", "lane", ("lane", "period"), "unit shipped",
                          level=lambda d, key, _v: float(d.lanes[key[0]].capacity[key[1]]))


def add(m: pyo.ConcreteModel, d: ModelData, reg: CostTerms) -> None:
    """Shipment variables Y[l,p,t] and the lane capacity rows."""
    import pyomo.environ as pyo

    m.shipment_index = pyo.Set(
        initialize=[
            (name, p, t)
            for name, lane in d.lanes.items()
            for p in lane.products
            for t in range(d.T - lane.lead_time)
        ],
        dimen=3,
        ordered=True,
    )
    m.shipment = pyo.Var(m.shipment_index, domain=pyo.NonNegativeReals)
    reg.cost("transport", [
        (float(d.lanes[name].cost[t]), m.shipment[name, p, t])
        for name, p, t in m.shipment_index if d.lanes[name].cost[t]
    ])

    rows = [
        (name, t)
        for name, lane in d.lanes.items()
        for t in range(d.T - lane.lead_time)
        if lane.capacity[t] != float("inf") and lane.products
    ]
    m.lane_capacity_index = pyo.Set(initialize=rows, dimen=2, ordered=True)

    def lane_capacity(m: pyo.ConcreteModel, name: str, t: int) -> pyo.Expression:
        lane = d.lanes[name]
        return sum(m.shipment[name, p, t] for p in lane.products) <= lane.capacity[t]

    m.lane_capacity = pyo.Constraint(m.lane_capacity_index, rule=lane_capacity)


def lane_products(d: ModelData) -> tuple[list[tuple[str, str]], np.ndarray]:
    """The (lane, product) entities of the shipment grid and each one's lead time."""
    entities = [(name, p) for name, lane in d.lanes.items() for p in lane.products]
    return entities, np.array([d.lanes[name].lead_time for name, _ in entities], dtype=np.int64)


def arrays(a: ArrayModel) -> None:
    """The same columns, rows and costs as arrays (one shipment entity per lane and product)."""
    T, d = a.T, a.d
    entities, lead = lane_products(d)
    Y = a.columns(SHIPMENT.component, entities, np.arange(T)[None, :] < (T - lead)[:, None])
    a.objective("transport", Y, stack([d.lanes[name].cost for name, _ in entities], T))
    lanes = list(d.lanes.values())
    lane_lead = np.array([lane.lead_time for lane in lanes], dtype=np.int64)
    lane_cap = stack([lane.capacity for lane in lanes], T)
    mask = (
        (np.arange(T)[None, :] < (T - lane_lead)[:, None])
        & (lane_cap != INF)
        & np.array([bool(lane.products) for lane in lanes], dtype=bool)[:, None]
    )
    LR = a.rows(LANE_CAPACITY.component, [(lane.name,) for lane in lanes], mask, lane_cap, 1)
    lane_index = {name: j for j, name in enumerate(d.lanes)}
    if entities:
        a.coef(LR[np.array([lane_index[name] for name, _ in entities])], Y, 1.0)


def _lane_words(d: ModelData, key: tuple[Any, ...], labels: Sequence[str]) -> Words:
    lane, t = key
    cap = float(d.lanes[lane].capacity[t])
    text = f"lane {lane} capacity in {labels[t]}: {{n[0]}} units ({{0}})"
    return Words("lane capacity", lane, t, cap, text, (Source(("lanes", lane, "capacity"), t),), numbers=(cap,))


ROWS = (
    RowSpec(LANE_CAPACITY.component, "units shipped on lane {name} in {period}", "unit",
            "one more unit the lane can carry in the period", _lane_words,
            (Relief("lane", "+{q} units on lane {name} in {period}", "unit"),)),
)


FAMILY = Family(
    name="transport",
    title="Transport lanes",
    doc=__doc__ or "",
    add=add,
    arrays=arrays,
    variables=(SHIPMENT,),
    limits=(LANE_CAPACITY,),
    costs=(CostCategory("transport", "Transport", 40),),
    rows=ROWS,
    plan_columns=(PLAN_ARRIVALS, PLAN_DEPARTURES),
)
