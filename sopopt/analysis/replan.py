r"""Re-plan from the last plan: a frozen zone kept firm, changes beyond it charged.

The new case (its opening stock, backlog and headcount are the actuals) is matched to
the previous plan period by period, by label; the new horizon may start and end later.

- **Frozen zone**: in the first ``freeze`` periods of the new horizon that the previous
  plan also has, every decision on
  :data:`~sopopt.model.catalogue.COMMITTED_DECISIONS` is fixed to its previous value
  (:func:`~sopopt.model.transforms.fix.fix_keys`). When the actuals and the frozen
  decisions leave no feasible plan, :class:`ReplanInfeasible` says why.
- **Change costs**: in the later matched periods, a cost per unit of
  :math:`|x_{new} - x_{prev}|` on production (per product, site, period) and headcount
  (per crew, period), charged in the cost category ``plan_changes``
  (:func:`~sopopt.model.transforms.deviation.add_deviation`). Defaults: the scenario's
  ``replan: {change_cost: ...}`` block, else 0.
- **What changed**: :attr:`Replanned.changes` has one row per decision on the shared
  list and headcount, per index and matched period (``decision, product, site, crew,
  lane, supplier, resource, period, previous, new, change``); the nervousness figures
  ``nervousness_production_units`` and ``nervousness_headcount_workers`` (total absolute
  change over the matched periods) are KPIs of the new plan.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from sopopt.analysis.planner import Planner
from sopopt.errors import InfeasibleError, Location, Problem, ScenarioError
from sopopt.inputs.case import Case, load_case
from sopopt.io.paths import display_path
from sopopt.io.writer import replacing_folder
from sopopt.model.catalogue import COMMITTED_DECISIONS, PLAN_CHANGES, VARIABLES
from sopopt.model.lp import LinearProgram
from sopopt.model.production import PRODUCTION
from sopopt.model.transforms.deviation import Deviation, add_deviation
from sopopt.model.transforms.extended import Key, column_index
from sopopt.model.transforms.fix import fix_keys
from sopopt.model.workforce import HEADCOUNT
from sopopt.results.folders import read_plan, write_result
from sopopt.results.plan import Plan
from sopopt.solver.options import SolveOptions

#: Decisions charged for changing, by change-cost name: (component, table).
CHARGED = {spec.component: (spec.component, spec.table) for spec in (PRODUCTION, HEADCOUNT)}

#: Decisions reported in ``changes.csv``: the shared list, then headcount.
REPORTED = (*COMMITTED_DECISIONS, HEADCOUNT.component)

#: Index columns of ``changes.csv`` (``crew`` is a workforce pool).
CHANGE_INDEX = ("product", "site", "crew", "lane", "supplier", "resource")

#: The cost category of change costs.
CATEGORY = PLAN_CHANGES.name


class ReplanInfeasible(InfeasibleError):
    """The actuals plus the frozen decisions leave no feasible plan."""


@dataclass(frozen=True)
class Replanned:
    """A re-plan: the new plan, the previous one, and what changed between them."""

    plan: Plan
    """The new plan; its KPIs include the nervousness figures."""
    previous: Plan
    freeze: int
    """Number of frozen periods asked for."""
    frozen: list[str]
    """Labels of the periods actually frozen."""
    matched: list[str]
    """Labels in both horizons."""
    change_cost: dict[str, float]
    changes: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def nervousness(self) -> dict[str, float]:
        """Total absolute change of production (units) and headcount (workers)."""
        return {k: self.plan.kpis[k] for k in ("nervousness_production_units", "nervousness_headcount_workers")}


def change_costs(case: Case, overrides: Mapping[str, float] | None) -> dict[str, float]:
    """Change costs: the scenario's ``replan.change_cost``, then ``overrides`` on top.

    Raises:
        ScenarioError: an unknown decision name or a negative or non-finite cost.
    """
    costs = case.replan.change_cost.model_dump()
    problems = []
    for name, value in (overrides or {}).items():
        if name not in CHARGED:
            problems.append(Problem(None, "--change-cost", f"unknown decision '{name}'",
                                    f"use one of {', '.join(CHARGED)}"))
            continue
        try:  # the flag is checked by the file's own field, so its limits are the same
            costs[name] = getattr(type(case.replan.change_cost).model_validate({name: value}), name)
        except ValidationError as exc:
            message = exc.errors()[0]["msg"][0].lower() + exc.errors()[0]["msg"][1:]
            problems.append(Problem(None, "--change-cost", f"{name}={value:g}: {message}",
                                    "the same limits as replan.change_cost in a scenario file"))
    if problems:
        raise ScenarioError(problems)
    return costs


def previous_values(previous: Plan, labels: list[str], components: tuple[str, ...]) -> dict[Key, float]:
    """The previous plan's values of ``components``, keyed like the new LP's columns
    (period index in the new horizon); periods the new horizon lacks are left out."""
    where = {label: t for t, label in enumerate(labels)}
    out: dict[Key, float] = {}
    for spec in VARIABLES:
        table = previous.tables.get(spec.table)
        if spec.component not in components or table is None or table.empty:
            continue
        index = [c for c in spec.columns if c != "period"]
        periods = table["period"].astype(str).map(where)
        keep = periods.notna().to_numpy()
        names = table.loc[keep, index].astype(str).itertuples(index=False, name=None)
        for key, t, value in zip(names, periods[keep].astype(int), table.loc[keep, "value"].astype(float),
                                 strict=True):
            out[spec.component, (*key, int(t))] = float(value)
    return out


class FrozenSources:
    """Names a frozen decision by where its value was read: ``file:line: value: frozen
    production of widget, plant in 2027-01 = 100`` (the previous plan's table in its result
    folder, the line of the decision's row, the field ``value``)."""

    def __init__(self, previous: Plan, labels: list[str]) -> None:
        self.previous = previous
        self.labels = labels
        self.specs = {spec.component: spec for spec in VARIABLES}

    def __call__(self, key: Key, value: float) -> str:
        component, index = key
        where = ", ".join(map(str, index[:-1]))
        text = f"frozen {component} of {where} in {self.labels[index[-1]]} = {value:g}"
        source = self.source(key)
        return f"{source}: value: {text}" if source else text

    def source(self, key: Key) -> str:
        """``file:line`` of the previous plan's row holding ``key`` ("" when not found)."""
        component, index = key
        spec = self.specs.get(component)
        table = self.previous.tables.get(spec.table) if spec is not None else None
        if spec is None or table is None or table.empty:
            return ""
        columns = [c for c in spec.columns if c != "period"]
        wanted = (*map(str, index[:-1]), self.labels[index[-1]])
        keys = table[[*columns, "period"]].astype(str).itertuples(index=False, name=None)
        row = next((i for i, found in enumerate(keys) if tuple(found) == wanted), None)
        if row is None:
            return ""
        folder = self.previous.info.get("result_folder")
        path = Path(str(folder)) / f"{spec.table}.csv" if folder else None
        if path is None or not path.is_file():  # read from a store, or built in memory
            return f"{self.previous.name}: {spec.table}.csv:{row + 2}"
        lines = _record_lines(path)
        return f"{display_path(path)}:{lines[row] if row < len(lines) else row + 2}"


def _record_lines(path: Path) -> list[int]:
    """The first line of each data record of a CSV file (a quoted name may span lines)."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        starts, start = [], 1
        for record in reader:
            if record:
                starts.append(start)
            start = reader.line_num + 1
    return starts[1:]


def _frozen_labels(labels: list[str], previous: Plan, freeze: int) -> list[str]:
    shared = [label for label in labels if label in set(previous.labels)]
    return shared[:freeze]


def _charge(lp: LinearProgram, reference: dict[Key, float], matched: set[int], frozen: set[int],
            costs: dict[str, float]) -> LinearProgram:
    """Add change columns on production and headcount in the matched, unfrozen periods."""
    index = column_index(lp)
    columns, refs, unit_costs = [], [], []
    for name, (component, _table) in CHARGED.items():
        if costs.get(name, 0.0) == 0:
            continue
        for (comp, idx), j in index.items():
            t = idx[-1]
            if comp == component and t in matched and t not in frozen:
                columns.append(j)
                refs.append(reference.get((comp, idx), 0.0))
                unit_costs.append(costs[name])
    if not columns:
        return lp
    deviation = Deviation(np.array(columns), np.array(unit_costs), reference=np.array(refs))
    return add_deviation(lp, deviation, "plan_change", CATEGORY)


def replan(
    previous: Plan | str | Path,
    case: Case | str | Path,
    freeze: int = 0,
    change_cost: Mapping[str, float] | None = None,
    *,
    options: SolveOptions | None = None,
) -> Replanned:
    """Re-plan ``case`` from ``previous`` (see the module doc).

    Args:
        previous: the previous plan, or a result folder (``solve --out``, ``replan
            --out`` or a ``hedge`` case folder).
        case: the new case (a loaded case or a scenario path); its opening stock,
            backlog and headcount are the actuals.
        freeze: number of frozen periods (counted in the new horizon, among the periods
            the previous plan also has).
        change_cost: per-unit change costs by decision (``production``, ``headcount``),
            over the scenario's ``replan.change_cost``.
        options: solver options; default the case's ``solver`` block.

    Raises:
        ScenarioError: bad inputs (files, change costs, a negative freeze).
        ReplanInfeasible: the actuals and the frozen decisions leave no feasible plan.
    """
    start = time.perf_counter()
    prev = read_plan(Path(previous)) if not isinstance(previous, Plan) else previous
    new = case if isinstance(case, Case) else load_case(case)
    if not prev.status.has_plan:
        raise ScenarioError([Problem(Location(str(prev.info.get("result_folder") or prev.name)), "",
                                     f"the previous plan has no plan to start from ({prev.status.label})")])
    if freeze < 0:
        raise ScenarioError([Problem(None, "--freeze", f"must be 0 or more, got {freeze}")])
    costs = change_costs(new, change_cost)
    labels = list(new.labels)
    frozen = _frozen_labels(labels, prev, freeze)
    matched = [label for label in labels if label in set(prev.labels)]
    where = {label: t for t, label in enumerate(labels)}
    reference = previous_values(prev, labels, REPORTED)
    planner = Planner(options or SolveOptions.from_settings(new.solver), explain=False)
    lp = planner.build(new)
    frozen_t = {where[label] for label in frozen}
    fixed = {k: v for k, v in reference.items() if k[0] in COMMITTED_DECISIONS and k[1][-1] in frozen_t}
    try:
        lp = fix_keys(lp, fixed, FrozenSources(prev, labels))
    except InfeasibleError as exc:
        raise ReplanInfeasible(_infeasible_message(new, frozen, str(exc))) from None
    lp = _charge(lp, reference, {where[label] for label in matched}, frozen_t, costs)
    solution = planner.run(lp, data=new.data)  # demand classes: its allocation stages first
    if solution.status.value in ("infeasible", "infeasible_or_unbounded"):
        raise ReplanInfeasible(_infeasible_message(new, frozen, _why(planner, new, lp, fixed,
                                                                     FrozenSources(prev, labels))))
    plan = planner.extract(new, solution)
    return _result(prev, new, plan, freeze, frozen, matched, costs, start)


def _result(prev: Plan, new: Case, plan: Plan, freeze: int, frozen: list[str], matched: list[str],
            costs: dict[str, float], start: float) -> Replanned:
    changes = change_table(prev, plan, matched)
    kpis = dict(plan.kpis)
    if plan.status.has_plan:
        kpis.update(nervousness(changes))
    info = {**plan.info, "scenario": str(new.source), "build": "fast",
            "replan": {"previous": prev.info.get("result_folder") or prev.info.get("scenario"),
                       "previous_name": prev.name, "freeze": freeze, "frozen_periods": frozen,
                       "matched_periods": matched, "change_cost": costs},
            "total_seconds": time.perf_counter() - start}
    plan = dataclasses.replace(plan, kpis=kpis, info=info)
    return Replanned(plan, prev, freeze, frozen, matched, costs, changes, {"seconds": info["total_seconds"]})


def nervousness(changes: pd.DataFrame) -> dict[str, float]:
    """Total absolute change of production (units) and headcount (workers)."""
    def total(decision: str) -> float:
        rows = changes[changes["decision"] == decision]
        return float(rows["change"].abs().sum()) if not rows.empty else 0.0

    return {"nervousness_production_units": total(PRODUCTION.component),
            "nervousness_headcount_workers": total(HEADCOUNT.component)}


def change_table(previous: Plan, new: Plan, matched: list[str]) -> pd.DataFrame:
    """One row per decision on the shared list (and headcount), index and matched period:
    ``decision, product, site, crew, lane, supplier, resource, period, previous, new, change``."""
    frames = []
    for spec in VARIABLES:
        if spec.component not in REPORTED:
            continue
        index = [c for c in spec.columns if c != "period"]
        old = _keyed(previous.tables.get(spec.table), index, matched)
        now = _keyed(new.tables.get(spec.table), index, matched)
        both = pd.concat([old.rename("previous"), now.rename("new")], axis=1).fillna(0.0)
        if both.empty:
            continue
        both["change"] = both["new"] - both["previous"]
        frame = both.reset_index().rename(columns={"workforce": "crew"})
        frames.append(frame.assign(decision=spec.table))
    columns = ["decision", *CHANGE_INDEX, "period", "previous", "new", "change"]
    if not frames:
        return pd.DataFrame(columns=columns)
    order = {label: t for t, label in enumerate(matched)}
    out = pd.concat(frames, ignore_index=True).reindex(columns=columns)
    for column in CHANGE_INDEX:
        out[column] = out[column].astype(object).where(out[column].notna(), "")
    out["_t"] = out["period"].map(order)
    return out.sort_values(["decision", "_t"], kind="stable").drop(columns="_t").reset_index(drop=True)


def _keyed(table: pd.DataFrame | None, index: list[str], matched: list[str]) -> pd.Series:
    if table is None or table.empty:
        return pd.Series(dtype=float)
    rows = table[table["period"].astype(str).isin(matched)]
    keys = [rows[c].astype(str) for c in [*index, "period"]]
    return pd.Series(rows["value"].astype(float).to_numpy(), index=pd.MultiIndex.from_arrays(keys,
                     names=[*index, "period"]))


def _infeasible_message(case: Case, frozen: list[str], why: str) -> str:
    zone = f"periods {frozen[0]} to {frozen[-1]}" if len(frozen) > 1 else (f"period {frozen[0]}" if frozen
                                                                          else "no period")
    return (f"infeasible: {case.network.name} has no plan that keeps the previous plan's decisions in the "
            f"frozen zone ({zone}) with the new actuals.\n{why}")


def _why(planner: Planner, case: Case, lp: LinearProgram, fixed: dict[Key, float], sources: FrozenSources) -> str:
    """Sentences: the explanation of the new case alone if it is infeasible itself, else
    the conflict between the frozen decisions and the case's limits."""
    alone = dataclasses.replace(planner, explain=True).solve(case, raise_on_failure=False)
    if alone.explanation is not None:
        return "\n".join(["Even without the frozen zone the new case is infeasible:", *alone.explanation.sentences()])
    if not alone.status.has_plan:
        return str(alone.info.get("explanation_error") or alone.status.label)
    return "\n".join(frozen_conflict(case, lp, fixed, sources))


def frozen_conflict(case: Case, lp: LinearProgram, fixed: dict[Key, float], sources: FrozenSources) -> list[str]:
    """The limits that conflict with the frozen decisions, in words (an irreducible
    infeasible subset of the fixed LP; frozen decisions named with their value and the
    file, line and field it was read from)."""
    from sopopt.analysis.conflict import find_conflict
    from sopopt.analysis.members import Describer
    from sopopt.model.transforms.elastic import LOWER, ROW

    search = find_conflict(lp, 30.0)
    describer = Describer(case)
    rows, cols = lp.row_keys(), lp.column_keys()
    out = ["These conflict (the frozen decisions come from the previous plan):"]
    for target, i in sorted(search.elements):
        component, key = rows[i] if target == ROW else cols[i]
        if target != ROW and (component, tuple(key)) in fixed:
            out.append(f"  - {sources((component, tuple(key)), fixed[component, tuple(key)])}")
        elif target == ROW:
            out.append(f"  - {describer.row(component, key).text}")
        else:
            out.append(f"  - {describer.bound(component, key, 'lower' if target == LOWER else 'upper').text}")
    return out


# --- files --------------------------------------------------------------------------


def write_replan(result: Replanned, out_dir: Path) -> list[Path]:
    """Write the new plan as ``sopopt solve --out`` does, plus ``changes.csv``, as one
    whole folder through the one writer.

    Raises:
        OutputError: ``out_dir`` is not sopopt's own folder, or it cannot be written.
    """
    with replacing_folder(Path(out_dir), kind="replan") as folder:
        write_result(folder, result.plan)
        folder.csv("changes", result.changes)
    return folder.written


def is_replan_folder(folder: Path) -> bool:
    """True for a folder written by :func:`write_replan`."""
    return (folder / "changes.csv").is_file() and (folder / "run.json").is_file()


def read_replan(folder: Path) -> Replanned:
    """Read a folder written by :func:`write_replan` (the previous plan as recorded in
    ``run.json``; its tables are read back when its folder still exists).

    Raises:
        ScenarioError: the folder is not a re-plan result folder.
    """
    plan = read_plan(folder)
    where = Location(display_path(folder / "changes.csv"))
    try:
        meta = json.loads((folder / "run.json").read_text(encoding="utf-8"))["solver"]["replan"]
        changes = pd.read_csv(folder / "changes.csv", keep_default_na=False,
                              dtype={c: str for c in (*CHANGE_INDEX, "period")})
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ScenarioError([Problem(where, "", f"not a re-plan result folder: {exc}")]) from None
    previous_folder = meta.get("previous")
    previous = plan
    if previous_folder and Path(previous_folder).is_dir() and (Path(previous_folder) / "run.json").is_file():
        previous = read_plan(Path(previous_folder))
    return Replanned(plan, previous, int(meta.get("freeze", 0)), list(meta.get("frozen_periods", [])),
                     list(meta.get("matched_periods", [])), dict(meta.get("change_cost", {})), changes)
