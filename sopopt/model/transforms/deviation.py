r"""Absolute-change columns: charge a per-unit cost on :math:`|x_j - x_{j'} - r|`.

For each charged column :math:`j` (a decision), with an optional second column
:math:`j'` (e.g. the same decision one period earlier, for production smoothing) and a
reference value :math:`r` (e.g. last month's plan, for re-planning), a new column
:math:`d \ge 0` and two rows are appended:

.. math::

    d - x_j + x_{j'} \ge -r, \qquad d + x_j - x_{j'} \ge r

so :math:`d \ge |x_j - x_{j'} - r|`, with equality at an optimum when the cost
:math:`c > 0` of :math:`d` is charged in the named cost category.

=================  ========================================  =====================
symbol             meaning                                   argument
=================  ========================================  =====================
:math:`x_j`        the decision charged for changing         ``columns``
:math:`x_{j'}`     the column it is compared with (or none)  ``against`` (-1: none)
:math:`r`          reference value                           ``reference``
:math:`c`          cost per unit of change                   ``cost``
:math:`d`          the change (new column ``<name>``)        keys ``(name, index of x_j)``
=================  ========================================  =====================

Rows are named ``<name>_above`` (:math:`d \ge x - x' - r`) and ``<name>_below``.
Columns with a zero cost are left out: they would not change the optimum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sopopt.model.lp import LinearProgram
from sopopt.model.transforms.extended import Columns, ExtendedLP, Key, Rows, append, as_tuple


@dataclass(frozen=True)
class Deviation:
    """What to charge: decision columns, what they are compared with, and the cost.

    All arrays have one entry per charged decision.
    """

    columns: np.ndarray
    """LP columns :math:`x_j`."""
    cost: np.ndarray
    """Cost per unit of absolute change."""
    reference: np.ndarray | None = None
    """Reference values :math:`r` (absent: 0)."""
    against: np.ndarray | None = None
    """Columns :math:`x_{j'}` subtracted from :math:`x_j` (-1 or absent: none)."""


def add_deviation(lp: LinearProgram, deviation: Deviation, name: str, category: str) -> ExtendedLP:
    """A new LP with change columns ``name`` charged in cost ``category`` (see module doc).

    Returns an :class:`~sopopt.model.transforms.extended.ExtendedLP` whose new columns are
    keyed ``(name, index of the charged decision)``; ``lp`` is not modified.
    """
    columns = np.asarray(deviation.columns, dtype=np.int64)
    cost = np.broadcast_to(np.asarray(deviation.cost, dtype=float), columns.shape)
    reference = np.zeros(columns.size) if deviation.reference is None else np.asarray(deviation.reference, float)
    against = (
        np.full(columns.size, -1, np.int64) if deviation.against is None else np.asarray(deviation.against, np.int64)
    )
    charged = cost != 0
    columns, cost, reference, against = columns[charged], cost[charged], reference[charged], against[charged]
    keys = lp.column_keys()
    col_keys: list[Key] = [(name, as_tuple(keys[j][1])) for j in columns.tolist()]
    n = columns.size
    d = lp.num_col + np.arange(n, dtype=np.int64)
    up = np.arange(n, dtype=np.int64)  # d - x + x' >= -r
    down = n + up  # d + x - x' >= r
    has = against >= 0
    row = np.concatenate([up, up, up[has], down, down, down[has]])
    column = np.concatenate([d, columns, against[has], d, columns, against[has]])
    value = np.concatenate([np.ones(n), -np.ones(n), np.ones(int(has.sum())),
                            np.ones(n), np.ones(n), -np.ones(int(has.sum()))])
    rows = Rows(
        keys=[(f"{name}_above", k) for _, k in col_keys] + [(f"{name}_below", k) for _, k in col_keys],
        lower=np.concatenate([-reference, reference]),
        upper=np.full(2 * n, math.inf),
        row=row,
        column=column,
        value=value,
    )
    new = Columns(keys=col_keys, lower=np.zeros(n), upper=np.full(n, math.inf), cost=cost, category=category)
    return append(lp, new, rows)
