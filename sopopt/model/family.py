"""What a constraint family declares: its components, cost categories and two builds.

A *family* is one lever of the business (production, transport, workforce, ...). Its
module ``sopopt/model/<family>.py`` holds, side by side, the maths docstring with a
symbol table, the component names, the Pyomo rules (``add(m, data, registry)``) and the
array form (``arrays(model)``, run by the fast builder), and ends with one
:class:`Family` record. :data:`sopopt.model.families.FAMILIES` lists them in build order;
both build recipes, the result registry and the formulation document read that list.

A *transformation of a built LP* (elastic slacks, stacked demand cases, fixings) is not
a family: it is written once, on the arrays, in :mod:`sopopt.model.transforms`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sopopt.inputs.compile import ModelData
    from sopopt.model.arrays import ArrayModel


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
    limit means (hour, unit, volume). ``sense`` is ``max`` for a ``<=`` row (a capacity:
    one unit more gives room) and ``min`` for a ``>=`` row (a target: one unit less gives
    room).
    """

    component: str
    kind: str
    columns: tuple[str, ...]
    unit: str
    sense: str = "max"


@dataclass(frozen=True)
class BoundLimitSpec:
    """A limit that is a bound of a variable (no row of its own), reported when it binds.

    Its shadow price is the variable's reduced cost. ``side`` is ``upper`` (a maximum:
    one more unit of the limit gives room) or ``lower`` (a minimum: one unit *less* gives
    room). A lower bound of zero is not a limit (quantities are never negative), nor is
    an infinite bound. ``ending_kind``, if given, names the limit in the last period when
    an ending condition (``ending_inventory``, ``min_ending_headcount``,
    ``max_ending_headcount``, ``backlog.at_end: forbid``) set that bound.
    """

    component: str
    side: str
    kind: str
    unit: str
    ending_kind: str | None = None


@dataclass(frozen=True)
class CostCategory:
    """A cost category a family introduces: its name, plain-language label and its
    position in reports (categories are reported in ascending ``rank``)."""

    name: str
    label: str
    rank: int


@dataclass
class Registry:
    """Cost terms of the Pyomo build by category: ``(coefficient, variable)`` pairs."""

    categories: tuple[str, ...]
    costs: dict[str, list[tuple[float, Any]]] = field(init=False)

    def __post_init__(self) -> None:
        self.costs = {c: [] for c in self.categories}

    def cost(self, category: str, terms: list[tuple[float, Any]]) -> None:
        """Add ``(coefficient, variable)`` cost terms to a category."""
        if category not in self.costs:
            raise KeyError(f"unknown cost category '{category}'")
        self.costs[category].extend(terms)


@dataclass(frozen=True)
class Family:
    """One constraint family: what it adds to the LP and how, in both build paths.

    ``variables`` are the column blocks (each a plan table), ``rows`` the names of its
    constraint blocks, ``limits`` those of its rows whose shadow price is reported,
    ``bound_limits`` the bounds of its variables reported when they bind, ``costs`` the cost categories it introduces (a family may also add terms to a
    category introduced by an earlier one).
    """

    name: str
    title: str
    doc: str
    add: Callable[[Any, ModelData, Registry], None]
    arrays: Callable[[ArrayModel], None]
    variables: tuple[VarSpec, ...] = ()
    rows: tuple[str, ...] = ()
    limits: tuple[LimitSpec, ...] = ()
    bound_limits: tuple[BoundLimitSpec, ...] = ()
    costs: tuple[CostCategory, ...] = ()
