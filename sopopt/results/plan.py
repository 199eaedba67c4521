"""The :class:`Plan`: one immutable result of tidy DataFrames, free of solver objects.

Tables are long format, one row per index of a decision, with the columns named in the
component registry and a ``value`` column. KPIs are defined in docs/kpis.md:

- fill rate = sum over periods of min(demand, delivered) / total demand (deliveries
  count first against the period's own demand);
- service level (per product) = share of periods with demand in which the period's
  demand was delivered in full;
- utilization = hours used / regular hours available (resources), labour hours used /
  (hours per worker x headcount) (workforce pools); above 1 means overtime;
- days of cover = closing stock / average daily demand of the product over the horizon.

Shadow prices are reported as *money saved by one unit more room in the limit in that
period* (non-negative for a binding limit). For a maximum (``sense`` ``max``: a
capacity, a ``<=`` row or an upper bound) that is one unit more of the limit: the
negative of HiGHS's row dual or reduced cost. For a minimum (``sense`` ``min``: minimum
stock or headcount, ending conditions that are lower bounds) it is one unit less: the
reduced cost itself. Limits that are rows are listed whether they bind or not; limits
that are variable bounds (:data:`~sopopt.model.registry.BOUND_LIMITS`) when they bind.

Ranges (``range_up``, ``range_down``) say how far the limit's own value can rise and
fall, in the limit's unit, with its shadow price unchanged (the optimal basis stays
optimal): from HiGHS ranging. A limit with slack keeps price 0 from ``-slack`` to
``+inf``. ``range_note`` says why a range is unknown ("range unknown: ...": no basis
after interior point without crossover or PDLP, or a plan not proven optimal) or what
it is of (a MIP plan: the LP with the integer decisions fixed).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sopopt.errors import DataWarning
from sopopt.inputs.compile import ModelData
from sopopt.io.reader import Locations, locate
from sopopt.model.bills import PLAN_DEPENDENT, dependent_demand
from sopopt.model.demand import BACKLOG, LOST, PLAN_BACKLOG, PLAN_DELIVERED, PLAN_DEMAND, PLAN_LOST, SALES
from sopopt.model.family import BoundLimitSpec
from sopopt.model.inventory import (
    INVENTORY,
    PLAN_INVENTORY,
    PLAN_MAX_INVENTORY,
    PLAN_OPENING,
    PLAN_RECEIPTS,
    PLAN_SAFETY_STOCK,
    PLAN_SHORTFALL,
    SAFETY_SHORTFALL,
)
from sopopt.model.production import PLAN_PRODUCTION, PLAN_SUBCONTRACTED, PRODUCTION, SUBCONTRACT
from sopopt.model.registry import BOUND_LIMITS, COST_CATEGORIES, LIMITS, TRANSFORM_COST_CATEGORIES, VARIABLES
from sopopt.model.resources import RESOURCE_OVERTIME
from sopopt.model.routings import ROUTING, routing_load
from sopopt.model.shelf_life import PLAN_SCRAP, SCRAP
from sopopt.model.transport import PLAN_ARRIVALS, PLAN_DEPARTURES, SHIPMENT
from sopopt.model.workforce import HEADCOUNT, HIRES, LABOUR_OVERTIME, LAYOFFS
from sopopt.results.allocation import class_tables
from sopopt.results.bottlenecks import COLUMNS as BOTTLENECK_COLUMNS
from sopopt.results.bottlenecks import bottleneck_table
from sopopt.results.options import decision_tables
from sopopt.results.safety_stock import safety_stock_table
from sopopt.results.targets import gap_bridge, target_table
from sopopt.solver.solution import LimitRange, Ranging, Solution
from sopopt.solver.status import OPTIMAL_STATUSES, SolveStatus

#: The table of safety stock targets and how each was set (results/safety_stock.py).
SAFETY_STOCK_TABLE = "safety_stock"
#: A limit counts as binding when its slack is below this (units of the row).
BINDING_TOLERANCE = 1e-6
#: Limits a plan shows (summary, report, ``bottlenecks.csv``): the binding ones with the
#: largest shadow prices; a solve ranges these (and ties) by default.
SHOWN_LIMITS = 10
#: Closing stock in the last period below this share of the opening stock, with no
#: ending stock required, is an end-of-horizon run-down (a warning).
RUN_DOWN_SHARE = 0.10


class Info(Mapping[str, Any]):
    """Read-only run information of a plan (solver status text, timings, scenario, ...).

    A plain mapping to read; ``plan.info["x"] = 1`` raises ``TypeError``. Built from
    mappings and keywords, later ones winning: ``Info(solution.info, build="fast")``.
    """

    __slots__ = ("_data",)

    def __init__(self, *sources: Mapping[str, Any], **values: Any) -> None:
        data: dict[str, Any] = {}
        for source in sources:
            data.update(source)
        data.update(values)
        self._data = data

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"Info({self._data!r})"


class UnknownTableError(KeyError):
    """``Plan.table(name)`` with a name the plan has no table of; lists the valid ones."""

    def __init__(self, name: str, valid: list[str]) -> None:
        self.name = name
        self.valid = valid
        super().__init__(name)

    def __str__(self) -> str:
        known = ", ".join(self.valid) if self.valid else "none: the plan has no tables (no feasible plan)"
        return f"no table {self.name!r}; valid names: {known}"


#: Longest plan name shown by ``repr(plan)`` (a longer one is cut with "...").
REPR_NAME = 60


@dataclass(frozen=True, repr=False)
class Plan:
    """The result of one solve."""

    name: str
    status: SolveStatus
    objective: float | None
    costs: pd.Series
    kpis: dict[str, float]
    tables: dict[str, pd.DataFrame]
    shadow_prices: pd.DataFrame
    service: pd.DataFrame
    utilization: pd.DataFrame
    info: Info = field(default_factory=Info)
    """Run information (read-only): solver details, timings, scenario, build path."""
    labels: list[str] = field(default_factory=list)
    currency: str = "USD"
    ranger: Callable[[], pd.DataFrame] | None = field(default=None, repr=False, compare=False)
    """Computes :attr:`shadow_prices` with every range (see :meth:`ranges`); None when
    the plan's ranges are all known already, or cannot be computed any more."""
    explanation: Any = field(default=None, repr=False, compare=False)
    """Why there is no plan (an :class:`~sopopt.analysis.explain.Explanation`), for an
    infeasible case explained by the planner (``sopopt solve``, :func:`sopopt.solve`) or
    :func:`sopopt.explain`; else None."""
    adjustments: tuple[dict[str, Any], ...] = ()
    """What the scenario assumes on top of its model: each adjustment in plain words
    (target, scope, change, periods, note, where it was written)."""
    inputs: dict[str, Any] = field(default_factory=dict, repr=False)
    """The resolved inputs, flat (``{dotted.path: value}``), to diff plans' assumptions."""
    warnings: tuple[DataWarning, ...] = ()
    """Valid but suspicious input (the case's warnings) and plan (see
    :func:`run_down_warnings`), each with the file and line it points at."""

    @property
    def is_optimal(self) -> bool:
        """True when the solver finished: a proven optimal plan, or (with integer
        decisions) a plan proven within the MIP gap ``solver.mip_gap`` of the best."""
        return self.status in OPTIMAL_STATUSES

    @property
    def status_text(self) -> str:
        """The status in planner's words, with the MIP gap where there is one:
        "optimal (gap ≤ 0.01%)", "feasible, gap 2.31% (time limit reached)"."""
        if self.status is SolveStatus.OPTIMAL_WITHIN_GAP:
            return f"optimal (gap ≤ {_percent(self.info.get('mip_gap_tolerance'))})"
        if self.info.get("mip") and self.status.has_plan and self.status is not SolveStatus.OPTIMAL:
            gap = self.info.get("mip_gap")
            return f"feasible, gap {_percent(gap)} ({self.status.label.split(':')[0]})"
        return self.status.label

    def table(self, name: str) -> pd.DataFrame:
        """A decision table by name (e.g. ``production``, ``plan``).

        Raises:
            UnknownTableError: a ``KeyError`` naming the valid table names.
        """
        try:
            return self.tables[name]
        except KeyError:
            raise UnknownTableError(name, sorted(self.tables)) from None

    def __repr__(self) -> str:
        """One line: name, status, objective and size (e.g. in a notebook or a log)."""
        name = self.name if len(self.name) <= REPR_NAME else self.name[: REPR_NAME - 3] + "..."
        objective = "no plan" if self.objective is None else f"objective {self.objective:,.2f} {self.currency}"
        size = f"{len(self.labels)} periods, {len(self.tables)} tables"
        if self.info.get("columns"):
            size += f", LP {self.info.get('rows', 0):,} x {self.info['columns']:,}"
        return f"<Plan {name!r}: {self.status.value}, {objective}, {size}>"

    def ranges(self) -> pd.DataFrame:
        """:attr:`shadow_prices` with the range of every binding limit (a solve ranges
        only the :data:`SHOWN_LIMITS` largest by default: ``sopopt solve --ranges all``
        ranges all); computed on the first call, from the solve's basis, then cached."""
        return self.shadow_prices if self.ranger is None else self.ranger()

    def bottlenecks(self, top: int = SHOWN_LIMITS) -> pd.DataFrame:
        """The limits that hold the plan back most, each once, ranked by the money at
        stake across its binding periods (see :mod:`sopopt.results.bottlenecks`):
        ``period`` holds its binding runs, ``shadow_price`` its largest unit price."""
        table = self.tables.get("bottlenecks")
        if table is None:
            return pd.DataFrame(columns=BOTTLENECK_COLUMNS)
        return table.head(top)


