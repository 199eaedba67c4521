"""Compiled data of the supply-structure levers: alternate routings, multi-level bills and
shelf life (issue 31), with the problems found in them (each with its field path).

Called from :func:`sopopt.inputs.compile.compile_data`; ``ex`` is its series expander
(``ex(value, path, default)``, collecting ``ex.problems``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sopopt.inputs.schema.network import Network

Array = np.ndarray


@dataclass
class RoutingData:
    """One way of making ``product`` at ``site``: hours per unit on each resource, extra cost."""

    product: str
    site: str
    name: str
    usage: dict[str, float]
    cost: Array


@dataclass
class ShelfData:
    """A product's shelf life (periods), scrap cost and opening-stock age per site."""

    product: str
    life: int
    scrap_cost: Array
    initial_age: dict[str, int]


def compile_routings(network: Network, ex: Any) -> dict[tuple[str, str, str], RoutingData]:
    """Routings of products made at a site; each resource a routing uses is at that site
    and does not also list the product in its own ``usage``."""
    out = {}
    for p, product in network.products.items():
        for s, at in product.sites.items():
            base = ("products", p, "sites", s, "routings")
            if at.routings and not at.make:
                ex.problems.append((base, f"routings of '{p}' at '{s}', where it is not made; set make: true"))
            for k, routing in at.routings.items():
                for r in routing.usage:
                    res = network.resources.get(r)
                    if res is None or res.site != s:
                        where = "unknown resource" if res is None else f"resource at '{res.site}', not '{s}'"
                        ex.problems.append(((*base, k, "usage", r), f"{where} '{r}'"))
                    elif p in res.usage:
                        ex.problems.append((("resources", r, "usage", p),
                                            f"'{p}' has routings at '{s}' that use '{r}': drop it from this usage"))
                out[p, s, k] = RoutingData(p, s, k, dict(routing.usage), ex(routing.cost, (*base, k, "cost")))
    return out


def compile_bill(network: Network, ex: Any) -> dict[str, dict[str, float]]:
    """The multi-level bill: each component a product stocked wherever its parent is made,
    with no cycle (reported once, at the entry that closes it)."""
    products = network.products
    bill = {p: dict(product.components) for p, product in products.items() if product.components}
    for p, parts in bill.items():
        made = [s for s, at in products[p].sites.items() if at.make]
        if not made:
            ex.problems.append((("products", p, "components"), f"a bill on '{p}', which is made nowhere; set make: true"))
        for q in parts:
            if q not in products:
                ex.problems.append((("products", p, "components", q), f"unknown product '{q}'"))
                continue
            for s in made:
                if s not in products[q].sites:
                    ex.problems.append((("products", p, "components", q),
                                        f"component '{q}' is not stocked at '{s}', where '{p}' is made"))
    ex.problems.extend(_bill_cycles(bill))
    return bill


def _bill_cycles(bill: dict[str, dict[str, float]]) -> list[tuple[tuple[str, ...], str]]:
    """Each cycle of the bill as (field path of the entry that closes it, message)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    found: list[tuple[tuple[str, ...], str]] = []

    def visit(p: str, path: list[str]) -> None:
        state[p] = 1
        for q in bill.get(p, {}):
            if state.get(q) == 1:
                cycle = [*path[path.index(q):], q]
                found.append((("products", p, "components", q), "cycle in the bill: " + " -> ".join(cycle)))
            elif q not in state:
                visit(q, [*path, q])
        state[p] = 2

    for p in bill:
        if p not in state:
            visit(p, [p])
    return found


def compile_shelf(network: Network, ex: Any) -> dict[str, ShelfData]:
    """Shelf lives; an opening stock's age is at most the shelf life, and needs one."""
    shelf = {}
    for p, product in network.products.items():
        ages = {}
        for s, at in product.sites.items():
            age, level = (at.initial_age, "site") if at.initial_age is not None else (product.initial_age, "product")
            path = ("products", p, "sites", s, "initial_age") if level == "site" else ("products", p, "initial_age")
            if age is not None and product.shelf_life is None:
                ex.problems.append((path, "initial_age needs a shelf_life on the product"))
            elif age is not None and age > product.shelf_life:
                ex.problems.append((path, f"opening stock {age} periods old is past its shelf life "
                                          f"({product.shelf_life})"))
            ages[s] = int(age or 0)
        if product.shelf_life is not None:
            scrap = ex(product.scrap_cost, ("products", p, "scrap_cost"))
            shelf[p] = ShelfData(p, product.shelf_life, scrap, ages)
    return shelf
