r"""Stack several cases' LPs into one (the deterministic equivalent of a two-stage plan).

Case :math:`k` (weight :math:`w_k`) keeps its own columns :math:`x^k`, rows and bounds;
the blocks sit on the diagonal. For every *common* decision :math:`j` (a column key
that all cases share), equality rows tie each case to the first:

.. math::

    \min \sum_k w_k\, c^k x^k \quad \text{s.t.} \quad A^k x^k \in [l^k, u^k],\;
    x^0_j - x^k_j = 0 \;\; (k \ge 1,\ j \in \text{common})

Columns and rows of case :math:`k` are keyed ``(component, (k, *index))``; the equality
rows are ``("commitment", (k, component, *index))``. Cost vectors hold the weighted
(expected) cost of each category under its own name, and each case's own (unweighted)
cost under :func:`case_category`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from sopopt.model.lp import LinearProgram
from sopopt.model.transforms.extended import Key, as_tuple, column_index, matrix_fields, to_csc

#: Row name of the equality rows that tie a case's common decision to the first case's.
COMMITMENT_ROW = "commitment"
#: Component name of the joint rows: a weighted sum of one row of each case (e.g. a
#: demand class stage's expected total), keyed ``(JOINT_ROW, (name, *index))``.
JOINT_ROW = "joint"


def case_category(category: str, case: int) -> str:
    """The cost-vector name of one case's own cost in a category: ``"<category>@<case>"``."""
    return f"{category}@{case}"


@dataclass
class StackedLP(LinearProgram):
    """Several LPs on a block diagonal, tied by equality rows on common decisions."""

    parts: list[LinearProgram] = field(repr=False)
    weights: np.ndarray
    col_offsets: np.ndarray
    row_offsets: np.ndarray
    common: list[Key]
    #: Keys (name, index) of the joint rows, after the commitment rows.
    joint: list[Key] = field(default_factory=list)

    def part_slice(self, k: int, rows: bool = False) -> slice:
        """The columns (or rows) of case ``k`` in the stacked LP."""
        offsets = self.row_offsets if rows else self.col_offsets
        return slice(int(offsets[k]), int(offsets[k + 1]))

    def _keyed(self, vector: np.ndarray, rows: bool) -> dict[str, dict[Any, float]]:
        vector = np.asarray(vector, dtype=float)
        out: dict[str, dict[Any, float]] = {}
        for k, part in enumerate(self.parts):
            piece = vector[self.part_slice(k, rows)]
            named = part.duals(piece) if rows else part.values(piece)
            for name, values in named.items():
                target = out.setdefault(name, {})
                for index, value in values.items():
                    target[(k, *as_tuple(index))] = value
        if rows:
            tail = vector[int(self.row_offsets[-1]) :].tolist()
            links = self._link_keys()
            out[COMMITMENT_ROW] = dict(zip((key for _, key in links), tail[: len(links)], strict=True))
            if self.joint:
                out[JOINT_ROW] = dict(zip((key for _, key in self._joint_keys()), tail[len(links) :], strict=True))
        return out

    def values(self, x: np.ndarray) -> dict[str, dict[Any, float]]:
        """Column values keyed ``component -> (case, *index)``."""
        return self._keyed(x, rows=False)

    def duals(self, y: np.ndarray) -> dict[str, dict[Any, float]]:
        """Row values keyed ``component -> (case, *index)``, and the commitment rows."""
        return self._keyed(y, rows=True)

    def column_keys(self) -> list[Key]:
        """(component, (case, *index)) of every column, in order."""
        return [(name, (k, *as_tuple(index))) for k, part in enumerate(self.parts) for name, index in part.column_keys()]

    def row_keys(self) -> list[Key]:
        """(component, (case, *index)) of every row, then the commitment rows."""
        keys = [(name, (k, *as_tuple(index))) for k, part in enumerate(self.parts) for name, index in part.row_keys()]
        return keys + self._link_keys() + self._joint_keys()

    def _joint_keys(self) -> list[Key]:
        return [(JOINT_ROW, (name, *as_tuple(index))) for name, index in self.joint]

    def _link_keys(self) -> list[Key]:
        return [(COMMITMENT_ROW, (k, name, *index)) for k in range(1, len(self.parts)) for name, index in self.common]