def _percent(value: Any) -> str:
    """A relative gap in percent, with as many decimals as it needs (0.01%, 2.3%)."""
    if value is None or not isinstance(value, int | float) or value != value:
        return "unknown"
    text = f"{100 * value:.4f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _index_frame(columns: tuple[str, ...], values: dict[Any, float], labels: list[str]) -> pd.DataFrame:
    if not values:
        return pd.DataFrame({**{c: pd.Series(dtype=object) for c in columns}, "value": pd.Series(dtype=float)})
    frame = pd.DataFrame(list(values), columns=list(columns))
    if "period" in frame:
        frame["period"] = np.asarray(labels, dtype=object)[frame["period"].to_numpy(dtype=int)]
    frame["value"] = np.fromiter(values.values(), dtype=float, count=len(values))
    return frame


def extract_plan(
    data: ModelData, solution: Solution, name: str, currency: str = "USD", info: Mapping[str, Any] | None = None,
    *, summary_only: bool = False,
) -> Plan:
    """Turn a solution into a :class:`Plan`, reading only the registry catalogue.

    ``info`` (timings, scenario, ...) is added to the solver's run information. With
    ``summary_only`` (a sweep's case row) the plan has its status, objective, costs,
    KPIs, service and decision tables, but no shadow prices, utilization, load or P&L
    (a case with targets keeps them all: its target table reads them).

    Needs no Pyomo model: tables come from the solution's values by component name, so
    every build path (rule-based Pyomo or the vectorised fast path) gives the same plan.
    """
    labels = data.labels
    has_plan = solution.status.has_plan
    tables = {
        spec.table: _index_frame(spec.columns, solution.values.get(spec.component, {}), labels)
        for spec in VARIABLES
    }
    costs = _costs(solution)

    tables["plan"] = _plan_table(data, tables)
    del tables[SAFETY_SHORTFALL.table]  # shown, with its target and how it was set, in:
    tables[SAFETY_STOCK_TABLE] = safety_stock_table(data, tables["plan"])
    if not has_plan:
        # No plan: show the inputs (demand, receipts, targets) but no invented decisions.
        decisions = [c for c in tables["plan"].columns if c not in _PLAN_INPUTS]
        tables["plan"][decisions] = float("nan")
    whole = has_plan and not (summary_only and not data.targets)
    records = limit_records(data, solution) if whole else []
    shadow = pd.DataFrame(records, columns=SHADOW_COLUMNS) if records else _empty_shadow()
    tables["bottlenecks"] = bottleneck_table(data, records, solution.values)
    service = _service(data, tables["plan"]) if has_plan else pd.DataFrame()
    utilization = _utilization(data, tables) if whole else pd.DataFrame()
    if whole:
        tables["load"] = _load(data, tables)
        tables.update(decision_tables(data, tables, shadow))
        tables["pnl"] = _pnl(data, tables["plan"], solution)
        if data.targets:
            tables["targets"] = target_table(data, tables["plan"], tables["pnl"], shadow)
            tables["target_gap"] = gap_bridge(data, tables["plan"], tables["targets"])
        tables.update(class_tables(data, tables["plan"], solution.values, solution.duals))
    kpis = _kpis(data, tables, costs, service) if has_plan else {}
    if has_plan and solution.objective is not None:
        kpis["total_cost"] = float(solution.objective)
    return Plan(
        name=name,
        status=solution.status,
        objective=solution.objective,
        costs=costs,
        kpis=kpis,
        tables=tables,
        shadow_prices=shadow,
        service=service,
        utilization=utilization,
        info=Info(solution.info, {"horizon_days": float(data.days.sum())}, info or {}),
        labels=list(labels),
        currency=currency,
    )


