"""Variants of a generated case (:func:`sopopt.inputs.generate.generate_network`), each
changing the plain network dict in place, deterministically: whole workers and lot sizes
(:func:`make_integer`, ``sopopt generate --integer``), demand classes
(:func:`add_classes`, ``--classes``) and a planted infeasibility
(:func:`plant_infeasibility`, ``--infeasible``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sopopt.inputs.periods import period_labels
from sopopt.inputs.schema.network import Periods


def add_classes(network: dict[str, Any], count: int) -> list[tuple[str, float]]:
    """Declare ``count`` demand classes (``class1`` first) and return (name, share of
    every demand row): class ``k`` has priority ``k``, a lost-sale cost halving with its
    rank (80, 40, 20, ...) and ``class1`` a floor of half its demand."""
    shares = np.array([2.0 ** -k for k in range(count)])
    shares /= shares.sum()
    classes: dict[str, Any] = {}
    for k in range(count):
        cost = {"cost": round(40.0 * 2.0 ** (1 - k), 4)}
        classes[f"class{k + 1}"] = {"priority": k + 1, "lost_sales": cost, **({"min_fill": 0.5} if k == 0 else {})}
    network["demand_classes"] = classes
    network["allocation"] = "cost"
    return [(f"class{k + 1}", float(shares[k])) for k in range(count)]


def make_integer(network: dict[str, Any]) -> dict[str, Any]:
    """Make a generated network an executable-plan MIP (``sopopt generate --integer``):
    every crew hires, lays off and employs whole workers (its opening headcount rounded),
    and every product is made in
    lots of at least a third of its average demand per period, with a setup cost of
    twice that lot's production cost."""
    for crew in network.get("workforce", {}).values():
        crew["whole_workers"] = True
        crew["initial_headcount"] = float(round(crew["initial_headcount"]))
    demand = network.get("demand", {})
    for name, product in network["products"].items():
        series = [sum(values) / max(len(values), 1) for values in demand.get(name, {}).values()]
        lot = float(round(sum(series) / 3))
        if lot <= 0:
            continue
        for entry in product["sites"].values():
            if entry.get("make"):
                entry["lot"] = {"min": lot, "setup_cost": round(2 * lot * float(product.get("production_cost", 1.0)), 2)}
    return network


#: Infeasibilities :func:`plant_infeasibility` can plant (``sopopt generate --infeasible``).
INFEASIBLE_CAUSES = ("capacity", "ending", "hiring", "supplier", "lane", "max-stock")


def _make_hard(product: dict[str, Any]) -> None:
    """No backlog, lost sales or subcontracting for a product, anywhere."""
    for entry in [product, *product["sites"].values()]:
        for lever in ("backlog", "lost_sales", "subcontract"):
            entry.pop(lever, None)


def plant_infeasibility(network: dict[str, Any], cause: str) -> dict[str, Any]:
    """Change a generated case (in place, and returned) so that it has no feasible plan,
    for the given cause; the feasible case is its twin:

    - ``capacity``: the first product's demand at its first selling site, in the middle
      period, is a million units and must be met (for ``capacity``, ``supplier`` and
      ``lane`` the product has no backlog, lost sales or subcontracting);
    - ``ending``: the first product must end the horizon with ten million units at its plant;
    - ``hiring``: the first crew must have 1,000 more workers by the second period, with
      no hiring allowed;
    - ``supplier``: every supplier of the first product's own material is out all
      horizon and no material is in stock at the plants, while the product must be made;
    - ``lane``: every lane into the first product's selling DC carries nothing, the DC
      starts empty and its demand there must be met;
    - ``max-stock``: the first product must be made (100 units a period) at its plant,
      which may hold at most 10 and has no lane carrying it out.

    Raises:
        ValueError: an unknown cause, or a case without what the cause needs.
    """
    if cause not in INFEASIBLE_CAUSES:
        raise ValueError(f"unknown cause '{cause}': one of {', '.join(INFEASIBLE_CAUSES)}")
    name, product = next(iter(network["products"].items()))
    plant = next(s for s, at in product["sites"].items() if at.get("make"))
    selling = next(s for s in network["demand"].get(name, {}) if s in product["sites"])
    if cause in ("capacity", "supplier", "lane"):
        _make_hard(product)
    _PLANTERS[cause](network, _Target(name, product, plant, selling, _horizon_labels(network)))
    return network


@dataclass(frozen=True)
class _Target:
    """The product a conflict is planted on: its name, entry, plant and selling site."""

    name: str
    product: dict[str, Any]
    plant: str
    selling: str
    labels: list[str]


def _plant_capacity(network: dict[str, Any], t: _Target) -> None:
    network["demand"][t.name][t.selling][len(t.labels) // 2] = 1_000_000.0


def _plant_ending(network: dict[str, Any], t: _Target) -> None:
    t.product["sites"][t.plant]["ending_inventory"] = 10_000_000.0


def _plant_hiring(network: dict[str, Any], t: _Target) -> None:
    crew = next(iter(network["workforce"].values()))
    crew.pop("hiring", None)
    crew["min_headcount"] = {"default": 0.0, t.labels[1]: float(crew["initial_headcount"]) + 1000.0}


def _plant_supplier(network: dict[str, Any], t: _Target) -> None:
    own = next(m for m in t.product["materials"] if m != "CARTON")
    for sup in network["suppliers"].values():
        if sup["material"] == own:
            sup["capacity"] = 0.0
    for at in network["materials"][own]["sites"].values():
        at["initial_stock"] = 0.0
    for at in t.product["sites"].values():
        at["initial_inventory"] = 0.0


def _plant_lane(network: dict[str, Any], t: _Target) -> None:
    for lane in network["lanes"].values():
        if lane["destination"] == t.selling:
            lane["capacity"] = 0.0
    t.product["sites"][t.selling]["initial_inventory"] = 0.0


def _plant_max_stock(network: dict[str, Any], t: _Target) -> None:
    for lane in network["lanes"].values():
        if lane["origin"] == t.plant:
            lane["products"] = [
                p for p, other in network["products"].items()
                if p != t.name and t.plant in other["sites"] and lane["destination"] in other["sites"]
            ]
    t.product["sites"][t.plant].update(min_production=100.0, max_inventory=10.0)


_PLANTERS = {
    "capacity": _plant_capacity,
    "ending": _plant_ending,
    "hiring": _plant_hiring,
    "supplier": _plant_supplier,
    "lane": _plant_lane,
    "max-stock": _plant_max_stock,
}


def _horizon_labels(network: dict[str, Any]) -> list[str]:
    periods = network["periods"]
    return period_labels(Periods.model_validate({k: periods[k] for k in ("labels", "start", "count") if k in periods}))
