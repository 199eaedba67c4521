"""The :class:`Plan`: one immutable result of tidy DataFrames, free of solver objects.

Tables are long format, one row per index of a decision, with the columns named in the
component catalogue and a ``value`` column. :func:`extract_plan` turns a solution into a
plan: the decision tables here, the plan table, service, utilization, load, P&L and
KPIs in :mod:`sopopt.results.tables` (KPIs defined there and in docs/kpis.md), the
shadow prices and their ranges in :mod:`sopopt.results.limits`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sopopt.errors import DataWarning
from sopopt.inputs.compile import ModelData
from sopopt.io.reader import Locations, locate
from sopopt.model.catalogue import COST_CATEGORIES, TRANSFORM_COST_CATEGORIES, VARIABLES
from sopopt.model.inventory import (
    PLAN_INVENTORY,
    SAFETY_SHORTFALL,
)
from sopopt.results.allocation import class_tables
from sopopt.results.bottlenecks import COLUMNS as BOTTLENECK_COLUMNS
from sopopt.results.bottlenecks import bottleneck_table
from sopopt.results.limits import SHADOW_COLUMNS, SHOWN_LIMITS, empty_shadow, limit_records
from sopopt.results.options import decision_tables
from sopopt.results.safety_stock import safety_stock_table
from sopopt.results.tables import (
    PLAN_INPUTS,
    load_table,
    plan_kpis,
    plan_table,
    pnl_table,
    service_table,
    utilization_table,
)
from sopopt.results.targets import gap_bridge, target_table
from sopopt.solver.solution import Solution
from sopopt.solver.status import OPTIMAL_STATUSES, SolveStatus

#: The table of safety stock targets and how each was set (results/safety_stock.py).
SAFETY_STOCK_TABLE = "safety_stock"
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
    """Why there is no plan (an :class:`~sopopt.analysis.infeasible.Explanation`), for an
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
    """Turn a solution into a :class:`Plan`, reading only the component catalogue.

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
    tables["plan"] = plan_table(data, tables)
    del tables[SAFETY_SHORTFALL.table]  # shown, with its target and how it was set, in:
    tables[SAFETY_STOCK_TABLE] = safety_stock_table(data, tables["plan"])
    if not has_plan:
        # No plan: show the inputs (demand, receipts, targets) but no invented decisions.
        decisions = [c for c in tables["plan"].columns if c not in PLAN_INPUTS]
        tables["plan"][decisions] = float("nan")
    whole = has_plan and not (summary_only and not data.targets)
    records = limit_records(data, solution) if whole else []
    shadow = pd.DataFrame(records, columns=SHADOW_COLUMNS) if records else empty_shadow()
    tables["bottlenecks"] = bottleneck_table(data, records, solution.values)
    service = service_table(data, tables["plan"]) if has_plan else pd.DataFrame()
    utilization = utilization_table(data, tables) if whole else pd.DataFrame()
    if whole:
        tables.update(_whole_tables(data, tables, solution, shadow))
    kpis = _kpis(data, solution, costs)
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


def extract_row(
    data: ModelData, solution: Solution, name: str, currency: str = "USD", info: Mapping[str, Any] | None = None,
) -> Plan:
    """The plan of a sweep's case row: status, objective, costs and KPIs (the same as
    :func:`extract_plan` gives), computed from the solution's values with no table built:
    what :func:`~sopopt.results.store.plan_row` reads, nothing more."""
    costs = _costs(solution)
    return Plan(
        name=name,
        status=solution.status,
        objective=solution.objective,
        costs=costs,
        kpis=_kpis(data, solution, costs),
        tables={},
        shadow_prices=empty_shadow(),
        service=pd.DataFrame(),
        utilization=pd.DataFrame(),
        info=Info(solution.info, {"horizon_days": float(data.days.sum())}, info or {}),
        labels=list(data.labels),
        currency=currency,
    )


def _kpis(data: ModelData, solution: Solution, costs: pd.Series) -> dict[str, float]:
    """The plan's KPIs and its total cost (none without a plan)."""
    if not solution.status.has_plan:
        return {}
    kpis = plan_kpis(data, solution.values, costs)
    if solution.objective is not None:
        kpis["total_cost"] = float(solution.objective)
    return kpis


def _costs(solution: Solution) -> pd.Series:
    """Cost by category (NaN without a plan), with the transforms' categories it has."""
    categories = [*COST_CATEGORIES, *(c for c in TRANSFORM_COST_CATEGORIES if c in solution.costs)]
    if solution.status.has_plan:
        costs = pd.Series({c: float(solution.costs.get(c, 0.0)) for c in categories}, name="cost")
    else:
        costs = pd.Series({c: float("nan") for c in categories}, name="cost")
    costs.index.name = "category"
    return costs


def _whole_tables(data: ModelData, tables: dict[str, pd.DataFrame], solution: Solution,
                  shadow: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The tables a whole plan has beyond its decisions: load, the options' and contracts'
    tables, P&L, targets and their gap (with targets) and the demand classes' tables
    (with classes)."""
    found = {"load": load_table(data, tables)}
    found.update(decision_tables(data, tables, shadow))
    found["pnl"] = pnl_table(data, tables["plan"], solution)
    if data.targets:
        found["targets"] = target_table(data, tables["plan"], found["pnl"], shadow)
        found["target_gap"] = gap_bridge(data, tables["plan"], found["targets"])
    found.update(class_tables(data, tables["plan"], solution.values, solution.duals))
    return found


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


