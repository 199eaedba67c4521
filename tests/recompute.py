"""Independent check of a solved plan: balances, limits and costs recomputed by hand.

:func:`check_plan` reads only the plan's output tables and the validated case
(``case.network`` for every parameter, ``case.labels`` for the horizon). It expands
series and resolves product-to-site defaults itself, from the file format's documented
rules, and writes every balance, limit and cost from the maths in the family docstrings
(``sopopt/model/*.py``). It imports nothing from ``sopopt.model``: a mistake in the
parameter compilation, the model build or the results extraction shows up here as a
difference.

What is checked (every failure is collected, then one ``AssertionError`` lists them):

- the status has a plan, and every decision table holds finite, non-negative values,
  only where the decision exists (e.g. no order that would arrive after the horizon);
- inventory balance of every product at every site and period, and the ``plan`` table
  row by row against the decision tables;
- backlog balance (with initial backlog and ``at_end``), lost-sale bounds;
- production, subcontract, inventory, ending-inventory bounds; safety-stock shortfall;
- storage, resource, labour, handling and overtime rows; headcount balance and bounds;
- material balance with supplier lead times, supplier and lane capacities;
- shadow-price rows: slack recomputed, non-negative prices, complementary slackness;
- every cost category recomputed and compared with ``plan.costs`` (and their sum with
  ``plan.objective``) to ``rel``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from recompute_classes import apply_classes, check_classes, site_classes

INF = math.inf
#: Absolute feasibility tolerance per unit of row magnitude (HiGHS works to 1e-7).
FEASIBILITY = 1e-6

COST_CATEGORIES = (
    "production", "materials", "subcontracting", "transport", "regular_labour", "overtime", "hiring",
    "layoffs", "holding", "storage", "backlog", "lost_sales", "safety_stock", "setups", "target_shortfall",
    "scrap",
    "options",
)
#: Categories a plan has only when its LP was transformed to charge them.
OPTIONAL_CATEGORIES = ("smoothing", "plan_changes")
#: How far from a whole number an integer decision may be (HiGHS's MIP feasibility).
INTEGRALITY = 1e-6


# --------------------------------------------------------------------------- parameters


def expand(value: Any, labels: list[str], default: float = 0.0) -> list[float]:
    """One float per period from a series: a number, a list, or a mapping by label/range."""
    n = len(labels)
    if value is None:
        return [default] * n
    if isinstance(value, int | float):
        return [float(value)] * n
    if isinstance(value, dict):
        position = {label: i for i, label in enumerate(labels)}
        out = [float(value["default"]) if "default" in value else math.nan] * n
        for key, number in value.items():
            if key == "default":
                continue
            if ".." in key:
                first, last = (part.strip() for part in key.split("..", 1))
                chosen = range(position[first], position[last] + 1)
            else:
                chosen = range(position[key], position[key] + 1)
            for i in chosen:
                out[i] = float(number)
        if any(math.isnan(x) for x in out):
            raise ValueError(f"series {value!r} leaves periods without a value")
        return out
    values = [float(v) for v in value]
    if len(values) != n:
        raise ValueError(f"series {value!r} does not have {n} values")
    return values


@dataclass
class ItemP:
    """A product at a site, with defaults resolved (site value, else product value)."""

    make: bool
    demand: list[float]
    production_cost: list[float]
    holding_cost: list[float]
    min_inventory: list[float]
    max_inventory: list[float]
    min_production: list[float]
    max_production: list[float]
    safety_stock: list[float]
    safety_stock_cost: list[float]
    receipts: list[float]
    initial_inventory: float
    initial_backlog: float
    ending_inventory: float
    backlog: bool
    backlog_cost: list[float]
    backlog_limit: list[float]
    at_end: str
    lost: bool
    lost_cost: list[float]
    subcontract: bool
    subcontract_cost: list[float]
    subcontract_capacity: list[float]
    lot_min: float = 0.0
    setup_cost: float = 0.0
    smoothing_cost: float = 0.0
    safety_stock_hard: bool = False
    price: list[float] | None = None


@dataclass
class Params:
    """Every parameter of the case, expanded per period."""

    labels: list[str]
    items: dict[tuple[str, str], ItemP] = field(default_factory=dict)
    volume: dict[str, float] = field(default_factory=dict)
    bom: dict[str, dict[str, float]] = field(default_factory=dict)
    lane_products: dict[str, list[str]] = field(default_factory=dict)
    material_pairs: set[tuple[str, str]] = field(default_factory=set)


def _item(network: Any, p: str, s: str, labels: list[str], price: list[float] | None) -> ItemP:
    product = network.products[p]
    at = product.sites[s]

    def pick(name: str) -> Any:
        value = getattr(at, name)
        return value if value is not None else getattr(product, name)

    def series(name: str, default: float = 0.0) -> list[float]:
        return expand(pick(name), labels, default)

    n = len(labels)
    backlog, lost, sub = pick("backlog"), pick("lost_sales"), pick("subcontract")
    production_cost = series("production_cost")
    lost_cost = expand(lost.cost, labels) if lost else [0.0] * n
    if lost and price is not None:
        # "With a price, the charge is at least the price."
        lost_cost = [max(c, pr) for c, pr in zip(lost_cost, price, strict=True)]
    return ItemP(
        make=at.make,
        demand=_site_demand(network, p, s, labels),
        production_cost=production_cost,
        holding_cost=series("holding_cost"),
        min_inventory=series("min_inventory"),
        max_inventory=series("max_inventory", INF),
        min_production=series("min_production"),
        max_production=series("max_production", INF),
        # A policy's targets are checked by hand in tests/test_safety_stock.py; here the
        # plan's own safety_stock table gives them (see parameters()).
        safety_stock=[0.0] * n if _is_policy(pick("safety_stock")) else series("safety_stock"),
        safety_stock_hard=bool(getattr(pick("safety_stock"), "hard", False)),
        safety_stock_cost=series("safety_stock_cost"),
        receipts=series("scheduled_receipts"),
        initial_inventory=float(pick("initial_inventory") or 0.0),
        initial_backlog=float(pick("initial_backlog") or 0.0),
        ending_inventory=float(pick("ending_inventory") or 0.0),
        backlog=backlog is not None,
        backlog_cost=expand(backlog.cost, labels) if backlog else [0.0] * n,
        backlog_limit=expand(backlog.limit, labels, INF) if backlog else [0.0] * n,
        at_end=backlog.at_end if backlog else "forbid",
        lost=lost is not None,
        lost_cost=lost_cost,
        subcontract=sub is not None,
        subcontract_cost=expand(sub.cost, labels) if sub else [0.0] * n,
        subcontract_capacity=expand(sub.capacity, labels, INF) if sub else [0.0] * n,
        lot_min=float(at.lot.min) if at.make and at.lot is not None else 0.0,
        setup_cost=float(at.lot.setup_cost) if at.make and at.lot is not None else 0.0,
        smoothing_cost=float(at.smoothing_cost) if at.make else 0.0,
        price=price,
    )


def _is_policy(value: Any) -> bool:
    return hasattr(value, "method")


def _site_demand(network: Any, p: str, s: str, labels: list[str]) -> list[float]:
    """A site's demand: its series, or the sum of its classes' (docs/classes.md)."""
    value = network.demand.get(p, {}).get(s)
    mapping = site_classes(value, set(network.demand_classes))
    if mapping is None:
        return expand(value, labels)
    return [sum(values) for values in zip(*(expand(v, labels) for v in mapping.values()), strict=True)]


def parameters(case: Any) -> Params:
    """The case's parameters, resolved from ``case.network`` by the file-format rules."""
    network, labels = case.network, list(case.labels)
    par = Params(labels=labels)
    for p, product in network.products.items():
        price = expand(product.price, labels) if product.price is not None else None
        par.volume[p] = float(product.volume)
        if product.materials:
            par.bom[p] = dict(product.materials)
        for s in product.sites:
            par.items[p, s] = _item(network, p, s, labels, price)
            if (p, s) in case.data.safety_targets:
                par.items[p, s].safety_stock = [float(v) for v in case.data.safety_targets[p, s].target]
    for name, lane in network.lanes.items():
        if lane.products is not None:
            par.lane_products[name] = list(lane.products)
        else:  # "Absent: every product stocked at both ends."
            par.lane_products[name] = [
                p for p, product in network.products.items()
                if lane.origin in product.sites and lane.destination in product.sites
            ]
    for p, mats in par.bom.items():
        for s, at in network.products[p].sites.items():
            if at.make:
                par.material_pairs.update((m, s) for m in mats)
    for sup in network.suppliers.values():
        par.material_pairs.update((sup.material, s) for s in sup.sites)
    for m, material in network.materials.items():
        par.material_pairs.update((m, s) for s in material.sites)
    return par


