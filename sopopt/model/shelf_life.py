r"""Shelf life: stock tracked by age, and scrap at the end of a product's life.

A unit of product :math:`p` (shelf life :math:`N`) made or subcontracted in period
:math:`t'` has age :math:`a = t - t'` in period :math:`t`; it can serve demand while
:math:`a \le N`, wherever it is (time in transit counts), and is scrapped at the close of
period :math:`t' + N` if still in stock. At every site :math:`s` stocking :math:`p`, for
every age :math:`a = 0..N` (closing stock :math:`K_{\cdot,N}` is the scrap :math:`W`):

.. math::

    K_{p,s,a,t} = K_{p,s,a-1,t-1} + [a=0](X_{p,s,t} + U_{p,s,t} + R_{p,s,t})
        + [t=0, a=a^0_{p,s}] I^0_{p,s}
        + \sum_{l \in in(s)} V_{l,p,a-L_l,t-L_l} - G_{p,s,a,t} - \sum_{l \in out(s)} V_{l,p,a,t}

    \sum_{a < N} K_{p,s,a,t} = I_{p,s,t},
    \qquad \sum_{a \le N - L_l} V_{l,p,a,t} = Y_{l,p,t},
    \qquad K_{p,s,N,t} \equiv W_{p,s,t}

and :math:`W` leaves the closing stock: :math:`I_{p,s,t} = \dots - W_{p,s,t}` in the
inventory balance (:mod:`sopopt.model.inventory`). With the stock split, the age rows and
the inventory balance together make the issues :math:`\sum_a G_{p,s,a,t}` equal to what
the balance takes out for sales and dependent demand, so no row of this family holds
demand (an in-place demand change needs only the balance's right-hand side). Shipped at age
:math:`a`, a unit arrives at age :math:`a + L_l`; a lane whose lead time exceeds the shelf
life cannot carry the product (a warning says so). The plan may use any age first; it
sells the oldest first where that is cheaper (ties are allowed).

=====================  =========================  ===========================================
symbol                 Pyomo                      file field
=====================  =========================  ===========================================
:math:`N`              index range of ages        ``products.P.shelf_life``
:math:`K`              ``m.stock_by_age``         (decision) closing stock by age
:math:`G`              ``m.issue_by_age``         (decision) units sold or used, by age
:math:`V`              ``m.shipment_by_age``      (decision) units shipped, by age
:math:`W`              ``m.scrap``                (decision) units scrapped at close
:math:`a^0`            constant                   ``initial_age``
:math:`c^W`            cost term                  ``products.P.scrap_cost``
(rows)                 ``m.age_balance``, ``m.stock_split``, ``m.shipment_split``
=====================  =========================  ===========================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sopopt.inputs.compile import ModelData
from sopopt.model.arrays import ArrayModel, Grid, stack
from sopopt.model.bills import extend_rows
from sopopt.model.family import CostCategory, CostTerms, Family, PlanColumn, RowSpec, RowTerm, VarSpec, physics_words
from sopopt.model.inventory import INVENTORY, INVENTORY_BALANCE
from sopopt.model.production import PRODUCTION, SUBCONTRACT
from sopopt.model.transport import SHIPMENT

if TYPE_CHECKING:
    import pyomo.environ as pyo

PSAP = ("product", "site", "age", "period")
STOCK_BY_AGE = VarSpec("stock_by_age", "stock_by_age", PSAP, "units")
ISSUE_BY_AGE = VarSpec("issue_by_age", "issues_by_age", PSAP, "units")
SHIPMENT_BY_AGE = VarSpec("shipment_by_age", "shipments_by_age", ("lane", "product", "age", "period"), "units")
SCRAP = VarSpec("scrap", "scrap", ("product", "site", "period"), "units")
AGE_BALANCE = "age_balance"
STOCK_SPLIT = "stock_split"
SHIPMENT_SPLIT = "shipment_split"
#: Plan-table column this family fills.
PLAN_SCRAP = PlanColumn("scrap", SCRAP.component, "Scrapped")


@dataclass
class Shelf:
    """The index structure of the shelf-life rows, shared by both builds."""

    life: dict[str, int]
    scrap_cost: dict[str, np.ndarray]
    initial_age: dict[tuple[str, str], int]
    #: Items (product, site) of products with a shelf life, in item order.
    items: list[tuple[str, str]] = field(default_factory=list)
    #: (product, site, age) with a closing stock: ages 0..N-1.
    stock: list[tuple[str, str, int]] = field(default_factory=list)
    #: (product, site, age) with a balance row and issues: ages 0..N.
    ages: list[tuple[str, str, int]] = field(default_factory=list)
    #: (lane, product) carrying such a product, in shipment order, and its shipment entity.
    lanes: list[tuple[str, str]] = field(default_factory=list)
    shipment_entity: dict[tuple[str, str], int] = field(default_factory=dict)
    #: (lane, product, age) shipped at that age: ages 0..N-L (arriving at most N old).
    shipped: list[tuple[str, str, int]] = field(default_factory=list)
    lead: dict[str, int] = field(default_factory=dict)
    leaving: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    arriving: dict[tuple[str, str], list[str]] = field(default_factory=dict)


def shelf_structure(d: ModelData) -> Shelf:
    """Which items, ages and lanes have stock by age, from the compiled shelf lives."""
    sh = Shelf({p: x.life for p, x in d.shelf.items()}, {p: x.scrap_cost for p, x in d.shelf.items()}, {})
    for p, s in d.items:
        if p in sh.life:
            sh.items.append((p, s))
            sh.initial_age[p, s] = d.shelf[p].initial_age.get(s, 0)
            sh.stock += [(p, s, a) for a in range(sh.life[p])]
            sh.ages += [(p, s, a) for a in range(sh.life[p] + 1)]
    for j, (lane, p) in enumerate((name, p) for name, info in d.lanes.items() for p in info.products):
        info = d.lanes[lane]
        sh.lead[lane] = info.lead_time
        if p in sh.life:
            sh.lanes.append((lane, p))
            sh.shipment_entity[lane, p] = j
            sh.shipped += [(lane, p, a) for a in range(sh.life[p] - info.lead_time + 1)]
            sh.leaving.setdefault((p, info.origin), []).append(lane)
            sh.arriving.setdefault((p, info.destination), []).append(lane)
    return sh


def add(m: pyo.ConcreteModel, d: ModelData, reg: CostTerms) -> None:
    """Stock, issues and shipments by age, scrap, and their balances."""
    import pyomo.environ as pyo

    sh = shelf_structure(d)
    T = d.T

    def cells(entities: list[tuple[Any, ...]], periods: Any = None) -> list[tuple[Any, ...]]:
        return [(*e, t) for e in entities for t in (periods(e) if periods else range(T))]

    m.stock_by_age_index = pyo.Set(initialize=cells(sh.stock), dimen=4, ordered=True)
    m.stock_by_age = pyo.Var(m.stock_by_age_index, domain=pyo.NonNegativeReals)
    m.issue_by_age_index = pyo.Set(initialize=cells(sh.ages), dimen=4, ordered=True)
    m.issue_by_age = pyo.Var(m.issue_by_age_index, domain=pyo.NonNegativeReals)
    m.shipment_by_age_index = pyo.Set(initialize=cells(sh.shipped, lambda e: range(T - sh.lead[e[0]])),
                                      dimen=4, ordered=True)
    m.shipment_by_age = pyo.Var(m.shipment_by_age_index, domain=pyo.NonNegativeReals)
    m.scrap_index = pyo.Set(initialize=cells(sh.items), dimen=3, ordered=True)
    m.scrap = pyo.Var(m.scrap_index, domain=pyo.NonNegativeReals)
    m.age_balance = pyo.Constraint(pyo.Set(initialize=cells(sh.ages), dimen=4, ordered=True),
                                   rule=lambda m, p, s, a, t: _age_balance(m, d, sh, p, s, a, t))
    _add_splits(m, d, sh)
    extend_rows(m.inventory_balance, {(p, s, t): m.scrap[p, s, t] for p, s, t in m.scrap_index})
    reg.cost("scrap", [
        (float(sh.scrap_cost[p][t]), m.scrap[p, s, t]) for p, s, t in m.scrap_index if sh.scrap_cost[p][t]
    ])


def _age_balance(m: pyo.ConcreteModel, d: ModelData, sh: Shelf, p: str, s: str, a: int, t: int) -> Any:
    """Row (p, s, a, t): closing stock of age a (scrap at a = N) from what was there a period
    younger, what arrives at that age, and what is used or shipped at that age."""
    item, life = d.items[p, s], sh.life[p]
    expr = m.stock_by_age[p, s, a, t] if a < life else m.scrap[p, s, t]
    expr = expr + m.issue_by_age[p, s, a, t]
    for lane in sh.leaving.get((p, s), []):
        if (lane, p, a, t) in m.shipment_by_age_index:
            expr = expr + m.shipment_by_age[lane, p, a, t]
    if a >= 1 and t >= 1:
        expr = expr - m.stock_by_age[p, s, a - 1, t - 1]
    if a == 0 and item.make:
        expr = expr - m.production[p, s, t]
    if a == 0 and item.subcontract:
        expr = expr - m.subcontract[p, s, t]
    for lane in sh.arriving.get((p, s), []):
        lead = sh.lead[lane]
        if (lane, p, a - lead, t - lead) in m.shipment_by_age_index:
            expr = expr - m.shipment_by_age[lane, p, a - lead, t - lead]
    rhs = 0.0
    if a == 0:
        rhs += float(item.scheduled_receipts[t])
    if t == 0 and a == sh.initial_age[p, s]:
        rhs += float(item.initial_inventory)
    return expr == rhs


def _add_splits(m: pyo.ConcreteModel, d: ModelData, sh: Shelf) -> None:
    """Stock by age adds up to the stock; shipments by age to the shipments."""
    import pyomo.environ as pyo

    def stock_split(m: pyo.ConcreteModel, p: str, s: str, t: int) -> Any:
        return sum(m.stock_by_age[p, s, a, t] for a in range(sh.life[p])) - m.inventory[p, s, t] == 0.0

    m.stock_split = pyo.Constraint(m.scrap_index, rule=stock_split)
    index = [(lane, p, t) for lane, p in sh.lanes for t in range(d.T - sh.lead[lane])]

    def shipment_split(m: pyo.ConcreteModel, lane: str, p: str, t: int) -> Any:
        ages = range(sh.life[p] - sh.lead[lane] + 1)
        return sum(m.shipment_by_age[lane, p, a, t] for a in ages) - m.shipment[lane, p, t] == 0.0

    m.shipment_split = pyo.Constraint(pyo.Set(initialize=index, dimen=3, ordered=True), rule=shipment_split)


def arrays(a: ArrayModel) -> None:
    """The same columns, rows, coefficients and costs as arrays."""
    d, T = a.d, a.T
    sh = shelf_structure(d)
    K = a.columns(STOCK_BY_AGE.component, sh.stock, np.ones((len(sh.stock), T), dtype=bool))
    G = a.columns(ISSUE_BY_AGE.component, sh.ages, np.ones((len(sh.ages), T), dtype=bool))
    lead_v = np.array([sh.lead[lane] for lane, _p, _a in sh.shipped], dtype=np.int64)
    V = a.columns(SHIPMENT_BY_AGE.component, sh.shipped, np.arange(T)[None, :] < (T - lead_v)[:, None])
    W = a.columns(SCRAP.component, sh.items, np.ones((len(sh.items), T), dtype=bool))
    _age_rows(a, sh, K, G, V, W)
    _split_arrays(a, sh, K, V)
    item_rows = np.array([a.pos[key] for key in sh.items], dtype=np.int64)
    if item_rows.size:
        a.coef(a.ids[INVENTORY_BALANCE][item_rows], W, 1.0)
    a.objective("scrap", W, stack([sh.scrap_cost[p] for p, _s in sh.items], T))


def _age_rows(a: ArrayModel, sh: Shelf, K: Grid, G: Grid, V: Grid, W: Grid) -> Grid:
    """The age balance rows (one entity per product, site and age)."""
    d, T = a.d, a.T
    n = len(sh.ages)
    age = np.array([e[2] for e in sh.ages], dtype=np.int64)
    item = np.array([a.pos[p, s] for p, s, _a in sh.ages], dtype=np.int64)
    rhs = np.zeros((n, T))
    zero = age == 0
    rhs[zero] += a.item_grid("scheduled_receipts")[item[zero]] if n else 0.0
    start = age == np.array([sh.initial_age[p, s] for p, s, _a in sh.ages], dtype=np.int64)
    rhs[start, 0] += np.array([d.items[p, s].initial_inventory for p, s, _a in sh.ages])[start]
    AB = a.rows(AGE_BALANCE, sh.ages, np.ones((n, T), dtype=bool), rhs, 0)
    row = {e: i for i, e in enumerate(sh.ages)}
    stock_at = {e: i for i, e in enumerate(sh.stock)}
    closing = np.array([stock_at.get(e, -1) for e in sh.ages], dtype=np.int64)
    has_stock = closing >= 0
    a.coef(AB[has_stock], K[closing[has_stock]], 1.0)
    scrap_row = np.array([row[p, s, sh.life[p]] for p, s in sh.items], dtype=np.int64)
    a.coef(AB[scrap_row], W, 1.0)
    a.coef(AB, G, 1.0)
    younger = np.array([stock_at.get((p, s, g - 1), -1) for p, s, g in sh.ages], dtype=np.int64)
    prev = np.full((n, T), -1, dtype=np.int64)
    prev[younger >= 0, 1:] = K[younger[younger >= 0], :-1]
    a.coef(AB, prev, -1.0)
    for name, flag in ((PRODUCTION.component, "make"), (SUBCONTRACT.component, "subcontract")):
        ids = a.item_ids(name, a.item_flag(flag))
        a.coef(AB[zero], ids[item[zero]], -1.0)
    _shipment_coefs(a, sh, AB, row, V)
    return AB


def _shipment_coefs(a: ArrayModel, sh: Shelf, AB: Grid, row: dict[tuple[str, str, int], int], V: Grid) -> None:
    """Shipped by age out of the origin's row at that age, into the destination's row
    ``lead`` periods later at ``lead`` periods older."""
    T = a.T
    for j, (lane, p, g) in enumerate(sh.shipped):
        info, lead = a.d.lanes[lane], sh.lead[lane]
        a.coef(AB[row[p, info.origin, g]], V[j], 1.0)
        arrive = np.full(T, -1, dtype=np.int64)
        arrive[lead:] = V[j, : T - lead]
        a.coef(AB[row[p, info.destination, g + lead]], arrive, -1.0)


def _split_arrays(a: ArrayModel, sh: Shelf, K: Grid, V: Grid) -> None:
    """Stock split rows per item and shipment split rows per lane and product."""
    T = a.T
    item_rows = np.array([a.pos[key] for key in sh.items], dtype=np.int64)
    SK = a.rows(STOCK_SPLIT, sh.items, np.ones((len(sh.items), T), dtype=bool), 0.0, 0)
    split_of = {key: i for i, key in enumerate(sh.items)}
    if sh.stock:
        a.coef(SK[np.array([split_of[p, s] for p, s, _g in sh.stock], dtype=np.int64)], K, 1.0)
    if sh.items:
        a.coef(SK, a.ids[INVENTORY.component][item_rows], -1.0)
    lead = np.array([sh.lead[lane] for lane, _p in sh.lanes], dtype=np.int64)
    SS = a.rows(SHIPMENT_SPLIT, sh.lanes, np.arange(T)[None, :] < (T - lead)[:, None], 0.0, 0)
    lane_row = {key: i for i, key in enumerate(sh.lanes)}
    if sh.shipped:
        a.coef(SS[np.array([lane_row[lane, p] for lane, p, _g in sh.shipped], dtype=np.int64)], V, 1.0)
    if sh.lanes:
        Y = a.ids[SHIPMENT.component]
        a.coef(SS, Y[np.array([sh.shipment_entity[key] for key in sh.lanes], dtype=np.int64)], -1.0)


FAMILY = Family(
    name="shelf_life",
    title="Shelf life (stock by age, scrap)",
    doc=__doc__ or "",
    add=add,
    arrays=arrays,
    variables=(STOCK_BY_AGE, ISSUE_BY_AGE, SHIPMENT_BY_AGE, SCRAP),
    rows=(
        RowSpec(AGE_BALANCE, "stock of {name} by age in {period}", "unit",
                "one more unit of the product of that age at the site (physics, never relaxed)",
                physics_words("age balance", "stock of {0} at {1} of age {2} in {period}")),
        RowSpec(STOCK_SPLIT, "stock of {name} split by age in {period}", "unit",
                "physics: the ages add up to the stock (never relaxed)",
                physics_words("stock by age", "stock of {0} at {1} in {period} adds up over its ages")),
        RowSpec(SHIPMENT_SPLIT, "shipments on {name} split by age in {period}", "unit",
                "physics: the ages add up to the shipment (never relaxed)",
                physics_words("shipment by age", "shipment of {1} on lane {0} in {period} adds up over its ages")),
    ),
    costs=(CostCategory("scrap", "Scrapped stock", 95),),
    extends=(RowTerm(INVENTORY_BALANCE, (SCRAP.component,), "units scrapped leave the stock"),),
    plan_columns=(PLAN_SCRAP,),
)
