"""A built LP with columns and rows appended: the common shape of transformed LPs.

:class:`ExtendedLP` keeps the LP it was made from (``base``) and the keys of the columns
and rows appended after the base's own, so that :meth:`values` and :meth:`duals` still
give every base component by name and add the new ones. :func:`append` builds one from
plain arrays; :func:`column_index` and :func:`select` find base columns by
``(component, index)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from sopopt.model.lp import LinearProgram

Key = tuple[str, Any]


def as_tuple(index: Any) -> tuple[Any, ...]:
    """A component index as a tuple (Pyomo gives scalars for one-dimensional sets)."""
    return index if isinstance(index, tuple) else (index,)


def to_csc(lp: LinearProgram) -> sp.csc_matrix:
    """The LP's constraint matrix as a scipy CSC matrix (shares no buffers)."""
    return sp.csc_matrix(
        (np.array(lp.a_value, dtype=float), np.array(lp.a_index), np.array(lp.a_start)),
        shape=(lp.num_row, lp.num_col),
    )


def matrix_fields(matrix: sp.spmatrix) -> dict[str, np.ndarray]:
    """``a_start``, ``a_index`` and ``a_value`` of a matrix, in the LP's layout."""
    csc = sp.csc_matrix(matrix)
    csc.sum_duplicates()
    return {
        "a_start": csc.indptr.astype(np.int32),
        "a_index": csc.indices.astype(np.int32),
        "a_value": np.asarray(csc.data, dtype=float),
    }


def column_index(lp: LinearProgram) -> dict[Key, int]:
    """LP column of every ``(component, index)``."""
    return {(name, as_tuple(index)): j for j, (name, index) in enumerate(lp.column_keys())}


def select(lp: LinearProgram, components: Iterable[str], periods: Iterable[int] | None = None) -> list[Key]:
    """Column keys of the given components (in LP order), only in ``periods`` if given.

    The period of a column is the last element of its index (every decision is indexed
    by period last).
    """
    wanted = set(components)
    keep = None if periods is None else set(periods)
    out = []
    for name, index in lp.column_keys():
        idx = as_tuple(index)
        if name in wanted and (keep is None or idx[-1] in keep):
            out.append((name, idx))
    return out


def _by_key(keys: Sequence[Key], vector: np.ndarray) -> dict[str, dict[Any, float]]:
    out: dict[str, dict[Any, float]] = {}
    for (name, index), value in zip(keys, np.asarray(vector, dtype=float).tolist(), strict=True):
        out.setdefault(name, {})[index] = value
    return out


@dataclass
class ExtendedLP(LinearProgram):
    """``base`` with columns ``new_columns`` and rows ``new_rows`` appended (in order)."""

    base: LinearProgram = field(repr=False)
    new_columns: list[Key]
    new_rows: list[Key]

    def values(self, x: np.ndarray) -> dict[str, dict[Any, float]]:
        """Column values by component name and index, the base's and the new ones."""
        x = np.asarray(x, dtype=float)
        out = self.base.values(x[: self.base.num_col])
        for name, part in _by_key(self.new_columns, x[self.base.num_col :]).items():
            out.setdefault(name, {}).update(part)
        return out

    def duals(self, y: np.ndarray) -> dict[str, dict[Any, float]]:
        """Row values by component name and index, the base's and the new ones."""
        y = np.asarray(y, dtype=float)
        out = self.base.duals(y[: self.base.num_row])
        for name, part in _by_key(self.new_rows, y[self.base.num_row :]).items():
            out.setdefault(name, {}).update(part)
        return out

    def column_keys(self) -> list[Key]:
        """(component, index) of every column, in order."""
        return [*self.base.column_keys(), *self.new_columns]

    def row_keys(self) -> list[Key]:
        """(component, index) of every row, in order."""
        return [*self.base.row_keys(), *self.new_rows]


@dataclass(frozen=True)
class Columns:
    """Columns to append: keys, bounds, and cost (charged to ``category``)."""

    keys: list[Key]
    lower: np.ndarray
    upper: np.ndarray
    cost: np.ndarray
    category: str


@dataclass(frozen=True)
class Rows:
    """Rows to append: keys, bounds, and coefficients as ``(row, column, value)`` arrays.

    ``row`` counts from 0 among the new rows; ``column`` is an LP column of the result
    (base columns first, then the new ones).
    """

    keys: list[Key]
    lower: np.ndarray
    upper: np.ndarray
    row: np.ndarray
    column: np.ndarray
    value: np.ndarray


def append(lp: LinearProgram, columns: Columns, rows: Rows) -> ExtendedLP:
    """A new LP: ``lp`` with the given columns and rows appended (``lp`` is unchanged)."""
    n_new, m_new = len(columns.keys), len(rows.keys)
    num_col, num_row = lp.num_col + n_new, lp.num_row + m_new
    matrix = sp.hstack([to_csc(lp), sp.csc_matrix((lp.num_row, n_new))], format="csc")
    extra = sp.csc_matrix((rows.value, (rows.row, rows.column)), shape=(m_new, num_col))
    new_cols = np.arange(lp.num_col, num_col, dtype=np.int64)
    vectors = {name: (cols.copy(), coefs.copy()) for name, (cols, coefs) in lp.cost_vectors.items()}
    old_cols, old_coefs = vectors.get(columns.category, (np.zeros(0, np.int64), np.zeros(0)))
    charged = columns.cost != 0
    vectors[columns.category] = (
        np.concatenate([old_cols, new_cols[charged]]),
        np.concatenate([old_coefs, columns.cost[charged]]),
    )
    return ExtendedLP(
        num_col=num_col,
        num_row=num_row,
        offset=lp.offset,
        col_cost=np.concatenate([lp.col_cost, columns.cost]),
        col_lower=np.concatenate([lp.col_lower, columns.lower]),
        col_upper=np.concatenate([lp.col_upper, columns.upper]),
        row_lower=np.concatenate([lp.row_lower, rows.lower]),
        row_upper=np.concatenate([lp.row_upper, rows.upper]),
        **matrix_fields(sp.vstack([matrix, extra], format="csc")),
        cost_vectors=vectors,
        seconds=lp.seconds,
        # Appended columns are continuous (changes, slacks); the base keeps its integers.
        integrality=None if not lp.is_mip else np.concatenate([lp.integrality, np.zeros(n_new, np.uint8)]),
        base=lp,
        new_columns=list(columns.keys),
        new_rows=list(rows.keys),
    )
