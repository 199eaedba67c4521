"""Warnings: input that is valid but probably not what was meant.

Runs after the cross-reference checks (:mod:`sopopt.inputs.checks`) on a schema-valid network
whose references are sound. Nothing here stops a solve: each finding is a
:class:`~sopopt.errors.DataWarning`, kept on the case (``case.warnings``) and the plan
(``plan.warnings``), printed after the summary and stored in ``run.json``. ``--strict``
makes them errors. The kinds are listed in :data:`sopopt.errors.WARNING_CODES`; the
warnings after the solve (end-of-horizon run-down) are found in :mod:`sopopt.results.plan`.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from sopopt.errors import DataWarning
from sopopt.inputs.classes import site_series
from sopopt.inputs.periods import expand_series, is_dated
from sopopt.inputs.schema.network import Network, SafetyStockPolicy, Series
from sopopt.io.reader import KeyPath, Locations, locate

#: A demand value this many times the product's median non-zero demand is an outlier.
OUTLIER_FACTOR = 100.0


class _Warnings:
    """Collects warnings with the location of each key path."""

    def __init__(self, network: Network, labels: list[str], locations: Locations) -> None:
        self.n = network
        self.labels = labels
        self.locations = locations
        self.found: list[DataWarning] = []

    def add(self, code: str, path: KeyPath, message: str, hint: str = "") -> None:
        self.found.append(DataWarning(code, locate(self.locations, path), ".".join(path), message, hint))

    def series(self, value: Series | None, default: float = 0.0) -> np.ndarray:
        if value is None:
            return np.full(len(self.labels), default)
        return expand_series(value, self.labels)


def find_warnings(network: Network, labels: list[str], locations: Locations) -> list[DataWarning]:
    """Every warning about a schema-valid network whose references are sound."""
    w = _Warnings(network, labels, locations)
    for finder in (_no_demand, _unreachable_demand, _zero_capacity, _demand_outliers, _undated_periods,
                   _safety_stock_without_effect, _shelf_life_lead_time):
        finder(w)
    return w.found


def _demand(w: _Warnings) -> Iterator[tuple[str, str, np.ndarray]]:
    for p, by_site in w.n.demand.items():
        for s, value in by_site.items():
            parts = site_series(value, set(w.n.demand_classes))
            yield p, s, sum((w.series(v) for _c, v in parts), np.zeros(len(w.labels)))


def _no_demand(w: _Warnings) -> None:
    demanded = {p for p, _s, values in _demand(w) if values.sum() > 0}
    demanded |= {q for product in w.n.products.values() for q in product.components}  # dependent demand
    for p in w.n.products:
        if p not in demanded:
            w.add("no-demand", ("products", p), "no demand anywhere in the horizon",
                  "add its demand, or leave the product out of this case")


def _supplied_sites(w: _Warnings, p: str) -> set[str]:
    """Sites where product ``p`` can be on hand: made, bought in, received, stocked, or
    shipped in from such a site."""
    product = w.n.products[p]
    sources = set()
    for s, at in product.sites.items():
        initial = at.initial_inventory if at.initial_inventory is not None else product.initial_inventory
        receipts = at.scheduled_receipts if at.scheduled_receipts is not None else product.scheduled_receipts
        subcontract = at.subcontract if at.subcontract is not None else product.subcontract
        if at.make or subcontract is not None or (initial or 0) > 0 or w.series(receipts).sum() > 0:
            sources.add(s)
    lanes = [lane for lane in w.n.lanes.values()
             if (p in lane.products if lane.products is not None
                 else lane.origin in product.sites and lane.destination in product.sites)]
    grown = True
    while grown:
        reached = {lane.destination for lane in lanes if lane.origin in sources}
        grown = not reached <= sources
        sources |= reached
    return sources


def _unreachable_demand(w: _Warnings) -> None:
    supplied: dict[str, set[str]] = {}
    for p, s, values in _demand(w):
        if values.sum() <= 0:
            continue
        if p not in supplied:
            supplied[p] = _supplied_sites(w, p)
        if s not in supplied[p]:
            w.add("unreachable-demand", ("demand", p, s),
                  f"nothing can supply '{p}' at '{s}': it is not made there and no lane, receipt, "
                  "subcontract or opening stock leads to it",
                  "every unit will be lost or backlogged (or the case is infeasible)")


def _safety_stock_without_effect(w: _Warnings) -> None:
    """A safety stock that neither costs anything when missed nor is hard does nothing."""
    for p, product in w.n.products.items():
        for s, at in product.sites.items():
            value, level = (at.safety_stock, "site") if at.safety_stock is not None else (product.safety_stock, "product")
            if value is None:
                continue
            is_policy = isinstance(value, SafetyStockPolicy)
            if not is_policy and not w.series(value).any():
                continue
            cost = at.safety_stock_cost if at.safety_stock_cost is not None else product.safety_stock_cost
            if (is_policy and value.hard) or w.series(cost).any():
                continue
            path = ("products", p, "sites", s, "safety_stock") if level == "site" else ("products", p, "safety_stock")
            w.add("safety-stock-no-effect", path, f"safety stock of {p} at {s} has no penalty and is not hard",
                  "set safety_stock_cost (per unit short) or make the policy hard: true; as it is, the plan "
                  "may ignore it")


def _zero_capacity(w: _Warnings) -> None:
    n = w.n
    for r, res in n.resources.items():
        if not any(v > 0 for v in res.usage.values()):
            continue
        overtime = w.series(res.overtime.capacity, np.inf) if res.overtime else np.zeros(len(w.labels))
        if not (w.series(res.hours) + overtime).any():
            w.add("zero-capacity", ("resources", r, "hours"),
                  "capacity is zero in every period, but products use this resource",
                  "nothing using it can be made; check the hours (or drop the resource)")
    for name, crew in n.workforce.items():
        if not any(v > 0 for v in crew.usage.values()):
            continue
        hours = w.series(crew.hours_per_worker)
        if crew.overtime is not None:
            hours = hours + w.series(crew.overtime.hours_per_worker, np.inf)
        staffed = crew.initial_headcount > 0 or crew.hiring is not None
        if crew.max_headcount is not None and not w.series(crew.max_headcount).any():
            staffed = False
        if not hours.any() or not staffed:
            w.add("zero-capacity", ("workforce", name),
                  "no labour hours in any period (no hours per worker, or no headcount and no hiring), "
                  "but products use this crew", "nothing using it can be made")
    used = {m for product in n.products.values() for m, q in product.materials.items() if q > 0}
    for name, sup in n.suppliers.items():
        if sup.material in used and sup.capacity is not None and not w.series(sup.capacity).any():
            w.add("zero-capacity", ("suppliers", name, "capacity"),
                  f"capacity is zero in every period, but products use its material '{sup.material}'",
                  "check the capacity (or drop the supplier)")


def _demand_outliers(w: _Warnings) -> None:
    by_product: dict[str, list[tuple[str, np.ndarray]]] = {}
    for p, s, values in _demand(w):
        by_product.setdefault(p, []).append((s, values))
    for p, rows in by_product.items():
        positive = np.concatenate([values[values > 0] for _s, values in rows])
        if positive.size < 2:
            continue
        median = float(np.median(positive))
        for s, values in rows:
            for t in np.flatnonzero(values > OUTLIER_FACTOR * median):
                label = w.labels[t]
                path = ("demand", p, s, label) if ("demand", p, s, label) in w.locations else ("demand", p, s)
                if path[-1] != label and ("demand", p, s, str(t)) in w.locations:
                    path = ("demand", p, s, str(t))
                w.add("demand-outlier", path,
                      f"demand {values[t]:,.6g} in {label} is {values[t] / median:,.0f}x the product's median "
                      f"non-zero demand ({median:,.6g})", "a unit or typing slip?")


def _undated_periods(w: _Warnings) -> None:
    if w.n.periods.days is not None:
        return
    undated = [label for label in w.labels if not is_dated(label)]
    if undated:
        w.add("undated-periods", ("periods",),
              f"period labels such as '{undated[0]}' are not dates and no days are given: each counts as one "
              "day, so days of cover are in periods, not days",
              "give periods.days (e.g. days: 7 for weeks)")


def _shelf_life_lead_time(w: _Warnings) -> None:
    """A lane that carries a product with a shelf life shorter than its lead time."""
    for p, product in w.n.products.items():
        if product.shelf_life is None:
            continue
        for name, lane in w.n.lanes.items():
            carried = p in lane.products if lane.products is not None else (
                lane.origin in product.sites and lane.destination in product.sites)
            if carried and lane.lead_time > product.shelf_life:
                w.add("shelf-life-lead-time", ("products", p, "shelf_life"),
                      f"shelf life {product.shelf_life} is shorter than the lead time {lane.lead_time} of lane "
                      f"'{name}' that feeds '{lane.destination}': '{p}' cannot be shipped on it",
                      "lengthen the shelf life or use a faster lane")
