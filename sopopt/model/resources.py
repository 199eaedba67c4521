r"""Machine capacity: hours used by production against hours available plus overtime.

.. math::

    \sum_{p} a_{r,p} X_{p,s_r,t} \le H_{r,t} + O_{r,t},
    \qquad 0 \le O_{r,t} \le \overline{O}_{r,t}

    \text{cost (overtime)} = \sum c^{O}_{r,t} O_{r,t}

Machine rows are separate from labour rows (:mod:`sopopt.model.workforce`).

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

import pyomo.environ as pyo

from sopopt.model.common import bound
from sopopt.model.registry import Registry
from sopopt.model.sets import ModelData


def add_resources(m: pyo.ConcreteModel, d: ModelData, reg: Registry) -> None:
    """Resource capacity rows and resource overtime."""
    used = {r: res for r, res in d.resources.items() if any(res.usage.values())}
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
        overtime = m.resource_overtime[r, t] if res.overtime else 0.0
        return hours - overtime <= float(res.hours[t])

    m.resource_capacity = pyo.Constraint(m.resource_index, rule=capacity)
    reg.cost("overtime", [
        (float(d.resources[r].overtime_cost[t]), m.resource_overtime[r, t])
        for r, t in m.resource_overtime_index if d.resources[r].overtime_cost[t]
    ])
