"""The trade-off frontier: what each step of a target costs, from ``A`` to ``B``.

:func:`frontier` adds one hard target row (``measure`` over the scope, summed over the
whole horizon: ``per: total``) to the case's LP and moves its right-hand side across
``A, A + S, ..., B`` (``round((B - A) / S) + 1`` points, both ends included), re-solving
warm in the one HiGHS session of the :class:`~sopopt.analysis.planner.Planner` (dual
simplex from the last basis; only the row's bound changes). Each point gives the plan's
total cost and profit; each step from the point before gives

- the marginal cost of the step and per unit of the measure (per currency unit of
  revenue or profit, per unit, per percentage point of fill rate);
- ``marginal_lever``: the decision whose cost grew most over the step: what the plan
  adds to go further (overtime on a line, subcontracting, ...);
- ``binding_limit``: among the limits binding at the step's upper end, the one with the
  lowest positive shadow price: the limit on the last cheaper lever used up (its price
  is the smallest because it only holds back the step from the marginal lever), which
  is why the step needs the dearer ``marginal_lever``. At a point where the basis is
  degenerate (a lever exactly at its limit) the choice follows HiGHS's basis.

A point beyond what the network can reach is kept, labelled ``infeasible`` with a
one-line reason from the explanation of the first such point (how far the target
must come down, from the ``targets`` repair class).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sopopt.analysis.planner import RANGED_COLUMNS, RANGED_ROWS, Planner
from sopopt.errors import Location, Problem, ScenarioError, SopoptError
from sopopt.inputs.case import Case
from sopopt.inputs.schema.targets import Target
from sopopt.inputs.targets import TargetData, compile_targets
from sopopt.io.writer import replacing_folder
from sopopt.model.catalogue import VARIABLES
from sopopt.model.targets import TARGET, target_cells
from sopopt.results.folders import metadata, output_tables, read_plan
from sopopt.results.limits import BINDING_TOLERANCE, shadow_prices
from sopopt.results.plan import Plan
from sopopt.solver.elastic import SIMPLEX_PRIMAL
from sopopt.solver.ranging import compute_ranging
from sopopt.solver.session import HighsSession
from sopopt.solver.solution import Ranging, Solution
from sopopt.solver.status import SolveStatus

#: Name of the target row the frontier moves.
FRONTIER_TARGET = "frontier"
#: Columns of ``frontier.csv``.
FRONTIER_COLUMNS = ["target", "status", "total_cost", "profit", "marginal_per_step", "marginal_per_unit",
                    "binding_limit", "marginal_lever", "reason"]
#: Most points a frontier may have.
MAX_POINTS = 1000
#: Columns that are penalties, not levers (they fall as the target rises): backlog, lost
#: sales, safety-stock and target shortfalls.
PENALTY_COLUMNS = frozenset({"backlog", "lost", "safety_shortfall", "target_shortfall"})


@dataclass(frozen=True)
class FrontierPoint:
    """One point: the target's value and the plan's cost there (see the module doc)."""

    target: float
    status: str
    total_cost: float
    profit: float
    marginal_per_step: float = math.nan
    marginal_per_unit: float = math.nan
    binding_limit: str = ""
    marginal_lever: str = ""
    reason: str = ""


@dataclass(frozen=True)
class Frontier:
    """The points of a frontier and how they were found."""

    scenario: str
    measure: str
    scope: dict[str, Any]
    currency: str
    points: list[FrontierPoint]
    solves: int
    seconds: float
    plans: list[Plan] = field(default_factory=list, repr=False, compare=False)
    plan: Plan | None = field(default=None, repr=False, compare=False)
    """The plan at the first point that has one (written with the frontier)."""

    def table(self) -> pd.DataFrame:
        """``frontier.csv``: one row per point."""
        return pd.DataFrame([dataclasses.asdict(p) for p in self.points], columns=FRONTIER_COLUMNS)

    @property
    def unit(self) -> str:
        """One unit of the measure, in words."""
        return {"revenue": f"{self.currency} of revenue", "profit": f"{self.currency} of profit",
                "units": "unit delivered", "fill_rate": "percentage point of fill rate"}[self.measure]


def frontier_values(start: float, stop: float, step: float) -> list[float]:
    """``round((stop - start) / step) + 1`` values from ``start`` to ``stop``, both included."""
    if not step > 0 or not math.isfinite(step):
        raise ValueError("--step must be a positive number")
    if stop < start:
        raise ValueError("--to must not be below --from")
    count = round((stop - start) / step) + 1
    if count > MAX_POINTS:
        raise ValueError(f"{count} points: at most {MAX_POINTS} (raise --step)")
    # Binary noise (0.8 + 0.05 = 0.8500000000000001) rounded away at 12 significant digits.
    return [float(f"{start + k * step:.12g}") if k < count - 1 else stop for k in range(count)] if count > 1 \
        else [start]


def with_frontier_target(case: Case, measure: str, value: float, scope: dict[str, Any]) -> tuple[Case, TargetData]:
    """The case with the frontier's hard target added (over the whole horizon)."""
    if case.data is None:
        raise ValueError("the case was loaded with check=False")
    if any(t.name == FRONTIER_TARGET for t in case.network.targets):
        raise ScenarioError([Problem(None, "targets", f"a target is named '{FRONTIER_TARGET}': rename it to draw "
                                     "a frontier")])
    try:
        target = Target(name=FRONTIER_TARGET, measure=measure, value=value, per="total", enforce="hard",  # type: ignore[arg-type]
                        **{k: v for k, v in scope.items() if v is not None})
    except ValueError as exc:
        raise ScenarioError([Problem(None, "--measure", str(exc).splitlines()[-1].strip())]) from None
    network = case.network.model_copy(update={"targets": [*case.network.targets, target]})
    problems: list[tuple[tuple[str, ...], str]] = []
    targets = compile_targets(network, case.labels, list(case.data.items), problems)
    if problems:
        raise ScenarioError([Problem(None, f"--{path[-1]}" if len(path) > 2 else "--scope", message)
                             for path, message in problems])
    data = dataclasses.replace(case.data, targets=targets)
    return dataclasses.replace(case, scenario=dataclasses.replace(case.scenario, network=network), data=data), targets[-1]


