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
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sopopt.inputs.compile import ModelData
from sopopt.model.arrays import ArrayModel, lagged, previous, stack
from sopopt.model.family import CostCategory, CostTerms, Family, LimitSpec, Relief, RowSpec, Source, VarSpec, Words
from sopopt.model.production import PRODUCTION

if TYPE_CHECKING:
    import pyomo.environ as pyo

PURCHASE = VarSpec("purchase", "purchases", ("supplier", "site", "period"), "units")
MATERIAL_STOCK = VarSpec("material_stock", "material_stock", ("material", "site", "period"), "units")
SUPPLIER_CAPACITY = LimitSpec("supplier_capacity", "supplier", ("supplier", "period"), "unit of material",
                              level=lambda d, key, _v: float(d.suppliers[key[0]].capacity[key[1]]))
MATERIAL_BALANCE = "material_balance"


def add(m: pyo.ConcreteModel, d: ModelData, reg: CostTerms) -> None:
    """Purchases, supplier capacity, material stock and its balance."""
    _add_purchases(m, d, reg)
    _add_material_stock(m, d, reg)


def _add_purchases(m: pyo.ConcreteModel, d: ModelData, reg: CostTerms) -> None:
    """Purchases Q[k,s,t] at their price, within each supplier's capacity."""
    import pyomo.environ as pyo

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


def _add_material_stock(m: pyo.ConcreteModel, d: ModelData, reg: CostTerms) -> None:
    """Material stock M[mat,s,t], its balance (deliveries in, production's use out) and
    its holding cost."""
    import pyomo.environ as pyo

    m.material_index = pyo.Set(
        initialize=[(mat, s, t) for mat, s in d.material_stocks for t in range(d.T)], dimen=3, ordered=True
    )
    m.material_stock = pyo.Var(m.material_index, domain=pyo.NonNegativeReals)
    deliveries, users = _material_flows(d)

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


def _material_flows(d: ModelData) -> tuple[dict[tuple[str, str], list[tuple[str, int]]],
                                           dict[tuple[str, str], list[tuple[str, float]]]]:
    """Suppliers delivering each (material, site) with their lead times, and the products
    made there that use the material with their quantity per unit."""
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
    return deliveries, users


def arrays(a: ArrayModel) -> None:
    """The same columns, rows and costs as arrays."""
    T, d = a.T, a.d
    sups = list(d.suppliers.values())
    entities = [(sup.name, s) for sup in sups for s in sup.sites]
    of_sup = np.array([k for k, sup in enumerate(sups) for _ in sup.sites], dtype=np.int64)
    lead = np.array([sups[k].lead_time for k in of_sup.tolist()], dtype=np.int64)
    Q = a.columns(PURCHASE.component, entities, np.arange(T)[None, :] < (T - lead)[:, None])
    a.objective("materials", Q, stack([sups[k].price for k in of_sup.tolist()], T))
    sup_lead = np.array([sup.lead_time for sup in sups], dtype=np.int64)
    sup_cap = stack([sup.capacity for sup in sups], T)
    sup_mask = (
        (np.arange(T)[None, :] < (T - sup_lead)[:, None])
        & np.isfinite(sup_cap)
        & np.array([bool(sup.sites) for sup in sups], dtype=bool)[:, None]
    )
    QC = a.rows(SUPPLIER_CAPACITY.component, [(sup.name,) for sup in sups], sup_mask, sup_cap, 1)
    if entities:
        a.coef(QC[of_sup], Q, 1.0)

    keys, stocks = list(d.material_stocks), list(d.material_stocks.values())
    row_of = {k: j for j, k in enumerate(keys)}
    every = np.ones((len(keys), T), dtype=bool)
    M = a.columns(MATERIAL_STOCK.component, keys, every)
    rhs = stack([st.scheduled_receipts for st in stocks], T)
    rhs[:, 0] += [st.initial_stock for st in stocks]
    MB = a.rows(MATERIAL_BALANCE, keys, every, rhs, 0)
    a.coef(MB, M, 1.0)
    a.coef(MB, previous(M), -1.0)
    if entities:
        q_row = np.array([row_of.get((sups[k].material, s), -1) for k, (_n, s) in zip(of_sup.tolist(), entities, strict=True)])
        ok = q_row >= 0
        a.coef(MB[q_row[ok]], lagged(Q[ok], lead[ok]), -1.0)
    use_rows, use_cols, use_qty = [], [], []
    for (p, s), item in d.items.items():
        if item.make and p in d.bom:
            for mat, qty in d.bom[p].items():
                if qty and (mat, s) in row_of:
                    use_rows.append(row_of[mat, s])
                    use_cols.append(a.pos[p, s])
                    use_qty.append(qty)
    if use_rows:
        X = a.item_ids(PRODUCTION.component, a.item_flag("make"))
        a.coef(MB[np.array(use_rows)], X[np.array(use_cols)], np.array(use_qty)[:, None])
    a.objective("holding", M, stack([st.holding_cost for st in stocks], T))


def _supplier_words(d: ModelData, key: tuple[Any, ...], labels: Sequence[str]) -> Words:
    name, t = key
    sup = d.suppliers[name]
    cap = float(sup.capacity[t])
    text = f"supplier {name} capacity in {labels[t]}: {{n[0]}} units of {sup.material} ({{0}})"
    return Words("supplier capacity", name, t, cap, text, (Source(("suppliers", name, "capacity"), t),),
                 numbers=(cap,))


def _balance_words(d: ModelData, key: tuple[Any, ...], labels: Sequence[str]) -> Words:
    m, s, t = key
    stock = d.material_stocks[m, s]
    parts, sources, numbers = [], [], []
    if t == 0:
        parts.append(f"opening stock {{n[{len(numbers)}]}} units ({{{len(sources)}}})")
        sources.append(Source(("materials", m, "sites", s, "initial_stock")))
        numbers.append(float(stock.initial_stock))
    if stock.scheduled_receipts[t]:
        parts.append(f"scheduled receipts {{n[{len(numbers)}]}} units ({{{len(sources)}}})")
        sources.append(Source(("materials", m, "sites", s, "scheduled_receipts"), t))
        numbers.append(float(stock.scheduled_receipts[t]))
    text = "; ".join([f"material balance of {m} at {s} in {labels[t]}", *parts])
    return Words("material balance", f"{m} at {s}", t, None, text, tuple(sources), numbers=tuple(numbers))


def _unsupplied(d: ModelData, key: tuple[Any, ...]) -> float | None:
    supplied = any(sup.material == key[0] and key[1] in sup.sites for sup in d.suppliers.values())
    return None if supplied else math.inf


ROWS = (
    RowSpec(SUPPLIER_CAPACITY.component, "units of material from {name} in {period}", "unit",
            "one more unit of material the supplier can deliver in the period", _supplier_words,
            (Relief("supplier", "+{q} units from supplier {name} in {period}", "unit"),)),
    RowSpec(MATERIAL_BALANCE, "stock of material {name} in {period}", "unit",
            "one more unit of the material received at the site in the period", _balance_words,
            (Relief("supplier", "+{q} units of {name} received in {period}", "unit", cap=_unsupplied),)),
)


FAMILY = Family(
    name="materials",
    title="Materials and suppliers",
    doc=__doc__ or "",
    add=add,
    arrays=arrays,
    variables=(PURCHASE, MATERIAL_STOCK),
    limits=(SUPPLIER_CAPACITY,),
    costs=(CostCategory("materials", "Materials bought", 20),),
    rows=ROWS,
)
