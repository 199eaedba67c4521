"""The file format of a supply network and its demand: strict, frozen pydantic models.

A *series* is a number that may change by period. It is written as

- one number, used in every period: ``hours: 400``;
- a list with one number per period: ``hours: [400, 400, 320, ...]``;
- a mapping from period label (or ``FIRST..LAST`` range) to number, with an optional
  ``default`` for the periods not named: ``hours: {default: 400, 2027-07: 200}``.

Units: quantities in units of product (or material), time in hours, money in the
model's currency, volume in the model's volume unit. Every cost is per unit per period
unless its field says otherwise. Negative numbers are rejected everywhere.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, StrictStr, Tag, field_validator, model_validator

from sopopt.inputs.schema.base import MAX_MAGNITUDE, Name, Number, Series, Strict
from sopopt.inputs.schema.options import CapacityOption, Contract, PriceTier
from sopopt.inputs.schema.targets import Target


class Periods(Strict):
    """The planning horizon: ordered period labels and their length in days."""

    labels: list[Name] | None = None
    """Period labels in order, e.g. ``[2027-01, 2027-02]``. Give these or start+count."""
    start: Name | None = None
    """First label when generating: ``2027-01`` (monthly) or ``2027-W05`` (weekly)."""
    count: Annotated[int, Field(ge=1, le=10_000)] | None = None
    """Number of periods to generate from ``start``."""
    days: Series | None = None
    """Length of each period in days (default: calendar days of a month, 7 for a week,
    1 otherwise). Used for days-of-cover KPIs."""


class Backlog(Strict):
    """Unmet demand may be carried to later periods."""

    cost: Series = 0.0
    """Cost per unit backlogged at the close of a period."""
    limit: Series | None = None
    """Largest backlog at a period's close (units). Absent: unlimited."""
    at_end: Literal["forbid", "lost_sale_cost"] = "forbid"
    """Backlog left at the horizon end: ``forbid`` (default), or ``lost_sale_cost``:
    allowed and charged the lost-sale cost per unit (needs ``lost_sales``)."""


class LostSales(Strict):
    """Unmet demand may be lost (never served)."""

    cost: Series = 0.0
    """Penalty per unit lost. With a price, the charge is at least the price: as a lost
    unit's production costs are saved, losing it then costs the plan its lost margin."""


class Subcontract(Strict):
    """Finished units bought from a subcontractor, arriving in the same period."""

    cost: Series = 0.0
    """Cost per subcontracted unit."""
    capacity: Series | None = None
    """Most units per period. Absent: unlimited."""


Fraction = Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)]
"""A number strictly between 0 and 1."""

#: The keys that make a mapping under ``safety_stock`` a policy rather than a series.
POLICY_KEYS = ("service_level", "fill_rate", "days_of_cover")


