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

import pyomo.environ as pyo

from sopopt.model.registry import Registry
from sopopt.model.sets import ModelData


def add_transport(m: pyo.ConcreteModel, d: ModelData, reg: Registry) -> None:
    """Shipment variables Y[l,p,t] and the lane capacity rows."""
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
