"""Infeasibility analysis with HiGHS: its irreducible infeasible subsystem of an LP
(:func:`highs_iis`) and a plain feasibility check (:func:`feasibility`), for the
conflict search of :mod:`sopopt.analysis.conflict`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from sopopt.model.lp import LinearProgram
from sopopt.solver.highs import ERROR, IIS_IRREDUCIBLE, IIS_LOWER, IIS_STRATEGY, IIS_UPPER, classify, new_highs, pass_lp
from sopopt.solver.status import SolveStatus


@dataclass(frozen=True)
class IisCandidate:
    """An infeasible subsystem reported by HiGHS: LP rows and the column bounds in it.

    ``lower`` and ``upper`` list columns whose lower (upper) bound takes part;
    ``irreducible`` is what HiGHS claims, to be verified by the caller.
    """

    rows: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    irreducible: bool
    seconds: float


def highs_iis(lp: LinearProgram, time_limit: float | None = None, strategy: int = IIS_STRATEGY) -> IisCandidate | None:
    """HiGHS's irreducible infeasible subsystem of an LP (``Highs.getIis``), or None when
    HiGHS finds none (the LP is feasible, or its IIS facility gives up)."""
    start = time.perf_counter()
    h = new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("iis_strategy", int(strategy))
    if time_limit is not None:
        h.setOptionValue("time_limit", float(max(time_limit, 0.01)))
    pass_lp(h, lp)
    status, iis = h.getIis()
    if status == ERROR or not iis.valid_ or not len(iis.row_index_) + len(iis.col_index_):
        return None
    lower, upper = [], []
    for col, kind in zip(iis.col_index_, iis.col_bound_, strict=True):
        if int(kind) in IIS_LOWER:
            lower.append(col)
        if int(kind) in IIS_UPPER:
            upper.append(col)
    return IisCandidate(
        rows=np.asarray(iis.row_index_, dtype=np.int64),
        lower=np.asarray(lower, dtype=np.int64),
        upper=np.asarray(upper, dtype=np.int64),
        irreducible=bool(int(iis.strategy_) & IIS_IRREDUCIBLE),
        seconds=time.perf_counter() - start,
    )


def feasibility(lp: LinearProgram, time_limit: float | None = None) -> SolveStatus:
    """Whether an LP has a feasible point (its costs are ignored): ``optimal`` (feasible),
    ``infeasible``, or ``time_limit_no_plan`` when the limit stopped the check."""
    h = new_highs()
    h.setOptionValue("output_flag", False)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(max(time_limit, 0.01)))
    if not lp.num_col:
        return SolveStatus.OPTIMAL if _empty_rows_hold(lp) else SolveStatus.INFEASIBLE
    pass_lp(h, lp)
    h.changeColsCost(lp.num_col, np.arange(lp.num_col, dtype=np.int32), np.zeros(lp.num_col))
    h.run()
    status = classify(h.getModelStatus(), False)
    if status is SolveStatus.INFEASIBLE_OR_UNBOUNDED:
        # With a zero objective nothing is unbounded: presolve could not tell which.
        h.setOptionValue("presolve", "off")
        h.run()
        status = classify(h.getModelStatus(), False)
    return status


def _empty_rows_hold(lp: LinearProgram) -> bool:
    return bool(np.all(lp.row_lower <= 0) and np.all(lp.row_upper >= 0))
