r"""Supplier contracts: take-or-pay minimums and incremental price tiers.

A take-or-pay contract of supplier :math:`k` pays its price :math:`P_k` on the quantity
paid for, :math:`U_{k,t}`: at least what is ordered, and at least the minimum whether
ordered or not (quantity paid for but not ordered is never delivered):

.. math::

    U_{k,t} - \sum_{s} Q_{k,s,t} \ge 0, \qquad U_{k,t} \ge \underline{U}_{k}
        \quad (\text{or } \textstyle\sum_t U_{k,t} \ge \underline{U}^{tot}_k)

    \text{cost (materials)} = \sum P_k U_{k,t}

Price tiers split each period's order into tiers :math:`j` of width :math:`w_j` at
price :math:`p_j` (incremental: the first :math:`w_1` units at :math:`p_1`, the next
:math:`w_2` at :math:`p_2`, ...):

.. math::

    \sum_j V_{k,j,t} - \sum_s Q_{k,s,t} = 0, \qquad 0 \le V_{k,j,t} \le w_j

    \text{cost (materials)} = \sum p_j V_{k,j,t}

Rising prices fill the cheap tiers first by themselves: an LP. Falling prices need a
yes/no decision :math:`Y_{k,j,t}` per tier after the first (a mixed-integer program):
a tier is used only when the one before it is full,

.. math::

    V_{k,j-1,t} - w_{j-1} Y_{k,j,t} \ge 0, \qquad V_{k,j,t} - \overline{w}_j Y_{k,j,t} \le 0

where :math:`\overline{w}_j` is the tier's width, or the supplier's capacity for the last
tier (falling prices need a ``capacity``). The supplier's ``price`` is not given with a
contract or tiers: they replace it.

=======================  ===========================  =====================================
symbol                   Pyomo                        file field
=======================  ===========================  =====================================
:math:`U_{k,t}`          ``m.contract_paid``          (decision) units paid for
:math:`\underline{U}`    bound of U                   ``suppliers.K.contract.minimum``
:math:`\underline{U}^{tot}` ``m.contract_total``      ``suppliers.K.contract.total_minimum``
:math:`P_k`              cost term                    ``suppliers.K.contract.price``
:math:`V_{k,j,t}`        ``m.tier_purchase``          (decision) units bought in tier j
:math:`w_j, p_j`         bound, cost term             ``suppliers.K.price_tiers``
:math:`Y_{k,j,t}`        ``m.tier_used``              (decision) tier j in use (falling prices)
:math:`Q_{k,s,t}`        ``m.purchase``               (decision, materials family)
(rows)                   ``m.contract_cover``,
                         ``m.contract_total``,
                         ``m.tier_split``,
                         ``m.tier_fill``,
                         ``m.tier_open``
=======================  ===========================  =====================================
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sopopt.inputs.compile import ModelData
from sopopt.model.arrays import ArrayModel
from sopopt.model.common import bound
from sopopt.model.family import (
    BoundLimitSpec,
    BoundSpec,
    CostTerms,
    Family,
    Relief,
    RowSpec,
    Source,
    VarSpec,
    Words,
)
from sopopt.model.materials import PURCHASE

if TYPE_CHECKING:
    import pyomo.environ as pyo

CONTRACT_PAID = VarSpec("contract_paid", "contract_paid", ("supplier", "period"), "units",
                        "units paid for under take-or-pay")
TIER_PURCHASE = VarSpec("tier_purchase", "tier_purchases", ("supplier", "tier", "period"), "units",
                        "units bought in each price tier")
TIER_USED = VarSpec("tier_used", "tiers_used", ("supplier", "tier", "period"), "tiers",
                    "price tiers in use (falling prices)")
#: The plan table of take-or-pay contracts (see :mod:`sopopt.results.options`).
CONTRACTS_TABLE = "contracts"
COVER, TOTAL, SPLIT, FILL, OPEN = "contract_cover", "contract_total", "tier_split", "tier_fill", "tier_open"


def _orders(d: ModelData, k: str) -> int:
    """Periods in which orders with supplier ``k`` can arrive within the horizon."""
    return d.T - d.suppliers[k].lead_time


def _tier_keys(d: ModelData, integer: bool) -> list[tuple[str, int, int]]:
    """(supplier, tier, period) of every tier column (``integer``: only the tiers after
    the first of suppliers with falling prices)."""
    return [
        (k, j, t)
        for k, tiers in d.tiers.items()
        if not integer or not tiers.convex
        for j in range(1 if integer else 0, len(tiers.widths))
        for t in range(_orders(d, k))
    ]


def _cap(d: ModelData, k: str, j: int, t: int) -> float:
    width = d.tiers[k].widths[j]
    return width if np.isfinite(width) else float(d.suppliers[k].capacity[t])


def add(m: pyo.ConcreteModel, d: ModelData, reg: CostTerms) -> None:
    """Contract and tier columns, their rows and their costs."""
    import pyomo.environ as pyo

    c = d.contracts
    m.contract_index = pyo.Set(initialize=[(k, t) for k in c for t in range(_orders(d, k))], dimen=2, ordered=True)
    m.contract_paid = pyo.Var(m.contract_index, bounds=lambda _m, k, t: (float(c[k].minimum[t]), None))
    m.tier_index = pyo.Set(initialize=_tier_keys(d, False), dimen=3, ordered=True)
    m.tier_purchase = pyo.Var(m.tier_index, bounds=lambda _m, k, j, _t: (0.0, bound(d.tiers[k].widths[j])))
    m.tier_used_index = pyo.Set(initialize=_tier_keys(d, True), dimen=3, ordered=True)
    m.tier_used = pyo.Var(m.tier_used_index, domain=pyo.Binary)

    def ordered(k: str, t: int) -> Any:
        return sum(m.purchase[k, s, t] for s in d.suppliers[k].sites)

    m.contract_cover = pyo.Constraint(m.contract_index, rule=lambda m, k, t: m.contract_paid[k, t] - ordered(k, t) >= 0)
    total = [(k, _orders(d, k) - 1) for k in c if c[k].total_minimum > 0]
    m.contract_total_index = pyo.Set(initialize=total, dimen=2, ordered=True)
    m.contract_total = pyo.Constraint(m.contract_total_index, rule=lambda m, k, last: (
        sum(m.contract_paid[k, t] for t in range(last + 1)) >= c[k].total_minimum))
    split = [(k, t) for k in d.tiers for t in range(_orders(d, k))]
    m.tier_split_index = pyo.Set(initialize=split, dimen=2, ordered=True)
    m.tier_split = pyo.Constraint(m.tier_split_index, rule=lambda m, k, t: (
        sum(m.tier_purchase[k, j, t] for j in range(len(d.tiers[k].widths))) - ordered(k, t) == 0))
    V, Y = m.tier_purchase, m.tier_used
    m.tier_fill = pyo.Constraint(m.tier_used_index, rule=lambda m, k, j, t: (
        V[k, j - 1, t] - d.tiers[k].widths[j - 1] * Y[k, j, t] >= 0))
    m.tier_open = pyo.Constraint(m.tier_used_index, rule=lambda m, k, j, t: V[k, j, t] - _cap(d, k, j, t) * Y[k, j, t] <= 0)
    reg.cost("materials", [(c[k].price, m.contract_paid[k, t]) for k, t in m.contract_index if c[k].price])
    reg.cost("materials", [(d.tiers[k].prices[j], V[k, j, t]) for k, j, t in m.tier_index if d.tiers[k].prices[j]])


def arrays(a: ArrayModel) -> None:
    """The same columns, rows, coefficients and costs as arrays."""
    d, T = a.d, a.T
    c = list(d.contracts.values())
    keys = [(x.supplier,) for x in c]
    orders = np.arange(T)[None, :] < np.array([_orders(d, x.supplier) for x in c], dtype=np.int64).reshape(-1, 1)
    U = a.columns(CONTRACT_PAID.component, keys, orders, np.vstack([x.minimum for x in c]) if c else 0.0)
    tier_keys = [(k, j) for k, tiers in d.tiers.items() for j in range(len(tiers.widths))]
    tier_orders = np.arange(T)[None, :] < np.array([_orders(d, k) for k, _ in tier_keys], dtype=np.int64).reshape(-1, 1)
    widths = np.array([d.tiers[k].widths[j] for k, j in tier_keys], dtype=float).reshape(-1, 1)
    V = a.columns(TIER_PURCHASE.component, tier_keys, tier_orders, 0.0, widths)
    used = np.array([j > 0 and not d.tiers[k].convex for k, j in tier_keys], dtype=bool).reshape(-1, 1)
    used_keys = [key for key, ok in zip(tier_keys, used[:, 0].tolist(), strict=True) if ok]
    Y = a.columns(TIER_USED.component, used_keys, tier_orders[used[:, 0]], 0.0, 1.0, True)
    Q = a.ids[PURCHASE.component]
    purchase_of = [e[0] for e in next(b.entities for b in a.col_blocks if b.name == PURCHASE.component)]
    cover = a.rows(COVER, keys, orders, 0.0, -1)
    a.coef(cover, U, 1.0)
    _ordered(a, cover, [x.supplier for x in c], Q, purchase_of)
    totals = np.array([x.total_minimum for x in c], dtype=float).reshape(-1, 1)
    last = np.arange(T)[None, :] == np.array([_orders(d, x.supplier) - 1 for x in c], dtype=np.int64).reshape(-1, 1)
    total = a.rows(TOTAL, keys, last & (totals > 0), totals, -1)
    a.coef(total.max(axis=1, initial=-1)[:, None], U, 1.0)
    _tier_rows(a, tier_keys, V, Y, used[:, 0], Q, purchase_of)
    a.objective("materials", U, np.array([x.price for x in c], dtype=float).reshape(-1, 1))
    a.objective("materials", V, np.array([d.tiers[k].prices[j] for k, j in tier_keys], dtype=float).reshape(-1, 1))


def _ordered(a: ArrayModel, rows: np.ndarray, suppliers: list[str], Q: np.ndarray, purchase_of: list[str]) -> None:
    """``- sum_s Q[k,s,t]`` in row ``rows[k, t]`` for every supplier ``k``."""
    for i, k in enumerate(suppliers):
        for e, owner in enumerate(purchase_of):
            if owner == k:
                a.coef(rows[i], Q[e], -1.0)


def _tier_rows(a: ArrayModel, tier_keys: list[tuple[str, int]], V: np.ndarray, Y: np.ndarray, used: np.ndarray,
               Q: np.ndarray, purchase_of: list[str]) -> None:
    d, T = a.d, a.T
    suppliers = list(d.tiers)
    split = a.rows(SPLIT, [(k,) for k in suppliers], np.arange(T)[None, :] < np.array(
        [_orders(d, k) for k in suppliers], dtype=np.int64).reshape(-1, 1), 0.0, 0)
    a.coef(split[[suppliers.index(k) for k, _ in tier_keys]], V, 1.0)
    _ordered(a, split, suppliers, Q, purchase_of)
    used_keys = [key for key, ok in zip(tier_keys, used.tolist(), strict=True) if ok]
    mask = Y >= 0
    below = V[np.flatnonzero(used) - 1]
    fill = a.rows(FILL, used_keys, mask, 0.0, -1)
    a.coef(fill, below, 1.0)
    a.coef(fill, Y, -np.array([d.tiers[k].widths[j - 1] for k, j in used_keys], dtype=float).reshape(-1, 1))
    opened = a.rows(OPEN, used_keys, mask, 0.0, 1)
    a.coef(opened, V[used], 1.0)
    caps = np.array([[_cap(d, k, j, t) for t in range(T)] for k, j in used_keys], dtype=float).reshape(-1, T)
    a.coef(opened, Y, -caps)


def _contract_words(kind: str, text: str, field: str, number: Any = None) -> Any:
    """Words of a contract row of supplier ``k``: ``text`` with ``{k}`` and ``{period}``;
    the source is ``suppliers.K.contract.<field>``; ``number(d, k)`` shown as ``{{n[0]}}``."""

    def words(d: ModelData, key: tuple[Any, ...], labels: Sequence[str]) -> Words:
        k, t = key
        numbers = (float(number(d, k)),) if number else ()
        return Words(kind, k, t, numbers[0] if numbers else None, text.format(k=k, period=labels[t]),
                     (Source(("suppliers", k, "contract", field)),), numbers=numbers)

    return words


def _tier_words(kind: str, text: str) -> Any:
    def words(d: ModelData, key: tuple[Any, ...], labels: Sequence[str]) -> Words:
        k, *tier, t = key
        width = float(_cap(d, k, tier[0], t)) if tier else None
        numbers = (width,) if width is not None else ()
        sentence = text.format(k=k, j=tier[0] + 1 if tier else "", period=labels[t])
        return Words(kind, k, t, width, sentence, (Source(("suppliers", k, "price_tiers")),), numbers=numbers)

    return words


def _last_tier(d: ModelData, key: tuple[Any, ...]) -> float | None:
    """The last tier of falling prices is bounded by the supplier's capacity: relaxed with
    it (class supplier); the other tiers' widths never make a case infeasible."""
    k, j, _t = key
    return math.inf if j == len(d.tiers[k].widths) - 1 else None


