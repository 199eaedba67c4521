"""Primal heuristics over time windows for large MIPs (issue 26): small sub-MIPs of the
plan's MIP, each over a window of periods, that build a plan and then improve it.

- **Relax-and-fix** (:func:`relax_and_fix`) walks the horizon in windows of periods: the
  integer decisions of the current window stay integer, those of earlier windows are
  fixed at the values the earlier sub-MIPs chose, and those of later windows are relaxed
  (continuous). The last window's sub-MIP is a plan of the whole MIP.
- **Fix-and-optimize** (:func:`fix_and_optimize`) takes a plan and, window by window, frees
  the integer decisions of the window (integer again) with every other one fixed at the
  plan's value (windows of periods, then groups of entities in every period: the
  entity of a column is its index without the period); the sub-MIP starts from the plan, so it never returns a worse one, and a
  cheaper plan replaces it.

Every sub-MIP is a restriction of the MIP (a relaxed window is only relaxed while later
windows are still to come), so the plan either returns is feasible for the MIP; it only
serves as branch and bound's incumbent and never changes the optimum. Windows follow
the period of each column (the last entry of its index) and its entity (the rest of
it), so the heuristics need nothing from the families. :mod:`sopopt.solver.mip_start` runs them and names each stage.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sopopt.model.family import CutRows
from sopopt.model.lp import LinearProgram
from sopopt.model.transforms.extended import as_tuple
from sopopt.solver.highs import add_rows, configure, fixed_integers_model, run_values, set_start
from sopopt.solver.options import SolveOptions

#: Relative gap at which a sub-MIP stops: windows are rough cuts of the plan.
SUB_GAP = 1e-3
#: HiGHS's primal heuristic effort in a sub-MIP (its default 0.05): a sub-MIP is there
#: to find a better plan, not to prove one.
SUB_EFFORT = 0.05
#: Relax-and-fix window: periods of integer decisions per sub-MIP.
RF_WINDOW = 6
#: Fix-and-optimize window: periods freed per sub-MIP, and the step between windows
#: (on the generated 1e4 network under load, 4/4 improved most in 30 s: 2/2 found
#: nothing better, each sub-MIP too short; 8/4 less).
FO_WINDOW = 4
FO_STEP = 4


@dataclass(frozen=True)
class Stage:
    """One stage of the heuristic: its name, the cost of its plan (None: no plan) and
    the seconds it took."""

    name: str
    objective: float | None
    seconds: float

    def info(self) -> dict[str, object]:
        """The stage as it goes into ``run.json``."""
        return {"name": self.name, "objective": self.objective, "seconds": round(self.seconds, 3)}


#: Receives each stage as it ends (the session turns it into a progress report).
OnStage = Callable[[Stage], None]


@dataclass
class Windows:
    """The integer columns of an LP and the period of each, cut into windows."""

    integer: np.ndarray
    period: np.ndarray
    #: Per integer column, the number of its entity (its component and index without
    #: the period: a product at a site for a setup, a crew for its headcount).
    entity: np.ndarray

    @classmethod
    def of(cls, lp: LinearProgram) -> Windows:
        """The integer columns of ``lp`` with their periods and entities."""
        integer = np.flatnonzero(np.asarray(lp.integrality) != 0)
        keys = lp.column_keys()
        numbers: dict[tuple[str, Any], int] = {}
        entity = [numbers.setdefault((keys[j][0], as_tuple(keys[j][1])[:-1]), len(numbers)) for j in integer]
        return cls(integer, lp.column_periods()[integer], np.array(entity, dtype=np.int64))

    @property
    def periods(self) -> int:
        """One more than the last period of an integer column."""
        return int(self.period.max()) + 1 if self.period.size else 0

    def cut(self, width: int, step: int) -> list[tuple[int, int]]:
        """Windows ``[a, b)`` of ``width`` periods every ``step`` periods, the last one
        ending at the last period."""
        last = self.periods
        starts = list(range(0, max(last - width, 0) + 1, step))
        if starts[-1] + width < last:
            starts.append(last - width)
        return [(a, min(a + width, last)) for a in starts]

    def free(self, width: int, step: int) -> list[np.ndarray]:
        """Which integer columns each fix-and-optimize window frees: the period windows
        of :meth:`cut`, then groups of entities over the whole horizon, each group about
        as many columns as a period window (a product's lots in every period can move
        between periods, which no period window allows)."""
        masks = [(self.period >= a) & (self.period < b) for a, b in self.cut(width, step)]
        entities = int(self.entity.max()) + 1 if self.entity.size else 0
        size = max(1, round(entities * width / max(self.periods, 1)))
        masks += [(self.entity >= e) & (self.entity < e + size) for e in range(0, entities, size)]
        return masks


def sub_mip(
    lp: LinearProgram, options: SolveOptions, seconds: float, fixed: np.ndarray, values: np.ndarray,
    start: np.ndarray | None = None, cuts: CutRows | None = None,
) -> tuple[np.ndarray | None, float | None]:
    """Solve ``lp`` with the columns ``fixed`` at ``values`` and the valid rows ``cuts``
    within ``seconds`` (from the plan ``start`` when given); its plan and cost."""
    h = fixed_integers_model(lp, fixed, values)
    add_rows(h, cuts)
    configure(h, dataclasses.replace(options, time_limit=max(seconds, 0.1), verbose=False))
    h.setOptionValue("mip_rel_gap", max(SUB_GAP, float(options.mip_gap)))
    h.setOptionValue("mip_heuristic_effort", SUB_EFFORT)
    if start is not None:
        set_start(h, start)
    return run_values(h)


def relax_and_fix(
    lp: LinearProgram, options: SolveOptions, seconds: float, stopping: Callable[[], bool],
    on_stage: OnStage, cuts: CutRows | None = None,
) -> tuple[np.ndarray | None, float | None]:
    """A plan built window by window (see the module doc) within ``seconds``."""
    windows = Windows.of(lp)
    cut = windows.cut(RF_WINDOW, RF_WINDOW)
    deadline = time.perf_counter() + seconds
    fixed = np.zeros(0, dtype=np.int64)
    chosen = np.zeros(0)
    x: np.ndarray | None = None
    objective: float | None = None
    for k, (a, b) in enumerate(cut):
        mark = time.perf_counter()
        left = deadline - mark
        if left <= 0 or stopping():
            return None, None
        later = windows.integer[windows.period >= b]
        integrality = np.asarray(lp.integrality).copy()
        integrality[later] = 0
        sub = dataclasses.replace(lp, integrality=integrality)
        x, objective = sub_mip(sub, options, left / (len(cut) - k), fixed, chosen, cuts=cuts)
        on_stage(Stage(f"relax-and-fix {k + 1}/{len(cut)}", objective, time.perf_counter() - mark))
        if x is None:
            return None, None
        now = windows.integer[(windows.period >= a) & (windows.period < b)]
        fixed = np.concatenate([fixed, now])
        chosen = np.concatenate([chosen, np.rint(x[now])])
    return x, objective


def fix_and_optimize(
    lp: LinearProgram, options: SolveOptions, seconds: float, plan: np.ndarray, cost: float,
    stopping: Callable[[], bool], on_stage: OnStage, cuts: CutRows | None = None, enough: float = -np.inf,
) -> tuple[np.ndarray, float]:
    """``plan`` (of cost ``cost``) improved window by window (see the module doc)
    within ``seconds``, stopping once it costs at most ``enough``; the best plan found
    and its cost."""
    windows = Windows.of(lp)
    cut = windows.free(FO_WINDOW, FO_STEP)
    deadline = time.perf_counter() + seconds
    for k, free in enumerate(cut):
        mark = time.perf_counter()
        left = deadline - mark
        if left <= 0 or stopping() or cost <= enough:
            break
        outside = windows.integer[~free]
        x, objective = sub_mip(lp, options, left / (len(cut) - k), outside, np.rint(plan[outside]), plan, cuts)
        if x is not None and objective is not None and objective < cost - 1e-9 * max(1.0, abs(cost)):
            plan, cost = x, objective
        on_stage(Stage(f"fix-and-optimize {k + 1}/{len(cut)}", cost, time.perf_counter() - mark))
    return plan, cost