class ForecastError(Strict):
    """How far demand may miss the forecast, per period (one standard deviation).

    Give one of ``sd``, ``cv`` or ``file``."""

    sd: Number | None = None
    """Standard deviation of the forecast error per period (units)."""
    cv: Number | None = None
    """Coefficient of variation: the standard deviation is ``cv`` times the mean demand
    of the periods the safety stock covers."""
    file: StrictStr | None = None
    """A CSV or Excel table with columns ``product``, ``site``, ``sd`` (units per period)."""
    sheet: StrictStr | None = None
    """Sheet of an Excel ``file``."""

    @model_validator(mode="after")
    def _one_source(self) -> ForecastError:
        given = [name for name in ("sd", "cv", "file") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of sd, cv or file")
        return self


class SafetyStockPolicy(Strict):
    """A safety stock computed from a policy before the solve (see docs/safety-stock.md).

    Give exactly one of ``service_level``, ``fill_rate`` or ``days_of_cover``."""

    service_level: Fraction | None = None
    """Cycle service level: the chance of no stockout in a replenishment cycle. The
    target is z(service_level) x sd x sqrt(lead_time + review)."""
    fill_rate: Fraction | None = None
    """Share of demand served from stock: the smallest target whose expected shortage per
    review cycle is at most (1 - fill_rate) x the mean demand of one review cycle."""
    days_of_cover: Number | None = None
    """Days of the following periods' demand, using the periods' lengths in days."""
    forecast_error: ForecastError | None = None
    """Per-period forecast error; needed by ``service_level`` and ``fill_rate``."""
    lead_time: Annotated[int, Field(ge=0, le=1000)] | Literal["auto"] = "auto"
    """Replenishment lead time in periods. ``auto``: the longest lane lead time into the
    site, or at a making site the longest supplier lead time of its materials (0 if none)."""
    review: Annotated[int, Field(ge=1, le=1000)] = 1
    """Review period: periods between replenishment decisions."""
    hard: bool = False
    """True: closing stock must reach the target (a hard limit). False: falling short
    costs ``safety_stock_cost`` per unit."""

    @model_validator(mode="after")
    def _one_method(self) -> SafetyStockPolicy:
        given = [name for name in POLICY_KEYS if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of service_level, fill_rate or days_of_cover")
        statistical = given[0] != "days_of_cover"
        if statistical and self.forecast_error is None:
            raise ValueError(f"{given[0]} needs forecast_error ({{sd: N}}, {{cv: C}} or {{file: errors.csv}})")
        if not statistical and self.forecast_error is not None:
            raise ValueError("days_of_cover uses no forecast_error")
        return self

    @property
    def method(self) -> str:
        """The policy's name: service_level, fill_rate or days_of_cover."""
        return next(name for name in POLICY_KEYS if getattr(self, name) is not None)


def _safety_stock_kind(value: Any) -> str:
    if isinstance(value, dict) and any(key in value for key in POLICY_KEYS):
        return "policy"
    if isinstance(value, SafetyStockPolicy):
        return "policy"
    return "series"


SafetyStock = Annotated[
    Annotated[SafetyStockPolicy, Tag("policy")] | Annotated[Series, Tag("series")],
    Discriminator(_safety_stock_kind),
]
"""A safety stock: a series of units, or a policy (a mapping with one of the policy keys)."""


class ItemFields(Strict):
    """Fields of a product at a site. On a product they are defaults for its sites."""

    production_cost: Series | None = None
    """Variable cost per unit produced (materials and labour are costed separately)."""
    holding_cost: Series | None = None
    """Cost per unit in closing stock per period."""
    backlog: Backlog | None = None
    """Allow backlog of unmet demand. Absent: not allowed."""
    lost_sales: LostSales | None = None
    """Allow lost sales. Absent: not allowed. With neither, demand is a hard requirement."""
    initial_inventory: Number | None = None
    """Stock on hand before the first period (units). Default 0."""
    initial_backlog: Number | None = None
    """Demand owed before the first period (units). Default 0. Needs backlog allowed."""
    min_inventory: Series | None = None
    """Lowest closing stock per period (hard). Default 0."""
    max_inventory: Series | None = None
    """Highest closing stock per period. Absent: unlimited."""
    ending_inventory: Number | None = None
    """Lowest closing stock in the last period. Default 0."""
    safety_stock: SafetyStock | None = None
    """Target closing stock per period (soft, see ``safety_stock_cost``): units per period,
    or a policy ``{service_level: 0.95, forecast_error: {sd: 200}}``, ``{fill_rate: ...}``
    or ``{days_of_cover: 15}`` computed before the solve."""
    safety_stock_cost: Series | None = None
    """Penalty per unit of closing stock below ``safety_stock``. Default 0."""
    min_production: Series | None = None
    """Lowest production per period (units). Default 0."""
    max_production: Series | None = None
    """Highest production per period (units). Absent: unlimited."""
    subcontract: Subcontract | None = None
    """Allow subcontracting at this site. Absent: not allowed."""
    scheduled_receipts: Series | None = None
    """Units already on the way that arrive at the site in each period. Default 0."""
    initial_age: Annotated[int, Field(ge=0, le=1000)] | None = None
    """Age in periods of the opening stock at the start of the first period, for a product
    with a ``shelf_life`` (it can serve demand while its age is at most the shelf life).
    Default 0: new at the start."""


class Routing(Strict):
    """One way of making a product at a site: the machine hours it takes and its extra cost."""

    usage: dict[Name, Number] = {}
    """Hours per unit made this way on each resource of the site."""
    cost: Series = 0.0
    """Extra cost per unit made this way, on top of ``production_cost`` (cost category
    ``production``)."""


class Lot(Strict):
    """A minimum lot size with a setup cost: in each period production at the site is
    either 0 or at least ``min``, and a period with production pays ``setup_cost``.
    Makes the plan a mixed-integer program (one yes/no decision per period)."""

    min: Annotated[float, Field(gt=0, le=MAX_MAGNITUDE, allow_inf_nan=False)]
    """Smallest quantity made in a period with production (units)."""
    setup_cost: Annotated[float, Field(ge=0, le=MAX_MAGNITUDE, allow_inf_nan=False)] = 0.0
    """Cost paid in every period with production (cost category ``setups``)."""


class ProductSite(ItemFields):
    """A product at a site: stocked there, and made there when ``make`` is true."""

    make: bool = False
    """True if the product can be produced at this site."""
    lot: Lot | None = None
    """Minimum lot size and setup cost (an integer decision). Absent: any quantity."""
    smoothing_cost: Annotated[float, Field(ge=0, le=MAX_MAGNITUDE, allow_inf_nan=False)] = 0.0
    """Cost per unit of change in production from one period to the next (cost category
    ``smoothing``): levels production. 0: no smoothing."""
    routings: dict[Name, Routing] = {}
    """Alternate ways of making the product here: production is split across them, each
    charging its own resources (a resource a routing uses must not also list the product
    in its ``usage``). Workforce usage stays per unit of total production. Empty: one way,
    charged through the resources' ``usage``."""


class Product(ItemFields):
    """A finished product. Its fields are the defaults for every site listed under it."""

    family: Name | None = None
    """Product family (group) used in adjustments and reports."""
    volume: Number = 0.0
    """Storage volume per unit (volume units)."""
    price: Series | None = None
    """Selling price per unit; when given the plan reports revenue and profit."""
    materials: dict[Name, Number] = {}
    """Bill of materials: units of each purchased material per unit produced."""
    components: dict[Name, Number] = {}
    """Multi-level bill: units of each other product (a sub-assembly or intermediate) used
    per unit produced, taken from that product's stock at the making site (its dependent
    demand). The component must be stocked at every site that makes this product; the
    bill must have no cycle."""
    shelf_life: Annotated[int, Field(ge=0, le=1000)] | None = None
    """Periods a unit can be kept: made (or subcontracted) in period t, it can serve demand
    in periods t..t+shelf_life, wherever it is (time in transit counts), and is scrapped
    at the close of t+shelf_life if still in stock. 0: sold in the period made. Absent:
    never expires."""
    scrap_cost: Series = 0.0
    """Cost per unit scrapped at the end of its shelf life (cost category ``scrap``)."""
    sites: dict[Name, ProductSite]
    """Where the product is stocked (and made, with ``make: true``)."""


class Overflow(Strict):
    """Rented storage volume above the site's capacity."""

    cost: Series = 0.0
    """Cost per unit of overflow volume per period, on top of the regular storage cost."""
    capacity: Series | None = None
    """Most overflow volume per period. Absent: unlimited."""


class Storage(Strict):
    """Finished-goods storage at a site, measured on closing stock."""

    capacity: Series | None = None
    """Volume available per period. Absent: unlimited."""
    cost: Series = 0.0
    """Cost per unit of volume stored per period, on top of the holding cost."""
    overflow: Overflow | None = None
    """Allow rented volume above capacity. Absent: not allowed."""


class HandlingOvertime(Strict):
    """Extra handling hours per period."""

    cost: Series = 0.0
    """Cost per overtime handling hour."""
    capacity: Series | None = None
    """Most overtime handling hours per period. Absent: unlimited."""


class Handling(Strict):
    """Handling capacity at a site: hours to receive and ship goods (docks, pickers)."""

    hours: Series
    """Handling hours available per period."""
    usage: dict[Name, Number]
    """Hours per unit of each product received at or shipped from the site (by lane or to
    customers). A product not listed takes no handling hours."""
    overtime: HandlingOvertime | None = None
    """Allow paid overtime handling hours. Absent: not allowed."""


class Site(Strict):
    """A plant, warehouse or distribution centre."""

    kind: Literal["plant", "warehouse", "dc"] = "plant"
    """What the site is (informative; production is set per product with ``make``)."""
    storage: Storage | None = None
    """Storage capacity and cost. Absent: unlimited and free."""
    handling: Handling | None = None
    """Handling hours for everything received and shipped at the site. Absent: unlimited."""


class ResourceOvertime(Strict):
    """Extra machine hours per period."""

    cost: Series = 0.0
    """Cost per overtime hour."""
    capacity: Series | None = None
    """Most overtime hours per period. Absent: unlimited."""


class Resource(Strict):
    """A machine group or line at a site with hours available per period."""

    site: Name
    """Site the resource belongs to."""
    hours: Series
    """Regular hours available per period (lower in maintenance periods)."""
    usage: dict[Name, Number]
    """Hours used per unit of each product made at the site."""
    overtime: ResourceOvertime | None = None
    """Allow overtime hours. Absent: not allowed."""


class WorkerOvertime(Strict):
    """Overtime hours of the workforce."""

    cost: Series = 0.0
    """Cost per overtime hour."""
    hours_per_worker: Series | None = None
    """Most overtime hours per worker per period. Absent: unlimited."""


class Staffing(Strict):
    """Changing the headcount: hiring or layoffs."""

    cost: Series = 0.0
    """Cost per worker hired (or laid off)."""
    max: Series | None = None
    """Most workers hired (or laid off) per period. Absent: unlimited."""


class Workforce(Strict):
    """A pool of workers at a site."""

    site: Name
    """Site the pool works at."""
    initial_headcount: Number = 0.0
    """Workers employed before the first period."""
    hours_per_worker: Series
    """Regular hours per worker per period."""
    wage: Series = 0.0
    """Wage per worker per period, paid on headcount whether used or not."""
    usage: dict[Name, Number]
    """Labour hours per unit of each product made at the site."""
    overtime: WorkerOvertime | None = None
    """Allow overtime. Absent: not allowed."""
    hiring: Staffing | None = None
    """Allow hiring (usable in the same period). Absent: not allowed."""
    layoffs: Staffing | None = None
    """Allow layoffs. Absent: not allowed."""
    min_headcount: Series | None = None
    """Lowest headcount per period. Default 0."""
    max_headcount: Series | None = None
    """Highest headcount per period. Absent: unlimited."""
    min_ending_headcount: Number | None = None
    """Lowest headcount in the last period."""
    max_ending_headcount: Number | None = None
    """Highest headcount in the last period."""
    whole_workers: bool = False
    """Hire, lay off and employ whole workers only (integer decisions: a mixed-integer
    program). Default: fractional headcount (an LP)."""


class MaterialSite(Strict):
    """Stock of a material at a site."""

    initial_stock: Number = 0.0
    """Material on hand before the first period."""
    scheduled_receipts: Series = 0.0
    """Material already ordered that arrives in each period."""
    holding_cost: Series | None = None
    """Overrides the material's holding cost at this site."""


class Material(Strict):
    """A purchased material, consumed by production through the bill of materials."""

    holding_cost: Series = 0.0
    """Cost per unit of material in closing stock per period."""
    sites: dict[Name, MaterialSite] = {}
    """Opening stock and scheduled receipts per site."""


class Supplier(Strict):
    """A supplier of one material to one or more sites."""

    material: Name
    """Material supplied."""
    sites: list[Name]
    """Sites it delivers to."""
    price: Series = 0.0
    """Price per unit, by the period the order is placed."""
    capacity: Series | None = None
    """Most units ordered per period (all sites together). Absent: unlimited."""
    lead_time: Annotated[int, Field(ge=0, le=1000)] = 0
    """Periods from order to arrival: ordered in t, usable in t + lead_time."""
    contract: Contract | None = None
    """Take-or-pay contract (replaces ``price``). Absent: no minimum is paid for."""
    price_tiers: Annotated[list[PriceTier], Field(min_length=1)] | None = None
    """Incremental volume prices per period (replace ``price``), in increasing ``up_to``;
    the last tier has no ``up_to``. Falling prices make the plan a mixed-integer program."""


class Lane(Strict):
    """A transport lane from one site to another."""

    origin: Name
    """Site shipped from."""
    destination: Name
    """Site shipped to."""
    products: list[Name] | None = None
    """Products allowed on the lane. Absent: every product stocked at both ends."""
    cost: Series = 0.0
    """Cost per unit shipped, by the period of departure."""
    capacity: Series | None = None
    """Most units shipped per period (all products together). Absent: unlimited."""
    lead_time: Annotated[int, Field(ge=0, le=1000)] = 0
    """Periods in transit: shipped in t, available in t + lead_time."""


class DemandClass(Strict):
    """A class of demand (key accounts, retail, ...): who is served first when supply is
    short. Its settings override those of the product at the site and of the product."""

    priority: Annotated[int, Field(ge=1, le=1000)] = 1
    """Rank under ``allocation: priority`` or ``fair_share``: 1 is served first. Demand
    without a class (the class ``default``) comes after every declared class."""
    backlog: Backlog | None = None
    """Backlog of this class's unmet demand. Absent: as for the product at the site."""
    lost_sales: LostSales | None = None
    """Lost sales of this class's unmet demand. Absent: as for the product at the site."""
    min_fill: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 0.0
    """Share of the class's demand in each period to deliver on time before any class is
    served above its own floor (``allocation: priority`` or ``fair_share``), as far as
    supply allows."""


Allocation = Literal["cost", "priority", "fair_share"]


class Network(Strict):
    """A complete, resolved planning case: the master data plus one demand case."""

    name: Name = "unnamed"
    """Name shown in reports."""
    description: str = ""
    """Free text."""
    currency: Name = "USD"
    """Currency of every cost (informative)."""
    periods: Periods
    """The planning horizon."""
    products: dict[Name, Product]
    """Finished products."""
    sites: dict[Name, Site]
    """Plants, warehouses and DCs."""
    resources: dict[Name, Resource] = {}
    """Machine groups and lines."""
    workforce: dict[Name, Workforce] = {}
    """Worker pools."""
    materials: dict[Name, Material] = {}
    """Purchased materials."""
    suppliers: dict[Name, Supplier] = {}
    """Material suppliers."""
    lanes: dict[Name, Lane] = {}
    """Transport lanes."""
    demand: dict[Name, dict[Name, Series | dict[Name, Series]]] = {}
    """Demand in units: product -> site -> series, or product -> site -> class -> series
    (under a site, keys that are declared ``demand_classes`` are classes)."""
    demand_classes: dict[Name, DemandClass] = {}
    """Classes of demand with their priority and service settings. Demand given without
    a class belongs to the class ``default`` (served last)."""
    targets: list[Target] = []
    """Targets the plan is measured against (revenue, profit, units, fill rate), or
    ``{file: budget.csv}``: a table with the same columns (see ``TargetsTable``)."""
    allocation: Allocation = "cost"
    """How short supply is shared among classes: ``cost`` (cheapest plan, by each class's
    penalties), ``priority`` (lexicographic: floors, then priority 1 on time, then 2, ...,
    then cost) or ``fair_share`` (as priority, with equal fill for classes of equal
    priority within a product, site and period)."""

    @field_validator("demand_classes")
    @classmethod
    def _no_default_class(cls, classes: dict[str, DemandClass]) -> dict[str, DemandClass]:
        if "default" in classes:
            raise ValueError("'default' is the class of demand given without a class; choose another name")
        return classes
    options: dict[Name, CapacityOption] = {}
    """Capacity decisions the plan may take (buy a machine, add a shift): see docs/options.md."""

    @field_validator("products")
    @classmethod
    def _products_have_sites(cls, products: dict[str, Product]) -> dict[str, Product]:
        for name, product in products.items():
            if not product.sites:
                raise ValueError(f"product '{name}' lists no sites")
        return products

    @field_validator("targets")
    @classmethod
    def _target_names_unique(cls, targets: list[Target]) -> list[Target]:
        names = [t.name for t in targets]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"target name(s) given twice: {', '.join(twice)}")
        return targets

