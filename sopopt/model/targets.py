r"""Targets: revenue, units delivered, fill rate or profit the plan must (or should) reach.

Only ``soft`` and ``hard`` targets add rows; a ``report`` target is measured against the
plan afterwards (``targets.csv``). A target :math:`g` with value :math:`V_g` over items
:math:`\mathcal{I}_g` (its product, family and site scope) has one row per period of
its range (``per: period``, :math:`P_{g,t} = \{t\}`) or one row in the last period of
the range holding their sum (``per: total``, :math:`P_{g,t}` = the range):

.. math::

    \sum_{(p,s) \in \mathcal{I}_g} \sum_{\tau \in P_{g,t}} w_{p,\tau} S_{p,s,\tau}
        + Z_{g,t} \ge V_g \qquad (\text{revenue: } w = \text{price};
        \text{ units: } w = 1)

    \frac{100}{\sum D} \sum_{(p,s) \in \mathcal{I}_g} \sum_{\tau \in P_{g,t}} O_{p,s,\tau}
        + Z_{g,t} \ge 100\,V_g \qquad (\text{fill rate, in percentage points})

    O_{p,s,\tau} \le S_{p,s,\tau}, \qquad 0 \le O_{p,s,\tau} \le D_{p,s,\tau}

    \text{revenue}_\tau - \text{cost}_\tau + \text{unearned}_\tau
        \text{ summed over } P_{g,t} + Z_{g,t} \ge V_g \qquad (\text{profit})

    \text{cost (target shortfall)} = \sum c^Z_g Z_{g,t}

:math:`S` is the delivery term of :mod:`sopopt.model.demand` (demand itself when demand
is hard, :math:`D - \Lambda` with lost sales only). :math:`O` are the units delivered on
time (the fill-rate KPI's :math:`\min(D, S)`); they are columns only for items with
backlog, where deliveries may serve earlier periods' demand; elsewhere the delivery
term is on time by construction. Profit is the profit of docs/kpis.md per period: the
revenue of delivered units, less every cost term of the period, plus the price part of
the lost-sale charge (:math:`\text{unearned}`); a profit target covers every product
and site. The shortfall :math:`Z \ge 0` exists only for ``soft`` targets; a ``hard``
target has none, so the plan meets it or is infeasible (repair class ``targets``). The
target's shadow price is the cost of one more unit of the target (per currency unit,
unit or percentage point), reported with its range.

======================  ==========================  =====================================
symbol                  Pyomo                       file field
======================  ==========================  =====================================
:math:`V_g`             right-hand side             ``targets[i].value``
:math:`\mathcal{I}_g`   items of the row            ``targets[i].product|family|site``
:math:`P_{g,t}`         periods of the row          ``targets[i].periods``, ``per``
:math:`O`               ``m.target_on_time``        (decision) units delivered on time
:math:`Z`               ``m.target_shortfall``      (decision) shortfall of a soft target
:math:`c^Z`             cost term                   ``targets[i].shortfall_cost``
(rows)                  ``m.target``,
                        ``m.target_on_time_limit``
======================  ==========================  =====================================

This family reads every earlier family's cost terms for profit: it stays last in
:data:`~sopopt.model.families.FAMILIES`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sopopt.errors import InfeasibleError
from sopopt.inputs.compile import ModelData
from sopopt.inputs.targets import TargetData
from sopopt.model.arrays import ArrayModel
from sopopt.model.demand import BACKLOG, LOST, SALES
from sopopt.model.family import CostCategory, CostTerms, Family, LimitSpec, Relief, RowSpec, Source, VarSpec, Words

if TYPE_CHECKING:
    import pyomo.environ as pyo

ON_TIME = VarSpec("target_on_time", "target_on_time", ("product", "site", "period"), "units")
SHORTFALL = VarSpec("target_shortfall", "target_shortfall", ("target", "period"), "unit of the target's measure")
ON_TIME_LIMIT = "target_on_time_limit"
TARGET = LimitSpec("target", "target", ("target", "period"), "unit of the target's measure", sense="min")
CATEGORY = "target_shortfall"

#: What one unit of each measure is, for sentences (``{currency}`` is the model's).
MEASURE_UNITS: dict[str, str] = {
    "revenue": "{currency} of revenue",
    "profit": "{currency} of profit",
    "units": "unit delivered",
    "fill_rate": "percentage point of fill rate",
}

Key = tuple[Any, ...]


@dataclass(frozen=True)
class Cell:
    """One target row: its variable terms ``(component, index, coefficient)`` and the
    right-hand side once constants (hard demand, demand of lost-sales items) are moved."""

    target: TargetData
    t: int
    terms: tuple[tuple[str, Key, float], ...]
    rhs: float


def enforced(d: ModelData) -> list[TargetData]:
    """The targets that add rows: soft and hard ones."""
    return [g for g in d.targets if g.enforce != "report"]


def _delivery_terms(d: ModelData, g: TargetData, t: int, weight: Any) -> tuple[list[tuple[str, Key, float]], float]:
    """Terms of ``sum weight(p, s, tau) x delivered`` over the row's items and periods."""
    terms: list[tuple[str, Key, float]] = []
    constant = 0.0
    for p, s in g.items:
        item = d.items[p, s]
        for tau in g.covered(t):
            w = weight(item, tau)
            demand = float(item.demand[tau])
            if w == 0.0:
                continue
            if item.backlog:
                component = ON_TIME.component if g.measure == "fill_rate" else SALES.component
                if g.measure != "fill_rate" or demand > 0:
                    terms.append((component, (p, s, tau), w))
                continue
            if item.lost_sales and demand > 0:
                terms.append((LOST.component, (p, s, tau), -w))
            constant += w * demand
    return terms, constant


