"""Seeded synthetic planning cases of any size, for benchmarks and tests.

:func:`generate_network` returns a plain dict in the sopopt file format (valid for
:class:`sopopt.inputs.schema.network.Network`); :func:`write_instance` writes it as
``model.yaml`` plus ``demand.csv`` (referenced as ``demand: {file: demand.csv}``).
The same arguments always give the same case (numpy ``default_rng(seed)``).

The structure follows real S&OP data:

- **products** in families, demand Zipf-like by rank (a few large, many small: the top
  20% are class A, stocked at every DC, with safety stock and a subcontractor); small
  products are intermittent; demand is seasonal by family (amplitude 15-50%), with a
  trend and noise;
- **periods** monthly (``2027-01``) up to 24 periods, weekly (``2027-W01``) above;
- **plants** (a third of the sites) and **DCs** (the rest); each family is made at a
  home plant and one product in five also at a second plant;
- per plant, machine **lines** shared by families plus a packing line shared by all,
  with maintenance windows (tight periods) and paid overtime;
- per plant a **workforce** sized 10% below average need, with hiring, layoffs and
  overtime (limited per worker), holidays in weeks 52 and 1;
- **materials** per family and one shared, each with a cheap main **supplier** (capacity
  about the average need, lead time 2 weeks / 1 month) and a dearer, faster backup;
- **lanes** from every plant to every DC with lead times and capacities 25% above the
  average flow; **storage** with capacities a little above normal cover and paid
  overflow;
- **backlog** (with lost sales at the horizon end) for even families, **lost sales**
  only for odd ones.

So the optimal plan uses overtime, hiring, stock builds, overflow storage and shortages.

Size: about :func:`columns_per_period` LP columns per period;
:func:`size_for_variables` picks (products, sites, periods) for a target column count:

============  =====  ======  ==========  ========
target        sites  plants  periods     products
============  =====  ======  ==========  ========
1e4           5      2       24 months   28
1e5           8      3       52 weeks    102
1e6           12     4       52 weeks    732
============  =====  ======  ==========  ========
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sopopt.inputs.generate_options import add_options
from sopopt.inputs.generate_structure import add_levels, add_routings
from sopopt.inputs.generate_variants import add_classes, make_integer, plant_infeasibility
from sopopt.io.writer import replacing_folder

#: Share of products (by rank) in class A.
A_SHARE = 0.2
#: Share of products also made at a second plant.
DUAL_SHARE = 0.2


def _r(x: float, digits: int = 4) -> float:
    """A plain Python float rounded for the file (strict schema: no numpy types)."""
    return float(round(float(x), digits))


def _plants_and_dcs(sites: int) -> tuple[list[str], list[str]]:
    if sites < 1:
        raise ValueError("need at least one site")
    n_plants = 1 if sites <= 2 else max(1, round(sites / 3))
    plants = [f"PLANT{i + 1}" for i in range(n_plants)]
    dcs = [f"DC{i + 1}" for i in range(sites - n_plants)]
    return plants, dcs


def _labels(periods: int, weekly: bool) -> tuple[dict[str, Any], list[str]]:
    if weekly:
        labels = []
        year, week = 2027, 1
        for _ in range(periods):
            labels.append(f"{year}-W{week:02d}")
            week += 1
            last = 53 if __import__("datetime").date(year, 12, 28).isocalendar()[1] == 53 else 52
            if week > last:
                year, week = year + 1, 1
        return {"start": "2027-W01", "count": periods}, labels
    labels = [f"{2027 + i // 12}-{i % 12 + 1:02d}" for i in range(periods)]
    return {"start": "2027-01", "count": periods}, labels


def _ranges(labels: list[str], mask: np.ndarray) -> list[str]:
    """Period ranges ``A..B`` (or single labels) covering the True entries of mask."""
    out = []
    t = 0
    while t < len(mask):
        if mask[t]:
            start = t
            while t + 1 < len(mask) and mask[t + 1]:
                t += 1
            out.append(labels[start] if start == t else f"{labels[start]}..{labels[t]}")
        t += 1
    return out


def _series(labels: list[str], default: float, factors: np.ndarray) -> float | dict[str, float]:
    """A series as ``{default: x, RANGE: y}`` for the periods where factors != 1."""
    if np.all(factors == 1.0):
        return _r(default)
    series: dict[str, float] = {"default": _r(default)}
    for value in np.unique(factors[factors != 1.0]):
        for key in _ranges(labels, factors == value):
            series[key] = _r(default * value)
    return series


@dataclass
class _Draws:
    """The random draws and derived sizes that every part of a generated case shares."""

    weekly: bool
    per_year: int
    labels: list[str]
    plants: list[str]
    dcs: list[str]
    selling: list[str]
    n_fam: int
    family: np.ndarray
    home: np.ndarray
    dual: np.ndarray
    second: np.ndarray
    is_a: np.ndarray
    base: np.ndarray
    cost: np.ndarray
    price: np.ndarray
    volume: np.ndarray
    line_rate: np.ndarray
    pack_rate: np.ndarray
    labour_rate: np.ndarray
    material_price: np.ndarray
    names: list[str] = field(default_factory=list)
    fam_names: list[str] = field(default_factory=list)
    sold: np.ndarray = field(default_factory=lambda: np.zeros(0))
    demand: np.ndarray = field(default_factory=lambda: np.zeros(0))
    mean_dc: np.ndarray = field(default_factory=lambda: np.zeros(0))
    mean_p: np.ndarray = field(default_factory=lambda: np.zeros(0))
    at_plant: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def T(self) -> int:
        """Number of periods."""
        return len(self.labels)


def _draw_products(rng: np.random.Generator, P: int, sites: int, labels: list[str], weekly: bool) -> _Draws:
    """Families, ranks, plants and unit data of every product."""
    plants, dcs = _plants_and_dcs(sites)
    NP = len(plants)
    n_fam = max(1, min(30, round(math.sqrt(P) / 1.5)))
    fam_share = rng.dirichlet(np.full(n_fam, 3.0))
    family = np.sort(rng.choice(n_fam, size=P, p=fam_share))
    rank = rng.permutation(P)
    scale = 5000.0 if weekly else 5000.0 * 52 / 12
    home = family % NP
    dual = (rng.random(P) < DUAL_SHARE) & (NP > 1)
    cost = np.exp(rng.normal(math.log(20.0), 0.6, P)).clip(2.0, 400.0)
    return _Draws(
        weekly=weekly,
        per_year=52 if weekly else 12,
        labels=labels,
        plants=plants,
        dcs=dcs,
        selling=dcs or plants[:1],
        n_fam=n_fam,
        family=family,
        home=home,
        dual=dual,
        second=(home + 1) % NP,
        is_a=rank < max(1, round(A_SHARE * P)),
        base=scale * (rank + 1.0) ** -0.8,  # mean demand per period, all DCs together
        cost=cost,
        price=cost * rng.uniform(1.6, 3.0, P),
        volume=rng.uniform(0.01, 0.1, P),
        line_rate=rng.uniform(0.01, 0.05, P),  # machine hours per unit
        pack_rate=rng.uniform(0.002, 0.01, P),
        labour_rate=rng.uniform(0.02, 0.08, P),
        material_price=rng.uniform(2.0, 8.0, n_fam),  # per unit of each family's raw material
        names=[f"SKU{i + 1:05d}" for i in range(P)],
        fam_names=[f"FAM{f + 1:02d}" for f in range(n_fam)],
    )


def _draw_demand(rng: np.random.Generator, g: _Draws) -> None:
    """Where each product is sold, its demand per DC and period, and the plant split."""
    P, D, T = len(g.names), len(g.selling), g.T
    t = np.arange(T)
    sold = np.zeros((P, D), dtype=bool)
    sold[g.is_a] = True
    others = ~g.is_a
    sold[others] = rng.random((int(others.sum()), D)) < 0.5
    empty = ~sold.any(axis=1)
    sold[empty, rng.integers(0, D, int(empty.sum()))] = True
    share = rng.gamma(2.0, 1.0, (P, D)) * sold
    share /= share.sum(axis=1, keepdims=True)
    amp = rng.uniform(0.15, 0.5, g.n_fam)[g.family]
    phase = rng.uniform(0.0, 1.0, g.n_fam)[g.family]
    trend = rng.uniform(-0.1, 0.2, P)
    season = 1.0 + amp[:, None] * np.sin(2 * np.pi * (t[None, :] / g.per_year - phase[:, None]))
    growth = 1.0 + trend[:, None] * t[None, :] / g.per_year
    sigma = np.where(g.is_a, 0.1, 0.3)[:, None, None]
    noise = np.exp(rng.normal(0.0, 1.0, (P, D, T)) * sigma - sigma**2 / 2)
    demand = g.base[:, None, None] * share[:, :, None] * (season * growth)[:, None, :] * noise
    small = g.base < (60.0 if g.weekly else 250.0)
    demand[small] *= rng.random((int(small.sum()), D, T)) > 0.3
    g.sold, g.demand = sold, np.rint(demand)
    g.mean_dc = g.demand.mean(axis=2)  # per product and DC
    g.mean_p = g.mean_dc.sum(axis=1)  # per product
    # Production split between home and second plant (dual products: half each).
    g.at_plant = np.zeros((P, len(g.plants)))
    g.at_plant[np.arange(P), g.home] += np.where(g.dual, 0.5, 1.0) * g.mean_p
    g.at_plant[np.arange(P)[g.dual], g.second[g.dual]] += 0.5 * g.mean_p[g.dual]


def _product_sites(g: _Draws, i: int, cover: float, holding: float) -> dict[str, Any]:
    """The ``sites`` of product i: plants that make it, DCs that sell it."""
    site_map: dict[str, Any] = {g.plants[g.home[i]]: {"make": True}}
    if g.dual[i]:
        site_map[g.plants[g.second[i]]] = {"make": True}
    if not g.dcs:
        site_map[g.plants[0]] = {"make": bool(g.home[i] == 0 or (g.dual[i] and g.second[i] == 0))}
    for d, dc in enumerate(g.selling):
        if not g.sold[i, d]:
            continue
        entry: dict[str, Any] = site_map.get(dc, {})
        entry["initial_inventory"] = _r(round(cover * g.mean_dc[i, d]), 0)
        if g.is_a[i]:
            entry["safety_stock"] = _r(round((1.0 if g.weekly else 0.25) * g.mean_dc[i, d]), 0)
            entry["safety_stock_cost"] = _r(3 * holding)
        site_map[dc] = entry
    return site_map


def _products(g: _Draws) -> dict[str, Any]:
    cover = 1.5 if g.weekly else 0.5  # periods of cover held at DCs at the start
    holding = g.cost * 0.25 / g.per_year
    out: dict[str, Any] = {}
    for i, name in enumerate(g.names):
        f = int(g.family[i])
        product: dict[str, Any] = {
            "family": g.fam_names[f],
            "volume": _r(g.volume[i]),
            "price": _r(g.price[i], 2),
            "production_cost": _r(g.cost[i], 2),
            "holding_cost": _r(holding[i]),
            "materials": {
                f"RM-{g.fam_names[f]}": _r(max(0.01, 0.25 * g.cost[i] / g.material_price[f]), 3), "CARTON": 0.1
            },
            "lost_sales": {"cost": _r(1.2 * g.price[i], 2)},  # revenue and goodwill
            "sites": _product_sites(g, i, cover, holding[i]),
        }
        if f % 2 == 0:
            product["backlog"] = {"cost": _r((0.03 if g.weekly else 0.1) * g.price[i], 2), "at_end": "lost_sale_cost"}
        if g.is_a[i]:
            product["subcontract"] = {"cost": _r(1.6 * g.cost[i], 2), "capacity": _r(round(0.1 * g.mean_p[i]), 0)}
        out[name] = product
    return out


def _sites(g: _Draws) -> dict[str, Any]:
    cover = 1.5 if g.weekly else 0.5
    store_cost = 0.5 if g.weekly else 2.0
    stock_volume_dc = (g.mean_dc * g.volume[:, None]).sum(axis=0)
    prod_volume = (g.at_plant * g.volume[:, None]).sum(axis=0)
    capacity = {plant: max(1.0, 1.0 * prod_volume[k]) for k, plant in enumerate(g.plants)}
    capacity |= {dc: max(1.0, 1.3 * cover * stock_volume_dc[d]) for d, dc in enumerate(g.dcs)}
    return {
        site: {
            "kind": "plant" if site in g.plants else "dc",
            "storage": {
                "capacity": _r(cap, 1),
                "cost": store_cost,
                "overflow": {"cost": 4 * store_cost, "capacity": _r(0.5 * cap, 1)},
            },
        }
        for site, cap in capacity.items()
    }


def _holidays(g: _Draws) -> np.ndarray:
    holiday = np.ones(g.T)
    if g.weekly:
        week = np.array([int(label[-2:]) for label in g.labels])
        holiday[(week == 52) | (week == 1)] = 0.5
    return holiday


def _lines(rng: np.random.Generator, g: _Draws, k: int, made: np.ndarray, holiday: np.ndarray) -> dict[str, Any]:
    """Machine lines of plant k shared by families, with maintenance windows, and its packing line."""
    plant, T = g.plants[k], g.T
    fams_here = sorted(set(g.family[made].tolist()))
    n_lines = max(1, min(3, len(fams_here)))
    line_of = {fam: j % n_lines for j, fam in enumerate(fams_here)}
    resources: dict[str, Any] = {}
    for j in range(n_lines):
        on_line = made[[line_of[int(g.family[i])] == j for i in made]]
        load = float((g.line_rate[on_line] * g.at_plant[on_line, k]).sum())
        factors = holiday.copy()
        start = int(rng.integers(0, max(1, T - 2)))
        width = 2 if g.weekly else 1
        factors[start : start + width] *= 0.3 if g.weekly else 0.6  # maintenance window
        hours = max(1.0, 0.95 * load)
        resources[f"{plant}-LINE{j + 1}"] = {
            "site": plant,
            "hours": _series(g.labels, hours, factors),
            "usage": {g.names[i]: _r(g.line_rate[i]) for i in on_line},
            "overtime": {"cost": 60.0, "capacity": _r(0.12 * hours, 1)},
        }
    pack_load = float((g.pack_rate[made] * g.at_plant[made, k]).sum())
    resources[f"{plant}-PACK"] = {
        "site": plant,
        "hours": _series(g.labels, max(1.0, 1.15 * pack_load), holiday),
        "usage": {g.names[i]: _r(g.pack_rate[i]) for i in made},
    }
    return resources


def _crew(g: _Draws, k: int, made: np.ndarray, holiday: np.ndarray) -> dict[str, Any]:
    """The workforce of plant k, sized 15% below its average need."""
    need = float((g.labour_rate[made] * g.at_plant[made, k]).sum())
    hpw = 40.0 if g.weekly else 168.0
    head = max(1.0, 0.85 * need / hpw)
    wage = 1000.0 if g.weekly else 4300.0
    return {
        "site": g.plants[k],
        "initial_headcount": _r(head, 1),
        "hours_per_worker": _series(g.labels, hpw, holiday),
        "wage": wage,
        "usage": {g.names[i]: _r(g.labour_rate[i]) for i in made},
        "overtime": {"cost": _r(1.5 * wage / hpw, 2), "hours_per_worker": 8.0 if g.weekly else 32.0},
        "hiring": {"cost": 3 * wage if g.weekly else 0.7 * wage, "max": _r(max(1.0, 0.05 * head), 1)},
        "layoffs": {"cost": 5 * wage if g.weekly else 1.2 * wage, "max": _r(max(1.0, 0.05 * head), 1)},
        "min_headcount": _r(0.6 * head, 1),
    }


def _lines_and_crews(rng: np.random.Generator, g: _Draws) -> tuple[dict[str, Any], dict[str, Any]]:
    holiday = _holidays(g)
    resources: dict[str, Any] = {}
    workforce: dict[str, Any] = {}
    for k, plant in enumerate(g.plants):
        made = np.flatnonzero((g.home == k) | (g.dual & (g.second == k)))
        if made.size == 0:
            continue
        resources |= _lines(rng, g, k, made, holiday)
        workforce[f"{plant}-CREW"] = _crew(g, k, made, holiday)
    return resources, workforce


def _materials(g: _Draws, products: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Materials held at the plants that use them; a main and a backup supplier each."""
    NP, T = len(g.plants), g.T
    materials: dict[str, Any] = {}
    suppliers: dict[str, Any] = {}
    mat_need: dict[str, np.ndarray] = {}
    for i, name in enumerate(g.names):
        for mat, qty in products[name]["materials"].items():
            mat_need.setdefault(mat, np.zeros(NP))
            mat_need[mat] += qty * g.at_plant[i]
    lead_main, lead_backup = (2, 1) if g.weekly else (1, 0)
    for mat in sorted(mat_need):
        need = mat_need[mat]
        users = [g.plants[k] for k in range(NP) if need[k] > 0]
        unit_price = 3.0 if mat == "CARTON" else _r(g.material_price[g.fam_names.index(mat[3:])], 2)
        materials[mat] = {
            "holding_cost": _r(unit_price * 0.2 / g.per_year),
            "sites": {
                g.plants[k]: {"initial_stock": _r(round((lead_main + 1) * need[k]), 0)} for k in range(NP) if need[k] > 0
            },
        }
        total = float(need.sum())
        suppliers[f"SUP-{mat}-MAIN"] = {
            "material": mat,
            "sites": users,
            "price": unit_price,
            "capacity": _r(max(1.0, 1.05 * total), 0),
            "lead_time": min(lead_main, T - 1),
        }
        suppliers[f"SUP-{mat}-BACKUP"] = {
            "material": mat,
            "sites": users,
            "price": _r(1.25 * unit_price, 2),
            "capacity": _r(max(1.0, 0.4 * total), 0),
            "lead_time": min(lead_backup, T - 1),
        }
    return materials, suppliers


