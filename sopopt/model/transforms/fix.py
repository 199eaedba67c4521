"""Fix columns of a built LP to given values (frozen decisions, committed plans).

:func:`fix` returns a copy of the LP whose chosen columns have lower = upper = value;
nothing else changes, so the result keeps the input's class and index map. A value
outside a column's own bounds cannot be fixed: that is reported as an
:class:`~sopopt.errors.InfeasibleError` naming the decision, before any solve.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from sopopt.errors import InfeasibleError
from sopopt.model.lp import LinearProgram
from sopopt.model.transforms.extended import Key, column_index

#: A fixed value within this (relative to max(1, |value|)) of a bound is moved onto it:
#: values read back from CSV carry rounding noise.
BOUND_TOLERANCE = 1e-9


#: Names a fixed decision and its value in an error message: ``(component, index), value``
#: to text (by default ``production[widget, plant, 0] = 100``).
Describe = Callable[[Key, float], str]


def fix(lp: LinearProgram, columns: np.ndarray, values: np.ndarray, names: Sequence[Key] | None = None,
        describe: Describe | None = None) -> LinearProgram:
    """A copy of ``lp`` with ``columns`` fixed to ``values`` (the input is unchanged).

    Args:
        lp: the LP.
        columns: LP column numbers.
        values: the value of each column.
        names: ``(component, index)`` of each column, used in the error message.
        describe: how the error message names a decision and its value (needs ``names``).

    Raises:
        InfeasibleError: a value lies outside its column's bounds.
    """
    columns = np.asarray(columns, dtype=np.int64)
    values = np.asarray(values, dtype=float)
    lower, upper = lp.col_lower[columns], lp.col_upper[columns]
    slack = BOUND_TOLERANCE * np.maximum(1.0, np.abs(values))
    outside = (values < lower - slack) | (values > upper + slack)
    if outside.any():
        raise InfeasibleError(_outside_message(columns, values, lower, upper, outside, names, describe))
    fixed = np.clip(values, lower, upper)
    col_lower, col_upper = lp.col_lower.copy(), lp.col_upper.copy()
    col_lower[columns] = fixed
    col_upper[columns] = fixed
    return dataclasses.replace(lp, col_lower=col_lower, col_upper=col_upper)


def fix_keys(lp: LinearProgram, values: Mapping[Key, float], describe: Describe | None = None) -> LinearProgram:
    """:func:`fix` by ``(component, index)``; keys the LP does not have must be 0.

    A decision absent from the LP is structurally zero there (e.g. a lane that cannot
    deliver within the horizon): fixing it to a non-zero value is infeasible. ``describe``
    names a decision and its value in the error message (e.g. where the value was read).

    Raises:
        InfeasibleError: a non-zero value for an absent column, or a value outside bounds.
    """
    index = column_index(lp)
    missing = [(key, v) for key, v in values.items() if key not in index and abs(v) > BOUND_TOLERANCE]
    if missing:
        key, value = missing[0]
        raise InfeasibleError(
            f"cannot fix {(describe or named)(key, value)}: that decision does not exist in this case"
            + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
        )
    keys = [key for key in values if key in index]
    columns = np.array([index[key] for key in keys], dtype=np.int64)
    return fix(lp, columns, np.array([values[key] for key in keys], dtype=float), keys, describe)


def named(key: Key, value: float) -> str:
    """The default :data:`Describe`: ``production[widget, plant, 0] = 100``."""
    name, index = key
    return f"{name}[{', '.join(map(str, index))}] = {value:g}"


def _outside_message(
    columns: np.ndarray, values: np.ndarray, lower: np.ndarray, upper: np.ndarray, outside: np.ndarray,
    names: Sequence[Key] | None, describe: Describe | None = None,
) -> str:
    lines = []
    for i in np.flatnonzero(outside)[:10].tolist():
        value = float(values[i])
        what = (describe or named)(names[i], value) if names is not None else f"column {int(columns[i])} = {value:g}"
        lines.append(f"  - {what} lies outside its bounds [{lower[i]:g}, {upper[i]:g}]")
    more = int(outside.sum()) - len(lines)
    tail = [f"  - and {more} more"] if more > 0 else []
    return "infeasible: fixed decisions lie outside their limits in this case:\n" + "\n".join(lines + tail)
