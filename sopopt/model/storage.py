r"""Storage volume of closing finished-goods stock per site.

.. math::

    \sum_{p} v_p I_{p,s,t} \le V_{s,t} + O_{s,t}, \qquad 0 \le O_{s,t} \le \overline{O}_{s,t}

    \text{cost} = \sum_{s,t} c^V_{s,t} \sum_p v_p I_{p,s,t} + \sum_{s,t} c^O_{s,t} O_{s,t}

The regular storage rate applies to all volume stored; overflow (rented) volume pays its
rate on top. Goods in transit use no site storage.

====================  ======================  ==========================================
symbol                Pyomo                   file field
====================  ======================  ==========================================
:math:`v_p`           coefficient             ``products.P.volume``
:math:`V`             ``m.storage_capacity``  ``sites.S.storage.capacity``
:math:`O`             ``m.overflow``          (decision) rented volume
:math:`\overline{O}`  bound of O              ``storage.overflow.capacity``
:math:`c^V`           cost term               ``storage.cost``
:math:`c^O`           cost term               ``storage.overflow.cost``
====================  ======================  ==========================================
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sopopt.inputs.compile import ModelData
from sopopt.model.arrays import ArrayModel, stack
from sopopt.model.common import bound
from sopopt.model.family import (
    BoundLimitSpec,
    BoundSpec,
    CostCategory,
    CostTerms,
    Family,
    LimitSpec,
    Relief,
    RowSpec,
    Source,
    VarSpec,
    capacity_words,
    limit_words,
)
from sopopt.model.inventory import INVENTORY

if TYPE_CHECKING:
    import pyomo.environ as pyo

OVERFLOW = VarSpec("overflow", "overflow_storage", ("site", "period"), "volume")
STORAGE_CAPACITY = LimitSpec("storage_capacity", "storage", ("site", "period"), "volume unit",
                             level=lambda d, key, _v: float(d.storage[key[0]].capacity[key[1]]))


def add(m: pyo.ConcreteModel, d: ModelData, reg: CostTerms) -> None:
    """Storage capacity rows, overflow volume and storage cost."""
    import pyomo.environ as pyo

    stocked: dict[str, list[str]] = {}
    for p, s in d.items:
        if d.volume[p] > 0:
            stocked.setdefault(s, []).append(p)
    rows = [
        (s, t)
        for s, st in d.storage.items()
        for t in range(d.T)
        if not math.isinf(st.capacity[t]) and stocked.get(s)
    ]
    m.storage_index = pyo.Set(initialize=rows, dimen=2, ordered=True)
    overflow = [(s, t) for s, t in rows if d.storage[s].overflow]
    m.overflow_index = pyo.Set(initialize=overflow, dimen=2, ordered=True)

    def overflow_bounds(_m: pyo.ConcreteModel, s: str, t: int) -> tuple[float, float | None]:
        return 0.0, bound(d.storage[s].overflow_capacity[t])

    m.overflow = pyo.Var(m.overflow_index, domain=pyo.NonNegativeReals, bounds=overflow_bounds)

    def capacity(m: pyo.ConcreteModel, s: str, t: int) -> pyo.Expression:
        volume = sum(d.volume[p] * m.inventory[p, s, t] for p in stocked[s])
        extra = m.overflow[s, t] if (s, t) in m.overflow_index else 0.0
        return volume - extra <= float(d.storage[s].capacity[t])

    m.storage_capacity = pyo.Constraint(m.storage_index, rule=capacity)
    reg.cost("storage", [  # in item order, as the array form adds them
        (float(d.storage[s].cost[t] * d.volume[p]), m.inventory[p, s, t])
        for p, s in d.items
        if s in d.storage and d.volume[p] > 0
        for t in range(d.T)
        if d.storage[s].cost[t]
    ])
    reg.cost("storage", [
        (float(d.storage[s].overflow_cost[t]), m.overflow[s, t]) for s, t in m.overflow_index if d.storage[s].overflow_cost[t]
    ])


def arrays(a: ArrayModel) -> None:
    """The same columns, rows and costs as arrays: ``sum_p v_p I[p,s,t] - O[s,t] <= V[s,t]``."""
    T, d = a.T, a.d
    inv = a.ids[INVENTORY.component]
    volume = np.array([d.volume[p] for p, _ in a.keys])
    sites = list(d.storage)
    site_row = {s: j for j, s in enumerate(sites)}
    stocked = volume > 0
    has_stock = {s for (_p, s), ok in zip(a.keys, stocked.tolist(), strict=True) if ok}
    cap = stack([d.storage[s].capacity for s in sites], T)
    mask = np.isfinite(cap) & np.array([s in has_stock for s in sites], dtype=bool)[:, None]
    over = np.array([d.storage[s].overflow for s in sites], dtype=bool)
    entities = [(s,) for s in sites]
    OV = a.columns(OVERFLOW.component, entities, mask & over[:, None], 0.0,
                   stack([d.storage[s].overflow_capacity for s in sites], T))
    SC = a.rows(STORAGE_CAPACITY.component, entities, mask, cap, 1)
    item_site = np.array([site_row.get(s, -1) for _p, s in a.keys], dtype=np.int64)
    stored = stocked & (item_site >= 0)
    a.coef(SC[item_site[stored]], inv[stored], volume[stored][:, None])
    a.coef(SC, OV, -1.0)
    rate = stack([d.storage[s].cost for s in sites], T)
    a.objective("storage", inv[stored], rate[item_site[stored]] * volume[stored][:, None])
    a.objective("storage", OV, stack([d.storage[s].overflow_cost for s in sites], T))


_storage_words = capacity_words(
    "storage capacity", "storage at {name} in {period}: {{n[0]}} volume units ({{0}})",
    ("sites", "{name}", "storage", "capacity"), lambda d, s: d.storage[s].capacity,
    lambda d, s: () if d.storage[s].overflow else ((f"no overflow storage at {s}", Source(("sites", s, "storage"),
                                                                                        entity=True)),))
_overflow_words = limit_words("overflow capacity", "overflow storage at {name} in {period}: at most {{n[0]}} ({{0}})",
                              ("sites", "{name}", "storage", "overflow", "capacity"))


ROWS = (
    RowSpec(STORAGE_CAPACITY.component, "volume stored at {name} in {period}", "volume unit",
            "one more volume unit of storage at the site in the period", _storage_words,
            (Relief("storage", "+{q} volume units of storage at {name} in {period}", "volume unit"),)),
)
BOUNDS = (
    BoundSpec("overflow", "upper", "volume unit", "one more volume unit of overflow storage",
              lambda d, key: float(d.storage[key[0]].overflow_capacity[key[1]]), _overflow_words,
              Relief("storage", "+{q} volume units of overflow storage at {name} in {period}", "volume unit")),
)


FAMILY = Family(
    name="storage",
    title="Storage",
    doc=__doc__ or "",
    add=add,
    arrays=arrays,
    variables=(OVERFLOW,),
    limits=(STORAGE_CAPACITY,),
    bound_limits=(BoundLimitSpec("overflow", "upper", "overflow", "volume unit"),),
    costs=(CostCategory("storage", "Storage space", 100),),
    rows=ROWS,
    bounds=BOUNDS,
)
