r"""Finished-goods inventory balance, stock limits and safety stock.

For every product :math:`p` stocked at site :math:`s` and period :math:`t`:

.. math::

    I_{p,s,t} = I_{p,s,t-1} + X_{p,s,t} + U_{p,s,t} + R_{p,s,t}
        + \sum_{l \in in(s)} Y_{l,p,t-L_l} - \sum_{l \in out(s)} Y_{l,p,t} - S_{p,s,t}

    \underline{I}_{p,s,t} \le I_{p,s,t} \le \overline{I}_{p,s,t},
    \qquad I_{p,s,T-1} \ge I^{end}_{p,s}, \qquad I_{p,s,-1} = I^0_{p,s}

    I_{p,s,t} + Z_{p,s,t} \ge SS_{p,s,t} \quad (Z \ge 0, \text{where } c^{Z} > 0
        \text{ or the target is hard; then } Z \le 0)

    \text{cost} = \sum h_{p,s,t} I_{p,s,t} \;(\text{holding})
        + \sum c^{Z}_{p,s,t} Z_{p,s,t} \;(\text{safety stock})

:math:`S` is the sales term of :mod:`sopopt.model.demand` (demand itself when demand is
hard). A safety stock set by a policy (:mod:`sopopt.inputs.safety_stock`) is computed
before the build; ``hard: true`` makes its row a hard limit. Holding and safety-stock costs are charged on the closing position of every
period, the last one included.

=====================  ==========================  =================================
symbol                 Pyomo                       file field
=====================  ==========================  =================================
:math:`I`              ``m.inventory``             (decision) closing stock
:math:`I^0`            constant                    ``initial_inventory``
:math:`R`              constant                    ``scheduled_receipts``
:math:`\underline{I}`  bound of I                  ``min_inventory``
:math:`\overline{I}`   bound of I                  ``max_inventory``
:math:`I^{end}`        bound of I at T-1           ``ending_inventory``
:math:`SS`             ``m.safety_stock``          ``safety_stock``
:math:`Z`              ``m.safety_shortfall``      (decision) units below target
:math:`h`              cost term                   ``holding_cost``
:math:`c^Z`            cost term                   ``safety_stock_cost``
(balance)              ``m.inventory_balance``
=====================  ==========================  =================================
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sopopt.inputs.compile import ModelData
from sopopt.model.arrays import ArrayModel, lagged, previous
from sopopt.model.common import bound
from sopopt.model.demand import sales_arrays, sales_expression
from sopopt.model.family import (
    BoundLimitSpec,
    BoundSpec,
    CostCategory,
    CostTerms,
    DemandTerm,
    Family,
    PlanColumn,
    Relief,
    RowSpec,
    Source,
    VarSpec,
    Words,
)
from sopopt.model.production import PRODUCTION, SUBCONTRACT
from sopopt.model.transport import SHIPMENT, lane_products

if TYPE_CHECKING:
    import pyomo.environ as pyo

PSP = ("product", "site", "period")
INVENTORY = VarSpec("inventory", "inventory", PSP, "units")
SAFETY_SHORTFALL = VarSpec("safety_shortfall", "safety_stock_shortfall", PSP, "units")
INVENTORY_BALANCE = "inventory_balance"
SAFETY_STOCK = "safety_stock"
#: Plan-table columns this family fills.
PLAN_OPENING = PlanColumn("opening_inventory", INVENTORY.component, "Opening stock")
PLAN_RECEIPTS = PlanColumn("scheduled_receipts", "", "Scheduled receipts")
PLAN_INVENTORY = PlanColumn("inventory", INVENTORY.component, "Closing stock")
PLAN_SAFETY_STOCK = PlanColumn("safety_stock", "", "Safety stock")
PLAN_SHORTFALL = PlanColumn("safety_shortfall", SAFETY_SHORTFALL.component, "Below safety stock")
PLAN_MAX_INVENTORY = PlanColumn("max_inventory", "", "Maximum stock")


def add(m: pyo.ConcreteModel, d: ModelData, reg: CostTerms) -> None:
    """Closing stock I[p,s,t], its balance, bounds, holding cost and safety stock."""
    _add_stock(m, d, reg)
    _add_safety_stock(m, d, reg)


def _add_stock(m: pyo.ConcreteModel, d: ModelData, reg: CostTerms) -> None:
    """Closing stock I[p,s,t] within its bounds, its balance and its holding cost."""
    import pyomo.environ as pyo

    T = d.T
    m.item_index = pyo.Set(initialize=[(p, s, t) for p, s in d.items for t in range(T)], dimen=3, ordered=True)

    def bounds(_m: pyo.ConcreteModel, p: str, s: str, t: int) -> tuple[float, float | None]:
        item = d.items[p, s]
        low = float(item.min_inventory[t])
        if t == T - 1:
            low = max(low, item.ending_inventory)
        return low, bound(item.max_inventory[t])

    m.inventory = pyo.Var(m.item_index, domain=pyo.NonNegativeReals, bounds=bounds)
    arriving, leaving = _lanes_by_item(d)

    def balance(m: pyo.ConcreteModel, p: str, s: str, t: int) -> pyo.Expression:
        item = d.items[p, s]
        opening = m.inventory[p, s, t - 1] if t > 0 else item.initial_inventory
        inflow = 0.0
        if item.make:
            inflow += m.production[p, s, t]
        if item.subcontract:
            inflow += m.subcontract[p, s, t]
        inflow += sum(m.shipment[name, p, t - lead] for name, lead in arriving[p, s] if t - lead >= 0)
        outflow = sum(m.shipment[name, p, t] for name in leaving[p, s] if (name, p, t) in m.shipment_index)
        sales, demand = sales_expression(m, d, p, s, t)
        return m.inventory[p, s, t] - opening - inflow + outflow + sales == float(item.scheduled_receipts[t]) - demand

    m.inventory_balance = pyo.Constraint(m.item_index, rule=balance)
    reg.cost("holding", [
        (float(d.items[p, s].holding_cost[t]), m.inventory[p, s, t])
        for p, s, t in m.item_index if d.items[p, s].holding_cost[t]
    ])


def _lanes_by_item(d: ModelData) -> tuple[dict[tuple[str, str], list[tuple[str, int]]],
                                          dict[tuple[str, str], list[str]]]:
    """Lanes arriving at each (product, destination) with their lead times, and lanes
    leaving each (product, origin)."""
    arriving: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    leaving: dict[tuple[str, str], list[str]] = defaultdict(list)
    for name, lane in d.lanes.items():
        for p in lane.products:
            arriving[p, lane.destination].append((name, lane.lead_time))
            leaving[p, lane.origin].append(name)
    return arriving, leaving


def _add_safety_stock(m: pyo.ConcreteModel, d: ModelData, reg: CostTerms) -> None:
    """I + Z >= SS where the target is positive and costed or hard (then Z <= 0)."""
    import pyomo.environ as pyo

    targets = [
        (p, s, t)
        for (p, s), item in d.items.items()
        for t in range(d.T)
        if item.safety_stock[t] > 0 and (item.safety_stock_cost[t] > 0 or item.safety_stock_hard)
    ]
    m.safety_index = pyo.Set(initialize=targets, dimen=3, ordered=True)

    def no_shortfall_if_hard(_m: pyo.ConcreteModel, p: str, s: str, t: int) -> tuple[float, float | None]:
        return None, 0.0 if d.items[p, s].safety_stock_hard else None

    m.safety_shortfall = pyo.Var(m.safety_index, domain=pyo.NonNegativeReals, bounds=no_shortfall_if_hard)

    def safety(m: pyo.ConcreteModel, p: str, s: str, t: int) -> pyo.Expression:
        return m.inventory[p, s, t] + m.safety_shortfall[p, s, t] >= float(d.items[p, s].safety_stock[t])

    m.safety_stock = pyo.Constraint(m.safety_index, rule=safety)
    reg.cost("safety_stock", [
        (float(d.items[p, s].safety_stock_cost[t]), m.safety_shortfall[p, s, t])
        for p, s, t in m.safety_index if d.items[p, s].safety_stock_cost[t] > 0
    ])


def arrays(a: ArrayModel) -> None:
    """The same columns, rows and costs as arrays."""
    T, d = a.T, a.d
    ones = np.ones((len(a.items), T), dtype=bool)
    low = a.item_grid("min_inventory")
    low[:, T - 1] = np.maximum(low[:, T - 1], [it.ending_inventory for it in a.items])
    inv = a.columns(INVENTORY.component, a.keys, ones, low, a.item_grid("max_inventory"))
    sales, demand = sales_arrays(a)
    rhs = a.item_grid("scheduled_receipts") - demand
    rhs[:, 0] += np.array([it.initial_inventory for it in a.items])
    IB = a.rows(INVENTORY_BALANCE, a.keys, ones, rhs, 0)
    a.coef(IB, inv, 1.0)
    a.coef(IB, previous(inv), -1.0)
    a.coef(IB[a.item_flag("make")], a.ids[PRODUCTION.component], -1.0)
    a.coef(IB[a.item_flag("subcontract")], a.ids[SUBCONTRACT.component], -1.0)
    entities, lead = lane_products(d)
    if entities:
        Y = a.ids[SHIPMENT.component]
        origin = np.array([a.pos[p, d.lanes[name].origin] for name, p in entities], dtype=np.int64)
        dest = np.array([a.pos[p, d.lanes[name].destination] for name, p in entities], dtype=np.int64)
        a.coef(IB[dest], lagged(Y, lead), -1.0)
        a.coef(IB[origin], Y, 1.0)
    for where, cols, coefficient in sales:
        a.coef(IB[where], cols, coefficient)
    a.objective("holding", inv, a.item_grid("holding_cost"))

    # Safety stock: I + Z >= SS where SS > 0 and its cost > 0 or it is hard (then Z <= 0).
    ss, ss_cost = a.item_grid("safety_stock"), a.item_grid("safety_stock_cost")
    hard = np.repeat(a.item_flag("safety_stock_hard")[:, None], T, axis=1)
    target = (ss > 0) & ((ss_cost > 0) | hard)
    Z = a.columns(SAFETY_SHORTFALL.component, a.keys, target, 0.0, np.where(hard, 0.0, np.inf))
    SR = a.rows(SAFETY_STOCK, a.keys, target, ss, -1)
    a.coef(SR, inv, 1.0)
    a.coef(SR, Z, 1.0)
    a.objective("safety_stock", Z, ss_cost)


def _opening(d: ModelData, p: str, s: str, t: int, first: int = 0) -> tuple[list[str], list[Source], list[float]]:
    """Opening stock (first period) and scheduled receipts of a stock balance, as text
    parts with their sources and numbers (placeholders numbered from ``first``)."""
    item = d.items[p, s]
    parts: list[str] = []
    sources: list[Source] = []
    numbers: list[float] = []
    if t == 0:
        initial = float(item.initial_inventory)
        opening = f"opening stock {{n[{first + len(numbers)}]}} units" if initial else "no opening stock"
        numbers += [initial] if initial else []
        parts.append(f"{opening} ({{{first + len(sources)}}})")
        sources.append(Source((p, s, "initial_inventory"), item=True))
    receipts = float(item.scheduled_receipts[t])
    if receipts:
        parts.append(f"scheduled receipts {{n[{first + len(numbers)}]}} units ({{{first + len(sources)}}})")
        sources.append(Source((p, s, "scheduled_receipts"), t, item=True))
        numbers.append(receipts)
    return parts, sources, numbers


def _balance_words(d: ModelData, key: tuple[Any, ...], labels: Sequence[str]) -> Words:
    p, s, t = key
    item = d.items[p, s]
    demand = float(item.demand[t])
    if not item.backlog and not item.lost_sales and demand > 0:
        parts, sources, numbers = _opening(d, p, s, t, first=1)
        head = f"hard demand of {p} at {s} in {labels[t]}: {{n[0]}} units ({{0}})"
        absent = ((f"no backlog or lost sales allowed for {p} at {s}", Source(("products", p, "sites", s), entity=True)),)
        return Words("hard demand", f"{p} at {s}", t, demand, "; ".join([head, *parts]),
                     (Source(("demand", p, s), t), *sources), absent, (demand, *numbers))
    parts, sources, numbers = _opening(d, p, s, t)
    text = "; ".join([f"stock balance of {p} at {s} in {labels[t]}", *parts])
    return Words("stock balance", f"{p} at {s}", t, None, text, tuple(sources), numbers=tuple(numbers))


def _safety_words(d: ModelData, key: tuple[Any, ...], labels: Sequence[str]) -> Words:
    p, s, t = key
    target = float(d.items[p, s].safety_stock[t])
    text = f"safety stock of {p} at {s} in {labels[t]}: {{n[0]}} units ({{0}})"
    return Words("safety stock", f"{p} at {s}", t, target, text, (Source((p, s, "safety_stock"), t, item=True),),
                 numbers=(target,))


def stock_floor(d: ModelData, key: tuple[Any, ...]) -> float:
    """The lower bound of closing stock as built (the ending target in the last period)."""
    p, s, t = key
    item = d.items[p, s]
    low = float(item.min_inventory[t])
    return max(low, item.ending_inventory) if t == d.T - 1 else low


def _floor_words(d: ModelData, key: tuple[Any, ...], labels: Sequence[str], value: float) -> Words:
    p, s, t = key
    item = d.items[p, s]
    kind, field, period = "minimum stock", "min_inventory", t
    if t == d.T - 1 and item.ending_inventory >= float(item.min_inventory[t]):
        kind, field, period = "ending stock", "ending_inventory", None
    text = f"{kind} of {p} at {s} in {labels[t]}: at least {{n[0]}} units ({{0}})"
    return Words(kind, f"{p} at {s}", t, value, text, (Source((p, s, field), period, item=True),), numbers=(value,))


def _ceiling_words(d: ModelData, key: tuple[Any, ...], labels: Sequence[str], value: float) -> Words:
    p, s, t = key
    text = f"maximum stock of {p} at {s} in {labels[t]}: at most {{n[0]}} units ({{0}})"
    absent = () if any(lane.origin == s and p in lane.products for lane in d.lanes.values()) else (
        (f"no lane ships {p} out of {s}", Source(("products", p, "sites", s), entity=True)),)
    return Words("maximum stock", f"{p} at {s}", t, value, text, (Source((p, s, "max_inventory"), t, item=True),),
                 absent, (value,))


def _hard_demand(d: ModelData, key: tuple[Any, ...]) -> float | None:
    item = d.items[key[0], key[1]]
    hard = not item.backlog and not item.lost_sales and item.demand[key[2]] > 0
    return float(item.demand[key[2]]) if hard else None


ROWS = (
    RowSpec(INVENTORY_BALANCE, "stock of {name} in {period}", "unit",
            "one more unit of the product available at the site in the period", _balance_words,
            (Relief("demand", "{q} units of {name} not delivered in {period} (backlog or lost sales)", "unit",
                    cap=_hard_demand),)),
    RowSpec(SAFETY_STOCK, "stock of {name} against its safety stock in {period}", "unit",
            "one unit less safety stock target (a penalised target: never relaxed further)", _safety_words),
)
BOUNDS = (
    BoundSpec(INVENTORY.component, "lower", "unit", "one unit less minimum (or ending) stock", stock_floor,
              _floor_words, Relief("stock", "{q} units less stock of {name} in {period} than its target", "unit")),
    BoundSpec(INVENTORY.component, "upper", "unit", "one more unit of maximum stock",
              lambda d, key: float(d.items[key[0], key[1]].max_inventory[key[2]]), _ceiling_words,
              Relief("stock", "{q} units more stock of {name} in {period} than its maximum", "unit")),
)


def _demand_rows(d: ModelData, p: str, s: str) -> list[tuple[tuple[Any, ...], float]]:
    """Demand of an item without backlog moves its stock balance: right-hand side R - D."""
    return [] if d.items[p, s].backlog else [((p, s), -1.0)]


FAMILY = Family(
    name="inventory",
    title="Inventory balance, stock limits and safety stock",
    doc=__doc__ or "",
    add=add,
    arrays=arrays,
    variables=(INVENTORY, SAFETY_SHORTFALL),
    bound_limits=(
        BoundLimitSpec("inventory", "lower", "min_stock", "unit of stock", "ending_stock",
                       lambda d, key: d.items[key].ending_inventory),
        BoundLimitSpec("inventory", "upper", "max_stock", "unit of stock"),
    ),
    costs=(
        CostCategory("holding", "Holding stock", 90),
        CostCategory("safety_stock", "Below safety stock penalty", 130),
    ),
    rows=ROWS,
    plan_columns=(PLAN_OPENING, PLAN_RECEIPTS, PLAN_INVENTORY, PLAN_SAFETY_STOCK, PLAN_SHORTFALL,
                  PLAN_MAX_INVENTORY),
    bounds=BOUNDS,
    demand=(DemandTerm(INVENTORY_BALANCE, "row", _demand_rows),),
)
