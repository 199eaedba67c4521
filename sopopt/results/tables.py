"""The plan's derived tables and KPIs, computed from its decision tables and the data:
the plan table (one row per product, site and period with every flow of the inventory
balance), service, utilization, load, the P&L projection and the KPIs.

KPIs are defined in docs/kpis.md:

- fill rate = sum over periods of min(demand, delivered) / total demand (deliveries
  count first against the period's own demand);
- service level (per product) = share of periods with demand in which the period's
  demand was delivered in full;
- utilization = hours used / regular hours available (resources), labour hours used /
  (hours per worker x headcount) (workforce pools); above 1 means overtime;
- days of cover = closing stock / average daily demand of the product over the horizon.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from sopopt.inputs.compile import ModelData
from sopopt.model.bills import PLAN_DEPENDENT, dependent_demand
from sopopt.model.catalogue import COST_CATEGORIES
from sopopt.model.demand import BACKLOG, LOST, PLAN_BACKLOG, PLAN_DELIVERED, PLAN_DEMAND, PLAN_LOST, SALES
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
from sopopt.model.resources import RESOURCE_OVERTIME
from sopopt.model.routings import ROUTING, routing_load
from sopopt.model.shelf_life import PLAN_SCRAP, SCRAP
from sopopt.model.transport import PLAN_ARRIVALS, PLAN_DEPARTURES, SHIPMENT
from sopopt.model.workforce import HEADCOUNT, HIRES, LABOUR_OVERTIME, LAYOFFS
from sopopt.solver.solution import Solution

#: Columns of the plan table that are inputs, not decisions.
PLAN_INPUTS = ("product", "site", "period", "family", "demand", "scheduled_receipts", "safety_stock", "max_inventory")


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


def plan_table(d: ModelData, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
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


def service_table(d: ModelData, plan: pd.DataFrame) -> pd.DataFrame:
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


def utilization_table(d: ModelData, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
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


def _inventory_value(d: ModelData, inventory: np.ndarray) -> float:
    """Average over periods of the closing stock valued at its production cost."""
    if not d.items or not d.T:
        return 0.0
    cost = np.array([item.production_cost for item in d.items.values()], dtype=float).reshape(inventory.shape)
    return float((inventory * cost).sum() / d.T)


def load_table(d: ModelData, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Hours each product family (and routing, if any) puts on each resource and workforce
    pool, per period."""
    production = tables[PRODUCTION.table]
    columns = ["kind", "name", "site", "period", "family", "routing", "hours"]
    if production.empty:
        return pd.DataFrame(columns=columns)
    frames = []
    rates = pd.DataFrame(
        [(rank, kind, name, pool.site, product, float(rate))
         for rank, (kind, name, pool) in enumerate(
             [("resource", n, r) for n, r in d.resources.items()] + [("workforce", n, w) for n, w in d.workforce.items()])
         for product, rate in pool.usage.items()],
        columns=["pool", "kind", "name", "site", "product", "rate"],
    )
    # One merge instead of a filter per pool; rows pool by pool, each pool's (period,
    # family) groups in the order production lists them, as a loop over pools gives.
    made = production[["product", "site", "period", "value"]].merge(rates, on=["product", "site"], sort=False)
    if not made.empty:
        made = made.assign(hours=made["value"].to_numpy(dtype=float) * made["rate"].to_numpy(dtype=float),
                           family=made["product"].map(d.family), routing="")
        made = made.sort_values("pool", kind="stable")
        frames.append(made.groupby(["pool", "kind", "name", "site", "period", "family", "routing"], sort=False,
                                   as_index=False)["hours"].sum().drop(columns="pool"))
    routed = pd.DataFrame(routing_load(d, tables[ROUTING.table]), columns=columns)
    if not routed.empty:
        frames.append(routed.groupby(["kind", "name", "site", "period", "family", "routing"], sort=False,
                                     as_index=False)["hours"].sum())
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def pnl_table(d: ModelData, plan: pd.DataFrame, solution: Solution) -> pd.DataFrame:
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
    shape = (len(d.items), T)
    unearned = _unearned(d, plan[PLAN_LOST.name].to_numpy(dtype=float).reshape(shape),
                         plan[PLAN_BACKLOG.name].to_numpy(dtype=float).reshape(shape))
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


def _unearned(d: ModelData, lost: np.ndarray, backlog: np.ndarray) -> np.ndarray:
    """Per period, the price part of the lost-sale charge: the revenue of units lost (and,
    with ``at_end: lost_sale_cost``, of the backlog still open at the end), which the cost
    already charges at (at least) the price. Profit adds it back so that a lost sale
    counts once: as revenue not earned, plus only the goodwill penalty above the price."""
    T = d.T
    unearned = np.zeros(T)
    if not d.items:
        return unearned
    for row, item in enumerate(d.items.values()):
        if item.price is None or not item.lost_sales:
            continue
        unearned += lost[row] * item.price
        if item.backlog and item.backlog_at_end == "lost_sale_cost":
            unearned[T - 1] += backlog[row, T - 1] * item.price[T - 1]
    return unearned