def _costs(solution: Solution) -> pd.Series:
    """Cost by category (nan without a plan)."""
    categories = [*COST_CATEGORIES, *(c for c in TRANSFORM_COST_CATEGORIES if c in solution.costs)]
    has_plan = solution.status.has_plan
    costs = pd.Series({c: float(solution.costs.get(c, 0.0)) if has_plan else float("nan") for c in categories},
                      name="cost")
    costs.index.name = "category"
    return costs


#: Columns of the plan table that are inputs, not decisions.
_PLAN_INPUTS = ("product", "site", "period", "family", "demand", "scheduled_receipts", "safety_stock", "max_inventory")


def _series(table: pd.DataFrame, keys: list[str]) -> dict[tuple[Any, ...], float]:
    if table.empty:
        return {}
    return dict(zip(map(tuple, table[keys].to_numpy()), table["value"].to_numpy(), strict=True))


def _grid(frame: pd.DataFrame, items: pd.MultiIndex, periods: pd.Index, shape: tuple[int, int]) -> np.ndarray:
    """An (item, period) array of a long table with product, site, period and value."""
    grid = np.zeros(shape)
    if frame.empty:
        return grid
    rows = items.get_indexer(pd.MultiIndex.from_arrays([frame["product"], frame["site"]]))
    cols = periods.get_indexer(frame["period"])
    np.add.at(grid, (rows, cols), frame["value"].to_numpy(dtype=float))
    return grid


