"""The one-call API: a scenario in, a :class:`~sopopt.results.Plan` out.

The steps stay separate for sweeps and inspection: :func:`sopopt.load_case`,
:func:`sopopt.model.build_model`, :func:`sopopt.solve.solve_model`,
:func:`sopopt.results.extract_plan`.
"""

from __future__ import annotations

import time
from pathlib import Path

from sopopt.model import build_model
from sopopt.results import Plan, extract_plan
from sopopt.scenarios import Case, load_case
from sopopt.solve import SolveOptions, raise_for_status, solve_model


def solve(
    case: Case | str | Path,
    options: SolveOptions | None = None,
    *,
    raise_on_failure: bool = True,
) -> Plan:
    """Load (if given a path), build, solve and extract one plan.

    Args:
        case: a loaded case, or the path of a scenario or model file.
        options: solver options; default: the scenario's ``solver`` block.
        raise_on_failure: raise :class:`~sopopt.errors.InfeasibleError` (and friends)
            when there is no plan; otherwise return a plan whose status says so.

    A plan stopped by the time limit is returned with status ``time_limit_feasible``:
    never presented as optimal.
    """
    timings: dict[str, float] = {}
    start = time.perf_counter()
    if not isinstance(case, Case):
        case = load_case(case)
    timings["load_seconds"] = time.perf_counter() - start
    if case.data is None:
        raise ValueError("the case was loaded with check=False; load it with checks to solve")
    options = options or SolveOptions.from_settings(case.solver)
    mark = time.perf_counter()
    model = build_model(case.data)
    timings["build_seconds"] = time.perf_counter() - mark
    solution = solve_model(model, options)
    if raise_on_failure:
        raise_for_status(solution)
    mark = time.perf_counter()
    plan = extract_plan(case.data, solution, case.network.name, case.network.currency)
    timings["extract_seconds"] = time.perf_counter() - mark
    plan.info.update(timings)
    plan.info["scenario"] = str(case.source)
    plan.info["total_seconds"] = time.perf_counter() - start
    return plan