# --------------------------------------------------------------------------- checker


def _frame(table: pd.DataFrame, keys: list[str], labels: list[str]) -> dict[tuple[Any, ...], float]:
    """A long table as {key with period as index t: value}; duplicated keys are an error."""
    out: dict[tuple[Any, ...], float] = {}
    if table.empty:
        return out
    position = {label: t for t, label in enumerate(labels)}
    for row in table[[*keys, "value"]].itertuples(index=False):
        *key, value = row
        key = [position[k] if col == "period" else k for col, k in zip(keys, key, strict=True)]
        k = tuple(key)
        if k in out:
            raise AssertionError(f"duplicated row {k} in a table with columns {keys}")
        out[k] = float(value)
    return out


class Checker:
    """Collects every failed check; :meth:`raise_if_failed` raises one AssertionError."""

    def __init__(self, rel: float, cents: bool = False) -> None:
        self.rel = rel
        self.cents = cents
        self.failures: list[str] = []

    def fail(self, message: str) -> None:
        self.failures.append(message)

    def tol(self, *magnitudes: float) -> float:
        finite = [abs(m) for m in magnitudes if math.isfinite(m)]
        return FEASIBILITY * max([1.0, *finite])

    def equal(self, what: str, got: float, expected: float, *scale: float) -> None:
        if not abs(got - expected) <= self.tol(got, expected, *scale):
            self.fail(f"{what}: {got!r} != {expected!r}")

    def le(self, what: str, low: float, high: float, *scale: float) -> None:
        """low <= high (either side may be infinite)."""
        if (math.isinf(high) and high > 0) or (math.isinf(low) and low < 0):
            return
        if low > high + self.tol(low, high, *scale):
            self.fail(f"{what}: {low!r} > {high!r}")

    def money(self, what: str, got: float, expected: float) -> None:
        if not abs(got - expected) <= self.rel * max(abs(got), abs(expected), 1.0):
            self.fail(f"{what}: plan says {got!r}, recomputed {expected!r}")
        elif self.cents and round(got, 2) != round(expected, 2):
            self.fail(f"{what}: plan says {got:.4f}, recomputed {expected:.4f}: differs in the cents")

    def raise_if_failed(self, name: str) -> None:
        if self.failures:
            shown = "\n".join(f"  - {f}" for f in self.failures[:50])
            more = f"\n  ... and {len(self.failures) - 50} more" if len(self.failures) > 50 else ""
            raise AssertionError(f"plan '{name}' fails {len(self.failures)} check(s):\n{shown}{more}")


