r"""Many copies of one LP that differ only in bounds, solved as one LP.

Copy :math:`k` keeps the matrix :math:`A` and costs :math:`c` of the LP and has its own
row bounds :math:`[l^k, u^k]` and column bounds; the copies sit on a block diagonal with
no rows tying them, so the batch's optimum is every copy's optimum at once
(:math:`\min \sum_k c\,x^k` separates by block). Used to solve many demand draws of a
plan whose committed decisions are fixed (:mod:`sopopt.analysis.risk`): one HiGHS call
instead of one per draw.

The matrix is tiled directly in column-wise (CSC) form, in time linear in the batch
size. A batch LP is read by its column vector (:meth:`BatchLP.split`), not by component
names: :meth:`values` and :meth:`duals` give nothing, so solving it builds no tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sopopt.model.lp import LinearProgram


@dataclass
class BatchLP(LinearProgram):
    """``copies`` copies of ``part`` on a block diagonal, each with its own bounds."""

    part: LinearProgram = field(repr=False)
    copies: int

    def values(self, x: np.ndarray) -> dict[str, dict[Any, float]]:
        """Nothing by name: read a batch with :meth:`split`."""
        return {}

    def duals(self, y: np.ndarray) -> dict[str, dict[Any, float]]:
        """Nothing by name: read a batch with :meth:`split`."""
        return {}

    def column_periods(self) -> np.ndarray:
        """The part's column periods, once per copy."""
        return np.tile(self.part.column_periods(), self.copies)

    def column_keys(self) -> list[tuple[str, Any]]:
        """``(component, (copy, *index))`` of every column."""
        keys = self.part.column_keys()
        return [(name, (k, *_as_tuple(index))) for k in range(self.copies) for name, index in keys]

    def row_keys(self) -> list[tuple[str, Any]]:
        """``(component, (copy, *index))`` of every row."""
        keys = self.part.row_keys()
        return [(name, (k, *_as_tuple(index))) for k in range(self.copies) for name, index in keys]

    def split(self, x: np.ndarray) -> np.ndarray:
        """The column values of each copy, shape (copies, the part's columns)."""
        return np.asarray(x, dtype=float).reshape(self.copies, self.part.num_col)


def _as_tuple(index: Any) -> tuple[Any, ...]:
    return index if isinstance(index, tuple) else (index,)


def batch(part: LinearProgram, row_lower: np.ndarray, row_upper: np.ndarray, col_upper: np.ndarray) -> BatchLP:
    """A batch of copies of ``part``; row ``k`` of each array holds copy ``k``'s bounds
    (shapes (copies, rows) and (copies, columns)). Column lower bounds, costs and the
    matrix are the part's."""
    n = len(row_lower)
    nnz = part.a_value.size
    starts = part.a_start[:-1]
    a_start = (starts[None, :] + nnz * np.arange(n)[:, None]).ravel()
    a_start = np.append(a_start, nnz * n).astype(part.a_start.dtype)
    a_index = (part.a_index[None, :] + part.num_row * np.arange(n)[:, None]).ravel().astype(part.a_index.dtype)
    integrality = None if part.integrality is None else np.tile(part.integrality, n)
    return BatchLP(
        num_col=part.num_col * n,
        num_row=part.num_row * n,
        offset=part.offset * n,
        col_cost=np.tile(part.col_cost, n),
        col_lower=np.tile(part.col_lower, n),
        col_upper=np.asarray(col_upper, dtype=float).ravel(),
        row_lower=np.asarray(row_lower, dtype=float).ravel(),
        row_upper=np.asarray(row_upper, dtype=float).ravel(),
        a_start=a_start,
        a_index=a_index,
        a_value=np.tile(part.a_value, n),
        cost_vectors={},
        seconds=0.0,
        integrality=integrality,
        part=part,
        copies=n,
    )
