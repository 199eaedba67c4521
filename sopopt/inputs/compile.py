"""Index sets and numeric parameters of the LP, compiled from a validated network.

Every series is expanded to one float per period (a numpy array of length T); absent
limits become ``inf``. Product defaults are resolved per site here, so the model build
never looks at the file format. Series that cannot be expanded (unknown periods, wrong
length) are collected as problems with their field path and raised together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sopopt.inputs.classes import ClassData, compile_classes, plain_demand
from sopopt.inputs.options import ContractData, OptionData, TiersData, compile_contracts, compile_options
from sopopt.inputs.periods import expand_series
from sopopt.inputs.safety_stock import SafetyTarget, policy_target
from sopopt.inputs.schema.network import ItemFields, Network, SafetyStockPolicy
from sopopt.inputs.structure import RoutingData, ShelfData, compile_bill, compile_routings, compile_shelf
from sopopt.inputs.targets import TargetData, compile_targets

INF = float("inf")
Array = np.ndarray


@dataclass
class Item:
    """A product stocked at a site (and made there if ``make``)."""

    product: str
    site: str
    make: bool
    demand: Array
    production_cost: Array
    holding_cost: Array
    min_inventory: Array
    max_inventory: Array
    min_production: Array
    max_production: Array
    safety_stock: Array
    safety_stock_cost: Array
    scheduled_receipts: Array
    initial_inventory: float
    initial_backlog: float
    ending_inventory: float
    backlog: bool
    backlog_cost: Array
    backlog_limit: Array
    backlog_at_end: str
    lost_sales: bool
    lost_sale_cost: Array
    price: Array | None
    subcontract: bool
    subcontract_cost: Array
    subcontract_capacity: Array
    #: Minimum lot size (0: none) and setup cost per period with production.
    lot_min: float = 0.0
    setup_cost: float = 0.0
    #: Cost per unit of change in production between consecutive periods (0: none).
    smoothing_cost: float = 0.0
    #: Closing stock must reach ``safety_stock`` (a hard limit, from a policy's ``hard``).
    safety_stock_hard: bool = False


@dataclass
class ResourceData:
    name: str
    site: str
    hours: Array
    usage: dict[str, float]
    overtime: bool
    overtime_cost: Array
    overtime_capacity: Array


@dataclass
class WorkforceData:
    name: str
    site: str
    initial_headcount: float
    hours_per_worker: Array
    wage: Array
    usage: dict[str, float]
    overtime: bool
    overtime_cost: Array
    overtime_per_worker: Array
    hiring: bool
    hire_cost: Array
    max_hires: Array
    layoffs: bool
    layoff_cost: Array
    max_layoffs: Array
    min_headcount: Array
    max_headcount: Array
    min_ending_headcount: float
    max_ending_headcount: float
    #: Headcount, hires and layoffs are whole numbers.
    whole_workers: bool = False


@dataclass
class MaterialStock:
    material: str
    site: str
    initial_stock: float
    scheduled_receipts: Array
    holding_cost: Array


@dataclass
class SupplierData:
    name: str
    material: str
    sites: list[str]
    price: Array
    capacity: Array
    lead_time: int


@dataclass
class LaneData:
    name: str
    origin: str
    destination: str
    products: list[str]
    cost: Array
    capacity: Array
    lead_time: int


@dataclass
class StorageData:
    site: str
    capacity: Array
    cost: Array
    overflow: bool
    overflow_cost: Array
    overflow_capacity: Array


@dataclass
class HandlingData:
    site: str
    hours: Array
    usage: dict[str, float]
    overtime: bool
    overtime_cost: Array
    overtime_capacity: Array


@dataclass
class ModelData:
    """Everything the LP needs, in plain Python and numpy."""

    labels: list[str]
    days: Array
    products: list[str]
    family: dict[str, str]
    volume: dict[str, float]
    items: dict[tuple[str, str], Item]
    bom: dict[str, dict[str, float]]
    resources: dict[str, ResourceData]
    workforce: dict[str, WorkforceData]
    material_stocks: dict[tuple[str, str], MaterialStock]
    suppliers: dict[str, SupplierData]
    lanes: dict[str, LaneData]
    storage: dict[str, StorageData]
    problems: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    handling: dict[str, HandlingData] = field(default_factory=dict)
    targets: list[TargetData] = field(default_factory=list)
    #: Safety stocks computed from a policy, by (product, site).
    safety_targets: dict[tuple[str, str], SafetyTarget] = field(default_factory=dict)
    #: Alternate routings by (product, site, routing), in file order.
    routings: dict[tuple[str, str, str], RoutingData] = field(default_factory=dict)
    #: Multi-level bill: product -> {component product: units per unit made}.
    components: dict[str, dict[str, float]] = field(default_factory=dict)
    #: Products with a shelf life.
    shelf: dict[str, ShelfData] = field(default_factory=dict)
    #: Demand classes and the allocation rule (None: no classes, allocation by cost).
    classes: ClassData | None = None
    #: Capacity options, take-or-pay contracts and price tiers (:mod:`sopopt.inputs.options`).
    options: dict[str, OptionData] = field(default_factory=dict)
    contracts: dict[str, ContractData] = field(default_factory=dict)
    tiers: dict[str, TiersData] = field(default_factory=dict)

    @property
    def T(self) -> int:
        """Number of periods (T in the maths)."""
        return len(self.labels)


class _Expander:
    """Expands series and records the field path of any that fails."""

    def __init__(self, labels: list[str]) -> None:
        self.labels = labels
        self.problems: list[tuple[tuple[str, ...], str]] = []

    def __call__(self, value: Any, path: tuple[str, ...], default: float = 0.0) -> Array:
        if value is None:
            return np.full(len(self.labels), default)
        try:
            return expand_series(value, self.labels)
        except ValueError as exc:
            self.problems.append((path, str(exc)))
            return np.full(len(self.labels), default)


def _pick(site: ItemFields, product: ItemFields, name: str) -> tuple[Any, str]:
    """A product-at-site field: the site's value if given, else the product's."""
    value = getattr(site, name)
    if value is not None:
        return value, "site"
    return getattr(product, name), "product"


def compile_data(network: Network, labels: list[str], days: Array) -> ModelData:
    """Expand every series and resolve product defaults per site."""
    ex = _Expander(labels)
    bom = {p: dict(product.materials) for p, product in network.products.items() if product.materials}
    items = _items(network, ex)
    classes = compile_classes(network, items, ex)
    data = ModelData(
        labels=list(labels),
        days=np.asarray(days, dtype=float),
        products=list(network.products),
        family={p: product.family or "" for p, product in network.products.items()},
        volume={p: product.volume for p, product in network.products.items()},
        items=items,
        bom=bom,
        resources=_resources(network, ex),
        workforce=_workforce(network, ex),
        material_stocks=_material_stocks(network, ex, bom),
        suppliers=_suppliers(network, ex),
        lanes=_lanes(network, ex),
        storage=_storage(network, ex),
        handling=_handling(network, ex),
        routings=compile_routings(network, ex),
        components=compile_bill(network, ex),
        shelf=compile_shelf(network, ex),
        classes=classes,
        problems=ex.problems,
    )
    data.targets = compile_targets(network, list(labels), list(data.items), data.problems)
    data.safety_targets = _safety_targets(network, data)
    data.options = compile_options(network, data.labels, data.problems)
    data.contracts, data.tiers = compile_contracts(network, ex, data.problems)
    if not data.problems:
        data.problems.extend(_bound_problems(data))
    return data


def _items(network: Network, ex: _Expander) -> dict[tuple[str, str], Item]:
    """Every product stocked at a site, with its site values or the product's defaults."""
    items: dict[tuple[str, str], Item] = {}
    for p, product in network.products.items():
        price = ex(product.price, ("products", p, "price")) if product.price is not None else None
        for s, at in product.sites.items():
            items[(p, s)] = _item(network, ex, _At(p, s, product, at), price)
    return items