def _option_added(network: Any, plan: Any, labels: list[str]) -> dict[tuple[str, str, int], float]:
    """Capacity the available options add: ``(kind, target, t) -> amount`` (kind
    ``resource``, ``workforce``, ``supplier`` or ``site``), from the ``option_available``
    table and the options' ``adds`` (docs/options.md)."""
    added: dict[tuple[str, str, int], float] = defaultdict(float)
    frame = plan.tables.get("option_available")
    if frame is None or frame.empty:
        return added
    position = {label: t for t, label in enumerate(labels)}
    kinds = (("resource", "hours"), ("workforce", "headcount"), ("supplier", "capacity"), ("site", "storage"))
    for o, period, value in zip(frame["option"], frame["period"], frame["value"], strict=True):
        adds = network.options[o].adds
        kind, amount = next((k, a) for k, a in kinds if getattr(adds, k) is not None)
        added[kind, getattr(adds, kind), position[period]] += float(getattr(adds, amount)) * float(value)
    return added


def _tiered_cost(tiers: Any, ordered: float) -> float:
    """Incremental tiers filled in order: the first ``up_to`` units at the first price,
    the next up to the second ``up_to`` at the second, ... (docs/options.md)."""
    cost, start = 0.0, 0.0
    for tier in tiers:
        end = INF if tier.up_to is None else float(tier.up_to)
        cost += tier.price * max(0.0, min(ordered, end) - start)
        start = end
    return cost


def _supplier_cost(c: Any, name: str, sup: Any, plan: Any, ordered: dict[int, float], labels: list[str],
                   bounds: Any) -> float:
    """What supplier ``name``'s orders cost: its price, its price tiers per period, or its
    take-or-pay contract (the price on the quantity paid for, at least what is ordered
    and at least the minimum, per period or over the horizon)."""
    if sup.price_tiers:
        return sum(_tiered_cost(sup.price_tiers, q) for q in ordered.values())
    if sup.contract is None:
        price = expand(sup.price, labels)
        return sum(price[t] * q for t, q in ordered.items())
    frame = plan.tables["contract_paid"]
    paid = _frame(frame[frame["supplier"] == name], ["supplier", "period"], labels)
    minimum = expand(sup.contract.minimum, labels)
    for t, q in ordered.items():
        u = paid.get((name, t), 0.0)
        c.le(f"take-or-pay {name} period {labels[t]}: ordered within paid", q, u, u)
        c.le(f"take-or-pay minimum {name} period {labels[t]}", minimum[t], u, u)
        if minimum[t] > 0:
            bounds["take_or_pay", name, t, "min"] = (u, minimum[t])
    total = sum(paid.values())
    c.le(f"take-or-pay total minimum {name}", sup.contract.total_minimum or 0.0, total, total)
    return sup.contract.price * total


def _options_cost(network: Any, plan: Any) -> float:
    """One-off cost of every option decided plus its cost per period available."""
    total = 0.0
    for table, field_name in (("option_decisions", "one_off_cost"), ("option_available", "cost_per_period")):
        frame = plan.tables.get(table)
        if frame is not None and not frame.empty:
            total += sum(getattr(network.options[o], field_name) * v
                         for o, v in zip(frame["option"], frame["value"], strict=True))
    return float(total)


def _target_shortfall_cost(network: Any, plan: Any) -> float:
    """Shortfall of each soft target times its cost per unit of the measure."""
    cost = {t.name: t.shortfall_cost or 0.0 for t in network.targets}
    frame = plan.tables.get("target_shortfall")
    if frame is None or frame.empty:
        return 0.0
    return float(sum(cost[name] * value for name, value in zip(frame["target"], frame["value"], strict=True)))


