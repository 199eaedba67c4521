r"""Why a feasible plan looks as it does: the binding limits behind one cell.

A binding limit *causes* a cell (units short, overtime hours, a stock build) when the
cell's value moves with the limit's right-hand side in the optimal basis. With the basis
``B`` held, moving the limit's value by :math:`\delta` moves the basic variables by a
column of :math:`B^{-1}` times :math:`\delta`, so the cell :math:`q = w^\top x` moves at
an exact *rate*; one solve with :math:`B^\top` gives the rate for every limit at once
(:func:`sopopt.solver.ranging.basis_rates`). The rate holds over the limit's range (HiGHS
ranging), so each cause's *effect* is how much of the cell it can remove within its
range: ``min(cell, |rate| x range)`` toward the side that lowers the cell. Causes come
most influential first (effect, then rate), at most :data:`MAX_CAUSES`.

:func:`explain` (``sopopt.explain``) is the entry for any case: a case without a feasible
plan gets the :class:`~sopopt.analysis.infeasible.Explanation` of why, a feasible one the
explanation of its plan.

Cells:

- ``product`` (with ``site`` and ``period``): the units short at the end of the period
  (backlog + lost sales); when there are none, the stock build (closing minus opening
  stock); a site or period left out means all of them, summed.
- ``resource`` (with ``period``): machine overtime hours; when none, hours used.
- ``crew`` (with ``period``): labour overtime hours; when none, hires; when none,
  headcount.
- no cell: the :data:`COSTLIEST` costliest shortage and overtime cells (product x site x
  period and resource or crew x period) with their top cause each.

:func:`explain_plan` solves the case itself, with a live HiGHS session, because the
rates need the optimal basis; a plan read back from files has none.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sopopt.analysis.allocation import class_penalty, class_shortage
from sopopt.analysis.attribution import Attribution, attribute
from sopopt.analysis.attribution_scope import Scope
from sopopt.analysis.causes import (
    MAX_CAUSES,
    VALUE_TOLERANCE,
    Cause,
    Limits,
    binding_limits,
    rated_causes,
)
from sopopt.analysis.explain_bill import BillGraph, down_the_bill
from sopopt.analysis.fixes import MAX_FIXES, Fixes, what_it_takes
from sopopt.analysis.infeasible import DEFAULT_TIME_BUDGET, Explanation, explain_infeasible
from sopopt.analysis.options import OptionEffect, option_effects
from sopopt.analysis.planner import Planner
from sopopt.errors import InfeasibleError, Problem, ScenarioError, SolverError, SopoptError, UnboundedError
from sopopt.inputs.case import Case, load_case
from sopopt.inputs.compile import ModelData
from sopopt.model.demand import BACKLOG, LOST
from sopopt.model.inventory import INVENTORY
from sopopt.model.production import PRODUCTION
from sopopt.model.resources import RESOURCE_OVERTIME
from sopopt.model.workforce import HEADCOUNT, HIRES, LABOUR_OVERTIME
from sopopt.results.plan import Plan
from sopopt.results.words import limit_sentence, money
from sopopt.results.words import quantity as amount_of
from sopopt.solver.options import SolveOptions
from sopopt.solver.session import HighsSession
from sopopt.solver.solution import FIXED_MIP_LABEL, Solution
from sopopt.solver.status import SolveStatus

#: Cells listed when no cell is asked for.
COSTLIEST = 5


@dataclass(frozen=True)
class CellExplanation:
    """One cell of the plan and the binding limits behind it, most influential first."""

    what: str
    label: str
    value: float
    unit: str
    cost: float
    causes: tuple[Cause, ...]
    #: A short product's causes that sit on a component of its bill, down the bill (:mod:`explain_bill`).
    through: tuple[str, ...] = ()
    #: What it would take (:mod:`sopopt.analysis.fixes`): None when not asked.
    fixes: Fixes | None = None

    def lines(self, currency: str = "USD", top: int = MAX_CAUSES) -> list[str]:
        """The cell in a sentence, then its ``top`` causes, one sentence each."""
        lines = [_cell_sentence(self, currency)]
        if self.value > VALUE_TOLERANCE and not self.causes and not (self.fixes and self.fixes.fixes):
            lines.append("No binding limit moves it: demand, opening stock, lead times and costs set it (e.g. "
                         "nothing can arrive in time, or serving it costs more than its penalty).")
        lines.extend(_cause_sentence(cause, self, currency) for cause in self.causes[:top])
        return lines

    def fix_lines(self, currency: str = "USD", top: int = MAX_FIXES) -> list[str]:
        """What it would take to serve the cell, one sentence per limit, cheapest first."""
        if self.fixes is None or self.value <= VALUE_TOLERANCE:
            return []
        found = self.fixes
        lines = [f"  {number}. {fix.sentence(currency)}" for number, fix in enumerate(found.fixes[:top], 1)]
        if found.unforced is not None:
            change = money(abs(found.unforced), currency)
            lines.append(f"  Serving it needs no limit to give: the plan could, at {change} "
                         f"{'more' if found.unforced >= 0 else 'less'} (serving costs more than the shortfall).")
        elif not lines:
            lines.append(f"  No limit alone would serve it ({found.tried} of {found.candidates} limits tried).")
        head = "What it would take, each limit relaxed alone, cheapest first" + (
            f" ({found.note}):" if found.note else ":")
        return [head, *lines]


@dataclass(frozen=True)
class PlanExplanation:
    """Why a feasible plan looks as it does: cells and their causes (see module docstring).

    ``request`` is the cell asked for (all ``None``: the costliest cells); ``note`` says
    what the rates and ranges are of when that is not plain (e.g. a MIP plan, or a
    method changed to get a basis); ``info`` holds timings in seconds.
    """

    plan: Plan
    cells: tuple[CellExplanation, ...]
    request: dict[str, str | None]
    note: str = ""
    info: dict[str, float] = field(default_factory=dict)
    #: What forcing in each option not chosen, or dropping each chosen one, costs.
    options: tuple[OptionEffect, ...] = ()

    def sentences(self) -> list[str]:
        """The explanation in plain sentences, one per line."""
        currency = self.plan.currency
        lines = [f"{self.plan.name}: {self.plan.status.label}, total cost {money(self.plan.objective or 0.0, currency)}."]
        if self.note:
            lines.append(f"Note: {self.note}.")
        lines.extend(effect.sentence(currency) for effect in self.options)
        asked = any(v is not None for v in self.request.values())
        if not asked:
            if not self.cells:
                lines.append("No shortage and no overtime in this plan: nothing holds it back.")
                return lines
            lines.append(f"The {len(self.cells)} costliest shortage and overtime cells, each with its top cause:")
        for cell in self.cells:
            head, *causes = cell.lines(currency, MAX_CAUSES if asked else 1)
            lines.append(head)
            if not cell.causes:
                lines.extend(f"  {line}" for line in causes)
            elif asked:
                lines.extend(f"  {number}. {line}" for number, line in enumerate(causes, 1))
            else:
                lines.extend(f"  Top cause: {line}" for line in causes)
            lines.extend(f"  {line}" for line in cell.through)
            lines.extend(f"  {line}" for line in cell.fix_lines(currency, MAX_FIXES if asked else 1))
        return lines

    def to_dict(self) -> dict[str, Any]:
        """Plain values, JSON-ready: unknown numbers are ``None``, endless ranges ``"inf"``/``"-inf"``."""
        return {
            "scenario": self.plan.info.get("scenario"),
            "name": self.plan.name,
            "status": self.plan.status.value,
            "objective": _plain(self.plan.objective),
            "currency": self.plan.currency,
            "request": dict(self.request),
            "note": self.note,
            "options": [effect.to_dict() for effect in self.options],
            "cells": [
                {
                    **{k: _plain(v) for k, v in dataclasses.asdict(cell).items() if k not in ("causes", "fixes")},
                    "causes": [{k: _plain(v) for k, v in dataclasses.asdict(c).items()} for c in cell.causes],
                    "fixes": None if cell.fixes is None else [
                        {k: _plain(v) for k, v in fix.to_dict().items()} for fix in cell.fixes.fixes],
                    "fixes_note": None if cell.fixes is None else cell.fixes.note,
                }
                for cell in self.cells
            ],
        }


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):  # a cell's lines down the bill
        return [_plain(v) for v in value]
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
    return value


def _cell_sentence(cell: CellExplanation, currency: str) -> str:
    if abs(cell.value) <= VALUE_TOLERANCE:
        return f"{cell.label}: no {cell.what}; nothing to explain."
    cost = f", costing {money(cell.cost, currency)}" if math.isfinite(cell.cost) and cell.cost > 0 else ""
    return f"{cell.label}: {amount_of(cell.value, _singular(cell.unit))} of {cell.what}{cost}."


def _cause_sentence(cause: Cause, cell: CellExplanation, currency: str) -> str:
    relax = cause.rate if cause.sense == "max" else -cause.rate
    verb = "removes" if relax < 0 else "adds"
    where = f"{cause.name} ({cause.kind}) in {cause.period}"
    step = f"each extra {cause.unit} of {where}" if cause.sense == "max" else (
        f"each {cause.unit} off the minimum of {where}")
    text = limit_sentence(cause.limit_row(), currency)
    moved = amount_of(abs(relax), _singular(cell.unit))
    return f"{step[0].upper()}{step[1:]} {verb} {moved} of {cell.what}. {text}"


def _singular(unit: str) -> str:
    """``units`` -> ``unit``, ``worker-periods`` -> ``worker-period`` (cells name plural units)."""
    return unit[:-1] if unit.endswith("s") else unit


# --------------------------------------------------------------------------- cells


@dataclass(frozen=True)
class _Quantity:
    """A linear cell of the plan: ``constant + sum(weight * column)``."""

    what: str
    unit: str
    weights: dict[tuple[str, Any], float]
    constant: float = 0.0
    #: The cell is money spent (shortage penalties, overtime pay): its cost is the
    #: objective's terms on its columns.
    priced: bool = False
    #: The product whose shortage this is (followed down its bill).
    product: str | None = None

    def value(self, values: dict[str, dict[Any, float]]) -> float:
        return self.constant + sum(w * values.get(c, {}).get(i, 0.0) for (c, i), w in self.weights.items())


def _periods(data: ModelData, period: str | None) -> list[int]:
    return list(range(data.T)) if period is None else [data.labels.index(period)]


def _product_quantities(data: ModelData, product: str, site: str | None, period: str | None) -> list[_Quantity]:
    items = [(p, s) for p, s in data.items if p == product and (site is None or s == site)]
    ts = _periods(data, period)
    short: dict[tuple[str, Any], float] = {}
    build_: dict[tuple[str, Any], float] = {}
    opening = 0.0
    for p, s in items:
        item = data.items[p, s]
        for t in ts:
            short[LOST.component, (p, s, t)] = 1.0
            short[BACKLOG.component, (p, s, t)] = 1.0
            stock = INVENTORY.component
            build_[stock, (p, s, t)] = build_.get((stock, (p, s, t)), 0.0) + 1.0
            if t > 0:
                build_[stock, (p, s, t - 1)] = build_.get((stock, (p, s, t - 1)), 0.0) - 1.0
            else:
                opening += item.initial_inventory
    return [_Quantity("shortage", "units", short, priced=True, product=product),
            _Quantity("stock build", "units", build_, -opening)]


def _resource_quantities(data: ModelData, resource: str, period: str | None) -> list[_Quantity]:
    res = data.resources[resource]
    ts = _periods(data, period)
    used = {(PRODUCTION.component, (p, res.site, t)): rate for p, rate in res.usage.items() if rate for t in ts}
    overtime = {(RESOURCE_OVERTIME.component, (resource, t)): 1.0 for t in ts}
    return [_Quantity("machine overtime", "hours", overtime, priced=True), _Quantity("hours used", "hours", used)]


def _crew_quantities(data: ModelData, crew: str, period: str | None) -> list[_Quantity]:
    ts = _periods(data, period)
    return [
        _Quantity("labour overtime", "hours", {(LABOUR_OVERTIME.component, (crew, t)): 1.0 for t in ts}, priced=True),
        _Quantity("hires", "workers", {(HIRES.component, (crew, t)): 1.0 for t in ts}),
        _Quantity("headcount", "worker-periods", {(HEADCOUNT.component, (crew, t)): 1.0 for t in ts}),
    ]


def _label(*parts: tuple[str, str | None]) -> str:
    named = [f"{prefix}{value}" for prefix, value in parts if value is not None]
    return " ".join(named)


def _check_request(data: ModelData, request: dict[str, str | None]) -> None:
    """Every name given exists and one kind of cell is asked for."""
    known = {
        "product": sorted({p for p, _ in data.items}),
        "site": sorted({s for _, s in data.items}),
        "period": list(data.labels),
        "resource": sorted(data.resources),
        "crew": sorted(data.workforce),
        "class": sorted(data.classes.priority) if data.classes is not None else [],
    }
    problems = []
    for key, value in request.items():
        if value is not None and value not in known[key]:
            shown = ", ".join(known[key][:12]) + (", ..." if len(known[key]) > 12 else "")
            problems.append(Problem(None, f"--{key}", f"unknown {key} '{value}'", f"known: {shown or 'none'}"))
    chosen = [key for key in ("product", "resource", "crew") if request[key] is not None]
    if len(chosen) > 1:
        problems.append(Problem(None, f"--{chosen[1]}", f"give one of --product, --resource, --crew (got {chosen})"))
    elif request.get("class") is not None and chosen and chosen[0] != "product":
        problems.append(Problem(None, "--class", "a class goes with --product, --site and --period only"))
    elif not chosen and request.get("class") is None and (request["site"] is not None or request["period"] is not None):
        problems.append(Problem(None, "--site/--period", "say which cell: add --product, --resource or --crew"))
    elif chosen and chosen[0] != "product" and request["site"] is not None:
        problems.append(Problem(None, "--site", "a site goes with --product only"))
    if problems:
        raise ScenarioError(problems)


def _requested(data: ModelData, request: dict[str, str | None]) -> tuple[str, list[_Quantity]]:
    product, site, period = request["product"], request["site"], request["period"]
    when = ("in ", period)
    if request.get("class") is not None:
        weights = class_shortage(data, str(request["class"]), product, site, _periods(data, period))
        label = _label(("class ", request["class"]), ("of ", product), ("at ", site), when)
        return label, [_Quantity("shortage", "units", weights, priced=True)]
    if product is not None:
        return _label(("", product), ("at ", site), when), _product_quantities(data, product, site, period)
    if request["resource"] is not None:
        return _label(("", request["resource"]), when), _resource_quantities(data, request["resource"], period)
    return _label(("", request["crew"]), when), _crew_quantities(data, str(request["crew"]), period)


def _costliest(data: ModelData, values: dict[str, dict[Any, float]]) -> list[tuple[str, _Quantity, float]]:
    """The costliest shortage and overtime cells: (label, quantity, cost)."""
    cells: list[tuple[str, _Quantity, float]] = []
    T = data.T
    for (p, s), item in data.items.items():
        for t in range(T):
            lost = values.get(LOST.component, {}).get((p, s, t), 0.0)
            late = values.get(BACKLOG.component, {}).get((p, s, t), 0.0)
            rate = item.backlog_cost[t] + (item.lost_sale_cost[t] if t == T - 1 and
                                           item.backlog_at_end == "lost_sale_cost" else 0.0)
            cost = class_penalty(data, values, p, s, t)
            cost = lost * item.lost_sale_cost[t] + late * rate if cost is None else cost
            if lost + late > VALUE_TOLERANCE:
                quantity = _product_quantities(data, p, s, data.labels[t])[0]
                cells.append((f"{p} at {s} in {data.labels[t]}", quantity, cost))
    for r, res in data.resources.items():
        for t in range(T):
            hours = values.get(RESOURCE_OVERTIME.component, {}).get((r, t), 0.0)
            if hours > VALUE_TOLERANCE:
                cells.append((f"{r} in {data.labels[t]}", _resource_quantities(data, r, data.labels[t])[0],
                              hours * res.overtime_cost[t]))
    for w, pool in data.workforce.items():
        for t in range(T):
            hours = values.get(LABOUR_OVERTIME.component, {}).get((w, t), 0.0)
            if hours > VALUE_TOLERANCE:
                cells.append((f"{w} in {data.labels[t]}", _crew_quantities(data, w, data.labels[t])[0],
                              hours * pool.overtime_cost[t]))
    cells.sort(key=lambda cell: -cell[2])
    return cells[:COSTLIEST]


# --------------------------------------------------------------------------- solve and rates


def _solve_options(case: Case) -> tuple[SolveOptions, str]:
    """The case's solver options, changed where needed so that the solve ends on a basis."""
    options = SolveOptions.from_settings(case.solver)
    raw = {k: v for k, v in options.options.items() if not (k == "run_crossover" and v == "off")}
    if options.method == "pdlp" or raw.get("solver") == "pdlp" or len(raw) != len(options.options):
        raw.pop("solver", None)
        changed = dataclasses.replace(options, method="auto", options=raw)
        return changed, "solved with a basis (simplex, or interior point with crossover): causes need one"
    return options, ""