def _lanes(rng: np.random.Generator, g: _Draws) -> dict[str, Any]:
    """A lane from every plant to every DC it supplies, capacity 25% above the flow."""
    lanes: dict[str, Any] = {}
    for k, plant in enumerate(g.plants):
        share_k = g.at_plant[:, k] / np.maximum(g.mean_p, 1e-9)
        for d, dc in enumerate(g.dcs):
            flow = float((share_k * g.mean_dc[:, d]).sum())
            if flow <= 0:
                continue
            lanes[f"{plant}>{dc}"] = {
                "origin": plant,
                "destination": dc,
                "cost": _r(rng.uniform(0.2, 1.5), 2),
                "capacity": _r(max(1.0, 1.25 * flow), 0),
                "lead_time": min(int(1 + (k + d) % 2) if g.weekly else 0, g.T - 1),
            }
    return lanes


def generate_network(
    products: int, sites: int, periods: int, seed: int = 0, *, weekly: bool | None = None
) -> dict[str, Any]:
    """A synthetic planning case as a plain dict in the sopopt file format.

    Args:
        products: number of finished products.
        sites: number of sites (a third are plants, the rest DCs; 1-2 sites: one plant).
        periods: number of periods in the horizon.
        seed: random seed; the same arguments give the same case.
        weekly: weekly periods (default: when ``periods > 24``), else monthly.

    Demand is inline (product -> site -> list per period); :func:`write_instance`
    moves it to a CSV file.
    """
    if products < 1 or periods < 1:
        raise ValueError("need at least one product and one period")
    rng = np.random.default_rng(seed)
    weekly = periods > 24 if weekly is None else weekly
    horizon, labels = _labels(periods, weekly)
    g = _draw_products(rng, products, sites, labels, weekly)
    _draw_demand(rng, g)
    out_products = _products(g)
    out_sites = _sites(g)
    resources, workforce = _lines_and_crews(rng, g)
    materials, suppliers = _materials(g, out_products)
    lanes = _lanes(rng, g)
    demand_out: dict[str, dict[str, list[float]]] = {}
    for i, name in enumerate(g.names):
        for d in np.flatnonzero(g.sold[i]):
            demand_out.setdefault(name, {})[g.selling[d]] = g.demand[i, d].tolist()
    return {
        "name": f"synthetic-{products}x{sites}x{periods}-s{seed}",
        "description": f"Synthetic case: {products} products, {len(g.plants)} plants, {len(g.dcs)} DCs, {periods} "
        f"{'weeks' if weekly else 'months'} (sopopt.inputs.generate, seed {seed}).",
        "currency": "EUR",
        "periods": horizon,
        "products": out_products,
        "sites": out_sites,
        "resources": resources,
        "workforce": workforce,
        "materials": materials,
        "suppliers": suppliers,
        "lanes": lanes,
        "demand": demand_out,
    }


