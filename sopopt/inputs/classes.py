"""Demand classes, compiled: each class's demand and service settings per product and site.

A site's demand is either a series or, when some of its keys are declared
``demand_classes``, a mapping class -> series (``default`` holds demand without a class).
Settings of a class (``backlog``, ``lost_sales``) take precedence over the product at the
site, which takes precedence over the product. The class ``default`` has the item's own
settings, the priority after every declared class and no floor.

An item (product at a site) whose classes the LP must tell apart is *classed*: under
``allocation: cost`` an item with demand of a declared class, under ``priority`` and
``fair_share`` every item with demand. A classed item keeps its own sales, backlog and
lost-sale columns as totals over its classes: its backlog and lost sales are allowed
when any class allows them, and its own penalties become zero (each class pays its own,
see :mod:`sopopt.model.classes`). An item whose demand is a hard requirement (no class
may backlog or lose it) is never classed: every class is served in full.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sopopt.inputs.schema.network import Backlog, DemandClass, LostSales, Network

#: The class of demand given without a class.
DEFAULT = "default"
INF = float("inf")
Array = np.ndarray


@dataclass
class ClassDemand:
    """One class's demand at a classed item, with its resolved service settings."""

    product: str
    site: str
    name: str
    priority: int
    min_fill: float
    demand: Array
    backlog: bool
    backlog_cost: Array
    backlog_limit: Array
    backlog_at_end: str
    lost_sales: bool
    lost_sale_cost: Array
    initial_backlog: float = 0.0


@dataclass
class ClassData:
    """The classes of a case: allocation rule, ranks and every classed item's classes."""

    allocation: str
    #: Priority of every class, ``default`` included (it comes last).
    priority: dict[str, int]
    min_fill: dict[str, float]
    #: (product, site, class) -> its demand and settings, in item order, then by
    #: (priority, name) within an item: independent of the order of the input.
    demands: dict[tuple[str, str, str], ClassDemand] = field(default_factory=dict)
    #: Demand by class of items that are not classed (all served as the item is).
    unclassed: dict[tuple[str, str, str], Array] = field(default_factory=dict)

    @property
    def classed_items(self) -> list[tuple[str, str]]:
        """(product, site) of the classed items, in item order."""
        return list(dict.fromkeys((p, s) for p, s, _c in self.demands))

    def levels(self) -> list[int]:
        """The priorities present among the classed demand, ascending."""
        return sorted({c.priority for c in self.demands.values()})


def class_mapping(value: Any, declared: set[str]) -> dict[str, Any] | None:
    """The class -> series mapping of a site's demand, or None when it is one series.

    A mapping is of classes when one of its keys is a declared class or one of its
    values is not a number (a series by period maps labels to numbers only)."""
    if not isinstance(value, dict):
        return None
    if any(k in declared for k in value) or any(not isinstance(v, int | float) for v in value.values()):
        return value
    return None


def compile_classes(network: Network, items: dict[tuple[str, str], Any], ex: Any) -> ClassData | None:
    """Resolve every class's demand and settings; mutate classed items into totals.

    ``ex`` expands a series with its field path (:class:`sopopt.inputs.compile._Expander`)
    and collects problems. Returns None when the case has no classes and allocates by cost.
    """
    declared = set(network.demand_classes)
    for name in sorted(declared & set(ex.labels)):
        ex.problems.append((("demand_classes", name), f"class '{name}' is named like a period label; rename it"))
    by_item = _class_series(network, items, ex, declared)
    if not declared and network.allocation == "cost":
        return None
    last = max((c.priority for c in network.demand_classes.values()), default=0) + 1
    priority = {**{n: c.priority for n, c in network.demand_classes.items()}, DEFAULT: last}
    min_fill = {**{n: c.min_fill for n, c in network.demand_classes.items()}, DEFAULT: 0.0}
    data = ClassData(network.allocation, priority, min_fill)
    for key, item in items.items():
        series = by_item.get(key, {DEFAULT: item.demand})
        settings = {c: _settings(network.demand_classes.get(c), item, ex, c) for c in series}
        flexible = any(backlog or lost for backlog, _, _, _, lost, _ in settings.values())
        wanted = network.allocation != "cost" or set(series) != {DEFAULT}
        if not flexible or not wanted or not any(v.sum() > 0 for v in series.values()):
            data.unclassed.update({(*key, c): values for c, values in series.items() if values.any()})
            continue
        if item.initial_backlog and DEFAULT not in series:
            series[DEFAULT] = np.zeros(len(ex.labels))
            settings[DEFAULT] = _settings(None, item, ex, DEFAULT)
        for c in sorted(series, key=lambda n: (priority[n], n)):
            backlog, cost, limit, at_end, lost, lost_cost = settings[c]
            data.demands[(*key, c)] = ClassDemand(
                key[0], key[1], c, priority[c], min_fill[c], series[c], backlog, cost, limit, at_end, lost, lost_cost,
                item.initial_backlog if c == DEFAULT else 0.0,
            )
        _make_total(item, [data.demands[(*key, c)] for c in series])
    return data


