r"""The binding limits that move a linear cell of a plan, at exact rates (what
``sopopt explain`` and the gap bridge's top limit read; see
:mod:`sopopt.analysis.explain`).

With the optimal basis ``B`` held, moving a limit's value by :math:`\delta` moves the cell
:math:`q = w^\top x` at an exact *rate*: one solve with :math:`B^\top` gives the rate for
every limit at once (:func:`sopopt.solver.ranging.basis_rates`). Each cause's *effect* is
how much of the cell it can remove within its range: ``min(cell, |rate| x range)``;
causes come most influential first (effect, then rate), at most :data:`MAX_CAUSES`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sopopt.inputs.compile import ModelData
from sopopt.results.limits import limit_records
from sopopt.solver.ranging import basis_rates
from sopopt.solver.session import HighsSession
from sopopt.solver.solution import Solution

#: At most this many causes per cell.
MAX_CAUSES = 10
#: Rates below this (cell units per limit unit) are taken as zero.
RATE_TOLERANCE = 1e-9
#: Cells below this (their own units) have nothing to explain.
VALUE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Cause:
    """A binding limit that moves the cell, with its rate, price and range.

    ``rate`` is the change of the cell per unit *more* of the limit's value (a capacity's
    hours, a minimum's units); ``effect`` is how much of the cell the limit can remove
    within its range. Shadow price and range are those of the shadow-price table.
    """

    kind: str
    name: str
    period: str
    unit: str
    sense: str
    rate: float
    effect: float
    shadow_price: float
    range_up: float
    range_down: float
    range_note: str

    def limit_row(self) -> dict[str, Any]:
        """The cause as a shadow-price row (what :func:`limit_sentence` reads)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in ("rate", "effect")}



@dataclass
class Limits:
    """The plan's binding limits and where each sits in the LP (row or column)."""

    records: list[dict[str, Any]]
    on_row: np.ndarray
    position: np.ndarray
    columns: dict[tuple[str, Any], int]


def binding_limits(data: ModelData, session: HighsSession, solution: Solution) -> Limits:
    """The binding limits of a solution that carries ranges (the candidates of :func:`rated_causes`)."""
    records = [r for r in limit_records(data, solution) if r["binding"] and r["position"] >= 0]
    on_row = np.array([r["on"] == "row" for r in records], dtype=bool)
    position = np.array([r["position"] for r in records], dtype=np.int64)
    return Limits(records, on_row, position, session.col_positions())


def rated_causes(session: HighsSession, limits: Limits, weights: dict[tuple[str, Any], float],
                 value: float) -> tuple[Cause, ...]:
    """The limits that move the cell ``sum(weight * column)`` (now ``value``), most influential first."""
    if not limits.records or abs(value) <= VALUE_TOLERANCE:
        return ()
    vector = np.zeros(session.compiled.num_col)
    for key, w in weights.items():
        j = limits.columns.get(key)
        if j is not None:
            vector[j] += w
    row_rates, col_rates = basis_rates(session, vector)
    rates = np.where(limits.on_row, row_rates[np.where(limits.on_row, limits.position, 0)],
                     col_rates[np.where(limits.on_row, 0, limits.position)])
    causes = []
    for k in np.flatnonzero(np.abs(rates) > RATE_TOLERANCE).tolist():
        record, rate = limits.records[k], float(rates[k])
        causes.append(Cause(
            kind=record["kind"], name=record["name"], period=record["period"], unit=record["unit"],
            sense=record["sense"], rate=rate, effect=_effect(rate, value, record),
            shadow_price=float(record["shadow_price"]), range_up=float(record["range_up"]),
            range_down=float(record["range_down"]), range_note=str(record["range_note"]),
        ))
    causes.sort(key=lambda c: (-c.effect, -abs(c.rate)))
    return tuple(causes[:MAX_CAUSES])


def _effect(rate: float, value: float, record: dict[str, Any]) -> float:
    """How much of the cell the limit removes when moved, within its range, the way
    that lowers the cell (up for a negative rate, down for a positive one)."""
    span = float(record["range_up"]) if rate * value < 0 else -float(record["range_down"])
    if math.isnan(span):
        return math.nan
    return min(abs(value), abs(rate) * span)