def _limits(case: Case, session: HighsSession, solution: Solution) -> Limits:
    assert case.data is not None
    return binding_limits(case.data, session, solution)


def _cost(session: HighsSession, limits: Limits, quantity: _Quantity, values: dict[str, dict[Any, float]]) -> float:
    """What a priced cell costs: the objective's terms on its columns (nan if unpriced)."""
    if not quantity.priced:
        return math.nan
    cost = session.compiled.col_cost
    total = 0.0
    for (component, index), weight in quantity.weights.items():
        j = limits.columns.get((component, index))
        if j is not None:
            total += weight * cost[j] * values.get(component, {}).get(index, 0.0)
    return total


def _through(data: ModelData, graph: BillGraph, limits: Limits, quantity: _Quantity,
             causes: tuple[Cause, ...]) -> tuple[str, ...]:
    """The causes of a product's shortage that hold back a component of its bill."""
    if quantity.product is None or quantity.what != "shortage":
        return ()
    where = {(r["kind"], r["name"], r["period"]): k for k, r in enumerate(limits.records)}
    found = [(c, where.get((c.kind, c.name, c.period))) for c in causes]
    return down_the_bill(graph, data.components, quantity.product,
                         [(f"{c.name} ({c.kind}) in {c.period}", bool(limits.on_row[k]), int(limits.position[k]))
                          for c, k in found if k is not None])


