r"""Machine capacity: hours used by production against hours available plus overtime.

.. math::

    \sum_{p} a_{r,p} X_{p,s_r,t} + \sum_{(p,k)} a_{r,p,k} R_{p,s_r,k,t} \le H_{r,t} + O_{r,t},
    \qquad 0 \le O_{r,t} \le \overline{O}_{r,t}

    \text{cost (overtime)} = \sum c^{O}_{r,t} O_{r,t}

Machine rows are separate from labour rows (:mod:`sopopt.model.workforce`). A resource
that no product uses (every rate zero or none given) has no rows and no overtime.
:math:`R` are the units made by a routing that charges the resource
(:mod:`sopopt.model.routings`).

====================  ========================  ======================================
symbol                Pyomo                     file field
====================  ========================  ======================================
:math:`a_{r,p}`       coefficient               ``resources.R.usage.P`` (hours/unit)
:math:`H_{r,t}`       right-hand side           ``resources.R.hours``
:math:`O_{r,t}`       ``m.resource_overtime``   (decision) overtime hours
:math:`\overline{O}`  bound of O                ``resources.R.overtime.capacity``
:math:`c^O`           cost term                 ``resources.R.overtime.cost``
(row)                 ``m.resource_capacity``
====================  ========================  ======================================
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sopopt.inputs.compile import ModelData, ResourceData
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
    Words,
    limit_words,
)
from sopopt.model.production import PRODUCTION
from sopopt.model.routings import resource_arrays, resource_charges, resource_hours, routed_usage

if TYPE_CHECKING:
    import pyomo.environ as pyo

RESOURCE_OVERTIME = VarSpec("resource_overtime", "resource_overtime", ("resource", "period"), "hours")
RESOURCE_CAPACITY = LimitSpec("resource_capacity", "capacity", ("resource", "period"), "hour",
                              level=lambda d, key, _v: float(d.resources[key[0]].hours[key[1]]))


def used_resources(d: ModelData) -> dict[str, ResourceData]:
    """Resources that some product or routing uses (a non-zero rate): the only ones with rows."""
    routed = routed_usage(d)
    return {r: res for r, res in d.resources.items() if any(res.usage.values()) or r in routed}


def add(m: pyo.ConcreteModel, d: ModelData, reg: CostTerms) -> None:
    """Resource capacity rows and resource overtime."""
    import pyomo.environ as pyo

    used = used_resources(d)
    charges = resource_charges(d)
    m.resource_index = pyo.Set(initialize=[(r, t) for r in used for t in range(d.T)], dimen=2, ordered=True)
    m.resource_overtime_index = pyo.Set(
        initialize=[(r, t) for r in used if used[r].overtime for t in range(d.T)], dimen=2, ordered=True
    )

    def overtime_bounds(_m: pyo.ConcreteModel, r: str, t: int) -> tuple[float, float | None]:
        return 0.0, bound(d.resources[r].overtime_capacity[t])

    m.resource_overtime = pyo.Var(m.resource_overtime_index, domain=pyo.NonNegativeReals, bounds=overtime_bounds)

    def capacity(m: pyo.ConcreteModel, r: str, t: int) -> pyo.Expression:
        res = d.resources[r]
        hours = sum(rate * m.production[p, res.site, t] for p, rate in res.usage.items() if rate)
        hours += resource_hours(m, charges.get(r, []), t)
        overtime = m.resource_overtime[r, t] if res.overtime else 0.0
        return hours - overtime <= float(res.hours[t])

    m.resource_capacity = pyo.Constraint(m.resource_index, rule=capacity)
    reg.cost("overtime", [
        (float(d.resources[r].overtime_cost[t]), m.resource_overtime[r, t])
        for r, t in m.resource_overtime_index if d.resources[r].overtime_cost[t]
    ])


def arrays(a: ArrayModel) -> None:
    """The same columns, rows and costs as arrays: ``sum_p a_rp X[p,s_r,t] - O[r,t] <= H[r,t]``."""
    T = a.T
    used = list(used_resources(a.d).values())
    entities = [(res.name,) for res in used]
    overtime = np.array([res.overtime for res in used], dtype=bool)
    RO = a.columns(RESOURCE_OVERTIME.component, entities, np.repeat(overtime[:, None], T, axis=1), 0.0,
                   stack([res.overtime_capacity for res in used], T))
    RC = a.rows(RESOURCE_CAPACITY.component, entities, np.ones((len(used), T), dtype=bool),
                stack([res.hours for res in used], T), 1)
    a.usage(RC, [(res.site, res.usage) for res in used], a.item_ids(PRODUCTION.component, a.item_flag("make")))
    resource_arrays(a, RC, [res.name for res in used])
    a.coef(RC, RO, -1.0)
    a.objective("overtime", RO, stack([res.overtime_cost for res in used], T))


def _capacity_words(d: ModelData, key: tuple[Any, ...], labels: Sequence[str]) -> Words:
    r, t = key
    res = d.resources[r]
    hours = float(res.hours[t])
    where = Source(("resources", r, "hours"), t)
    if res.overtime:
        cap = float(res.overtime_capacity[t])
        overtime = "{n[1]}" if cap != float("inf") else "unlimited"
        text = f"{r} hours in {labels[t]}: {{n[0]}} regular + {overtime} overtime ({{0}}; overtime {{1}})"
        sources = (where, Source(("resources", r, "overtime", "capacity"), t))
        return Words("resource hours", r, t, hours, text, sources, numbers=(hours, cap))
    text = f"{r} hours in {labels[t]}: {{n[0]}} regular ({{0}})"
    absent = ((f"no overtime allowed on {r}", Source(("resources", r), entity=True)),)
    return Words("resource hours", r, t, hours, text, (where,), absent, (hours,))


_overtime_words = limit_words("overtime capacity", "{name} overtime in {period}: at most {{n[0]}} h ({{0}})",
                              ("resources", "{name}", "overtime", "capacity"))


ROWS = (
    RowSpec(RESOURCE_CAPACITY.component, "hours of {name} in {period}", "hour",
            "one more hour of the resource in the period", _capacity_words,
            (Relief("overtime", "+{q} h on {name} in {period}", "hour",
                    cap=lambda d, key: None if d.resources[key[0]].overtime else math.inf),)),
)
BOUNDS = (
    BoundSpec("resource_overtime", "upper", "hour", "one more overtime hour on the resource",
              lambda d, key: float(d.resources[key[0]].overtime_capacity[key[1]]), _overtime_words,
              Relief("overtime", "+{q} h of overtime on {name} in {period} beyond its capacity", "hour"),
              folds_into=RESOURCE_CAPACITY.component),
)


FAMILY = Family(
    name="resources",
    title="Machine resources",
    doc=__doc__ or "",
    add=add,
    arrays=arrays,
    variables=(RESOURCE_OVERTIME,),
    limits=(RESOURCE_CAPACITY,),
    bound_limits=(BoundLimitSpec("resource_overtime", "upper", "machine_overtime", "overtime hour"),),
    costs=(CostCategory("overtime", "Overtime", 60),),
    rows=ROWS,
    bounds=BOUNDS,
)
