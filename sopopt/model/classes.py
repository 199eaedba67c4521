r"""Demand classes: each class's deliveries, backlog and lost sales, and who is served first.

A classed item (see :mod:`sopopt.inputs.classes`) splits its demand by class
:math:`c`. Every class has its own balance, and the item's own backlog and lost sales
(of :mod:`sopopt.model.demand`) are the totals over its classes, so the item's balance,
its inventory balance and every row that reads its deliveries stay as they are:

.. math::

    B_{c,t} - B_{c,t-1} + S_{c,t} + \Lambda_{c,t} = D_{c,t}
        \quad (B_{c,-1} = B^0_c), \qquad
    B_{p,s,t} = \sum_c B_{c,t}, \qquad \Lambda_{p,s,t} = \sum_c \Lambda_{c,t}

(summing the class balances gives the item's, so its sales are the classes' total too),
with :math:`0 \le B_c \le \overline{B}_c` (:math:`B_{c,T-1} = 0` with ``at_end: forbid``;
:math:`S_c \ge 0` bounds :math:`\Lambda_c`). Costs: :math:`c^B_c B_c`
(backlog), :math:`c^\Lambda_c \Lambda_c` and, with ``at_end: lost_sale_cost``,
:math:`c^\Lambda_{c,T-1} B_{c,T-1}` (lost sales). The item pays no penalty of its own.

With ``allocation: priority`` or ``fair_share`` the on-time units :math:`O_c \le
\min(D_c, S_c)` (deliveries count first against the period's own demand), the units up
to the floor :math:`F_c \le \min(O_c, m_c D_c)` and, for ``fair_share``, a common fill
:math:`f_{g,t} \le 1` of each group :math:`g` (product, site, priority) with
:math:`O_c \ge D_c f_g` are columns, and one row per stage holds the stage's total:
:math:`\sum F` (floors), then per priority level :math:`\sum O` (priority) or
:math:`\sum_g D_g f_g` (fair share). These carry no cost: the plan of the LP alone is
the cost plan. :mod:`sopopt.analysis.allocation` maximises each stage's total in turn,
keeps it (to 1e-9 relative) as the row's lower bound, and last minimises the cost.

=======================  ========================  ==================================
symbol                   Pyomo                     file field
=======================  ========================  ==================================
:math:`D_c`              constant                  ``demand.P.S.C`` or a table's
                                                   ``class`` column
:math:`S_c`              ``m.class_sales``         (decision) units delivered
:math:`B_c`              ``m.class_backlog``       (decision) units owed at close
:math:`\Lambda_c`        ``m.class_lost``          (decision) units lost
:math:`B^0_c`            constant                  ``initial_backlog`` (class default)
:math:`\overline{B}_c`   bound of B                ``demand_classes.C.backlog.limit``
:math:`c^B_c`            cost term                 ``demand_classes.C.backlog.cost``
                                                   (else the item's)
:math:`c^\Lambda_c`      cost term                 ``demand_classes.C.lost_sales.cost``
                                                   (else the item's)
:math:`m_c`              bound of F                ``demand_classes.C.min_fill``
:math:`O, F, f`          ``m.class_on_time``,      (allocation stages)
                         ``m.class_floor``,
                         ``m.class_level``
=======================  ========================  ==================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sopopt.inputs.classes import ClassData, ClassDemand
from sopopt.inputs.compile import ModelData
from sopopt.model.arrays import ArrayModel, previous, stack
from sopopt.model.common import bound
from sopopt.model.demand import BACKLOG, LOST
from sopopt.model.family import CostTerms, Family, RowSpec, VarSpec, Words

if TYPE_CHECKING:
    import pyomo.environ as pyo

PSCP = ("product", "site", "class", "period")
CLASS_SALES = VarSpec("class_sales", "class_sales", PSCP, "units")
CLASS_BACKLOG = VarSpec("class_backlog", "class_backlog", PSCP, "units")
CLASS_LOST = VarSpec("class_lost", "class_lost_sales", PSCP, "units")
CLASS_ON_TIME = VarSpec("class_on_time", "class_on_time", PSCP, "units")
CLASS_FLOOR = VarSpec("class_floor", "class_floor", PSCP, "units")
CLASS_LEVEL = VarSpec("class_level", "class_level", ("product", "site", "priority", "period"), "share")
ON_TIME, FLOOR, LEVEL = CLASS_ON_TIME.component, CLASS_FLOOR.component, CLASS_LEVEL.component
BALANCE, BACKLOG_LINK, LOST_LINK = "class_balance", "class_backlog_link", "class_lost_link"
ON_TIME_LIMIT, FLOOR_LIMIT, FAIR, STAGE = "class_on_time_limit", "class_floor_limit", "class_fair", "class_stage"


def stages(cd: ClassData) -> list[tuple[str, int | None]]:
    """The allocation stages in order, as (label, priority level; None for the floors).

    None under ``allocation: cost``. Row ``class_stage[k, 0]`` holds stage ``k``'s total."""
    if cd.allocation == "cost":
        return []
    floors = [("floors", None)] if any(c.min_fill > 0 and c.demand.any() for c in cd.demands.values()) else []
    return [*floors, *((f"priority {k}", k) for k in cd.levels())]


