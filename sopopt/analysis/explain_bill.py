"""Following a shortage down the bill (multi-level bills, :mod:`sopopt.model.bills`).

A product short because a component it is made of is short has causes (binding limits)
that sit on the component, not on the product: the component's capacity, its supplier,
the lane that brings it. :func:`down_the_bill` says so: for each cause of a product's
shortage, the deepest component of the product's bill whose making the limit holds back,
and the path to it ("P is short because its component Q (2 per unit) is short: Q is held
back by ...").

A limit *holds back* a product when its row (or the column it bounds) has a production
column of that product, or, one step further, when it shares a row with one: a
supplier's capacity limits purchases, and purchases meet the making of the products
that use the material in the material balance. The rates of
:mod:`sopopt.analysis.explain` already say how much each limit moves the shortage;
this module only names the way it comes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp

from sopopt.model.lp import LinearProgram
from sopopt.model.production import PRODUCTION


def bill_paths(components: Mapping[str, Mapping[str, float]], product: str) -> dict[str, list[tuple[str, float]]]:
    """Every component below ``product`` in the bill, with the shortest path to it: the
    list of (component, units per unit of the one above) from the product down."""
    paths: dict[str, list[tuple[str, float]]] = {}
    frontier: list[tuple[str, list[tuple[str, float]]]] = [(product, [])]
    while frontier:
        above, path = frontier.pop(0)
        for q, qty in sorted(components.get(above, {}).items()):
            if qty and q != product and q not in paths:
                paths[q] = [*path, (q, qty)]
                frontier.append((q, paths[q]))
    return paths


class BillGraph:
    """Which products' making each limit of an LP holds back (built once per explanation)."""

    def __init__(self, lp: LinearProgram, column_keys: list[tuple[str, Any]]) -> None:
        self.by_column = sp.csc_matrix((lp.a_value, lp.a_index, lp.a_start), shape=(lp.num_row, lp.num_col))
        self.by_row = self.by_column.tocsr()
        self.made = {j: key[1][0] for j, key in enumerate(column_keys) if key[0] == PRODUCTION.component}

    def _row_columns(self, rows: Iterable[int]) -> set[int]:
        return {int(j) for i in rows for j in self.by_row.indices[self.by_row.indptr[i]:self.by_row.indptr[i + 1]]}

    def held_back(self, on_row: bool, position: int) -> set[str]:
        """The products whose making the limit at ``position`` (a row, or a bounded column) holds back."""
        columns = self._row_columns([position]) if on_row else {position}
        products = {self.made[j] for j in columns if j in self.made}
        if products:
            return products
        rows = {int(i) for j in columns for i in self.by_column.indices[self.by_column.indptr[j]:
                                                                        self.by_column.indptr[j + 1]]}
        return {self.made[j] for j in self._row_columns(rows) if j in self.made}


def down_the_bill(graph: BillGraph, components: Mapping[str, Mapping[str, float]], product: str,
                  causes: Iterable[tuple[str, bool, int]]) -> tuple[str, ...]:
    """One sentence per cause (``(words, on_row, position)``) that holds back a component
    of ``product``: the path down the bill to the deepest such component, and the limit."""
    paths = bill_paths(components, product)
    if not paths:
        return ()
    lines: list[str] = []
    for words, on_row, position in causes:
        below = [q for q in graph.held_back(on_row, position) if q in paths]
        if not below:
            continue
        deepest = max(below, key=lambda q: (len(paths[q]), q))
        steps = ", because ".join(f"its component {q} ({np.format_float_positional(qty, trim='-')} per unit) is short"
                                  for q, qty in paths[deepest])
        line = f"Down the bill: {product} is short because {steps}: {deepest} is held back by {words}."
        if line not in lines:
            lines.append(line)
    return tuple(lines)
