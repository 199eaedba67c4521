"""Sensitivity ranges of an optimal plan (:func:`compute_ranging`, from HiGHS ranging)
and the rates at which a weighted sum of the plan moves with each limit
(:func:`basis_rates`, from the optimal basis).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from sopopt.errors import SolverError
from sopopt.model.arrays import FastLP
from sopopt.solver.highs import AT_LOWER, AT_UPPER, OK, fixed_lp, option_value
from sopopt.solver.solution import FIXED_MIP_LABEL, LimitRange, Ranging, Solution
from sopopt.solver.status import OPTIMAL_STATUSES

if TYPE_CHECKING:
    from sopopt.solver.session import HighsSession


#: Why a solver method leaves no basis (HiGHS option ``solver`` -> reason).
NO_BASIS_REASONS = {
    "ipm": "interior point without crossover leaves no basis",
    "pdlp": "PDLP (a first-order method) leaves no basis",
}


def compute_ranging(
    session: HighsSession,
    solution: Solution,
    rows: Collection[str] | None = None,
    columns: Collection[str] | None = None,
    *,
    full: bool = True,
) -> Ranging:
    """Ranges of the nonbasic rows and bounds of the session's last solve.

    ``rows`` and ``columns`` name the components to range (``None``: all); a column
    at a lower bound of zero (a quantity that is simply not used) is not listed. With
    ``full=False`` every entry is listed with its dual but without ranges (``nan``,
    ``LimitRange.ranged`` False): :func:`range_entries` ranges the ones wanted.
    Ranges need an optimal basis: for a plan that is not proven optimal, or a method
    that leaves no basis (interior point without crossover, PDLP), ``note`` says so and
    only the columns at a bound are listed, with their reduced costs. For a MIP the
    ranges are those of the LP with the integer decisions fixed (``label``).
    """
    h = session.highs
    if not solution.status.has_plan or not session.compiled.num_col:
        return Ranging({}, {}, note="no plan")
    if solution.status not in OPTIMAL_STATUSES:
        return _unranged(session, "range unknown: the plan is not proven optimal", columns)
    integer = np.asarray(h.getLp().integrality_, dtype=int) > 0
    label = ""
    session.fixed_highs = None
    if integer.any():
        h = session.fixed_highs = fixed_lp(h, session.options, session.compiled.num_row)
        label = FIXED_MIP_LABEL
    if not h.getBasis().valid:
        reason = NO_BASIS_REASONS.get(option_value(h, "solver"), "the solver returned no basis")
        return _unranged(session, f"range unknown: {reason}", columns)
    ranging = None
    if full:
        status, ranging = h.getRanging()
        if status != OK or not ranging.valid:
            return _unranged(session, "range unknown: HiGHS could not range this basis", columns)
    return _ranged(session, h, ranging, (rows, columns), skip_columns=integer, label=label)


def _statuses(statuses: list[Any]) -> np.ndarray:
    return np.fromiter((int(s) for s in statuses), dtype=np.int64, count=len(statuses))


def _wanted(keys: list[tuple[str, Any]], components: Collection[str] | None) -> np.ndarray:
    """True for the entries of the given components (all when None)."""
    if components is None:
        return np.ones(len(keys), dtype=bool)
    return np.isin(np.array([name for name, _ in keys], dtype=object), list(components))


Cells = list[tuple[str, list[Any], np.ndarray]]


def _cells(session: HighsSession, on: str, components: Collection[str] | None) -> Cells:
    """(component, indices, LP positions) of the given components' rows or columns: from
    an array LP's blocks (their index is kept from the solution's mapping), else from the
    session's keys."""
    lp = session.compiled
    if isinstance(lp, FastLP):
        blocks = lp.rows if on == "row" else lp.columns
        return [(b.name, *b.kept()) for b in blocks if components is None or b.name in components]
    keys = session.row_keys() if on == "row" else session.column_keys()
    grouped: dict[str, tuple[list[Any], list[int]]] = {}
    for i in np.flatnonzero(_wanted(keys, components)).tolist():
        name, index = keys[i]
        found = grouped.setdefault(name, ([], []))
        found[0].append(index)
        found[1].append(i)
    return [(name, idx, np.asarray(pos, dtype=np.int64)) for name, (idx, pos) in grouped.items()]