def served_in_full(cd: ClassData, level: int | None, sales: dict[tuple[str, str, str, int], float]) -> bool:
    """True when deliveries ``sales`` (by product, site, class, period) give every class
    the stage counts (of priority ``level``; None: the floors) all its units in every
    period: its demand, or its floor. Its on-time units, floor units and groups' common
    fill can then all reach their bounds (they cost nothing and bind nothing else), so
    the stage's optimum is its row's ceiling, without a solve."""
    for (p, s, c), cls in cd.demands.items():
        if level is None:
            need = cls.min_fill * cls.demand if cls.min_fill > 0 else None
        else:
            need = cls.demand if cls.priority == level else None
        if need is None:
            continue
        for t, units in enumerate(need):
            if units > 0 and sales.get((p, s, c, t), 0.0) < units - 1e-9 * max(1.0, units):
                return False
    return True


def _groups(cd: ClassData) -> list[tuple[str, str, int]]:
    """Fair-share groups: (product, site, priority) of the classed demand, in class order."""
    return list(dict.fromkeys((c.product, c.site, c.priority) for c in cd.demands.values()))


def _backlog_upper(c: ClassDemand) -> np.ndarray:
    upper = c.backlog_limit.copy()
    if c.backlog_at_end == "forbid":
        upper[-1] = 0.0
    return upper


def add(m: pyo.ConcreteModel, d: ModelData, reg: CostTerms) -> None:
    """Class columns, class balances, the links to the item totals and the stage rows."""
    import pyomo.environ as pyo

    cd, T = d.classes or ClassData("cost", {}, {}), d.T
    demands = cd.demands
    keys = [(*k, t) for k in demands for t in range(T)]

    def where(test: Any) -> list[tuple[str, str, str, int]]:
        return [(p, s, c, t) for p, s, c, t in keys if test(demands[p, s, c], t)]

    m.class_index = pyo.Set(initialize=keys, dimen=4, ordered=True)
    m.class_backlog_index = pyo.Set(initialize=where(lambda c, t: c.backlog), dimen=4, ordered=True)
    m.class_lost_index = pyo.Set(initialize=where(lambda c, t: c.lost_sales), dimen=4, ordered=True)
    m.class_sales = pyo.Var(m.class_index, domain=pyo.NonNegativeReals)
    m.class_backlog = pyo.Var(m.class_backlog_index, domain=pyo.NonNegativeReals,
                              bounds=lambda _m, p, s, c, t: (0.0, bound(_backlog_upper(demands[p, s, c])[t])))
    m.class_lost = pyo.Var(m.class_lost_index, domain=pyo.NonNegativeReals)
    _add_allocation_columns(m, cd, where)

    def balance(m: pyo.ConcreteModel, p: str, s: str, c: str, t: int) -> Any:
        cls = demands[p, s, c]
        terms = m.class_sales[p, s, c, t]
        if cls.backlog:
            terms = terms + m.class_backlog[p, s, c, t] - (m.class_backlog[p, s, c, t - 1] if t else cls.initial_backlog)
        if cls.lost_sales:
            terms = terms + m.class_lost[p, s, c, t]
        return terms == float(cls.demand[t])

    m.class_balance = pyo.Constraint(m.class_index, rule=balance)
    items = cd.classed_items
    for name, flag, total, part, index in (
        (BACKLOG_LINK, "backlog", m.backlog, m.class_backlog, m.class_backlog_index),
        (LOST_LINK, "lost_sales", m.lost, m.class_lost, m.class_lost_index),
    ):
        linked = [(p, s, t) for p, s in items if getattr(d.items[p, s], flag) for t in range(T)]
        members: dict[tuple[str, str, int], list[Any]] = {k: [] for k in linked}
        for p, s, c, t in index:
            members[p, s, t].append(part[p, s, c, t])
        setattr(m, f"{name}_index", pyo.Set(initialize=linked, dimen=3, ordered=True))
        setattr(m, name, pyo.Constraint(getattr(m, f"{name}_index"), rule=lambda _m, p, s, t, total=total, members=members:
                                        total[p, s, t] - pyo.quicksum(members[p, s, t]) == 0))
    _add_allocation_rows(m, cd, T)
    reg.cost("backlog", [(float(demands[k[:3]].backlog_cost[k[3]]), m.class_backlog[k])
                         for k in m.class_backlog_index if demands[k[:3]].backlog_cost[k[3]]])
    reg.cost("lost_sales", [(float(demands[k[:3]].lost_sale_cost[k[3]]), m.class_lost[k])
                            for k in m.class_lost_index if demands[k[:3]].lost_sale_cost[k[3]]])
    reg.cost("lost_sales", [
        (float(c.lost_sale_cost[T - 1]), m.class_backlog[(*k, T - 1)]) for k, c in demands.items()
        if c.backlog and c.backlog_at_end == "lost_sale_cost" and c.lost_sale_cost[T - 1]
    ])


