r"""Workforce pools: headcount, hiring, layoffs, regular and overtime labour hours.

.. math::

    W_{w,t} = W_{w,t-1} + H_{w,t} - F_{w,t}, \qquad W_{w,-1} = W^0_w

    \sum_{p} b_{w,p} X_{p,s_w,t} \le k_{w,t} W_{w,t} + O_{w,t}

    O_{w,t} \le \overline{o}_{w,t} W_{w,t}

    \underline{W}_{w,t} \le W_{w,t} \le \overline{W}_{w,t}, \quad
    0 \le H_{w,t} \le \overline{H}_{w,t}, \quad 0 \le F_{w,t} \le \overline{F}_{w,t}

    \text{cost} = \sum g_{w,t} W_{w,t} \;(\text{regular labour})
        + \sum c^O_{w,t} O_{w,t} \;(\text{overtime})
        + \sum c^H_{w,t} H_{w,t} \;(\text{hiring}) + \sum c^F_{w,t} F_{w,t} \;(\text{layoffs})

A pool whose hours no product uses (every rate zero or none given) has no labour
rows and no overtime; its headcount, hires and layoffs remain.

Hires work in the period they are hired. Headcount is continuous (an LP) unless the
pool has ``whole_workers: true``: then :math:`W, H, F` are whole numbers (a MIP). Wages
are paid on headcount whether the hours are used or not.

======================  ===========================  ===================================
symbol                  Pyomo                        file field
======================  ===========================  ===================================
:math:`W`               ``m.headcount``              (decision) workers employed
                                                     (integer with ``whole_workers``)
:math:`H, F`            ``m.hires``, ``m.layoffs``   (decision) workers hired / laid off
:math:`O`               ``m.labour_overtime``        (decision) overtime hours
:math:`W^0`             constant                     ``initial_headcount``
:math:`b_{w,p}`         coefficient                  ``workforce.W.usage.P`` (hours/unit)
:math:`k`               coefficient                  ``hours_per_worker``
:math:`\overline{o}`    coefficient                  ``overtime.hours_per_worker``
:math:`\underline{W}`   bound of W                   ``min_headcount`` (and
                                                     ``min_ending_headcount`` at T-1)
:math:`\overline{W}`    bound of W                   ``max_headcount`` (and
                                                     ``max_ending_headcount`` at T-1)
:math:`\overline{H}`    bound of H                   ``hiring.max``
:math:`\overline{F}`    bound of F                   ``layoffs.max``
:math:`g`               cost term                    ``wage``
:math:`c^O, c^H, c^F`   cost terms                   ``overtime.cost``, ``hiring.cost``,
                                                     ``layoffs.cost``
(rows)                  ``m.headcount_balance``,
                        ``m.labour_capacity``,
                        ``m.overtime_limit``
======================  ===========================  ===================================
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sopopt.inputs.compile import ModelData, WorkforceData
from sopopt.model.arrays import ArrayModel, previous, stack
from sopopt.model.common import bound
from sopopt.model.family import (
    BoundLimitSpec,
    BoundSpec,
    CostCategory,
    CostTerms,
    Family,
    LimitSpec,
    Relief,
    RowSpec,
    Source,
    VarSpec,
    Words,
    capacity_words,
)
from sopopt.model.production import PRODUCTION

if TYPE_CHECKING:
    import pyomo.environ as pyo

WP = ("workforce", "period")
HEADCOUNT = VarSpec("headcount", "headcount", WP, "workers")
HIRES = VarSpec("hires", "hires", WP, "workers")
LAYOFFS = VarSpec("layoffs", "layoffs", WP, "workers")
LABOUR_OVERTIME = VarSpec("labour_overtime", "labour_overtime", WP, "hours")
HEADCOUNT_BALANCE = "headcount_balance"
LABOUR_CAPACITY = LimitSpec(
    "labour_capacity", "workforce", WP, "labour hour",
    level=lambda d, key, v: float(d.workforce[key[0]].hours_per_worker[key[1]]) * v.get(HEADCOUNT.component, {}).get(key, 0.0),
)
OVERTIME_LIMIT = LimitSpec(
    "overtime_limit", "overtime", WP, "overtime hour",
    level=lambda d, key, v: float(d.workforce[key[0]].overtime_per_worker[key[1]]) * v.get(HEADCOUNT.component, {}).get(key, 0.0),
)


def working(pool: WorkforceData) -> bool:
    """True if some product uses the pool's hours (a non-zero rate)."""
    return any(pool.usage.values())