def _fixes(case: Case, session: HighsSession, limits: Limits, quantity: _Quantity, value: float) -> Fixes | None:
    """The limits that, each relaxed alone, would let the plan serve a priced cell (units
    short, overtime): :func:`~sopopt.analysis.fixes.what_it_takes`."""
    lp = session.compiled
    # A column the LP does not have (no backlog allowed) is zero already.
    columns = [j for j in (limits.columns.get(key) for key, w in quantity.weights.items() if w) if j is not None]
    if not quantity.priced or value <= VALUE_TOLERANCE or any(w < 0 for w in quantity.weights.values()):
        return None
    last = max(int(index[-1]) for _component, index in quantity.weights)
    # Serving the cell may not short another: the cell's kind of columns elsewhere are
    # held at most where the plan has them.
    kinds = {component for component, _index in quantity.weights}
    held = [j for (component, _index), j in limits.columns.items() if component in kinds and j not in set(columns)]
    x = session.highs.getSolution().col_value
    return what_it_takes(case, lp, x, columns, held, last, session.options)


def _solve(case: Case) -> tuple[HighsSession, Solution, Plan, str, dict[str, float]]:
    """Solve the case, keeping the HiGHS session (its basis gives the rates)."""
    options, note = _solve_options(case)
    start = time.perf_counter()
    # Causes are weighed by their ranges: every binding limit is ranged.
    plan, session, solution = Planner(options, ranges="all").solve_live(case)
    if solution.status not in (SolveStatus.OPTIMAL, SolveStatus.OPTIMAL_WITHIN_GAP) or session is None:
        raise SolverError(f"{solution.status.label}: causes need a proven optimal plan (raise the time limit)")
    timings = {"total_solve_seconds": time.perf_counter() - start,
               "solve_seconds": float(plan.info.get("solve_seconds", math.nan)),
               "ranging_seconds": float(plan.info.get("ranging_seconds", math.nan))}
    if solution.ranging is not None and solution.ranging.label == FIXED_MIP_LABEL:
        note = "; ".join(filter(None, [note, f"rates and ranges are those of the {FIXED_MIP_LABEL}"]))
    return session, solution, plan, note, timings


