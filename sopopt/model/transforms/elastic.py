r"""The elastic LP: every hard limit of a built LP may be violated, at a price set later.

Given an LP ``l <= A x <= u, lo <= x <= up`` and a list of *relaxations*, the elastic LP
adds one violation column :math:`v_k \ge 0` per relaxation:

========  =====================================================  ==========================
target    what relaxing it means                                 how it is written
========  =====================================================  ==========================
row i     the row may move by ``sign * v_k``                      coefficient ``sign`` in i
lower j   ``x_j`` may end ``v_k`` below its lower bound ``lo_j``  new row ``x_j + v_k >= lo_j``; ``lo_j := 0``
upper j   ``x_j`` may end ``v_k`` above its upper bound ``up_j``  new row ``x_j - v_k <= up_j``; ``up_j := inf``
========  =====================================================  ==========================

(a relaxed lower bound keeps ``x_j >= 0``: every column of the planning LP is a
non-negative quantity). Each relaxation belongs to a *group* (a repair class) and may
have its own cap (``v_k <= cap_k``, e.g. unmet demand at most the demand). For each
group one extra row sums the group's violations, :math:`\sum_{k \in g} v_k`, free at
first: lexicographic minimisation tightens it once the group's least violation is known.

The existing columns keep their costs; the violation columns cost nothing until a caller
prices them. The input LP is never modified; the new columns come after the LP's own
columns and the new rows after its own rows, so the LP's solution is the first
``base.num_col`` entries of the elastic one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from sopopt.model.lp import LinearProgram

#: Relaxation targets.
ROW, LOWER, UPPER = 0, 1, 2


@dataclass(frozen=True)
class Relaxations:
    """Which limits may give: parallel arrays, one entry per violation column."""

    target: np.ndarray
    """ROW, LOWER or UPPER."""
    index: np.ndarray
    """The LP row (ROW) or column (LOWER, UPPER) relaxed."""
    sign: np.ndarray
    """For ROW: the violation column's coefficient in the row (+1 or -1)."""
    group: np.ndarray
    """Group (repair class) number of each relaxation."""
    cap: np.ndarray
    """Largest violation allowed (inf: any)."""

    def __post_init__(self) -> None:
        n = self.target.size
        for name in ("index", "sign", "group", "cap"):
            if getattr(self, name).size != n:
                raise ValueError(f"relaxations: '{name}' has {getattr(self, name).size} entries, expected {n}")

    @property
    def size(self) -> int:
        """Number of violation columns."""
        return int(self.target.size)


@dataclass
class ElasticLP(LinearProgram):
    """A built LP with violation columns and group total rows appended."""

    base: LinearProgram = field(repr=False)
    relaxations: Relaxations = field(repr=False)
    #: LP column of each violation (in relaxation order).
    violation_columns: np.ndarray = field(repr=False)
    #: LP row of each group's total, by group number.
    group_rows: np.ndarray = field(repr=False)

    def values(self, x: np.ndarray) -> dict[str, dict[Any, float]]:
        """Column values of the base LP by component, plus ``violation`` by relaxation."""
        x = np.asarray(x, dtype=float)
        out = self.base.values(x[: self.base.num_col])
        out["violation"] = dict(enumerate(x[self.violation_columns].tolist()))
        return out

    def duals(self, y: np.ndarray) -> dict[str, dict[Any, float]]:
        """Row values of the base LP by component (the new rows are not reported)."""
        return self.base.duals(np.asarray(y, dtype=float)[: self.base.num_row])

    def column_keys(self) -> list[tuple[str, Any]]:
        """The base LP's column keys, then ``("violation", (k,))``."""
        return [*self.base.column_keys(), *(("violation", (k,)) for k in range(self.relaxations.size))]

    def row_keys(self) -> list[tuple[str, Any]]:
        """The base LP's row keys, then the bound rows and the group totals."""
        bound = np.flatnonzero(self.relaxations.target != ROW).tolist()
        return [
            *self.base.row_keys(),
            *(("relaxed_bound", (k,)) for k in bound),
            *(("group_total", (g,)) for g in range(self.group_rows.size)),
        ]


def elastic(lp: LinearProgram, relax: Relaxations, groups: int) -> ElasticLP:
    """The elastic LP of ``lp`` (see the module docstring); ``groups`` is the number of
    group total rows (group numbers run from 0 to ``groups - 1``)."""
    n, m, k = lp.num_col, lp.num_row, relax.size
    A = sp.csc_matrix((lp.a_value, lp.a_index, lp.a_start), shape=(m, n))
    is_row = relax.target == ROW
    bounds = np.flatnonzero(~is_row)
    nb = bounds.size
    # Violation columns in the LP's rows (row relaxations) and in the new bound rows.
    v_rows = np.where(is_row, relax.index, 0)
    v_rows[bounds] = m + np.arange(nb)
    v_sign = np.where(is_row, relax.sign, np.where(relax.target == LOWER, 1.0, -1.0)).astype(float)
    group_row = m + nb + relax.group
    V = sp.csc_matrix(
        (np.concatenate([v_sign, np.ones(k)]),
         (np.concatenate([v_rows, group_row]), np.concatenate([np.arange(k), np.arange(k)]))),
        shape=(m + nb + groups, k),
    )
    # Bound rows: x_j (+ or -) v_k, over the relaxed columns.
    X_bound = sp.csc_matrix(
        (np.ones(nb), (np.arange(nb), relax.index[bounds])), shape=(nb, n)
    )
    top = sp.vstack([A, X_bound, sp.csc_matrix((groups, n))], format="csc")
    full = sp.hstack([top, V], format="csc")
    full.sort_indices()

    col_lower = lp.col_lower.copy()
    col_upper = lp.col_upper.copy()
    low_cols = relax.index[relax.target == LOWER]
    up_cols = relax.index[relax.target == UPPER]
    bound_lower = np.where(relax.target[bounds] == LOWER, col_lower[relax.index[bounds]], -math.inf)
    bound_upper = np.where(relax.target[bounds] == UPPER, col_upper[relax.index[bounds]], math.inf)
    col_lower[low_cols] = np.minimum(col_lower[low_cols], 0.0)
    col_upper[up_cols] = math.inf
    return ElasticLP(
        num_col=n + k,
        num_row=m + nb + groups,
        offset=lp.offset,
        col_cost=np.concatenate([lp.col_cost, np.zeros(k)]),
        col_lower=np.concatenate([col_lower, np.zeros(k)]),
        col_upper=np.concatenate([col_upper, relax.cap.astype(float)]),
        row_lower=np.concatenate([lp.row_lower, bound_lower, np.full(groups, -math.inf)]),
        row_upper=np.concatenate([lp.row_upper, bound_upper, np.full(groups, math.inf)]),
        a_start=full.indptr.astype(np.int32),
        a_index=full.indices.astype(np.int32),
        a_value=full.data.astype(float),
        cost_vectors=dict(lp.cost_vectors),
        seconds=lp.seconds,
        base=lp,
        relaxations=relax,
        violation_columns=n + np.arange(k),
        group_rows=m + nb + np.arange(groups),
    )
