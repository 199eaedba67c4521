r"""What it would take: the limits that, each relaxed alone, would let the plan serve a cell.

For a cell of a feasible plan made of quantities the plan would rather be zero (units
short, overtime hours), each *candidate limit* (a capacity, a supplier, a lane, a bound
of the family records' :class:`~sopopt.model.family.BoundSpec`: one entity over its
periods up to the cell's last) is relaxed alone in the elastic LP of the repair machinery
(:mod:`sopopt.model.transforms.elastic`, the reliefs of :mod:`sopopt.analysis.repair`),
with the cell's columns held at zero:

1. the least relaxation of that limit alone, summed in its own unit over its periods
   (every other limit held where the input sets it); none: the limit alone cannot;
2. holding that relaxation, the plan's own costs minimised: the *cost change* of the
   best plan that serves the cell with it, against the plan.

For a plan with integer decisions (setups of lots, whole workers, price tiers) the
same is done on the LP left when those decisions are held at the plan's values
(:func:`integers_held`): a fix then keeps the plan's setups and headcounts, and the
fixes say so (:data:`INTEGERS_HELD`); a fix that needs another setup is not found.

A limit the input sets to zero (a line with no hours, a supplier out) is a limit like
any other: it is tried first, with the limits that are tight in the plan. Fixes come
cheapest first, at most :data:`MAX_FIXES`, each with where the limit is set (file:line,
an ``adjust`` entry of a scenario as such). All solves run in one elastic session, warm
from each other (two per candidate, at most :data:`MAX_TRIED` candidates).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from sopopt.analysis.members import Describer
from sopopt.analysis.repair import DEFAULT_REPAIR_ORDER, relaxations
from sopopt.inputs.case import Case
from sopopt.model.catalogue import BOUND_LIMITS, LIMITS
from sopopt.model.families import FAMILIES
from sopopt.model.transforms.elastic import LOWER, ROW, UPPER, elastic
from sopopt.results.bottlenecks import runs
from sopopt.results.words import money, quantity
from sopopt.solver.elastic import ElasticSession
from sopopt.solver.options import SolveOptions
from sopopt.solver.status import SolveStatus

#: Fixes listed per cell.
MAX_FIXES = 5
#: Candidate limits tried per cell (tight or zero limits first).
MAX_TRIED = 40
#: Relaxations and activities below this are read as zero.
TOLERANCE = 1e-6

#: What the fixes of a plan with integer decisions are of.
INTEGERS_HELD = "integer decisions (setups, whole workers, price tiers) held at the plan's values"

_LIMIT_ROWS = {spec.component for spec in LIMITS}
_LIMIT_BOUNDS = {(b.component, LOWER if b.side == "lower" else UPPER) for b in BOUND_LIMITS}
#: A bound whose words fold into a row (a resource's overtime cap into its hours) is one limit with it.
_FOLDS = {b.component: b.folds_into for f in FAMILIES for b in f.bounds if b.folds_into}


@dataclass(frozen=True)
class Fix:
    """One limit that, relaxed alone, lets the plan serve the cell."""

    kind: str
    name: str
    periods: str
    quantity: float
    unit: str
    cost_change: float
    place: str
    at_zero: bool

    def sentence(self, currency: str = "USD") -> str:
        """The fix in words (amounts rounded; :meth:`to_dict` keeps full precision)."""
        change = "no more" if abs(self.cost_change) < 0.005 else (
            f"{money(abs(self.cost_change), currency)} {'more' if self.cost_change > 0 else 'less'}")
        zero = ", now at zero" if self.at_zero else ""
        where = f"set by {self.place}" if self.place.startswith("adjustment") else f"set at {self.place}"
        return (f"{quantity(self.quantity, self.unit)} more for {self.kind} {self.name} in {self.periods} "
                f"({where}{zero}): the best plan serving it costs {change}.")

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class Fixes:
    """The fixes of one cell, cheapest first; ``unforced`` is the cost change of serving
    the cell with no limit relaxed (None: not possible), ``tried`` of ``candidates``."""

    fixes: tuple[Fix, ...]
    unforced: float | None
    tried: int
    candidates: int
    #: What the fixes are of when that is not the plan's own LP (:data:`INTEGERS_HELD`).
    note: str = ""


@dataclass
class _Candidates:
    """The violation columns of the candidate limits, grouped per limit."""

    relax_rows: list[int]
    group: list[int]
    zero: list[bool]
    total: int


def _activity(lp: Any, x: np.ndarray) -> np.ndarray:
    matrix = sp.csc_matrix((lp.a_value, lp.a_index, lp.a_start), shape=(lp.num_row, lp.num_col))
    return np.asarray(matrix @ x)


def _tight_and_zero(lp: Any, catalogue: Any, k: int, x: np.ndarray, rows: np.ndarray) -> tuple[bool, bool]:
    """Whether relaxation ``k``'s limit is tight in the plan, and whether it is set to zero."""
    target, i = int(catalogue.relax.target[k]), int(catalogue.relax.index[k])
    if target == ROW:
        upper = catalogue.relax.sign[k] < 0
        bound = lp.row_upper[i] if upper else lp.row_lower[i]
        tight = math.isfinite(bound) and (rows[i] >= bound - TOLERANCE if upper else rows[i] <= bound + TOLERANCE)
        return tight, abs(bound) <= TOLERANCE
    bound = lp.col_upper[i] if target == UPPER else lp.col_lower[i]
    tight = x[i] >= bound - TOLERANCE if target == UPPER else x[i] <= bound + TOLERANCE
    return bool(tight), abs(bound) <= TOLERANCE