def _ranged(
    session: HighsSession,
    h: Any,
    ranging: Any | None,
    components: tuple[Collection[str] | None, Collection[str] | None],
    skip_columns: np.ndarray,
    label: str,
) -> Ranging:
    lp, basis, solution = h.getLp(), h.getBasis(), h.getSolution()
    row_status, col_status = _statuses(basis.row_status), _statuses(basis.col_status)
    col_lower = np.asarray(lp.col_lower_)
    zero_floor = (col_status == AT_LOWER) & (col_lower == 0.0)
    rows = _limit_ranges(
        _cells(session, "row", components[0]),
        row_status,
        np.asarray(lp.row_lower_),
        np.asarray(lp.row_upper_),
        np.asarray(solution.row_dual),
        None if ranging is None else (ranging.row_bound_dn, ranging.row_bound_up),
        np.zeros(row_status.size, dtype=bool),
    )
    columns = _limit_ranges(
        _cells(session, "column", components[1]),
        col_status,
        col_lower,
        np.asarray(lp.col_upper_),
        np.asarray(solution.col_dual),
        None if ranging is None else (ranging.col_bound_dn, ranging.col_bound_up),
        skip_columns | zero_floor,
    )
    return Ranging(rows, columns, label=label)


def _limit_ranges(
    cells: Cells,
    status: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    dual: np.ndarray,
    ends: tuple[Any, Any] | None,
    skip: np.ndarray,
) -> dict[str, dict[Any, LimitRange]]:
    """A :class:`LimitRange` for every nonbasic entry of ``cells`` at a finite bound (but
    ``skip``); without ``ends`` (HiGHS's ranging) the ranges are ``nan``, not ranged yet."""
    at_upper = status == AT_UPPER
    value = np.where(at_upper, upper, lower)
    chosen = (at_upper | (status == AT_LOWER)) & np.isfinite(value) & ~skip
    low_end = None if ends is None else np.asarray(ends[0].value_)
    high_end = None if ends is None else np.asarray(ends[1].value_)
    out: dict[str, dict[Any, LimitRange]] = {}
    for name, indices, positions in cells:
        keep = np.flatnonzero(chosen[positions])
        if not keep.size:
            continue
        at = positions[keep]
        if low_end is None or high_end is None:
            low = high = [math.nan] * at.size
        else:
            low, high = low_end[at].tolist(), high_end[at].tolist()
        sides = np.where(at_upper[at], "upper", "lower").tolist()
        found = out.setdefault(name, {})
        for k, (i, v, d) in enumerate(zip(at.tolist(), value[at].tolist(), (dual[at] + 0.0).tolist(), strict=True)):
            found[indices[keep[k]]] = LimitRange(v, low[k], high[k], d, sides[k], i)
    return out


def _unranged(session: HighsSession, note: str, components: Collection[str] | None = None) -> Ranging:
    """Columns at a bound with their reduced costs, no ranges: when there is no basis."""
    h = session.highs
    lp, solution = h.getLp(), h.getSolution()
    x = np.asarray(solution.col_value)
    lower, upper = np.asarray(lp.col_lower_), np.asarray(lp.col_upper_)
    dual = np.asarray(solution.col_dual) if solution.dual_valid else np.zeros_like(x)
    tolerance = 1e-7 * np.maximum(1.0, np.abs(x))
    with np.errstate(invalid="ignore"):
        at_upper = np.isfinite(upper) & (np.abs(x - upper) <= tolerance)
        at_lower = ~at_upper & np.isfinite(lower) & (lower != 0.0) & (np.abs(x - lower) <= tolerance)
    keys = session.column_keys()
    at_upper &= _wanted(keys, components)
    at_lower &= _wanted(keys, components)
    columns: dict[str, dict[Any, LimitRange]] = {}
    for i in np.flatnonzero(at_upper | at_lower).tolist():
        name, index = keys[i]
        side = "upper" if at_upper[i] else "lower"
        bound = float(upper[i] if at_upper[i] else lower[i])
        columns.setdefault(name, {})[index] = LimitRange(bound, math.nan, math.nan, float(dual[i]) + 0.0, side, i)
    return Ranging({}, columns, note=note)


