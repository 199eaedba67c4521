"""Plans from what a user names on the command line: scenario files, result folders,
and the folders ``sopopt hedge --out`` and ``sopopt replan --out`` write.

``compare`` and ``report`` read their sources here, so the command line only parses
arguments: a scenario is solved (through the planner), a folder read back, and a case
without a plan carries why (:meth:`~sopopt.analysis.planner.Planner.explained`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sopopt.analysis.attribution import Attribution, attribute
from sopopt.analysis.explain import PlanExplanation, explain_plan
from sopopt.analysis.frontier import Frontier, is_frontier_folder, read_frontier
from sopopt.analysis.hedge import HedgedPlan, is_hedge_folder, read_hedge
from sopopt.analysis.planner import EXPLAINED, Planner, load_plans
from sopopt.analysis.replan import Replanned, is_replan_folder, read_replan
from sopopt.errors import Location, Problem, ScenarioError, SolverError, StrictError
from sopopt.inputs.case import load_case
from sopopt.results.cycle import stored_plan
from sopopt.results.plan import Plan

Analysis = HedgedPlan | PlanExplanation | Replanned | Frontier | Attribution


def with_explanation(plan: Plan, workspace: Path | None = None) -> Plan:
    """An infeasible plan read back from a result folder, carrying why it has no plan
    (its scenario file is loaded and explained again)."""
    scenario = plan.info.get("scenario")
    if plan.explanation is not None or not scenario or plan.status not in EXPLAINED:
        return plan
    return Planner().explained(load_case(scenario, workspace=workspace), plan)


def previous_plan(text: str) -> Plan | Path:
    """A result folder (a path that exists is read as a path first), or the plan a
    ``DB:CYCLE[:VERSION]`` reference names (what ``sopopt replan`` starts from)."""
    stored = None if Path(text).exists() else stored_plan(text)
    if stored is not None:
        return stored
    if not Path(text).is_dir():
        raise ScenarioError([Problem(Location(text), "previous", "not a result folder, nor a stored plan DB:CYCLE "
                                     "(the database file must exist)")])
    return Path(text)


def plans_to_compare(sources: Sequence[Path], workspace: Path | None = None, strict: bool = False) -> list[Plan]:
    """The plans that ``sources`` stand for, in order: every case of a hedge folder, the
    plan of a result folder, the solved plan of a scenario file."""
    plans: list[Plan] = []
    for source in sources:
        if source.is_dir() and is_hedge_folder(source):
            plans.extend(read_hedge(source).plans)
        else:
            plans.extend(load_plans([source], workspace=workspace, strict=strict))
    return plans


def attributions(sources: Sequence[Path], workspace: Path | None = None,
                 planner: Planner | None = None) -> list[Attribution]:
    """Why each scenario file differs from the first: its change shared among its own
    adjustments (``compare --why``, ``report --why``), every subset solved through one
    planner. Raises :class:`~sopopt.errors.ScenarioError` unless every source is a
    scenario file (YAML)."""
    scenarios = [Path(str(source)) for source in sources]
    if not all(path.is_file() and path.suffix in (".yaml", ".yml") for path in scenarios):
        raise ScenarioError([Problem(None, "--why", "shares need scenario files (YAML), not result folders or "
                                     "stored plans")])
    planner = planner or Planner()
    base = load_case(scenarios[0], workspace=workspace)
    return [attribute(base, load_case(path, workspace=workspace), planner) for path in scenarios[1:]]


def plans_to_report(
    sources: Sequence[Path], workspace: Path | None = None, strict: bool = False, why: bool = False
) -> tuple[list[Plan], list[Analysis]]:
    """Plans to report, in order, and the analysis results among the sources: a hedge
    folder gives its hedged plan and every case's plan; a re-plan folder its changes, the
    previous plan and the new one; a scenario file its plan and the causes of its
    costliest shortages and overtime; with ``why``, why each scenario file differs from
    the first (:func:`attributions`). With ``strict``, a plan with warnings raises
    :class:`~sopopt.errors.StrictError`."""
    plans: list[Plan] = []
    analyses: list[Analysis] = list(attributions(sources, workspace)) if why else []
    for source in sources:
        if source.is_dir() and is_hedge_folder(source):
            result = read_hedge(source)
            analyses.append(result)
            plans.extend(result.plans)
        elif source.is_dir() and is_frontier_folder(source):
            drawn = read_frontier(source)
            analyses.append(drawn)
            plans.extend([drawn.plan] if drawn.plan is not None else [])
        elif source.is_dir() and is_replan_folder(source):
            replanned = read_replan(source)
            analyses.append(replanned)
            plans.extend([replanned.previous, replanned.plan] if replanned.previous is not replanned.plan
                         else [replanned.plan])
        elif source.is_dir() or not source.exists():  # a result folder, or a stored plan DB:CYCLE[:VERSION]
            plans.extend(with_explanation(plan, workspace)
                         for plan in load_plans([source], workspace=workspace, strict=strict))
        else:
            plan, explanation = explained(source, workspace, strict)
            plans.append(plan)
            if explanation is not None:
                analyses.append(explanation)
    return plans, analyses


def explained(source: Path, workspace: Path | None = None, strict: bool = False) -> tuple[Plan, PlanExplanation | None]:
    """A scenario's plan with the causes of its costliest cells (one solve: the
    explanation keeps the basis); a case without an optimal plan gets no causes, and an
    infeasible one why it has no plan. With ``strict``, warnings of the case or its plan
    raise :class:`~sopopt.errors.StrictError`."""
    case = load_case(source, workspace=workspace, strict=strict)
    try:
        explanation = explain_plan(case)
    except SolverError:  # infeasible, unbounded, stopped by the time limit
        return Planner().solve(case, raise_on_failure=False, strict=strict), None
    if strict and explanation.plan.warnings:
        raise StrictError(list(explanation.plan.warnings))
    return explanation.plan, explanation
