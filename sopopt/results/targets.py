"""The plan against its targets: ``targets.csv``, one row per target and period (or range).

Each target (:mod:`sopopt.inputs.schema.targets`) is measured on the plan's tables the
way the KPIs are (docs/kpis.md): revenue = price x delivered, units = delivered, fill
rate = sum of min(demand, delivered) / demand, profit from the P&L. ``gap`` is plan minus
target (negative: short), ``gap_pct`` the gap in percent of the target, ``met`` whether
the plan reaches it. Soft and hard targets also carry their shadow price (the cost of
one more unit of the target) and the range over which it holds.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sopopt.inputs.compile import ModelData
from sopopt.inputs.targets import TargetData
from sopopt.model.targets import TARGET

#: Columns of ``targets.csv``.
TARGET_COLUMNS = ["target", "measure", "period", "enforce", "value", "plan", "gap", "gap_pct", "met",
                  "shadow_price", "range_up", "range_down"]
#: A target is met when the plan is within this (relative) tolerance of it.
MET_TOLERANCE = 1e-6


def period_text(labels: list[str], periods: list[int]) -> str:
    """A period range in the adjustments grammar: ``2027-01``, ``2027-01..2027-03`` or a list."""
    if not periods:
        return ""
    if periods == list(range(periods[0], periods[-1] + 1)):
        first, last = labels[periods[0]], labels[periods[-1]]
        return first if first == last else f"{first}..{last}"
    return ";".join(labels[t] for t in periods)


def _measure(g: TargetData, grids: dict[str, np.ndarray], rows: np.ndarray, covered: list[int],
             profit: np.ndarray) -> float:
    if g.measure == "profit":
        return float(profit[covered].sum())
    delivered = grids["delivered"][np.ix_(rows, covered)]
    if g.measure == "units":
        return float(delivered.sum())
    if g.measure == "revenue":
        return float((delivered * grids["price"][np.ix_(rows, covered)]).sum())
    demand = grids["demand"][np.ix_(rows, covered)]
    total = float(demand.sum())
    return float(np.minimum(demand, delivered).sum()) / total if total else 1.0


def _grids(d: ModelData, plan: pd.DataFrame) -> dict[str, np.ndarray]:
    shape = (len(d.items), d.T)
    price = [item.price if item.price is not None else np.zeros(d.T) for item in d.items.values()]
    return {
        "delivered": plan["delivered"].to_numpy(dtype=float).reshape(shape),
        "demand": plan["demand"].to_numpy(dtype=float).reshape(shape),
        "price": np.array(price, dtype=float).reshape(shape),
    }


def _prices(shadow: pd.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
    if shadow.empty:
        return {}
    rows = shadow[shadow["kind"] == TARGET.kind]
    return {(r["name"], r["period"]): r for r in rows.to_dict("records")}


def target_table(d: ModelData, plan: pd.DataFrame, pnl: pd.DataFrame, shadow: pd.DataFrame) -> pd.DataFrame:
    """Every target against the plan (see the module docstring)."""
    grids = _grids(d, plan) if d.items else {}
    profit = pnl["profit"].to_numpy(dtype=float) if "profit" in pnl else np.zeros(d.T)
    pos = {k: i for i, k in enumerate(d.items)}
    prices = _prices(shadow)
    records = []
    for g in d.targets:
        rows = np.array([pos[k] for k in g.items], dtype=np.int64)
        for t in g.row_periods:
            covered = g.covered(t)
            value = 100.0 * g.value if g.measure == "fill_rate" else g.value
            achieved = _measure(g, grids, rows, covered, profit)
            achieved = 100.0 * achieved if g.measure == "fill_rate" else achieved
            gap = achieved - value
            price = prices.get((g.name, d.labels[t]), {})
            records.append({
                TARGET.component: g.name, "measure": g.measure, "period": period_text(d.labels, covered),
                "enforce": g.enforce, "value": value, "plan": achieved, "gap": gap,
                "gap_pct": 100.0 * gap / abs(value) if value else math.nan,
                "met": bool(gap >= -MET_TOLERANCE * max(1.0, abs(value))),
                "shadow_price": price.get("shadow_price", math.nan),
                "range_up": price.get("range_up", math.nan), "range_down": price.get("range_down", math.nan),
            })
    return pd.DataFrame(records, columns=TARGET_COLUMNS)
