"""A Pyomo model compiled to matrix form: the Pyomo build path's hand-off to the solver.

Pyomo's ``LinearStandardFormCompiler`` (mixed form: each row keeps its ``<=``, ``=`` or
``>=``) turns the readable model of :func:`sopopt.model.build.build_model` into the
arrays of a :class:`~sopopt.model.lp.LinearProgram`; no LP file is written. Pyomo is
imported only here and in the family modules' Pyomo rules: the fast path never loads it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sopopt.errors import InfeasibleError
from sopopt.model.lp import LinearProgram

if TYPE_CHECKING:
    import pyomo.environ as pyo


@dataclass
class CompiledLP(LinearProgram):
    """A Pyomo model compiled to matrix form; ``columns`` and ``rows`` hold the Pyomo
    variables and constraints behind the LP's columns and rows."""

    columns: list[Any]
    rows: list[Any]
    _column_keys: list[tuple[str, Any]] = field(repr=False)
    _row_keys: list[tuple[str, Any]] = field(repr=False)

    def values(self, x: np.ndarray) -> dict[str, dict[Any, float]]:
        """Column values by component name and index."""
        return _by_key(self._column_keys, x)

    def duals(self, y: np.ndarray) -> dict[str, dict[Any, float]]:
        """Row values by component name and index."""
        return _by_key(self._row_keys, y)

    def column_keys(self) -> list[tuple[str, Any]]:
        """(component name, index) of every column, in order."""
        return list(self._column_keys)

    def row_keys(self) -> list[tuple[str, Any]]:
        """(component name, index) of every row, in order."""
        return list(self._row_keys)


def compile_lp(model: pyo.ConcreteModel) -> CompiledLP:
    """Compile a Pyomo model to matrix form (mixed form, minimisation).

    Raises:
        InfeasibleError: a constraint with no variables left cannot hold.
    """
    import pyomo.environ as pyo  # imported here: the fast path never loads Pyomo
    from pyomo.common.errors import InfeasibleConstraintException
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    start = time.perf_counter()
    try:
        info = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=pyo.minimize, column_order=True)
    except InfeasibleConstraintException as exc:
        raise InfeasibleError(f"infeasible before solving: {exc}") from None
    n_rows, n_cols = info.A.shape
    cost = np.zeros(n_cols)
    if info.c.shape[0]:
        cost[:] = info.c.toarray()[0]
    rhs = np.asarray(info.rhs, dtype=float)
    sense = np.array([mult for _con, mult in info.rows], dtype=int)
    columns = list(info.columns)
    rows = [con for con, _ in info.rows]
    position = {id(var): j for j, var in enumerate(columns)}
    cost_vectors = {}
    for category, terms in model.cost_terms.costs.items():
        kept = [(position[id(var)], coef) for coef, var in terms if id(var) in position]
        cols = np.array([j for j, _ in kept], dtype=np.int64)
        coefs = np.array([c for _, c in kept], dtype=float)
        cost_vectors[category] = (cols, coefs)
    return CompiledLP(
        num_col=int(n_cols),
        num_row=int(n_rows),
        offset=float(info.c_offset[0]) if len(info.c_offset) else 0.0,
        col_cost=cost,
        col_lower=np.array([-math.inf if v.lb is None else v.lb for v in columns], dtype=float),
        col_upper=np.array([math.inf if v.ub is None else v.ub for v in columns], dtype=float),
        row_lower=np.where(sense <= 0, rhs, -math.inf),
        row_upper=np.where(sense >= 0, rhs, math.inf),
        a_start=info.A.indptr.astype(np.int32),
        a_index=info.A.indices.astype(np.int32),
        a_value=np.asarray(info.A.data, dtype=float),
        cost_vectors=cost_vectors,
        seconds=time.perf_counter() - start,
        columns=columns,
        rows=rows,
        _column_keys=[(v.parent_component().local_name, v.index()) for v in columns],
        _row_keys=[(c.parent_component().local_name, c.index()) for c in rows],
        integrality=np.array([v.is_integer() or v.is_binary() for v in columns], dtype=np.uint8),
    )



def _by_key(keys: list[tuple[str, Any]], vector: np.ndarray) -> dict[str, dict[Any, float]]:
    target: dict[str, dict[Any, float]] = {}
    for (name, index), value in zip(keys, np.asarray(vector, dtype=float).tolist(), strict=True):
        target.setdefault(name, {})[index] = value
    return target
