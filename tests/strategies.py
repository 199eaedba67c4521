"""Hypothesis strategies: small valid planning networks in the file format (plain dicts).

Every generated network is feasible and bounded: every product may lose sales (so demand
never forces production), no lower bound is set, every cost is non-negative and no stock
starts above zero except that of a product with a shelf life (to give its opening age).
Costs are integers times a per-category factor, so that two different mixes of cost
categories rarely tie for the optimum (the relations compare categories).

:func:`write_network` writes a network to a YAML file and loads it as a case; the
``DEGENERATE`` dict names the inputs every property test also runs as an ``@example``.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

import sopopt

#: Per-category factors: a tie between different cost mixes needs a coincidence.
FACTOR = {
    "production": 1.0, "holding": 0.137, "lost": 9.71, "backlog": 0.573, "subcontract": 1.931, "overtime": 0.411,
    "wage": 3.17, "hire": 7.3, "layoff": 5.9, "storage": 0.0731, "overflow": 0.293, "material": 0.777,
    "lane": 0.0917, "safety": 2.19, "material_holding": 0.0113, "routing": 0.317, "scrap": 0.229,
}


def _cost(draw: st.DrawFn, kind: str, high: int = 20) -> float:
    return round(draw(st.integers(0, high)) * FACTOR[kind], 6)


def _series(draw: st.DrawFn, T: int, low: int, high: int) -> float | list[float]:
    if draw(st.booleans()):
        return float(draw(st.integers(low, high)))
    return [float(v) for v in draw(st.lists(st.integers(low, high), min_size=T, max_size=T))]


@st.composite
def networks(draw: st.DrawFn) -> dict[str, Any]:
    """A small valid network: 1-4 periods, 1-3 sites, 1-3 products and optional levers."""
    T = draw(st.integers(1, 4))
    sites = [f"s{i}" for i in range(draw(st.integers(1, 3)))]
    products = [f"p{i}" for i in range(draw(st.integers(1, 3)))]
    net: dict[str, Any] = {
        "name": "generated",
        "periods": {"labels": [str(t + 1) for t in range(T)]},
        "sites": {s: _site(draw, T) for s in sites},
        "products": {},
        "demand": {},
    }
    material = draw(st.booleans())
    if material:
        net["materials"] = {"m0": {"holding_cost": _cost(draw, "material_holding", 5)}}
    for p in products:
        stocked = draw(st.lists(st.sampled_from(sites), min_size=1, max_size=len(sites), unique=True))
        net["products"][p] = _product(draw, T, stocked, material)
        net["demand"][p] = {s: _series(draw, T, 0, 40) for s in stocked}
    _components(draw, net)
    made = {(p, s) for p, prod in net["products"].items() for s, at in prod["sites"].items() if at.get("make")}
    net["resources"] = _pools(draw, T, sites, made, "resource")
    net["workforce"] = _pools(draw, T, sites, made, "crew")
    _routings(draw, T, net, made)
    if material:
        net["suppliers"] = _suppliers(draw, T, sites)
    net["lanes"] = _lanes(draw, T, sites)
    return net


def _site(draw: st.DrawFn, T: int) -> dict[str, Any]:
    if not draw(st.booleans()):
        return {}
    storage: dict[str, Any] = {"capacity": _series(draw, T, 0, 200), "cost": _cost(draw, "storage", 5)}
    if draw(st.booleans()):
        storage["overflow"] = {"cost": _cost(draw, "overflow", 10), "capacity": float(draw(st.integers(0, 100)))}
    return {"storage": storage}


def _product(draw: st.DrawFn, T: int, stocked: list[str], material: bool) -> dict[str, Any]:
    product: dict[str, Any] = {
        "production_cost": _cost(draw, "production"),
        "holding_cost": _cost(draw, "holding", 5),
        "volume": draw(st.sampled_from([0.0, 0.5, 1.0, 2.0])),
        "lost_sales": {"cost": round(draw(st.integers(1, 20)) * FACTOR["lost"], 6)},
        "sites": {s: {"make": draw(st.booleans())} for s in stocked},
    }
    if draw(st.booleans()):
        product["backlog"] = {
            "cost": _cost(draw, "backlog", 10), "at_end": draw(st.sampled_from(["forbid", "lost_sale_cost"])),
        }
    if draw(st.booleans()):
        product["subcontract"] = {"cost": _cost(draw, "subcontract", 30), "capacity": float(draw(st.integers(0, 30)))}
    if draw(st.booleans()):
        product["safety_stock"] = _safety_stock(draw)
        product["safety_stock_cost"] = _cost(draw, "safety", 5)
    if draw(st.booleans()):
        product["shelf_life"] = draw(st.integers(0, 3))
        product["scrap_cost"] = _cost(draw, "scrap", 5)
        product["initial_inventory"] = float(draw(st.integers(0, 10)))
        product["initial_age"] = draw(st.integers(0, product["shelf_life"]))
    if material and any(at["make"] for at in product["sites"].values()) and draw(st.booleans()):
        product["materials"] = {"m0": draw(st.sampled_from([0.5, 1.0, 2.0]))}
    return product


def _safety_stock(draw: st.DrawFn) -> float | dict[str, Any]:
    """A plain number of units, or a policy (service level, fill rate, days of cover);
    never hard, so every network stays feasible."""
    kind = draw(st.sampled_from(["units", "service_level", "fill_rate", "days_of_cover"]))
    if kind == "units":
        return float(draw(st.integers(1, 20)))
    if kind == "days_of_cover":
        return {"days_of_cover": float(draw(st.integers(0, 60)))}
    error = ({"sd": float(draw(st.integers(0, 10)))} if draw(st.booleans())
             else {"cv": draw(st.sampled_from([0.0, 0.1, 0.3]))})
    level = draw(st.sampled_from([0.5, 0.9, 0.95, 0.99]))
    return {kind: level, "forecast_error": error, "lead_time": draw(st.sampled_from([0, 1, 2, "auto"])),
            "review": draw(st.integers(1, 2))}


def _pools(draw: st.DrawFn, T: int, sites: list[str], made: set[tuple[str, str]], kind: str) -> dict[str, Any]:
    pools: dict[str, Any] = {}
    for i in range(draw(st.integers(0, 2))):
        site = draw(st.sampled_from(sites))
        here = sorted(p for p, s in made if s == site)
        usage = {p: draw(st.sampled_from([0.0, 0.5, 1.0, 2.0])) for p in here}
        if kind == "resource":
            pool: dict[str, Any] = {"site": site, "hours": _series(draw, T, 0, 60), "usage": usage}
            if draw(st.booleans()):
                pool["overtime"] = {"cost": _cost(draw, "overtime"), "capacity": float(draw(st.integers(0, 20)))}
        else:
            pool = {
                "site": site, "initial_headcount": float(draw(st.integers(0, 3))),
                "hours_per_worker": float(draw(st.integers(0, 40))), "wage": _cost(draw, "wage"), "usage": usage,
            }
            if draw(st.booleans()):
                pool["overtime"] = {"cost": _cost(draw, "overtime"), "hours_per_worker": float(draw(st.integers(0, 10)))}
            if draw(st.booleans()):
                pool["hiring"] = {"cost": _cost(draw, "hire"), "max": float(draw(st.integers(0, 3)))}
            if draw(st.booleans()):
                pool["layoffs"] = {"cost": _cost(draw, "layoff")}
        pools[f"{kind}{i}"] = pool
    return pools


def _components(draw: st.DrawFn, net: dict[str, Any]) -> None:
    """Multi-level bills: a product may use a later product (so the bill has no cycle),
    which is then stocked wherever the user is made."""
    names = list(net["products"])
    for i, p in enumerate(names):
        making = [s for s, at in net["products"][p]["sites"].items() if at.get("make")]
        later = names[i + 1 :]
        if not making or not later or not draw(st.booleans()):
            continue
        q = draw(st.sampled_from(later))
        net["products"][p]["components"] = {q: draw(st.sampled_from([0.5, 1.0, 2.0]))}
        for s in making:
            net["products"][q]["sites"].setdefault(s, {"make": False})


def _routings(draw: st.DrawFn, T: int, net: dict[str, Any], made: set[tuple[str, str]]) -> None:
    """Alternate routings on some made products, each using resources of its site (which
    then no longer list the product in their own usage)."""
    for p, s in sorted(made):
        here = sorted(r for r, pool in net["resources"].items() if pool["site"] == s)
        if not here or not draw(st.booleans()):
            continue
        routings = {}
        for k in range(draw(st.integers(1, 2))):
            used = draw(st.lists(st.sampled_from(here), min_size=1, max_size=len(here), unique=True))
            routings[f"r{k}"] = {"usage": {r: draw(st.sampled_from([0.0, 0.5, 1.0, 1.5])) for r in used},
                                 "cost": _cost(draw, "routing", 5)}
            for r in used:
                net["resources"][r]["usage"].pop(p, None)
        net["products"][p]["sites"][s]["routings"] = routings


def _suppliers(draw: st.DrawFn, T: int, sites: list[str]) -> dict[str, Any]:
    suppliers: dict[str, Any] = {}
    for i in range(draw(st.integers(0, 2))):
        supplier: dict[str, Any] = {
            "material": "m0",
            "sites": draw(st.lists(st.sampled_from(sites), min_size=1, max_size=len(sites), unique=True)),
            "price": _cost(draw, "material"),
            "lead_time": draw(st.integers(0, T + 1)),
        }
        if draw(st.booleans()):
            supplier["capacity"] = float(draw(st.integers(0, 60)))
        suppliers[f"k{i}"] = supplier
    return suppliers


def _lanes(draw: st.DrawFn, T: int, sites: list[str]) -> dict[str, Any]:
    lanes: dict[str, Any] = {}
    pairs = [(a, b) for a in sites for b in sites if a != b]
    for i, (a, b) in enumerate(draw(st.lists(st.sampled_from(pairs), unique=True, max_size=3)) if pairs else []):
        lane: dict[str, Any] = {"origin": a, "destination": b, "cost": _cost(draw, "lane", 10),
                                "lead_time": draw(st.integers(0, T + 1))}
        if draw(st.booleans()):
            lane["capacity"] = float(draw(st.integers(0, 50)))
        lanes[f"l{i}"] = lane
    return lanes


@st.composite
def lot_networks(draw: st.DrawFn) -> dict[str, Any]:
    """A generated network whose made items all have a minimum lot and a setup cost."""
    net = draw(networks())
    for product in net["products"].values():
        for at in product["sites"].values():
            if at.get("make"):
                at["lot"] = {"min": float(draw(st.integers(1, 30))), "setup_cost": float(draw(st.integers(0, 50)))}
    return net


# --------------------------------------------------------------------------- examples

_BASE: dict[str, Any] = {
    "name": "degenerate",
    "periods": {"labels": ["1", "2", "3"]},
    "sites": {"plant": {"storage": {"capacity": 100.0, "cost": 0.1}}, "dc": {}},
    "products": {
        "a": {"production_cost": 2.0, "holding_cost": 0.5, "volume": 1.0, "lost_sales": {"cost": 50.0},
              "materials": {"m0": 1.0}, "sites": {"plant": {"make": True}, "dc": {}}},
        "b": {"production_cost": 3.0, "volume": 0.0, "lost_sales": {"cost": 40.0}, "sites": {"plant": {"make": True}}},
    },
    "materials": {"m0": {"holding_cost": 0.01}},
    "suppliers": {"k0": {"material": "m0", "sites": ["plant"], "price": 1.0, "lead_time": 0}},
    "resources": {"line": {"site": "plant", "hours": 20.0, "usage": {"a": 1.0, "b": 0.5},
                           "overtime": {"cost": 4.0, "capacity": 5.0}}},
    "workforce": {"crew": {"site": "plant", "initial_headcount": 1.0, "hours_per_worker": 30.0, "wage": 10.0,
                           "usage": {"a": 0.5}, "overtime": {"cost": 2.0, "hours_per_worker": 5.0}}},
    "lanes": {"truck": {"origin": "plant", "destination": "dc", "cost": 1.0, "lead_time": 1, "capacity": 30.0}},
    "demand": {"a": {"plant": [10.0, 20.0, 15.0], "dc": [5.0, 5.0, 25.0]}, "b": {"plant": 8.0}},
}


def _variant(change: Any) -> dict[str, Any]:
    net = copy.deepcopy(_BASE)
    change(net)
    return net


def _single_period(net: dict[str, Any]) -> None:
    net["periods"] = {"labels": ["1"]}
    net["demand"] = {"a": {"plant": 10.0, "dc": 5.0}, "b": {"plant": 8.0}}


DEGENERATE: dict[str, dict[str, Any]] = {
    "zero usage": _variant(lambda n: (n["resources"]["line"].update(usage={"a": 0.0, "b": 0.0}),
                                      n["workforce"]["crew"].update(usage={"a": 0.0}))),
    "zero volume": _variant(lambda n: n["products"]["a"].update(volume=0.0)),
    "zero capacity": _variant(lambda n: (n["resources"]["line"].update(hours=0.0),
                                         n["lanes"]["truck"].update(capacity=0.0),
                                         n["sites"]["plant"]["storage"].update(capacity=0.0))),
    "lead time at least the horizon": _variant(lambda n: (n["lanes"]["truck"].update(lead_time=3),
                                                          n["suppliers"]["k0"].update(lead_time=4))),
    "empty BOM": _variant(lambda n: n["products"]["a"].update(materials={})),
    "a site with nothing to store": _variant(lambda n: n["sites"]["dc"].update(storage={"capacity": 5.0, "cost": 1.0})
                                             or n["products"]["a"]["sites"].pop("dc") or n["demand"]["a"].pop("dc")
                                             or n["lanes"].clear()),
    "single period": _variant(_single_period),
    "two-level bill": _variant(lambda n: n["products"]["b"].update(components={"a": 2.0})),
    "shelf life": _variant(lambda n: n["products"]["a"].update(shelf_life=1, scrap_cost=0.5, initial_inventory=5.0,
                                                               initial_age=1)),
    "routings": _variant(lambda n: (n["resources"]["line"]["usage"].pop("a"),
                                    n["products"]["a"]["sites"]["plant"].update(routings={
                                        "fast": {"usage": {"line": 0.5}, "cost": 1.0}, "idle": {}}))),
}


def write_network(net: dict[str, Any], folder: Path) -> sopopt.Case:
    """Write a network to ``folder/model.yaml`` and load it as a checked case."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "model.yaml"
    path.write_text(yaml.safe_dump(net, sort_keys=False), encoding="utf-8")
    return sopopt.load_case(path, workspace=folder)