def columns_per_period(products: int, sites: int) -> float:
    """Approximate LP columns per period: ``a * products + b``, fitted on generated
    cases (within a few percent from 20 products up)."""
    _, dcs = _plants_and_dcs(sites)
    k = 0.6 * len(dcs) + 0.4 if dcs else 1.0  # expected DCs selling a product
    return (3.4 + 4.38 * k) * products + 40.0 + 2.7 * sites


#: (largest target columns, sites, periods) tiers used by :func:`size_for_variables`.
SIZE_TIERS = ((3e4, 5, 24), (3e5, 8, 52), (math.inf, 12, 52))


def size_for_variables(n: float) -> tuple[int, int, int]:
    """(products, sites, periods) for about ``n`` LP columns.

    Sites and periods grow in tiers (5 sites x 24 months up to 3e4 columns, 8 sites x
    52 weeks up to 3e5, then 12 sites x 104 weeks); products fill the rest.
    """
    sites, periods = next((s, t) for limit, s, t in SIZE_TIERS if n <= limit)
    per_product = columns_per_period(1, sites) - columns_per_period(0, sites)
    products = max(1, round((n / periods - columns_per_period(0, sites)) / per_product))
    return products, sites, periods


def _demand_text(demand: dict[str, dict[str, list[float]]], labels: list[str], layout: str,
                 classes: list[tuple[str, float]] | None = None) -> str:
    """The demand table as CSV text (``wide``: one column per period; ``long``: one row
    each; with ``classes``, wide with a ``class`` column: each row split by share)."""
    if layout not in ("wide", "long"):
        raise ValueError("layout must be 'wide' or 'long'")
    cells = [(p, s, values) for p, by_site in demand.items() for s, values in by_site.items()]
    if classes:
        lines = [",".join(["product", "site", "class", *labels])]
        lines += [",".join([p, s, c, *(f"{round(v * share):g}" for v in values)])
                  for p, s, values in cells for c, share in classes]
    elif layout == "wide":
        lines = [",".join(["product", "site", *labels])]
        lines += [",".join([p, s, *(f"{v:g}" for v in values)]) for p, s, values in cells]
    else:
        lines = ["product,site,period,quantity"]
        lines += [f"{p},{s},{label},{v:g}" for p, s, values in cells for label, v in zip(labels, values, strict=True)]
    return "\n".join(lines) + "\n"


