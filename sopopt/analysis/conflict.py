"""An irreducible infeasible subset (IIS) of an LP, found and verified within a time budget.

The *elements* of the planning LP are its rows and the column bounds that come from the
input (a lower bound above 0, a finite upper bound); every column stays non-negative
throughout, since each is a quantity. A subset of elements is *infeasible* when the LP
made of just those rows and bounds has no solution, and *irreducible* when dropping any
one of them makes the rest feasible.

The search:

1. HiGHS's IIS (``Highs.getIis`` with ``iis_strategy`` = from the LP + irreducible)
   proposes a subset; if HiGHS finds none, or its subset is not infeasible on its own,
   the whole LP is the starting subset;
2. the subset alone is solved: it must be infeasible;
3. a deletion filter drops each element in turn and solves the rest: an element whose
   removal leaves the rest infeasible is discarded for good, one whose removal makes the
   rest feasible is kept. When every element has been tried the kept ones are
   irreducible by construction (dropping a kept element leaves a subset of a system that
   was feasible), so this pass is also the verification of HiGHS's claim.

Past the time budget the subset found so far is returned with ``irreducible=False``:
it is infeasible, but not proven irreducible.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from sopopt.model.lp import LinearProgram
from sopopt.model.transforms.elastic import LOWER, ROW, UPPER
from sopopt.solver.iis import feasibility, highs_iis
from sopopt.solver.status import SolveStatus

#: An element of an LP: (ROW, row) or (LOWER/UPPER, column).
Element = tuple[int, int]


@dataclass(frozen=True)
class ConflictSearch:
    """The outcome of the search: the elements, and what was proven about them."""

    elements: list[Element]
    """The infeasible subset found."""
    irreducible: bool
    """True when every element was shown necessary (each one dropped: feasible)."""
    checks: int
    """Number of LPs solved to verify and reduce the subset."""
    seconds: float
    """Time spent."""
    source: str
    """Where the starting subset came from: ``highs`` or ``whole LP``."""


@dataclass
class _SubLP(LinearProgram):
    """A subsystem of an LP: some rows, the columns they use, some bounds."""

    def values(self, x: np.ndarray) -> dict[str, dict[Any, float]]:
        """Not used: subsystems are only checked for feasibility."""
        return {}

    def duals(self, y: np.ndarray) -> dict[str, dict[Any, float]]:
        """Not used: subsystems are only checked for feasibility."""
        return {}

    def column_keys(self) -> list[tuple[str, Any]]:
        """Positions only."""
        return [("column", (j,)) for j in range(self.num_col)]

    def row_keys(self) -> list[tuple[str, Any]]:
        """Positions only."""
        return [("row", (i,)) for i in range(self.num_row)]


def elements_of(lp: LinearProgram) -> list[Element]:
    """Every element of an LP: its rows, lower bounds above 0 and finite upper bounds."""
    rows = [(ROW, i) for i in range(lp.num_row)]
    lower = [(LOWER, int(j)) for j in np.flatnonzero(lp.col_lower > 0)]
    upper = [(UPPER, int(j)) for j in np.flatnonzero(np.isfinite(lp.col_upper))]
    return [*rows, *lower, *upper]


class _Subsystems:
    """Builds and checks subsystems of one LP."""

    def __init__(self, lp: LinearProgram) -> None:
        self.lp = lp
        self.A = sp.csc_matrix((lp.a_value, lp.a_index, lp.a_start), shape=(lp.num_row, lp.num_col)).tocsr()
        self.checks = 0

    def build(self, elements: list[Element]) -> _SubLP:
        lp = self.lp
        rows = np.array(sorted(i for kind, i in elements if kind == ROW), dtype=np.int64)
        lower = np.minimum(lp.col_lower, 0.0)
        upper = np.full(lp.num_col, math.inf)
        for kind, j in elements:
            if kind == LOWER:
                lower[j] = lp.col_lower[j]
            elif kind == UPPER:
                upper[j] = lp.col_upper[j]
        A = self.A[rows].tocsc()
        A.sum_duplicates()
        A.sort_indices()
        return _SubLP(
            num_col=lp.num_col, num_row=int(rows.size), offset=0.0,
            col_cost=np.zeros(lp.num_col), col_lower=lower, col_upper=upper,
            row_lower=lp.row_lower[rows], row_upper=lp.row_upper[rows],
            a_start=A.indptr.astype(np.int32), a_index=A.indices.astype(np.int32),
            a_value=A.data.astype(float), cost_vectors={}, seconds=0.0,
        )

    def status(self, elements: list[Element], time_limit: float | None) -> SolveStatus:
        self.checks += 1
        return feasibility(self.build(elements), time_limit)


def find_conflict(lp: LinearProgram, time_budget: float = 60.0) -> ConflictSearch:
    """An infeasible subset of the LP's elements, irreducible unless the budget ran out.

    Raises:
        ValueError: the LP is feasible (there is no conflict to find).
    """
    start = time.perf_counter()
    deadline = start + time_budget
    subs = _Subsystems(lp)
    members, source = _start(lp, subs, deadline)
    if members is None:
        raise ValueError("the LP is feasible: there is no conflict")
    proven = True
    kept: list[Element] = []
    todo = list(members)
    while todo:
        left = deadline - time.perf_counter()
        if left <= 0:
            proven = False
            break
        element = todo.pop(0)
        status = subs.status([*kept, *todo], left)
        if status is SolveStatus.INFEASIBLE:
            continue  # not needed: the rest is infeasible without it
        if status is not SolveStatus.OPTIMAL:
            proven = False  # stopped by the budget: keep it, unproven
        kept.append(element)
    return ConflictSearch([*kept, *todo], proven, subs.checks, time.perf_counter() - start, source)


def _start(lp: LinearProgram, subs: _Subsystems, deadline: float) -> tuple[list[Element] | None, str]:
    """The starting subset: HiGHS's IIS when it checks out, else the whole LP (or None
    when the whole LP is feasible)."""
    left = max(deadline - time.perf_counter(), 0.01)
    candidate = highs_iis(lp, time_limit=left)
    if candidate is not None:
        elements: list[Element] = [(ROW, int(i)) for i in candidate.rows]
        elements += [(LOWER, int(j)) for j in candidate.lower if lp.col_lower[j] > 0]
        elements += [(UPPER, int(j)) for j in candidate.upper if np.isfinite(lp.col_upper[j])]
        left = max(deadline - time.perf_counter(), 0.01)
        if elements and subs.status(elements, left) is SolveStatus.INFEASIBLE:
            return elements, "highs"
    whole = elements_of(lp)
    status = subs.status(whole, max(deadline - time.perf_counter(), 0.01))
    if status is SolveStatus.OPTIMAL:
        return None, "whole LP"
    return whole, "whole LP"