def add(m: pyo.ConcreteModel, d: ModelData, reg: CostTerms) -> None:
    """Headcount, hires, layoffs, labour overtime and the labour rows."""
    _add_headcount(m, d)
    _add_labour_rows(m, d)
    _add_costs(m, d, reg)


def _add_headcount(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Headcount, hires, layoffs and overtime columns, and the headcount balance."""
    import pyomo.environ as pyo

    T = d.T
    pools = d.workforce
    m.workforce_index = pyo.Set(initialize=[(w, t) for w in pools for t in range(T)], dimen=2, ordered=True)
    m.hire_index = pyo.Set(initialize=[(w, t) for w in pools if pools[w].hiring for t in range(T)], dimen=2)
    m.layoff_index = pyo.Set(initialize=[(w, t) for w in pools if pools[w].layoffs for t in range(T)], dimen=2)
    m.labour_overtime_index = pyo.Set(
        initialize=[(w, t) for w in pools if working(pools[w]) and pools[w].overtime for t in range(T)],
        dimen=2,
        ordered=True,
    )

    def headcount_bounds(_m: pyo.ConcreteModel, w: str, t: int) -> tuple[float, float | None]:
        pool = pools[w]
        low, high = float(pool.min_headcount[t]), float(pool.max_headcount[t])
        if t == T - 1:
            low, high = max(low, pool.min_ending_headcount), min(high, pool.max_ending_headcount)
        return low, bound(high)

    def workers(_m: pyo.ConcreteModel, w: str, _t: int) -> pyo.Set:
        return pyo.NonNegativeIntegers if pools[w].whole_workers else pyo.NonNegativeReals

    m.headcount = pyo.Var(m.workforce_index, domain=workers, bounds=headcount_bounds)
    m.hires = pyo.Var(m.hire_index, domain=workers, bounds=lambda _m, w, t: (0.0, bound(pools[w].max_hires[t])))
    m.layoffs = pyo.Var(m.layoff_index, domain=workers, bounds=lambda _m, w, t: (0.0, bound(pools[w].max_layoffs[t])))
    m.labour_overtime = pyo.Var(m.labour_overtime_index, domain=pyo.NonNegativeReals)

    def headcount_balance(m: pyo.ConcreteModel, w: str, t: int) -> pyo.Expression:
        pool = pools[w]
        previous = m.headcount[w, t - 1] if t > 0 else pool.initial_headcount
        hires = m.hires[w, t] if pool.hiring else 0.0
        layoffs = m.layoffs[w, t] if pool.layoffs else 0.0
        return m.headcount[w, t] - previous - hires + layoffs == 0.0

    m.headcount_balance = pyo.Constraint(m.workforce_index, rule=headcount_balance)


def _add_labour_rows(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Hours worked within headcount x hours per worker plus overtime, and overtime within
    its limit per worker."""
    import pyomo.environ as pyo

    pools = d.workforce
    used = [(w, t) for w, t in m.workforce_index if working(pools[w])]
    m.labour_index = pyo.Set(initialize=used, dimen=2, ordered=True)

    def labour(m: pyo.ConcreteModel, w: str, t: int) -> pyo.Expression:
        pool = pools[w]
        hours = sum(rate * m.production[p, pool.site, t] for p, rate in pool.usage.items() if rate)
        overtime = m.labour_overtime[w, t] if pool.overtime else 0.0
        return hours - float(pool.hours_per_worker[t]) * m.headcount[w, t] - overtime <= 0.0

    m.labour_capacity = pyo.Constraint(m.labour_index, rule=labour)

    capped = [(w, t) for w, t in m.labour_overtime_index if not math.isinf(pools[w].overtime_per_worker[t])]
    m.overtime_limit_index = pyo.Set(initialize=capped, dimen=2, ordered=True)

    def overtime_limit(m: pyo.ConcreteModel, w: str, t: int) -> pyo.Expression:
        return m.labour_overtime[w, t] - float(pools[w].overtime_per_worker[t]) * m.headcount[w, t] <= 0.0

    m.overtime_limit = pyo.Constraint(m.overtime_limit_index, rule=overtime_limit)


def _add_costs(m: pyo.ConcreteModel, d: ModelData, reg: CostTerms) -> None:
    """Wages, overtime, hiring and layoff costs."""
    pools = d.workforce
    reg.cost("regular_labour", [(float(pools[w].wage[t]), m.headcount[w, t]) for w, t in m.workforce_index if pools[w].wage[t]])
    reg.cost("overtime", [
        (float(pools[w].overtime_cost[t]), m.labour_overtime[w, t])
        for w, t in m.labour_overtime_index if pools[w].overtime_cost[t]
    ])
    reg.cost("hiring", [(float(pools[w].hire_cost[t]), m.hires[w, t]) for w, t in m.hire_index if pools[w].hire_cost[t]])
    reg.cost("layoffs", [
        (float(pools[w].layoff_cost[t]), m.layoffs[w, t]) for w, t in m.layoff_index if pools[w].layoff_cost[t]
    ])


def arrays(a: ArrayModel) -> None:
    """The same columns, rows and costs as arrays."""
    T = a.T
    pools = list(a.d.workforce.values())
    keys, nw = [(pool.name,) for pool in pools], len(pools)
    every = np.ones((nw, T), dtype=bool)

    def flag(values: list[bool]) -> np.ndarray:
        return np.array(values, dtype=bool).reshape(nw, 1) & every

    low, high = stack([p.min_headcount for p in pools], T), stack([p.max_headcount for p in pools], T)
    if nw:
        low[:, T - 1] = np.maximum(low[:, T - 1], [pool.min_ending_headcount for pool in pools])
        high[:, T - 1] = np.minimum(high[:, T - 1], [pool.max_ending_headcount for pool in pools])
    whole = flag([p.whole_workers for p in pools])
    W = a.columns(HEADCOUNT.component, keys, every, low, high, whole)
    H = a.columns(HIRES.component, keys, flag([p.hiring for p in pools]), 0.0, stack([p.max_hires for p in pools], T),
                  whole)
    F = a.columns(LAYOFFS.component, keys, flag([p.layoffs for p in pools]), 0.0,
                  stack([p.max_layoffs for p in pools], T), whole)
    uses = flag([working(p) for p in pools])
    with_overtime = uses & flag([p.overtime for p in pools])
    WO = a.columns(LABOUR_OVERTIME.component, keys, with_overtime)
    rhs = np.zeros((nw, T))
    rhs[:, 0] = [pool.initial_headcount for pool in pools]
    HB = a.rows(HEADCOUNT_BALANCE, keys, every, rhs, 0)
    a.coef(HB, W, 1.0)
    a.coef(HB, previous(W), -1.0)
    a.coef(HB, H, -1.0)
    a.coef(HB, F, 1.0)
    LC = a.rows(LABOUR_CAPACITY.component, keys, uses, 0.0, 1)
    a.usage(LC, [(pool.site, pool.usage) for pool in pools], a.item_ids(PRODUCTION.component, a.item_flag("make")))
    a.coef(LC, W, -stack([pool.hours_per_worker for pool in pools], T))
    a.coef(LC, WO, -1.0)
    per_worker = stack([pool.overtime_per_worker for pool in pools], T)
    OL = a.rows(OVERTIME_LIMIT.component, keys, with_overtime & np.isfinite(per_worker), 0.0, 1)
    a.coef(OL, WO, 1.0)
    a.coef(OL, W, -np.where(np.isfinite(per_worker), per_worker, 0.0))
    a.objective("regular_labour", W, stack([pool.wage for pool in pools], T))
    a.objective("overtime", WO, stack([pool.overtime_cost for pool in pools], T))
    a.objective("hiring", H, stack([pool.hire_cost for pool in pools], T))
    a.objective("layoffs", F, stack([pool.layoff_cost for pool in pools], T))


def _staffing_levers(pool: WorkforceData, w: str) -> tuple[tuple[str, Source], ...]:
    crew = Source(("workforce", w), entity=True)
    found = []
    if not pool.hiring:
        found.append((f"no hiring allowed for {w}", crew))
    if not pool.layoffs:
        found.append((f"no layoffs allowed for {w}", crew))
    return tuple(found)


def _labour_levers(d: ModelData, w: str) -> tuple[tuple[str, Source], ...]:
    pool = d.workforce[w]
    absent = _staffing_levers(pool, w)
    if not pool.overtime:
        absent = (*absent, (f"no overtime allowed for {w}", Source(("workforce", w), entity=True)))
    return absent


_labour_words = capacity_words("crew hours", "{name} labour hours in {period}: {{n[0]}} h per worker ({{0}})",
                               ("workforce", "{name}", "hours_per_worker"), lambda d, w: d.workforce[w].hours_per_worker,
                               _labour_levers)
_overtime_limit_words = capacity_words(
    "crew overtime", "{name} overtime in {period}: at most {{n[0]}} h per worker ({{0}})",
    ("workforce", "{name}", "overtime", "hours_per_worker"), lambda d, w: d.workforce[w].overtime_per_worker)


def _headcount_words(d: ModelData, key: tuple[Any, ...], labels: Sequence[str]) -> Words:
    w, t = key
    pool = d.workforce[w]
    absent = _staffing_levers(pool, w)
    if t == 0:
        text = f"{w} opening headcount: {{n[0]}} workers ({{0}})"
        return Words("opening headcount", w, t, pool.initial_headcount, text,
                     (Source(("workforce", w, "initial_headcount")),), absent, (pool.initial_headcount,))
    return Words("headcount balance", w, t, None, f"headcount balance of {w} in {labels[t]}", (), absent)


def headcount_bound(d: ModelData, w: str, t: int, side: str) -> float:
    """A headcount bound as built: the period's bound, with the ending bound in the last period."""
    pool = d.workforce[w]
    last = t == d.T - 1
    if side == "lower":
        return max(float(pool.min_headcount[t]), pool.min_ending_headcount if last else 0.0)
    return min(float(pool.max_headcount[t]), pool.max_ending_headcount if last else float("inf"))


def _pool_bound_words(kind: str, field: str, phrase: str, side: str | None = None) -> Callable[..., Words]:
    """Words of a crew's bound; for headcount the ending bound when that sets the last period."""

    def words(d: ModelData, key: tuple[Any, ...], labels: Sequence[str], value: float) -> Words:
        w, t = key
        pool, name, path, period = d.workforce[w], kind, (field,), t
        if side is not None and t == d.T - 1:
            ending = (pool.min_ending_headcount > float(pool.min_headcount[t]) if side == "lower"
                      else pool.max_ending_headcount < float(pool.max_headcount[t]))
            if ending:
                name, path, period = kind.replace("headcount", "ending headcount"), (("min" if side == "lower" else "max") + "_ending_headcount",), None
        text = f"{name} of {w} in {labels[t]}: {phrase} {{n[0]}} ({{0}})"
        return Words(name, w, t, value, text, (Source(("workforce", w, *path[0].split(".")), period),),
                     numbers=(value,))

    return words


def _can(lever: str) -> Callable[[ModelData, tuple[Any, ...]], float | None]:
    return lambda d, key: None if getattr(d.workforce[key[0]], lever) else math.inf


ROWS = (
    RowSpec(HEADCOUNT_BALANCE, "workers of {name} in {period}", "worker",
            "one more worker on the crew in the period", _headcount_words,
            (Relief("staffing", "+{q} extra hires for {name} in {period}", "worker", -1.0, _can("hiring")),
             Relief("staffing", "+{q} extra layoffs for {name} in {period}", "worker", 1.0, _can("layoffs")))),
    RowSpec(LABOUR_CAPACITY.component, "labour hours of {name} in {period}", "hour",
            "one more labour hour of the crew in the period", _labour_words,
            (Relief("overtime", "+{q} labour hours for {name} in {period}", "hour", cap=_can("overtime")),)),
    RowSpec(OVERTIME_LIMIT.component, "overtime hours of {name} in {period}", "hour",
            "one more overtime hour allowed per crew in the period", _overtime_limit_words,
            (Relief("overtime", "+{q} overtime hours for {name} in {period} beyond the per-worker limit", "hour"),)),
)
BOUNDS = (
    BoundSpec(HEADCOUNT.component, "lower", "worker", "one worker less as the crew's minimum",
              lambda d, key: headcount_bound(d, key[0], key[1], "lower"),
              _pool_bound_words("minimum headcount", "min_headcount", "at least", "lower"),
              Relief("staffing", "{q} workers fewer for {name} in {period} than its minimum", "worker")),
    BoundSpec(HEADCOUNT.component, "upper", "worker", "one more worker as the crew's maximum",
              lambda d, key: headcount_bound(d, key[0], key[1], "upper"),
              _pool_bound_words("maximum headcount", "max_headcount", "at most", "upper"),
              Relief("staffing", "{q} workers more for {name} in {period} than its maximum", "worker")),
    BoundSpec(HIRES.component, "upper", "hire", "one more hire allowed in the period",
              lambda d, key: float(d.workforce[key[0]].max_hires[key[1]]),
              _pool_bound_words("hiring limit", "hiring.max", "at most"),
              Relief("staffing", "+{q} hires for {name} in {period} beyond the limit", "hire")),
    BoundSpec(LAYOFFS.component, "upper", "layoff", "one more layoff allowed in the period",
              lambda d, key: float(d.workforce[key[0]].max_layoffs[key[1]]),
              _pool_bound_words("layoff limit", "layoffs.max", "at most"),
              Relief("staffing", "+{q} layoffs for {name} in {period} beyond the limit", "layoff")),
)


FAMILY = Family(
    name="workforce",
    title="Workforce",
    doc=__doc__ or "",
    add=add,
    arrays=arrays,
    variables=(HEADCOUNT, HIRES, LAYOFFS, LABOUR_OVERTIME),
    limits=(LABOUR_CAPACITY, OVERTIME_LIMIT),
    bound_limits=(
        BoundLimitSpec("headcount", "lower", "min_headcount", "worker", "ending_headcount",
                       lambda d, key: d.workforce[key[0]].min_ending_headcount),
        BoundLimitSpec("headcount", "upper", "max_headcount", "worker", "ending_headcount",
                       lambda d, key: d.workforce[key[0]].max_ending_headcount),
        BoundLimitSpec("hires", "upper", "hiring", "hire"),
        BoundLimitSpec("layoffs", "upper", "layoffs", "layoff"),
    ),
    costs=(
        CostCategory("regular_labour", "Wages (regular labour)", 50),
        CostCategory("hiring", "Hiring", 70),
        CostCategory("layoffs", "Layoffs", 80),
    ),
    rows=ROWS,
    bounds=BOUNDS,
)
