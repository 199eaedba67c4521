"""The elastic session: one LP solved many times with changing costs and bounds, each
solve warm from the last basis (the lexicographic repairs of
:mod:`sopopt.analysis.repair`).
"""

from __future__ import annotations

import numpy as np

from sopopt.errors import Interrupted
from sopopt.solver.highs import FEASIBLE_SOLUTION, classify
from sopopt.solver.monitor import Monitor
from sopopt.solver.session import HighsSession
from sopopt.solver.status import SolveStatus

#: HiGHS ``simplex_strategy`` values: dual (the default) and primal simplex.
SIMPLEX_DUAL, SIMPLEX_PRIMAL = 1, 4


class ElasticSession(HighsSession):
    """A session for a sequence of solves of one LP with changing costs and row bounds
    (lexicographic minimisation): each solve starts warm from the last basis."""

    def set_costs(self, cost: np.ndarray) -> None:
        """Replace the whole objective vector (the next solve runs primal simplex: the
        last basis stays primal feasible)."""
        n = self.compiled.num_col
        self.highs.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(cost, dtype=float))
        self._strategy = SIMPLEX_PRIMAL

    def set_row_bounds(self, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Replace the bounds of the given rows."""
        self.highs.changeRowsBounds(len(rows), np.asarray(rows, dtype=np.int32), lower, upper)

    def set_col_bounds(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Replace the bounds of the given columns (the next solve runs dual simplex:
        the last basis stays dual feasible)."""
        self.highs.changeColsBounds(len(cols), np.asarray(cols, dtype=np.int32), lower, upper)
        self._strategy = SIMPLEX_DUAL

    def prefer_dual(self) -> None:
        """Run the next warm solve (:meth:`optimise` or :meth:`run`) by dual simplex: for a
        basis set with :meth:`set_basis` that is dual feasible for the costs now loaded."""
        self._strategy = SIMPLEX_DUAL
        if "solver" not in self.options.options:
            self.highs.setOptionValue("simplex_strategy", SIMPLEX_DUAL)

    def optimise(
        self, *, cold: bool = False, by_size: bool = False, what: str = ""
    ) -> tuple[SolveStatus, float | None, np.ndarray | None]:
        """Solve; the status, objective and column values.

        After the first run the solve starts warm from the last basis (primal simplex
        after a change of costs, dual after a change of bounds), unless ``cold``. A cold
        or first solve runs dual simplex (violation objectives of an elastic LP are
        quick for it), or with ``by_size`` the method chosen for the LP's size (for an
        objective like the plan's own costs). ``what`` names the solve in the message of
        an interrupted one (e.g. an allocation stage).

        Raises:
            Interrupted: SIGINT or SIGTERM arrived while HiGHS ran (HiGHS was stopped
                through its interrupt callback first), as :meth:`HighsSession.run`.
        """
        h = self.highs
        warm = self.runs > 0 and not cold
        if cold and self.runs:
            h.clearSolver()
        if "solver" not in self.options.options:
            h.setOptionValue("solver", self.solver if by_size and not warm else "simplex")
            h.setOptionValue("simplex_strategy", getattr(self, "_strategy", SIMPLEX_DUAL) if warm else SIMPLEX_DUAL)
        if not self._run_watched(what):
            return SolveStatus.INTERRUPTED, None, None
        info = h.getInfo()
        status = classify(h.getModelStatus(), info.primal_solution_status == FEASIBLE_SOLUTION)
        if not status.has_plan:
            return status, None, None
        return status, float(info.objective_function_value), np.asarray(h.getSolution().col_value) + 0.0

    def _run_watched(self, what: str) -> bool:
        """Run HiGHS as :meth:`HighsSession.run` does: progress reported, the ``stop``
        flag honoured (False: asked to stop before it ran; HiGHS stopped during the run
        says interrupted) and a stop signal turned into a HiGHS interrupt, then
        :class:`~sopopt.errors.Interrupted`."""
        h = self.highs
        monitor = Monitor(self.options, self.compiled)
        if monitor.stopping():
            return False
        monitor.attach(h)
        try:
            with monitor.catching_signals():
                monitor.report(force=True)
                h.run()
        finally:
            monitor.detach(h)
        self.runs += 1
        if monitor.signal is not None:
            iterations = int(h.getInfo().simplex_iteration_count)
            raise Interrupted(monitor.signal, ", ".join(filter(None, [what, monitor.describe(iterations)])),
                              iterations)
        return True