def frontier(
    case: Case, measure: str, start: float, stop: float, step: float, *, scope: dict[str, Any] | None = None,
    planner: Planner | None = None, on_point: Callable[[int, Plan], None] | None = None,
) -> Frontier:
    """Draw the frontier of ``measure`` from ``start`` to ``stop`` by ``step`` (module doc);
    ``on_point(k, plan)`` is told of each point as it is solved."""
    began = time.perf_counter()
    planner = planner or Planner(explain=False)
    values = frontier_values(start, stop, step)
    scope = dict(scope or {})
    base = case
    case, target = with_frontier_target(case, measure, values[0], scope)
    fixed = _fixed_measure(case, target)
    if fixed is not None:
        return _fixed_frontier(base, planner, (measure, values, fixed), scope, began)
    lp = planner.build(case)
    row = _target_row(lp.row_keys(), target)
    session = planner.session(lp, planner.options_for(case))
    scale = 100.0 if measure == "fill_rate" else 1.0
    if session.solver == "ipm":
        _solve_without_row(session, row)
    drawn = _Drawn(case, planner, session, row, scale)
    for k, value in enumerate(values):
        if k:
            session.shift_row_bounds(np.array([row]), np.array([scale * (value - values[k - 1])]))
        target.value = value
        drawn.point(value)
        if on_point is not None:
            on_point(k, drawn.plans[-1])
    points = _points(case, values, drawn, scale * step, (lp.column_keys(), lp.col_cost))
    first = next((p for p in drawn.plans if p.status.has_plan), drawn.plans[0])
    return Frontier(str(case.source), measure, scope, case.network.currency, points, session.runs,
                    time.perf_counter() - began, drawn.plans, first)


def _solve_without_row(session: HighsSession, row: int) -> None:
    """Solve the LP with the frontier's row free, then put its bound back: the first
    point is then a warm re-solve from that basis. For interior point only: the row sums
    every delivery in scope, and such a dense row slows interior point down (2.5x at 1e5
    columns) while presolve drops a free row, so the cold solve costs what the case's
    own solve does."""
    lp = session.compiled
    free = lp.row_lower.copy()
    free[row] = -np.inf
    session.replace_numbers(dataclasses.replace(lp, row_lower=free))
    session.run(warm=False, rows=False)
    session.replace_numbers(lp)


