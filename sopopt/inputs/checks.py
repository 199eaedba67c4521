"""Cross-reference and consistency checks on a schema-valid network.

Runs after schema validation: every name must refer to something that exists, every
series must cover the horizon, lower bounds must not exceed upper bounds, and matrix
coefficients must sit in a range the solver handles exactly. All problems are collected
and returned together; :func:`sopopt.inputs.case.load_case` raises them as one
:class:`~sopopt.errors.ScenarioError`. Checks of the compiled numbers (a lower bound above
an upper one) run where the data is compiled, :func:`sopopt.inputs.compile.compile_data`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from sopopt.errors import Problem
from sopopt.inputs.schema.network import Network, Product, ProductSite
from sopopt.io.reader import KeyPath, Locations, locate

#: Smallest non-zero coefficient (hours per unit, BOM quantity) accepted. Below it HiGHS
#: treats values as zero or loses accuracy against the 1e12 bound.
MIN_COEFFICIENT = 1e-6
#: Largest ratio between the largest and smallest non-zero coefficient.
MAX_COEFFICIENT = 1e6


class _Collector:
    def __init__(self, locations: Locations) -> None:
        self.locations = locations
        self.problems: list[Problem] = []

    def add(self, path: KeyPath, message: str, hint: str = "") -> None:
        self.problems.append(Problem(locate(self.locations, path), ".".join(path), message, hint))

    def unknown(self, path: KeyPath, kind: str, name: str, known: Iterable[str]) -> None:
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f"did you mean '{close[0]}'?" if close else ""
        self.add(path, f"unknown {kind} '{name}'", hint)


def check_network(network: Network, locations: Locations) -> list[Problem]:
    """Every cross-reference and coefficient problem of a schema-valid network."""
    c = _Collector(locations)
    _check_references(network, c)
    if not c.problems:
        _check_coefficients(network, c)
    _check_whole_workers(network, c)
    return c.problems


def _check_whole_workers(n: Network, c: _Collector) -> None:
    """A pool of whole workers starts and stays at whole numbers: its opening and ending
    headcounts must be whole (hires and layoffs are, so a fraction could never be met)."""
    for w, pool in n.workforce.items():
        if not pool.whole_workers:
            continue
        for name in ("initial_headcount", "min_ending_headcount", "max_ending_headcount"):
            value = getattr(pool, name)
            if value is not None and float(value) != round(float(value)):
                c.add(("workforce", w, name), f"{value:g} is not a whole number of workers",
                      "with whole_workers: true, give whole workers (or drop whole_workers)")


def _check_references(n: Network, c: _Collector) -> None:
    """Every name refers to something that exists, in file order of the sections."""
    for check in (_check_products, _check_demand, _check_pools, _check_materials, _check_lanes):
        check(n, c)


def _check_products(n: Network, c: _Collector) -> None:
    sites, materials = set(n.sites), set(n.materials)
    for p, product in n.products.items():
        for s in product.sites:
            if s not in sites:
                c.unknown(("products", p, "sites", s), "site", s, sites)
        for m in product.materials:
            if m not in materials:
                c.unknown(("products", p, "materials", m), "material", m, materials)
        if product.materials and not any(at.make for at in product.sites.values()):
            c.add(("products", p, "materials"), "a bill of materials on a product made nowhere",
                  "set 'make: true' on a site")
        for s, at in product.sites.items():
            _check_backlog(p, product, s, at, c)


def _check_backlog(p: str, product: Product, s: str, at: ProductSite, c: _Collector) -> None:
    backlog = at.backlog if at.backlog is not None else product.backlog
    initial = at.initial_backlog if at.initial_backlog is not None else product.initial_backlog
    lost = at.lost_sales if at.lost_sales is not None else product.lost_sales
    if backlog is not None and backlog.at_end == "lost_sale_cost" and lost is None:
        level = ("products", p, "sites", s) if at.backlog is not None else ("products", p)
        c.add((*level, "backlog", "at_end"), "at_end: lost_sale_cost needs lost_sales (with its cost)",
              "add 'lost_sales: {cost: ...}' or use at_end: forbid")
    if initial and backlog is None:
        c.add(("products", p, "sites", s, "initial_backlog"), "initial backlog needs backlog allowed",
              "add 'backlog:' to the product")


def _check_demand(n: Network, c: _Collector) -> None:
    sites, products = set(n.sites), set(n.products)
    for p, by_site in n.demand.items():
        if p not in products:
            c.unknown(("demand", p), "product", p, products)
            continue
        for s in by_site:
            if s in n.products[p].sites:
                continue
            if s in sites:
                c.add(("demand", p, s), f"product '{p}' is not stocked at site '{s}'",
                      f"add '{s}' under products.{p}.sites")
            else:
                c.unknown(("demand", p, s), "site", s, sites)


def _check_pools(n: Network, c: _Collector) -> None:
    """Resources and workforce pools: their site, and products made there."""
    sites, products = set(n.sites), set(n.products)
    for kind, pools in (("resources", n.resources), ("workforce", n.workforce)):
        for name, pool in pools.items():
            if pool.site not in sites:
                c.unknown((kind, name, "site"), "site", pool.site, sites)
                continue
            for p in pool.usage:
                if p not in products:
                    c.unknown((kind, name, "usage", p), "product", p, products)
                elif not (at := n.products[p].sites.get(pool.site)) or not at.make:
                    c.add((kind, name, "usage", p), f"product '{p}' is not made at site '{pool.site}'",
                          f"set make: true under products.{p}.sites.{pool.site}")
    for w, pool in n.workforce.items():
        if pool.min_ending_headcount is not None and pool.max_ending_headcount is not None \
                and pool.min_ending_headcount > pool.max_ending_headcount:
            c.add(("workforce", w, "min_ending_headcount"), "is above max_ending_headcount")


def _check_materials(n: Network, c: _Collector) -> None:
    sites, materials = set(n.sites), set(n.materials)
    for m, material in n.materials.items():
        for s in material.sites:
            if s not in sites:
                c.unknown(("materials", m, "sites", s), "site", s, sites)
    for name, sup in n.suppliers.items():
        if sup.material not in materials:
            c.unknown(("suppliers", name, "material"), "material", sup.material, materials)
        for i, s in enumerate(sup.sites):
            if s not in sites:
                c.unknown(("suppliers", name, "sites", str(i)), "site", s, sites)
        if len(set(sup.sites)) != len(sup.sites):
            c.add(("suppliers", name, "sites"), "a site is listed twice")


def _check_lanes(n: Network, c: _Collector) -> None:
    sites, products = set(n.sites), set(n.products)
    for name, lane in n.lanes.items():
        for end in ("origin", "destination"):
            site = getattr(lane, end)
            if site not in sites:
                c.unknown(("lanes", name, end), "site", site, sites)
        if lane.origin == lane.destination:
            c.add(("lanes", name, "destination"), "a lane must join two different sites")
        for i, p in enumerate(lane.products or []):
            if p not in products:
                c.unknown(("lanes", name, "products", str(i)), "product", p, products)
                continue
            for end in (lane.origin, lane.destination):
                if end in sites and end not in n.products[p].sites:
                    c.add(("lanes", name, "products", str(i)),
                          f"product '{p}' is not stocked at '{end}'", f"add '{end}' under products.{p}.sites")


def _check_coefficients(n: Network, c: _Collector) -> None:
    coefficients: list[tuple[KeyPath, float]] = []
    for kind, pools in (("resources", n.resources), ("workforce", n.workforce)):
        for name, pool in pools.items():
            coefficients += [((kind, name, "usage", p), v) for p, v in pool.usage.items()]
    for p, product in n.products.items():
        coefficients += [(("products", p, "materials", m), v) for m, v in product.materials.items()]
        if product.volume:
            coefficients.append((("products", p, "volume"), product.volume))
    for path, value in coefficients:
        if 0 < value < MIN_COEFFICIENT:
            c.add(path, f"{value:g} is too small for the solver (below {MIN_COEFFICIENT:g})",
                  "change the unit (e.g. minutes instead of hours)")
        elif value > MAX_COEFFICIENT:
            c.add(path, f"{value:g} is too large for the solver (above {MAX_COEFFICIENT:g})",
                  "change the unit")