def stack(parts: Sequence[LinearProgram], weights: Sequence[float], common: Sequence[Key],
          joint: Sequence[tuple[Key, Sequence[tuple[int, int]]]] = ()) -> StackedLP:
    """The deterministic equivalent: ``parts`` on a block diagonal, objective weighted,
    and equality rows making each ``common`` decision the same in every case.

    Args:
        parts: one built LP per case (not modified).
        weights: one non-negative weight per case (used as given; normalise before).
        common: ``(component, index)`` keys every part has as a column.
        joint: rows to add after the commitment rows, each a key and the (case, row of
            that case's LP) it sums: the weighted sum of those rows, and of their bounds.

    Raises:
        KeyError: a common key is not a column of every part.
    """
    w = np.asarray(weights, dtype=float)
    if w.shape != (len(parts),):
        raise ValueError(f"need one weight per case: {len(parts)} cases, {w.size} weights")
    col_offsets = np.concatenate([[0], np.cumsum([p.num_col for p in parts])]).astype(np.int64)
    row_offsets = np.concatenate([[0], np.cumsum([p.num_row for p in parts])]).astype(np.int64)
    positions = [_positions(part, common) + col_offsets[k] for k, part in enumerate(parts)]
    width = int(col_offsets[-1])
    links = [_link_rows(positions[0], positions[k], width) for k in range(1, len(parts))]
    n_links = len(common) * (len(parts) - 1)
    blocks = sp.block_diag([to_csc(p) for p in parts], format="csc")
    summed, low, high = _joint_rows(blocks, row_offsets, w, parts, joint)
    matrix = sp.vstack([blocks, *links, summed], format="csc") if links or joint else blocks
    return StackedLP(
        num_col=int(col_offsets[-1]),
        num_row=int(row_offsets[-1]) + n_links + len(joint),
        offset=float(sum(wk * p.offset for wk, p in zip(w, parts, strict=True))),
        col_cost=np.concatenate([wk * p.col_cost for wk, p in zip(w, parts, strict=True)]),
        col_lower=np.concatenate([p.col_lower for p in parts]),
        col_upper=np.concatenate([p.col_upper for p in parts]),
        row_lower=np.concatenate([*(p.row_lower for p in parts), np.zeros(n_links), low]),
        row_upper=np.concatenate([*(p.row_upper for p in parts), np.zeros(n_links), high]),
        **matrix_fields(matrix),
        cost_vectors=_cost_vectors(parts, w, col_offsets),
        seconds=float(sum(p.seconds for p in parts)),
        integrality=_integrality(parts),
        parts=list(parts),
        weights=w,
        col_offsets=col_offsets,
        row_offsets=row_offsets,
        common=[(name, as_tuple(index)) for name, index in common],
        joint=[key for key, _rows in joint],
    )


def _joint_rows(blocks: sp.csc_matrix, row_offsets: np.ndarray, w: np.ndarray, parts: Sequence[LinearProgram],
                joint: Sequence[tuple[Key, Sequence[tuple[int, int]]]]) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """The joint rows (weighted sums of the cases' rows) and their bounds."""
    if not joint:
        return sp.csr_matrix((0, blocks.shape[1])), np.zeros(0), np.zeros(0)
    entries = [(j, int(row_offsets[k]) + r, w[k]) for j, (_key, rows) in enumerate(joint) for k, r in rows]
    pick = sp.csr_matrix(([v for _, _, v in entries], ([j for j, _, _ in entries], [i for _, i, _ in entries])),
                         shape=(len(joint), blocks.shape[0]))
    kept = [[(k, r) for k, r in rows if w[k] > 0] for _key, rows in joint]
    low = np.array([sum(w[k] * parts[k].row_lower[r] for k, r in rows) for rows in kept], dtype=float)
    high = np.array([sum(w[k] * parts[k].row_upper[r] for k, r in rows) for rows in kept], dtype=float)
    return (pick @ blocks).tocsr(), low, high


def _positions(part: LinearProgram, common: Sequence[Key]) -> np.ndarray:
    index = column_index(part)
    return np.array([index[name, as_tuple(idx)] for name, idx in common], dtype=np.int64)


def _link_rows(first: np.ndarray, other: np.ndarray, width: int) -> sp.csr_matrix:
    """Rows ``x_first - x_other = 0``, one per common decision."""
    n = first.size
    rows = np.concatenate([np.arange(n), np.arange(n)])
    return sp.csr_matrix((np.concatenate([np.ones(n), -np.ones(n)]), (rows, np.concatenate([first, other]))),
                         shape=(n, width))


def _cost_vectors(
    parts: Sequence[LinearProgram], w: np.ndarray, col_offsets: np.ndarray
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for k, part in enumerate(parts):
        for category, (cols, coefs) in part.cost_vectors.items():
            shifted = np.asarray(cols, dtype=np.int64) + col_offsets[k]
            out[case_category(category, k)] = (shifted, np.asarray(coefs, dtype=float))
            old_cols, old_coefs = out.get(category, (np.zeros(0, np.int64), np.zeros(0)))
            out[category] = (np.concatenate([old_cols, shifted]), np.concatenate([old_coefs, w[k] * coefs]))
    return out


def _integrality(parts: Sequence[LinearProgram]) -> np.ndarray | None:
    """The parts' integer markers side by side (None when every part is an LP)."""
    if not any(p.is_mip for p in parts):
        return None
    return np.concatenate(
        [p.integrality if p.integrality is not None else np.zeros(p.num_col, np.uint8) for p in parts]
    ).astype(np.uint8)
