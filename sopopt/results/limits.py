"""Limits of a plan: the shadow-price table (every row limit and every binding bound
limit with its price and range), the limits a plan shows, and a limit in words.

Shadow prices are reported as *money saved by one unit more room in the limit in that
period* (non-negative for a binding limit). For a maximum (``sense`` ``max``: a
capacity, a ``<=`` row or an upper bound) that is one unit more of the limit: the
negative of HiGHS's row dual or reduced cost. For a minimum (``sense`` ``min``: minimum
stock or headcount, ending conditions that are lower bounds) it is one unit less: the
reduced cost itself. Limits that are rows are listed whether they bind or not; limits
that are variable bounds (:data:`~sopopt.model.catalogue.BOUND_LIMITS`) when they bind.

Ranges (``range_up``, ``range_down``) say how far the limit's own value can rise and
fall, in the limit's unit, with its shadow price unchanged (the optimal basis stays
optimal): from HiGHS ranging. A limit with slack keeps price 0 from ``-slack`` to
``+inf``. ``range_note`` says why a range is unknown ("range unknown: ...": no basis
after interior point without crossover or PDLP, or a plan not proven optimal) or what
it is of (a MIP plan: the LP with the integer decisions fixed).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sopopt.inputs.compile import ModelData
from sopopt.model.catalogue import BOUND_LIMITS, LIMITS
from sopopt.model.family import BoundLimitSpec
from sopopt.solver.solution import LimitRange, Ranging, Solution

#: A limit counts as binding when its slack is below this (units of the row).
BINDING_TOLERANCE = 1e-6
#: Limits a plan shows (summary, report, ``bottlenecks.csv``): the binding ones with the
#: largest shadow prices; a solve ranges these (and ties) by default.
SHOWN_LIMITS = 10

#: Columns of the shadow-price table.
SHADOW_COLUMNS = ["kind", "name", "period", "shadow_price", "unit", "binding", "slack", "sense", "range_up",
                  "range_down", "range_note"]

#: Note of a plan whose solve did not ask for ranges.
NOT_RANGED = "range unknown: ranges were not computed for this solve"
#: The note of a binding limit a solve did not range (it is not among those shown).
ON_DEMAND = "range unknown: not ranged by default (plan.ranges() or sopopt solve --ranges all)"


def empty_shadow() -> pd.DataFrame:
    return pd.DataFrame(columns=SHADOW_COLUMNS)


def limit_records(data: ModelData, solution: Solution) -> list[dict[str, Any]]:
    """Every row limit (binding or not) and every binding bound limit, with ranges.

    One dict per limit with the :data:`SHADOW_COLUMNS` and where the limit sits in the
    LP: ``component`` and ``index`` of its row (``on`` = ``row``) or of the variable it
    bounds (``on`` = ``column``), and that row's or column's ``position`` when it is
    nonbasic (-1 otherwise: the limit has slack and moves nothing).
    """
    ranging = solution.ranging
    return _row_limits(solution, data.labels, ranging) + _bound_limits(data, ranging)


def shadow_prices(data: ModelData, solution: Solution) -> pd.DataFrame:
    """The shadow price table of a solution: every limit with its price and range."""
    rows = limit_records(data, solution)
    return pd.DataFrame(rows, columns=SHADOW_COLUMNS) if rows else empty_shadow()


def _range_note(ranging: Ranging | None) -> str:
    if ranging is None:
        return NOT_RANGED
    return ranging.note or ranging.label


def _row_limits(solution: Solution, labels: list[str], ranging: Ranging | None) -> list[dict[str, Any]]:
    rows = []
    note = _range_note(ranging)
    for spec in LIMITS:
        duals = solution.duals.get(spec.component, {})
        slacks = solution.slacks.get(spec.component, {})
        ranges = ranging.rows.get(spec.component, {}) if ranging is not None else {}
        for idx, slack in slacks.items():
            # The ranged basis's dual (for a MIP: the fixed LP's, the MIP has none).
            dual = ranges[idx].dual if idx in ranges else duals.get(idx, 0.0)
            position = ranges[idx].position if idx in ranges else -1
            if ranging is None or not ranging.known:
                up, down = np.nan, np.nan
            elif idx in ranges:
                r = ranges[idx]
                up, down = r.high - r.value, r.low - r.value
            else:  # a basic row: price 0 until the limit is cut by more than its slack
                up, down = np.inf, -max(slack, 0.0)
            rows.append({
                "kind": spec.kind,
                "name": "/".join(map(str, idx[:-1])),
                "period": labels[idx[-1]],
                "shadow_price": 0.0 if abs(dual) < 1e-12 else (-dual if spec.sense == "max" else dual),
                "unit": spec.unit,
                "binding": abs(slack) <= BINDING_TOLERANCE,
                "slack": slack,
                "sense": spec.sense,
                "range_up": up,
                "range_down": down,
                "range_note": ON_DEMAND if idx in ranges and not ranges[idx].ranged and ranging.known else note,
                "component": spec.component,
                "index": idx,
                "on": "row",
                "position": position,
            })
    return rows


def _bound_limits(data: ModelData, ranging: Ranging | None) -> list[dict[str, Any]]:
    """The variable bounds that bind and are limits (not a zero lower bound)."""
    if ranging is None:
        return []
    rows = []
    note = _range_note(ranging)
    for spec in BOUND_LIMITS:
        for idx, r in ranging.columns.get(spec.component, {}).items():
            if r.side != spec.side or (spec.side == "lower" and r.value <= 0.0):
                continue
            price = -r.dual if spec.side == "upper" else r.dual
            rows.append({
                "kind": spec.ending_kind if _is_ending(data, spec, idx, r) else spec.kind,
                "name": "/".join(map(str, idx[:-1])),
                "period": data.labels[idx[-1]],
                "shadow_price": 0.0 if abs(price) < 1e-12 else price,
                "unit": spec.unit,
                "binding": True,
                "slack": 0.0,
                "sense": "max" if spec.side == "upper" else "min",
                "range_up": r.high - r.value,
                "range_down": r.low - r.value,
                "range_note": ON_DEMAND if not r.ranged and ranging.known else note,
                "component": spec.component,
                "index": idx,
                "on": "column",
                "position": r.position,
            })
    return rows


def _ending_value(data: ModelData, spec: BoundLimitSpec, key: tuple[Any, ...]) -> float | None:
    """The bound an ending condition sets in the last period, if any (the family's ``ending``)."""
    return None if spec.ending is None else spec.ending(data, key)


def _is_ending(data: ModelData, spec: BoundLimitSpec, idx: tuple[Any, ...], r: LimitRange) -> bool:
    """True when the binding bound in the last period is the one an ending condition set."""
    if spec.ending_kind is None or idx[-1] != data.T - 1:
        return False
    ending = _ending_value(data, spec, tuple(idx[:-1]))
    return ending is not None and abs(ending - r.value) <= 1e-9 * max(1.0, abs(r.value))


def shown_limits(ranging: Ranging, top: int = SHOWN_LIMITS) -> list[tuple[str, str, Any]]:
    """The limits a plan shows, as ``(on, component, index)`` entries of ``ranging``:
    the binding limits with the ``top`` largest shadow prices (ties included), priced
    as :func:`shadow_prices` prices them."""
    priced: list[tuple[float, tuple[str, str, Any]]] = []
    for spec in LIMITS:
        for idx, r in ranging.rows.get(spec.component, {}).items():
            priced.append((-r.dual if spec.sense == "max" else r.dual, ("row", spec.component, idx)))
    for bound in BOUND_LIMITS:
        for idx, r in ranging.columns.get(bound.component, {}).items():
            if r.side != bound.side or (bound.side == "lower" and r.value <= 0.0):
                continue
            priced.append((-r.dual if bound.side == "upper" else r.dual, ("column", bound.component, idx)))
    prices = sorted((p for p, _ in priced if p > BINDING_TOLERANCE), reverse=True)
    if not prices:
        return []
    floor = prices[min(top, len(prices)) - 1]
    return [entry for price, entry in priced if price > BINDING_TOLERANCE and price >= floor]