def _price(item: Any, tau: int) -> float:
    return float(item.price[tau]) if item.price is not None else 0.0


def target_cells(d: ModelData, cost_terms: Iterable[tuple[str, Key, float, int]] = ()) -> list[Cell]:
    """Every row of the soft and hard targets, in target then period order.

    ``cost_terms`` are the cost terms of every earlier family as ``(component, index,
    coefficient, period)`` in category order (profit targets read them)."""
    costs = list(cost_terms)
    cells = []
    for g in enforced(d):
        for t in g.row_periods:
            if g.measure == "fill_rate":
                total = sum(float(d.items[k].demand[tau]) for k in g.items for tau in g.covered(t))
                if total <= 0:
                    continue
                scale = 100.0 / total
                terms, constant = _delivery_terms(d, g, t, lambda item, tau, scale=scale: scale)
                cells.append(Cell(g, t, tuple(terms), 100.0 * g.value - constant))
            elif g.measure == "profit":
                cells.append(_profit_cell(d, g, t, costs))
            else:
                weight = _price if g.measure == "revenue" else (lambda item, tau: 1.0)
                terms, constant = _delivery_terms(d, g, t, weight)
                cells.append(Cell(g, t, tuple(terms), g.value - constant))
    return cells


def _profit_cell(d: ModelData, g: TargetData, t: int, costs: list[tuple[str, Key, float, int]]) -> Cell:
    """Profit over the row's periods: revenue, less the cost terms, plus the unearned price."""
    terms, constant = _delivery_terms(d, g, t, _price)
    covered = set(g.covered(t))
    coef: dict[tuple[str, Key], float] = {}
    for component, key, w in terms:
        coef[component, key] = coef.get((component, key), 0.0) + w
    for p, s in g.items:
        item = d.items[p, s]
        if item.price is None or not item.lost_sales:
            continue
        for tau in sorted(covered):
            coef[LOST.component, (p, s, tau)] = coef.get((LOST.component, (p, s, tau)), 0.0) + _price(item, tau)
        if item.backlog and item.backlog_at_end == "lost_sale_cost" and d.T - 1 in covered:
            key = (BACKLOG.component, (p, s, d.T - 1))
            coef[key] = coef.get(key, 0.0) + _price(item, d.T - 1)
    for component, key, value, period in costs:
        if period in covered:
            coef[component, key] = coef.get((component, key), 0.0) - value
    ordered = tuple((c, k, v) for (c, k), v in coef.items() if v != 0.0)
    return Cell(g, t, ordered, g.value - constant)


def on_time_keys(d: ModelData, cells: list[Cell]) -> list[Key]:
    """The on-time columns the cells use, in item then period order."""
    pos = {k: i for i, k in enumerate(d.items)}
    keys = {key for cell in cells for component, key, _w in cell.terms if component == ON_TIME.component}
    return sorted(keys, key=lambda k: (pos[k[0], k[1]], k[2]))


