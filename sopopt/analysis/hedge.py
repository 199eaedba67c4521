r"""One plan across demand cases: a hedged (two-stage) plan, EVPI and VSS.

The first ``commit`` periods of every decision on
:data:`~sopopt.model.catalogue.COMMITTED_DECISIONS` are decided now, the same in every
case; everything else (stock, backlog, lost sales, and every decision after the
committed periods) is the case's *recourse*. With case weights :math:`w_k`:

.. math::

    \text{expected cost} = \min \sum_k w_k\, c^k x^k \quad\text{s.t. each case's rows, and }
    x^k_j = x^0_j \text{ for every committed decision } j

solved as one LP (:func:`~sopopt.model.transforms.stack.stack` of the cases' built LPs).

- **EVPI** (expected value of perfect information) = expected cost − :math:`\sum_k w_k`
  (cost of case :math:`k` solved on its own): what knowing the case in advance is worth.
- **VSS** (value of the stochastic solution) = expected cost of committing to the
  *expected-value plan* − expected cost. The expected-value case has, for every number
  that differs across the cases, its weighted mean; its plan's committed decisions are
  fixed in each case, each case is re-solved, and the costs are weighted. If the
  commitment leaves a case without a feasible plan, VSS is infinite and that case is
  named.

:func:`write_hedge` writes ``hedge.json``, ``commitment.csv`` and one result folder per
case; :func:`read_hedge` reads them back as a :class:`HedgedPlan`.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sopopt.analysis.allocation import joint_stages
from sopopt.analysis.planner import Planner
from sopopt.errors import InfeasibleError, Location, Problem, ScenarioError
from sopopt.inputs.case import Case, load_case
from sopopt.inputs.compile import ModelData
from sopopt.io.paths import display_path
from sopopt.io.writer import replacing_folder
from sopopt.model.catalogue import COMMITTED_DECISIONS, VARIABLES
from sopopt.model.lp import LinearProgram
from sopopt.model.transforms.extended import Key, select
from sopopt.model.transforms.fix import fix_keys
from sopopt.model.transforms.stack import COMMITMENT_ROW, JOINT_ROW, StackedLP, case_category, stack
from sopopt.results.folders import metadata, read_plan, write_result
from sopopt.results.plan import Plan
from sopopt.solver.options import SolveOptions
from sopopt.solver.solution import Solution
from sopopt.solver.status import OPTIMAL_STATUSES, SolveStatus

#: Workforce decisions that ``firm_headcount`` makes common over the whole horizon.
HEADCOUNT_DECISIONS = ("hires", "layoffs")


@dataclass(frozen=True)
class HedgedPlan:
    """A hedged plan: the commitment, each case's recourse plan, and the measures.

    Costs are in ``currency``; ``None`` where there is no plan to measure.
    """

    status: SolveStatus
    names: list[str]
    """Name of each case (its scenario file stem; ``-2`` added on a clash)."""
    weights: list[float]
    """Normalised weight of each case (they sum to 1)."""
    commit: int
    """Number of committed periods (the first ``commit`` periods)."""
    firm_headcount: bool
    """Hires and layoffs are common over the whole horizon."""
    plans: list[Plan]
    """Each case's plan: the common commitment plus its own recourse."""
    commitment: pd.DataFrame
    """Committed decisions: ``decision``, its index columns, ``period``, ``value``."""
    expected_cost: float | None
    own_costs: list[float | None]
    """Each case's cost when solved on its own (perfect information)."""
    evpi: float | None
    expected_value_cost: float | None
    """Expected cost of committing to the expected-value plan (inf: a case infeasible)."""
    vss: float | None
    vss_infeasible_case: str | None = None
    """The case left without a plan by the expected-value commitment (VSS infinite)."""
    labels: list[str] = field(default_factory=list)
    currency: str = "USD"
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def has_plan(self) -> bool:
        """True when the hedged LP has a plan (optimal or not)."""
        return self.status.has_plan

    @property
    def committed_labels(self) -> list[str]:
        """Labels of the committed periods."""
        return self.labels[: self.commit]

    def figures(self) -> pd.DataFrame:
        """One row per case: weight, cost, profit, fill rate, lost and backlogged units."""
        rows = []
        for name, weight, plan, own in zip(self.names, self.weights, self.plans, self.own_costs, strict=True):
            kpis = plan.kpis
            rows.append({
                "case": name,
                "weight": weight,
                "cost": plan.objective,
                "profit": kpis.get("profit", kpis.get("margin")),
                "fill_rate": kpis.get("fill_rate"),
                "lost_units": kpis.get("lost_units"),
                "backlogged_units": kpis.get("backlog_unit_periods"),
                "own_cost": own,
            })
        return pd.DataFrame(rows)


