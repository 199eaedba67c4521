r"""The planning LP built directly in matrix form with numpy: same LP, no Pyomo objects.

This is the speed path of :func:`sopopt.model.build_model` + :func:`sopopt.model.standard_form.compile_lp`.
It states no maths of its own: each ``_<family>`` function below writes, as arrays, the
rows, columns, bounds and costs of the family module of the same name (its docstring
holds the maths and symbol table), and ``tests/test_fast_build.py`` proves that the two
paths give the same LP (same rows, columns, coefficients, bounds, right-hand sides and
objective, compared by component name and index after sorting) and the same optimum.

It follows what Pyomo's ``LinearStandardFormCompiler(mixed_form=True)`` does with the
plain model: a zero coefficient is never written; a row left without variables is
dropped when it holds (and is an :class:`~sopopt.errors.InfeasibleError` when it cannot);
a column with no coefficient in any row nor in the objective is dropped.

Every family is an *entity x period* grid: a block of columns (or rows) is a list of
entities (e.g. ``(product, site)`` pairs) and a boolean mask of shape (entities, T); the
Pyomo index of cell ``(e, t)`` is ``(*entities[e], t)``. Links between families are
integer id grids of the same shape (``-1`` where a cell does not exist), so a family's
coefficients are a few array operations, never a loop over periods.

Usage::

    lp = build_lp(case.data)          # FastLP: arrays + index map
    sopopt.solver.pass_lp(h, lp)       # into a highspy.Highs (highs_lp(lp) for a HighsLp)
    values = lp.values(x)             # {component: {index: value}}, like Solution.values
    duals = lp.duals(y)               # {component: {index: dual}}, like Solution.duals
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from sopopt.errors import InfeasibleError
from sopopt.model.lp import LinearProgram
from sopopt.model.registry import COST_CATEGORIES
from sopopt.model.sets import ModelData

INF = math.inf
Grid = np.ndarray  # (entities, T) array


@dataclass
class Block:
    """A family of columns or rows: ``(*entities[e], t)`` for the cells of ``mask``."""

    name: str
    entities: list[tuple[Any, ...]]
    ent: np.ndarray
    t: np.ndarray
    #: Position of each cell in the final LP (-1: dropped); set by :meth:`_Builder.finish`.
    position: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: Row sense per cell (1: <=, 0: =, -1: >=); rows only.
    sense: int = 0

    def keys(self) -> list[tuple[Any, ...]]:
        """Pyomo index of every cell, in block order."""
        entities, ts = self.entities, self.t.tolist()
        return [(*entities[e], t) for e, t in zip(self.ent.tolist(), ts, strict=True)]


@dataclass
class FastLP(LinearProgram):
    """The LP as arrays and the index map back to components (blocks of cells).

    :func:`sopopt.solver.pass_lp` hands the arrays to HiGHS (``passModel``, no per-element
    copy); :func:`sopopt.solver.highs_lp` makes a ``highspy.HighsLp`` of them.
    """

    columns: list[Block]
    rows: list[Block]

    def _named(self, blocks: list[Block], vector: np.ndarray) -> dict[str, dict[Any, float]]:
        out: dict[str, dict[Any, float]] = {}
        for block in blocks:
            keep = block.position >= 0
            keys = block.keys()
            picked = vector[block.position[keep]].tolist()
            target = out.setdefault(block.name, {})
            for key, value in zip((k for k, ok in zip(keys, keep.tolist(), strict=True) if ok), picked, strict=True):
                target[key] = value
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


class _Builder:
    """Collects column and row blocks, coefficients and costs as arrays."""

    def __init__(self, T: int) -> None:
        self.T = T
        self.col_blocks: list[Block] = []
        self.row_blocks: list[Block] = []
        self.lower: list[np.ndarray] = []
        self.upper: list[np.ndarray] = []
        self.cost: list[np.ndarray] = []
        self.rhs: list[np.ndarray] = []
        self.n_cols = 0
        self.n_rows = 0
        self.entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.cost_terms: list[tuple[np.ndarray, np.ndarray]] = []
        self.cost_category: list[str] = []

    def columns(
        self,
        name: str,
        entities: list[tuple[Any, ...]],
        mask: Grid,
        lower: Grid | float = 0.0,
        upper: Grid | float = INF,
    ) -> Grid:
        """Add the columns of a family; returns the id grid (-1 where absent)."""
        mask = np.asarray(mask, dtype=bool).reshape(len(entities), self.T)
        ent, t = np.nonzero(mask)
        ids = np.full(mask.shape, -1, dtype=np.int64)
        ids[ent, t] = np.arange(self.n_cols, self.n_cols + ent.size)
        self.n_cols += ent.size
        self.col_blocks.append(Block(name, entities, ent, t))
        self.lower.append(np.broadcast_to(np.asarray(lower, dtype=float), mask.shape)[ent, t])
        self.upper.append(np.broadcast_to(np.asarray(upper, dtype=float), mask.shape)[ent, t])
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
        return ids

    def coef(self, rows: Grid, cols: Grid, value: Grid | float) -> None:
        """Coefficients ``value`` at (rows, cols) where both exist and value != 0."""
        rows, cols = np.broadcast_arrays(rows, cols)
        value = np.broadcast_to(np.asarray(value, dtype=float), rows.shape)
        keep = (rows >= 0) & (cols >= 0) & (value != 0)
        self.entries.append((rows[keep], cols[keep], value[keep]))

    def objective(self, category: str, cols: Grid, value: Grid | float) -> None:
        """Cost ``value`` on columns ``cols`` (added to what is there)."""
        cols = np.asarray(cols)
        value = np.broadcast_to(np.asarray(value, dtype=float), cols.shape)
        keep = (cols >= 0) & (value != 0)
        self.cost_terms.append((cols[keep], value[keep]))
        self.cost_category.append(category)

    def finish(self, seconds_from: float) -> FastLP:
        """Assemble the HighsLp, dropping empty rows and columns like the compiler."""
        n_rows, n_cols = self.n_rows, self.n_cols
        # Terms in cost-category order; bincount adds them in that order, like the objective.
        cost = np.bincount(
            np.concatenate([t[0] for t in self.cost_terms] or [np.zeros(0, np.int64)]),
            np.concatenate([t[1] for t in self.cost_terms] or [np.zeros(0)]),
            minlength=n_cols,
        )
        r = np.concatenate([e[0] for e in self.entries]) if self.entries else np.zeros(0, np.int64)
        c = np.concatenate([e[1] for e in self.entries]) if self.entries else np.zeros(0, np.int64)
        v = np.concatenate([e[2] for e in self.entries]) if self.entries else np.zeros(0)
        A = sp.csc_matrix((v, (r, c)), shape=(n_rows, n_cols))
        A.sum_duplicates()
        A.eliminate_zeros()
        rhs = np.concatenate(self.rhs) if self.rhs else np.zeros(0)
        sense = (
            np.concatenate([np.full(b.ent.size, b.sense) for b in self.row_blocks])
            if self.row_blocks
            else np.zeros(0, int)
        )
        row_nnz = np.bincount(A.indices, minlength=n_rows)
        keep_row = row_nnz > 0
        empty = ~keep_row
        holds = np.where(sense == 0, rhs == 0, np.where(sense > 0, rhs >= 0, rhs <= 0))
        if (empty & ~holds).any():
            block, key = _locate(self.row_blocks, int(np.flatnonzero(empty & ~holds)[0]))
            raise InfeasibleError(
                f"infeasible before solving: model contains a trivially infeasible constraint, '{block}{list(key)}'"
            )
        keep_col = (np.diff(A.indptr) > 0) | (cost != 0)
        A = A[keep_row][:, keep_col]
        row_pos = np.cumsum(keep_row) - 1
        col_pos = np.cumsum(keep_col) - 1
        _place(self.row_blocks, np.where(keep_row, row_pos, -1))
        _place(self.col_blocks, np.where(keep_col, col_pos, -1))
        lower = np.concatenate(self.lower)[keep_col] if self.lower else np.zeros(0)
        upper = np.concatenate(self.upper)[keep_col] if self.upper else np.zeros(0)
        rhs, sense = rhs[keep_row], sense[keep_row]

        return FastLP(
            num_col=int(keep_col.sum()),
            num_row=int(keep_row.sum()),
            col_cost=cost[keep_col],
            col_lower=lower,
            col_upper=upper,
            row_lower=np.where(sense <= 0, rhs, -INF),
            row_upper=np.where(sense >= 0, rhs, INF),
            a_start=A.indptr.astype(np.int32),
            a_index=A.indices.astype(np.int32),
            a_value=A.data,
            columns=self.col_blocks,
            rows=self.row_blocks,
            seconds=time.perf_counter() - seconds_from,
            cost_vectors=self._cost_vectors(col_pos),
            offset=0.0,
        )

    def _cost_vectors(self, col_pos: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Cost terms by category, with final column positions (every category present)."""
        out: dict[str, tuple[np.ndarray, np.ndarray]] = {
            c: (np.zeros(0, np.int64), np.zeros(0)) for c in COST_CATEGORIES
        }
        for category, (cols, value) in zip(self.cost_category, self.cost_terms, strict=True):
            old_cols, old_value = out[category]
            out[category] = (np.concatenate([old_cols, col_pos[cols]]), np.concatenate([old_value, value]))
        return out


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