def _pyomo_costs(reg: CostTerms) -> list[tuple[str, Key, float, int]]:
    out = []
    for terms in reg.costs.values():
        for coef, var in terms:
            index = var.index()
            out.append((var.parent_component().local_name, index, float(coef), int(index[-1])))
    return out


def add(m: pyo.ConcreteModel, d: ModelData, reg: CostTerms) -> None:
    """On-time columns, shortfall columns, on-time limits and target rows."""
    import pyomo.environ as pyo

    needs_costs = any(g.measure == "profit" for g in enforced(d))
    cells = target_cells(d, _pyomo_costs(reg) if needs_costs else ())
    on_time = on_time_keys(d, cells)
    soft = [(c.target.name, c.t) for c in cells if c.target.enforce == "soft"]
    m.target_on_time_index = pyo.Set(initialize=on_time, dimen=3, ordered=True)
    m.target_on_time = pyo.Var(m.target_on_time_index, domain=pyo.NonNegativeReals,
                               bounds=lambda _m, p, s, t: (0.0, float(d.items[p, s].demand[t])))
    m.target_shortfall_index = pyo.Set(initialize=soft, dimen=2, ordered=True)
    m.target_shortfall = pyo.Var(m.target_shortfall_index, domain=pyo.NonNegativeReals)
    m.target_on_time_limit = pyo.Constraint(
        m.target_on_time_index, rule=lambda m, p, s, t: m.target_on_time[p, s, t] - m.sales[p, s, t] <= 0
    )
    by_key = {(c.target.name, c.t): c for c in cells}

    def row(m: pyo.ConcreteModel, name: str, t: int) -> Any:
        cell = by_key[name, t]
        terms = [w * m.component(component)[key] for component, key, w in cell.terms]
        if cell.target.enforce == "soft":
            terms.append(m.target_shortfall[name, t])
        if not terms:
            if cell.rhs <= 0:
                return pyo.Constraint.Skip
            raise InfeasibleError(
                f"infeasible before solving: model contains a trivially infeasible constraint, '{TARGET.component}"
                f"{[name, t]}'"
            )
        return pyo.quicksum(terms) >= cell.rhs

    m.target_index = pyo.Set(initialize=list(by_key), dimen=2, ordered=True)
    m.target = pyo.Constraint(m.target_index, rule=row)
    costs = {g.name: g.shortfall_cost for g in d.targets}
    reg.cost(CATEGORY, [(costs[name], m.target_shortfall[name, t]) for name, t in soft if costs[name]])


def _column_keys(a: ArrayModel) -> list[tuple[str, Key]]:
    """(component, index) of every column so far, by column id."""
    where: list[tuple[str, Key]] = []
    for block in a.col_blocks:
        where.extend((block.name, key) for key in block.keys())
    return where


def _array_costs(a: ArrayModel, where: list[tuple[str, Key]]) -> list[tuple[str, Key, float, int]]:
    """Cost terms so far as (component, index, coefficient, period), in category order."""
    out = []
    for category in a.categories:
        for cat, cols, values in a.cost_terms:
            if cat != category:
                continue
            for j, v in zip(cols.tolist(), values.tolist(), strict=True):
                name, key = where[j]
                out.append((name, key, float(v), int(key[-1])))
    return out


def _target_coefficients(a: ArrayModel, cells: list[Cell], R: np.ndarray, row_of: dict[str, int],
                         index_of: dict[tuple[str, Key], int]) -> None:
    """The coefficients of the target rows (each column looked up by its component and index)."""
    pos = a.pos
    sales = a.item_ids(SALES.component, a.item_flag("backlog"))
    lost = a.item_ids(LOST.component, a.item_flag("lost_sales"))
    on_time = a.ids[ON_TIME.component]
    block = next(b for b in a.col_blocks if b.name == ON_TIME.component)
    on_time_row = {k: i for i, k in enumerate(block.entities)}
    lookup = {
        SALES.component: lambda k: sales[pos[k[0], k[1]], k[2]],
        LOST.component: lambda k: lost[pos[k[0], k[1]], k[2]],
        ON_TIME.component: lambda k: on_time[on_time_row[k[0], k[1]], k[2]],
    }
    rows, cols, values = [], [], []
    for c in cells:
        r = R[row_of[c.target.name], c.t]
        for component, key, w in c.terms:
            rows.append(r)
            cols.append(lookup[component](key) if component in lookup else index_of[component, key])
            values.append(w)
    if rows:
        a.coef(np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), np.array(values))


