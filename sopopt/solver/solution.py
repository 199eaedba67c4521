"""A solve's result as plain numbers (:class:`Solution`), no solver or Pyomo objects:
values, duals, slacks and costs keyed by component name and index, with the ranges of
its limits (:class:`Ranging` of :class:`LimitRange`), and :func:`raise_for_status`, the
typed error of a result without a plan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sopopt.errors import InfeasibleError, SolverError, UnboundedError
from sopopt.solver.status import SolveStatus


@dataclass(frozen=True)
class LimitRange:
    """The range over which one binding bound keeps its dual: one row or column bound.

    ``value`` is the bound's current value (a row's right-hand side or a column's
    bound); ``low`` and ``high`` are the values the bound can take, with the optimal
    basis and hence the dual unchanged (``-inf``/``inf``: no end; ``nan``: unknown).
    ``dual`` is HiGHS's row dual or reduced cost (minimisation signs); ``side`` says which
    bound is active, ``lower`` or ``upper``; ``position`` is the row's or column's number
    in the LP.
    """

    value: float
    low: float
    high: float
    dual: float
    side: str
    position: int = -1

    @property
    def ranged(self) -> bool:
        """False while the range is not computed (``low`` and ``high`` are ``nan``)."""
        return not (math.isnan(self.low) and math.isnan(self.high))


@dataclass(frozen=True)
class Ranging:
    """Sensitivity ranges of an optimal plan, from HiGHS ranging (``Highs.getRanging``).

    ``rows`` holds every row that is nonbasic (at a bound) and ``columns`` every column
    nonbasic at a finite bound, keyed by component name and index. ``note`` says why the
    ranges are unknown (``""`` when they are known: then ``rows`` and ``columns`` come
    from an optimal basis); without a basis ``columns`` still holds the columns at a
    bound with their reduced costs, ranges ``nan``. ``label`` says what the ranges are of
    when that is not the LP solved (a MIP: :data:`FIXED_MIP_LABEL`).
    """

    rows: dict[str, dict[Any, LimitRange]]
    columns: dict[str, dict[Any, LimitRange]]
    note: str = ""
    label: str = ""

    @property
    def known(self) -> bool:
        """True when the ranges come from an optimal basis."""
        return not self.note


#: What the ranges of a MIP plan are of: HiGHS ranges the LP left when every integer
#: decision is fixed at its value in the plan (``Highs.getFixedLp``).
FIXED_MIP_LABEL = "LP with the integer decisions fixed at their plan values"


@dataclass(frozen=True)
class Solution:
    """A solver result as plain numbers; no solver or Pyomo objects.

    ``values``, ``duals`` and ``slacks`` are keyed by component name, then index;
    ``costs`` holds the cost of each category (they sum to ``objective``) and
    ``period_costs`` the same split by period (one amount per period and category);
    ``ranging`` is set by :func:`~sopopt.solver.ranging.compute_ranging` (``None``: not asked for).
    """

    status: SolveStatus
    objective: float | None
    values: dict[str, dict[Any, float]]
    duals: dict[str, dict[Any, float]]
    slacks: dict[str, dict[Any, float]]
    costs: dict[str, float]
    info: dict[str, Any]
    period_costs: dict[str, np.ndarray] = field(default_factory=dict)
    ranging: Ranging | None = None


def raise_for_status(solution: Solution) -> None:
    """Raise the typed error for a result with no plan."""
    if solution.status is SolveStatus.INFEASIBLE:
        raise InfeasibleError("infeasible: no plan meets every hard constraint (demand, limits, targets)")
    if solution.status in (SolveStatus.UNBOUNDED, SolveStatus.INFEASIBLE_OR_UNBOUNDED):
        raise UnboundedError(f"{solution.status.label}")
    if not solution.status.has_plan:
        raise SolverError(f"{solution.status.label} (HiGHS: {solution.info.get('highs_status')})")