# --- inputs -----------------------------------------------------------------------


def normalise_weights(weights: Sequence[float] | None, n: int) -> list[float]:
    """Weights normalised to sum 1 (equal when absent).

    Raises:
        ScenarioError: wrong count, a negative or non-finite weight, or all zero.
    """
    if weights is None:
        return [1.0 / n] * n
    values = [float(w) for w in weights]
    message = None
    if len(values) != n:
        message = f"give one weight per case: {n} cases, {len(values)} weights"
    elif any(not math.isfinite(w) or w < 0 for w in values):
        message = "weights must be non-negative numbers"
    elif sum(values) <= 0:
        message = "at least one weight must be above 0"
    if message:
        raise ScenarioError([Problem(None, "--weights", message)])
    total = sum(values)
    return [w / total for w in values]


def _structure(value: Any, path: str, out: dict[str, Any]) -> None:
    """Record the structural (non-numeric) content of compiled data under ``path``."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            if f.name != "problems":
                _structure(getattr(value, f.name), f"{path}.{f.name}" if path else f.name, out)
    elif isinstance(value, dict):
        out[f"{path} (names)"] = sorted(map(str, value))
        for key, item in value.items():
            _structure(item, f"{path}.{'/'.join(map(str, key)) if isinstance(key, tuple) else key}", out)
    elif isinstance(value, bool | str) or path.endswith("lead_time"):
        out[path] = value
    elif value is None or isinstance(value, list):
        out[path] = value
    elif isinstance(value, np.ndarray):
        out[f"{path} (length)"] = value.shape


def structure_differences(cases: Sequence[Case], names: Sequence[str]) -> list[str]:
    """What differs in sets and levers between the first case and each other one."""
    shapes = []
    for case in cases:
        out: dict[str, Any] = {}
        _structure(case.data, "", out)
        shapes.append(out)
    differences = []
    for name, other in zip(names[1:], shapes[1:], strict=True):
        for key in sorted(set(shapes[0]) | set(other)):
            a, b = shapes[0].get(key, "absent"), other.get(key, "absent")
            if a != b:
                differences.append(f"{key}: {names[0]} has {_short(a)}, {name} has {_short(b)}")
    return differences


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_compatible(cases: Sequence[Case], names: Sequence[str]) -> None:
    """Raise one error listing every difference in sets and levers between the cases.

    Raises:
        ScenarioError: the cases do not share products, sites, resources, crews,
            suppliers, lanes, periods and levers.
    """
    differences = structure_differences(cases, names)
    if differences:
        problems = [
            Problem(Location(display_path(cases[0].source)), "", f"cases differ in sets or levers: {d}",
                    "hedged cases may differ only in numbers (demand, capacities, costs)")
            for d in differences[:50]
        ]
        raise ScenarioError(problems)


def case_names(cases: Sequence[Case]) -> list[str]:
    """Each case's scenario file stem, with ``-2``, ``-3`` ... added on a clash."""
    names: list[str] = []
    for case in cases:
        stem, n = Path(case.source).stem, 1
        name = stem
        while name in names:
            n += 1
            name = f"{stem}-{n}"
        names.append(name)
    return names


# --- the hedged LP ----------------------------------------------------------------


def committed_keys(lp: LinearProgram, commit: int, firm_headcount: bool) -> list[Key]:
    """Columns of the committed decisions: periods ``0..commit-1``, and every period of
    hires and layoffs with ``firm_headcount``; in LP order."""
    keys = select(lp, COMMITTED_DECISIONS, range(commit))
    if firm_headcount:
        early = set(keys)
        keys += [k for k in select(lp, HEADCOUNT_DECISIONS) if k not in early]
    return keys


def _common_keys(lps: Sequence[LinearProgram], cases: Sequence[Case], names: Sequence[str], commit: int,
                 firm: bool) -> list[Key]:
    keys = [committed_keys(lp, commit, firm) for lp in lps]
    first = set(keys[0])
    problems = []
    for name, other in zip(names[1:], keys[1:], strict=True):
        for key in sorted(first.symmetric_difference(other), key=str)[:10]:
            problems.append(Problem(Location(display_path(cases[0].source)), "",
                                    f"decision {key[0]}{list(key[1])} exists in only one of {names[0]} and {name}"))
    if problems:
        raise ScenarioError(problems)
    return keys[0]