def integers_held(lp: Any, x: np.ndarray) -> Any:
    """``lp`` (a MIP) as an LP with its integer columns fixed at their values in ``x``
    (rounded to whole numbers)."""
    integer = np.flatnonzero(np.asarray(lp.integrality) > 0)
    lower, upper = np.array(lp.col_lower, dtype=float), np.array(lp.col_upper, dtype=float)
    lower[integer] = upper[integer] = np.round(x[integer])
    return dataclasses.replace(lp, col_lower=lower, col_upper=upper, integrality=None)


def _candidates(lp: Any, catalogue: Any, x: np.ndarray, last: int) -> _Candidates:
    """The limits' relaxations up to period ``last``, grouped per limit, tight and zero
    limits first (at most :data:`MAX_TRIED` limits); not the bounds of integer columns
    (held at the plan's values, their bounds are not the input's)."""
    rows = _activity(lp, x)
    integer = np.zeros(lp.num_col, dtype=bool) if lp.integrality is None else np.asarray(lp.integrality) > 0
    limits: dict[tuple[str, tuple[Any, ...]], list[int]] = {}
    flags: dict[tuple[str, tuple[Any, ...]], list[int]] = {}
    for k, (component, key, target, _phrase) in enumerate(catalogue.keys):
        limit = component in _LIMIT_ROWS if target == ROW else (
            (component, target) in _LIMIT_BOUNDS and not integer[int(catalogue.relax.index[k])])
        if not limit or int(key[-1]) > last:
            continue
        name = (_FOLDS.get(component, component), tuple(key[:-1]))
        limits.setdefault(name, []).append(k)
        tight, zero = _tight_and_zero(lp, catalogue, k, x, rows)
        found = flags.setdefault(name, [0, 0])
        found[0] += int(tight)
        found[1] += int(zero and tight)
    order = sorted(limits, key=lambda n: (flags[n][1] == 0, flags[n][0] == 0, -flags[n][0]))
    chosen = order[:MAX_TRIED]
    relax_rows, group, zero = [], [], []
    for g, name in enumerate(chosen):
        relax_rows += limits[name]
        group += [g] * len(limits[name])
        zero.append(bool(flags[name][1] > 0))
    return _Candidates(relax_rows, group, zero, len(limits))


