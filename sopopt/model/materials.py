r"""Materials: purchases from suppliers, material stock and consumption by the BOM.

An order placed with supplier :math:`k` in period :math:`t` arrives in :math:`t + L_k`;
orders that would arrive after the horizon do not exist.

.. math::

    M_{m,s,t} = M_{m,s,t-1} + \sum_{k \in K(m,s)} Q_{k,s,t-L_k} + R^M_{m,s,t}
        - \sum_{p} \beta_{p,m} X_{p,s,t}, \qquad M_{m,s,-1} = M^0_{m,s}

    \sum_{s} Q_{k,s,t} \le \overline{Q}_{k,t}

    \text{cost} = \sum \pi_{k,t} Q_{k,s,t} \;(\text{materials})
        + \sum h^M_{m,s,t} M_{m,s,t} \;(\text{holding})

=====================  ===========================  ===================================
symbol                 Pyomo                        file field
=====================  ===========================  ===================================
:math:`Q`              ``m.purchase``               (decision) units ordered
:math:`M`              ``m.material_stock``         (decision) closing material stock
:math:`\beta_{p,m}`    coefficient                  ``products.P.materials.M``
:math:`L_k`            lag                          ``suppliers.K.lead_time``
:math:`\overline{Q}`   ``m.supplier_capacity``      ``suppliers.K.capacity``
:math:`\pi`            cost term                    ``suppliers.K.price``
:math:`M^0`            constant                     ``materials.M.sites.S.initial_stock``
:math:`R^M`            constant                     ``materials.M.sites.S.scheduled_receipts``
:math:`h^M`            cost term                    ``materials.M.holding_cost``
(balance)              ``m.material_balance``
=====================  ===========================  ===================================
"""

from __future__ import annotations

import math
from collections import defaultdict

import pyomo.environ as pyo

from sopopt.model.registry import Registry
from sopopt.model.sets import ModelData


def add_materials(m: pyo.ConcreteModel, d: ModelData, reg: Registry) -> None:
    """Purchases, supplier capacity, material stock and its balance."""
    T = d.T
    m.purchase_index = pyo.Set(
        initialize=[
            (k, s, t)
            for k, sup in d.suppliers.items()
            for s in sup.sites
            for t in range(T - sup.lead_time)
        ],
        dimen=3,
        ordered=True,
    )
    m.purchase = pyo.Var(m.purchase_index, domain=pyo.NonNegativeReals)
    reg.cost("materials", [
        (float(d.suppliers[k].price[t]), m.purchase[k, s, t]) for k, s, t in m.purchase_index if d.suppliers[k].price[t]
    ])

    rows = [
        (k, t)
        for k, sup in d.suppliers.items()
        for t in range(T - sup.lead_time)
        if not math.isinf(sup.capacity[t]) and sup.sites
    ]
    m.supplier_index = pyo.Set(initialize=rows, dimen=2, ordered=True)

    def supplier_capacity(m: pyo.ConcreteModel, k: str, t: int) -> pyo.Expression:
        sup = d.suppliers[k]
        return sum(m.purchase[k, s, t] for s in sup.sites) <= float(sup.capacity[t])

    m.supplier_capacity = pyo.Constraint(m.supplier_index, rule=supplier_capacity)

    m.material_index = pyo.Set(
        initialize=[(mat, s, t) for mat, s in d.material_stocks for t in range(T)], dimen=3, ordered=True
    )
    m.material_stock = pyo.Var(m.material_index, domain=pyo.NonNegativeReals)

    deliveries: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for k, sup in d.suppliers.items():
        for s in sup.sites:
            deliveries[sup.material, s].append((k, sup.lead_time))
    users: dict[tuple[str, str], list[tuple[str, float]]] = defaultdict(list)
    for (p, s), item in d.items.items():
        if item.make and p in d.bom:
            for mat, qty in d.bom[p].items():
                if qty:
                    users[mat, s].append((p, qty))

    def balance(m: pyo.ConcreteModel, mat: str, s: str, t: int) -> pyo.Expression:
        stock = d.material_stocks[mat, s]
        opening = m.material_stock[mat, s, t - 1] if t > 0 else stock.initial_stock
        arrivals = sum(m.purchase[k, s, t - lead] for k, lead in deliveries[mat, s] if t - lead >= 0)
        used = sum(qty * m.production[p, s, t] for p, qty in users[mat, s])
        return m.material_stock[mat, s, t] - opening - arrivals + used == float(stock.scheduled_receipts[t])

    m.material_balance = pyo.Constraint(m.material_index, rule=balance)
    reg.cost("holding", [
        (float(d.material_stocks[mat, s].holding_cost[t]), m.material_stock[mat, s, t])
        for mat, s, t in m.material_index if d.material_stocks[mat, s].holding_cost[t]
    ])
