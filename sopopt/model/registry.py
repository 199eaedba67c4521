"""The component registry: which Pyomo components hold which plan table or limit.

Each constraint family registers its variables (with the columns of the result table
they fill), its limits (constraints whose shadow price planners read) and its cost terms
(by category). Results extraction and the objective read only this registry; nothing
parses component names.
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

    ``kind`` is the planner's name of the limit (capacity, workforce, supplier, storage,
    lane); ``unit`` is what one more unit of the limit means (hour, unit, volume).
    """

    component: str
    kind: str
    columns: tuple[str, ...]
    unit: str


@dataclass
class Registry:
    """Everything results extraction needs to know about a built model."""

    variables: list[VarSpec] = field(default_factory=list)
    limits: list[LimitSpec] = field(default_factory=list)
    costs: dict[str, list[Any]] = field(default_factory=lambda: {c: [] for c in COST_CATEGORIES})
    #: Rows of the balance constraints, by family, so that sweeps can update right-hand
    #: sides in place.
    balances: dict[str, str] = field(default_factory=dict)

    def var(self, component: str, table: str, columns: tuple[str, ...], unit: str) -> None:
        """Register a variable family."""
        self.variables.append(VarSpec(component, table, columns, unit))

    def limit(self, component: str, kind: str, columns: tuple[str, ...], unit: str) -> None:
        """Register a limit whose shadow price planners read."""
        self.limits.append(LimitSpec(component, kind, columns, unit))

    def cost(self, category: str, terms: Any) -> None:
        """Add cost terms (a Pyomo expression or a list of them) to a category."""
        if category not in self.costs:
            raise KeyError(f"unknown cost category '{category}'")
        self.costs[category].append(terms)