def _add_allocation_columns(m: pyo.ConcreteModel, cd: ClassData, where: Any) -> None:
    """On-time units, units up to the floor and (fair share) the groups' common fill
    (none under ``allocation: cost``)."""
    import pyomo.environ as pyo

    demands, active = cd.demands, cd.allocation != "cost"
    m.class_on_time_index = pyo.Set(initialize=where(lambda c, t: active and c.demand[t] > 0), dimen=4, ordered=True)
    m.class_on_time = pyo.Var(m.class_on_time_index, domain=pyo.NonNegativeReals,
                              bounds=lambda _m, p, s, c, t: (0.0, float(demands[p, s, c].demand[t])))
    m.class_floor_index = pyo.Set(initialize=where(lambda c, t: active and c.min_fill > 0 and c.demand[t] > 0),
                                  dimen=4, ordered=True)
    m.class_floor = pyo.Var(m.class_floor_index, domain=pyo.NonNegativeReals, bounds=lambda _m, p, s, c, t: (
        0.0, float(demands[p, s, c].min_fill * demands[p, s, c].demand[t])))
    totals = _group_demand(cd)
    level_keys = [(*g, t) for g in _groups(cd) for t in range(totals[g].size)
                  if cd.allocation == "fair_share" and totals[g][t] > 0]
    m.class_level_index = pyo.Set(initialize=level_keys, dimen=4, ordered=True)
    m.class_level = pyo.Var(m.class_level_index, domain=pyo.NonNegativeReals, bounds=(0.0, 1.0))


def _group_demand(cd: ClassData) -> dict[tuple[str, str, int], np.ndarray]:
    out: dict[tuple[str, str, int], np.ndarray] = {}
    for c in cd.demands.values():
        key = (c.product, c.site, c.priority)
        out[key] = out.get(key, 0.0) + c.demand
    return out


def _add_allocation_rows(m: pyo.ConcreteModel, cd: ClassData, T: int) -> None:
    """O <= S, F <= O, O >= D f (fair share) and one row per stage with its total."""
    import pyomo.environ as pyo

    demands, totals = cd.demands, _group_demand(cd)
    m.class_on_time_limit = pyo.Constraint(
        m.class_on_time_index, rule=lambda m, p, s, c, t: m.class_on_time[p, s, c, t] - m.class_sales[p, s, c, t] <= 0)
    m.class_floor_limit = pyo.Constraint(
        m.class_floor_index, rule=lambda m, p, s, c, t: m.class_floor[p, s, c, t] - m.class_on_time[p, s, c, t] <= 0)
    fair = [k for k in m.class_on_time_index
            if cd.allocation == "fair_share" and (k[0], k[1], demands[k[:3]].priority, k[3]) in m.class_level_index]
    m.class_fair_index = pyo.Set(initialize=fair, dimen=4, ordered=True)
    m.class_fair = pyo.Constraint(m.class_fair_index, rule=lambda m, p, s, c, t: m.class_on_time[p, s, c, t] - float(
        demands[p, s, c].demand[t]) * m.class_level[p, s, demands[p, s, c].priority, t] >= 0)
    terms: list[list[Any]] = []
    for _label, level in stages(cd):
        if level is None:
            terms.append([m.class_floor[k] for k in m.class_floor_index])
        elif cd.allocation == "fair_share":
            terms.append([float(totals[k[:3]][k[3]]) * m.class_level[k] for k in m.class_level_index if k[2] == level])
        else:
            terms.append([m.class_on_time[k] for k in m.class_on_time_index if demands[k[:3]].priority == level])
    m.class_stage_index = pyo.Set(initialize=[(k, 0) for k, t in enumerate(terms) if t], dimen=2, ordered=True)
    m.class_stage = pyo.Constraint(m.class_stage_index, rule=lambda _m, k, _t: pyo.quicksum(terms[k]) >= 0)