@dataclass(frozen=True)
class _At:
    """A product at a site: the site's fields, falling back to the product's."""

    p: str
    s: str
    product: ItemFields
    at: ItemFields

    def pick(self, name: str) -> tuple[Any, tuple[str, ...]]:
        """The field's value and the path of the level it came from."""
        value, level = _pick(self.at, self.product, name)
        return value, self.where(level, name)

    def where(self, level: str, *field: str) -> tuple[str, ...]:
        """Path of ``field`` at ``level`` ("site" or "product")."""
        base = ("products", self.p, "sites", self.s) if level == "site" else ("products", self.p)
        return (*base, *field)


def _item(network: Network, ex: _Expander, it: _At, price: Array | None) -> Item:
    """One product at one site (series expanded in the order their problems are listed)."""
    T, at, made = len(ex.labels), it.at, it.at.make

    def get(name: str, default: float = 0.0) -> Array:
        value, path = it.pick(name)
        return ex(value, path, default)

    def first(name: str) -> float:
        return float(it.pick(name)[0] or 0.0)

    production_cost = get("production_cost")
    lost, lost_level = _pick(at, it.product, "lost_sales")
    lost_cost = ex(lost.cost, it.where(lost_level, "lost_sales", "cost")) if lost else np.zeros(T)
    if lost and price is not None:
        # A lost unit saves its production costs, so charging the price makes losing it
        # cost the plan exactly its lost margin (price - unit costs).
        lost_cost = np.maximum(lost_cost, price)
    return Item(
        product=it.p,
        site=it.s,
        make=made,
        demand=ex(plain_demand(network, it.p, it.s), ("demand", it.p, it.s)),
        production_cost=production_cost,
        holding_cost=get("holding_cost"),
        min_inventory=get("min_inventory"),
        max_inventory=get("max_inventory", INF),
        min_production=get("min_production"),
        max_production=get("max_production", INF),
        safety_stock=_series_only(get, at, it.product, "safety_stock", T),
        safety_stock_cost=get("safety_stock_cost"),
        scheduled_receipts=get("scheduled_receipts"),
        initial_inventory=first("initial_inventory"),
        initial_backlog=first("initial_backlog"),
        ending_inventory=first("ending_inventory"),
        **_backlog(ex, it),
        lost_sales=lost is not None,
        lost_sale_cost=lost_cost,
        price=price,
        **_subcontract(ex, it),
        lot_min=float(at.lot.min) if at.lot is not None and made else 0.0,
        setup_cost=float(at.lot.setup_cost) if at.lot is not None and made else 0.0,
        smoothing_cost=float(at.smoothing_cost) if made else 0.0,
    )


