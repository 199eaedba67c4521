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
family's ``level`` (rows) or bound ``value`` (bounds). The cap at 10% of the largest
level keeps one limit with an endless range from dwarfing the rest, and a limit cut to
zero in some periods still counts through its level in the others. Hours, motors and
hires then compare on one scale. The largest unit price and its range are kept as
context. ``shadow_prices.csv`` keeps every row; this table is ``bottlenecks.csv``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sopopt.inputs.compile import ModelData
from sopopt.model.families import FAMILIES
from sopopt.model.registry import LIMITS

#: Share of a limit's largest level over the horizon that caps the relief counted per period.
RELIEF_SHARE = 0.10
#: Shadow prices below this (money per unit) are not a bottleneck.
PRICE_TOLERANCE = 1e-6

#: Columns of ``bottlenecks.csv`` (``period`` holds the binding runs, ``shadow_price``
#: the largest unit price, ``price_period`` where it is, ``range_*`` its range there).
COLUMNS = ["kind", "name", "period", "money", "binding_periods", "shadow_price", "unit", "sense", "price_period",
           "range_up", "range_down", "range_note", "largest_level", "component"]

_ROW_LEVELS = {spec.component: spec.level for spec in LIMITS}
_BOUND_LEVELS = {(b.component, b.side): b.value for f in FAMILIES for b in f.bounds}


def runs(periods: Sequence[int], labels: Sequence[str]) -> str:
    """Period indices as runs of labels: ``[2, 3, 4, 7]`` -> ``"2027-03..2027-05, 2027-08"``."""
    out: list[str] = []
    start = prev = None
    for t in sorted(periods):
        if prev is not None and t == prev + 1:
            prev = t
            continue
        if start is not None:
            out.append(_run(start, prev, labels))
        start = prev = t
    if start is not None:
        out.append(_run(start, prev, labels))
    return ", ".join(out)


def _run(start: int, end: int | None, labels: Sequence[str]) -> str:
    return labels[start] if end is None or end == start else f"{labels[start]}..{labels[end]}"


def _level(data: ModelData, record: dict[str, Any], t: int, values: dict[str, dict[Any, float]]) -> float:
    """The limit's level in period ``t`` in its own unit (nan when unknown)."""
    index = (*record["index"][:-1], t)
    if record["on"] == "row":
        level = _ROW_LEVELS.get(record["component"])
        return float(level(data, index, values)) if level is not None else math.nan
    value = _BOUND_LEVELS.get((record["component"], "upper" if record["sense"] == "max" else "lower"))
    return float(value(data, index)) if value is not None else math.nan


def _relief(record: dict[str, Any]) -> float:
    """How far the price holds in the direction that gives room (nan: unknown)."""
    reach = float(record["range_up"]) if record["sense"] == "max" else -float(record["range_down"])
    return reach if reach == reach else math.nan


def bottleneck_table(
    data: ModelData, records: list[dict[str, Any]], values: dict[str, dict[Any, float]]
) -> pd.DataFrame:
    """One row per limit that binds with a price, ranked by the money at stake."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for record in records:
        if record["binding"] and abs(float(record["shadow_price"])) > PRICE_TOLERANCE:
            key = (record["component"], record["sense"], record["name"])
            groups.setdefault(key, []).append(record)
    rows = [_row(data, group, values) for group in groups.values()]
    if not rows:
        return pd.DataFrame(columns=COLUMNS)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.sort_values(["money", "shadow_price"], ascending=False, kind="stable").reset_index(drop=True)


def _row(data: ModelData, group: list[dict[str, Any]], values: dict[str, dict[Any, float]]) -> dict[str, Any]:
    first = group[0]
    levels = np.array([_level(data, first, t, values) for t in range(data.T)], dtype=float)
    finite = levels[np.isfinite(levels)]
    largest = float(finite.max()) if finite.size else math.nan
    cap = RELIEF_SHARE * largest if largest == largest else math.inf
    money = 0.0
    for record in group:
        relief = _relief(record)
        reach = cap if relief != relief else min(max(relief, 0.0), cap)
        money += abs(float(record["shadow_price"])) * (0.0 if math.isinf(reach) else reach)
    dearest = max(group, key=lambda r: abs(float(r["shadow_price"])))
    periods = [int(r["index"][-1]) for r in group]
    return {
        "kind": first["kind"], "name": first["name"], "period": runs(periods, data.labels), "money": money,
        "binding_periods": len(group), "shadow_price": float(dearest["shadow_price"]), "unit": first["unit"],
        "sense": first["sense"], "price_period": dearest["period"], "range_up": float(dearest["range_up"]),
        "range_down": float(dearest["range_down"]), "range_note": dearest["range_note"], "largest_level": largest,
        "component": first["component"],
    }