def arrays(a: ArrayModel) -> None:
    """The same columns, rows and costs as arrays."""
    cd, T = a.d.classes, a.T
    demands = list(cd.demands.values()) if cd is not None else []
    keys = [(c.product, c.site, c.name) for c in demands]
    n = len(keys)
    ones = np.ones((n, T), dtype=bool)
    has_b = np.array([c.backlog for c in demands], dtype=bool)
    has_l = np.array([c.lost_sales for c in demands], dtype=bool)
    D = stack([c.demand for c in demands], T)
    S = a.columns(CLASS_SALES.component, keys, ones)
    B = a.columns(CLASS_BACKLOG.component, keys, np.repeat(has_b[:, None], T, axis=1), 0.0,
                  stack([_backlog_upper(c) if c.backlog else np.zeros(T) for c in demands], T))
    L = a.columns(CLASS_LOST.component, keys, np.repeat(has_l[:, None], T, axis=1))
    if cd is not None and cd.allocation != "cost":
        on_time, F, f = _allocation_columns(a, cd, keys, D)
    rhs = D.copy()
    if n:
        rhs[:, 0] += [c.initial_backlog for c in demands]
    R = a.rows(BALANCE, keys, ones, rhs, 0)
    a.coef(R, S, 1.0)
    a.coef(R, B, 1.0)
    a.coef(R, previous(B), -1.0)
    a.coef(R, L, 1.0)
    item_of = np.array([a.pos[k[:2]] for k in keys], dtype=np.int64)
    items = cd.classed_items if cd is not None else []
    for name, flag, total, part in ((BACKLOG_LINK, "backlog", BACKLOG, B), (LOST_LINK, "lost_sales", LOST, L)):
        linked = np.array([getattr(a.d.items[k], flag) for k in items], dtype=bool)
        flags = a.item_flag(flag)
        K = a.rows(name, [k for k, ok in zip(items, linked, strict=True) if ok], np.repeat(linked[linked, None], T, 1),
                   0.0, 0)
        row_of = np.full(len(a.items), -1, dtype=np.int64)
        row_of[[a.pos[k] for k, ok in zip(items, linked, strict=True) if ok]] = np.arange(int(linked.sum()))
        if not linked.any():
            continue
        picked = row_of >= 0
        a.coef(K[row_of[picked]], a.item_ids(total.component, flags)[picked], 1.0)
        of_class = row_of[item_of]
        a.coef(np.where(of_class[:, None] >= 0, K[np.maximum(of_class, 0)], -1), part, -1.0)
    if cd is not None and cd.allocation != "cost":
        _allocation_rows(a, cd, keys, D, S, on_time, F, f)
    a.objective("backlog", B, stack([c.backlog_cost for c in demands], T))
    a.objective("lost_sales", L, stack([c.lost_sale_cost for c in demands], T))
    at_end = np.array([c.backlog and c.backlog_at_end == "lost_sale_cost" for c in demands], dtype=bool)
    if at_end.any():
        a.objective("lost_sales", B[at_end, T - 1], np.array([c.lost_sale_cost[T - 1] for c in demands])[at_end])


def _allocation_columns(a: ArrayModel, cd: ClassData, keys: list[tuple[str, str, str]], D: np.ndarray) -> tuple:
    """OT (on time), F (up to the floor) and f (fair share: each group's common fill)."""
    fill = np.array([c.min_fill for c in cd.demands.values()], dtype=float)[:, None]
    OT = a.columns(ON_TIME, keys, D > 0, 0.0, D)
    F = a.columns(FLOOR, keys, (D > 0) & (fill > 0), 0.0, fill * D)
    groups = _groups(cd)
    totals = _group_demand(cd)
    G = stack([totals[g] for g in groups], a.T)
    f = a.columns(LEVEL, groups, (G > 0) & (cd.allocation == "fair_share"), 0.0, 1.0)
    return OT, F, f


