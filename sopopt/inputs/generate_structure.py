"""Supply structure for generated cases: alternate routings (``sopopt generate --routings``).

Works on a network made by :func:`sopopt.inputs.generate.generate_network` (a plain
dict in the file format) and changes it in place, deterministically.
"""

from __future__ import annotations

from typing import Any


def add_routings(network: dict[str, Any], count: int) -> dict[str, Any]:
    """Give every third product ``count`` routings at each plant that makes it.

    Routing ``k`` runs on the plant's line ``k`` places after the product's own line,
    takes ``1 + 0.25 k`` times the product's line hours per unit and costs ``5 k`` percent
    of the production cost extra per unit; the product leaves its line's ``usage`` (the
    routings charge the lines). Packing lines and crews stay charged per unit made.
    """
    if count < 2:
        return network
    resources = network["resources"]
    for i, (name, product) in enumerate(network["products"].items()):
        if i % 3:
            continue
        for site, entry in product["sites"].items():
            lines = sorted(r for r, res in resources.items() if res["site"] == site and "-LINE" in r)
            own = [r for r in lines if name in resources[r]["usage"]]
            if not entry.get("make") or not own:
                continue
            rate = resources[own[0]]["usage"][name]
            start = lines.index(own[0])
            routings = {}
            for k in range(count):
                line = lines[(start + k) % len(lines)]
                routings[f"route{k + 1}"] = {
                    "usage": {line: round(rate * (1 + 0.25 * k), 4)},
                    "cost": round(0.05 * k * float(product.get("production_cost", 0.0)), 4),
                }
            for r in lines:
                resources[r]["usage"].pop(name, None)
            entry["routings"] = routings
    return network


def add_levels(network: dict[str, Any], levels: int) -> dict[str, Any]:
    """Give every third product a bill ``levels`` deep: a chain of intermediates.

    Product ``X`` (one of every third, from the second) is made from one unit of ``X-L2``,
    made from one unit of ``X-L3``, and so on; each intermediate is made and stocked
    at the plants that make ``X`` and costs a third of the production cost of what uses
    it, and the deepest one takes ``X``'s materials. Intermediates have no demand of their
    own: theirs is the dependent demand of the level above.
    """
    if levels < 2:
        return network
    products = network["products"]
    for i, name in enumerate(list(products)):
        if i % 3 != 1:
            continue
        top = products[name]
        plants = [s for s, entry in top["sites"].items() if entry.get("make")]
        if not plants:
            continue
        parent, cost = top, float(top.get("production_cost", 0.0))
        for level in range(2, levels + 1):
            child, cost = f"{name}-L{level}", round(cost / 3, 4)
            parent["components"] = {child: 1.0}
            products[child] = {"family": top.get("family"), "production_cost": cost,
                               "holding_cost": round(float(top.get("holding_cost", 0.0)) / 3, 4),
                               "sites": {s: {"make": True} for s in plants}}
            parent = products[child]
        parent["materials"] = top.pop("materials", {})
    return network