def check_plan(case: Any, plan: Any, rel: float = 1e-7, cents: bool = False) -> None:
    """Recompute the plan's balances, limits and costs from its tables and the case.

    With ``cents``, every cost must also round to the same cent as its recomputation.

    Raises:
        AssertionError: listing every check that failed.
    """
    c = Checker(rel, cents)
    if not plan.status.has_plan:
        raise AssertionError(f"plan '{plan.name}' has no plan to check (status {plan.status})")
    network = case.network
    par = parameters(case)
    classes = apply_classes(case, par.items, expand)
    labels = par.labels
    T = len(labels)
    if list(plan.labels) != labels:
        c.fail(f"plan labels {plan.labels} != case labels {labels}")

    def table(name: str, keys: list[str]) -> dict[tuple[Any, ...], float]:
        frame = plan.tables[name]
        values = _frame(frame, keys, labels)
        for key, value in values.items():
            if not math.isfinite(value):
                c.fail(f"{name}{key}: value {value!r} is not finite")
            elif value < -c.tol(value):
                c.fail(f"{name}{key}: negative value {value!r}")
        return values

    production = table("production", ["product", "site", "period"])
    subcontract = table("subcontracting", ["product", "site", "period"])
    shipments = table("shipments", ["lane", "product", "period"])
    sales = table("sales", ["product", "site", "period"])
    backlog = table("backlog", ["product", "site", "period"])
    lost = table("lost_sales", ["product", "site", "period"])
    inventory = table("inventory", ["product", "site", "period"])
    # The safety_stock table shows the gap below every target; the plan pays for it only
    # where the target has a penalty (or is hard, when the gap must be 0).
    shortfall = _frame(plan.tables["safety_stock"].rename(columns={"shortfall": "value"}),
                       ["product", "site", "period"], labels)
    overflow = table("overflow_storage", ["site", "period"])
    res_overtime = table("resource_overtime", ["resource", "period"])
    headcount = table("headcount", ["workforce", "period"])
    hires = table("hires", ["workforce", "period"])
    layoffs = table("layoffs", ["workforce", "period"])
    lab_overtime = table("labour_overtime", ["workforce", "period"])
    purchases = table("purchases", ["supplier", "site", "period"])
    material_stock = table("material_stock", ["material", "site", "period"])
    handling_overtime = table("handling_overtime", ["site", "period"])

    # ----- decisions only where they exist
    items = par.items

    def only_where(name: str, values: dict[tuple[Any, ...], float], allowed: set[tuple[Any, ...]]) -> None:
        for key, value in values.items():
            if key not in allowed and abs(value) > c.tol(value):
                shown = (*key[:-1], labels[key[-1]])
                c.fail(f"{name}{shown} = {value!r} where the decision does not exist")

    def per_item(cond: Any) -> set[tuple[Any, ...]]:
        return {(p, s, t) for (p, s), it in items.items() if cond(it) for t in range(T)}

    only_where("production", production, per_item(lambda it: it.make))
    only_where("subcontracting", subcontract, per_item(lambda it: it.subcontract))
    only_where("sales", sales, per_item(lambda it: it.backlog))
    only_where("backlog", backlog, per_item(lambda it: it.backlog))
    only_where("lost_sales", lost, per_item(lambda it: it.lost))
    only_where("shipments", shipments, {
        (name, p, t)
        for name, lane in network.lanes.items()
        for p in par.lane_products[name]
        for t in range(T - lane.lead_time)  # nothing that would arrive after the horizon
    })
    only_where("purchases", purchases, {
        (k, s, t) for k, sup in network.suppliers.items() for s in sup.sites for t in range(T - sup.lead_time)
    })
    only_where("hires", hires, {(w, t) for w, pool in network.workforce.items() if pool.hiring for t in range(T)})
    only_where("layoffs", layoffs, {(w, t) for w, pool in network.workforce.items() if pool.layoffs for t in range(T)})
    only_where("labour_overtime", lab_overtime,
               {(w, t) for w, pool in network.workforce.items() if pool.overtime for t in range(T)})
    only_where("resource_overtime", res_overtime,
               {(r, t) for r, res in network.resources.items() if res.overtime for t in range(T)})
    only_where("overflow_storage", overflow, {
        (s, t) for s, site in network.sites.items()
        if site.storage is not None and site.storage.overflow is not None for t in range(T)
    })

    # ----- flows by lane
    arrivals: dict[tuple[str, str, int], float] = defaultdict(float)
    departures: dict[tuple[str, str, int], float] = defaultdict(float)
    for (name, p, t), value in shipments.items():
        lane = network.lanes[name]
        departures[p, lane.origin, t] += value
        if t + lane.lead_time < T:
            arrivals[p, lane.destination, t + lane.lead_time] += value

    # ----- routings, dependent demand of the bill, scrap at the end of a shelf life
    structure = _structure(c, network, plan, labels, production, table)

    # ----- inventory, demand, backlog, bounds, plan table
    plan_rows = _frame_rows(plan.tables["plan"], labels)
    # Bound limits that may be reported when they bind: (kind, name, t, sense) -> (value, bound).
    bounds: dict[tuple[str, str, int, str], tuple[float, float]] = {}
    added = _option_added(network, plan, labels)
    raised_pools = {o.adds.workforce for o in network.options.values() if o.adds.workforce is not None}
    delivered_by: dict[tuple[str, str, int], float] = {}
    for (p, s), it in items.items():
        previous_stock = it.initial_inventory
        previous_backlog = it.initial_backlog
        if it.initial_backlog and not it.backlog:
            c.fail(f"{p}@{s}: initial backlog without backlog allowed")
        for t in range(T):
            key = (p, s, t)
            where = f"{p}@{s} period {labels[t]}"
            if key not in inventory:
                c.fail(f"inventory missing for {where}")
            closing = inventory.get(key, 0.0)
            x = production.get(key, 0.0)
            u = subcontract.get(key, 0.0)
            arrive = arrivals.get(key, 0.0)
            depart = departures.get(key, 0.0)
            demand = it.demand[t]
            lam = lost.get(key, 0.0)
            if it.backlog:
                delivered = sales.get(key, 0.0)
                b = backlog.get(key, 0.0)
                c.equal(f"backlog balance {where}", b, previous_backlog + demand - delivered - lam,
                        previous_backlog, demand)
                c.le(f"backlog limit {where}", b, it.backlog_limit[t])
                if t == T - 1 and it.at_end == "forbid":
                    c.equal(f"backlog at the end forbidden {where}", b, 0.0)
                    bounds["ending_backlog", f"{p}/{s}", t, "max"] = (b, 0.0)
                elif math.isfinite(it.backlog_limit[t]):
                    bounds["backlog_limit", f"{p}/{s}", t, "max"] = (b, it.backlog_limit[t])
                previous_backlog = b
            else:
                b = 0.0
                delivered = demand - lam
                c.le(f"lost sales at most demand {where}", lam, demand)
            delivered_by[key] = delivered
            dependent, scrap = structure.dependent.get(key, 0.0), structure.scrap.get(key, 0.0)
            flows = previous_stock + x + u + it.receipts[t] + arrive - depart - delivered - dependent - scrap
            c.equal(f"inventory balance {where}", closing, flows, previous_stock, x, u, arrive, depart, delivered,
                    dependent, scrap)
            c.le(f"min production {where}", it.min_production[t], x)
            c.le(f"max production {where}", x, it.max_production[t])
            c.le(f"subcontract capacity {where}", u, it.subcontract_capacity[t])
            low = it.min_inventory[t]
            if t == T - 1:
                low = max(low, it.ending_inventory)
            c.le(f"min/ending inventory {where}", low, closing)
            c.le(f"max inventory {where}", closing, it.max_inventory[t])
            _item_bounds(bounds, it, f"{p}/{s}", t, T, {"production": x, "subcontract": u, "stock": closing})
            priced = it.safety_stock_cost[t] > 0 or it.safety_stock_hard
            z = shortfall.get(key, 0.0) if priced else 0.0
            if it.safety_stock_hard:
                c.le(f"hard safety stock {where}", it.safety_stock[t], closing)
            if it.safety_stock_cost[t] > 0 and it.safety_stock[t] > 0:
                # Shortfall is exactly the gap below the target in an optimal plan.
                c.equal(f"safety-stock shortfall {where}", z, max(0.0, it.safety_stock[t] - closing),
                        it.safety_stock[t])
            row = plan_rows.get(key)
            if row is None:
                c.fail(f"plan table has no row for {where}")
            else:
                want = {
                    "opening_inventory": previous_stock, "production": x, "subcontracted": u,
                    "scheduled_receipts": it.receipts[t], "arrivals": arrive, "departures": depart,
                    "demand": demand, "delivered": delivered, "backlog": b, "lost": lam, "inventory": closing,
                    "safety_stock": it.safety_stock[t], "safety_shortfall": z, "dependent_demand": dependent,
                    "scrap": scrap,
                }
                for column, value in want.items():
                    c.equal(f"plan.{column} {where}", float(row[column]), value)
            previous_stock = closing
    extra_rows = set(plan_rows) - {(p, s, t) for (p, s) in items for t in range(T)}
    if extra_rows:
        c.fail(f"plan table rows for unknown items: {sorted(extra_rows)[:5]}")

    # ----- storage
    slacks: dict[tuple[str, str, int], tuple[float, float]] = {}  # (kind, name, t) -> (slack, rhs)
    storage_cost = 0.0
    for s, site in network.sites.items():
        st = site.storage
        if st is None:
            continue
        capacity = expand(st.capacity, labels, INF)
        cost = expand(st.cost, labels)
        has_overflow = st.overflow is not None
        o_cost = expand(st.overflow.cost, labels) if has_overflow else [0.0] * T
        o_cap = expand(st.overflow.capacity, labels, INF) if has_overflow else [0.0] * T
        stocked = [p for (p, site_), _it in items.items() if site_ == s and par.volume[p] > 0]
        for t in range(T):
            volume = sum(par.volume[p] * inventory.get((p, s, t), 0.0) for p in stocked)
            o = overflow.get((s, t), 0.0)
            c.le(f"overflow capacity {s} period {labels[t]}", o, o_cap[t])
            if has_overflow and math.isfinite(o_cap[t]):
                bounds["overflow", s, t, "max"] = (o, o_cap[t])
            raised = capacity[t] + added.get(("site", s, t), 0.0)
            c.le(f"storage capacity {s} period {labels[t]}", volume, raised + o, o)
            if math.isfinite(capacity[t]) and stocked:
                slacks["storage", s, t] = (raised + o - volume, capacity[t])
            storage_cost += cost[t] * volume + o_cost[t] * o

    # ----- resources
    overtime_cost = 0.0
    for r, res in network.resources.items():
        hours = expand(res.hours, labels)
        ot = res.overtime
        ot_cost = expand(ot.cost, labels) if ot else [0.0] * T
        ot_cap = expand(ot.capacity, labels, INF) if ot else [0.0] * T
        for t in range(T):
            used = sum(rate * production.get((p, res.site, t), 0.0) for p, rate in res.usage.items())
            used += structure.routed.get((r, t), 0.0)
            o = res_overtime.get((r, t), 0.0)
            c.le(f"resource overtime capacity {r} period {labels[t]}", o, ot_cap[t])
            if ot and math.isfinite(ot_cap[t]):
                bounds["machine_overtime", r, t, "max"] = (o, ot_cap[t])
            raised = hours[t] + added.get(("resource", r, t), 0.0)
            c.le(f"resource capacity {r} period {labels[t]}", used, raised + o, o)
            if any(res.usage.values()) or r in structure.routed_resources:
                slacks["capacity", r, t] = (raised + o - used, hours[t])
            overtime_cost += ot_cost[t] * o
            _check_utilization(c, plan, "resource", r, labels[t], used, hours[t], o)

    # ----- workforce
    wages = hiring_cost = layoff_cost = 0.0
    for w, pool in network.workforce.items():
        k = expand(pool.hours_per_worker, labels)
        wage = expand(pool.wage, labels)
        ot = pool.overtime
        ot_cost = expand(ot.cost, labels) if ot else [0.0] * T
        ot_per_worker = expand(ot.hours_per_worker, labels, INF) if ot else [0.0] * T
        hire = pool.hiring
        hire_cost = expand(hire.cost, labels) if hire else [0.0] * T
        max_hires = expand(hire.max, labels, INF) if hire else [0.0] * T
        fire = pool.layoffs
        fire_cost = expand(fire.cost, labels) if fire else [0.0] * T
        max_fires = expand(fire.max, labels, INF) if fire else [0.0] * T
        min_w = expand(pool.min_headcount, labels)
        max_w = expand(pool.max_headcount, labels, INF)
        previous = float(pool.initial_headcount)
        for t in range(T):
            where = f"{w} period {labels[t]}"
            if (w, t) not in headcount:
                c.fail(f"headcount missing for {where}")
            n = headcount.get((w, t), 0.0)
            h, f = hires.get((w, t), 0.0), layoffs.get((w, t), 0.0)
            c.equal(f"headcount balance {where}", n, previous + h - f, previous, h, f)
            c.le(f"max hires {where}", h, max_hires[t])
            c.le(f"max layoffs {where}", f, max_fires[t])
            c.le(f"min headcount {where}", min_w[t], n)
            c.le(f"max headcount {where}", n, max_w[t] + added.get(("workforce", w, t), 0.0))
            if t == T - 1:
                if pool.min_ending_headcount is not None:
                    c.le(f"min ending headcount {where}", pool.min_ending_headcount, n)
                if pool.max_ending_headcount is not None:
                    c.le(f"max ending headcount {where}", n, pool.max_ending_headcount)
            if hire and math.isfinite(max_hires[t]):
                bounds["hiring", w, t, "max"] = (h, max_hires[t])
            if fire and math.isfinite(max_fires[t]):
                bounds["layoffs", w, t, "max"] = (f, max_fires[t])
            ending = (pool.min_ending_headcount, pool.max_ending_headcount) if t == T - 1 else (None, None)
            _low_high(bounds, w, t, n, ("min_headcount", "max_headcount", "ending_headcount"), min_w[t], max_w[t],
                      ending)
            if w in raised_pools and math.isfinite(max_w[t]):  # the options' row holds the maximum
                bounds.pop(("max_headcount", w, t, "max"), None)
                slacks["max_headcount", w, t] = (max_w[t] + added.get(("workforce", w, t), 0.0) - n, max_w[t])
                if t == T - 1 and pool.max_ending_headcount is not None:  # stays the column's bound
                    bounds["ending_headcount", w, t, "max"] = (n, pool.max_ending_headcount)
            used = sum(rate * production.get((p, pool.site, t), 0.0) for p, rate in pool.usage.items())
            o = lab_overtime.get((w, t), 0.0)
            c.le(f"labour capacity {where}", used, k[t] * n + o, o)
            if pool.usage:
                slacks["workforce", w, t] = (k[t] * n + o - used, 0.0)
            if ot and math.isfinite(ot_per_worker[t]):
                c.le(f"overtime per worker {where}", o, ot_per_worker[t] * n, n)
                slacks["overtime", w, t] = (ot_per_worker[t] * n - o, 0.0)
            wages += wage[t] * n
            overtime_cost += ot_cost[t] * o
            hiring_cost += hire_cost[t] * h
            layoff_cost += fire_cost[t] * f
            _check_utilization(c, plan, "workforce", w, labels[t], used, k[t] * n, o)
            previous = n

    # ----- materials
    material_cost = material_holding = 0.0
    for k_name, sup in network.suppliers.items():
        capacity = expand(sup.capacity, labels, INF)
        ordered_in = {}
        for t in range(T - sup.lead_time):
            ordered = ordered_in[t] = sum(purchases.get((k_name, s, t), 0.0) for s in sup.sites)
            raised = capacity[t] + added.get(("supplier", k_name, t), 0.0)
            c.le(f"supplier capacity {k_name} period {labels[t]}", ordered, raised)
            if math.isfinite(capacity[t]) and sup.sites:
                slacks["supplier", k_name, t] = (raised - ordered, capacity[t])
        material_cost += _supplier_cost(c, k_name, sup, plan, ordered_in, labels, bounds)
    for m, s in sorted(par.material_pairs):
        material = network.materials.get(m)
        at_site = material.sites.get(s) if material else None
        initial = at_site.initial_stock if at_site else 0.0
        receipts = expand(at_site.scheduled_receipts if at_site else None, labels)
        holding = expand(
            at_site.holding_cost if at_site and at_site.holding_cost is not None else material.holding_cost,
            labels,
        ) if material else [0.0] * T
        previous = initial
        for t in range(T):
            where = f"{m}@{s} period {labels[t]}"
            if (m, s, t) not in material_stock:
                c.fail(f"material stock missing for {where}")
            closing = material_stock.get((m, s, t), 0.0)
            arrived = sum(
                purchases.get((k_name, s, t - sup.lead_time), 0.0)
                for k_name, sup in network.suppliers.items()
                if sup.material == m and s in sup.sites and t - sup.lead_time >= 0
            )
            used = sum(
                mats.get(m, 0.0) * production.get((p, s, t), 0.0)
                for p, mats in par.bom.items()
                if (p, s) in items and items[p, s].make
            )
            c.equal(f"material balance {where}", closing, previous + arrived + receipts[t] - used, previous, used)
            material_holding += holding[t] * closing
            previous = closing
    for key in material_stock:
        if (key[0], key[1]) not in par.material_pairs:
            c.fail(f"material stock {key} for a material neither used, delivered nor stocked there")

    # ----- lanes
    transport_cost = 0.0
    for name, lane in network.lanes.items():
        cost = expand(lane.cost, labels)
        capacity = expand(lane.capacity, labels, INF)
        for t in range(T - lane.lead_time):
            shipped = sum(shipments.get((name, p, t), 0.0) for p in par.lane_products[name])
            c.le(f"lane capacity {name} period {labels[t]}", shipped, capacity[t])
            if math.isfinite(capacity[t]) and par.lane_products[name]:
                slacks["lane", name, t] = (capacity[t] - shipped, capacity[t])
            transport_cost += cost[t] * shipped

    # ----- handling: hours for units received, shipped and delivered at a site
    for s, site in network.sites.items():
        h = site.handling
        if h is None or not any(h.usage.values()):
            continue
        hours = expand(h.hours, labels)
        ot_cost = expand(h.overtime.cost, labels) if h.overtime else [0.0] * T
        ot_cap = expand(h.overtime.capacity, labels, INF) if h.overtime else [0.0] * T
        for t in range(T):
            handled = sum(
                rate * (arrivals.get((p, s, t), 0.0) + departures.get((p, s, t), 0.0) + delivered_by.get((p, s, t), 0.0))
                for p, rate in h.usage.items()
            )
            o = handling_overtime.get((s, t), 0.0)
            c.le(f"handling overtime capacity {s} period {labels[t]}", o, ot_cap[t])
            c.le(f"handling capacity {s} period {labels[t]}", handled, hours[t] + o, o)
            slacks["handling", s, t] = (hours[t] + o - handled, hours[t])
            overtime_cost += ot_cost[t] * o

    # ----- costs
    def item_sum(values: dict[tuple[Any, ...], float], rate: str) -> float:
        return sum(getattr(items[p, s], rate)[t] * v for (p, s, t), v in values.items() if (p, s) in items)

    class_backlog_cost, class_lost_cost = check_classes(
        c, plan, classes, {"backlog": backlog, "lost": lost}, delivered_by)
    lost_cost = class_lost_cost + item_sum(lost, "lost_cost") + sum(
        it.lost_cost[T - 1] * backlog.get((p, s, T - 1), 0.0)
        for (p, s), it in items.items() if it.backlog and it.at_end == "lost_sale_cost"
    )
    expected = {
        "production": item_sum(production, "production_cost") + structure.routing_cost,
        "materials": material_cost,
        "subcontracting": item_sum(subcontract, "subcontract_cost"),
        "transport": transport_cost,
        "regular_labour": wages,
        "overtime": overtime_cost,
        "hiring": hiring_cost,
        "layoffs": layoff_cost,
        "holding": item_sum(inventory, "holding_cost") + material_holding,
        "storage": storage_cost,
        "backlog": item_sum(backlog, "backlog_cost") + class_backlog_cost,
        "lost_sales": lost_cost,
        "safety_stock": item_sum(shortfall, "safety_stock_cost"),
        "setups": _check_lots(c, plan, items, production, labels),
        "target_shortfall": _target_shortfall_cost(network, plan),
        "scrap": structure.scrap_cost,
        "options": _options_cost(network, plan),
    }
    _check_whole_workers(c, network, {"headcount": headcount, "hires": hires, "layoffs": layoffs})
    smoothing = sum(
        it.smoothing_cost * abs(production.get((p, s, t), 0.0) - production.get((p, s, t - 1), 0.0))
        for (p, s), it in items.items() if it.smoothing_cost for t in range(1, T)
    )
    costs = plan.costs
    if "smoothing" in costs.index or smoothing:
        expected["smoothing"] = smoothing
    extra = set(costs.index) - set(COST_CATEGORIES)
    if not set(COST_CATEGORIES) <= set(costs.index) or not extra <= set(OPTIONAL_CATEGORIES):
        c.fail(f"cost categories {sorted(costs.index)} != {sorted(COST_CATEGORIES)} (+ {OPTIONAL_CATEGORIES})")
    for category in extra - set(expected):  # charged by a transformation this check does not know
        expected[category] = float(costs[category])
    for category, value in expected.items():
        c.money(f"cost '{category}'", float(costs.get(category, np.nan)), value)
    total = sum(expected.values())
    if plan.objective is None:
        c.fail("plan has no objective")
    else:
        c.money("objective", float(plan.objective), total)
        c.money("sum of plan.costs vs objective", float(costs.sum()), float(plan.objective))

    _check_shadow_prices(c, plan, slacks, bounds)
    c.raise_if_failed(plan.name)


