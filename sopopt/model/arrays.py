r"""The array form of the planning LP: blocks of columns and rows as numpy grids.

Each constraint family writes its columns, rows, coefficients, bounds and cost terms
into an :class:`ArrayModel` with a function next to its Pyomo rules (see
:mod:`sopopt.model.families`); :func:`sopopt.model.build_arrays.build_lp` runs them in order.
This module knows no family: it is the grid bookkeeping they share.

Every family is an *entity x period* grid: a block of columns (or rows) is a list of
entities (e.g. ``(product, site)`` pairs) and a boolean mask of shape (entities, T); the
Pyomo index of cell ``(e, t)`` is ``(*entities[e], t)``. Links between families are
integer id grids of the same shape (``-1`` where a cell does not exist), so a family's
coefficients are a few array operations, never a loop over periods.

:meth:`ArrayModel.finish` does what Pyomo's ``LinearStandardFormCompiler(mixed_form=True)``
does with the plain model: a zero coefficient is never written; a row left without
variables is dropped when it holds (and is an :class:`~sopopt.errors.InfeasibleError`
when it cannot); a column with no coefficient in any row nor in the objective is dropped.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from sopopt.errors import InfeasibleError
from sopopt.inputs.compile import Item, ModelData
from sopopt.model.lp import LinearProgram

INF = math.inf
Grid = np.ndarray  # (entities, T) array


@dataclass
class Block:
    """A family of columns or rows: ``(*entities[e], t)`` for the cells of ``mask``."""

    name: str
    entities: list[tuple[Any, ...]]
    ent: np.ndarray
    t: np.ndarray
    #: Position of each cell in the final LP (-1: dropped); set by :meth:`ArrayModel.finish`.
    position: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: Row sense per cell (1: <=, 0: =, -1: >=); rows only.
    sense: int = 0
    #: The kept cells' keys and LP positions, made on first use by :meth:`kept`.
    _kept: tuple[np.ndarray, list[tuple[Any, ...]], np.ndarray] | None = field(default=None, repr=False,
                                                                               compare=False)

    def keys(self) -> list[tuple[Any, ...]]:
        """Pyomo index of every cell, in block order."""
        entities, ts = self.entities, self.t.tolist()
        return [(*entities[e], t) for e, t in zip(self.ent.tolist(), ts, strict=True)]

    def kept(self) -> tuple[list[tuple[Any, ...]], np.ndarray]:
        """Keys and LP positions of the cells in the LP (position >= 0), in block order;
        computed once (a re-solved LP reads them for every solution)."""
        if self._kept is None or self._kept[0] is not self.position:  # positions set anew: again
            keep = self.position >= 0
            keys = [k for k, ok in zip(self.keys(), keep.tolist(), strict=True) if ok]
            self._kept = (self.position, keys, self.position[keep])
        return self._kept[1], self._kept[2]


def share_index(old: LinearProgram, new: LinearProgram) -> None:
    """Let ``new`` reuse ``old``'s index of kept cells (:meth:`Block.kept`) where both are
    array LPs with the same blocks (same names, entities, cells and positions): a
    re-solve that changes numbers only then maps its solution without rebuilding keys."""
    if not isinstance(old, FastLP) or not isinstance(new, FastLP):
        return
    for a, b in zip([*old.columns, *old.rows], [*new.columns, *new.rows], strict=False):
        same = a.name == b.name and a.entities == b.entities and all(
            np.array_equal(x, y) for x, y in ((a.ent, b.ent), (a.t, b.t), (a.position, b.position)))
        if same:
            b.position, b._kept = a.position, a._kept


@dataclass
class FastLP(LinearProgram):
    """The LP as arrays and the index map back to components (blocks of cells).

    :func:`sopopt.solver.highs.pass_lp` hands the arrays to HiGHS (``passModel``, no per-element
    copy).
    """

    columns: list[Block]
    rows: list[Block]

    def _named(self, blocks: list[Block], vector: np.ndarray) -> dict[str, dict[Any, float]]:
        out: dict[str, dict[Any, float]] = {}
        for block in blocks:
            keys, positions = block.kept()
            out.setdefault(block.name, {}).update(zip(keys, vector[positions].tolist(), strict=True))
        return out

    def values(self, x: np.ndarray) -> dict[str, dict[Any, float]]:
        """Column values by component name and index (the ``Solution.values`` layout)."""
        return self._named(self.columns, np.asarray(x, dtype=float) + 0.0)

    def duals(self, y: np.ndarray) -> dict[str, dict[Any, float]]:
        """Row duals by component name and index (the ``Solution.duals`` layout)."""
        return self._named(self.rows, np.asarray(y, dtype=float) + 0.0)

    def column_periods(self) -> np.ndarray:
        """Period (0-based) of every LP column, from the blocks' period arrays."""
        out = np.zeros(self.num_col, dtype=np.int64)
        for block in self.columns:
            keep = block.position >= 0
            out[block.position[keep]] = block.t[keep]
        return out

    def column_keys(self) -> list[tuple[str, tuple[Any, ...]]]:
        """(component, index) of every LP column, in column order."""
        return _ordered_keys(self.columns, self.num_col)

    def row_keys(self) -> list[tuple[str, tuple[Any, ...]]]:
        """(component, index) of every LP row, in row order."""
        return _ordered_keys(self.rows, self.num_row)