def basis_rates(session: HighsSession, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How fast ``weights @ x`` moves with each nonbasic row's and column's bound.

    With the optimal basis ``B`` held fixed, moving the active bound of nonbasic row
    ``i`` by ``delta`` moves the basic variables by ``B^-1 e_i delta``, and moving the
    bound of nonbasic column ``j`` (so ``x_j`` itself) moves them by
    ``-B^-1 a_j delta``. With ``pi = B^-T c_B`` (one ``getBasisTransposeSolve``, ``c_B``
    the weights of the basic variables) the rates are ``pi_i`` for rows and
    ``w_j - pi @ a_j`` for columns. They hold while the basis stays optimal (within
    the ranges of :func:`compute_ranging`). Basic rows and columns get rate 0. For a
    MIP the basis is that of the LP with the integers fixed (after
    :func:`compute_ranging`).

    Returns:
        (row rates, column rates), one per LP row and column.
    """
    h = session.highs if session.fixed_highs is None else session.fixed_highs
    lp = session.compiled
    status, basic = h.getBasicVariables()
    if status != OK:
        raise SolverError("no basis to take rates from: solve to optimality with a basis first")
    basic = np.asarray(basic, dtype=np.int64)
    weights = np.asarray(weights, dtype=float)
    c_basic = np.where(basic >= 0, weights[np.maximum(basic, 0)], 0.0)
    status, pi = h.getBasisTransposeSolve(c_basic)
    if status != OK:
        raise SolverError("HiGHS could not solve with the basis")
    pi = np.asarray(pi, dtype=float)
    matrix = sp.csc_matrix((lp.a_value, lp.a_index, lp.a_start), shape=(lp.num_row, lp.num_col))
    col_rates = weights - matrix.T @ pi
    col_rates[basic[basic >= 0]] = 0.0
    row_rates = pi.copy()
    row_rates[-1 - basic[basic < 0]] = 0.0
    return row_rates + 0.0, col_rates + 0.0


def range_entries(session: HighsSession, ranging: Ranging, entries: Collection[tuple[str, str, Any]]) -> Ranging:
    """``ranging`` with the given entries ranged exactly: ``(on, component, index)``
    with ``on`` ``row`` or ``column``, entries of ``ranging`` made with ``full=False``
    (a new :class:`Ranging`; ``ranging`` is left as it is). See :class:`EntryRanger`."""
    if not ranging.known or not entries:
        return ranging
    return EntryRanger(session, ranging)(entries)


class EntryRanger:
    """Ranges entries of one :class:`Ranging` exactly, a few at a time, from the
    optimal basis of ``session``'s last solve: ``ranger(entries)`` returns the ranging
    with those entries ranged too (one working copy, updated in place; the basis is
    read once, on the first call).

    Each range comes from the basis alone (one solve with ``B`` per entry): the active
    bound moves until a basic variable reaches one of its bounds (a primal ratio test,
    as HiGHS ranging does; a column's range also stops at its other bound). The ends
    are those of ``Highs.getRanging`` (tests/test_ranges.py) at a fraction of its cost
    when few entries are asked for.
    """

    def __init__(self, session: HighsSession, ranging: Ranging) -> None:
        self.session = session
        self.ranging = ranging
        if ranging.known:
            rows = {name: dict(found) for name, found in ranging.rows.items()}
            columns = {name: dict(found) for name, found in ranging.columns.items()}
            self.ranging = Ranging(rows, columns, ranging.note, ranging.label)
        self._basis: _BasisState | None = None
        #: How many entries were ranged (one basis solve each).
        self.solves = 0

    def __call__(self, entries: Collection[tuple[str, str, Any]]) -> Ranging:
        ranging = self.ranging
        if not ranging.known:
            return ranging
        for on, component, index in entries:
            table = ranging.rows if on == "row" else ranging.columns
            entry = table.get(component, {}).get(index)
            if entry is None or entry.ranged:
                continue
            if self._basis is None:
                h = self.session.highs if self.session.fixed_highs is None else self.session.fixed_highs
                self._basis = _BasisState.of(h, self.session.compiled)
            low, high = self._basis.range_of(on, entry)
            self.solves += 1
            table[component][index] = LimitRange(entry.value, low, high, entry.dual, entry.side, entry.position)
        return ranging


class _BasisState:
    """The basic variables of an optimal basis: which, their values and bounds."""

    def __init__(self, h: Any, lp: Any, basic: np.ndarray) -> None:
        self.h, self.lp = h, lp
        model, solution = h.getLp(), h.getSolution()
        is_col = basic >= 0
        col, row = np.maximum(basic, 0), np.maximum(-1 - basic, 0)
        # Basic rows move opposite to HiGHS's logical variables (the row activity is -s).
        self.direction = np.where(is_col, 1.0, -1.0)
        self.value = np.where(is_col, np.asarray(solution.col_value)[col], np.asarray(solution.row_value)[row])
        self.lower = np.where(is_col, np.asarray(model.col_lower_)[col], np.asarray(model.row_lower_)[row])
        self.upper = np.where(is_col, np.asarray(model.col_upper_)[col], np.asarray(model.row_upper_)[row])
        self.col_lower, self.col_upper = np.asarray(model.col_lower_), np.asarray(model.col_upper_)
        self.rhs = np.zeros(lp.num_row)

    @classmethod
    def of(cls, h: Any, lp: Any) -> _BasisState:
        solver = option_value(h, "solver")
        if solver not in ("simplex", "choose"):
            # Interior point leaves a basis (after crossover) but not always its
            # factorisation: a simplex run from that optimal basis (no iterations) makes it.
            h.setOptionValue("solver", "simplex")
            h.run()
            h.setOptionValue("solver", solver)
        status, basic = h.getBasicVariables()
        if status != OK:
            raise SolverError("no basis to range from: solve to optimality with a basis first")
        return cls(h, lp, np.asarray(basic, dtype=np.int64))

    def _solve(self, on: str, i: int) -> np.ndarray:
        """How the basic variables move per unit move of row ``i``'s or column ``i``'s
        active bound (``B^-1 e_i`` or ``-B^-1 a_i``, signed as the variables move)."""
        lp, rhs = self.lp, self.rhs
        if on == "row":
            at, values, sign = np.array([i]), np.ones(1), 1.0
        else:
            span = slice(lp.a_start[i], lp.a_start[i + 1])
            at, values, sign = np.asarray(lp.a_index[span]), np.asarray(lp.a_value[span]), -1.0
        rhs[at] = values
        status, solved = self.h.getBasisSolve(rhs)
        rhs[at] = 0.0
        if status != OK:
            raise SolverError("HiGHS could not solve with the basis")
        return np.asarray(solved, dtype=float) * sign

    def range_of(self, on: str, entry: LimitRange) -> tuple[float, float]:
        """(low, high) of one nonbasic row's or column's active bound."""
        i = entry.position
        step = self._solve(on, i)
        moving = np.flatnonzero(np.abs(step) > RATE_TOLERANCE)
        rate = step[moving] * self.direction[moving]
        down, up = _ratio_test(rate, self.value[moving], self.lower[moving], self.upper[moving])
        low, high = entry.value + down, entry.value + up
        if on == "column":  # a column's bound stops at its other bound
            low = max(low, float(self.col_lower[i])) if entry.side == "upper" else low
            high = min(high, float(self.col_upper[i])) if entry.side == "lower" else high
        return float(low), float(high)


#: Rates below this are taken as zero in the ratio test (as HiGHS's pivot tolerance).
RATE_TOLERANCE = 1e-9


def _ratio_test(rate: np.ndarray, value: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> tuple[float, float]:
    """How far (down <= 0 <= up) a move at ``rate`` keeps every basic variable within
    its bounds."""
    rate = np.where(np.abs(rate) > RATE_TOLERANCE, rate, 0.0)
    rising, falling = rate > 0, rate < 0
    with np.errstate(divide="ignore", invalid="ignore"):
        up_rise = (upper[rising] - value[rising]) / rate[rising]
        up_fall = (lower[falling] - value[falling]) / rate[falling]
        down_rise = (lower[rising] - value[rising]) / rate[rising]
        down_fall = (upper[falling] - value[falling]) / rate[falling]
    up = min(up_rise.min(initial=math.inf), up_fall.min(initial=math.inf))
    down = max(down_rise.max(initial=-math.inf), down_fall.max(initial=-math.inf))
    return float(min(down, 0.0)), float(max(up, 0.0))
