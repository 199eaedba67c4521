r"""Alternate routings: production at a site split across ways of making it.

A product made at site :math:`s` with routings :math:`K_{p,s}` makes its units in one
or more of them; each charges its own resources and may cost extra per unit:

.. math::

    X_{p,s,t} = \sum_{k \in K_{p,s}} R_{p,s,k,t}

    \text{in the capacity row of resource } r:\quad
        \sum_{p} a_{r,p} X_{p,s_r,t} + \sum_{(p,k)} a_{r,p,k} R_{p,s_r,k,t}
        \le H_{r,t} + O_{r,t}

    \text{cost (production)} = \sum c^{R}_{p,s,k,t} R_{p,s,k,t}

Workforce usage stays per unit of total production :math:`X`; a resource a routing
uses must not also list the product in its ``usage`` (refused when the case is loaded).

======================  =====================  ==============================================
symbol                  Pyomo                  file field
======================  =====================  ==============================================
:math:`K_{p,s}`         ``m.routing_index``    ``products.P.sites.S.routings``
:math:`R`               ``m.routing``          (decision) units made by routing k
:math:`a_{r,p,k}`       coefficient            ``products.P.sites.S.routings.K.usage.R``
:math:`c^R`             cost term              ``products.P.sites.S.routings.K.cost``
(split)                 ``m.routing_split``
======================  =====================  ==============================================
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np

from sopopt.inputs.compile import ModelData
from sopopt.model.arrays import ArrayModel, Grid, stack
from sopopt.model.family import CostTerms, Family, RowSpec, VarSpec, physics_words
from sopopt.model.production import PRODUCTION

if TYPE_CHECKING:
    import pandas as pd
    import pyomo.environ as pyo

ROUTING = VarSpec("routing", "routings", ("product", "site", "routing", "period"), "units")
ROUTING_SPLIT = "routing_split"


def routed_items(d: ModelData) -> dict[tuple[str, str], list[str]]:
    """Routing names of each (product, site) that has routings, in file order."""
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for p, s, k in d.routings:
        out[p, s].append(k)
    return dict(out)


def routed_usage(d: ModelData) -> dict[str, list[tuple[int, float]]]:
    """Per resource, the routings charging it: (position in ``d.routings``, hours per unit)."""
    out: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for j, routing in enumerate(d.routings.values()):
        for r, rate in routing.usage.items():
            if rate:
                out[r].append((j, rate))
    return dict(out)


def resource_charges(d: ModelData) -> dict[str, list[tuple[tuple[str, str, str], float]]]:
    """Per resource, the routings charging it: ((product, site, routing), hours per unit)."""
    keys = list(d.routings)
    return {r: [(keys[j], rate) for j, rate in pairs] for r, pairs in routed_usage(d).items()}


def add(m: pyo.ConcreteModel, d: ModelData, reg: CostTerms) -> None:
    """Units per routing R[p,s,k,t], their extra cost and the split of production."""
    import pyomo.environ as pyo

    T = d.T
    m.routing_index = pyo.Set(initialize=[(*key, t) for key in d.routings for t in range(T)], dimen=4, ordered=True)
    m.routing = pyo.Var(m.routing_index, domain=pyo.NonNegativeReals)
    reg.cost("production", [
        (float(d.routings[p, s, k].cost[t]), m.routing[p, s, k, t])
        for p, s, k, t in m.routing_index if d.routings[p, s, k].cost[t]
    ])
    items = routed_items(d)
    m.routing_split_index = pyo.Set(initialize=[(p, s, t) for p, s in items for t in range(T)], dimen=3, ordered=True)

    def split(m: pyo.ConcreteModel, p: str, s: str, t: int) -> pyo.Expression:
        return m.production[p, s, t] - sum(m.routing[p, s, k, t] for k in items[p, s]) == 0.0

    m.routing_split = pyo.Constraint(m.routing_split_index, rule=split)


def resource_hours(m: pyo.ConcreteModel, charges: list[tuple[tuple[str, str, str], float]], t: int) -> Any:
    """Hours that routings put on a resource in period ``t`` (``charges``: its entry of
    :func:`resource_charges`), a Pyomo expression or 0."""
    return sum(rate * m.routing[p, s, k, t] for (p, s, k), rate in charges)


def resource_arrays(a: ArrayModel, rows: Grid, resources: list[str]) -> None:
    """The same hours on the resource rows ``rows`` (row entity i is ``resources[i]``)."""
    usage = routed_usage(a.d)
    pairs = [(i, j, rate) for i, r in enumerate(resources) for j, rate in usage.get(r, [])]
    if pairs:
        at, cols, rates = (np.array(v) for v in zip(*pairs, strict=True))
        a.coef(rows[at], a.ids[ROUTING.component][cols], rates.astype(float)[:, None])


def arrays(a: ArrayModel) -> None:
    """The same columns, rows and costs as arrays."""
    d, T = a.d, a.T
    keys = list(d.routings)
    R = a.columns(ROUTING.component, keys, np.ones((len(keys), T), dtype=bool))
    a.objective("production", R, stack([rt.cost for rt in d.routings.values()], T))
    items = list(routed_items(d))
    RS = a.rows(ROUTING_SPLIT, items, np.ones((len(items), T), dtype=bool), 0.0, 0)
    if not items:
        return
    X = a.item_ids(PRODUCTION.component, a.item_flag("make"))
    a.coef(RS, X[np.array([a.pos[key] for key in items])], 1.0)
    row_of = {key: i for i, key in enumerate(items)}
    a.coef(RS[np.array([row_of[p, s] for p, s, _k in keys])], R, -1.0)


def routing_load(d: ModelData, table: pd.DataFrame) -> list[dict[str, Any]]:
    """Hours per resource, period, product family and routing from the ``routings`` table."""
    usage = {key: rt.usage for key, rt in d.routings.items()}
    rows = []
    for p, s, k, period, units in table[["product", "site", "routing", "period", "value"]].itertuples(index=False):
        for r, rate in usage[p, s, k].items():
            if rate:
                rows.append({"kind": "resource", "name": r, "site": s, "period": period, "family": d.family[p],
                             "routing": k, "hours": rate * float(units)})
    return rows


FAMILY = Family(
    name="routings",
    title="Alternate routings",
    doc=__doc__ or "",
    add=add,
    arrays=arrays,
    variables=(ROUTING,),
    rows=(RowSpec(ROUTING_SPLIT, "units of {name} made by its routings in {period}", "unit",
                  "one more unit made than the routings make (physics, never relaxed)",
                  physics_words("routing split", "production of {0} at {1} in {period} split across its routings")),),
)