def solve_stacked(lps: Sequence[LinearProgram], weights: Sequence[float], common: Sequence[Key],
                  planner: Planner | None = None, datas: Sequence[ModelData] = ()) -> tuple[StackedLP, Solution]:
    """Stack the cases' LPs with the common decisions tied, and solve with ``planner``
    (default options): the solution's objective is the expected cost (see
    :func:`~sopopt.model.transforms.stack.stack`). With the cases' ``datas``, cases that
    allocate demand classes by priority or fair share are solved by stages, each stage's
    expected total kept before the next (:func:`~sopopt.analysis.allocation.joint_stages`)."""
    joint = joint_stages(datas, lps) if datas else []
    stacked = stack(lps, weights, common, joint)
    return stacked, (planner or Planner()).run(stacked, data=datas[0] if joint else None)


def _split(stacked: StackedLP, solution: Solution) -> list[Solution]:
    """One solution per case out of the stacked solution (duals divided by the weight)."""
    n = len(stacked.parts)
    values: list[dict[str, dict[Any, float]]] = [{} for _ in range(n)]
    duals: list[dict[str, dict[Any, float]]] = [{} for _ in range(n)]
    slacks: list[dict[str, dict[Any, float]]] = [{} for _ in range(n)]
    for source, target, scale in ((solution.values, values, False), (solution.duals, duals, True),
                                  (solution.slacks, slacks, False)):
        for name, entries in source.items():
            if name in (COMMITMENT_ROW, JOINT_ROW):
                continue
            for index, value in entries.items():
                k = index[0]
                w = stacked.weights[k]
                v = (value / w if w > 0 else 0.0) if scale else value
                target[k].setdefault(name, {})[index[1:]] = v
    out = []
    for k, part in enumerate(stacked.parts):
        costs = {c: solution.costs[case_category(c, k)] for c in part.cost_vectors if solution.status.has_plan}
        objective = part.offset + sum(costs.values()) if solution.status.has_plan else None
        out.append(Solution(solution.status, objective, values[k], duals[k], slacks[k], costs,
                            {**solution.info, "case_weight": float(stacked.weights[k])}))
    return out


# --- expected-value plan ----------------------------------------------------------


def _mean(values: Sequence[Any], weights: Sequence[float]) -> Any:
    first = values[0]
    if dataclasses.is_dataclass(first) and not isinstance(first, type):
        changes = {f.name: _mean([getattr(v, f.name) for v in values], weights)
                   for f in dataclasses.fields(first) if f.name != "problems"}
        return dataclasses.replace(first, **changes)
    if isinstance(first, dict):
        return {key: _mean([v[key] for v in values], weights) for key in first}
    if isinstance(first, np.ndarray) and first.dtype.kind == "f":
        return sum(w * np.asarray(v, dtype=float) for v, w in zip(values, weights, strict=True))
    if isinstance(first, float | int) and not isinstance(first, bool):
        return float(sum(w * float(v) for v, w in zip(values, weights, strict=True)))
    return first


def mean_data(datas: Sequence[ModelData], weights: Sequence[float]) -> ModelData:
    """The expected-value case: every number that differs across cases replaced by its
    weighted mean (cases of weight 0 left out, so an infinite limit there does not count).

    The cases must share sets and levers (:func:`check_compatible`).
    """
    kept = [(d, w) for d, w in zip(datas, weights, strict=True) if w > 0]
    result = _mean([d for d, _ in kept], [w for _, w in kept])
    assert isinstance(result, ModelData)
    return result


def _expected_value_measures(
    cases: Sequence[Case], lps: Sequence[LinearProgram], names: Sequence[str], weights: Sequence[float],
    common: Sequence[Key], planner: Planner,
) -> tuple[float | None, str | None]:
    """Expected cost of committing to the expected-value plan, and the case a
    commitment leaves infeasible (then the cost is inf)."""
    mean = mean_data([c.data for c in cases], weights)  # type: ignore[misc]
    ev = planner.run(planner.build(mean), data=mean)
    if not ev.status.has_plan:
        return None, None
    values = {(name, idx): ev.values.get(name, {}).get(idx, 0.0) for name, idx in common}
    total = 0.0
    for name, lp, weight, case in zip(names, lps, weights, cases, strict=True):
        try:
            fixed = fix_keys(lp, values)
        except InfeasibleError:
            return math.inf, name
        result = planner.run(fixed, data=case.data)
        if not result.status.has_plan or result.objective is None:
            return math.inf, name
        total += weight * result.objective
    return total, None


# --- the one call -----------------------------------------------------------------


