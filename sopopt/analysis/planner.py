"""The one-call API: a scenario in, a :class:`~sopopt.results.plan.Plan` out.

The steps stay separate for sweeps and inspection: :func:`sopopt.load_case`,
:func:`sopopt.model.build_model`, :func:`sopopt.solver.highs.solve_model`,
:func:`sopopt.results.plan.extract_plan`.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from sopopt.errors import InfeasibleError, StrictError
from sopopt.inputs.case import Case, load_case
from sopopt.inputs.views import describe_adjustments, flat_inputs
from sopopt.model.fast import build_lp
from sopopt.model.lp import LinearProgram
from sopopt.model.registry import BOUND_LIMITS, LIMITS
from sopopt.model.transforms.smoothing import with_smoothing
from sopopt.results.folders import read_plan
from sopopt.results.plan import Info, Plan, extract_plan, run_down_warnings
from sopopt.solver.options import SolveOptions
from sopopt.solver.progress import Phase, Progress, ProgressCallback, guarded
from sopopt.solver.ranging import compute_ranging
from sopopt.solver.session import HighsSession, Solution
from sopopt.solver.status import SolveStatus, raise_for_status

#: The components whose ranges plans report: limit rows and bounded variables.
RANGED_ROWS = frozenset(spec.component for spec in LIMITS)
RANGED_COLUMNS = frozenset(spec.component for spec in BOUND_LIMITS)

#: How the LP is built: ``fast`` (numpy, straight to HiGHS: the default) or ``pyomo``
#: (the readable rule-based Pyomo model, compiled to matrix form). Tests prove that both
#: build the same LP.
Build = Literal["fast", "pyomo"]


def build(case: Case, how: Build = "fast") -> LinearProgram:
    """The case's LP, ready for the solver, built the chosen way."""
    if case.data is None:
        raise ValueError("the case was loaded with check=False; load it with checks to solve")
    if how == "pyomo":
        from sopopt.model.build import build_model
        from sopopt.model.standard_form import compile_lp

        return with_smoothing(compile_lp(build_model(case.data)), case.data)
    return with_smoothing(build_lp(case.data), case.data)


def solve(
    case: Case | str | Path,
    options: SolveOptions | None = None,
    *,
    raise_on_failure: bool = True,
    how: Build = "fast",
    workspace: str | Path | None = None,
    strict: bool = False,
) -> Plan:
    """Load (if given a path), build, solve and extract one plan.

    Args:
        case: a loaded case, or the path of a scenario or model file.
        options: solver options; default: the scenario's ``solver`` block.
        raise_on_failure: raise :class:`~sopopt.errors.InfeasibleError` (and friends)
            when there is no plan; otherwise return a plan whose status says so.
        how: build path, ``fast`` (default) or ``pyomo`` (same LP, see :data:`Build`).
        workspace: when given a path, the folder its files must lie in (see
            :func:`~sopopt.inputs.case.load_case`).
        strict: raise :class:`~sopopt.errors.StrictError` if the case (before the
            solve) or the plan (after it) has warnings; else they are in ``plan.warnings``.

    A plan stopped by the time limit is returned with status ``time_limit_feasible``:
    never presented as optimal.
    """
    return solve_live(case, options, raise_on_failure=raise_on_failure, how=how, workspace=workspace, strict=strict)[0]