class _Drawn:
    """The points solved so far on the frontier's one session (warm, dual simplex from the
    last basis). Only the plan written with the frontier (the first with a plan) is ranged
    and extracted whole; every other point is extracted as a row (costs and KPIs: what
    ``frontier.csv`` and the store read) with the prices of its binding limits (for
    ``binding_limit``), not their ranges. The first point out of reach is explained by
    one more warm solve (:func:`_reach`)."""

    def __init__(self, case: Case, planner: Planner, session: HighsSession, row: int, scale: float) -> None:
        self.case, self.planner, self.session, self.row, self.scale = case, planner, session, row, scale
        self.plans: list[Plan] = []
        self.solutions: list[Solution] = []
        self.binding: list[str] = []
        self.reasons: list[str] = []
        #: The basis of the last point with a plan (where the reach solve starts).
        self.feasible: Any = None

    def point(self, value: float) -> None:
        case, planner, session = self.case, self.planner, self.session
        solution = session.run(warm=True)
        whole = solution.status.has_plan and not any(p.status.has_plan for p in self.plans)
        if whole:
            solution = planner.ranged(session, solution)
        elif solution.status.has_plan:
            solution = dataclasses.replace(solution, ranging=_prices(session, solution))
        self.solutions.append(solution)
        if solution.status.has_plan:
            self.feasible = session.basis()
        self.binding.append(_binding_limit(case, solution) if solution.status.has_plan else "")
        self.plans.append(planner.extract(case, solution, detail="whole" if whole else "row", scenario=str(case.source),
                                          frontier_target=value))
        if not solution.status.has_plan:
            # Explained once, at the first point out of reach (later points lie further out).
            self.reasons.append(self.reasons[-1] if self.reasons else _reach(self, value))


def _fixed_measure(case: Case, target: TargetData) -> float | None:
    """The measure's value when no decision moves it (every delivery in scope is hard
    demand), else None."""
    if target.measure == "profit":
        return None
    assert case.data is not None
    scale = 100.0 if target.measure == "fill_rate" else 1.0
    for cell in target_cells(case.data):
        if cell.target is target:
            return None if cell.terms else (scale * target.value - cell.rhs) / scale
    return 1.0 if target.measure == "fill_rate" else 0.0  # no demand in scope: nothing to serve


def _fixed_frontier(case: Case, planner: Planner, drawn: tuple[str, list[float], float], scope: dict[str, Any],
                    began: float) -> Frontier:
    """A frontier whose measure no decision moves: the plan of the case where the target
    is within the fixed value, out of reach above it."""
    measure, values, fixed = drawn
    plan = planner.solve(case, raise_on_failure=False)
    tolerance = 1e-9 * max(1.0, abs(fixed))
    reason = f"out of reach: no decision moves the measure in scope; it is fixed at {fixed:,.6g} (hard demand)"
    points, plans = [], []
    for value in values:
        if value <= fixed + tolerance and plan.status.has_plan:
            marginal = 0.0 if points and points[-1].status == plan.status.value else math.nan
            points.append(FrontierPoint(value, plan.status.value, float(plan.objective or 0.0),
                                        float(plan.kpis.get("profit", math.nan)), marginal, marginal))
            plans.append(plan)
        else:
            points.append(FrontierPoint(value, SolveStatus.INFEASIBLE.value, math.nan, math.nan,
                                        reason=reason if plan.status.has_plan else plan.status.label))
            plans.append(dataclasses.replace(plan, status=SolveStatus.INFEASIBLE, objective=None, kpis={}))
    return Frontier(str(case.source), measure, scope, case.network.currency, points, 1,
                    time.perf_counter() - began, plans, plan)


def _target_row(keys: Sequence[tuple[str, Any]], target: TargetData) -> int:
    wanted = (TARGET.component, (FRONTIER_TARGET, target.row_periods[-1]))
    for i, key in enumerate(keys):
        if key == wanted:
            return i
    raise SopoptError(f"no decision in the scope moves the {target.measure.replace('_', ' ')}: "
                      "every delivery there is fixed (hard demand) or priced at zero")