def explain_plan(
    case: Case | str | Path,
    *,
    product: str | None = None,
    site: str | None = None,
    period: str | None = None,
    resource: str | None = None,
    crew: str | None = None,
    klass: str | None = None,
) -> PlanExplanation:
    """Why the case's optimal plan has the cell asked for (or, with no cell, its
    :data:`COSTLIEST` costliest shortage and overtime cells): the binding limits whose
    right-hand side moves the cell, with rate, shadow price and range.

    Raises:
        ScenarioError: an unknown name, or a cell asked for in a way that names none.
        InfeasibleError: the case has no plan (explain it with :func:`sopopt.explain`).
        SolverError: the plan is not proven optimal.
    """
    if not isinstance(case, Case):
        case = load_case(case)
    if case.data is None:
        raise ValueError("the case was loaded with check=False; load it with checks to explain it")
    request = {"product": product, "site": site, "period": period, "resource": resource, "crew": crew}
    if klass is not None:  # a demand class (a key only when asked for)
        request["class"] = klass
    _check_request(case.data, request)
    session, solution, plan, note, timings = _solve(case)
    mark = time.perf_counter()
    limits = _limits(case, session, solution)
    asked = any(v is not None for v in request.values())
    if asked:
        label, quantities = _requested(case.data, request)
        nothing = dataclasses.replace(quantities[0], what=" or ".join(q.what for q in quantities))
        chosen = next((q for q in quantities if abs(q.value(solution.values)) > VALUE_TOLERANCE), nothing)
        wanted = [(label, chosen, _cost(session, limits, chosen, solution.values))]
    else:
        wanted = _costliest(case.data, solution.values)
    cells = []
    graph = BillGraph(session.compiled, session.column_keys()) if case.data.components else None
    for label, quantity, cost in wanted:
        value = quantity.value(solution.values)
        causes = rated_causes(session, limits, quantity.weights, value)
        through = _through(case.data, graph, limits, quantity, causes) if graph is not None else ()
        # What it would take: for an asked cell, and for a costliest cell no binding limit moves.
        fixes = _fixes(case, session, limits, quantity, value) if asked or not causes else None
        cells.append(CellExplanation(quantity.what, label, value, quantity.unit, cost, causes, through, fixes))
    timings["explain_seconds"] = time.perf_counter() - mark
    return PlanExplanation(plan, tuple(cells), request, note, timings)


