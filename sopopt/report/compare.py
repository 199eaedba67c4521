"""Compare plans: a side-by-side table, where the plans differ, and a cost bridge.

Every function reads :class:`~sopopt.results.plan.Plan` objects only and returns a DataFrame,
so the same numbers feed the command line, the HTML report and the Excel workbook.
The first plan is the *baseline*: deltas are ``plan - baseline`` and relative deltas
``(plan - baseline) / |baseline|`` (a fraction, NaN when the baseline is 0).

Result folders written by ``sopopt solve --out`` are read back by
:func:`sopopt.results.folders.read_plan`, so plans solved once can be compared later.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from sopopt.errors import SopoptError
from sopopt.io.writer import replacing_folder
from sopopt.model.catalogue import COST_CATEGORIES, COST_LABELS, TRANSFORM_COST_CATEGORIES, TRANSFORM_COST_LABELS
from sopopt.results.folders import write_result
from sopopt.results.plan import Plan

#: Section headings of the comparison table, by ``Metric.group``.
GROUP_TITLES = {
    "status": "Status",
    "cost": "Cost",
    "service": "Customer service",
    "operations": "Operations",
    "inventory": "Inventory",
    "utilization": "Peak utilization (busiest period)",
}


Better = Literal["lower", "higher", ""]


@dataclass(frozen=True)
class Metric:
    """One row of the comparison table."""

    key: str
    """Stable key, e.g. ``total_cost``, ``cost:holding``, ``peak_utilization:resource:line``."""
    label: str
    """Plain-language name."""
    unit: str
    """Unit of the value (the currency for money, ``%`` for shares)."""
    better: Better = ""
    """Which direction is an improvement (empty: neither)."""
    group: str = ""
    """Section of the table: status, cost, service, operations, inventory, utilization."""


def _metrics(currency: str, plans: Sequence[Plan]) -> list[Metric]:
    """The rows of the comparison table, in display order."""
    rows = [
        Metric("status", "Solver status", "", "", "status"),
        Metric("total_cost", "Total cost", currency, "lower", "cost"),
        # A single cost category going up or down is neither better nor worse by itself.
        *(Metric(f"cost:{c}", COST_LABELS.get(c, c), currency, "", "cost") for c in COST_CATEGORIES),
        *(Metric(f"cost:{c}", TRANSFORM_COST_LABELS[c], currency, "", "cost") for c in TRANSFORM_COST_CATEGORIES
          if any(c in p.costs.index for p in plans)),
    ]
    if any("revenue" in p.kpis for p in plans):
        rows += [
            Metric("revenue", "Revenue", currency, "higher", "cost"),
            Metric("profit", "Profit (revenue - costs; a lost sale counts once)", currency, "higher", "cost"),
        ]
    rows += [
        Metric("total_demand", "Demand", "units", "", "service"),
        Metric("delivered", "Delivered", "units", "higher", "service"),
        Metric("fill_rate", "Fill rate (demand delivered on time)", "%", "higher", "service"),
        Metric("service_level", "Service level (periods fully served)", "%", "higher", "service"),
        Metric("lost_units", "Lost sales", "units", "lower", "service"),
        Metric("backlog_unit_periods", "Backlog (units late x periods)", "unit-periods", "lower", "service"),
        Metric("production_units", "Produced", "units", "", "operations"),
        Metric("subcontracted_units", "Subcontracted", "units", "", "operations"),
        Metric("overtime_hours", "Overtime", "hours", "lower", "operations"),
        Metric("peak_headcount", "Peak headcount", "workers", "", "operations"),
        Metric("hires", "Hires", "workers", "lower", "operations"),
        Metric("layoffs", "Layoffs", "workers", "lower", "operations"),
        Metric("average_inventory", "Average inventory", "units", "", "inventory"),
        Metric("days_of_cover", "Days of cover", "days", "", "inventory"),
    ]
    seen: dict[tuple[str, str], None] = {}
    for plan in plans:
        util = plan.utilization
        if util is not None and not util.empty:
            for kind, name in util[["kind", "name"]].drop_duplicates().itertuples(index=False):
                seen[str(kind), str(name)] = None
    what = {"resource": "machine", "workforce": "workforce"}
    for kind, name in seen:
        rows.append(
            Metric(f"peak_utilization:{kind}:{name}", f"{name} ({what.get(kind, kind)})", "%", "", "utilization")
        )
    return rows


def kpi_metrics(currency: str, plans: Sequence[Plan]) -> list[Metric]:
    """The comparison rows that are plan KPIs (keyed like ``Plan.kpis``)."""
    return [m for m in _metrics(currency, plans) if ":" not in m.key and m.key != "status"]


#: Column names of the comparison table that a plan name must not take.
_RESERVED = frozenset({"group", "metric", "unit", "better"})


def plan_names(plans: Sequence[Plan]) -> list[str]:
    """Distinct display names: the plan names, made unique with the scenario file name."""
    names = [p.name for p in plans]
    counts = pd.Series(names).value_counts()
    result = []
    for plan, name in zip(plans, names, strict=True):
        if counts[name] > 1 and plan.info.get("scenario"):
            name = f"{name} ({Path(str(plan.info['scenario'])).stem})"
        result.append(name)
    seen: dict[str, int] = {}
    unique = []
    for name in (f"{n} (plan)" if n in _RESERVED else n for n in result):
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name} #{seen[name]}")
    return unique


def _metric_value(plan: Plan, key: str) -> Any:
    if key == "status":
        return plan.status_text
    if not plan.status.has_plan:
        return math.nan
    if key == "total_cost":
        return float(plan.objective) if plan.objective is not None else math.nan
    if key.startswith("cost:"):
        return float(plan.costs.get(key[5:], math.nan))
    if key.startswith("peak_utilization:"):
        _, kind, name = key.split(":", 2)
        util = plan.utilization
        if util is None or util.empty:
            return math.nan
        rows = util[(util["kind"] == kind) & (util["name"] == name)]
        return float(rows["utilization"].max()) if not rows.empty else math.nan
    value = plan.kpis.get(key, math.nan)
    return math.nan if value is None else float(value)


def _currency(plans: Sequence[Plan]) -> str:
    currencies = {p.currency for p in plans}
    if len(currencies) > 1:
        raise SopoptError(f"cannot compare plans in different currencies: {', '.join(sorted(currencies))}")
    return plans[0].currency


def compare_plans(plans: Sequence[Plan]) -> pd.DataFrame:
    """The side-by-side table: one row per metric, one column per plan, and for every
    plan after the first a ``"<name> Δ"`` (absolute) and ``"<name> Δ%"`` (relative, a
    fraction) column against the first.

    The index is the metric key (``status``, ``total_cost``, ``cost:<category>``, KPI
    names, ``peak_utilization:<kind>:<name>``, the highest utilization over the periods);
    the columns ``group``, ``metric``, ``unit`` and ``better`` give its section, plain
    name, unit and which direction is an improvement.
    Values are NaN where a plan has no such metric (or no plan at all).
    """
    if not plans:
        raise ValueError("compare_plans needs at least one plan")
    names = plan_names(plans)
    metrics = _metrics(_currency(plans), plans)
    frame = pd.DataFrame(
        {
            "group": [m.group for m in metrics],
            "metric": [m.label for m in metrics],
            "unit": [m.unit for m in metrics],
            "better": [m.better for m in metrics],
        },
        index=pd.Index([m.key for m in metrics], name="key"),
    )
    values = {name: [_metric_value(plan, m.key) for m in metrics] for plan, name in zip(plans, names, strict=True)}
    base = values[names[0]]
    frame[names[0]] = pd.Series(base, index=frame.index, dtype=object)
    for name in names[1:]:
        frame[name] = pd.Series(values[name], index=frame.index, dtype=object)
        deltas, relative = [], []
        for key, b, v in zip(frame.index, base, values[name], strict=True):
            if key == "status":
                deltas.append(None)
                relative.append(None)
                continue
            d = v - b
            deltas.append(d)
            relative.append(d / abs(b) if b and math.isfinite(b) and not math.isnan(d) else math.nan)
        frame[f"{name} Δ"] = pd.Series(deltas, index=frame.index, dtype=object)
        frame[f"{name} Δ%"] = pd.Series(relative, index=frame.index, dtype=object)
    frame.attrs["plans"] = names
    return frame


def judge(delta: Any, better: str) -> str:
    """``better``, ``worse`` or ``""`` for a delta of a metric."""
    if not better or delta is None or not isinstance(delta, int | float) or not math.isfinite(delta):
        return ""
    if abs(delta) <= 1e-9:
        return ""
    return "better" if (delta < 0) == (better == "lower") else "worse"


# --------------------------------------------------------------------------- differences

#: What :func:`plan_differences` compares, as columns of the ``plan`` table.
DIFF_MEASURES: dict[str, tuple[str, ...]] = {
    "production": ("production",),
    "subcontracted": ("subcontracted",),
    "inventory": ("inventory",),
    "delivered": ("delivered",),
    "shortage": ("backlog", "lost"),
}
_KEY = ["product", "site", "period"]


def _measures(plan: Plan, measures: Iterable[str]) -> pd.DataFrame:
    table = plan.tables["plan"]
    frame = table[_KEY].copy()
    for measure in measures:
        frame[measure] = table[list(DIFF_MEASURES[measure])].sum(axis=1)
    return frame


def plan_differences(
    a: Plan, b: Plan, top: int | None = 20, measures: Sequence[str] = ("production", "inventory", "shortage")
) -> pd.DataFrame:
    """Where plan ``b`` differs most from plan ``a``, per product, site and period.

    ``shortage`` is the demand owed (backlog) or lost at a period's close. Rows are
    sorted by the size of the change, largest first; at most ``top`` rows (all when
    None). Columns: product, site, period, measure, a, b, change (= b - a).
    """
    unknown = [m for m in measures if m not in DIFF_MEASURES]
    if unknown:
        raise ValueError(f"unknown measure(s) {unknown}; choose from {list(DIFF_MEASURES)}")
    columns = [*_KEY, "measure", "a", "b", "change"]
    if not (a.status.has_plan and b.status.has_plan):
        return pd.DataFrame(columns=columns)
    left = _measures(a, measures).melt(id_vars=_KEY, var_name="measure", value_name="a")
    right = _measures(b, measures).melt(id_vars=_KEY, var_name="measure", value_name="b")
    merged = left.merge(right, on=[*_KEY, "measure"], how="outer", sort=False)
    merged[["a", "b"]] = merged[["a", "b"]].fillna(0.0)
    merged["change"] = merged["b"] - merged["a"]
    merged = merged[merged["change"].abs() > 1e-6]
    order = np.argsort(-merged["change"].abs().to_numpy(), kind="stable")
    merged = merged.iloc[order].reset_index(drop=True)
    return (merged if top is None else merged.head(top))[columns]


# --------------------------------------------------------------------------- cost bridge


def cost_bridge(base: Plan, other: Plan, *, tolerance: float = 1e-6) -> pd.DataFrame:
    """The walk from ``base``'s total cost to ``other``'s, one step per cost category.

    Rows: the base total, every category whose cost changed by more than ``tolerance``
    (in :data:`~sopopt.model.catalogue.COST_CATEGORIES` order), the other total.
    Columns: step (plain name), category (empty for totals), kind (``total`` or
    ``change``), amount, start and end (the running total before and after the step).
    The ``change`` amounts add up to ``other total - base total``.
    """
    names = plan_names([base, other])
    if not (base.status.has_plan and other.status.has_plan):
        raise SopoptError("a cost bridge needs two plans with a solution")
    _currency([base, other])
    base_total = float(base.costs.sum())
    other_total = float(other.costs.sum())
    rows: list[dict[str, Any]] = [
        {
            "step": f"{names[0]} total",
            "category": "",
            "kind": "total",
            "amount": base_total,
            "start": 0.0,
            "end": base_total,
        },
    ]
    running = base_total
    categories = list(dict.fromkeys([*COST_CATEGORIES, *base.costs.index, *other.costs.index]))
    for category in categories:
        change = float(other.costs.get(category, 0.0)) - float(base.costs.get(category, 0.0))
        if abs(change) <= tolerance:
            continue
        rows.append(
            {
                "step": COST_LABELS.get(category, category),
                "category": category,
                "kind": "change",
                "amount": change,
                "start": running,
                "end": running + change,
            }
        )
        running += change
    rows.append(
        {
            "step": f"{names[1]} total",
            "category": "",
            "kind": "total",
            "amount": other_total,
            "start": 0.0,
            "end": other_total,
        }
    )
    return pd.DataFrame(rows, columns=["step", "category", "kind", "amount", "start", "end"])


# --------------------------------------------------------------------------- result folders

#: Files of a result folder that are summaries of the plan, not decision tables.
def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "plan"


def write_comparison(plans: Sequence[Plan], out_dir: Path) -> list[Path]:
    """Write ``comparison.csv``, ``cost_bridge.csv``, ``differences.csv`` and every
    plan's own tables (``plans/<name>/``, readable by :func:`sopopt.results.folders.read_plan`); return the
    paths written. Each file is written atomically."""
    names = plan_names(plans)
    base = plans[0]
    bridges, diffs = [], []
    for plan, name in zip(plans[1:], names[1:], strict=True):
        if base.status.has_plan and plan.status.has_plan:
            bridges.append(cost_bridge(base, plan).assign(**{"from": names[0], "to": name}))
            diffs.append(plan_differences(base, plan, top=None, measures=tuple(DIFF_MEASURES)).assign(scenario=name))
    frames = {
        "comparison": compare_plans(plans).reset_index(),
        "cost_bridge": pd.concat(bridges, ignore_index=True)[
            ["from", "to", "step", "category", "kind", "amount", "start", "end"]
        ]
        if bridges
        else pd.DataFrame(columns=["from", "to", "step", "category", "kind", "amount", "start", "end"]),
        "differences": pd.concat(diffs, ignore_index=True)[["scenario", *_KEY, "measure", "a", "b", "change"]]
        if diffs
        else pd.DataFrame(columns=["scenario", *_KEY, "measure", "a", "b", "change"]),
    }
    with replacing_folder(Path(out_dir), kind="compare") as folder:
        for stem, frame in frames.items():
            folder.csv(stem, frame)
        used: set[str] = set()
        plans_folder = folder.folder("plans")
        for plan, name in zip(plans, names, strict=True):
            slug = _slug(name)
            while slug in used:
                slug += "_"
            used.add(slug)
            write_result(plans_folder.folder(slug), plan)
    return folder.written