def hedge(
    cases: Sequence[Case | str | Path],
    weights: Sequence[float] | None = None,
    commit: int = 1,
    *,
    firm_headcount: bool = False,
    options: SolveOptions | None = None,
) -> HedgedPlan:
    """One plan for several demand cases: common decisions in the first ``commit``
    periods, each case's own recourse after, with EVPI and VSS (see the module doc).

    Args:
        cases: loaded cases or scenario paths, sharing sets and levers.
        weights: one per case, non-negative (normalised); default equal.
        commit: number of committed periods (0 to the horizon length).
        firm_headcount: hires and layoffs are common over the whole horizon.
        options: solver options; default the first case's ``solver`` block.

    Raises:
        ScenarioError: invalid files, weights or ``commit``, or cases that differ in
            sets or levers (every difference listed).
    """
    start = time.perf_counter()
    loaded = [c if isinstance(c, Case) else load_case(c) for c in cases]
    if len(loaded) < 2:
        raise ScenarioError([Problem(None, "cases", f"a hedge needs two or more demand cases, got {len(loaded)}",
                                     "for one case, use 'sopopt solve'")])
    names = case_names(loaded)
    w = normalise_weights(weights, len(loaded))
    check_compatible(loaded, names)
    labels = loaded[0].labels
    if not 0 <= commit <= len(labels):
        raise ScenarioError([Problem(None, "--commit", f"must be between 0 and {len(labels)} periods, got {commit}")])
    planner = Planner(options or SolveOptions.from_settings(loaded[0].solver), explain=False)
    lps = [planner.build(c) for c in loaded]
    common = _common_keys(lps, loaded, names, commit, firm_headcount)
    datas = [c.data for c in loaded if c.data is not None]
    stacked, solution = solve_stacked(lps, w, common, planner, datas)
    plans = [planner.extract(case, sol, name=name, scenario=str(case.source), build="fast")
             for case, sol, name in zip(loaded, _split(stacked, solution), names, strict=True)]
    info = {**solution.info, "cases": len(loaded), "committed_decisions": len(common),
            "hedge_seconds": time.perf_counter() - start}
    result = HedgedPlan(
        status=solution.status, names=names, weights=w, commit=commit, firm_headcount=firm_headcount,
        plans=plans, commitment=commitment_table(plans[0], commit, firm_headcount) if solution.status.has_plan
        else _empty_commitment(), expected_cost=solution.objective, own_costs=[None] * len(loaded), evpi=None,
        expected_value_cost=None, vss=None, labels=list(labels), currency=loaded[0].network.currency, info=info,
    )
    if not solution.status.has_plan:
        return _without_plan(result, lps, planner)
    return _with_measures(result, loaded, lps, common, planner, start)


def _without_plan(result: HedgedPlan, lps: Sequence[LinearProgram], planner: Planner) -> HedgedPlan:
    """A hedged LP without a plan: record which cases have no plan even on their own
    (``info["cases_without_plan"]``; empty: only the common commitment is impossible)."""
    if result.status.value not in ("infeasible", "infeasible_or_unbounded"):
        return result
    alone = [name for name, lp in zip(result.names, lps, strict=True)
             if not planner.run(lp).status.has_plan]
    return dataclasses.replace(result, info={**result.info, "cases_without_plan": alone})


def _with_measures(result: HedgedPlan, cases: Sequence[Case], lps: Sequence[LinearProgram], common: Sequence[Key],
                   planner: Planner, start: float) -> HedgedPlan:
    own = []
    for lp, case in zip(lps, cases, strict=True):
        alone = planner.run(lp, data=case.data)  # by stages, as the hedged plan, when classes ask for them
        own.append(alone.objective if alone.status.has_plan else None)
    expected = result.expected_cost
    evpi = None
    if expected is not None and all(o is not None for o in own):
        evpi = expected - sum(w * o for w, o in zip(result.weights, own, strict=True))  # type: ignore[operator]
    ev_cost, infeasible = _expected_value_measures(cases, lps, result.names, result.weights, common, planner)
    vss = None if ev_cost is None or expected is None else (math.inf if infeasible else ev_cost - expected)
    info = {**result.info, "total_seconds": time.perf_counter() - start}
    return dataclasses.replace(result, own_costs=own, evpi=evpi, expected_value_cost=ev_cost, vss=vss,
                               vss_infeasible_case=infeasible, info=info)


_COMMITMENT_INDEX = ("product", "site", "lane", "supplier", "resource", "workforce", "option")


def _empty_commitment() -> pd.DataFrame:
    return pd.DataFrame(columns=["decision", *_COMMITMENT_INDEX, "period", "value"])