def _backlog(ex: _Expander, it: _At) -> dict[str, Any]:
    """The backlog fields of an item (none allowed when it has no ``backlog``)."""
    T = len(ex.labels)
    backlog, level = _pick(it.at, it.product, "backlog")
    if backlog is None:
        return {"backlog": False, "backlog_cost": np.zeros(T), "backlog_limit": np.zeros(T),
                "backlog_at_end": "forbid"}
    return {"backlog": True, "backlog_cost": ex(backlog.cost, it.where(level, "backlog", "cost")),
            "backlog_limit": ex(backlog.limit, it.where(level, "backlog", "limit"), INF),
            "backlog_at_end": backlog.at_end}


def _subcontract(ex: _Expander, it: _At) -> dict[str, Any]:
    """The subcontracting fields of an item (none when it has no ``subcontract``)."""
    T = len(ex.labels)
    sub, level = _pick(it.at, it.product, "subcontract")
    if sub is None:
        return {"subcontract": False, "subcontract_cost": np.zeros(T), "subcontract_capacity": np.zeros(T)}
    return {"subcontract": True, "subcontract_cost": ex(sub.cost, it.where(level, "subcontract", "cost")),
            "subcontract_capacity": ex(sub.capacity, it.where(level, "subcontract", "capacity"), INF)}


def _series_only(get: Any, at: ItemFields, product: ItemFields, name: str, periods: int) -> Array:
    """A field that may hold a policy: its series, or zeros until the policy is computed."""
    value, _level = _pick(at, product, name)
    return np.zeros(periods) if isinstance(value, SafetyStockPolicy) else get(name)


def _auto_lead_time(data: ModelData, p: str, s: str) -> int:
    """The longest supplier lead time of the product's materials at a making site, else the
    longest lane lead time into the site, else 0."""
    if data.items[p, s].make:
        materials = data.bom.get(p, {})
        supplied = [sup.lead_time for sup in data.suppliers.values() if sup.material in materials and s in sup.sites]
        if supplied:
            return max(supplied)
    lanes = [lane.lead_time for lane in data.lanes.values() if lane.destination == s and p in lane.products]
    return max(lanes, default=0)


