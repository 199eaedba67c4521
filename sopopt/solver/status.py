"""What a solve established, in sopopt's own words: :class:`SolveStatus` and its labels.

HiGHS's own statuses are mapped onto these in :mod:`sopopt.solver.highs`.
"""

from __future__ import annotations

from enum import StrEnum


class SolveStatus(StrEnum):
    """What the solver established about the plan."""

    OPTIMAL = "optimal"
    OPTIMAL_WITHIN_GAP = "optimal_within_gap"
    #: An LP optimum from a method that leaves no basis to verify it (PDLP, interior point
    #: without crossover): optimal within :data:`TOLERANCE_WITHOUT_BASIS`, not exactly.
    OPTIMAL_WITHIN_TOLERANCE = "optimal_within_tolerance"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    TIME_LIMIT_FEASIBLE = "time_limit_feasible"
    TIME_LIMIT_NO_PLAN = "time_limit_no_plan"
    ITERATION_LIMIT_FEASIBLE = "iteration_limit_feasible"
    ITERATION_LIMIT_NO_PLAN = "iteration_limit_no_plan"
    OTHER_LIMIT_FEASIBLE = "other_limit_feasible"
    OTHER_LIMIT_NO_PLAN = "other_limit_no_plan"
    INTERRUPTED = "interrupted"
    ERROR = "error"

    @property
    def has_plan(self) -> bool:
        """True when there is a feasible plan to report (optimal or not)."""
        return self in _WITH_PLAN

    @property
    def label(self) -> str:
        """Planner wording of the status."""
        return _LABELS[self]


_LABELS = {
    SolveStatus.OPTIMAL: "optimal",
    # A plan with integer decisions: proven within the relative gap ``solver.mip_gap`` of
    # the best possible, never called plain "optimal" (Plan.status_text gives the gap).
    SolveStatus.OPTIMAL_WITHIN_GAP: "optimal within the MIP gap",
    SolveStatus.OPTIMAL_WITHIN_TOLERANCE: "optimal within 1e-6",
    SolveStatus.INFEASIBLE: "infeasible: no plan meets every hard constraint",
    SolveStatus.UNBOUNDED: "unbounded: a cost or a limit is missing",
    SolveStatus.INFEASIBLE_OR_UNBOUNDED: "infeasible or unbounded",
    SolveStatus.TIME_LIMIT_FEASIBLE: "time limit reached: feasible plan, NOT proven optimal",
    SolveStatus.TIME_LIMIT_NO_PLAN: "time limit reached before any feasible plan was found",
    SolveStatus.ITERATION_LIMIT_FEASIBLE: "iteration limit reached: feasible plan, NOT proven optimal",
    SolveStatus.ITERATION_LIMIT_NO_PLAN: "iteration limit reached before any feasible plan was found",
    SolveStatus.OTHER_LIMIT_FEASIBLE: "stopped at a solver limit (objective or solution): feasible plan, "
    "NOT proven optimal",
    SolveStatus.OTHER_LIMIT_NO_PLAN: "stopped at a solver limit (objective or solution) before any feasible plan",
    SolveStatus.INTERRUPTED: "interrupted by the user before the solve finished: no plan",
    SolveStatus.ERROR: "solver error",
}

#: A stopped solve whose primal solution is feasible has a plan: the status it becomes.
FEASIBLE_VARIANT = {
    SolveStatus.TIME_LIMIT_NO_PLAN: SolveStatus.TIME_LIMIT_FEASIBLE,
    SolveStatus.ITERATION_LIMIT_NO_PLAN: SolveStatus.ITERATION_LIMIT_FEASIBLE,
    SolveStatus.OTHER_LIMIT_NO_PLAN: SolveStatus.OTHER_LIMIT_FEASIBLE,
}
_WITH_PLAN = frozenset({SolveStatus.OPTIMAL, SolveStatus.OPTIMAL_WITHIN_GAP, SolveStatus.OPTIMAL_WITHIN_TOLERANCE,
                        *FEASIBLE_VARIANT.values()})
#: Statuses of a finished solve (exit 0): proven optimal, within the MIP gap, or within
#: the tolerance of a method without a basis.
OPTIMAL_STATUSES = frozenset({SolveStatus.OPTIMAL, SolveStatus.OPTIMAL_WITHIN_GAP,
                              SolveStatus.OPTIMAL_WITHIN_TOLERANCE})
#: Relative objective tolerance claimed for an LP optimum without a basis to verify it:
#: ten times HiGHS's PDLP and interior point optimality tolerances (1e-7, 1e-8), which
#: bound the relative duality gap those methods stop at.
TOLERANCE_WITHOUT_BASIS = 1e-6
