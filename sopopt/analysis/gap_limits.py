"""The top limit behind each part of a target's gap bridge (``target_gap.csv``, issue 27).

A part of the bridge is a product's units lost (or carried as backlog) over the periods
of a missed revenue or units target. Its *limit* is the binding limit that moves those
units most within its range, by the rates of the plan explanation
(:mod:`sopopt.analysis.causes`): the capacity, supply or lane that, with
more of it, would have delivered them. It needs the solve's basis and every binding
limit's range, so the planner adds it right after the solve, only when a plan misses
such a target (one full ranging and one basis solve per part).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from sopopt.analysis.causes import binding_limits, rated_causes
from sopopt.inputs.compile import ModelData
from sopopt.model.demand import BACKLOG, LOST
from sopopt.model.targets import TARGET
from sopopt.results.plan import Plan
from sopopt.results.targets import GAP_LIMIT, period_text
from sopopt.solver.session import HighsSession
from sopopt.solver.solution import Solution

#: The column of the units each part of the bridge counts.
_PART_COLUMN = {"lost": LOST.component, "backlogged": BACKLOG.component}


def with_gap_limits(plan: Plan, session: HighsSession, ranged: Callable[[], Solution], data: ModelData) -> Plan:
    """``plan`` with the top limit behind each product part of its gap bridge; ``ranged``
    gives the solve's solution with every limit ranged (called only when a part needs it)."""
    gap = plan.tables.get("target_gap")
    if gap is None or gap.empty or not gap["product"].astype(bool).any():
        return plan
    solution = ranged()
    limits = binding_limits(data, session, solution)
    targets = {g.name: g for g in data.targets}
    names = []
    for row in gap.to_dict("records"):
        g = targets.get(row[TARGET.component])
        column = _PART_COLUMN.get(row["part"])
        if g is None or column is None or not row["product"]:
            names.append("")
            continue
        covered = next(g.covered(t) for t in g.row_periods if period_text(data.labels, g.covered(t)) == row["period"])
        weights = {(column, (p, s, t)): 1.0 for p, s in g.items if p == row["product"] for t in covered}
        value = sum(solution.values.get(c, {}).get(i, 0.0) for c, i in weights)
        causes = rated_causes(session, limits, weights, value)
        names.append(f"{causes[0].name} ({causes[0].kind}) in {causes[0].period}" if causes else "")
    return dataclasses.replace(plan, tables={**plan.tables, "target_gap": gap.assign(**{GAP_LIMIT: names})})
