"""What would have to give: the least repair of an infeasible case, class by class.

Every hard limit of the planning LP gets a violation column in a *repair class*, and
levers the input leaves out are switched on as repair classes of their own kind (unmet
demand where neither backlog nor lost sales is allowed, extra hours where no overtime
is, hires and layoffs where none are). The classes, in the default order (the first is
relaxed first, i.e. used most willingly):

==============  ===========================================================================
class           what it relaxes
==============  ===========================================================================
overtime        hours on a resource or a crew beyond regular hours and allowed overtime
staffing        hires and layoffs beyond their limits (or where none are allowed); headcount
                outside its minimum and maximum
supplier        material beyond a supplier's capacity; extra material receipts
lane            shipments beyond a lane's capacity
storage         stock volume beyond a site's storage (and overflow) capacity
production      production below its minimum or above its maximum; subcontracting beyond
                its capacity
stock           stock below its minimum or ending target, or above its maximum
targets         a hard target (revenue, profit, units, fill rate) brought down
demand          hard demand not delivered (as backlog or lost sales where none are
                allowed); backlog beyond its limit or left at the end
==============  ===========================================================================

The order can be changed in the scenario file with ``explain: {repair_order: [...]}``.

**Lexicographic minimisation.** With the order ``c_1, ..., c_K`` the violations of
``c_K`` (the last resort) are minimised first, then, holding that total, those of
``c_{K-1}``, and so on down to ``c_1``; the plan's own costs are minimised last, so the
repair is the cheapest plan among the least violations (existing levers keep their
costs). Quantities within a class are summed in their own units (hours, units, workers).

Each family declares the repair class of its rows and bounds (its
:class:`~sopopt.model.family.Relief`, with the unit in which it gives); this module reads
them from ``FAMILIES`` and knows no component.

**Each class alone.** For every class that relaxes a member of the conflict, the least
violation of that class alone (every other class held at zero), or the statement that
the class alone cannot restore feasibility.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sopopt.analysis.members import Describer, number
from sopopt.analysis.provenance import Place
from sopopt.model.families import FAMILIES
from sopopt.model.family import REPAIR_CLASSES, Relief
from sopopt.model.lp import LinearProgram
from sopopt.model.transforms.elastic import LOWER, ROW, UPPER, ElasticLP, Relaxations, elastic
from sopopt.solver.elastic import ElasticSession
from sopopt.solver.options import SolveOptions
from sopopt.solver.status import SolveStatus

DEFAULT_REPAIR_ORDER: tuple[str, ...] = tuple(REPAIR_CLASSES)

#: Violations below this are read as zero (reported repairs are above it).
TOLERANCE = 1e-5
#: Slack allowed when a class is held at its least total (far below TOLERANCE).
_HOLD_SLACK = 1e-7

#: Row relaxations by component (each family's :class:`~sopopt.model.family.Relief`).
_ROWS: dict[str, tuple[Relief, ...]] = {r.component: r.reliefs for f in FAMILIES for r in f.rows if r.reliefs}
#: Bound relaxations: (component, side) -> relief.
_BOUNDS: dict[tuple[str, int], Relief] = {
    (b.component, LOWER if b.side == "lower" else UPPER): b.relief for f in FAMILIES for b in f.bounds if b.relief
}


@dataclass(frozen=True)
class Repair:
    """One violation of a repair: how much a limit has to give."""

    repair_class: str
    kind: str
    name: str
    period: str | None
    quantity: float
    text: str
    place: Place | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {
            "class": self.repair_class, "kind": self.kind, "name": self.name, "period": self.period,
            "quantity": self.quantity, "text": self.text, "place": None if self.place is None else str(self.place),
        }


@dataclass(frozen=True)
class ClassRepair:
    """The least repair using one class alone (``feasible`` False: it cannot)."""

    repair_class: str
    feasible: bool
    total: float
    repairs: list[Repair] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {"class": self.repair_class, "feasible": self.feasible, "total": self.total,
                "repairs": [r.to_dict() for r in self.repairs]}


@dataclass(frozen=True)
class RepairResult:
    """The lexicographic repair and the per-class repairs."""

    order: tuple[str, ...]
    repairs: list[Repair]
    totals: dict[str, float]
    by_class: list[ClassRepair]
    solves: int


@dataclass(frozen=True)
class _Catalogue:
    """What each violation column means: its LP element and phrase."""

    relax: Relaxations
    keys: list[tuple[str, tuple[Any, ...], int, str]]  # component, key, target, phrase
    units: list[str] = field(default_factory=list)  # the unit each relief gives in (Relief.unit)


def relaxations(lp: LinearProgram, describer: Describer, order: Sequence[str]) -> _Catalogue:
    """The violation columns of the planning LP, each in its repair class."""
    group = {name: g for g, name in enumerate(order)}
    target, index, sign, grp, cap, keys, units = [], [], [], [], [], [], []
    data = describer.data
    for i, (component, key) in enumerate(lp.row_keys()):
        for relief in _ROWS.get(component, ()):
            limit = math.inf if relief.cap is None else relief.cap(data, key)
            if limit is None or relief.repair_class not in group:
                continue
            target.append(ROW), index.append(i), sign.append(relief.sign), cap.append(limit)
            grp.append(group[relief.repair_class])
            keys.append((component, key, ROW, relief.phrase)), units.append(relief.unit)
    for j, (component, key) in enumerate(lp.column_keys()):
        for side, active in ((LOWER, lp.col_lower[j] > 0), (UPPER, np.isfinite(lp.col_upper[j]))):
            relief = _BOUNDS.get((component, side))
            if relief is None or not active or relief.repair_class not in group:
                continue
            target.append(side), index.append(j), sign.append(0.0), cap.append(math.inf)
            grp.append(group[relief.repair_class])
            keys.append((component, key, side, relief.phrase)), units.append(relief.unit)
    relax = Relaxations(
        np.array(target, dtype=np.int64), np.array(index, dtype=np.int64), np.array(sign, dtype=float),
        np.array(grp, dtype=np.int64), np.array(cap, dtype=float),
    )
    return _Catalogue(relax, keys, units)


def repair(
    lp: LinearProgram, describer: Describer, order: Sequence[str], conflict_classes: set[str],
    options: SolveOptions | None = None,
) -> RepairResult:
    """The lexicographic least repair of an infeasible LP, and each conflict class alone."""
    order = tuple(order)
    catalogue = relaxations(lp, describer, order)
    elp = elastic(lp, catalogue.relax, len(order))
    session = ElasticSession(elp, options or SolveOptions())
    x = _lexicographic(session, elp, order)
    repairs = _describe(catalogue, describer, order, x[elp.violation_columns])
    totals = {c: float(x[elp.violation_columns][catalogue.relax.group == g].sum()) for g, c in enumerate(order)}
    by_class = [
        _alone(session, elp, catalogue, describer, order, c) for c in order if c in conflict_classes
    ]
    return RepairResult(order, repairs, totals, by_class, session.runs)


def _indicator(elp: ElasticLP, groups: np.ndarray) -> np.ndarray:
    cost = np.zeros(elp.num_col)
    cost[elp.violation_columns[np.isin(elp.relaxations.group, groups)]] = 1.0
    return cost


def _lexicographic(session: ElasticSession, elp: ElasticLP, order: tuple[str, ...]) -> np.ndarray:
    """Minimise the last class's violations first, then each class down to the first,
    then the plan's own costs; returns the column values."""
    group = elp.relaxations.group
    # A weighted start (later classes dearer) often leaves later classes at zero already.
    weights = np.zeros(elp.num_col)
    weights[elp.violation_columns] = 10.0 ** np.minimum(group, 6)
    session.set_costs(weights)
    x = _solved(session)
    for g in reversed(range(len(order))):
        mine = elp.violation_columns[group == g]
        if mine.size == 0:
            continue
        total = float(x[mine].sum())
        if total > TOLERANCE:
            session.set_costs(_indicator(elp, np.array([g])))
            x = _solved(session)
            total = float(x[mine].sum())
        if total <= TOLERANCE:
            # Not needed at all: fixed at zero (a slack here could be used in other units).
            session.set_col_bounds(mine, np.zeros(mine.size), np.zeros(mine.size))
            continue
        # Hold the class at its least total (a little slack for round-off).
        row = elp.group_rows[g : g + 1]
        session.set_row_bounds(row, np.array([-math.inf]), np.array([total * (1 + 1e-9) + _HOLD_SLACK]))
    session.set_costs(elp.col_cost)
    # The plan's own costs are a new objective altogether: a cold solve with the method
    # for the size is faster than primal simplex from the last stage's basis (measured
    # in docs/benchmarks.md).
    return _solved(session, cold=True, by_size=True)