def _safety_targets(network: Network, data: ModelData) -> dict[tuple[str, str], SafetyTarget]:
    """Compute every safety stock given as a policy and put it on its item."""
    targets = {}
    for p, product in network.products.items():
        for s, at in product.sites.items():
            policy, _level = _pick(at, product, "safety_stock")
            if not isinstance(policy, SafetyStockPolicy):
                continue
            item = data.items[p, s]
            lead = _auto_lead_time(data, p, s) if policy.lead_time == "auto" else int(policy.lead_time)
            error = policy.forecast_error
            sd = float(error.sd) if error is not None and error.sd is not None else None
            target = policy_target(policy, item.demand, data.days, lead, sd)
            item.safety_stock = target.target
            item.safety_stock_hard = target.hard
            targets[p, s] = target
    return targets


def _resources(network: Network, ex: _Expander) -> dict[str, ResourceData]:
    return {
        r: ResourceData(
            name=r,
            site=res.site,
            hours=ex(res.hours, ("resources", r, "hours")),
            usage=dict(res.usage),
            overtime=res.overtime is not None,
            overtime_cost=ex(res.overtime.cost if res.overtime else None, ("resources", r, "overtime", "cost")),
            overtime_capacity=ex(
                res.overtime.capacity if res.overtime else None, ("resources", r, "overtime", "capacity"),
                INF if res.overtime else 0.0,
            ),
        )
        for r, res in network.resources.items()
    }


def _workforce(network: Network, ex: _Expander) -> dict[str, WorkforceData]:
    workforce = {}
    for w, pool in network.workforce.items():
        path = ("workforce", w)
        workforce[w] = WorkforceData(
            name=w,
            site=pool.site,
            initial_headcount=pool.initial_headcount,
            hours_per_worker=ex(pool.hours_per_worker, (*path, "hours_per_worker")),
            wage=ex(pool.wage, (*path, "wage")),
            usage=dict(pool.usage),
            overtime=pool.overtime is not None,
            overtime_cost=ex(pool.overtime.cost if pool.overtime else None, (*path, "overtime", "cost")),
            overtime_per_worker=ex(
                pool.overtime.hours_per_worker if pool.overtime else None,
                (*path, "overtime", "hours_per_worker"), INF if pool.overtime else 0.0,
            ),
            hiring=pool.hiring is not None,
            hire_cost=ex(pool.hiring.cost if pool.hiring else None, (*path, "hiring", "cost")),
            max_hires=ex(pool.hiring.max if pool.hiring else None, (*path, "hiring", "max"), INF if pool.hiring else 0.0),
            layoffs=pool.layoffs is not None,
            layoff_cost=ex(pool.layoffs.cost if pool.layoffs else None, (*path, "layoffs", "cost")),
            max_layoffs=ex(
                pool.layoffs.max if pool.layoffs else None, (*path, "layoffs", "max"), INF if pool.layoffs else 0.0
            ),
            min_headcount=ex(pool.min_headcount, (*path, "min_headcount")),
            max_headcount=ex(pool.max_headcount, (*path, "max_headcount"), INF),
            min_ending_headcount=pool.min_ending_headcount if pool.min_ending_headcount is not None else 0.0,
            max_ending_headcount=pool.max_ending_headcount if pool.max_ending_headcount is not None else INF,
            whole_workers=pool.whole_workers,
        )
    return workforce


def _material_stocks(
    network: Network, ex: _Expander, bom: dict[str, dict[str, float]]
) -> dict[tuple[str, str], MaterialStock]:
    # Material stock is kept wherever a material is used, delivered or stocked.
    stock_keys: set[tuple[str, str]] = set()
    for p, mats in bom.items():
        for s, at in network.products[p].sites.items():
            if at.make:
                stock_keys.update((m, s) for m in mats)
    for sup in network.suppliers.values():
        stock_keys.update((sup.material, s) for s in sup.sites)
    for m, material in network.materials.items():
        stock_keys.update((m, s) for s in material.sites)
    material_stocks = {}
    for m, s in sorted(stock_keys):
        material = network.materials.get(m)
        if material is None:
            continue  # reported by checks
        at_site = material.sites.get(s)
        holding = at_site.holding_cost if at_site and at_site.holding_cost is not None else material.holding_cost
        material_stocks[(m, s)] = MaterialStock(
            material=m,
            site=s,
            initial_stock=at_site.initial_stock if at_site else 0.0,
            scheduled_receipts=ex(at_site.scheduled_receipts if at_site else None,
                                  ("materials", m, "sites", s, "scheduled_receipts")),
            holding_cost=ex(holding, ("materials", m, "holding_cost")),
        )
    return material_stocks


