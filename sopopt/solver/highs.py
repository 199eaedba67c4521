"""The binding to HiGHS: the only module that imports ``highspy``.

It makes ``highspy.Highs`` instances (:func:`new_highs`, banner kept off stdout), loads
an LP into one from its numpy buffers (:func:`pass_lp`, no LP file, no element copy),
sets sopopt's options on it (:func:`configure`), maps every HiGHS model status to a
:class:`~sopopt.solver.status.SolveStatus` (:data:`STATUS_MAP`, :func:`classify`) and
names the HiGHS constants the other solver modules compare with (basis, IIS, callback
and return statuses) as plain values, so that they never touch ``highspy`` themselves.
The session (:mod:`sopopt.solver.session`), ranging, IIS and elastic modules call the
methods of the instances made here.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import highspy
import numpy as np

from sopopt.errors import SolverError
from sopopt.model.family import CutRows
from sopopt.model.lp import LinearProgram
from sopopt.solver.status import FEASIBLE_VARIANT, SolveStatus

if TYPE_CHECKING:
    from sopopt.solver.options import SolveOptions

#: ``Highs`` method return values.
OK = highspy.HighsStatus.kOk
ERROR = highspy.HighsStatus.kError
#: ``info.primal_solution_status`` of a feasible primal solution.
FEASIBLE_SOLUTION = highspy.kSolutionStatusFeasible
#: Basis status of a nonbasic row or column at its lower or upper bound.
AT_LOWER = int(highspy.HighsBasisStatus.kLower)
AT_UPPER = int(highspy.HighsBasisStatus.kUpper)
#: HiGHS ``iis_strategy`` bits: start from the LP (not a dual ray), make it irreducible.
IIS_IRREDUCIBLE = int(highspy.IisStrategy.kIisStrategyIrreducible)
IIS_STRATEGY = int(highspy.IisStrategy.kIisStrategyFromLp) | IIS_IRREDUCIBLE
#: IIS column bound statuses whose lower (upper) bound takes part in the subsystem.
IIS_LOWER = frozenset(
    {int(highspy.IisBoundStatus.kIisBoundStatusLower), int(highspy.IisBoundStatus.kIisBoundStatusBoxed)}
)
IIS_UPPER = frozenset(
    {int(highspy.IisBoundStatus.kIisBoundStatusUpper), int(highspy.IisBoundStatus.kIisBoundStatusBoxed)}
)
#: The callback type of simplex's interrupt checks (they carry the iteration count).
SIMPLEX_CALLBACK = highspy.cb.HighsCallbackType.kCallbackSimplexInterrupt
#: HiGHS's interrupt checks: simplex, interior point, branch and bound.
INTERRUPT_CALLBACKS = (
    SIMPLEX_CALLBACK,
    highspy.cb.HighsCallbackType.kCallbackIpmInterrupt,
    highspy.cb.HighsCallbackType.kCallbackMipInterrupt,
)


def attach_interrupts(h: Any, check: Callable[[Any], bool]) -> None:
    """Call ``check(callback_type)`` at every interrupt check of ``h``; HiGHS stops when
    it returns True. The checks reach ``check`` directly, not through highspy's event
    objects (about 3 microseconds less per check; a 1e5 solve makes 100,000 and more).
    Replaces highspy's own callback dispatch until :func:`detach_interrupts`."""

    def interrupt(callback_type: Any, _message: str, _out: Any, data_in: Any, _user: Any) -> None:
        if check(callback_type) and data_in is not None:
            data_in.user_interrupt = True

    highspy._core._Highs.setCallback(h, interrupt, None)
    for kind in INTERRUPT_CALLBACKS:
        h.startCallback(kind)


def detach_interrupts(h: Any) -> None:
    """Stop the checks of :func:`attach_interrupts` and give ``h`` highspy's callback
    dispatch back."""
    for kind in INTERRUPT_CALLBACKS:
        h.stopCallback(kind)
    h.enableCallbacks()

_M = highspy.HighsModelStatus
#: Model status of an LP with no columns, and of a solve stopped before it ran.
MODEL_EMPTY = _M.kModelEmpty
INTERRUPTED = _M.kInterrupt
#: HiGHS model status -> sopopt status. Limits are refined by the primal status; every
#: status not listed (load, model, presolve, solve and postsolve errors, memory limit,
#: unknown, not set) is a solver error.
STATUS_MAP: dict[Any, SolveStatus] = {
    _M.kOptimal: SolveStatus.OPTIMAL,
    _M.kModelEmpty: SolveStatus.OPTIMAL,
    _M.kInfeasible: SolveStatus.INFEASIBLE,
    _M.kUnbounded: SolveStatus.UNBOUNDED,
    _M.kUnboundedOrInfeasible: SolveStatus.INFEASIBLE_OR_UNBOUNDED,
    _M.kTimeLimit: SolveStatus.TIME_LIMIT_NO_PLAN,
    _M.kIterationLimit: SolveStatus.ITERATION_LIMIT_NO_PLAN,
    _M.kInterrupt: SolveStatus.INTERRUPTED,
    _M.kHighsInterrupt: SolveStatus.INTERRUPTED,
    _M.kSolutionLimit: SolveStatus.OTHER_LIMIT_NO_PLAN,
    _M.kObjectiveBound: SolveStatus.OTHER_LIMIT_NO_PLAN,
    _M.kObjectiveTarget: SolveStatus.OTHER_LIMIT_NO_PLAN,
}


