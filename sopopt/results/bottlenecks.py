r"""Bottlenecks per limit, in money: which limits hold the plan back most.

A shadow price is money per unit of *its* limit (per hour, per motor, per hire), so
ranking binding rows by price compares unlike units, and the same line binding in five
weeks fills a top ten. Here each *limit* (a component and entity: one resource, one
supplier, one crew's minimum headcount) appears once, with its binding periods grouped
into runs ("2027-07..2027-09"), and limits are ranked by the **money at stake**:

.. math::

    \text{money} = \sum_{t \in \text{binding}} |\pi_t| \cdot
        \min\big(r_t,\; 0.1 \cdot \max_{t'} L_{t'}\big)

where :math:`\pi_t` is the shadow price in period :math:`t`, :math:`r_t` the relief over
which that price holds (the ranging interval in the direction that gives room: up for a
maximum, down for a minimum; an unknown range counts as the cap) and :math:`L` the
limit's level over the horizon in its own unit (hours, units, workers), from its
family's ``LimitSpec.level`` (rows) or ``BoundSpec.value`` (bounds). The cap at 10% of
the largest level keeps one limit with an endless range from dwarfing the rest, and a
limit cut to zero in some periods still counts through its level in the others. Hours,
motors and hires then compare on one scale. The largest unit price and its range are
kept as context. ``shadow_prices.csv`` keeps every row; this table is ``bottlenecks.csv``.
"""

from __future__ import annotations

import functools
import heapq
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sopopt.inputs.compile import ModelData
from sopopt.model.catalogue import BOUND_LIMITS, LIMITS
from sopopt.model.families import BOUND_TERMS, FAMILIES
from sopopt.model.family import bound_value
from sopopt.solver.solution import Ranging

#: Share of a limit's largest level over the horizon that caps the relief counted per period.
RELIEF_SHARE = 0.10
#: Shadow prices below this (money per unit) are not a bottleneck.
PRICE_TOLERANCE = 1e-6

#: Columns of ``bottlenecks.csv`` (``period`` holds the binding runs, ``shadow_price``
#: the largest unit price, ``price_period`` where it is, ``range_*`` its range there).
COLUMNS = ["kind", "name", "period", "money", "binding_periods", "shadow_price", "unit", "sense", "price_period",
           "range_up", "range_down", "range_note", "largest_level", "component"]

_ROW_LEVELS = {spec.component: spec.level for spec in LIMITS}
#: A bound's level as built: later families may change it (BOUND_TERMS).
_BOUND_LEVELS = {(b.component, b.side): functools.partial(bound_value, b, BOUND_TERMS.get((b.component, b.side), ()))
                 for f in FAMILIES for b in f.bounds}


def runs(periods: Sequence[int], labels: Sequence[str]) -> str:
    """Period indices as runs of labels: ``[2, 3, 4, 7]`` -> ``"2027-03..2027-05, 2027-08"``."""
    out: list[str] = []
    ordered = sorted(periods)
    start = 0
    for k in range(1, len(ordered) + 1):
        if k == len(ordered) or ordered[k] != ordered[k - 1] + 1:
            first, last = ordered[start], ordered[k - 1]
            out.append(labels[first] if first == last else f"{labels[first]}..{labels[last]}")
            start = k
    return ", ".join(out)


def _level(data: ModelData, on: str, component: str, sense: str, index: tuple[Any, ...], t: int,
           values: dict[str, dict[Any, float]]) -> float:
    """The limit's level in period ``t`` in its own unit (nan when unknown)."""
    at = (*index[:-1], t)
    if on == "row":
        level = _ROW_LEVELS.get(component)
        return float(level(data, at, values)) if level is not None else math.nan
    value = _BOUND_LEVELS.get((component, "upper" if sense == "max" else "lower"))
    return float(value(data, at)) if value is not None else math.nan


def _largest_level(data: ModelData, on: str, component: str, sense: str, index: tuple[Any, ...],
                   values: dict[str, dict[Any, float]]) -> float:
    """The limit's largest level over the horizon (nan when unknown)."""
    levels = np.array([_level(data, on, component, sense, index, t, values) for t in range(data.T)], dtype=float)
    finite = levels[np.isfinite(levels)]
    return float(finite.max()) if finite.size else math.nan


def _at_stake(prices: Sequence[float], reliefs: Sequence[float], largest: float) -> float:
    """Money at stake: each binding period's |price| times the relief over which it
    holds, capped at :data:`RELIEF_SHARE` of the largest level (an unknown relief counts
    as the cap, so a limit not ranged gets an upper bound of its money)."""
    cap = RELIEF_SHARE * largest if largest == largest else math.inf
    money = 0.0
    for price, relief in zip(prices, reliefs, strict=True):
        reach = cap if relief != relief else min(max(relief, 0.0), cap)
        money += 0.0 if math.isinf(reach) else abs(price) * reach
    return money


def _relief(record: dict[str, Any]) -> float:
    """How far the price holds in the direction that gives room (nan: unknown)."""
    return float(record["range_up"]) if record["sense"] == "max" else -float(record["range_down"])


