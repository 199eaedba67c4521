"""The HiGHS session: a compiled LP loaded into HiGHS, solved and re-solved
(:class:`HighsSession`), its result read back as a :class:`~sopopt.solver.solution.Solution`.

Every HiGHS model status is mapped to a :class:`~sopopt.solver.status.SolveStatus`
(:func:`~sopopt.solver.highs.classify`); values, row duals and slacks come back keyed by
component name and index, with the cost of each category (in total and by period).
"""

from __future__ import annotations

import logging
import math
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from sopopt.errors import Interrupted
from sopopt.inputs.compile import ModelData
from sopopt.model.families import separator
from sopopt.model.lp import LinearProgram
from sopopt.solver.heuristics import Stage
from sopopt.solver.highs import (
    FEASIBLE_SOLUTION,
    INTERRUPTED,
    MODEL_EMPTY,
    add_rows,
    classify,
    configure,
    drop_rows,
    fixed_lp,
    new_highs,
    pass_lp,
    set_start,
)
from sopopt.solver.mip_start import budget, find_start, wanted
from sopopt.solver.monitor import Monitor
from sopopt.solver.options import SolveOptions, choose_method
from sopopt.solver.progress import Phase
from sopopt.solver.solution import FIXED_MIP_LABEL, Solution
from sopopt.solver.status import TOLERANCE_WITHOUT_BASIS, SolveStatus

if TYPE_CHECKING:
    import pyomo.environ as pyo

log = logging.getLogger(__name__)