def explain(
    case_or_plan: Case | Plan | str | Path,
    other: Case | str | Path | None = None,
    *,
    product: str | None = None,
    site: str | None = None,
    period: str | None = None,
    resource: str | None = None,
    crew: str | None = None,
    time_budget: float = DEFAULT_TIME_BUDGET,
    klass: str | None = None,
) -> Explanation | PlanExplanation | Attribution:
    """Explain a case (a path, a loaded case, or a plan that was solved).

    Without a feasible plan: an :class:`Explanation` of why. With one: the plan
    explanation of :func:`sopopt.analysis.explain.explain_plan`, narrowed by
    ``product``, ``site``, ``period``, ``resource`` and ``crew``. With ``other``: why
    the two scenarios differ (:func:`sopopt.analysis.attribution.attribute`), for the
    cell of ``product`` (``site``, ``period``), ``resource`` or ``crew`` when given
    (:class:`~sopopt.analysis.attribution_scope.Scope`; not ``klass``).

    Raises:
        ScenarioError: invalid input files.
        SolverError: the case has no plan for another reason than infeasibility
            (unbounded, time limit, solver error).
    """
    if other is not None:
        if isinstance(case_or_plan, Plan):
            raise SopoptError("explain two scenarios from their files or cases, not from a plan")
        if klass is not None:
            raise ScenarioError([Problem(None, "--class", "a demand class applies to one scenario only")])
        cell = (product, site, period, resource, crew)
        scope = Scope(*cell) if any(v is not None for v in cell) else None
        return attribute(case_or_plan, other, scope=scope)
    if isinstance(case_or_plan, Plan):
        if case_or_plan.explanation is not None:
            return case_or_plan.explanation
        source = case_or_plan.info.get("scenario")
        if not source:
            raise SopoptError("this plan does not name its scenario file: explain the case instead")
        case = load_case(source)
    else:
        case = case_or_plan if isinstance(case_or_plan, Case) else load_case(case_or_plan)
    try:  # one solve for a feasible case: the plan explanation keeps its basis
        result = explain_plan(case, product=product, site=site, period=period, resource=resource, crew=crew,
                              klass=klass)
        return dataclasses.replace(result, options=option_effects(case, result.plan))
    except (InfeasibleError, UnboundedError):
        plan = Planner(explain=False).solve(case, raise_on_failure=False)
        if plan.status.has_plan:  # solved with the scenario's own method after all
            raise
    return explain_infeasible(case, plan, time_budget=time_budget)
