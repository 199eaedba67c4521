"""An LP as plain arrays: what both build paths produce and the solver consumes.

minimise ``col_cost @ x + offset`` subject to ``row_lower <= A x <= row_upper`` and
``col_lower <= x <= col_upper``, with ``A`` in compressed-column form (``a_start``,
``a_index``, ``a_value``). Each build path adds the map from LP columns and rows back to
``(component name, index)``; :mod:`sopopt.solver.highs` is the only module that hands the
arrays to HiGHS.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class LinearProgram(ABC):
    """The LP as arrays, its per-category cost vectors, and its build time."""

    num_col: int
    num_row: int
    offset: float
    col_cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    a_start: np.ndarray
    a_index: np.ndarray
    a_value: np.ndarray
    #: Per cost category: (LP columns, coefficients) of its terms.
    cost_vectors: dict[str, tuple[np.ndarray, np.ndarray]]
    seconds: float
    #: 1 for a column whose value must be a whole number (0: continuous); None: an LP.
    integrality: np.ndarray | None = field(default=None, kw_only=True)

    @property
    def is_mip(self) -> bool:
        """True when some column must take a whole number (a mixed-integer program)."""
        return self.integrality is not None and bool(self.integrality.any())

    @property
    def nonzeros(self) -> int:
        """Number of matrix coefficients."""
        return int(self.a_value.size)

    @abstractmethod
    def values(self, x: np.ndarray) -> dict[str, dict[Any, float]]:
        """Column values by component name and index."""

    @abstractmethod
    def duals(self, y: np.ndarray) -> dict[str, dict[Any, float]]:
        """Row values (duals, slacks) by component name and index."""

    def column_periods(self) -> np.ndarray:
        """Period (0-based) of every column: every decision is indexed by period last."""
        return np.fromiter(
            (index[-1] if isinstance(index, tuple) else index for _name, index in self.column_keys()),
            dtype=np.int64,
            count=self.num_col,
        )

    @abstractmethod
    def column_keys(self) -> list[tuple[str, Any]]:
        """(component name, index) of every column, in order."""

    @abstractmethod
    def row_keys(self) -> list[tuple[str, Any]]:
        """(component name, index) of every row, in order."""