def bottleneck_table(
    data: ModelData, records: list[dict[str, Any]], values: dict[str, dict[Any, float]]
) -> pd.DataFrame:
    """One row per limit that binds with a price, ranked by the money at stake."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for record in records:
        if record["binding"] and abs(float(record["shadow_price"])) > PRICE_TOLERANCE:
            groups.setdefault((record["component"], record["sense"], record["name"]), []).append(record)
    rows = [_row(data, group, values) for group in groups.values()]
    if not rows:
        return pd.DataFrame(columns=COLUMNS)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.sort_values(["money", "shadow_price"], ascending=False, kind="stable").reset_index(drop=True)


def _row(data: ModelData, group: list[dict[str, Any]], values: dict[str, dict[Any, float]]) -> dict[str, Any]:
    first = group[0]
    largest = _largest_level(data, first["on"], first["component"], first["sense"], first["index"], values)
    money = _at_stake([float(r["shadow_price"]) for r in group], [_relief(r) for r in group], largest)
    dearest = max(group, key=lambda r: abs(float(r["shadow_price"])))
    return {
        "kind": first["kind"], "name": first["name"], "period": runs([int(r["index"][-1]) for r in group], data.labels),
        "money": money, "binding_periods": len(group), "shadow_price": float(dearest["shadow_price"]),
        "unit": first["unit"], "sense": first["sense"], "price_period": dearest["period"],
        "range_up": float(dearest["range_up"]), "range_down": float(dearest["range_down"]),
        "range_note": dearest["range_note"], "largest_level": largest, "component": first["component"],
    }


# ---------------------------------------------------------------- ranging where it is read

Entry = tuple[str, str, Any]


def _priced(ranging: Ranging) -> dict[tuple[str, str, str, Any], list[tuple[Entry, float]]]:
    """The priced binding entries of ``ranging`` grouped per limit (on, component, sense,
    entity), each with its shadow price (priced as the shadow-price table prices them)."""
    groups: dict[tuple[str, str, str, Any], list[tuple[Entry, float]]] = {}
    for spec in LIMITS:
        for idx, r in ranging.rows.get(spec.component, {}).items():
            price = -r.dual if spec.sense == "max" else r.dual
            if abs(price) > PRICE_TOLERANCE:
                groups.setdefault(("row", spec.component, spec.sense, idx[:-1]), []).append(
                    (("row", spec.component, idx), price))
    for bound in BOUND_LIMITS:
        for idx, r in ranging.columns.get(bound.component, {}).items():
            if r.side != bound.side or (bound.side == "lower" and r.value <= 0.0):
                continue
            price = -r.dual if bound.side == "upper" else r.dual
            sense = "max" if bound.side == "upper" else "min"
            if abs(price) > PRICE_TOLERANCE:
                groups.setdefault(("column", bound.component, sense, idx[:-1]), []).append(
                    (("column", bound.component, idx), price))
    return groups


def _group_money(ranging: Ranging, sense: str, entries: list[tuple[Entry, float]], largest: float) -> float:
    """The limit's money at stake with the ranges known so far: exact once every entry
    is ranged, else an upper bound (an entry not ranged counts its relief at the cap)."""
    reliefs = []
    for (on, component, idx), _ in entries:
        r = (ranging.rows if on == "row" else ranging.columns)[component][idx]
        reliefs.append(r.high - r.value if sense == "max" else r.value - r.low)
    return _at_stake([price for _, price in entries], reliefs, largest)


def range_bottlenecks(
    data: ModelData, ranging: Ranging, values: dict[str, dict[Any, float]],
    range_entries: Callable[[list[Entry]], Ranging], shown: int = 10,
) -> Ranging:
    """The ranging with the entries the money ranking reads ranged, and only those.

    Every limit gets an upper bound of its money (its entries already ranged, e.g. the
    shown limits, count exactly; the others count their relief at the cap). Limits are
    then ranged one at a time, largest bound first (``range_entries(entries)``, exact
    from the basis, returns the ranging so far), until the ``shown``-th largest exact
    money is at least the bound of every limit not ranged: the top ``shown`` of
    :func:`bottleneck_table` is then exact, with the fewest limits ranged that these
    bounds allow; a limit not ranged counts its upper bound.
    """
    groups = []
    for (on, component, sense, entity), entries in _priced(ranging).items():
        largest = _largest_level(data, on, component, sense, (*entity, 0), values)
        # A limit without a level (a target row) has no cap: it is ranged first.
        bound = _group_money(ranging, sense, entries, largest) if largest == largest else math.inf
        groups.append((bound, sense, entries, largest))
    groups.sort(key=lambda g: -g[0])
    top: list[float] = []  # the ``shown`` largest exact moneys (a min-heap)
    for bound, sense, entries, largest in groups:
        if len(top) >= shown and top[0] >= bound:
            break
        ranging = range_entries([entry for entry, _ in entries])
        money = _group_money(ranging, sense, entries, largest)
        if len(top) < shown:
            heapq.heappush(top, money)
        else:
            heapq.heappushpop(top, money)
    return ranging