def what_it_takes(
    case: Case, lp: Any, x: np.ndarray, cell_columns: list[int], held: list[int], last: int,
    options: SolveOptions | None = None, top: int = MAX_FIXES,
) -> Fixes:
    """The fixes of a cell whose columns ``cell_columns`` (non-negative, wanted at zero)
    are positive in the plan ``x`` of ``lp`` (the case's LP as solved), with the columns
    ``held`` at most at their plan values (the same kind of cell elsewhere: serving this
    one may not short another); ``last`` is the cell's last period. For a MIP the fixes
    are those of the LP with its integer decisions held (:func:`integers_held`)."""
    describer = Describer(case)
    catalogue = relaxations(lp, describer, DEFAULT_REPAIR_ORDER)
    x = np.asarray(x, dtype=float)
    found = _candidates(lp, catalogue, x, last)
    chosen = np.asarray(found.relax_rows, dtype=np.int64)
    relax = type(catalogue.relax)(catalogue.relax.target[chosen], catalogue.relax.index[chosen],
                                  catalogue.relax.sign[chosen], np.asarray(found.group, dtype=np.int64),
                                  catalogue.relax.cap[chosen])
    note = INTEGERS_HELD if lp.is_mip else ""
    elp = elastic(integers_held(lp, x) if lp.is_mip else lp, relax, len(found.zero))
    session = ElasticSession(elp, options or SolveOptions())
    violations = elp.violation_columns
    session.set_col_bounds(violations, np.zeros(violations.size), np.zeros(violations.size))
    base = _objective(session)
    if base is None:
        return Fixes((), None, 0, found.total, note)
    cells = np.asarray(cell_columns, dtype=np.int64)
    session.set_col_bounds(cells, np.zeros(cells.size), np.zeros(cells.size))
    others = np.asarray(held, dtype=np.int64)
    session.set_col_bounds(others, elp.col_lower[others], np.maximum(x[others], elp.col_lower[others]) + TOLERANCE)
    served = _objective(session)
    unforced = None if served is None else served - base
    fixes = []
    for g in range(len(found.zero)):
        fix = _alone(session, elp, g, base)
        if fix is not None and fix[2] > TOLERANCE:  # a limit that has to give
            k, v, total, change = fix
            fixes.append(_described(describer, catalogue, chosen, k, v, total, change, found.zero[g]))
    fixes.sort(key=lambda f: (f.cost_change, f.quantity))
    return Fixes(tuple(fixes[:top]), unforced, len(found.zero), found.total, note)


def _objective(session: ElasticSession) -> float | None:
    status, objective, _x = session.optimise()
    return objective if status is SolveStatus.OPTIMAL else None


def _alone(session: ElasticSession, elp: Any, g: int, base: float) -> tuple[np.ndarray, np.ndarray, float, float] | None:
    """Limit ``g`` relaxed alone: its relaxations (indices, amounts), their total and the
    cost change of the best plan with them; None when it alone cannot serve the cell."""
    mine = np.flatnonzero(elp.relaxations.group == g)
    columns = elp.violation_columns[mine]
    session.set_col_bounds(columns, np.zeros(columns.size), elp.col_upper[columns])
    cost = np.zeros(elp.num_col)
    cost[columns] = 1.0
    session.set_costs(cost)
    status, _objective, x = session.optimise()
    result = None
    if status is SolveStatus.OPTIMAL and x is not None:
        total = float(x[columns].sum())
        row = elp.group_rows[g : g + 1]
        session.set_row_bounds(row, np.array([-math.inf]), np.array([total * (1 + 1e-9) + 1e-7]))
        session.set_costs(elp.col_cost)
        status, objective, x = session.optimise()
        session.set_row_bounds(row, np.array([-math.inf]), np.array([math.inf]))
        if status is SolveStatus.OPTIMAL and x is not None and objective is not None:
            result = (mine, x[columns], total, objective - base)
    session.set_costs(elp.col_cost)
    session.set_col_bounds(columns, np.zeros(columns.size), np.zeros(columns.size))
    return result


def _described(
    describer: Describer, catalogue: Any, chosen: np.ndarray, mine: np.ndarray, v: np.ndarray,
    total: float, change: float, zero: bool,
) -> Fix:
    """A fix in the family's words: the limit of its largest relaxation, its periods."""
    used = [int(k) for k, amount in zip(mine, v, strict=True) if amount > TOLERANCE] or [int(mine[0])]
    largest = max(used, key=lambda k: float(v[list(mine).index(k)]))
    component, key, target, _phrase = catalogue.keys[int(chosen[largest])]
    member = (describer.row(component, key) if target == ROW
              else describer.bound(component, key, "lower" if target == LOWER else "upper"))
    periods = runs(sorted({int(catalogue.keys[int(chosen[k])][1][-1]) for k in used}), describer.labels)
    return Fix(member.kind, member.name, periods, total, catalogue.units[int(chosen[largest])], change,
               str(member.place) if member.place is not None else "default", zero)