def _frame_rows(plan_table: pd.DataFrame, labels: list[str]) -> dict[tuple[str, str, int], dict[str, Any]]:
    position = {label: t for t, label in enumerate(labels)}
    rows: dict[tuple[str, str, int], dict[str, Any]] = {}
    for row in plan_table.to_dict("records"):
        key = (row["product"], row["site"], position[row["period"]])
        if key in rows:
            raise AssertionError(f"plan table has two rows for {key}")
        rows[key] = row
    return rows


def _check_utilization(c: Checker, plan: Any, kind: str, name: str, period: str, used: float, regular: float,
                       overtime: float) -> None:
    u = plan.utilization
    rows = u[(u["kind"] == kind) & (u["name"] == name) & (u["period"] == period)]
    if len(rows) != 1:
        c.fail(f"utilization has {len(rows)} rows for {kind} {name} period {period}")
        return
    row = rows.iloc[0]
    c.equal(f"utilization used_hours {kind} {name} {period}", float(row["used_hours"]), used)
    c.equal(f"utilization regular_hours {kind} {name} {period}", float(row["regular_hours"]), regular)
    c.equal(f"utilization overtime_hours {kind} {name} {period}", float(row["overtime_hours"]), overtime)


Bounds = dict[tuple[str, str, int, str], tuple[float, float]]