_RULE = "(a rule of the contract, never relaxed)"
#: Take-or-pay never makes a case infeasible (paying more is always possible), nor do the
#: tier rows, except the last tier of falling prices, which restates the supplier's
#: capacity and is relaxed with it (class ``supplier``).
ROWS = (
    RowSpec(COVER, "units paid to {name} in {period}", "unit", "one more unit ordered than paid for " + _RULE,
            _contract_words("take-or-pay cover", "units ordered from {k} in {period} are paid for under its "
                            "contract ({{0}})", "price")),
    RowSpec(TOTAL, "units paid to {name} over the horizon", "unit",
            "one unit less of the contract's minimum over the horizon",
            _contract_words("take-or-pay total", "contract of {k}: at least {{n[0]}} units paid for over the "
                            "horizon, to {period} ({{0}})", "total_minimum", lambda d, k: d.contracts[k].total_minimum)),
    RowSpec(SPLIT, "units bought from {name} in {period}", "unit", "one more unit ordered outside the tiers " + _RULE,
            _tier_words("price tiers", "units ordered from {k} in {period} are split into its price tiers ({{0}})")),
    RowSpec(FILL, "units bought from {name} in {period}", "unit", "a tier used before the one below is full " + _RULE,
            _tier_words("tier order", "tier {j} of {k} in {period} is used only when the tier before it is "
                        "full ({{0}})")),
    RowSpec(OPEN, "units bought from {name} in {period}", "unit", "one more unit in the tier",
            _tier_words("tier width", "tier {j} of {k} in {period}: at most {{n[0]}} units, when used ({{0}})"),
            (Relief("supplier", "+{q} units in the last price tier of {name} in {period}", "unit", cap=_last_tier),)),
)


def _paid_words(d: ModelData, key: tuple[Any, ...], labels: Sequence[str], value: float) -> Words:
    k, t = key
    text = f"contract of {k}: at least {{n[0]}} units paid for in {labels[t]}, ordered or not ({{0}})"
    return Words("take-or-pay minimum", k, t, value, text, (Source(("suppliers", k, "contract", "minimum")),),
                 numbers=(value,))


#: The take-or-pay minimum: a bound that costs money but never makes a case infeasible.
BOUNDS = (
    BoundSpec(CONTRACT_PAID.component, "lower", "unit of material", "one unit less of the contract's minimum",
              lambda d, key: float(d.contracts[key[0]].minimum[key[1]]), _paid_words),
)


FAMILY = Family(
    name="contracts",
    title="Supplier contracts and price tiers",
    doc=__doc__ or "",
    add=add,
    arrays=arrays,
    variables=(CONTRACT_PAID, TIER_PURCHASE, TIER_USED),
    rows=ROWS,
    bounds=BOUNDS,
    bound_limits=(BoundLimitSpec(CONTRACT_PAID.component, "lower", "take_or_pay", "unit of material"),),
)
