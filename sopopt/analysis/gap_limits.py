"""The top limit behind each part of a target's gap bridge (``target_gap.csv``, issue 27).

A part of the bridge is a product's units lost (or carried as backlog) over the periods
of a missed revenue or units target. Its *limit* is the binding limit that moves those
units most within its range, by the rates of the plan explanation
(:func:`sopopt.analysis.explain_plan.causes_of`): the capacity, supply or lane that, with
more of it, would have delivered them. It needs the solve's basis and every binding
limit's range, so the planner adds it right after the solve, only when a plan misses
such a target (one full ranging and one basis solve per part).
"""

from __future__ import annotations

import dataclasses

from sopopt.analysis.explain_plan import binding_limits, causes_of
from sopopt.inputs.compile import ModelData
from sopopt.model.demand import BACKLOG, LOST
from sopopt.results.plan import Plan
from sopopt.results.targets import GAP_LIMIT, period_text
from sopopt.solver.session import HighsSession
from sopopt.solver.solution import Solution

#: The column of the units each part of the bridge counts.
_PART_COLUMN = {"lost": LOST.component, "backlogged": BACKLOG.component}


def with_gap_limits(plan: Plan, session: HighsSession, solution: Solution, data: ModelData) -> Plan:
    """``plan`` with the top limit behind each product part of its gap bridge (the
    ranges of every limit computed once, through the planner)."""
    from sopopt.analysis.planner import Planner

    gap = plan.tables.get("target_gap")
    if gap is None or gap.empty or not gap["product"].astype(bool).any():
        return plan
    limits = binding_limits(data, session, Planner(ranges="all").ranged(session, solution))
    targets = {g.name: g for g in data.targets}
    names = []
    for row in gap.to_dict("records"):
        g = targets.get(row["target"])
        column = _PART_COLUMN.get(row["part"])
        if g is None or column is None or not row["product"]:
            names.append("")
            continue
        covered = next(g.covered(t) for t in g.row_periods if period_text(data.labels, g.covered(t)) == row["period"])
        weights = {(column, (p, s, t)): 1.0 for p, s in g.items if p == row["product"] for t in covered}
        causes = causes_of(session, limits, weights, solution.values)
        names.append(f"{causes[0].name} ({causes[0].kind}) in {causes[0].period}" if causes else "")
    return dataclasses.replace(plan, tables={**plan.tables, "target_gap": gap.assign(**{GAP_LIMIT: names})})