def _class_series(
    network: Network, items: dict[tuple[str, str], Any], ex: Any, declared: set[str]
) -> dict[tuple[str, str], dict[str, Array]]:
    """Per item with demand by class: class -> expanded series; items' demand set to the total."""
    out: dict[tuple[str, str], dict[str, Array]] = {}
    for p, by_site in network.demand.items():
        for s, value in by_site.items():
            mapping = class_mapping(value, declared)
            if mapping is None or (p, s) not in items:
                continue
            series = {}
            for c, values in mapping.items():
                if c != DEFAULT and c not in declared:
                    hint = " (a period label: a series by period cannot hold classes)" if c in ex.labels else ""
                    ex.problems.append((("demand", p, s, c), f"unknown demand class '{c}'{hint}"))
                    continue
                series[c] = ex(values, ("demand", p, s, c))
            out[p, s] = series
            items[p, s].demand = sum(series.values(), np.zeros(len(ex.labels)))
    return out


Settings = tuple[bool, Array, Array, str, bool, Array]


def _settings(dc: DemandClass | None, item: Any, ex: Any, name: str) -> Settings:
    """(backlog?, backlog cost, class backlog limit, at_end, lost?, lost cost) of a class at an item."""
    T = len(ex.labels)
    path = ("demand_classes", name)
    backlog: Backlog | None = dc.backlog if dc is not None else None
    lost: LostSales | None = dc.lost_sales if dc is not None else None
    if backlog is not None:
        settings_b = (True, ex(backlog.cost, (*path, "backlog", "cost")),
                      ex(backlog.limit, (*path, "backlog", "limit"), INF), backlog.at_end)
    else:
        # The item's own limit bounds the total over its classes (its own column).
        settings_b = (item.backlog, item.backlog_cost.copy(), np.full(T, INF), item.backlog_at_end)
    if lost is not None:
        lost_cost = ex(lost.cost, (*path, "lost_sales", "cost"))
        if item.price is not None:
            lost_cost = np.maximum(lost_cost, item.price)
        settings_l = (True, lost_cost)
    else:
        settings_l = (item.lost_sales, item.lost_sale_cost.copy())
    return (*settings_b, *settings_l)


def _make_total(item: Any, classes: list[ClassDemand]) -> None:
    """The item's columns become totals over its classes: allowed when any class allows,
    without penalties of their own (each class pays its own)."""
    T = len(item.demand)
    if not item.backlog and any(c.backlog for c in classes):
        item.backlog, item.backlog_limit = True, np.full(T, INF)
    if any(c.backlog and c.backlog_at_end == "lost_sale_cost" for c in classes):
        item.backlog_at_end = "lost_sale_cost"
    item.lost_sales = item.lost_sales or any(c.lost_sales for c in classes)
    item.backlog_cost = np.zeros(T)
    item.lost_sale_cost = np.zeros(T)


def site_series(value: Any, declared: set[str]) -> list[tuple[str, Any]]:
    """(class, series) pairs of a site's demand: one pair ``(default, value)`` when it is
    a single series."""
    mapping = class_mapping(value, declared)
    return [(DEFAULT, value)] if mapping is None else list(mapping.items())


def plain_demand(network: Network, p: str, s: str) -> Any:
    """A site's demand series, or None when it has none or it is given by class (the
    item's total is then set by :func:`compile_classes`)."""
    value = network.demand.get(p, {}).get(s)
    return None if class_mapping(value, set(network.demand_classes)) is not None else value