class HighsSession:
    """A compiled LP loaded into HiGHS, ready to be solved and re-solved.

    Sweeps change numbers in place (:meth:`shift_row_bounds`, :meth:`set_col_upper`,
    :meth:`replace_numbers`; ``compiled`` always holds the numbers HiGHS holds) and
    solve again, either warm from the last basis or cold (:meth:`run` with
    ``warm=False`` clears the solver state so presolve runs again).
    """

    def __init__(self, compiled: LinearProgram, options: SolveOptions | None = None) -> None:
        self.compiled = compiled
        self.options = options or SolveOptions()
        self.highs = new_highs()
        configure(self.highs, self.options)
        if compiled.num_col:
            pass_lp(self.highs, compiled)
        self.solver = choose_method(self.options.method, compiled.num_col)
        self.runs = 0
        #: For a MIP: the LP with the integers fixed, solved (set by compute_ranging).
        self.fixed_highs: Any = None
        self._keys: dict[str, list[tuple[str, Any]]] = {}
        #: What the MIP start heuristic did before the last run ({} when none ran).
        self.started: dict[str, Any] = {}
        #: The case's data, for the families' valid inequalities of a MIP (set by the
        #: planner's own solve; None: no cuts).
        self.cut_data: ModelData | None = None
        #: Valid rows added after the model's rows for the last run (dropped before the next).
        self.cut_rows = 0

    def row_keys(self) -> list[tuple[str, Any]]:
        """(component name, index) of every row, in order (built once per session)."""
        if "rows" not in self._keys:
            self._keys["rows"] = self.compiled.row_keys()
        return self._keys["rows"]

    def column_keys(self) -> list[tuple[str, Any]]:
        """(component name, index) of every column, in order (built once per session)."""
        if "columns" not in self._keys:
            self._keys["columns"] = self.compiled.column_keys()
        return self._keys["columns"]

    def row_positions(self) -> dict[tuple[str, Any], int]:
        """Row number of each constraint, by (component name, index)."""
        return {key: i for i, key in enumerate(self.row_keys())}

    def col_positions(self) -> dict[tuple[str, Any], int]:
        """Column number of each variable, by (component name, index)."""
        return {key: j for j, key in enumerate(self.column_keys())}

    def shift_row_bounds(self, rows: np.ndarray, delta: np.ndarray) -> None:
        """Add ``delta`` to both bounds of the given rows (infinite bounds stay infinite)."""
        lp = self.compiled
        lower, upper = lp.row_lower.copy(), lp.row_upper.copy()
        lower[rows] += delta
        upper[rows] += delta
        lp.row_lower, lp.row_upper = lower, upper
        self.highs.changeRowsBounds(len(rows), rows.astype(np.int32), lower[rows], upper[rows])

    def set_col_upper(self, cols: np.ndarray, upper: np.ndarray) -> None:
        """Replace the upper bounds of the given columns."""
        lp = self.compiled
        col_upper = lp.col_upper.copy()
        col_upper[cols] = upper
        lp.col_upper = col_upper
        self.highs.changeColsBounds(len(cols), cols.astype(np.int32), lp.col_lower[cols], col_upper[cols])

    def replace_numbers(self, lp: LinearProgram) -> int:
        """Load the numbers of ``lp``, an LP of the same shape as the one loaded (same
        columns, rows and nonzero pattern), into HiGHS in place: costs, column and row
        bounds, matrix coefficients and the objective offset. Only entries that differ
        are passed; the basis is kept for a warm start. Returns how many changed."""
        old, h = self.compiled, self.highs
        changed = 0
        cols = np.flatnonzero(old.col_cost != lp.col_cost).astype(np.int32)
        if cols.size:
            h.changeColsCost(cols.size, cols, lp.col_cost[cols])
        changed += cols.size
        cols = np.flatnonzero((old.col_lower != lp.col_lower) | (old.col_upper != lp.col_upper)).astype(np.int32)
        if cols.size:
            h.changeColsBounds(cols.size, cols, lp.col_lower[cols], lp.col_upper[cols])
        changed += cols.size
        rows = np.flatnonzero((old.row_lower != lp.row_lower) | (old.row_upper != lp.row_upper)).astype(np.int32)
        if rows.size:
            h.changeRowsBounds(rows.size, rows, lp.row_lower[rows], lp.row_upper[rows])
        changed += rows.size
        entries = np.flatnonzero(old.a_value != lp.a_value)
        if entries.size:
            columns = np.searchsorted(lp.a_start, entries, side="right") - 1
            for k, j in zip(entries.tolist(), columns.tolist(), strict=True):
                h.changeCoeff(int(lp.a_index[k]), int(j), float(lp.a_value[k]))
        changed += entries.size
        if old.offset != lp.offset:
            h.changeObjectiveOffset(float(lp.offset))
            changed += 1
        self.compiled = lp
        return int(changed)

    def basis(self) -> Any:
        """The current simplex basis (a ``highspy.HighsBasis``), to restore later."""
        return self.highs.getBasis()

    def set_basis(self, basis: Any) -> None:
        """Start the next warm solve from this basis."""
        self.highs.setBasis(basis)

    def run(self, warm: bool = True, *, rows: bool = True) -> Solution:
        """Solve (again). ``warm=False`` discards the previous basis first; ``rows=False``
        reads back no row duals and slacks (a sweep's case row needs neither).

        Progress goes to ``options.on_progress``; ``options.stop`` stops HiGHS early
        (status ``interrupted``).

        Raises:
            Interrupted: SIGINT or SIGTERM arrived while HiGHS ran; HiGHS was stopped
                through its interrupt callback first.
        """
        h = self.highs
        hot = warm and self.runs > 0
        if not warm and self.runs:
            h.clearSolver()
        # A warm re-solve starts dual simplex from the last basis; a cold one uses the
        # method chosen for the size.
        if "solver" not in self.options.options:  # a raw option given by the user wins
            h.setOptionValue("solver", "simplex" if hot else self.solver)
        compiled = self.compiled
        monitor = Monitor(self.options, compiled)
        start = time.perf_counter()
        model_status = self._run_highs(monitor)
        seconds = time.perf_counter() - start
        self.runs += 1
        info = h.getInfo()
        iterations = int(info.simplex_iteration_count) + max(0, int(info.ipm_iteration_count))
        monitor.send(Phase.SOLVED, iterations)
        if monitor.signal is not None:
            raise Interrupted(monitor.signal, monitor.describe(iterations), iterations)
        status = classify(model_status, info.primal_solution_status == FEASIBLE_SOLUTION)
        if compiled.is_mip and status is SolveStatus.OPTIMAL:
            status = SolveStatus.OPTIMAL_WITHIN_GAP
        # An LP solve (HiGHS counts no MIP nodes: -1) that left no basis: PDLP, or interior
        # point without crossover, stop within a tolerance and cannot be verified exactly.
        unverified = (status is SolveStatus.OPTIMAL and compiled.num_col and int(info.mip_node_count) < 0
                      and not int(info.basis_validity))
        if unverified:
            status = SolveStatus.OPTIMAL_WITHIN_TOLERANCE
        details = {
            "solver": "highs",
            "solver_version": h.version(),
            "highs_status": h.modelStatusToString(model_status),
            "method": self.options.method,
            "highs_solver": "simplex" if hot else self.solver,
            "warm_start": hot,
            "compile_seconds": compiled.seconds,
            "solve_seconds": seconds,
            "simplex_iterations": int(info.simplex_iteration_count),
            "ipm_iterations": int(info.ipm_iteration_count),
            "rows": compiled.num_row,
            "columns": compiled.num_col,
            "nonzeros": compiled.nonzeros,
            "mip": compiled.is_mip,
        }
        if unverified:
            details["tolerance"] = TOLERANCE_WITHOUT_BASIS
        if compiled.is_mip:
            details.update(_mip_details(info, self.options), **self.started)
        return self._solution(status, info, details, rows)

    def _start(self, monitor: Monitor) -> dict[str, Any]:
        """Find a first plan with the staged heuristic (:mod:`sopopt.solver.mip_start`),
        each stage reported on the progress line, hand it to HiGHS and leave branch and
        bound the rest of the time limit; what the heuristic did, as ``run.json`` keys."""

        def on_stage(stage: Stage) -> None:
            monitor.stage(stage.name, stage.objective)

        separate = separator(self.cut_data, self.compiled) if self.cut_data is not None else None
        with monitor.catching_signals():
            found = find_start(self.compiled, self.options, budget(self.options), monitor.stopping, on_stage,
                               separate)
        if found.cuts is not None and found.cuts.count:
            add_rows(self.highs, found.cuts)
            self.cut_rows = found.cuts.count
        if found.values is not None:
            set_start(self.highs, found.values)
        if self.options.time_limit is not None:
            left = max(float(self.options.time_limit) - found.seconds, 1.0)
            self.highs.setOptionValue("time_limit", left)
        log.info("MIP start (%s) in %.2fs: %s", found.source, found.seconds, found.objective)
        return found.info()

    def _run_highs(self, monitor: Monitor) -> Any:
        """Run HiGHS with the monitor attached; the HiGHS model status."""
        h = self.highs
        self.started = {}
        if self.cut_rows:  # the last run's cuts: numbers may have changed since
            drop_rows(h, self.compiled.num_row)
            self.cut_rows = 0
        if not self.compiled.num_col:
            return MODEL_EMPTY
        if monitor.stopping():
            return INTERRUPTED
        self.started = self._start(monitor) if not self.runs and wanted(self.compiled) else {}
        monitor.attach(h)
        try:
            monitor.report(force=True)
            with monitor.catching_signals():
                h.run()
        finally:
            monitor.detach(h)
            if self.started and self.options.time_limit is not None:  # the start used part of it
                h.setOptionValue("time_limit", float(self.options.time_limit))
        return h.getModelStatus()

    def _solution(self, status: SolveStatus, info: Any, details: dict[str, Any], rows: bool = True) -> Solution:
        """Values, duals, slacks (with ``rows``) and costs read back from HiGHS (none
        without a plan)."""
        h, compiled = self.highs, self.compiled
        mapping_start = time.perf_counter()
        values: dict[str, dict[Any, float]] = {}
        duals: dict[str, dict[Any, float]] = {}
        slacks: dict[str, dict[Any, float]] = {}
        costs: dict[str, float] = {}
        period_costs: dict[str, np.ndarray] = {}
        objective: float | None = None
        if status.has_plan:
            objective = compiled.offset
            x = np.zeros(compiled.num_col)
            if compiled.num_col:
                solution = h.getSolution()
                objective = float(info.objective_function_value)
                # + 0.0 turns HiGHS's -0.0 into 0.0, so reports never print "-0".
                x = np.asarray(solution.col_value) + 0.0
                values = compiled.values(x)
                if rows:
                    duals, slacks = self._row_results(status, solution, details)
            costs = {c: float(coefs @ x[cols]) for c, (cols, coefs) in compiled.cost_vectors.items()}
            period_costs = _period_costs(compiled, x)
        details["mapping_seconds"] = time.perf_counter() - mapping_start
        log.info("HiGHS %s in %.2fs (%s)", status.value, details["solve_seconds"], details["highs_status"])
        return Solution(
            status=status,
            objective=objective,
            values=values,
            duals=duals,
            slacks=slacks,
            costs=costs,
            info=details,
            period_costs=period_costs,
        )

    def _row_results(
        self, status: SolveStatus, solution: Any, details: dict[str, Any]
    ) -> tuple[dict[str, dict[Any, float]], dict[str, dict[Any, float]]]:
        """Row duals (a MIP's from its LP with the integers fixed) and slacks."""
        h, compiled = self.highs, self.compiled
        n = compiled.num_row  # the model's rows (valid rows of a MIP come after them)
        duals: dict[str, dict[Any, float]] = {}
        if solution.dual_valid:
            duals = compiled.duals(np.asarray(solution.row_dual)[:n] + 0.0)
        elif compiled.is_mip and status is SolveStatus.OPTIMAL_WITHIN_GAP:
            duals = compiled.duals(_fixed_duals(h, self.options, n) + 0.0)
            details["duals_from"] = FIXED_MIP_LABEL
        lp = h.getLp()
        activity = np.asarray(solution.row_value)[:n]
        upper, lower = np.asarray(lp.row_upper_)[:n], np.asarray(lp.row_lower_)[:n]
        slack = np.where(np.isfinite(upper), upper - activity, activity - lower)
        return duals, compiled.duals(slack + 0.0)