def _item_bounds(bounds: Bounds, it: Any, name: str, t: int, T: int, value: dict[str, float]) -> None:
    """The bound limits of one product at one site in one period."""
    if it.min_production[t] > 0:
        bounds["min_production", name, t, "min"] = (value["production"], it.min_production[t])
    if math.isfinite(it.max_production[t]):
        bounds["max_production", name, t, "max"] = (value["production"], it.max_production[t])
    if math.isfinite(it.subcontract_capacity[t]):
        bounds["subcontract", name, t, "max"] = (value["subcontract"], it.subcontract_capacity[t])
    ending = (it.ending_inventory or None, None) if t == T - 1 else (None, None)
    _low_high(bounds, name, t, value["stock"], ("min_stock", "max_stock", "ending_stock"), it.min_inventory[t],
              it.max_inventory[t], ending)


def _low_high(bounds: Bounds, name: str, t: int, value: float, kinds: tuple[str, str, str], low: float, high: float,
              ending: tuple[float | None, float | None]) -> None:
    """A minimum and a maximum, either of which an ending condition may tighten (and then name)."""
    end_low, end_high = ending
    if end_low is not None and end_low >= low and end_low > 0:
        bounds[kinds[2], name, t, "min"] = (value, end_low)
    elif low > 0:
        bounds[kinds[0], name, t, "min"] = (value, low)
    if end_high is not None and end_high <= high:
        bounds[kinds[2], name, t, "max"] = (value, end_high)
    elif math.isfinite(high):
        bounds[kinds[1], name, t, "max"] = (value, high)


