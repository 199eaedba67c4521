"""The one planner: every solve of sopopt goes through :class:`Planner`.

It owns the recipe ``case -> LP (with its transforms) -> HiGHS session -> ranging ->
Plan``, the explanation of an infeasible case, and the progress and stop hooks
(``SolveOptions.on_progress`` and ``SolveOptions.stop``). The command line, sweeps,
hedge, re-plan and explain call it; :func:`solve` is the one-call form::

    planner = Planner()                       # the case's own solver block, fast build
    plan = planner.solve("scenarios/base.yaml", raise_on_failure=False)
    plan.explanation                          # set when the case is infeasible

Analyses that transform the LP (stack, fix, charge) use the steps: :meth:`Planner.build`
(the case's LP with its transforms), :meth:`Planner.run` (a session solved, ranged
when asked) and :meth:`Planner.extract` (a :class:`~sopopt.results.plan.Plan` of a
solution). See docs/solver.md.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NamedTuple

import pandas as pd

from sopopt.analysis.allocation import run_stages, session_for, stage_info, unfinished
from sopopt.errors import InfeasibleError, SopoptError, StrictError
from sopopt.inputs.case import Case, load_case
from sopopt.inputs.compile import ModelData
from sopopt.inputs.views import describe_adjustments, flat_inputs
from sopopt.model.build_arrays import build_lp
from sopopt.model.catalogue import BOUND_LIMITS, LIMITS
from sopopt.model.lp import LinearProgram
from sopopt.model.transforms.smoothing import with_smoothing
from sopopt.results.bottlenecks import range_bottlenecks
from sopopt.results.cycle import stored_plan
from sopopt.results.folders import read_plan
from sopopt.results.limits import shadow_prices, shown_limits
from sopopt.results.plan import Info, Plan, extract_plan, extract_row, run_down_warnings
from sopopt.solver.options import SolveOptions
from sopopt.solver.progress import Phase, Progress, ProgressCallback, guarded
from sopopt.solver.ranging import EntryRanger, compute_ranging
from sopopt.solver.session import HighsSession
from sopopt.solver.solution import Solution, raise_for_status
from sopopt.solver.status import SolveStatus

#: The components whose ranges plans report: limit rows and bounded variables.
RANGED_ROWS = frozenset(spec.component for spec in LIMITS)
RANGED_COLUMNS = frozenset(spec.component for spec in BOUND_LIMITS)

#: How the LP is built: ``fast`` (numpy, straight to HiGHS: the default) or ``pyomo``
#: (the readable rule-based Pyomo model, compiled to matrix form). Tests prove that both
#: build the same LP.
Build = Literal["fast", "pyomo"]

#: Which limits a solve ranges: ``shown`` (default) the limits plans show
#: (:func:`~sopopt.results.limits.shown_limits`), exactly, from the basis; ``all`` every
#: limit (HiGHS ranging). ``plan.ranges()`` fills in the rest on demand.
Ranges = Literal["shown", "all"]

#: How much of a plan :meth:`Planner.extract` builds: ``whole``; ``summary`` (decision
#: tables, costs and KPIs: :func:`~sopopt.results.plan.extract_plan`'s ``summary_only``);
#: ``row`` (costs and KPIs only, no table: :func:`~sopopt.results.plan.extract_row`).
Detail = Literal["whole", "summary", "row"]

#: Statuses whose plan the planner explains (when ``explain`` is on).
EXPLAINED = (SolveStatus.INFEASIBLE, SolveStatus.INFEASIBLE_OR_UNBOUNDED)

#: Seconds the explanation of an infeasible case may spend finding its conflict.
DEFAULT_TIME_BUDGET = 60.0


class Solved(NamedTuple):
    """A plan with the HiGHS session that solved it (still holding its optimal basis;
    ``None`` when the LP was found infeasible before solving) and the solution the plan
    was extracted from: for analyses that read the basis (rates, ranges)."""

    plan: Plan
    session: HighsSession | None
    solution: Solution


@dataclass(frozen=True)
class Planner:
    """How to turn cases into plans; one object, used for every solve.

    ``options``: solver options (``None``: each case's own ``solver`` block);
    ``how``: the build path; ``explain``: attach the explanation of an infeasible case
    to its plan (``plan.explanation``), spending at most ``time_budget`` seconds on
    its conflict; an explanation that fails leaves its message in
    ``plan.info["explanation_error"]``; ``ranges``: which limits are ranged
    (:data:`Ranges`).
    """

    options: SolveOptions | None = None
    how: Build = "fast"
    explain: bool = True
    time_budget: float = DEFAULT_TIME_BUDGET
    ranges: Ranges = "shown"

    # ------------------------------------------------------------------ the steps

    def options_for(self, case: Case) -> SolveOptions:
        """The solver options of a case: the planner's, else the case's own."""
        return self.options or SolveOptions.from_settings(case.solver)

    def build(self, case: Case | ModelData) -> LinearProgram:
        """The LP of a case (or of compiled data), with its transforms, built the
        planner's way (``how``)."""
        return self.build_with_model(case)[0]

    def build_with_model(self, case: Case | ModelData) -> tuple[LinearProgram, Any]:
        """:meth:`build`, also returning the Pyomo model the LP was compiled from
        (``None`` for the fast build), for callers that keep the two in step."""
        data = case.data if isinstance(case, Case) else case
        if data is None:
            raise ValueError("the case was loaded with check=False; load it with checks to solve")
        if self.how == "pyomo":
            from sopopt.model.build import build_model
            from sopopt.model.standard_form import compile_lp

            model = build_model(data)
            return with_smoothing(compile_lp(model), data), model
        return with_smoothing(build_lp(data), data), None

    def session(
        self, lp: LinearProgram, options: SolveOptions | None = None, data: ModelData | None = None,
    ) -> HighsSession:
        """A HiGHS session holding ``lp``, to solve (and re-solve in place); one that can
        run allocation stages when ``data`` allocates demand classes by stages."""
        return session_for(data)(lp, options or self.options)

    def run(
        self, lp: LinearProgram, options: SolveOptions | None = None, *, ranged: bool = False,
        data: ModelData | None = None,
    ) -> Solution:
        """Solve an LP once (e.g. a stacked or fixed one); with ``ranged``, the solution
        carries the ranges of the limits plans report; ``data``: the case's, to run its
        allocation stages first (:meth:`allocated`)."""
        session = self.session(lp, options, data)
        solution = self.allocated(session, data)
        return self.ranged(session, solution, data) if ranged else solution

    @staticmethod
    def allocated(session: HighsSession, data: ModelData | None, warm: bool = True, *, rows: bool = True) -> Solution:
        """Solve the session; when ``data`` allocates demand classes by priority or fair
        share, first by its stages (:mod:`sopopt.analysis.allocation`), whose times and
        totals join the solution's information. ``rows=False``: no row duals and slacks
        read back (:meth:`~sopopt.solver.session.HighsSession.run`)."""
        done = run_stages(session, data) if data is not None else []
        stages, cut = stage_info(done), unfinished(done)
        if cut is not None and not cut.has_plan:  # never a plan that skipped a stage
            return Solution(cut, None, {}, {}, {}, {}, {"highs_status": f"allocation stages ended early: {cut.label}", **stages})
        solution = session.run(warm, rows=rows)
        if cut is not None and solution.status is SolveStatus.OPTIMAL:
            solution = dataclasses.replace(solution, status=cut)
        return dataclasses.replace(solution, info={**solution.info, **stages}) if stages else solution

    def ranged(self, session: HighsSession, solution: Solution, data: ModelData | None = None) -> Solution:
        """The solution with the prices of its limit rows and bounded columns and the
        ranges :attr:`ranges` asks for: by default the shown limits and, given the
        case's ``data``, those the money ranking of bottlenecks reads
        (:func:`~sopopt.results.bottlenecks.range_bottlenecks`); a plan without a proven
        optimum gets the note saying why there are none."""
        if not solution.status.has_plan:
            return solution
        mark = time.perf_counter()
        full = self.ranges == "all"
        ranging = compute_ranging(session, solution, RANGED_ROWS, RANGED_COLUMNS, full=full)
        if not full:
            ranger = EntryRanger(session, ranging)  # one basis read for both
            ranging = ranger(shown_limits(ranging))
            if data is not None:  # the money ranking's candidates (results/bottlenecks.py)
                ranging = range_bottlenecks(data, ranging, solution.values, ranger)
        info = {**solution.info, "ranging_seconds": time.perf_counter() - mark, "ranged": self.ranges}
        return dataclasses.replace(solution, ranging=ranging, info=info)

    @staticmethod
    def extract(
        case: Case, solution: Solution, *, data: ModelData | None = None, name: str | None = None,
        detail: Detail = "whole", **info: Any,
    ) -> Plan:
        """The plan of a solution of ``case`` (tables, costs, KPIs, limits), named
        ``name`` (default: the network's), with ``info`` as its run information;
        ``data``: the case's data as changed in place (sweeps), if so; ``detail``: how
        much of the plan (:data:`Detail`)."""
        data = data or case.data
        assert data is not None
        name = name or case.network.name
        if detail == "row":
            return extract_row(data, solution, name, case.network.currency, info=info)
        return extract_plan(data, solution, name, case.network.currency, info=info, summary_only=detail == "summary")

    # ------------------------------------------------------------------ the whole solve

    def solve(
        self, case: Case | str | Path, *, raise_on_failure: bool = True, workspace: str | Path | None = None,
        strict: bool = False,
    ) -> Plan:
        """Load (if given a path), build, solve, range and extract one plan; explain it
        when it is infeasible (see :func:`solve` for the arguments)."""
        return self.solve_live(case, raise_on_failure=raise_on_failure, workspace=workspace, strict=strict).plan

    def solve_live(
        self, case: Case | str | Path, *, raise_on_failure: bool = True, workspace: str | Path | None = None,
        strict: bool = False,
    ) -> Solved:
        """:meth:`solve`, also returning the session and the solution (:class:`Solved`)."""
        start = time.perf_counter()
        hooks = _Hooks.of(self.options, start)
        hooks.report(Phase.LOAD)
        case = _loaded(case, workspace, strict)
        timings = {"load_seconds": time.perf_counter() - start}
        options = hooks.shifted(self.options_for(case))
        session, solution = self._solve_lp(case, options, hooks, timings, raise_on_failure)
        if raise_on_failure:
            raise_for_status(solution)
        mark = time.perf_counter()
        hooks.report(Phase.EXTRACT, solution)
        plan = self.extract(case, solution, **timings, scenario=str(case.source), build=self.how)
        plan = _with_case(plan, case, extract_seconds=time.perf_counter() - mark,
                          total_seconds=time.perf_counter() - start)
        if session is not None and solution.ranging is not None and solution.ranging.known:
            plan = self._with_bridge_limits(plan, session, solution, case.data)
        if strict and plan.warnings:
            raise StrictError(list(plan.warnings))
        if self.explain and plan.status in EXPLAINED:
            hooks.report(Phase.EXPLAIN)
            plan = self.explained(case, plan)
        return Solved(plan, session, solution)

    def _with_bridge_limits(self, plan: Plan, session: HighsSession, solution: Solution,
                            data: ModelData | None) -> Plan:
        """The plan with every limit's range on demand (``plan.ranges()``) and the top
        limit behind each part of its target gap bridge (:mod:`sopopt.analysis.gap_limits`)."""
        from sopopt.analysis.gap_limits import with_gap_limits

        if self.ranges != "all":
            plan = dataclasses.replace(plan, ranger=_AllRanges(session, solution, data))
        if data is None or session.compiled.is_mip:  # rates need an LP's basis (a MIP's: sopopt explain)
            return plan
        return with_gap_limits(plan, session, lambda: dataclasses.replace(self, ranges="all").ranged(session, solution),
                               data)

    def _solve_lp(
        self, case: Case, options: SolveOptions, hooks: _Hooks, timings: dict[str, float], raise_on_failure: bool,
    ) -> tuple[HighsSession | None, Solution]:
        """Build, hand off, solve and range; the session (None when the build found the
        case infeasible) and the solution."""
        mark = time.perf_counter()
        hooks.report(Phase.BUILD)
        try:
            lp = self.build(case)
        except InfeasibleError as exc:
            if raise_on_failure:
                raise
            # A row with no variables left that cannot hold: infeasible before solving.
            return None, Solution(SolveStatus.INFEASIBLE, None, {}, {}, {}, {}, {"highs_status": str(exc)})
        timings["build_seconds"] = time.perf_counter() - mark
        mark = time.perf_counter()
        session = self.session(lp, options, case.data)
        session.cut_data = case.data  # the families' valid inequalities strengthen a large MIP
        timings["handoff_seconds"] = time.perf_counter() - mark
        solution = self.ranged(session, self.allocated(session, case.data), case.data)
        return session, solution

    def explained(self, case: Case, plan: Plan) -> Plan:
        """An infeasible case's plan carrying why it has no plan (``plan.explanation``);
        an explanation that fails leaves its message in ``info["explanation_error"]``."""
        from sopopt.analysis.infeasible import explain_infeasible

        try:
            explanation = explain_infeasible(case, plan, time_budget=self.time_budget)
        except SopoptError as exc:
            return dataclasses.replace(plan, info=Info(plan.info, explanation_error=str(exc)))
        return explanation.plan or plan


class _AllRanges:
    """Every limit's range of a solve, computed from its session on the first call
    (HiGHS ranging), then kept: what :meth:`~sopopt.results.plan.Plan.ranges` returns."""

    def __init__(self, session: HighsSession, solution: Solution, data: ModelData | None) -> None:
        self._source: tuple[HighsSession, Solution, ModelData] | None = (session, solution, data)  # type: ignore[assignment]
        self._table: pd.DataFrame | None = None

    def __call__(self) -> pd.DataFrame:
        if self._table is None:
            assert self._source is not None
            session, solution, data = self._source
            ranging = compute_ranging(session, solution, RANGED_ROWS, RANGED_COLUMNS, full=True)
            self._table = shadow_prices(data, dataclasses.replace(solution, ranging=ranging))
            self._source = None  # the session is no longer needed
        return self._table


def _loaded(case: Case | str | Path, workspace: str | Path | None, strict: bool) -> Case:
    if not isinstance(case, Case):
        return load_case(case, workspace=workspace, strict=strict)
    if strict and case.warnings:
        raise StrictError(case.warnings)
    return case


def _with_case(plan: Plan, case: Case, **timings: float) -> Plan:
    """The plan with what the case adds: its adjustments, flat inputs and warnings."""
    assert case.data is not None
    warnings = (*case.warnings, *run_down_warnings(case.data, plan, case.locations))
    return dataclasses.replace(plan, adjustments=tuple(describe_adjustments(case)), inputs=flat_inputs(case),
                               warnings=warnings, info=Info(plan.info, **timings))


@dataclass(frozen=True)
class _Hooks:
    """The progress hook of one solve: reports of the steps around HiGHS (load, build,
    extract, explain), and HiGHS's own reports timed from the start of the solve."""

    receiver: ProgressCallback | None
    start: float

    @classmethod
    def of(cls, options: SolveOptions | None, start: float) -> _Hooks:
        receiver = None if options is None or options.on_progress is None else guarded(options.on_progress)
        return cls(receiver, start)

    def report(self, phase: Phase, solution: Solution | None = None) -> None:
        if self.receiver is None:
            return
        info = solution.info if solution is not None else {}
        self.receiver(Progress(phase, time.perf_counter() - self.start, rows=info.get("rows"),
                               columns=info.get("columns")))

    def shifted(self, options: SolveOptions) -> SolveOptions:
        """``options`` whose progress receiver sees times since the start of the solve
        instead of since the HiGHS run."""
        if self.receiver is None:
            return options
        return dataclasses.replace(options, on_progress=_shifted(self.receiver, self.start))


def _shifted(receiver: ProgressCallback, start: float) -> ProgressCallback:
    offsets: list[float] = []

    def shifted(progress: Progress) -> None:
        if not offsets:  # the HiGHS run started ``progress.elapsed`` seconds ago
            offsets.append(time.perf_counter() - start - progress.elapsed)
        receiver(dataclasses.replace(progress, elapsed=progress.elapsed + offsets[0]))

    return shifted


def solve(
    case: Case | str | Path,
    options: SolveOptions | None = None,
    *,
    raise_on_failure: bool = True,
    how: Build = "fast",
    workspace: str | Path | None = None,
    strict: bool = False,
    explain: bool = True,
    time_budget: float = DEFAULT_TIME_BUDGET,
) -> Plan:
    """Load (if given a path), build, solve and extract one plan: ``sopopt solve`` as a
    call, the same plan (an infeasible case's explanation included).

    Args:
        case: a loaded case, or the path of a scenario or model file.
        options: solver options; default: the scenario's ``solver`` block.
        raise_on_failure: raise :class:`~sopopt.errors.InfeasibleError` (and friends)
            when there is no plan (before any explanation); otherwise return a plan
            whose status says so, an infeasible one with ``plan.explanation``.
        how: build path, ``fast`` (default) or ``pyomo`` (same LP, see :data:`Build`).
        workspace: when given a path, the folder its files must lie in (see
            :func:`~sopopt.inputs.case.load_case`).
        strict: raise :class:`~sopopt.errors.StrictError` if the case (before the
            solve) or the plan (after it) has warnings; else they are in ``plan.warnings``.
        explain: explain an infeasible case (its conflict and repairs), spending at
            most ``time_budget`` seconds on the conflict.

    A plan stopped by the time limit is returned with status ``time_limit_feasible``:
    never presented as optimal.
    """
    planner = Planner(options, how, explain, time_budget)
    return planner.solve(case, raise_on_failure=raise_on_failure, workspace=workspace, strict=strict)


def load_plans(
    sources: Sequence[Path], options: SolveOptions | None = None, workspace: str | Path | None = None,
    *, strict: bool = False,
) -> list[Plan]:
    """A plan for each source: result folders are read back, plans of record named
    ``DB:CYCLE[:VERSION]`` read from their database (a path that exists is read as a
    path first), scenario files solved
    (with ``workspace`` as in :func:`~sopopt.inputs.case.load_case`). With ``strict``, a plan
    with warnings (read back or solved) raises :class:`~sopopt.errors.StrictError`.

    A scenario without a feasible plan gives a plan whose status says so (it is not
    raised), so that it still shows in a comparison, with its explanation.
    """
    planner = Planner(options)

    def plan_of(source: Path) -> Plan:
        if source.is_dir():
            return read_plan(source)
        stored = None if source.exists() else stored_plan(str(source))
        if stored is not None:
            return stored
        return planner.solve(source, raise_on_failure=False, workspace=workspace, strict=strict)

    plans = [plan_of(s) for s in sources]
    if strict and (warnings := [w for plan in plans for w in plan.warnings]):
        raise StrictError(warnings)
    return plans