def _plan_table(d: ModelData, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per product, site and period with every flow of the inventory balance."""
    keys = list(d.items)
    items = pd.MultiIndex.from_tuples(keys, names=["product", "site"]) if keys else pd.MultiIndex.from_arrays(
        [[], []], names=["product", "site"])
    periods = pd.Index(d.labels)
    shape = (len(keys), d.T)

    def grid(name: str) -> np.ndarray:
        return _grid(tables[name], items, periods, shape)

    inventory = grid(INVENTORY.table)
    lost = grid(LOST.table)
    demand = np.array([item.demand for item in d.items.values()]).reshape(shape)
    has_backlog = np.array([item.backlog for item in d.items.values()], dtype=bool)
    delivered = np.where(has_backlog[:, None], grid(SALES.table), demand - lost)
    initial = np.array([item.initial_inventory for item in d.items.values()], dtype=float)
    opening = np.concatenate([initial[:, None], inventory[:, :-1]], axis=1) if shape[0] else inventory

    shipments = tables[SHIPMENT.table]
    arrivals, departures = np.zeros(shape), np.zeros(shape)
    if not shipments.empty:
        lanes = shipments["lane"]
        origin = lanes.map({n: lane.origin for n, lane in d.lanes.items()})
        destination = lanes.map({n: lane.destination for n, lane in d.lanes.items()})
        lead = lanes.map({n: lane.lead_time for n, lane in d.lanes.items()}).to_numpy(dtype=int)
        start = periods.get_indexer(shipments["period"])
        value = shipments["value"].to_numpy(dtype=float)
        out_rows = items.get_indexer(pd.MultiIndex.from_arrays([shipments["product"], origin]))
        in_rows = items.get_indexer(pd.MultiIndex.from_arrays([shipments["product"], destination]))
        np.add.at(departures, (out_rows, start), value)
        np.add.at(arrivals, (in_rows, start + lead), value)

    n = len(keys)
    products = [p for p, _ in keys]
    return pd.DataFrame({
        "product": np.repeat(np.array(products, dtype=object), d.T),
        "site": np.repeat(np.array([s for _, s in keys], dtype=object), d.T),
        "period": np.tile(np.array(d.labels, dtype=object), n),
        "family": np.repeat(np.array([d.family[p] for p in products], dtype=object), d.T),
        PLAN_OPENING.name: opening.ravel(),
        PLAN_PRODUCTION.name: grid(PRODUCTION.table).ravel(),
        PLAN_SUBCONTRACTED.name: grid(SUBCONTRACT.table).ravel(),
        PLAN_RECEIPTS.name: np.array([i.scheduled_receipts for i in d.items.values()]).reshape(shape).ravel(),
        PLAN_ARRIVALS.name: arrivals.ravel(),
        PLAN_DEPARTURES.name: departures.ravel(),
        PLAN_DEMAND.name: demand.ravel(),
        PLAN_DEPENDENT.name: dependent_demand(d, grid(PRODUCTION.table)).ravel(),
        PLAN_DELIVERED.name: delivered.ravel(),
        PLAN_BACKLOG.name: grid(BACKLOG.table).ravel(),
        PLAN_LOST.name: lost.ravel(),
        PLAN_SCRAP.name: grid(SCRAP.table).ravel(),
        PLAN_INVENTORY.name: inventory.ravel(),
        PLAN_SAFETY_STOCK.name: np.array([i.safety_stock for i in d.items.values()]).reshape(shape).ravel(),
        PLAN_SHORTFALL.name: grid(SAFETY_SHORTFALL.table).ravel(),
        # No maximum: empty (NaN), so that tables and workbooks never show "inf".
        PLAN_MAX_INVENTORY.name: _finite_or_nan(
            np.array([i.max_inventory for i in d.items.values()]).reshape(shape).ravel()),
    })


def _finite_or_nan(values: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(values), values, np.nan)


#: Columns of the shadow-price table.
SHADOW_COLUMNS = ["kind", "name", "period", "shadow_price", "unit", "binding", "slack", "sense", "range_up",
                  "range_down", "range_note"]

#: Note of a plan whose solve did not ask for ranges.
NOT_RANGED = "range unknown: ranges were not computed for this solve"
#: The note of a binding limit a solve did not range (it is not among those shown).
ON_DEMAND = "range unknown: not ranged by default (plan.ranges() or sopopt solve --ranges all)"


def _empty_shadow() -> pd.DataFrame:
    return pd.DataFrame(columns=SHADOW_COLUMNS)


def limit_records(data: ModelData, solution: Solution) -> list[dict[str, Any]]:
    """Every row limit (binding or not) and every binding bound limit, with ranges.

    One dict per limit with the :data:`SHADOW_COLUMNS` and where the limit sits in the
    LP: ``component`` and ``index`` of its row (``on`` = ``row``) or of the variable it
    bounds (``on`` = ``column``), and that row's or column's ``position`` when it is
    nonbasic (-1 otherwise: the limit has slack and moves nothing).
    """
    ranging = solution.ranging
    return _row_limits(solution, data.labels, ranging) + _bound_limits(data, ranging)


def shadow_prices(data: ModelData, solution: Solution) -> pd.DataFrame:
    """The shadow price table of a solution: every limit with its price and range."""
    rows = limit_records(data, solution)
    return pd.DataFrame(rows, columns=SHADOW_COLUMNS) if rows else _empty_shadow()


def _range_note(ranging: Ranging | None) -> str:
    if ranging is None:
        return NOT_RANGED
    return ranging.note or ranging.label


def _row_limits(solution: Solution, labels: list[str], ranging: Ranging | None) -> list[dict[str, Any]]:
    rows = []
    note = _range_note(ranging)
    for spec in LIMITS:
        duals = solution.duals.get(spec.component, {})
        slacks = solution.slacks.get(spec.component, {})
        ranges = ranging.rows.get(spec.component, {}) if ranging is not None else {}
        for idx, slack in slacks.items():
            # The ranged basis's dual (for a MIP: the fixed LP's, the MIP has none).
            dual = ranges[idx].dual if idx in ranges else duals.get(idx, 0.0)
            position = ranges[idx].position if idx in ranges else -1
            if ranging is None or not ranging.known:
                up, down = np.nan, np.nan
            elif idx in ranges:
                r = ranges[idx]
                up, down = r.high - r.value, r.low - r.value
            else:  # a basic row: price 0 until the limit is cut by more than its slack
                up, down = np.inf, -max(slack, 0.0)
            rows.append({
                "kind": spec.kind,
                "name": "/".join(map(str, idx[:-1])),
                "period": labels[idx[-1]],
                "shadow_price": 0.0 if abs(dual) < 1e-12 else (-dual if spec.sense == "max" else dual),
                "unit": spec.unit,
                "binding": abs(slack) <= BINDING_TOLERANCE,
                "slack": slack,
                "sense": spec.sense,
                "range_up": up,
                "range_down": down,
                "range_note": ON_DEMAND if idx in ranges and not ranges[idx].ranged and ranging.known else note,
                "component": spec.component,
                "index": idx,
                "on": "row",
                "position": position,
            })
    return rows


def _bound_limits(data: ModelData, ranging: Ranging | None) -> list[dict[str, Any]]:
    """The variable bounds that bind and are limits (not a zero lower bound)."""
    if ranging is None:
        return []
    rows = []
    note = _range_note(ranging)
    for spec in BOUND_LIMITS:
        for idx, r in ranging.columns.get(spec.component, {}).items():
            if r.side != spec.side or (spec.side == "lower" and r.value <= 0.0):
                continue
            price = -r.dual if spec.side == "upper" else r.dual
            rows.append({
                "kind": spec.ending_kind if _is_ending(data, spec, idx, r) else spec.kind,
                "name": "/".join(map(str, idx[:-1])),
                "period": data.labels[idx[-1]],
                "shadow_price": 0.0 if abs(price) < 1e-12 else price,
                "unit": spec.unit,
                "binding": True,
                "slack": 0.0,
                "sense": "max" if spec.side == "upper" else "min",
                "range_up": r.high - r.value,
                "range_down": r.low - r.value,
                "range_note": ON_DEMAND if not r.ranged and ranging.known else note,
                "component": spec.component,
                "index": idx,
                "on": "column",
                "position": r.position,
            })
    return rows


def _ending_value(data: ModelData, spec: BoundLimitSpec, key: tuple[Any, ...]) -> float | None:
    """The bound an ending condition sets in the last period, if any (the family's ``ending``)."""
    return None if spec.ending is None else spec.ending(data, key)


def _is_ending(data: ModelData, spec: BoundLimitSpec, idx: tuple[Any, ...], r: LimitRange) -> bool:
    """True when the binding bound in the last period is the one an ending condition set."""
    if spec.ending_kind is None or idx[-1] != data.T - 1:
        return False
    ending = _ending_value(data, spec, tuple(idx[:-1]))
    return ending is not None and abs(ending - r.value) <= 1e-9 * max(1.0, abs(r.value))


def _service(d: ModelData, plan: pd.DataFrame) -> pd.DataFrame:
    """Fill rate and service level per product."""
    frame = plan[plan["demand"] > 0].copy()
    if frame.empty:
        return pd.DataFrame(columns=["product", "family", "demand", "on_time", "fill_rate", "service_level",
                                     "backlog_units", "lost_units", "average_inventory", "days_of_cover"])
    frame["on_time"] = np.minimum(frame["demand"], frame["delivered"])
    frame["met"] = frame["on_time"] >= frame["demand"] - 1e-6
    grouped = frame.groupby("product", sort=False)
    result = pd.DataFrame({
        "family": grouped["family"].first(),
        "demand": grouped["demand"].sum(),
        "on_time": grouped["on_time"].sum(),
        "service_level": grouped["met"].mean(),
        "backlog_units": plan.groupby("product")[PLAN_BACKLOG.name].sum(),
        "lost_units": plan.groupby("product")[PLAN_LOST.name].sum(),
    }).dropna(subset=["demand"])
    result["fill_rate"] = result["on_time"] / result["demand"]
    stock = plan.groupby(["product", "period"], sort=False)[PLAN_INVENTORY.name].sum().groupby("product").mean()
    result["average_inventory"] = stock.reindex(result.index).fillna(0.0)
    daily = result["demand"] / float(d.days.sum())
    result["days_of_cover"] = result["average_inventory"] / daily
    return result.reset_index(names="product")[
        ["product", "family", "demand", "on_time", "fill_rate", "service_level", "backlog_units", "lost_units",
         "average_inventory", "days_of_cover"]
    ]


def _utilization(d: ModelData, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Hours used against regular hours, per resource and workforce pool and period."""
    production = _series(tables[PRODUCTION.table], list(PRODUCTION.columns))
    overtime_r = _series(tables[RESOURCE_OVERTIME.table], list(RESOURCE_OVERTIME.columns))
    overtime_w = _series(tables[LABOUR_OVERTIME.table], list(LABOUR_OVERTIME.columns))
    headcount = _series(tables[HEADCOUNT.table], list(HEADCOUNT.columns))
    routed: dict[tuple[str, str], float] = defaultdict(float)
    for row in routing_load(d, tables[ROUTING.table]):
        routed[row["name"], row["period"]] += row["hours"]
    rows = []
    for r, res in d.resources.items():
        for t, period in enumerate(d.labels):
            used = sum(rate * production.get((p, res.site, period), 0.0) for p, rate in res.usage.items())
            used += routed.get((r, period), 0.0)
            regular = float(res.hours[t])
            rows.append({"kind": "resource", "name": r, "site": res.site, "period": period, "used_hours": used,
                         "regular_hours": regular, "overtime_hours": overtime_r.get((r, period), 0.0),
                         "overtime_capacity_hours": float(res.overtime_capacity[t]) if res.overtime else 0.0,
                         "utilization": used / regular if regular > 0 else (np.inf if used > 0 else 0.0)})
    for w, pool in d.workforce.items():
        for t, period in enumerate(d.labels):
            used = sum(rate * production.get((p, pool.site, period), 0.0) for p, rate in pool.usage.items())
            regular = float(pool.hours_per_worker[t]) * headcount.get((w, period), 0.0)
            rows.append({"kind": "workforce", "name": w, "site": pool.site, "period": period, "used_hours": used,
                         "regular_hours": regular, "overtime_hours": overtime_w.get((w, period), 0.0),
                         "overtime_capacity_hours": float(pool.overtime_per_worker[t]) * headcount.get((w, period), 0.0)
                         if pool.overtime else 0.0,
                         "utilization": used / regular if regular > 1e-9 else (np.inf if used > 0 else 0.0)})
    columns = ["kind", "name", "site", "period", "used_hours", "regular_hours", "overtime_hours",
               "overtime_capacity_hours", "utilization"]
    return pd.DataFrame(rows, columns=columns)


def _inventory_value(d: ModelData, plan: pd.DataFrame) -> float:
    """Average over periods of the closing stock valued at its production cost."""
    if not d.items or not d.T:
        return 0.0
    cost = np.concatenate([item.production_cost for item in d.items.values()])
    return float((plan[PLAN_INVENTORY.name].to_numpy(dtype=float) * cost).sum() / d.T)


def _load(d: ModelData, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Hours each product family (and routing, if any) puts on each resource and workforce
    pool, per period."""
    production = tables[PRODUCTION.table]
    columns = ["kind", "name", "site", "period", "family", "routing", "hours"]
    if production.empty:
        return pd.DataFrame(columns=columns)
    frames = []
    pools = [("resource", n, r.site, r.usage) for n, r in d.resources.items()]
    pools += [("workforce", n, w.site, w.usage) for n, w in d.workforce.items()]
    for kind, name, site, usage in pools:
        made = production[(production["site"] == site) & production["product"].isin(list(usage))]
        if made.empty:
            continue
        hours = made["value"].to_numpy(dtype=float) * made["product"].map(usage).to_numpy(dtype=float)
        frame = pd.DataFrame({"period": made["period"].to_numpy(), "family": made["product"].map(d.family).to_numpy(),
                              "hours": hours})
        frame = frame.groupby(["period", "family"], sort=False, as_index=False)["hours"].sum()
        frames.append(frame.assign(kind=kind, name=name, site=site, routing=""))
    routed = pd.DataFrame(routing_load(d, tables[ROUTING.table]), columns=columns)
    if not routed.empty:
        frames.append(routed.groupby(["kind", "name", "site", "period", "family", "routing"], sort=False,
                                     as_index=False)["hours"].sum())
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def _pnl(d: ModelData, plan: pd.DataFrame, solution: Solution) -> pd.DataFrame:
    """A profit and loss projection, one row per period: revenue of delivered units, the
    cost of every category, and profit. The lost-sales charge counts in profit only for
    its part above the price: the price part is revenue not earned, already missing from
    revenue."""
    T = d.T
    price = np.concatenate([item.price if item.price is not None else np.zeros(T) for item in d.items.values()]) \
        if d.items else np.zeros(0)
    delivered = plan["delivered"].to_numpy(dtype=float)
    periods = np.tile(np.arange(T), len(d.items))
    revenue = np.bincount(periods, weights=delivered * price, minlength=T) if d.items else np.zeros(T)
    unearned = _unearned(d, plan)
    frame = pd.DataFrame({"period": d.labels, "revenue": revenue})
    total = np.zeros(T)
    for category in COST_CATEGORIES:
        amounts = np.zeros(T)
        found = solution.period_costs.get(category)
        if found is not None and found.size:
            amounts[: min(T, found.size)] = found[:T]
        frame[category] = amounts
        total += amounts
    frame["total_cost"] = total
    frame["profit"] = revenue - total + unearned
    return frame


def _unearned(d: ModelData, plan: pd.DataFrame) -> np.ndarray:
    """Per period, the price part of the lost-sale charge: the revenue of units lost (and,
    with ``at_end: lost_sale_cost``, of the backlog still open at the end), which the cost
    already charges at (at least) the price. Profit adds it back so that a lost sale
    counts once: as revenue not earned, plus only the goodwill penalty above the price."""
    T = d.T
    unearned = np.zeros(T)
    if not d.items:
        return unearned
    lost = plan[PLAN_LOST.name].to_numpy(dtype=float).reshape(len(d.items), T)
    backlog = plan[PLAN_BACKLOG.name].to_numpy(dtype=float).reshape(len(d.items), T)
    for row, item in enumerate(d.items.values()):
        if item.price is None or not item.lost_sales:
            continue
        unearned += lost[row] * item.price
        if item.backlog and item.backlog_at_end == "lost_sale_cost":
            unearned[T - 1] += backlog[row, T - 1] * item.price[T - 1]
    return unearned


def _kpis(d: ModelData, tables: dict[str, pd.DataFrame], costs: pd.Series, service: pd.DataFrame) -> dict[str, float]:
    plan = tables["plan"]
    total_demand = float(plan["demand"].sum())
    on_time = float(np.minimum(plan["demand"], plan["delivered"]).sum())
    days = float(d.days.sum())
    avg_daily_demand = total_demand / days if days else 0.0
    avg_inventory = float(plan.groupby("period", sort=False)[PLAN_INVENTORY.name].sum().mean()) if not plan.empty else 0.0
    kpis = {
        "total_demand": total_demand,
        "delivered": float(plan["delivered"].sum()),
        "fill_rate": on_time / total_demand if total_demand else 1.0,
        "service_level": float(service["service_level"].mean()) if not service.empty else 1.0,
        "lost_units": float(plan[PLAN_LOST.name].sum()),
        "backlog_unit_periods": float(plan[PLAN_BACKLOG.name].sum()),
        "production_units": float(plan[PLAN_PRODUCTION.name].sum()),
        "subcontracted_units": float(plan[PLAN_SUBCONTRACTED.name].sum()),
        "shipped_units": float(tables[SHIPMENT.table]["value"].sum()),
        "average_inventory": avg_inventory,
        "days_of_cover": avg_inventory / avg_daily_demand if avg_daily_demand else float("nan"),
        "overtime_hours": float(tables[LABOUR_OVERTIME.table]["value"].sum()
                                + tables[RESOURCE_OVERTIME.table]["value"].sum()),
        "peak_headcount": float(tables[HEADCOUNT.table].groupby("period")["value"].sum().max())
        if not tables[HEADCOUNT.table].empty else 0.0,
        "hires": float(tables[HIRES.table]["value"].sum()),
        "layoffs": float(tables[LAYOFFS.table]["value"].sum()),
        "inventory_value": _inventory_value(d, plan),
    }
    prices = [item.price if item.price is not None else np.zeros(d.T) for item in d.items.values()]
    priced = any(item.price is not None for item in d.items.values())
    if priced:
        # The plan table has one row per item and period, in item order.
        revenue = float((plan["delivered"].to_numpy() * np.concatenate(prices)).sum())
        kpis["revenue"] = revenue
        kpis["profit"] = revenue - float(costs.sum()) + float(_unearned(d, plan).sum())
    return kpis


def run_down_warnings(d: ModelData, plan: Plan, locations: Locations) -> list[DataWarning]:
    """Warnings after the solve: a product whose closing stock in the last period is below
    :data:`RUN_DOWN_SHARE` of its opening stock while no ending stock is required. The
    plan then sells off stock the business needs after the horizon (it is free to: the
    model sees no period after the last)."""
    table = plan.tables.get("plan")
    if not plan.status.has_plan or table is None or table.empty or not d.items:
        return []
    closing = table[PLAN_INVENTORY.name].to_numpy(dtype=float).reshape(len(d.items), d.T)[:, -1]
    found = []
    for row, ((p, s), item) in enumerate(d.items.items()):
        opening = item.initial_inventory
        if opening <= 0 or item.ending_inventory > 0 or closing[row] >= RUN_DOWN_SHARE * opening:
            continue
        path = ("products", p, "sites", s, "initial_inventory")
        if path not in locations:
            path = ("products", p, "initial_inventory")
        found.append(DataWarning(
            "run-down", locate(locations, path), f"products.{p}.sites.{s}",
            f"closing stock in {d.labels[-1]} is {closing[row]:,.6g}, {closing[row] / opening:.0%} of the opening "
            f"stock {opening:,.6g}: the plan runs the stock down at the end of the horizon",
            "no ending_inventory is set; set one to keep stock for after the horizon"))
    return found


def shown_limits(ranging: Ranging, top: int = SHOWN_LIMITS) -> list[tuple[str, str, Any]]:
    """The limits a plan shows, as ``(on, component, index)`` entries of ``ranging``:
    the binding limits with the ``top`` largest shadow prices (ties included), priced
    as :func:`shadow_prices` prices them."""
    priced: list[tuple[float, tuple[str, str, Any]]] = []
    for spec in LIMITS:
        for idx, r in ranging.rows.get(spec.component, {}).items():
            priced.append((-r.dual if spec.sense == "max" else r.dual, ("row", spec.component, idx)))
    for bound in BOUND_LIMITS:
        for idx, r in ranging.columns.get(bound.component, {}).items():
            if r.side != bound.side or (bound.side == "lower" and r.value <= 0.0):
                continue
            priced.append((-r.dual if bound.side == "upper" else r.dual, ("column", bound.component, idx)))
    prices = sorted((p for p, _ in priced if p > BINDING_TOLERANCE), reverse=True)
    if not prices:
        return []
    floor = prices[min(top, len(prices)) - 1]
    return [entry for price, entry in priced if price > BINDING_TOLERANCE and price >= floor]