def _check_range(c: Checker, where: str, row: dict[str, Any]) -> None:
    """Ranges: up >= 0 >= down when known; both unknown with a note saying why otherwise."""
    up, down, note = float(row["range_up"]), float(row["range_down"]), str(row["range_note"])
    if math.isnan(up) or math.isnan(down):
        if not (math.isnan(up) and math.isnan(down) and note.startswith("range unknown")):
            c.fail(f"{where}: range ({down!r}, {up!r}) half unknown or unexplained (note {note!r})")
    elif up < -c.tol(up) or down > c.tol(down):
        c.fail(f"{where}: range ({down!r}, {up!r}) does not contain the limit's value")


def _check_bound_limit(c: Checker, where: str, row: dict[str, Any], value: float, bound: float) -> None:
    """A reported bound limit binds: its decision sits on the bound."""
    c.equal(f"{where} value on its bound", value, bound)
    if not bool(row["binding"]) or float(row["slack"]) != 0.0:
        c.fail(f"{where}: a bound limit is reported only when it binds (binding, slack 0)")


def _check_shadow_prices(c: Checker, plan: Any, slacks: dict[tuple[str, str, int], tuple[float, float]],
                         bounds: Bounds) -> None:
    """Reported limits: slack as recomputed (rows) or the decision on its bound (bounds),
    price >= 0 and zero unless binding, a range around the limit's value."""
    position = {label: t for t, label in enumerate(plan.labels)}
    reported = set()
    for row in plan.shadow_prices.to_dict("records"):
        key = (row["kind"], row["name"], position[row["period"]])
        where = f"shadow price {row['kind']} {row['name']} period {row['period']}"
        price = float(row["shadow_price"])
        if not math.isfinite(price) or price < -c.tol(price):
            c.fail(f"{where}: money saved by one unit more room is {price!r} (must be >= 0)")
        _check_range(c, where, row)
        bound_key = (*key, str(row["sense"]))
        if bound_key in bounds:
            _check_bound_limit(c, where, row, *bounds[bound_key])
            continue
        reported.add(key)
        if key not in slacks:
            c.fail(f"{where}: not a limit of the case")
            continue
        slack, rhs = slacks[key]
        c.equal(f"{where} slack", float(row["slack"]), slack, rhs)
        scale = max(1.0, abs(rhs))
        if abs(slack) > 10 * FEASIBILITY * scale:
            if bool(row["binding"]):
                c.fail(f"{where}: reported binding with slack {slack!r}")
            if abs(price) > c.tol(price):
                c.fail(f"{where}: price {price!r} on a limit with slack {slack!r}")
        elif abs(slack) <= FEASIBILITY * scale / 10 and not bool(row["binding"]):
            c.fail(f"{where}: slack {slack!r} but not reported binding")
    missing = sorted(set(slacks) - reported)
    if missing:
        shown = [(kind, name, plan.labels[t]) for kind, name, t in missing[:5]]
        c.fail(f"limits without a shadow-price row: {shown}")