#: The plan table's decisions by product, site and period (their grids: :func:`plan_grids`).
ITEM_DECISIONS = (PRODUCTION, SUBCONTRACT, SALES, BACKLOG, LOST, SCRAP, INVENTORY, SAFETY_SHORTFALL)


def plan_grids(d: ModelData, values: Mapping[str, Mapping[Any, float]]) -> dict[str, np.ndarray]:
    """The (item, period) arrays of the item decisions (by table name), ``demand`` and
    ``delivered``, read straight from a solution's values: what the KPIs are computed
    from, with no table built (a sweep's case row)."""
    rows = {key: i for i, key in enumerate(d.items)}
    shape = (len(rows), d.T)
    grids = {}
    for spec in ITEM_DECISIONS:
        grid = np.zeros(shape)
        for (p, s, t), value in values.get(spec.component, {}).items():
            grid[rows[p, s], t] += value
        grids[spec.table] = grid
    demand = np.array([item.demand for item in d.items.values()], dtype=float).reshape(shape)
    has_backlog = np.array([item.backlog for item in d.items.values()], dtype=bool)
    grids["demand"] = demand
    grids["delivered"] = np.where(has_backlog[:, None], grids[SALES.table], demand - grids[LOST.table])
    return grids


def _total(values: Mapping[str, Mapping[Any, float]], *components: str) -> float:
    return float(sum(sum(values.get(c, {}).values()) for c in components))


def _peak_headcount(values: Mapping[str, Mapping[Any, float]]) -> float:
    by_period: dict[int, float] = defaultdict(float)
    for (_, t), value in values.get(HEADCOUNT.component, {}).items():
        by_period[t] += value
    return float(max(by_period.values())) if by_period else 0.0


def _service_level(d: ModelData, demand: np.ndarray, delivered: np.ndarray) -> float:
    """Mean over products with demand of the share of their (site, period) cells with
    demand that were delivered in full (see :func:`service_table`)."""
    met = np.minimum(demand, delivered) >= demand - 1e-6
    shares = []
    for rows in _rows_by_product(d).values():
        asked = demand[rows] > 0
        if asked.any():
            shares.append(float(met[rows][asked].mean()))
    return float(np.mean(shares)) if shares else 1.0


def _rows_by_product(d: ModelData) -> dict[str, list[int]]:
    found: dict[str, list[int]] = defaultdict(list)
    for i, (p, _) in enumerate(d.items):
        found[p].append(i)
    return found


def plan_kpis(d: ModelData, values: Mapping[str, Mapping[Any, float]], costs: pd.Series) -> dict[str, float]:
    """The KPIs of a plan (docs/kpis.md) from its solution's values: the one definition
    for whole plans and sweep rows."""
    g = plan_grids(d, values)
    demand, delivered, inventory = g["demand"], g["delivered"], g[INVENTORY.table]
    total_demand = float(demand.sum())
    on_time = float(np.minimum(demand, delivered).sum())
    days = float(d.days.sum())
    avg_daily_demand = total_demand / days if days else 0.0
    avg_inventory = float(inventory.sum(axis=0).mean()) if inventory.size else 0.0
    kpis = {
        "total_demand": total_demand,
        "delivered": float(delivered.sum()),
        "fill_rate": on_time / total_demand if total_demand else 1.0,
        "service_level": _service_level(d, demand, delivered),
        "lost_units": float(g[LOST.table].sum()),
        "backlog_unit_periods": float(g[BACKLOG.table].sum()),
        "production_units": float(g[PRODUCTION.table].sum()),
        "subcontracted_units": float(g[SUBCONTRACT.table].sum()),
        "shipped_units": _total(values, SHIPMENT.component),
        "average_inventory": avg_inventory,
        "days_of_cover": avg_inventory / avg_daily_demand if avg_daily_demand else float("nan"),
        "overtime_hours": _total(values, LABOUR_OVERTIME.component, RESOURCE_OVERTIME.component),
        "peak_headcount": _peak_headcount(values),
        "hires": _total(values, HIRES.component),
        "layoffs": _total(values, LAYOFFS.component),
        "inventory_value": _inventory_value(d, inventory),
    }
    if any(item.price is not None for item in d.items.values()):
        prices = np.array([item.price if item.price is not None else np.zeros(d.T) for item in d.items.values()],
                          dtype=float).reshape(delivered.shape)
        revenue = float((delivered * prices).sum())
        kpis["revenue"] = revenue
        kpis["profit"] = revenue - float(costs.sum()) + float(_unearned(d, g[LOST.table], g[BACKLOG.table]).sum())
    return kpis