def _solved(session: ElasticSession, *, cold: bool = False, by_size: bool = False) -> np.ndarray:
    status, _objective, x = session.optimise(cold=cold, by_size=by_size)
    if status is not SolveStatus.OPTIMAL or x is None:
        raise RuntimeError(f"the elastic LP did not solve to optimality ({status.value})")
    return x


def _alone(
    session: ElasticSession, elp: ElasticLP, catalogue: _Catalogue, describer: Describer,
    order: tuple[str, ...], cls: str,
) -> ClassRepair:
    """The least violation of one class with every other class held at zero."""
    g = order.index(cls)
    group = elp.relaxations.group
    free_rows = elp.group_rows
    session.set_row_bounds(free_rows, np.full(free_rows.size, -math.inf), np.full(free_rows.size, math.inf))
    every = elp.violation_columns
    session.set_col_bounds(every, np.zeros(every.size), elp.col_upper[every])
    others = every[group != g]
    session.set_col_bounds(others, np.zeros(others.size), np.zeros(others.size))
    session.set_costs(_indicator(elp, np.array([g])))
    # Bounds and costs both changed: neither simplex keeps its start, so solve cold.
    status, _objective, x = session.optimise(cold=True)
    if status is not SolveStatus.OPTIMAL or x is None:
        return ClassRepair(cls, False, math.nan)
    v = x[elp.violation_columns]
    v = np.where(group == g, v, 0.0)
    return ClassRepair(cls, True, float(v.sum()), _describe(catalogue, describer, order, v))


def _describe(catalogue: _Catalogue, describer: Describer, order: tuple[str, ...], v: np.ndarray) -> list[Repair]:
    """The non-zero violations in words, largest first within class order."""
    out = []
    for k in np.flatnonzero(v > TOLERANCE):
        component, key, target, phrase = catalogue.keys[k]
        side = "lower" if target == LOWER else "upper"
        member = describer.row(component, key) if target == ROW else describer.bound(component, key, side)
        cls = order[int(catalogue.relax.group[k])]
        text = phrase.format(q=number(float(v[k])), name=member.name, period=member.period)
        out.append(Repair(cls, member.kind, member.name, member.period, float(v[k]), text, member.place))
    out.sort(key=lambda r: (order.index(r.repair_class), -r.quantity))
    return out


def classes_of(component: str, target: int) -> set[str]:
    """The repair classes that relax an LP element (a row or a column bound)."""
    if target == ROW:
        return {relief.repair_class for relief in _ROWS.get(component, ())}
    relief = _BOUNDS.get((component, target))
    return {relief.repair_class} if relief else set()


__all__ = ["DEFAULT_REPAIR_ORDER", "REPAIR_CLASSES", "ClassRepair", "Repair", "RepairResult", "repair"]
