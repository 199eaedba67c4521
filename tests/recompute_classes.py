"""Independent check of demand classes (docs/classes.md), for tests/recompute.py.

From the documented rules alone (no ``sopopt`` import): which items are classed, each
class's demand and settings by precedence (class over product at site over product),
the item's columns as totals over its classes (allowed when any class allows, no penalty
of its own), each class's balance, and the class penalties.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

INF = math.inf
DEFAULT = "default"


@dataclass
class ClassP:
    product: str
    site: str
    name: str
    demand: list[float]
    backlog: bool
    backlog_cost: list[float]
    backlog_limit: list[float]
    at_end: str
    lost: bool
    lost_cost: list[float]
    initial_backlog: float


def site_classes(value: Any, declared: set[str]) -> dict[str, Any] | None:
    """The class -> series mapping of a site's demand (docs/classes.md), or None."""
    if isinstance(value, dict) and (set(value) & declared or any(not isinstance(v, int | float) for v in value.values())):
        return value
    return None


def apply_classes(case: Any, items: dict[tuple[str, str], Any], expand: Any) -> list[ClassP]:
    """Classes of the classed items; turns those items' parameters into totals."""
    network, labels = case.network, list(case.labels)
    declared, n = set(network.demand_classes), len(labels)
    if not declared and network.allocation == "cost":
        return []
    out: list[ClassP] = []
    for (p, s), it in items.items():
        mapping = site_classes(network.demand.get(p, {}).get(s), declared) or {DEFAULT: None}
        series = {c: expand(v, labels) if v is not None else list(it.demand) for c, v in mapping.items()}
        if it.initial_backlog and DEFAULT not in series:
            series[DEFAULT] = [0.0] * n
        classes = [_class(network.demand_classes.get(c), p, s, c, series[c], it, expand, labels) for c in series]
        flexible = any(k.backlog or k.lost for k in classes)
        wanted = network.allocation != "cost" or set(mapping) != {DEFAULT}
        if not (flexible and wanted and any(sum(v) > 0 for v in series.values())):
            continue
        out.extend(classes)
        if not it.backlog and any(k.backlog for k in classes):
            it.backlog, it.backlog_limit = True, [INF] * n
        if any(k.backlog and k.at_end == "lost_sale_cost" for k in classes):
            it.at_end = "lost_sale_cost"
        it.lost = it.lost or any(k.lost for k in classes)
        it.backlog_cost, it.lost_cost = [0.0] * n, [0.0] * n
    return out


def _class(dc: Any, p: str, s: str, name: str, demand: list[float], it: Any, expand: Any, labels: list[str]) -> ClassP:
    n = len(labels)
    backlog = dc.backlog if dc is not None else None
    lost = dc.lost_sales if dc is not None else None
    lost_cost = list(it.lost_cost)
    if lost is not None:
        lost_cost = expand(lost.cost, labels)
        if it.price is not None:
            lost_cost = [max(c, pr) for c, pr in zip(lost_cost, it.price, strict=True)]
    return ClassP(
        p, s, name, demand,
        backlog=True if backlog is not None else it.backlog,
        backlog_cost=expand(backlog.cost, labels) if backlog is not None else list(it.backlog_cost),
        backlog_limit=expand(backlog.limit, labels, INF) if backlog is not None else [INF] * n,
        at_end=backlog.at_end if backlog is not None else it.at_end,
        lost=True if lost is not None else it.lost,
        lost_cost=lost_cost,
        initial_backlog=it.initial_backlog if name == DEFAULT else 0.0,
    )


def check_classes(c: Any, plan: Any, classes: list[ClassP], tables: dict[str, dict[tuple[Any, ...], float]],
                  delivered_by: dict[tuple[str, str, int], float]) -> tuple[float, float]:
    """Class balances, bounds and the item totals; returns (backlog cost, lost-sale cost)."""
    frames = {name: _values(plan.tables.get(name), list(plan.labels))
              for name in ("class_sales", "class_backlog", "class_lost_sales")}
    sales, backlog, lost = frames["class_sales"], frames["class_backlog"], frames["class_lost_sales"]
    totals: dict[tuple[str, str, str, int], float] = {}
    backlog_cost = lost_cost = 0.0
    T = len(plan.labels)
    for k in classes:
        previous = k.initial_backlog
        for t in range(T):
            key = (k.product, k.site, k.name, t)
            s, b, lam = sales.get(key, 0.0), backlog.get(key, 0.0), lost.get(key, 0.0)
            where = f"class {k.name} of {k.product}@{k.site} period {plan.labels[t]}"
            if not k.backlog and b > c.tol(b):
                c.fail(f"backlog of {where} without backlog allowed")
            if not k.lost and lam > c.tol(lam):
                c.fail(f"lost sales of {where} without lost sales allowed")
            c.equal(f"class balance {where}", b, previous + k.demand[t] - s - lam, previous, k.demand[t])
            c.le(f"class backlog limit {where}", b, k.backlog_limit[t])
            if t == T - 1 and k.at_end == "forbid":
                c.equal(f"class backlog at the end forbidden {where}", b, 0.0)
            previous = b
            for name, value in (("delivered", s), ("backlog", b), ("lost", lam)):
                totals[name, k.product, k.site, t] = totals.get((name, k.product, k.site, t), 0.0) + value
            backlog_cost += k.backlog_cost[t] * b
            lost_cost += k.lost_cost[t] * lam + (k.lost_cost[t] * b if t == T - 1 and k.at_end == "lost_sale_cost"
                                                 and k.backlog else 0.0)
    for (name, p, s, t), value in totals.items():
        item = delivered_by.get((p, s, t), 0.0) if name == "delivered" else tables[name].get((p, s, t), 0.0)
        c.equal(f"item {name} {p}@{s} period {plan.labels[t]} = total over its classes", value, item)
    return backlog_cost, lost_cost


def _values(frame: Any, labels: list[str]) -> dict[tuple[Any, ...], float]:
    if frame is None or frame.empty:
        return {}
    position = {label: t for t, label in enumerate(labels)}
    rows = zip(frame["product"], frame["site"], frame["class"], frame["period"], frame["value"], strict=True)
    return {(p, s, c, position[t]): float(v) for p, s, c, t, v in rows}