def _points(case: Case, values: list[float], drawn: _Drawn, unit_step: float,
            columns: tuple[list[tuple[str, Any]], np.ndarray]) -> list[FrontierPoint]:
    keys, cost = columns
    plans, solutions = drawn.plans, drawn.solutions
    points: list[FrontierPoint] = []
    out_of_reach = iter(drawn.reasons)
    for k, (value, plan) in enumerate(zip(values, plans, strict=True)):
        if not plan.status.has_plan:
            points.append(FrontierPoint(value, plan.status.value, math.nan, math.nan, reason=next(out_of_reach)))
            continue
        point = FrontierPoint(value, plan.status.value, float(plan.objective or 0.0),
                              float(plan.kpis.get("profit", math.nan)))
        if k and plans[k - 1].status.has_plan:
            step_cost = point.total_cost - points[-1].total_cost
            point = dataclasses.replace(
                point, marginal_per_step=step_cost, marginal_per_unit=step_cost / unit_step if unit_step else math.nan,
                binding_limit=drawn.binding[k] if step_cost > 1e-9 else "",
                marginal_lever=_lever(case, solutions[k - 1], solutions[k], keys, cost) if step_cost > 1e-9 else "",
            )
        points.append(point)
    return points


def _prices(session: HighsSession, solution: Solution) -> Ranging:
    """The prices of the solve's limit rows and bounded columns, without ranges."""
    return compute_ranging(session, solution, RANGED_ROWS, RANGED_COLUMNS, full=False)


def _priced(case: Case, solution: Solution) -> dict[tuple[str, str, str], float]:
    """The binding limits (but the frontier's target) with a positive price, by (kind, name, period)."""
    assert case.data is not None
    sp = shadow_prices(case.data, solution)
    if sp.empty:
        return {}
    sp = sp[sp["binding"].astype(bool) & ~((sp["kind"] == TARGET.kind) & (sp["name"] == FRONTIER_TARGET))
            & (sp["shadow_price"] > BINDING_TOLERANCE)]
    return {(r.kind, r.name, r.period): float(r.shadow_price) for r in sp.itertuples()}


def _binding_limit(case: Case, solution: Solution) -> str:
    """The limit binding at the step's upper end with the lowest positive price there."""
    priced = _priced(case, solution)
    if not priced:
        return ""
    kind, name, period = min(priced, key=lambda k: (priced[k], k))
    return f"{kind} {name} in {period}"


_TABLE = {spec.component: spec.table for spec in VARIABLES}


def _lever(case: Case, before: Solution, after: Solution, keys: list[tuple[str, Any]], cost: np.ndarray) -> str:
    """The decision whose cost grew most over the step (penalties are not levers)."""
    penalties = np.array([c in PENALTY_COLUMNS for c, _k in keys], dtype=bool)
    x0 = np.array([before.values.get(c, {}).get(k, 0.0) for c, k in keys])
    x1 = np.array([after.values.get(c, {}).get(k, 0.0) for c, k in keys])
    grown = (x1 - x0) * cost
    grown[penalties] = 0.0
    if not grown.size or grown.max() <= 1e-9:
        return ""
    component, key = keys[int(np.argmax(grown))]
    name = "/".join(map(str, key[:-1]))
    return f"{_TABLE.get(component, component)} {name} in {case.labels[int(key[-1])]}"


def _reach(drawn: _Drawn, value: float) -> str:
    """One line for the first point out of reach: the most within reach and the limits
    that hold it back. One warm solve on the frontier's session maximises the measure
    with its row free (the other rows and bounds as they are), by primal simplex from
    the basis of the last point that had a plan (still feasible once the row is free:
    a quarter of the iterations of a start from the point out of reach); the limits named are the
    three binding there with the largest prices (what one more unit of each adds to the
    most within reach), none when the measure reaches everything its terms allow (all
    the demand in scope). The session's numbers and basis are restored after."""
    session, row, scale = drawn.session, drawn.row, drawn.scale
    lp = session.compiled
    cols, weights = _row_terms(lp, row)
    cost = np.zeros(lp.num_col)
    cost[cols] = -weights
    lower = lp.row_lower.copy()
    lower[row] = -np.inf
    basis, h = session.basis(), session.highs
    strategy = h.getOptionValue("simplex_strategy")[1]
    session.replace_numbers(dataclasses.replace(lp, col_cost=cost, row_lower=lower, offset=0.0))
    if drawn.feasible is not None:
        session.set_basis(drawn.feasible)
    h.setOptionValue("simplex_strategy", SIMPLEX_PRIMAL)
    try:
        solution = session.run(warm=True)
        if solution.status.has_plan:
            solution = dataclasses.replace(solution, ranging=_prices(session, solution))
    finally:
        h.setOptionValue("simplex_strategy", strategy)
        session.replace_numbers(lp)
        session.set_basis(basis)  # the next point starts from this point's basis
    if not solution.status.has_plan:
        return f"out of reach: no plan even without the target ({solution.status.label})"
    best = -float(solution.objective or 0.0)
    reach = f"the most within reach is {value - (lp.row_lower[row] - best) / scale:,.6g}"
    ceiling = float(np.sum(np.where(weights > 0, weights * lp.col_upper[cols], weights * lp.col_lower[cols])))
    if math.isfinite(ceiling) and best >= ceiling - 1e-9 * max(1.0, abs(ceiling)):
        return f"out of reach: {reach}"
    priced = _priced(drawn.case, solution)
    limits = [f"{kind} {name} in {period}" for kind, name, period in sorted(priced, key=lambda k: (-priced[k], k))]
    return f"out of reach: {reach}" + (f", held back by {'; '.join(limits[:3])}" if limits else "")