def _allocation_rows(a: ArrayModel, cd: ClassData, keys: list[tuple[str, str, str]], D: np.ndarray,
                     S: np.ndarray, OT: np.ndarray, F: np.ndarray, f: np.ndarray) -> None:
    """The rows of :func:`_add_allocation_rows`, in the same order."""
    demands = list(cd.demands.values())
    R = a.rows(ON_TIME_LIMIT, keys, OT >= 0, 0.0, 1)
    a.coef(R, OT, 1.0)
    a.coef(R, S, -1.0)
    R = a.rows(FLOOR_LIMIT, keys, F >= 0, 0.0, 1)
    a.coef(R, F, 1.0)
    a.coef(R, OT, -1.0)
    groups = _groups(cd)
    group_of = np.array([groups.index((c.product, c.site, c.priority)) for c in demands], dtype=np.int64)
    level = f[group_of] if len(groups) else np.full(OT.shape, -1)
    R = a.rows(FAIR, keys, (OT >= 0) & (level >= 0), 0.0, -1)
    a.coef(R, OT, 1.0)
    a.coef(R, level, -D)
    totals = _group_demand(cd)
    G = stack([totals[g] for g in groups], a.T)
    priority = np.array([c.priority for c in demands], dtype=np.int64)
    group_priority = np.array([g[2] for g in groups], dtype=np.int64)
    blocks: list[tuple[np.ndarray, np.ndarray]] = []
    for _label, lvl in stages(cd):
        if lvl is None:
            blocks.append((F, np.ones(F.shape)))
        elif cd.allocation == "fair_share":
            blocks.append((np.where(group_priority[:, None] == lvl, f, -1), G))
        else:
            blocks.append((np.where(priority[:, None] == lvl, OT, -1), np.ones(OT.shape)))
    present = np.array([(cols >= 0).any() for cols, _ in blocks], dtype=bool)
    mask = np.zeros((len(blocks), a.T), dtype=bool)
    mask[:, 0] = present
    R = a.rows(STAGE, [(k,) for k in range(len(blocks))], mask, 0.0, -1)
    for k, (cols, weights) in enumerate(blocks):
        a.coef(np.full(cols.shape, R[k, 0]), cols, weights)


def _words(kind: str, text: str) -> Any:
    """A row's words: ``text`` formatted with the row's index (product, site, class or
    stage, and period label)."""

    def describe(_d: ModelData, key: tuple[Any, ...], labels: Any) -> Words:
        *head, t = key
        name = " ".join(str(part) for part in head)
        return Words(kind, name, int(t), None, text.format(name=name, period=labels[int(t)]))

    return describe


ROWS = tuple(
    RowSpec(component, words, "unit", one_more, _words(kind, words))
    for component, kind, words, one_more in (
        (BALANCE, "class balance", "units of class demand {name} served, owed or lost in {period}",
         "one more unit of the class's demand"),
        (BACKLOG_LINK, "class backlog total", "backlog of {name} as the total of its classes in {period}",
         "one more unit of backlog"),
        (LOST_LINK, "class lost total", "lost sales of {name} as the total of its classes in {period}",
         "one more unit lost"),
        (ON_TIME_LIMIT, "on time", "units of {name} on time in {period}: at most those delivered",
         "one more unit delivered"),
        (FLOOR_LIMIT, "floor", "units of {name} up to its floor in {period}: at most those on time",
         "one more unit on time"),
        (FAIR, "fair share", "units of {name} on time in {period}: at least its group's common fill",
         "one unit less of the common fill"),
        (STAGE, "allocation stage", "allocation stage {name}: the total it reached (kept)",
         "one unit less of the stage's total"),
    )
)


FAMILY = Family(
    name="classes",
    title="Demand classes: allocation of short supply",
    doc=__doc__ or "",
    add=add,
    arrays=arrays,
    variables=(CLASS_SALES, CLASS_BACKLOG, CLASS_LOST, CLASS_ON_TIME, CLASS_FLOOR, CLASS_LEVEL),
    rows=ROWS,
)
