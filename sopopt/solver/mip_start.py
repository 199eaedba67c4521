"""A first plan for a large MIP, found before branch and bound (issue 26), in stages:

1. **LP relaxation**: the MIP with every integer decision continuous, strengthened by
   the families' valid inequalities where there are some (:mod:`sopopt.solver.cuts`;
   the lot family's (k,l,S) rows): the rows kept go into every sub-MIP below and into
   branch and bound.
2. **Rounding**: the yes/no decisions (0-1 columns, such as setups) above each of
   :data:`THRESHOLDS` in the plain and the strengthened relaxation switched on, every
   other one off, and the rest (general integers such as whole workers) solved as a
   small MIP; the cheapest plan is kept. Every setup the plain relaxation uses at all
   usually gives a plan, if a costly one (a setup switched on allows production but
   forces a lot: too many lots for the capacity have no plan).
3. **Relax-and-fix** over time windows (:func:`~sopopt.solver.heuristics.relax_and_fix`)
   builds a plan instead when rounding finds none.
4. **Fix-and-optimize** over time windows, then over groups of entities in every period
   (:func:`~sopopt.solver.heuristics.fix_and_optimize`), improves the plan window by window.

The plan is handed to HiGHS as the start of the full branch and bound
(``HighsSession.run`` does this on the first run of a MIP with at least
:data:`MIN_INTEGERS` integer columns). It only gives branch and bound an incumbent to
prune with: the full MIP still decides the plan and its gap is measured against the
full MIP's bound, so the optimum is unchanged. Each stage is reported as it ends (the
progress line names it) and listed in ``run.json`` (``solver.mip_start_stages``).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sopopt.model.family import CutRows, Separator
from sopopt.model.lp import LinearProgram
from sopopt.solver.cuts import strengthen
from sopopt.solver.heuristics import OnStage, Stage, fix_and_optimize, relax_and_fix, sub_mip
from sopopt.solver.highs import configure, relaxed_model, run_values
from sopopt.solver.options import SolveOptions, choose_method

#: MIPs with fewer integer columns solve quickly on their own: no start is computed.
MIN_INTEGERS = 200
#: Share of the time limit the heuristic may use (the rest goes to branch and bound).
#: On the generated 1e4 network branch and bound stays at its root in a minute and
#: finds no better plan than the heuristic's; its bound after 15 s is within 0.3 M of
#: its bound after 30 s, while fix-and-optimize keeps improving the plan.
SHARE = 0.75
#: Seconds the heuristic may use when the solve has no time limit.
NO_LIMIT_SECONDS = 60.0
#: Share of the heuristic's time for building the first plan (relaxation and rounding,
#: or relax-and-fix); fix-and-optimize gets the rest.
FIRST_PLAN_SHARE = 0.4
#: Stage names, as ``run.json`` and the progress line give them.
RELAXATION = "LP relaxation"
CUTS = "valid inequalities"
#: Share of the first plan's time the separation rounds may use.
CUT_SHARE = 0.4
#: Share of the first plan's time rounding (or relax-and-fix) gets at least.
FLOOR = 0.25
ROUNDING = "rounding"
#: Rounding switches on the 0-1 decisions above each threshold, in the plain and in the
#: strengthened relaxation (on the generated 1e4 network: every setup used 120.8 M;
#: the strengthened relaxation's setups above 0.2: 109.9 M; many patterns have no plan).
THRESHOLDS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5)


@dataclass
class Start:
    """What the heuristic found: the plan's values (None when none was found), its
    cost, the stage that produced it, every stage run, and the seconds it took."""

    values: np.ndarray | None = None
    objective: float | None = None
    source: str | None = None
    stages: list[Stage] = field(default_factory=list)
    seconds: float = 0.0
    #: The valid rows the separation kept (None: none separated).
    cuts: CutRows | None = None

    def info(self) -> dict[str, object]:
        """The start as ``run.json`` keys."""
        return {
            "mip_start": self.source if self.values is not None else "no plan found",
            "mip_start_objective": self.objective,
            "mip_start_seconds": self.seconds,
            "mip_start_stages": [stage.info() for stage in self.stages],
            "mip_cuts": self.cuts.count if self.cuts is not None else 0,
        }


def wanted(lp: LinearProgram) -> bool:
    """A start is computed for MIPs with at least :data:`MIN_INTEGERS` integer columns."""
    return lp.integrality is not None and int(np.count_nonzero(lp.integrality)) >= MIN_INTEGERS


def budget(options: SolveOptions) -> float:
    """Seconds the heuristic may use: a share of the time limit, or a fixed amount."""
    if options.time_limit is None:
        return NO_LIMIT_SECONDS
    return SHARE * float(options.time_limit)


def find_start(
    lp: LinearProgram, options: SolveOptions, seconds: float, stopping: Callable[[], bool] = lambda: False,
    on_stage: OnStage = lambda _stage: None, separate: Separator | None = None,
) -> Start:
    """Run the stages (see the module doc) within ``seconds``; ``stopping`` is asked
    between sub-MIPs, ``on_stage`` told of each stage as it ends; ``separate`` finds
    the valid inequalities a relaxed plan violates."""
    mark = time.perf_counter()
    found = Start()

    def record(stage: Stage) -> None:
        found.stages.append(stage)
        on_stage(stage)

    first = seconds * FIRST_PLAN_SHARE
    x, objective, found.cuts = _rounded(lp, options, first, record, separate, stopping)
    bounds = [s.objective for s in found.stages if s.name == RELAXATION or s.name.startswith(CUTS)]
    bound = max((b for b in bounds if b is not None), default=-np.inf)
    found.source = ROUNDING
    if x is None and not stopping():
        left = max(first - (time.perf_counter() - mark), FLOOR * first)
        x, objective = relax_and_fix(lp, options, left, stopping, record, found.cuts)
        found.source = "relax-and-fix"
    if x is not None and objective is not None:
        left = seconds - (time.perf_counter() - mark)
        # A plan within the MIP's gap of the relaxation's bound needs no improving.
        enough = bound + float(options.mip_gap) * abs(bound) if np.isfinite(bound) else -np.inf
        better, cost = fix_and_optimize(lp, options, left, x, objective, stopping, record, found.cuts, enough)
        if cost < objective:
            found.source = "fix-and-optimize"
        found.values, found.objective = better, cost
    found.seconds = time.perf_counter() - mark
    return found


def _rounded(
    lp: LinearProgram, options: SolveOptions, seconds: float, record: OnStage, separate: Separator | None,
    stopping: Callable[[], bool],
) -> tuple[np.ndarray | None, float | None, CutRows | None]:
    """The relaxation, strengthened by ``separate`` (the rows kept serve the sub-MIPs),
    then both relaxed plans rounded (:func:`_round`); the plan, its cost and the valid
    rows kept."""
    begin = mark = time.perf_counter()
    relaxed = relaxed_model(lp)
    configure(relaxed, dataclasses.replace(options, time_limit=max(seconds, 0.1), verbose=False))
    # The method a plain LP of this size gets (interior point on large ones: the 1e5
    # network's relaxation did not finish in 180 s with the default simplex under load);
    # the separation rounds then re-solve warm with the simplex.
    relaxed.setOptionValue("solver", options.options.get("solver", choose_method(options.method, lp.num_col)))
    x, bound = run_values(relaxed)
    relaxed.setOptionValue("solver", "simplex")
    record(Stage(RELAXATION, bound, time.perf_counter() - mark))
    if x is None:
        return None, None, None
    cuts, points = None, [x]
    if separate is not None:
        mark = time.perf_counter()
        done = strengthen(relaxed, x, separate, CUT_SHARE * seconds, stopping)
        cuts, points = done.rows, [x, done.x]
        name = f"{CUTS} ({done.rows.count} rows, {done.rounds} rounds)"
        record(Stage(name, done.bound if done.bound is not None else bound, time.perf_counter() - mark))
    mark = time.perf_counter()
    left = max(seconds - (mark - begin), FLOOR * seconds)
    values, objective = _round(lp, options, left, points, cuts, stopping)
    record(Stage(ROUNDING, objective, time.perf_counter() - mark))
    return values, objective, cuts


def _round(
    lp: LinearProgram, options: SolveOptions, seconds: float, points: list[np.ndarray], cuts: CutRows | None,
    stopping: Callable[[], bool],
) -> tuple[np.ndarray | None, float | None]:
    """The cheapest plan of the rounded patterns of ``points`` (relaxed plans): at each
    of :data:`THRESHOLDS`, every 0-1 decision above it switched on and every other one
    off, the rest solved as a small MIP within ``seconds`` in all. A pattern may have
    no plan (too many lots for the capacity); a plain relaxation's every setup used
    (the first pattern) usually has one."""
    deadline = time.perf_counter() + seconds
    integer = np.flatnonzero(np.asarray(lp.integrality) != 0)
    binary = integer[(lp.col_lower[integer] == 0.0) & (lp.col_upper[integer] == 1.0)]
    # The plain relaxation's every setup used first (it usually has a plan), then the
    # strengthened relaxation's patterns (its setups are nearer a plan's: on the 1e4
    # network 109.9 M at 0.2 against 117.2 M at best from the plain one), then the rest.
    order = [(points[0], 0.0)] + [(point, t) for point in points[::-1] for t in THRESHOLDS]
    patterns: list[np.ndarray] = []
    for point, threshold in order:
        on = (point[binary] > max(threshold, 1e-6)).astype(float)
        if not any(np.array_equal(on, seen) for seen in patterns):
            patterns.append(on)
    best: tuple[np.ndarray | None, float | None] = (None, None)
    for k, on in enumerate(patterns):
        left = deadline - time.perf_counter()
        if k and (left <= 0 or stopping()):
            break
        share = 0.5 if k == 0 and len(patterns) > 1 else 1.0 / (len(patterns) - k)  # the first: half
        values, objective = sub_mip(lp, options, max(left * share, 0.1), binary, on, cuts=cuts)
        if objective is not None and (best[1] is None or objective < best[1]):
            best = (values, objective)
    return best
