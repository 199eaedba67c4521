r"""Handling capacity: hours to receive and ship goods at a site (a DC's docks and pickers).

Every unit of product :math:`p` that arrives at site :math:`s` by lane, leaves it by
lane, or is delivered from it to customers takes :math:`h_{s,p}` handling hours:

.. math::

    \sum_{p} h_{s,p} \Big( \sum_{l \in in(s)} Y_{l,p,t-L_l} + \sum_{l \in out(s)} Y_{l,p,t}
        + S_{p,s,t} \Big) \le K_{s,t} + O_{s,t},
    \qquad 0 \le O_{s,t} \le \overline{O}_{s,t}

    \text{cost (overtime)} = \sum c^{O}_{s,t} O_{s,t}

:math:`S` is the delivery term of :mod:`sopopt.model.demand` (demand itself when demand
is hard, so its hours move to the right-hand side). A site whose handling no product
uses (every rate zero) has no rows and no overtime.

====================  ========================  ==========================================
symbol                Pyomo                     file field
====================  ========================  ==========================================
:math:`h_{s,p}`       coefficient               ``sites.S.handling.usage.P`` (hours/unit)
:math:`K_{s,t}`       right-hand side           ``sites.S.handling.hours``
:math:`O_{s,t}`       ``m.handling_overtime``   (decision) overtime handling hours
:math:`\overline{O}`  bound of O                ``sites.S.handling.overtime.capacity``
:math:`c^O`           cost term                 ``sites.S.handling.overtime.cost``
(row)                 ``m.handling_capacity``
====================  ========================  ==========================================
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np

from sopopt.errors import InfeasibleError
from sopopt.inputs.compile import HandlingData, ModelData
from sopopt.model.arrays import ArrayModel, lagged, stack
from sopopt.model.common import bound
from sopopt.model.demand import sales_arrays, sales_expression
from sopopt.model.family import (
    BoundSpec,
    CostTerms,
    DemandTerm,
    Family,
    LimitSpec,
    Relief,
    RowSpec,
    Source,
    VarSpec,
    capacity_words,
    limit_words,
)
from sopopt.model.transport import SHIPMENT, lane_products

if TYPE_CHECKING:
    import pyomo.environ as pyo

HANDLING_OVERTIME = VarSpec("handling_overtime", "handling_overtime", ("site", "period"), "hours")
HANDLING_CAPACITY = LimitSpec("handling_capacity", "handling", ("site", "period"), "handling hour",
                              level=lambda d, key, _v: float(d.handling[key[0]].hours[key[1]]))


def handled(d: ModelData) -> dict[str, HandlingData]:
    """Sites whose handling some product uses (a non-zero rate): the only ones with rows."""
    return {s: h for s, h in d.handling.items() if any(h.usage.values())}


def _rated_items(d: ModelData, sites: dict[str, HandlingData]) -> dict[str, list[tuple[str, float]]]:
    """Per site, (product, rate) of its stocked products with a non-zero rate, in item order."""
    out: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for p, s in d.items:
        if s in sites and sites[s].usage.get(p):
            out[s].append((p, float(sites[s].usage[p])))
    return out


def add(m: pyo.ConcreteModel, d: ModelData, reg: CostTerms) -> None:
    """Handling capacity rows and handling overtime."""
    import pyomo.environ as pyo

    sites = handled(d)
    rated = _rated_items(d, sites)
    m.handling_index = pyo.Set(initialize=[(s, t) for s in sites for t in range(d.T)], dimen=2, ordered=True)
    m.handling_overtime_index = pyo.Set(
        initialize=[(s, t) for s in sites if sites[s].overtime for t in range(d.T)], dimen=2, ordered=True
    )
    m.handling_overtime = pyo.Var(
        m.handling_overtime_index, domain=pyo.NonNegativeReals,
        bounds=lambda _m, s, t: (0.0, bound(d.handling[s].overtime_capacity[t])),
    )
    lanes_in: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    lanes_out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for name, lane in d.lanes.items():
        for p in lane.products:
            lanes_in[p, lane.destination].append((name, lane.lead_time))
            lanes_out[p, lane.origin].append(name)

    def capacity(m: pyo.ConcreteModel, s: str, t: int) -> Any:
        terms: list[Any] = []
        constant = 0.0
        for p, rate in rated[s]:
            terms += [rate * m.shipment[name, p, t - lead] for name, lead in lanes_in[p, s] if t - lead >= 0]
            terms += [rate * m.shipment[name, p, t] for name in lanes_out[p, s] if (name, p, t) in m.shipment_index]
            delivered, demand = sales_expression(m, d, p, s, t)
            if not isinstance(delivered, float):
                terms.append(rate * delivered)
            constant += rate * demand
        if sites[s].overtime:
            terms.append(-m.handling_overtime[s, t])
        limit = float(sites[s].hours[t]) - constant
        if not terms:
            if limit >= 0:
                return pyo.Constraint.Skip
            raise InfeasibleError(
                f"infeasible before solving: model contains a trivially infeasible constraint, "
                f"'handling_capacity{[s, t]}'"
            )
        return pyo.quicksum(terms) <= limit

    m.handling_capacity = pyo.Constraint(m.handling_index, rule=capacity)
    reg.cost("overtime", [
        (float(d.handling[s].overtime_cost[t]), m.handling_overtime[s, t])
        for s, t in m.handling_overtime_index if d.handling[s].overtime_cost[t]
    ])


def arrays(a: ArrayModel) -> None:
    """The same columns, rows and costs as arrays."""
    T, d = a.T, a.d
    sites = handled(d)
    row_of = {s: j for j, s in enumerate(sites)}
    entities = [(s,) for s in sites]
    overtime = np.array([h.overtime for h in sites.values()], dtype=bool)
    HO = a.columns(HANDLING_OVERTIME.component, entities, np.repeat(overtime[:, None], T, axis=1), 0.0,
                   stack([h.overtime_capacity for h in sites.values()], T))
    rate = np.array([sites[s].usage.get(p, 0.0) if s in sites else 0.0 for p, s in a.keys], dtype=float)
    site_row = np.array([row_of.get(s, -1) for _p, s in a.keys], dtype=np.int64)
    rated = (site_row >= 0) & (rate != 0)
    delivered, demand = sales_arrays(a)
    constant = np.zeros((len(sites), T))
    np.add.at(constant, site_row[rated], rate[rated][:, None] * demand[rated])
    HC = a.rows(HANDLING_CAPACITY.component, entities, np.ones((len(sites), T), dtype=bool),
                stack([h.hours for h in sites.values()], T) - constant, 1)
    for where, cols, coefficient in delivered:
        items = np.flatnonzero(where)
        keep = rated[items]
        a.coef(HC[site_row[items[keep]]], cols[keep], coefficient * rate[items[keep]][:, None])
    lanes, lead = lane_products(d)
    if lanes:
        Y = a.ids[SHIPMENT.component]
        for end, cols in (("destination", lagged(Y, lead)), ("origin", Y)):
            item = np.array([a.pos[p, getattr(d.lanes[name], end)] for name, p in lanes], dtype=np.int64)
            keep = rated[item]
            a.coef(HC[site_row[item[keep]]], cols[keep], rate[item[keep]][:, None])
    a.coef(HC, HO, -1.0)
    a.objective("overtime", HO, stack([h.overtime_cost for h in sites.values()], T))


_handling_words = capacity_words(
    "handling hours", "handling hours at {name} in {period}: {{n[0]}} regular ({{0}})",
    ("sites", "{name}", "handling", "hours"), lambda d, s: d.handling[s].hours,
    lambda d, s: () if d.handling[s].overtime else ((f"no handling overtime allowed at {s}",
                                                     Source(("sites", s, "handling"), entity=True)),))
_overtime_words = limit_words("handling overtime capacity",
                              "handling overtime at {name} in {period}: at most {{n[0]}} h ({{0}})",
                              ("sites", "{name}", "handling", "overtime", "capacity"))


def _demand_hours(d: ModelData, p: str, s: str) -> list[tuple[tuple[Any, ...], float]]:
    """Demand delivered without backlog takes its handling hours from the right-hand side."""
    h = handled(d).get(s)
    rate = float(h.usage.get(p, 0.0)) if h is not None else 0.0
    return [((s,), -rate)] if rate and not d.items[p, s].backlog else []


ROWS = (
    RowSpec(HANDLING_CAPACITY.component, "handling hours at {name} in {period}", "hour",
            "one more handling hour at the site in the period", _handling_words,
            (Relief("overtime", "+{q} handling hours at {name} in {period}", "hour",
                    cap=lambda d, key: None if d.handling[key[0]].overtime else math.inf),)),
)
BOUNDS = (
    BoundSpec(HANDLING_OVERTIME.component, "upper", "hour", "one more handling overtime hour at the site",
              lambda d, key: float(d.handling[key[0]].overtime_capacity[key[1]]), _overtime_words,
              Relief("overtime", "+{q} h of handling overtime at {name} in {period} beyond its capacity", "hour")),
)


FAMILY = Family(
    name="handling",
    title="Handling capacity",
    doc=__doc__ or "",
    add=add,
    arrays=arrays,
    variables=(HANDLING_OVERTIME,),
    limits=(HANDLING_CAPACITY,),
    rows=ROWS,
    bounds=BOUNDS,
    demand=(DemandTerm(HANDLING_CAPACITY.component, "row", _demand_hours),),
)