def arrays(a: ArrayModel) -> None:
    """The same columns, rows and costs as arrays."""
    d, T = a.d, a.T
    index_of: dict[tuple[str, Key], int] = {}
    costs: list[tuple[str, Key, float, int]] = []
    if any(g.measure == "profit" for g in enforced(d)):
        where = _column_keys(a)
        index_of = {k: j for j, k in enumerate(where)}
        costs = _array_costs(a, where)
    cells = target_cells(d, costs)
    on_time = on_time_keys(d, cells)
    entities = list(dict.fromkeys((p, s) for p, s, _t in on_time))
    ot_row = {k: i for i, k in enumerate(entities)}
    mask = np.zeros((len(entities), T), dtype=bool)
    upper = np.zeros((len(entities), T))
    for p, s, t in on_time:
        mask[ot_row[p, s], t] = True
        upper[ot_row[p, s], t] = float(d.items[p, s].demand[t])
    on_time_ids = a.columns(ON_TIME.component, entities, mask, 0.0, upper)
    names = [g.name for g in enforced(d)]
    row_of = {n: i for i, n in enumerate(names)}
    soft, used, rhs = (np.zeros((len(names), T), dtype=bool), np.zeros((len(names), T), dtype=bool),
                       np.zeros((len(names), T)))
    for c in cells:
        used[row_of[c.target.name], c.t] = True
        soft[row_of[c.target.name], c.t] = c.target.enforce == "soft"
        rhs[row_of[c.target.name], c.t] = c.rhs
    Z = a.columns(SHORTFALL.component, [(n,) for n in names], soft)
    L = a.rows(ON_TIME_LIMIT, entities, mask, 0.0, 1)
    a.coef(L, on_time_ids, 1.0)
    if entities:
        sales = a.item_ids(SALES.component, a.item_flag("backlog"))
        a.coef(L, sales[[a.pos[k] for k in entities]], -1.0)
    R = a.rows(TARGET.component, [(n,) for n in names], used, rhs, -1)
    _target_coefficients(a, cells, R, row_of, index_of)
    a.coef(R, Z, 1.0)
    cost = np.array([g.shortfall_cost for g in enforced(d)], dtype=float).reshape(len(names), 1)
    a.objective(CATEGORY, Z, np.broadcast_to(cost, Z.shape))


def _target_words(d: ModelData, key: tuple[Any, ...], labels: Sequence[str]) -> Words:
    name, t = key
    index = next(i for i, g in enumerate(d.targets) if g.name == name)
    g = d.targets[index]
    periods = g.covered(t)
    span = labels[periods[0]] if len(periods) == 1 else f"{labels[periods[0]]}..{labels[periods[-1]]}"
    shown = f"{g.value:.0%}" if g.measure == "fill_rate" else "{n[0]}"
    text = f"hard target {name}: {g.measure.replace('_', ' ')} of at least {shown} in {span} ({{0}})"
    return Words("hard target", name, t, g.value, text, (Source(("targets", str(index), "value")),), numbers=(g.value,))


def _on_time_words(_d: ModelData, key: tuple[Any, ...], labels: Sequence[str]) -> Words:
    p, s, t = key
    text = f"units of {p} at {s} delivered on time in {labels[t]}: at most the demand and the delivered units"
    return Words("on-time delivery", f"{p} at {s}", t, None, text)


ROWS = (
    RowSpec(ON_TIME_LIMIT, "units of {name} delivered on time in {period}", "unit",
            "one more unit counted on time (physics, never relaxed)", _on_time_words),
    RowSpec(TARGET.component, "the measure of target {name} in {period}", "unit of the target's measure",
            "one unit less of the target's value", _target_words,
            (Relief("targets", "the target {name} comes down by {q} in {period}", "unit of the target's measure",
                    1.0),)),
)


FAMILY = Family(
    name="targets",
    title="Targets",
    doc=__doc__ or "",
    add=add,
    arrays=arrays,
    variables=(ON_TIME, SHORTFALL),
    rows=ROWS,
    limits=(TARGET,),
    costs=(CostCategory(CATEGORY, "Target shortfall penalty", 140),),
)
