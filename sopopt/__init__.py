"""sopopt: sales & operations planning as a linear program (Pyomo + HiGHS).

Typical use::

    import sopopt
    plan = sopopt.solve("scenarios/base.yaml")
    print(plan.status, plan.objective)
    plan.costs            # cost breakdown by category
    plan.table("plan")    # product x site x period flows
    plan.bottlenecks()    # limits ranked by money at stake

Every solve goes through one :class:`Planner` (case -> LP -> HiGHS -> ranges -> Plan).
"""

from __future__ import annotations

from sopopt.analysis.hedge import HedgedPlan, hedge
from sopopt.analysis.planner import Planner, solve
from sopopt.analysis.replan import Replanned, replan
from sopopt.analysis.sweep import sweep
from sopopt.errors import (
    InfeasibleError,
    ScenarioError,
    SolverError,
    SopoptError,
    UnboundedError,
)
from sopopt.inputs.case import Case, load_case
from sopopt.results.plan import Plan, extract_plan
from sopopt.solver.options import SolveOptions
from sopopt.solver.session import solve_model
from sopopt.solver.status import SolveStatus
from sopopt.version import __version__


def __getattr__(name: str) -> object:
    # The Pyomo build is loaded on first use: the default (fast) path never needs Pyomo.
    if name == "explain":
        # Loaded on first use (the analysis layer): ``sopopt.explain(case_or_plan, ...)``.
        from sopopt.analysis.explain import explain

        return explain
    if name == "build_model":
        from sopopt.model.build import build_model

        return build_model
    raise AttributeError(f"module 'sopopt' has no attribute '{name}'")


__all__ = [
    "Case",
    "HedgedPlan",
    "InfeasibleError",
    "Plan",
    "Planner",
    "Replanned",
    "ScenarioError",
    "SolveOptions",
    "SolveStatus",
    "SolverError",
    "SopoptError",
    "UnboundedError",
    "__version__",
    "build_model",
    "explain",
    "extract_plan",
    "hedge",
    "load_case",
    "replan",
    "solve",
    "solve_model",
    "sweep",
]