def _row_terms(lp: Any, row: int) -> tuple[np.ndarray, np.ndarray]:
    """The columns of one row of the LP and their coefficients."""
    entries = np.flatnonzero(lp.a_index == row)
    return np.searchsorted(lp.a_start, entries, side="right") - 1, lp.a_value[entries]


# ---------------------------------------------------------------------- result folder


def _run_record(result: Frontier) -> dict[str, Any]:
    return {"kind": "frontier", "scenario": result.scenario, "measure": result.measure, "unit": result.unit,
            "scope": result.scope, "points": len(result.points), "solves": result.solves,
            "seconds": result.seconds}


def write_frontier(result: Frontier, out_dir: Path) -> list[Path]:
    """Write ``frontier.csv`` and ``run.json`` (``kind: frontier``) with the tables of the
    plan at the first point that has one, as one result folder (written whole)."""
    plan = result.plan
    tables = output_tables(plan) if plan is not None and plan.status.has_plan else {}
    tables["frontier"] = result.table()
    run = {**(metadata(plan) if plan is not None else {}), **_run_record(result),
           "frontier": json.loads(result.table().to_json(orient="records"))}
    with replacing_folder(Path(out_dir), kind="frontier") as folder:
        for name, frame in tables.items():
            folder.csv(name, frame)
        folder.json("run.json", run)
    return folder.written


def is_frontier_folder(folder: Path) -> bool:
    """True for a folder written by :func:`write_frontier`."""
    run = folder / "run.json"
    if not (folder / "frontier.csv").is_file() or not run.is_file():
        return False
    try:
        return json.loads(run.read_text(encoding="utf-8")).get("kind") == "frontier"
    except (OSError, ValueError):
        return False


def read_frontier(folder: Path) -> Frontier:
    """Read a folder written by :func:`write_frontier` back.

    Raises:
        ScenarioError: the folder is not a frontier result folder.
    """
    try:
        run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        frame = pd.read_csv(folder / "frontier.csv", keep_default_na=False, na_values=[""])
    except (OSError, ValueError) as exc:
        raise ScenarioError([Problem(Location(str(folder)), "", f"not a frontier result folder: {exc}")]) from None
    points = [FrontierPoint(**{k: ("" if isinstance(v, float) and k in _TEXT and math.isnan(v) else v)
                               for k, v in row.items()}) for row in frame.to_dict("records")]
    plan = read_plan(folder) if "status" in run else None
    return Frontier(run["scenario"], run["measure"], run.get("scope") or {}, run.get("currency", "USD"), points,
                    int(run.get("solves", 0)), float(run.get("seconds", 0.0)), [], plan)


_TEXT = ("status", "binding_limit", "marginal_lever", "reason")


def store_frontier(result: Frontier, store: Any) -> int:
    """Add each point to the store's ``cases`` (sweep ``frontier:<scenario>``) with its
    row of ``frontier.csv`` as the kept table ``frontier``; returns the rows added."""
    from sopopt.results.store import plan_row

    digest = hashlib.sha256(json.dumps(_run_record(result) | {"seconds": 0}, sort_keys=True).encode())
    table = result.table()
    for k, plan in enumerate(result.plans):
        case_id = f"f{digest.hexdigest()[:10]}-{k}"
        row = {**plan_row(plan), "case_id": case_id, "sweep": f"frontier:{result.scenario}",
               "variation": {"measure": result.measure, TARGET.component: result.points[k].target, **result.scope},
               "input_hash": digest.hexdigest(), "attempts": 1}
        store.add_case(row, {"frontier": table.iloc[[k]].assign(scenario=result.scenario, measure=result.measure)})
    return len(result.plans)