def write_instance(
    directory: str | Path,
    products: int,
    sites: int,
    periods: int,
    seed: int = 0,
    *,
    weekly: bool | None = None,
    layout: str = "wide",
    infeasible: str | None = None,
    integer: bool = False,
    routings: int = 0,
    levels: int = 1,
    classes: int = 0,
    options: int = 0,
) -> Path:
    """Write ``model.yaml`` and ``demand.csv`` (``wide`` or ``long`` layout) into
    ``directory`` and return the path of ``model.yaml``; with ``infeasible``, a case
    without a feasible plan for that cause (see
    :func:`~sopopt.inputs.generate_variants.plant_infeasibility`); with ``integer``, whole
    workers and lot sizes (see :func:`~sopopt.inputs.generate_variants.make_integer`); with
    ``routings`` of 2 or more, that many routings on a third of the products
    (:func:`sopopt.inputs.generate_structure.add_routings`); with ``levels`` of 2 or
    more, a bill that deep on another third (:func:`~sopopt.inputs.generate_structure.add_levels`); with
    ``classes``, every demand row split into that many classes (see
    :func:`~sopopt.inputs.generate_variants.add_classes`,
    a wide table with a ``class`` column); with
    ``options``, that many capacity options (see :mod:`sopopt.inputs.generate_options`)."""
    network = generate_network(products, sites, periods, seed, weekly=weekly)
    if infeasible is not None:
        plant_infeasibility(network, infeasible)
    if integer:
        make_integer(network)
    add_routings(network, routings)
    add_levels(network, levels)
    if options:
        add_options(network, options, seed)
    demand = network.pop("demand")
    weekly = periods > 24 if weekly is None else weekly
    _, labels = _labels(periods, weekly)
    demand_text = _demand_text(demand, labels, layout, add_classes(network, classes) if classes else None)
    network["demand"] = {"file": "demand.csv"}
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump(network, Dumper=dumper, sort_keys=False, default_flow_style=None, width=120)
    with replacing_folder(Path(directory), kind="generate") as folder:
        folder.text("demand.csv", demand_text)
        return folder.text("model.yaml", text)