def solve_live(
    case: Case | str | Path,
    options: SolveOptions | None = None,
    *,
    raise_on_failure: bool = True,
    how: Build = "fast",
    workspace: str | Path | None = None,
    strict: bool = False,
) -> tuple[Plan, HighsSession | None, Solution]:
    """:func:`solve`, also returning the HiGHS session, still holding its optimal basis
    (``None`` when the LP was found infeasible before solving), and the solution the
    plan was extracted from: for analyses that read the basis, such as
    :func:`sopopt.analysis.explain_plan.explain_plan`."""
    timings: dict[str, float] = {}
    session: HighsSession | None = None
    start = time.perf_counter()
    if options is not None and options.on_progress is not None:
        options = dataclasses.replace(options, on_progress=guarded(options.on_progress))
    report = _reporter(options, start)
    report(Phase.LOAD)
    if not isinstance(case, Case):
        case = load_case(case, workspace=workspace, strict=strict)
    elif strict and case.warnings:
        raise StrictError(case.warnings)
    timings["load_seconds"] = time.perf_counter() - start
    options = options or SolveOptions.from_settings(case.solver)
    if options.on_progress is not None:
        # Reports of the HiGHS run count their time from the start of this solve.
        options = dataclasses.replace(options, on_progress=_shifted(options.on_progress, start))
    mark = time.perf_counter()
    report(Phase.BUILD)
    try:
        lp = build(case, how)
    except InfeasibleError as exc:
        if raise_on_failure:
            raise
        # A row with no variables left that cannot hold: infeasible before solving.
        solution = Solution(SolveStatus.INFEASIBLE, None, {}, {}, {}, {}, {"highs_status": str(exc)})
    else:
        timings["build_seconds"] = time.perf_counter() - mark
        mark = time.perf_counter()
        session = HighsSession(lp, options)
        timings["handoff_seconds"] = time.perf_counter() - mark
        solution = session.run()
        if solution.status.has_plan:
            mark = time.perf_counter()
            ranging = compute_ranging(session, solution, RANGED_ROWS, RANGED_COLUMNS)
            solution = dataclasses.replace(solution, ranging=ranging)
            timings["ranging_seconds"] = time.perf_counter() - mark
    if raise_on_failure:
        raise_for_status(solution)
    mark = time.perf_counter()
    report(Phase.EXTRACT, solution)
    info = {**timings, "scenario": str(case.source), "build": how}
    plan = extract_plan(case.data, solution, case.network.name, case.network.currency, info=info)
    extract_seconds = time.perf_counter() - mark
    warnings = (*case.warnings, *run_down_warnings(case.data, plan, case.locations))
    plan = dataclasses.replace(
        plan,
        adjustments=tuple(describe_adjustments(case)),
        inputs=flat_inputs(case),
        warnings=warnings,
        info=Info(plan.info, extract_seconds=extract_seconds, total_seconds=time.perf_counter() - start),
    )
    if strict and plan.warnings:
        raise StrictError(list(plan.warnings))
    return plan, session, solution


def _shifted(receiver: ProgressCallback, start: float) -> ProgressCallback:
    """A receiver that sees times since ``start`` instead of since the HiGHS run."""
    offsets: list[float] = []

    def shifted(progress: Progress) -> None:
        if not offsets:  # the HiGHS run started ``progress.elapsed`` seconds ago
            offsets.append(time.perf_counter() - start - progress.elapsed)
        receiver(dataclasses.replace(progress, elapsed=progress.elapsed + offsets[0]))

    return shifted


def _reporter(options: SolveOptions | None, start: float) -> Callable[..., None]:
    """Reports of the steps around the solve (load, build, extract) to ``on_progress``."""

    def report(phase: Phase, solution: Solution | None = None) -> None:
        if options is None or options.on_progress is None:
            return
        info = solution.info if solution is not None else {}
        options.on_progress(Progress(phase, time.perf_counter() - start, rows=info.get("rows"),
                                     columns=info.get("columns")))

    return report


def load_plans(
    sources: Sequence[Path], options: SolveOptions | None = None, workspace: str | Path | None = None,
    *, strict: bool = False,
) -> list[Plan]:
    """A plan for each source: result folders are read back, scenario files solved
    (with ``workspace`` as in :func:`~sopopt.inputs.case.load_case`). With ``strict``, a plan
    with warnings (read back or solved) raises :class:`~sopopt.errors.StrictError`.

    A scenario without a feasible plan gives a plan whose status says so (it is not
    raised), so that it still shows in a comparison.
    """
    plans = [
        read_plan(s) if s.is_dir() else solve(s, options, raise_on_failure=False, workspace=workspace, strict=strict)
        for s in sources
    ]
    if strict and (warnings := [w for plan in plans for w in plan.warnings]):
        raise StrictError(warnings)
    return plans
