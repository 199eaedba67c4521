r"""Multi-level bills: products made from other products (sub-assemblies, intermediates).

A product :math:`q` that is a component of :math:`p` is a product like any other: made
or subcontracted at a site, stocked, shipped on lanes. Making :math:`p` at site
:math:`s` takes :math:`\beta_{p,q}` units of :math:`q` from the stock of :math:`q` at
:math:`s` in the same period: the *dependent demand* :math:`G`, one more outflow of the
inventory balance of :math:`q` at :math:`s` (:mod:`sopopt.model.inventory`):

.. math::

    I_{q,s,t} = I_{q,s,t-1} + \dots - S_{q,s,t} - G_{q,s,t},
    \qquad G_{q,s,t} = \sum_{p} \beta_{p,q} X_{p,s,t}

The bill has no cycle (refused when the case is loaded), and a component is stocked
wherever a product using it is made. Dependent demand is not demand in the service
KPIs (fill rate, lost units): only the component's own demand ``demand.Q.S`` is.

=====================  ==========================  =========================================
symbol                 Pyomo                       file field
=====================  ==========================  =========================================
:math:`\beta_{p,q}`    coefficient                 ``products.P.components.Q``
:math:`G`              (expression)                dependent demand, plan column
                                                   ``dependent_demand``
(balance)              ``m.inventory_balance``     extended with :math:`G` of each component
=====================  ==========================  =========================================
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np

from sopopt.inputs.compile import ModelData
from sopopt.model.arrays import ArrayModel
from sopopt.model.family import CostTerms, Family, PlanColumn, RowTerm
from sopopt.model.inventory import INVENTORY_BALANCE
from sopopt.model.production import PRODUCTION

if TYPE_CHECKING:
    import pyomo.environ as pyo


#: Plan-table column this family fills.
PLAN_DEPENDENT = PlanColumn("dependent_demand", "", "Dependent demand")

def consumers(d: ModelData) -> dict[tuple[str, str], list[tuple[str, float]]]:
    """Per component item (q, s): the products made at s that use q, with units per unit."""
    out: dict[tuple[str, str], list[tuple[str, float]]] = defaultdict(list)
    for (p, s), item in d.items.items():
        if item.make:
            for q, qty in d.components.get(p, {}).items():
                if qty and (q, s) in d.items:
                    out[q, s].append((p, qty))
    return dict(out)


def extend_rows(constraint: Any, terms: dict[Any, Any]) -> None:
    """Add ``terms[key]`` to the left-hand side of the built Pyomo rows ``constraint[key]``.

    The rows keep their place, sense and right-hand side: this is how a family adds an
    outflow to a balance another family owns.
    """
    for key, extra in terms.items():
        row = constraint[key]
        if row.equality:
            row.set_value(row.body + extra == row.upper)
        elif row.upper is None:
            row.set_value(row.body + extra >= row.lower)
        else:
            row.set_value(row.body + extra <= row.upper)


def dependent_expression(m: pyo.ConcreteModel, users: list[tuple[str, float]], s: str, t: int) -> Any:
    """:math:`G_{q,s,t}` as a Pyomo expression, for the users of one component item."""
    return sum(qty * m.production[p, s, t] for p, qty in users)


def add(m: pyo.ConcreteModel, d: ModelData, reg: CostTerms) -> None:
    """The dependent demand of every component, as an outflow of its inventory balance."""
    extend_rows(m.inventory_balance, {
        (q, s, t): dependent_expression(m, users, s, t) for (q, s), users in consumers(d).items() for t in range(d.T)
    })


def dependent_arrays(a: ArrayModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:math:`G` on the item grid: (component item rows, production id grids, units per unit)."""
    rows, cols, qty = [], [], []
    for (q, s), users in consumers(a.d).items():
        for p, amount in users:
            rows.append(a.pos[q, s])
            cols.append(a.pos[p, s])
            qty.append(amount)
    X = a.item_ids(PRODUCTION.component, a.item_flag("make"))
    return np.array(rows, dtype=np.int64), X[np.array(cols, dtype=np.int64)], np.array(qty, dtype=float)


def arrays(a: ArrayModel) -> None:
    """The same coefficients on the inventory balance rows."""
    rows, X, qty = dependent_arrays(a)
    if rows.size:
        a.coef(a.ids[INVENTORY_BALANCE][rows], X, qty[:, None])


def dependent_demand(d: ModelData, production: np.ndarray) -> np.ndarray:
    """Dependent demand per item and period from production on the item grid (items x T)."""
    out = np.zeros_like(production, dtype=float)
    pos = {key: i for i, key in enumerate(d.items)}
    for (q, s), users in consumers(d).items():
        for p, qty in users:
            out[pos[q, s]] += qty * production[pos[p, s]]
    return out


FAMILY = Family(
    name="bills",
    title="Multi-level bills (dependent demand)",
    doc=__doc__ or "",
    add=add,
    arrays=arrays,
    extends=(RowTerm(INVENTORY_BALANCE, (PRODUCTION.component,),
                     "units of each component taken from stock where its user is made (dependent demand)"),),
    plan_columns=(PLAN_DEPENDENT,),
)