def classify(model_status: Any, primal_feasible: bool) -> SolveStatus:
    """The sopopt status of a HiGHS result: a solve stopped at a limit with a feasible
    primal solution has a plan (``*_feasible``); an interrupted solve never reports one;
    any status not in the map is an error."""
    status = STATUS_MAP.get(model_status, SolveStatus.ERROR)
    if primal_feasible:
        return FEASIBLE_VARIANT.get(status, status)
    return status


def pass_lp(h: Any, lp: LinearProgram) -> Any:
    """Load an LP into a ``highspy.Highs`` (minimise), handing over the numpy buffers
    (no element-by-element copy); returns the HiGHS status."""
    return h.passModel(
        lp.num_col,
        lp.num_row,
        int(lp.a_value.size),
        int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMinimize),
        lp.offset,
        lp.col_cost,
        lp.col_lower,
        lp.col_upper,
        lp.row_lower,
        lp.row_upper,
        lp.a_start,
        lp.a_index,
        lp.a_value,
        integrality(lp),
    )


def integrality(lp: LinearProgram) -> np.ndarray:
    """HiGHS variable types (0 continuous, 1 integer); always a full array: an empty
    one is read past its end."""
    if lp.integrality is None:
        return np.zeros(lp.num_col, dtype=np.int32)
    return np.asarray(lp.integrality, dtype=np.int32)


_banner_shown = False
_scheduler_threads: int | None = None


def new_highs() -> Any:
    """A ``highspy.Highs`` instance, keeping HiGHS's start-up banner off stdout."""
    global _banner_shown
    if _banner_shown:
        return highspy.Highs()
    _banner_shown = True
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no real stdout (e.g. an embedded interpreter)
        return highspy.Highs()
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        return highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def configure(h: Any, options: SolveOptions) -> None:
    """Set sopopt's options on a ``highspy.Highs`` (raw options last, checked by HiGHS)."""
    h.setOptionValue("output_flag", bool(options.verbose))
    if options.time_limit is not None:
        h.setOptionValue("time_limit", float(options.time_limit))
    global _scheduler_threads
    if options.threads != _scheduler_threads:
        # HiGHS keeps one thread pool per process; another size needs a fresh pool.
        highspy.Highs.resetGlobalScheduler(True)
        _scheduler_threads = options.threads
    if options.threads is not None:
        h.setOptionValue("threads", int(options.threads))
    h.setOptionValue("mip_rel_gap", float(options.mip_gap))  # a MIP's stopping gap; an LP ignores it
    for name, value in options.options.items():
        status = h.setOptionValue(name, value)
        if status != OK:
            raise SolverError(f"HiGHS rejected option {name}={value!r}")


def fixed_lp(h: Any, options: SolveOptions, rows: int | None = None) -> Any:
    """A fresh HiGHS holding the LP of ``h``'s MIP with the integers fixed, solved;
    ``rows``: keep only the first rows (the model's, without the MIP's cuts)."""
    status, lp = h.getFixedLp()
    if status != OK:
        raise SolverError("HiGHS could not fix the integer decisions of the MIP plan")
    fixed = new_highs()
    configure(fixed, options)
    fixed.passModel(lp)
    drop_rows(fixed, rows)
    fixed.setOptionValue("solver", "simplex")
    fixed.run()
    return fixed


def option_value(h: Any, name: str) -> str:
    """An option's current value as text (highspy 1.16 returns ``(status, value)``)."""
    value = h.getOptionValue(name)
    return str(value[1] if isinstance(value, tuple) else value)


def relaxed_model(lp: LinearProgram) -> Any:
    """A fresh HiGHS holding ``lp`` with every integer decision continuous."""
    h = new_highs()
    pass_lp(h, dataclasses.replace(lp, integrality=None))
    return h


def fixed_integers_model(lp: LinearProgram, cols: np.ndarray, values: np.ndarray) -> Any:
    """A fresh HiGHS holding the MIP ``lp`` with the columns ``cols`` fixed at ``values``."""
    h = new_highs()
    pass_lp(h, lp)
    if cols.size:
        h.changeColsBounds(int(cols.size), cols.astype(np.int32), values, values)
    return h


def run_values(h: Any) -> tuple[np.ndarray | None, float | None]:
    """Run ``h``; its column values and objective when it found a feasible plan."""
    h.run()
    info = h.getInfo()
    if info.primal_solution_status != FEASIBLE_SOLUTION:
        return None, None
    return np.asarray(h.getSolution().col_value, dtype=float), float(info.objective_function_value)


def add_rows(h: Any, rows: CutRows | None) -> None:
    """Add rows ``A x <= upper`` (valid inequalities) to the model in ``h``."""
    if rows is None or not rows.count:
        return
    lower = np.full(rows.count, -highspy.kHighsInf)
    h.addRows(rows.count, lower, rows.upper, int(rows.index.size), rows.start[:-1].astype(np.int32),
              rows.index.astype(np.int32), rows.value)


def drop_rows(h: Any, rows: int | None) -> None:
    """Delete every row of ``h``'s model after the first ``rows`` (None: keep all)."""
    total = int(h.getNumRow())
    if rows is not None and total > rows:
        h.deleteRows(total - rows, np.arange(rows, total, dtype=np.int32))


def set_start(h: Any, values: np.ndarray) -> None:
    """Hand a plan to HiGHS as the start (incumbent) of its next MIP solve."""
    cols = np.arange(values.size, dtype=np.int32)
    if h.setSolution(int(values.size), cols, np.asarray(values, dtype=float)) == ERROR:
        raise SolverError("HiGHS refused the start plan")