def _suppliers(network: Network, ex: _Expander) -> dict[str, SupplierData]:
    return {
        name: SupplierData(
            name=name,
            material=sup.material,
            sites=list(sup.sites),
            price=ex(sup.price, ("suppliers", name, "price")),
            capacity=ex(sup.capacity, ("suppliers", name, "capacity"), INF),
            lead_time=sup.lead_time,
        )
        for name, sup in network.suppliers.items()
    }


def _lanes(network: Network, ex: _Expander) -> dict[str, LaneData]:
    lanes = {}
    for name, lane in network.lanes.items():
        if lane.products is not None:
            products = list(lane.products)
        else:
            products = [
                p for p, product in network.products.items()
                if lane.origin in product.sites and lane.destination in product.sites
            ]
        lanes[name] = LaneData(
            name=name,
            origin=lane.origin,
            destination=lane.destination,
            products=products,
            cost=ex(lane.cost, ("lanes", name, "cost")),
            capacity=ex(lane.capacity, ("lanes", name, "capacity"), INF),
            lead_time=lane.lead_time,
        )
    return lanes


def _storage(network: Network, ex: _Expander) -> dict[str, StorageData]:
    storage = {}
    for s, site in network.sites.items():
        st = site.storage
        if st is None:
            continue
        storage[s] = StorageData(
            site=s,
            capacity=ex(st.capacity, ("sites", s, "storage", "capacity"), INF),
            cost=ex(st.cost, ("sites", s, "storage", "cost")),
            overflow=st.overflow is not None,
            overflow_cost=ex(st.overflow.cost if st.overflow else None, ("sites", s, "storage", "overflow", "cost")),
            overflow_capacity=ex(
                st.overflow.capacity if st.overflow else None, ("sites", s, "storage", "overflow", "capacity"),
                INF if st.overflow else 0.0,
            ),
        )
    return storage


def _handling(network: Network, ex: _Expander) -> dict[str, HandlingData]:
    """Handling capacity per site; a product in ``usage`` must be stocked at the site."""
    handling = {}
    for s, site in network.sites.items():
        h = site.handling
        if h is None:
            continue
        path = ("sites", s, "handling")
        for p in h.usage:
            if s not in (network.products[p].sites if p in network.products else {}):
                ex.problems.append(((*path, "usage", p), f"product '{p}' is not stocked at site '{s}'"))
        handling[s] = HandlingData(
            site=s,
            hours=ex(h.hours, (*path, "hours")),
            usage=dict(h.usage),
            overtime=h.overtime is not None,
            overtime_cost=ex(h.overtime.cost if h.overtime else None, (*path, "overtime", "cost")),
            overtime_capacity=ex(
                h.overtime.capacity if h.overtime else None, (*path, "overtime", "capacity"),
                INF if h.overtime else 0.0,
            ),
        )
    return handling


def _bound_problems(d: ModelData) -> list[tuple[tuple[str, ...], str]]:
    """Lower bounds above upper bounds, as (field path, message)."""
    found: list[tuple[tuple[str, ...], str]] = []

    def over(path: tuple[str, ...], low: np.ndarray, high: np.ndarray, what: str) -> None:
        bad = np.flatnonzero(low > high + 1e-9)
        if bad.size:
            found.append((path, f"{what} in period {d.labels[bad[0]]} ({low[bad[0]]:g} > {high[bad[0]]:g})"))

    for (p, s), item in d.items.items():
        base = ("products", p, "sites", s)
        over((*base, "min_inventory"), item.min_inventory, item.max_inventory, "min_inventory above max_inventory")
        over((*base, "min_production"), item.min_production, item.max_production,
             "min_production above max_production")
        if item.ending_inventory > item.max_inventory[-1]:
            found.append(((*base, "ending_inventory"), "ending_inventory above max_inventory of the last period"))
        if not item.make and item.min_production.any():
            found.append(((*base, "min_production"), f"product '{p}' is not made at '{s}'; set make: true"))
    for w, pool in d.workforce.items():
        over(("workforce", w, "min_headcount"), pool.min_headcount, pool.max_headcount,
             "min_headcount above max_headcount")
    return found