def commitment_table(plan: Plan, commit: int, firm_headcount: bool) -> pd.DataFrame:
    """The committed decisions of a plan: ``decision`` (its table name), the index
    columns of that table, ``period`` and ``value``; one row per committed decision."""
    early = set(plan.labels[:commit])
    frames = []
    for spec in VARIABLES:
        if spec.component not in COMMITTED_DECISIONS:
            continue
        table = plan.tables.get(spec.table)
        if table is None or table.empty:
            continue
        every = firm_headcount and spec.component in HEADCOUNT_DECISIONS
        rows = table if every else table[table["period"].isin(early)]
        frames.append(rows.assign(decision=spec.table))
    if not frames:
        return _empty_commitment()
    frame = pd.concat(frames, ignore_index=True)
    columns = ["decision", *(c for c in _COMMITMENT_INDEX if c in frame.columns), "period", "value"]
    frame = frame[columns]
    for column in columns[1:-2]:
        frame[column] = frame[column].astype(object).where(frame[column].notna(), "")
    return frame


# --- files --------------------------------------------------------------------------


def hedge_metadata(result: HedgedPlan) -> dict[str, Any]:
    """Everything ``hedge.json`` holds: weights, N, measures, per-case figures, run data."""
    run = metadata(result.plans[0]) if result.plans else {}
    infinite = result.vss is not None and math.isinf(result.vss)
    figures = result.figures()
    cases = [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
             for row in figures.to_dict("records")]
    for entry, plan in zip(cases, result.plans, strict=True):
        entry["scenario"] = plan.info.get("scenario")
        entry["folder"] = entry["case"]
    return {
        "kind": "hedge",
        "status": result.status.value,
        "status_text": result.status.label,
        "optimal": result.status in OPTIMAL_STATUSES,
        "currency": result.currency,
        "periods": result.labels,
        "weights": result.weights,
        "commit": result.commit,
        "committed_periods": result.committed_labels,
        "firm_headcount": result.firm_headcount,
        "expected_cost": result.expected_cost,
        "evpi": result.evpi,
        "expected_value_cost": None if infinite else result.expected_value_cost,
        "vss": "inf" if infinite else result.vss,
        "vss_infeasible_case": result.vss_infeasible_case,
        "cases": cases,
        "solver": {k: v for k, v in result.info.items() if isinstance(v, str | int | float | bool) or v is None},
        "versions": run.get("versions", {}),
    }


def write_hedge(result: HedgedPlan, out_dir: Path) -> list[Path]:
    """Write ``hedge.json``, ``commitment.csv`` and each case's result folder
    (``out_dir/<case name>/``, as ``sopopt solve --out`` writes it) as one whole folder
    through the one writer (refused unless ``out_dir`` is sopopt's own); return the paths.

    Raises:
        OutputError: ``out_dir`` is not sopopt's own folder, or it cannot be written.
    """
    with replacing_folder(Path(out_dir), kind="hedge") as folder:
        for name, plan in zip(result.names, result.plans, strict=True):
            write_result(folder.folder(name), plan)
        folder.csv("commitment", result.commitment)
        folder.json("hedge.json", hedge_metadata(result))
    return folder.written


def is_hedge_folder(folder: Path) -> bool:
    """True for a folder written by :func:`write_hedge`."""
    return (folder / "hedge.json").is_file()


def read_hedge(folder: Path) -> HedgedPlan:
    """Read a folder written by :func:`write_hedge` back as a :class:`HedgedPlan`.

    Raises:
        ScenarioError: ``hedge.json`` or a case folder is missing or unreadable.
    """
    where = Location(display_path(folder / "hedge.json"))
    try:
        run = json.loads((folder / "hedge.json").read_text(encoding="utf-8"))
        cases = run["cases"]
        plans = [read_plan(folder / str(entry["folder"])) for entry in cases]
        commitment = pd.read_csv(folder / "commitment.csv", keep_default_na=False,
                                 dtype={c: str for c in (*_COMMITMENT_INDEX, "period")})
        vss = run.get("vss")
        result = HedgedPlan(
            status=SolveStatus(run["status"]), names=[str(e["case"]) for e in cases],
            weights=[float(w) for w in run["weights"]], commit=int(run["commit"]),
            firm_headcount=bool(run.get("firm_headcount")), plans=plans, commitment=commitment,
            expected_cost=run.get("expected_cost"), own_costs=[e.get("own_cost") for e in cases],
            evpi=run.get("evpi"), expected_value_cost=math.inf if vss == "inf" else run.get("expected_value_cost"),
            vss=math.inf if vss == "inf" else vss, vss_infeasible_case=run.get("vss_infeasible_case"),
            labels=[str(p) for p in run.get("periods", [])], currency=str(run.get("currency") or "USD"),
            info=dict(run.get("solver") or {}),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ScenarioError([Problem(where, "", f"cannot read the hedged plan: {exc}")]) from None
    return result