def _ordered_keys(blocks: list[Block], n: int) -> list[tuple[str, tuple[Any, ...]]]:
    out: list[Any] = [None] * n
    for block in blocks:
        for key, pos in zip(block.keys(), block.position.tolist(), strict=True):
            if pos >= 0:
                out[pos] = (block.name, key)
    return out


def stack(arrays: list[np.ndarray], T: int) -> Grid:
    """Per-entity series stacked into an (entities, T) float grid."""
    return np.vstack(arrays).astype(float) if arrays else np.zeros((0, T))


def lagged(ids: Grid, lags: np.ndarray) -> Grid:
    """``out[e, t] = ids[e, t - lags[e]]`` (-1 before the start)."""
    n, T = ids.shape
    src = np.arange(T)[None, :] - lags[:, None]
    out = np.full((n, T), -1, dtype=np.int64)
    ok = src >= 0
    rows = np.broadcast_to(np.arange(n)[:, None], (n, T))
    out[ok] = ids[rows[ok], src[ok]]
    return out


def previous(ids: Grid) -> Grid:
    """The id of the same entity one period earlier (-1 in the first period)."""
    out = np.full(ids.shape, -1, dtype=np.int64)
    out[:, 1:] = ids[:, :-1]
    return out


class ArrayModel:
    """Collects column and row blocks, coefficients and cost terms as arrays.

    ``ids`` holds the id grid of every block added, by component name, so that a later
    family can refer to an earlier one's columns (``item_ids`` gives them per item).
    """

    def __init__(self, d: ModelData, categories: tuple[str, ...]) -> None:
        self.d = d
        self.T = d.T
        self.categories = categories
        self.keys: list[tuple[str, str]] = list(d.items)
        self.items: list[Item] = list(d.items.values())
        #: Row of each (product, site) item in item-aligned grids.
        self.pos: dict[tuple[str, str], int] = {k: i for i, k in enumerate(self.keys)}
        self.ids: dict[str, Grid] = {}
        self.col_blocks: list[Block] = []
        self.row_blocks: list[Block] = []
        self.lower: list[np.ndarray] = []
        self.upper: list[np.ndarray] = []
        self.integer: list[np.ndarray] = []
        self.rhs: list[np.ndarray] = []
        self.n_cols = 0
        self.n_rows = 0
        self.entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.cost_terms: list[tuple[str, np.ndarray, np.ndarray]] = []
        self.rhs_shifts: list[tuple[np.ndarray, np.ndarray]] = []

    # ----------------------------------------------------------------- item helpers

    def item_grid(self, attr: str) -> Grid:
        """An :class:`~sopopt.inputs.compile.Item` series as an (items, T) grid."""
        return stack([getattr(item, attr) for item in self.items], self.T)

    def item_flag(self, attr: str) -> np.ndarray:
        """An :class:`~sopopt.inputs.compile.Item` flag as a boolean vector over items."""
        return np.array([bool(getattr(item, attr)) for item in self.items], dtype=bool)

    def item_keys(self, where: np.ndarray) -> list[tuple[str, str]]:
        """The (product, site) keys of the items selected by a boolean vector."""
        return [self.keys[i] for i in np.flatnonzero(where)]

    def item_ids(self, name: str, where: np.ndarray) -> Grid:
        """Column ids of block ``name`` (one entity per selected item) on the item grid."""
        out = np.full((len(self.items), self.T), -1, dtype=np.int64)
        out[where] = self.ids[name]
        return out

    # ----------------------------------------------------------------- blocks

    def columns(
        self,
        name: str,
        entities: list[tuple[Any, ...]],
        mask: Grid,
        lower: Grid | float = 0.0,
        upper: Grid | float = INF,
        integer: Grid | bool = False,
    ) -> Grid:
        """Add the columns of a family; returns (and keeps) the id grid (-1 where absent).
        ``integer`` marks the cells whose values must be whole numbers."""
        mask = np.asarray(mask, dtype=bool).reshape(len(entities), self.T)
        ent, t = np.nonzero(mask)
        ids = np.full(mask.shape, -1, dtype=np.int64)
        ids[ent, t] = np.arange(self.n_cols, self.n_cols + ent.size)
        self.n_cols += ent.size
        self.col_blocks.append(Block(name, entities, ent, t))
        self.lower.append(np.broadcast_to(np.asarray(lower, dtype=float), mask.shape)[ent, t])
        self.upper.append(np.broadcast_to(np.asarray(upper, dtype=float), mask.shape)[ent, t])
        self.integer.append(np.broadcast_to(np.asarray(integer, dtype=bool), mask.shape)[ent, t])
        self.ids[name] = ids
        return ids

    def rows(self, name: str, entities: list[tuple[Any, ...]], mask: Grid, rhs: Grid | float, sense: int) -> Grid:
        """Add the rows of a family (sense 1: <=, 0: =, -1: >=); returns the id grid."""
        mask = np.asarray(mask, dtype=bool).reshape(len(entities), self.T)
        ent, t = np.nonzero(mask)
        ids = np.full(mask.shape, -1, dtype=np.int64)
        ids[ent, t] = np.arange(self.n_rows, self.n_rows + ent.size)
        self.n_rows += ent.size
        self.row_blocks.append(Block(name, entities, ent, t, sense=sense))
        self.rhs.append(np.broadcast_to(np.asarray(rhs, dtype=float), mask.shape)[ent, t])
        self.ids[name] = ids
        return ids

    def coef(self, rows: Grid, cols: Grid, value: Grid | float) -> None:
        """Coefficients ``value`` at (rows, cols) where both exist and value != 0."""
        rows, cols = np.broadcast_arrays(rows, cols)
        value = np.broadcast_to(np.asarray(value, dtype=float), rows.shape)
        keep = (rows >= 0) & (cols >= 0) & (value != 0)
        self.entries.append((rows[keep], cols[keep], value[keep]))

    def shift_rhs(self, rows: Grid, value: Grid | float) -> None:
        """Add ``value`` to the right-hand side of existing rows (where ``rows`` >= 0): the
        array form of a constant ``-value`` a later family adds to an earlier family's row
        body (:func:`sopopt.model.family.extend_row`)."""
        rows = np.asarray(rows)
        value = np.broadcast_to(np.asarray(value, dtype=float), rows.shape)
        keep = rows >= 0
        self.rhs_shifts.append((rows[keep], value[keep]))

    def usage(self, rows: Grid, pools: list[tuple[str, dict[str, float]]], production: Grid) -> None:
        """Hours rows: ``sum_p rate_p X[p, site, t]`` for each pool (row entity j = pools[j])."""
        r_idx, item_idx, rates = [], [], []
        for j, (site, rates_by_product) in enumerate(pools):
            for p, rate in rates_by_product.items():
                if rate:
                    r_idx.append(j)
                    item_idx.append(self.pos[p, site])
                    rates.append(rate)
        if r_idx:
            self.coef(rows[np.array(r_idx)], production[np.array(item_idx)], np.array(rates, dtype=float)[:, None])

    def objective(self, category: str, cols: Grid, value: Grid | float) -> None:
        """Cost ``value`` on columns ``cols`` in a cost category (added to what is there)."""
        if category not in self.categories:
            raise KeyError(f"unknown cost category '{category}'")
        cols = np.asarray(cols)
        value = np.broadcast_to(np.asarray(value, dtype=float), cols.shape)
        keep = (cols >= 0) & (value != 0)
        self.cost_terms.append((category, cols[keep], value[keep]))

    # ----------------------------------------------------------------- assembly

    def finish(self, seconds_from: float) -> FastLP:
        """Assemble the LP, dropping empty rows and columns like the compiler."""
        by_category = self._by_category()
        cost = np.bincount(
            np.concatenate([cols for cols, _ in by_category.values()]),
            np.concatenate([value for _, value in by_category.values()]),
            minlength=self.n_cols,
        )
        A, sense, rhs = self._matrix()
        keep_row = np.bincount(A.indices, minlength=self.n_rows) > 0
        self._check_empty_rows(~keep_row, sense, rhs)
        keep_col = (np.diff(A.indptr) > 0) | (cost != 0)
        A = A[keep_row][:, keep_col]
        col_pos = np.cumsum(keep_col) - 1
        _place(self.row_blocks, np.where(keep_row, np.cumsum(keep_row) - 1, -1))
        _place(self.col_blocks, np.where(keep_col, col_pos, -1))
        rhs, sense = rhs[keep_row], sense[keep_row]
        return FastLP(
            num_col=int(keep_col.sum()),
            num_row=int(keep_row.sum()),
            col_cost=cost[keep_col],
            col_lower=_concat(self.lower)[keep_col],
            col_upper=_concat(self.upper)[keep_col],
            row_lower=np.where(sense <= 0, rhs, -INF),
            row_upper=np.where(sense >= 0, rhs, INF),
            a_start=A.indptr.astype(np.int32),
            a_index=A.indices.astype(np.int32),
            a_value=A.data,
            columns=self.col_blocks,
            rows=self.row_blocks,
            seconds=time.perf_counter() - seconds_from,
            cost_vectors={c: (col_pos[cols], value) for c, (cols, value) in by_category.items()},
            offset=0.0,
            integrality=_concat(self.integer, bool)[keep_col].astype(np.uint8),
        )

    def _by_category(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Cost terms by category, in category order (the order the objective sums them)."""
        out: dict[str, tuple[list[np.ndarray], list[np.ndarray]]] = {c: ([], []) for c in self.categories}
        for category, cols, value in self.cost_terms:
            out[category][0].append(cols)
            out[category][1].append(value)
        return {
            c: (_concat(cols, np.int64), _concat(values)) for c, (cols, values) in out.items()
        }

    def _matrix(self) -> tuple[sp.csc_matrix, np.ndarray, np.ndarray]:
        r = _concat([e[0] for e in self.entries], np.int64)
        c = _concat([e[1] for e in self.entries], np.int64)
        v = _concat([e[2] for e in self.entries])
        A = sp.csc_matrix((v, (r, c)), shape=(self.n_rows, self.n_cols))
        A.sum_duplicates()
        A.eliminate_zeros()
        sense = _concat([np.full(b.ent.size, b.sense) for b in self.row_blocks], np.int64)
        rhs = _concat(self.rhs)
        for rows, value in self.rhs_shifts:
            np.add.at(rhs, rows, value)
        return A, sense, rhs

    def _check_empty_rows(self, empty: np.ndarray, sense: np.ndarray, rhs: np.ndarray) -> None:
        holds = np.where(sense == 0, rhs == 0, np.where(sense > 0, rhs >= 0, rhs <= 0))
        if (empty & ~holds).any():
            block, key = _locate(self.row_blocks, int(np.flatnonzero(empty & ~holds)[0]))
            raise InfeasibleError(
                f"infeasible before solving: model contains a trivially infeasible constraint, '{block}{list(key)}'"
            )


def _concat(arrays: list[np.ndarray], dtype: type = float) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype)


def _place(blocks: list[Block], positions: np.ndarray) -> None:
    start = 0
    for block in blocks:
        block.position = positions[start : start + block.ent.size]
        start += block.ent.size


def _locate(blocks: list[Block], i: int) -> tuple[str, tuple[Any, ...]]:
    for block in blocks:
        if i < block.ent.size:
            return block.name, (*block.entities[int(block.ent[i])], int(block.t[i]))
        i -= block.ent.size
    raise IndexError(i)
