"""The component registry: which Pyomo components hold which plan table or limit.

:data:`VARIABLES` and :data:`LIMITS` name every variable family (with the columns of the
result table it fills) and every limit whose shadow price planners read. Both build
paths use these names, and results extraction reads only this catalogue and the
solution; nothing parses component names. Cost terms are collected per category at
build time in a :class:`Registry` as ``(coefficient, variable)`` pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Cost categories in the order reports show them.
COST_CATEGORIES = (
    "production",
    "materials",
    "subcontracting",
    "transport",
    "regular_labour",
    "overtime",
    "hiring",
    "layoffs",
    "holding",
    "storage",
    "backlog",
    "lost_sales",
    "safety_stock",
)


@dataclass(frozen=True)
class VarSpec:
    """A variable family and the long table it becomes: ``columns`` name its index."""

    component: str
    table: str
    columns: tuple[str, ...]
    unit: str


@dataclass(frozen=True)
class LimitSpec:
    """A constraint family whose shadow price is reported.

    ``kind`` is the planner's name of the limit; ``unit`` is what one more unit of the
    limit means (hour, unit, volume).
    """

    component: str
    kind: str
    columns: tuple[str, ...]
    unit: str


PSP = ("product", "site", "period")

#: Every variable family, in build order.
VARIABLES: tuple[VarSpec, ...] = (
    VarSpec("production", "production", PSP, "units"),
    VarSpec("subcontract", "subcontracting", PSP, "units"),
    VarSpec("shipment", "shipments", ("lane", "product", "period"), "units"),
    VarSpec("sales", "sales", PSP, "units"),
    VarSpec("backlog", "backlog", PSP, "units"),
    VarSpec("lost", "lost_sales", PSP, "units"),
    VarSpec("inventory", "inventory", PSP, "units"),
    VarSpec("safety_shortfall", "safety_stock_shortfall", PSP, "units"),
    VarSpec("overflow", "overflow_storage", ("site", "period"), "volume"),
    VarSpec("resource_overtime", "resource_overtime", ("resource", "period"), "hours"),
    VarSpec("headcount", "headcount", ("workforce", "period"), "workers"),
    VarSpec("hires", "hires", ("workforce", "period"), "workers"),
    VarSpec("layoffs", "layoffs", ("workforce", "period"), "workers"),
    VarSpec("labour_overtime", "labour_overtime", ("workforce", "period"), "hours"),
    VarSpec("purchase", "purchases", ("supplier", "site", "period"), "units"),
    VarSpec("material_stock", "material_stock", ("material", "site", "period"), "units"),
)

#: The plan decisions a planner commits to: hedging makes them common to every demand
#: case in the committed periods, re-planning freezes them in the frozen zone. Component
#: names of :data:`VARIABLES`; stock, backlog, lost sales and headcount follow from them.
COMMITTED_DECISIONS: tuple[str, ...] = (
    "production",
    "subcontract",
    "purchase",
    "shipment",
    "resource_overtime",
    "labour_overtime",
    "hires",
    "layoffs",
)

#: Every limit whose shadow price is reported.
LIMITS: tuple[LimitSpec, ...] = (
    LimitSpec("lane_capacity", "lane", ("lane", "period"), "unit shipped"),
    LimitSpec("storage_capacity", "storage", ("site", "period"), "volume unit"),
    LimitSpec("resource_capacity", "capacity", ("resource", "period"), "hour"),
    LimitSpec("labour_capacity", "workforce", ("workforce", "period"), "labour hour"),
    LimitSpec("overtime_limit", "overtime", ("workforce", "period"), "overtime hour"),
    LimitSpec("supplier_capacity", "supplier", ("supplier", "period"), "unit of material"),
)


@dataclass
class Registry:
    """Cost terms by category, collected while the model is built."""

    costs: dict[str, list[tuple[float, Any]]] = field(default_factory=lambda: {c: [] for c in COST_CATEGORIES})

    def cost(self, category: str, terms: list[tuple[float, Any]]) -> None:
        """Add ``(coefficient, variable)`` cost terms to a category."""
        if category not in self.costs:
            raise KeyError(f"unknown cost category '{category}'")
        self.costs[category].extend(terms)