def _stack(arrays: list[np.ndarray], T: int) -> Grid:
    return np.vstack(arrays).astype(float) if arrays else np.zeros((0, T))


def _lagged(ids: Grid, lags: np.ndarray) -> Grid:
    """``out[e, t] = ids[e, t - lags[e]]`` (-1 before the start)."""
    n, T = ids.shape
    src = np.arange(T)[None, :] - lags[:, None]
    out = np.full((n, T), -1, dtype=np.int64)
    ok = src >= 0
    rows = np.broadcast_to(np.arange(n)[:, None], (n, T))
    out[ok] = ids[rows[ok], src[ok]]
    return out


def _previous(ids: Grid) -> Grid:
    """The id of the same entity one period earlier (-1 in the first period)."""
    out = np.full(ids.shape, -1, dtype=np.int64)
    out[:, 1:] = ids[:, :-1]
    return out


# --------------------------------------------------------------------------- families


def build_lp(d: ModelData) -> FastLP:
    """The planning LP of compiled case data, in matrix form (see the module docstring).

    Raises:
        InfeasibleError: a row left without variables cannot hold.
    """
    start = time.perf_counter()
    T = d.T
    b = _Builder(T)
    keys = list(d.items)
    items = list(d.items.values())
    n = len(items)
    pos = {k: i for i, k in enumerate(keys)}
    ones = np.ones((n, T), dtype=bool)

    def grid(attr: str) -> Grid:
        return _stack([getattr(item, attr) for item in items], T)

    # Columns are declared family by family in the order of the plain build; costs
    # are added in cost-category order (the order the objective sums them in).
    make = np.array([it.make for it in items], dtype=bool)
    X = b.columns(
        "production",
        [keys[i] for i in np.flatnonzero(make)],
        ones[make],
        grid("min_production")[make],
        grid("max_production")[make],
    )
    X_of_item = np.full((n, T), -1, dtype=np.int64)
    X_of_item[make] = X

    sub = np.array([it.subcontract for it in items], dtype=bool)
    U = b.columns(
        "subcontract", [keys[i] for i in np.flatnonzero(sub)], ones[sub], 0.0, grid("subcontract_capacity")[sub]
    )

    # Transport: one entity per (lane, product).
    lane_ent: list[tuple[str, str]] = []
    lane_of: list[str] = []
    for name, lane in d.lanes.items():
        for p in lane.products:
            lane_ent.append((name, p))
            lane_of.append(name)
    lead = np.array([d.lanes[name].lead_time for name in lane_of], dtype=np.int64)
    in_horizon = np.arange(T)[None, :] < (T - lead)[:, None]
    Y = b.columns("shipment", lane_ent, in_horizon)
    lanes = list(d.lanes.values())
    lane_index = {lane.name: j for j, lane in enumerate(lanes)}
    lane_lead = np.array([lane.lead_time for lane in lanes], dtype=np.int64)
    lane_cap = _stack([lane.capacity for lane in lanes], T)
    lane_rows = (
        (np.arange(T)[None, :] < (T - lane_lead)[:, None])
        & (lane_cap != INF)
        & np.array([bool(lane.products) for lane in lanes], dtype=bool)[:, None]
    )
    LR = b.rows("lane_capacity", [(lane.name,) for lane in lanes], lane_rows, lane_cap, 1)
    if lane_ent:
        b.coef(LR[np.array([lane_index[name] for name in lane_of])], Y, 1.0)

    # Demand: sales, backlog and lost sales.
    has_backlog = np.array([it.backlog for it in items], dtype=bool)
    has_lost = np.array([it.lost_sales for it in items], dtype=bool)
    bl_keys = [keys[i] for i in np.flatnonzero(has_backlog)]
    forbid = np.array([items[i].backlog_at_end == "forbid" for i in np.flatnonzero(has_backlog)], dtype=bool)
    bl_upper = grid("backlog_limit")[has_backlog]
    if bl_upper.size:
        bl_upper[forbid, T - 1] = 0.0
    S = b.columns("sales", bl_keys, ones[has_backlog])
    B = b.columns("backlog", bl_keys, ones[has_backlog], 0.0, bl_upper)
    demand = grid("demand")
    lost_upper = np.where(has_backlog[:, None], INF, demand)[has_lost]
    L = b.columns("lost", [keys[i] for i in np.flatnonzero(has_lost)], ones[has_lost], 0.0, lost_upper)
    L_of_item = np.full((n, T), -1, dtype=np.int64)
    L_of_item[has_lost] = L

    # Backlog balance: B[t] - B[t-1] + S[t] + L[t] = D[t] (+ B0 in the first period).
    bl_demand = demand[has_backlog]
    rhs = bl_demand.copy()
    if rhs.size:
        rhs[:, 0] = bl_demand[:, 0] + np.array([items[i].initial_backlog for i in np.flatnonzero(has_backlog)])
    R = b.rows("backlog_balance", bl_keys, ones[has_backlog], rhs, 0)
    b.coef(R, B, 1.0)
    b.coef(R, _previous(B), -1.0)
    b.coef(R, S, 1.0)
    b.coef(R, L_of_item[has_backlog], 1.0)

    # Inventory balance.
    low = grid("min_inventory")
    low[:, T - 1] = np.maximum(low[:, T - 1], [it.ending_inventory for it in items])
    inv = b.columns("inventory", keys, ones, low, grid("max_inventory"))
    hard = ~has_backlog & ~has_lost
    demand_const = np.where(has_backlog[:, None], 0.0, demand)
    rhs = grid("scheduled_receipts") - demand_const
    rhs[:, 0] = rhs[:, 0] + np.array([it.initial_inventory for it in items])
    del hard
    IB = b.rows("inventory_balance", keys, ones, rhs, 0)
    b.coef(IB, inv, 1.0)
    b.coef(IB, _previous(inv), -1.0)
    b.coef(IB[make], X, -1.0)
    b.coef(IB[sub], U, -1.0)
    if lane_ent:
        origin = np.array([pos[p, d.lanes[name].origin] for name, p in lane_ent], dtype=np.int64)
        dest = np.array([pos[p, d.lanes[name].destination] for name, p in lane_ent], dtype=np.int64)
        b.coef(IB[dest], _lagged(Y, lead), -1.0)
        b.coef(IB[origin], Y, 1.0)
    b.coef(IB[has_backlog], S, 1.0)
    lost_only = has_lost & ~has_backlog
    b.coef(IB[lost_only], L_of_item[lost_only], -1.0)

    # Safety stock: I + Z >= SS where SS > 0 and its cost > 0.
    ss, ss_cost = grid("safety_stock"), grid("safety_stock_cost")
    target = (ss > 0) & (ss_cost > 0)
    Z = b.columns("safety_shortfall", keys, target)
    SR = b.rows("safety_stock", keys, target, ss, -1)
    b.coef(SR, inv, 1.0)
    b.coef(SR, Z, 1.0)

    # Storage: sum_p v_p I[p,s,t] - O[s,t] <= V[s,t].
    volume = np.array([d.volume[p] for p, _ in keys])
    site_of = np.array([s for _, s in keys], dtype=object)
    st_sites = list(d.storage)
    st_index = {s: j for j, s in enumerate(st_sites)}
    stocked = volume > 0
    has_stock = {s for (_p, s), ok in zip(keys, stocked.tolist(), strict=True) if ok}
    cap = _stack([d.storage[s].capacity for s in st_sites], T)
    row_mask = np.isfinite(cap) & np.array([s in has_stock for s in st_sites], dtype=bool)[:, None]
    over = np.array([d.storage[s].overflow for s in st_sites], dtype=bool)
    OV = b.columns(
        "overflow",
        [(s,) for s in st_sites],
        row_mask & over[:, None],
        0.0,
        _stack([d.storage[s].overflow_capacity for s in st_sites], T),
    )
    SC = b.rows("storage_capacity", [(s,) for s in st_sites], row_mask, cap, 1)
    item_site = np.array([st_index.get(s, -1) for s in site_of.tolist()], dtype=np.int64)
    in_storage = stocked & (item_site >= 0)
    b.coef(SC[item_site[in_storage]], inv[in_storage], volume[in_storage][:, None])
    b.coef(SC, OV, -1.0)

    # Machine resources: sum_p a_rp X[p,s_r,t] - O[r,t] <= H[r,t].
    used = [r for r, res in d.resources.items() if res.usage]
    res_ot = np.array([d.resources[r].overtime for r in used], dtype=bool)
    RO = b.columns(
        "resource_overtime",
        [(r,) for r in used],
        np.repeat(res_ot[:, None], T, axis=1),
        0.0,
        _stack([d.resources[r].overtime_capacity for r in used], T),
    )
    RC = b.rows(
        "resource_capacity",
        [(r,) for r in used],
        np.ones((len(used), T), dtype=bool),
        _stack([d.resources[r].hours for r in used], T),
        1,
    )
    _usage(b, RC, [(d.resources[r].site, d.resources[r].usage) for r in used], X_of_item, pos)
    b.coef(RC, RO, -1.0)

    # Workforce.
    pools = list(d.workforce.values())
    w_keys = [(w,) for w in d.workforce]
    nw = len(pools)
    all_w = np.ones((nw, T), dtype=bool)
    h_low = _stack([pool.min_headcount for pool in pools], T)
    h_high = _stack([pool.max_headcount for pool in pools], T)
    if nw:
        h_low[:, T - 1] = np.maximum(h_low[:, T - 1], [pool.min_ending_headcount for pool in pools])
        h_high[:, T - 1] = np.minimum(h_high[:, T - 1], [pool.max_ending_headcount for pool in pools])
    W = b.columns("headcount", w_keys, all_w, h_low, h_high)
    hiring = np.array([pool.hiring for pool in pools], dtype=bool).reshape(nw, 1) & all_w
    layoffs = np.array([pool.layoffs for pool in pools], dtype=bool).reshape(nw, 1) & all_w
    w_ot = np.array([pool.overtime for pool in pools], dtype=bool).reshape(nw, 1) & all_w
    H = b.columns("hires", w_keys, hiring, 0.0, _stack([pool.max_hires for pool in pools], T))
    F = b.columns("layoffs", w_keys, layoffs, 0.0, _stack([pool.max_layoffs for pool in pools], T))
    WO = b.columns("labour_overtime", w_keys, w_ot)
    rhs = np.zeros((nw, T))
    if nw:
        rhs[:, 0] = 0.0 + np.array([pool.initial_headcount for pool in pools])
    HB = b.rows("headcount_balance", w_keys, all_w, rhs, 0)
    b.coef(HB, W, 1.0)
    b.coef(HB, _previous(W), -1.0)
    b.coef(HB, H, -1.0)
    b.coef(HB, F, 1.0)
    with_usage = np.array([bool(pool.usage) for pool in pools], dtype=bool).reshape(nw, 1) & all_w
    LC = b.rows("labour_capacity", w_keys, with_usage, 0.0, 1)
    _usage(b, LC, [(pool.site, pool.usage) for pool in pools], X_of_item, pos)
    b.coef(LC, W, -_stack([pool.hours_per_worker for pool in pools], T))
    b.coef(LC, WO, -1.0)
    per_worker = _stack([pool.overtime_per_worker for pool in pools], T)
    OL = b.rows("overtime_limit", w_keys, w_ot & np.isfinite(per_worker), 0.0, 1)
    b.coef(OL, WO, 1.0)
    b.coef(OL, W, -np.where(np.isfinite(per_worker), per_worker, 0.0))

    # Materials.
    sups = list(d.suppliers.values())
    q_ent = [(sup.name, s) for sup in sups for s in sup.sites]
    q_sup = np.array([k for k, sup in enumerate(sups) for _ in sup.sites], dtype=np.int64)
    q_lead = np.array([sups[k].lead_time for k in q_sup.tolist()], dtype=np.int64)
    Q = b.columns("purchase", q_ent, np.arange(T)[None, :] < (T - q_lead)[:, None])
    sup_lead = np.array([sup.lead_time for sup in sups], dtype=np.int64)
    sup_cap = _stack([sup.capacity for sup in sups], T)
    sup_mask = (
        (np.arange(T)[None, :] < (T - sup_lead)[:, None])
        & np.isfinite(sup_cap)
        & np.array([bool(sup.sites) for sup in sups], dtype=bool)[:, None]
    )
    QC = b.rows("supplier_capacity", [(sup.name,) for sup in sups], sup_mask, sup_cap, 1)
    if q_ent:
        b.coef(QC[q_sup], Q, 1.0)
    m_keys = list(d.material_stocks)
    stocks = list(d.material_stocks.values())
    m_pos = {k: j for j, k in enumerate(m_keys)}
    nm = len(m_keys)
    M = b.columns("material_stock", m_keys, np.ones((nm, T), dtype=bool))
    rhs = _stack([st.scheduled_receipts for st in stocks], T)
    if nm:
        rhs[:, 0] = rhs[:, 0] + np.array([st.initial_stock for st in stocks])
    MB = b.rows("material_balance", m_keys, np.ones((nm, T), dtype=bool), rhs, 0)
    b.coef(MB, M, 1.0)
    b.coef(MB, _previous(M), -1.0)
    if q_ent:
        q_row = np.array(
            [m_pos.get((sups[k].material, s), -1) for k, (_n, s) in zip(q_sup.tolist(), q_ent, strict=True)]
        )
        ok = q_row >= 0
        b.coef(MB[q_row[ok]], _lagged(Q[ok], q_lead[ok]), -1.0)
    use_rows, use_cols, use_qty = [], [], []
    for (p, s), item in d.items.items():
        if item.make and p in d.bom:
            for mat, qty in d.bom[p].items():
                if qty and (mat, s) in m_pos:
                    use_rows.append(m_pos[mat, s])
                    use_cols.append(pos[p, s])
                    use_qty.append(qty)
    if use_rows:
        b.coef(MB[np.array(use_rows)], X_of_item[np.array(use_cols)], np.array(use_qty)[:, None])

    # Objective, in cost-category order.
    b.objective("production", X, grid("production_cost")[make])
    b.objective(
        "materials", Q, np.array([sups[k].price for k in q_sup.tolist()]).reshape(len(q_ent), T) if q_ent else 0.0
    )
    b.objective("subcontracting", U, grid("subcontract_cost")[sub])
    b.objective(
        "transport",
        Y,
        np.array([d.lanes[name].cost for name in lane_of]).reshape(len(lane_ent), T) if lane_ent else 0.0,
    )
    b.objective("regular_labour", W, _stack([pool.wage for pool in pools], T))
    b.objective("overtime", RO, _stack([d.resources[r].overtime_cost for r in used], T))
    b.objective("overtime", WO, _stack([pool.overtime_cost for pool in pools], T))
    b.objective("hiring", H, _stack([pool.hire_cost for pool in pools], T))
    b.objective("layoffs", F, _stack([pool.layoff_cost for pool in pools], T))
    b.objective("holding", inv, grid("holding_cost"))
    b.objective("holding", M, _stack([st.holding_cost for st in stocks], T))
    st_cost = _stack([d.storage[s].cost for s in st_sites], T)
    b.objective("storage", inv[in_storage], st_cost[item_site[in_storage]] * volume[in_storage][:, None])
    b.objective("storage", OV, _stack([d.storage[s].overflow_cost for s in st_sites], T))
    b.objective("backlog", B, grid("backlog_cost")[has_backlog])
    lost_cost = grid("lost_sale_cost")
    b.objective("lost_sales", L, lost_cost[has_lost])
    at_end = np.array([items[i].backlog_at_end == "lost_sale_cost" for i in np.flatnonzero(has_backlog)], dtype=bool)
    if at_end.any():
        b.objective("lost_sales", B[at_end, T - 1], lost_cost[has_backlog][at_end, T - 1])
    b.objective("safety_stock", Z, ss_cost)
    return b.finish(start)


def _usage(
    b: _Builder, rows: Grid, pools: list[tuple[str, dict[str, float]]], X_of_item: Grid, pos: dict[tuple[str, str], int]
) -> None:
    """Hours rows: ``sum_p rate_p X[p, site, t]`` for each pool (resource or workforce)."""
    r_idx, item_idx, rates = [], [], []
    for j, (site, usage) in enumerate(pools):
        for p, rate in usage.items():
            if rate:
                r_idx.append(j)
                item_idx.append(pos[p, site])
                rates.append(rate)
    if r_idx:
        b.coef(rows[np.array(r_idx)], X_of_item[np.array(item_idx)], np.array(rates, dtype=float)[:, None])