def _mip_details(info: Any, options: SolveOptions) -> dict[str, Any]:
    """What the branch and bound established: the gap reached (relative, between the
    plan's cost and the best bound), the gap asked for, the bound and the nodes."""
    gap = float(info.mip_gap)
    return {
        "mip_gap": gap if math.isfinite(gap) else None,
        "mip_gap_tolerance": float(options.mip_gap),
        "mip_dual_bound": float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else None,
        "mip_nodes": int(info.mip_node_count),
    }


def _fixed_duals(h: Any, options: SolveOptions, rows: int) -> np.ndarray:
    """Row duals of the MIP's LP (its first ``rows`` rows) with every integer decision
    fixed at its value."""
    fixed = fixed_lp(h, options, rows)
    return np.asarray(fixed.getSolution().row_dual, dtype=float)


def _period_costs(lp: LinearProgram, x: np.ndarray) -> dict[str, np.ndarray]:
    """Each cost category's amount per period (the columns' periods weight the terms)."""
    if not lp.num_col:
        return {c: np.zeros(0) for c in lp.cost_vectors}
    periods = lp.column_periods()
    size = int(periods.max()) + 1
    return {
        c: np.bincount(periods[cols], weights=coefs * x[cols], minlength=size) if cols.size else np.zeros(size)
        for c, (cols, coefs) in lp.cost_vectors.items()
    }


def solve_model(model: pyo.ConcreteModel, options: SolveOptions | None = None) -> Solution:
    """Solve a built model once and return its values and duals."""
    from sopopt.model.standard_form import compile_lp

    return HighsSession(compile_lp(model), options).run()
