"""Who was served and who was shorted: demand, deliveries and fill by demand class.

``allocation`` (``allocation.csv``) has one row per product, site, class and period:
demand, delivered, on_time (= min(demand, delivered): deliveries count first against the
period's own demand), backlog (owed at close), lost, fill (on_time / demand; empty
without demand) and ``unit_value``: what one more unit of the class's demand costs the
plan in the cost stage (the dual of the class's balance), i.e. what serving one more
unit is worth: its lost-sale or backlog penalty when the class is shorted at the
margin, else the cost of supplying one more unit. Items whose classes the LP does not
tell apart (see :mod:`sopopt.inputs.classes`) are served in full or as the item is.

``class_service`` (``class_service.csv``) is the same per class: demand, on time, fill
rate, lost units, backlog unit-periods and the units short (demand not delivered on time).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sopopt.inputs.compile import ModelData
from sopopt.model.classes import BALANCE, CLASS_BACKLOG, CLASS_LOST, CLASS_SALES
from sopopt.model.demand import BACKLOG_BALANCE, PLAN_BACKLOG, PLAN_DELIVERED, PLAN_DEMAND, PLAN_LOST
from sopopt.model.inventory import INVENTORY_BALANCE

COLUMNS = ("product", "site", "class", "priority", "period", "demand", "delivered", "on_time", "backlog", "lost",
           "fill", "unit_value")


def class_tables(d: ModelData, plan: pd.DataFrame, values: dict[str, dict[Any, float]],
                 duals: dict[str, dict[Any, float]]) -> dict[str, pd.DataFrame]:
    """``allocation`` and ``class_service`` of a solved plan; none when the case has no classes."""
    if d.classes is None:
        return {}
    allocation = allocation_table(d, plan, values, duals)
    return {"allocation": allocation, "class_service": class_service(allocation)}


def allocation_table(d: ModelData, plan: pd.DataFrame, values: dict[str, dict[Any, float]],
                     duals: dict[str, dict[Any, float]]) -> pd.DataFrame:
    """The allocation table of a solved plan (empty when the case has no classes)."""
    cd = d.classes
    if cd is None:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in COLUMNS})
    T, labels = d.T, np.asarray(d.labels, dtype=object)
    parts: list[pd.DataFrame] = []
    sales, backlog = values.get(CLASS_SALES.component, {}), values.get(CLASS_BACKLOG.component, {})
    lost = values.get(CLASS_LOST.component, {})
    for (p, s, c), cls in cd.demands.items():
        parts.append(_frame(p, s, c, cls.priority, labels, cls.demand,
                            *(np.array([source.get((p, s, c, t), 0.0) for t in range(T)]) for source in
                              (sales, backlog, lost)),
                            _unit_value(d, duals, p, s, c)))
    by_item = plan.set_index(["product", "site"]) if not plan.empty else plan
    for (p, s, c), demand in cd.unclassed.items():
        rows = by_item.loc[(p, s)]
        total = rows[PLAN_DEMAND.name].to_numpy()
        share = np.divide(demand, total, out=np.zeros(T), where=total > 0)
        parts.append(_frame(p, s, c, cd.priority[c], labels, demand, share * rows[PLAN_DELIVERED.name].to_numpy(),
                            share * rows[PLAN_BACKLOG.name].to_numpy(), share * rows[PLAN_LOST.name].to_numpy(),
                            np.full(T, np.nan)))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in COLUMNS})
    return pd.concat(parts, ignore_index=True)


def _unit_value(d: ModelData, duals: dict[str, dict[Any, float]], p: str, s: str, c: str) -> np.ndarray:
    """What one more unit of class demand costs: the sum of the duals of every row whose
    right-hand side holds it (the class's balance, and the item's backlog balance or,
    without backlog, its inventory balance, where demand is a constant)."""
    own, T = duals.get(BALANCE, {}), d.T
    if not own:
        return np.full(T, np.nan)
    item_row, sign = (BACKLOG_BALANCE, 1.0) if d.items[p, s].backlog else (INVENTORY_BALANCE, -1.0)
    item = duals.get(item_row, {})
    return np.array([own.get((p, s, c, t), 0.0) + sign * item.get((p, s, t), 0.0) for t in range(T)]) + 0.0


def _frame(p: str, s: str, c: str, priority: int, labels: np.ndarray, demand: np.ndarray, delivered: np.ndarray,
           backlog: np.ndarray, lost: np.ndarray, unit_value: np.ndarray) -> pd.DataFrame:
    on_time = np.minimum(demand, delivered)
    n = len(labels)
    return pd.DataFrame({
        "product": [p] * n, "site": [s] * n, "class": [c] * n, "priority": [priority] * n, "period": labels,
        "demand": demand, "delivered": delivered, "on_time": on_time, "backlog": backlog, "lost": lost,
        "fill": np.divide(on_time, demand, out=np.full(n, np.nan), where=demand > 0),
        "unit_value": unit_value,
    })


def class_service(allocation: pd.DataFrame) -> pd.DataFrame:
    """Service per class: demand, on time, fill rate, lost, backlog unit-periods, short."""
    if allocation.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in
                             ("class", "priority", "demand", "on_time", "fill_rate", "lost", "backlog_unit_periods",
                              "short")})
    grouped = allocation.groupby(["class", "priority"], sort=False)
    out = pd.DataFrame({
        "demand": grouped["demand"].sum(),
        "on_time": grouped["on_time"].sum(),
        "lost": grouped[PLAN_LOST.name].sum(),
        "backlog_unit_periods": grouped[PLAN_BACKLOG.name].sum(),
    }).reset_index()
    out["fill_rate"] = np.divide(out["on_time"], out["demand"], out=np.ones(len(out)), where=out["demand"] > 0)
    out["short"] = out["demand"] - out["on_time"]
    out = out.sort_values(["priority", "class"], kind="stable").reset_index(drop=True)
    return out[["class", "priority", "demand", "on_time", "fill_rate", "lost", "backlog_unit_periods", "short"]]


def shorted(allocation: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """Who is shorted: the (product, site, class) with the most units short on time,
    with their fill and the periods short, most short first."""
    if allocation.empty:
        return allocation
    frame = allocation.assign(short=allocation["demand"] - allocation["on_time"])
    frame = frame[frame["short"] > 1e-6]
    if frame.empty:
        return frame[["product", "site", "class", "priority", "short"]]
    grouped = frame.groupby(["product", "site", "class", "priority"], sort=False)
    demand = allocation.groupby(["product", "site", "class", "priority"], sort=False)
    out = pd.DataFrame({"short": grouped["short"].sum(), "periods_short": grouped["period"].count(),
                        "lost": grouped[PLAN_LOST.name].sum()}).join(
        (demand["on_time"].sum() / demand["demand"].sum()).rename("fill"), how="left").reset_index()
    return out.sort_values(["short", "priority"], ascending=[False, True], kind="stable").head(top).reset_index(
        drop=True)
