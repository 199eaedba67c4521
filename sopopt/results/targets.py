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
from sopopt.model.demand import PLAN_LOST
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


#: Columns of ``target_gap.csv``.
#: The column of the top limit behind each part (filled by :mod:`sopopt.analysis.gap_limits`
#: after a solve; blank where no binding limit moves the part, or when read without a solve).
GAP_LIMIT = "limit"
GAP_COLUMNS = ["target", "period", "product", "family", "part", "units", "amount", "of_gap", GAP_LIMIT]


def gap_bridge(d: ModelData, plan: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """The gap bridge of every revenue or units target the plan misses: for each product
    in scope, the units of the covered periods' demand that were lost and those carried
    as backlog (demand - delivered - lost, when positive), valued at the price (revenue)
    or counted (units), largest first (``amount``: revenue or units not delivered); and
    ``beyond demand``: what is still missing with every unit of demand delivered.
    ``of_gap`` is each part's share of the gap: the parts' amounts scaled to add up to
    the gap (the target may ask for less than all demand)."""
    missed = targets[(~targets["met"].astype(bool)) & targets["measure"].isin(["revenue", "units"])]
    if missed.empty or not d.items:
        return pd.DataFrame(columns=GAP_COLUMNS)
    grids = _grids(d, plan)
    lost = plan[PLAN_LOST.name].to_numpy(dtype=float).reshape(len(d.items), d.T)
    pos = {k: i for i, k in enumerate(d.items)}
    by_name = {g.name: g for g in d.targets}
    records = []
    for row in missed.itertuples():
        g = by_name[row.target]
        t = next(t for t in g.row_periods if period_text(d.labels, g.covered(t)) == row.period)
        covered = g.covered(t)
        for p in dict.fromkeys(p for p, _s in g.items):
            rows = [pos[k] for k in g.items if k[0] == p]
            weight = grids["price"][np.ix_(rows, covered)] if g.measure == "revenue" else 1.0
            parts = {
                "lost": lost[np.ix_(rows, covered)],
                "backlogged": np.maximum(0.0, grids["demand"][np.ix_(rows, covered)]
                                         - grids["delivered"][np.ix_(rows, covered)] - lost[np.ix_(rows, covered)]),
            }
            for part, units in parts.items():
                if units.sum() > 1e-9:
                    records.append({TARGET.component: g.name, "period": row.period, "product": p, "family": d.family[p],
                                    "part": part, "units": float(units.sum()), "amount": float((units * weight).sum())})
        mine = [r for r in records if r[TARGET.component] == g.name and r["period"] == row.period]
        explained = sum(r["amount"] for r in mine)
        for r in mine:
            r["of_gap"] = -float(row.gap) * r["amount"] / explained if explained > -row.gap else r["amount"]
        if -row.gap - explained > 1e-9 * max(1.0, abs(row.value)):
            # Even with all demand delivered the target is missed by this much.
            rest = float(-row.gap - explained)
            records.append({TARGET.component: g.name, "period": row.period, "product": "", "family": "",
                            "part": "beyond demand", "units": math.nan, "amount": rest, "of_gap": rest})
    frame = pd.DataFrame([{GAP_LIMIT: "", **r} for r in records], columns=GAP_COLUMNS)
    return frame.sort_values(["target", "period", "amount"], ascending=[True, True, False], kind="stable",
                             ignore_index=True)


def _unit_words(measure: str, currency: str) -> tuple[str, str]:
    return {"revenue": (f"{currency} of revenue", currency), "profit": (f"{currency} of profit", currency),
            "units": ("unit delivered", "units"), "fill_rate": ("percentage point of fill rate", "points")}[measure]


def target_sentences(targets: pd.DataFrame, currency: str = "USD") -> list[str]:
    """Each target in words: the gap, and for soft and hard targets the price of one more
    unit of the target and how far it holds ("One more USD of revenue target
    revenue_budget in 2027-07 costs 0.10 USD of profit, for up to +100.00 USD")."""
    out = []
    for r in targets.to_dict("records"):
        one, many = _unit_words(str(r["measure"]), currency)
        where = f"{r[TARGET.component]} in {r['period']}"
        status = "met" if r["met"] else f"short by {-r['gap']:,.2f} {many} ({r['gap_pct']:+.1f}%)"
        pct = "%" if r["measure"] == "fill_rate" else ""
        out.append(f"Target {where}: {r['measure'].replace('_', ' ')} {r['plan']:,.2f}{pct} against "
                   f"{r['value']:,.2f}{pct}, {status}.")
        price = r.get("shadow_price")
        if price is None or math.isnan(price) or price <= 1e-9:
            continue
        up = r.get("range_up")
        reach = "without end" if up is None or math.isinf(up) else f"for up to {up:+,.2f} {many}"
        if math.isnan(up if up is not None else math.nan):
            reach = "range unknown"
        out.append(f"One more {one} target {where} costs {price:,.2f} {currency} of profit, {reach}.")
    return out
