r"""Production and subcontracting of finished products.

.. math::

    \underline{X}_{p,s,t} \le X_{p,s,t} \le \overline{X}_{p,s,t}
        \quad \forall (p,s) \in \mathcal{M}, t

    0 \le U_{p,s,t} \le \overline{U}_{p,s,t} \quad \forall (p,s) \in \mathcal{U}, t

    \text{cost} = \sum c^{X}_{p,s,t} X_{p,s,t} + \sum c^{U}_{p,s,t} U_{p,s,t}

=====================  ======================  ==========================================
symbol                 Pyomo                   file field
=====================  ======================  ==========================================
:math:`\mathcal{M}`    ``m.make_index``        ``products.P.sites.S.make: true``
:math:`X`              ``m.production``        (decision) units produced
:math:`\underline{X}`  bound of X              ``min_production``
:math:`\overline{X}`   bound of X              ``max_production``
:math:`c^X`            cost term               ``production_cost``
:math:`\mathcal{U}`    ``m.subcontract_index`` ``products.P[.sites.S].subcontract``
:math:`U`              ``m.subcontract``       (decision) units bought finished
:math:`\overline{U}`   bound of U              ``subcontract.capacity``
:math:`c^U`            cost term               ``subcontract.cost``
=====================  ======================  ==========================================
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sopopt.inputs.compile import ModelData
from sopopt.model.arrays import ArrayModel
from sopopt.model.common import bound
from sopopt.model.family import (
    BoundLimitSpec,
    BoundSpec,
    CostCategory,
    CostTerms,
    Family,
    PlanColumn,
    Relief,
    Source,
    VarSpec,
    Words,
)

if TYPE_CHECKING:
    import pyomo.environ as pyo

PSP = ("product", "site", "period")
PRODUCTION = VarSpec("production", "production", PSP, "units", "units made per product, site and period")
SUBCONTRACT = VarSpec("subcontract", "subcontracting", PSP, "units", "units bought finished from subcontractors")


#: Plan-table columns this family fills.
PLAN_PRODUCTION = PlanColumn("production", PRODUCTION.component, "Production")
PLAN_SUBCONTRACTED = PlanColumn("subcontracted", SUBCONTRACT.component, "Subcontracted")


def add(m: pyo.ConcreteModel, d: ModelData, reg: CostTerms) -> None:
    """Production X[p,s,t] and subcontracted units U[p,s,t] with their bounds and costs."""
    add_production(m, d, reg)
    add_subcontracting(m, d, reg)


def add_production(m: pyo.ConcreteModel, d: ModelData, reg: CostTerms) -> None:
    """Production variables X[p,s,t] with their bounds and cost."""
    import pyomo.environ as pyo

    made = [(p, s) for (p, s), item in d.items.items() if item.make]
    m.make_index = pyo.Set(initialize=[(p, s, t) for p, s in made for t in range(d.T)], dimen=3, ordered=True)

    def bounds(_m: pyo.ConcreteModel, p: str, s: str, t: int) -> tuple[float, float | None]:
        item = d.items[p, s]
        return float(item.min_production[t]), bound(item.max_production[t])

    m.production = pyo.Var(m.make_index, domain=pyo.NonNegativeReals, bounds=bounds)
    reg.cost("production", [
        (float(d.items[p, s].production_cost[t]), m.production[p, s, t])
        for p, s, t in m.make_index if d.items[p, s].production_cost[t]
    ])


def add_subcontracting(m: pyo.ConcreteModel, d: ModelData, reg: CostTerms) -> None:
    """Subcontracted units U[p,s,t], bounded by the subcontractor's capacity."""
    import pyomo.environ as pyo

    items = [(p, s) for (p, s), item in d.items.items() if item.subcontract]
    m.subcontract_index = pyo.Set(
        initialize=[(p, s, t) for p, s in items for t in range(d.T)], dimen=3, ordered=True
    )

    def bounds(_m: pyo.ConcreteModel, p: str, s: str, t: int) -> tuple[float, float | None]:
        return 0.0, bound(d.items[p, s].subcontract_capacity[t])

    m.subcontract = pyo.Var(m.subcontract_index, domain=pyo.NonNegativeReals, bounds=bounds)
    reg.cost("subcontracting", [
        (float(d.items[p, s].subcontract_cost[t]), m.subcontract[p, s, t])
        for p, s, t in m.subcontract_index if d.items[p, s].subcontract_cost[t]
    ])


def arrays(a: ArrayModel) -> None:
    """The same columns and costs as arrays (X and U on the item grid)."""
    ones = np.ones((len(a.items), a.T), dtype=bool)
    make = a.item_flag("make")
    X = a.columns(PRODUCTION.component, a.item_keys(make), ones[make],
                  a.item_grid("min_production")[make], a.item_grid("max_production")[make])
    a.objective("production", X, a.item_grid("production_cost")[make])
    sub = a.item_flag("subcontract")
    U = a.columns(SUBCONTRACT.component, a.item_keys(sub), ones[sub], 0.0, a.item_grid("subcontract_capacity")[sub])
    a.objective("subcontracting", U, a.item_grid("subcontract_cost")[sub])


def item_bound_words(kind: str, field: tuple[str, ...], phrase: str) -> Callable[..., Words]:
    """Words of a product-at-site bound set by an item field (``min_production``, ...)."""

    def words(_d: ModelData, key: tuple[Any, ...], labels: Sequence[str], value: float) -> Words:
        p, s, t = key
        text = f"{kind} of {p} at {s} in {labels[t]}: {phrase} {{n[0]}} units ({{0}})"
        return Words(kind, f"{p} at {s}", t, value, text, (Source((p, s, *field), t, item=True),), numbers=(value,))

    return words


def _cell(attr: str) -> Callable[[ModelData, tuple[Any, ...]], float]:
    return lambda d, key: float(getattr(d.items[key[0], key[1]], attr)[key[2]])


BOUNDS = (
    BoundSpec("production", "lower", "unit", "one unit less minimum production of the product at the site",
              _cell("min_production"), item_bound_words("minimum production", ("min_production",), "at least"),
              Relief("production", "{q} units less production of {name} in {period} than its minimum", "unit")),
    BoundSpec("production", "upper", "unit", "one unit more maximum production of the product at the site",
              _cell("max_production"), item_bound_words("maximum production", ("max_production",), "at most"),
              Relief("production", "{q} units more production of {name} in {period} than its maximum", "unit")),
    BoundSpec("subcontract", "upper", "unit", "one more unit the subcontractor can deliver",
              _cell("subcontract_capacity"),
              item_bound_words("subcontracting capacity", ("subcontract", "capacity"), "at most"),
              Relief("production", "{q} units more subcontracting of {name} in {period} than its capacity", "unit")),
)


FAMILY = Family(
    name="production",
    title="Production and subcontracting",
    doc=__doc__ or "",
    add=add,
    arrays=arrays,
    variables=(PRODUCTION, SUBCONTRACT),
    bound_limits=(
        BoundLimitSpec("production", "lower", "min_production", "unit produced"),
        BoundLimitSpec("production", "upper", "max_production", "unit produced"),
        BoundLimitSpec("subcontract", "upper", "subcontract", "unit subcontracted"),
    ),
    costs=(CostCategory("production", "Production", 10), CostCategory("subcontracting", "Subcontracting", 30)),
    bounds=BOUNDS,
    plan_columns=(PLAN_PRODUCTION, PLAN_SUBCONTRACTED),
)