def _check_lots(c: Checker, plan: Any, items: dict[tuple[str, str], ItemP], production: dict[tuple[Any, ...], float],
                labels: list[str]) -> float:
    """Lot sizes: production is 0 or at least the lot, setups are 0 or 1 and cover every
    period with production; returns the setup cost the plan must have."""
    setups = _frame(plan.tables["setups"], ["product", "site", "period"], labels) if "setups" in plan.tables else {}
    cost = 0.0
    for (p, s), it in items.items():
        if not it.lot_min:
            continue
        for t in range(len(labels)):
            made, setup = production.get((p, s, t), 0.0), setups.get((p, s, t), 0.0)
            where = f"lot {p}@{s} period {labels[t]}"
            if abs(setup - round(setup)) > INTEGRALITY or round(setup) not in (0, 1):
                c.fail(f"{where}: setup {setup!r} is not 0 or 1")
            if made > c.tol(made) and round(setup) != 1:
                c.fail(f"{where}: {made!r} made without a setup")
            if round(setup) == 1:
                c.le(f"{where}: at least the minimum lot", it.lot_min, made)
            cost += it.setup_cost * setup
    return cost


def _check_whole_workers(c: Checker, network: Any, tables: dict[str, dict[tuple[Any, ...], float]]) -> None:
    """Pools with ``whole_workers`` employ, hire and lay off whole numbers of workers."""
    for name, values in tables.items():
        for (w, t), value in values.items():
            if network.workforce[w].whole_workers and abs(value - round(value)) > INTEGRALITY:
                c.fail(f"{name} of {w} in period {t} is {value!r}: not a whole number of workers")


@dataclass
class Structure:
    """Flows of the supply-structure levers, recomputed from the plan's tables."""

    dependent: dict[tuple[str, str, int], float] = field(default_factory=lambda: defaultdict(float))
    scrap: dict[tuple[str, str, int], float] = field(default_factory=dict)
    routed: dict[tuple[str, int], float] = field(default_factory=lambda: defaultdict(float))
    routed_resources: set[str] = field(default_factory=set)
    routing_cost: float = 0.0
    scrap_cost: float = 0.0


def _structure(c: Checker, network: Any, plan: Any, labels: list[str], production: dict[tuple[Any, ...], float],
               table: Any) -> Structure:
    """Routings (split and hours), dependent demand (bill), scrap and stock by age (shelf life)."""
    out = Structure()
    T = len(labels)
    routed = table("routings", ["product", "site", "routing", "period"])
    for p, product in network.products.items():
        for s, at in product.sites.items():
            for k, routing in at.routings.items():
                cost = expand(routing.cost, labels)
                for r, rate in routing.usage.items():
                    out.routed_resources |= {r} if rate else set()
                for t in range(T):
                    units = routed.get((p, s, k, t), 0.0)
                    out.routing_cost += cost[t] * units
                    for r, rate in routing.usage.items():
                        out.routed[r, t] += rate * units
            if at.routings:
                for t in range(T):
                    split = sum(routed.get((p, s, k, t), 0.0) for k in at.routings)
                    c.equal(f"routings add up to production {p}@{s} period {labels[t]}", split,
                            production.get((p, s, t), 0.0))
            for q, qty in product.components.items():
                if at.make:
                    for t in range(T):
                        out.dependent[q, s, t] += qty * production.get((p, s, t), 0.0)
    out.scrap = table("scrap", ["product", "site", "period"])
    by_age = table("stock_by_age", ["product", "site", "age", "period"])
    inventory = table("inventory", ["product", "site", "period"])
    for p, product in network.products.items():
        if product.shelf_life is None:
            continue
        cost = expand(product.scrap_cost, labels)
        for s in product.sites:
            for t in range(T):
                out.scrap_cost += cost[t] * out.scrap.get((p, s, t), 0.0)
                ages = sum(by_age.get((p, s, a, t), 0.0) for a in range(product.shelf_life))
                c.equal(f"stock by age adds up to the stock {p}@{s} period {labels[t]}", ages,
                        inventory.get((p, s, t), 0.0))
    return out
