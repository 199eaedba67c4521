"""Allocation of short supply among demand classes by exact sequential solves.

Under ``allocation: priority`` (or ``fair_share``) the plan is lexicographic: first the
units up to every class's ``min_fill`` floor, then the on-time units of priority 1
classes (for fair share: their groups' common fill times demand), then priority 2, ...,
and last the cost. :func:`run_stages` maximises each stage's total in turn on the
planner's own session (warm: each solve starts from the last basis), and sets the
stage's row (``class_stage``, :mod:`sopopt.model.classes`) to keep that total, less
1e-9 relative, in every later solve; the planner's usual solve is then the cost stage.
No penalty weights are involved: a lower class never outweighs a higher one, whatever
the costs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from sopopt.inputs.compile import ModelData
from sopopt.model.classes import STAGE, stages
from sopopt.solver.elastic import ElasticSession
from sopopt.solver.session import HighsSession
from sopopt.solver.status import SolveStatus

#: Relative slack on the total each stage keeps for the later ones.
KEEP = 1e-9


@dataclass(frozen=True)
class Stage:
    """One stage solved: its label, the total it reached (units) and its time."""

    label: str
    total: float
    seconds: float
    status: SolveStatus


def allocates(data: ModelData | None) -> bool:
    """True when the case allocates by sequential stages (priority or fair share)."""
    return data is not None and data.classes is not None and bool(stages(data.classes))


def session_for(data: ModelData | None) -> type[HighsSession]:
    """The session class the planner needs: one that can change costs and row bounds
    when the case allocates by stages."""
    return ElasticSession if allocates(data) else HighsSession


def run_stages(session: HighsSession, data: ModelData) -> list[Stage]:
    """Maximise every stage's total in order and keep it; restore the plan's costs.

    Stops at the first stage without a plan (the LP is infeasible or stopped): the
    planner's solve that follows then reports that status honestly."""
    if not isinstance(session, ElasticSession) or data.classes is None:
        return []
    lp = session.compiled
    positions = session.row_positions()
    matrix = sp.csc_matrix((lp.a_value, lp.a_index, lp.a_start), shape=(lp.num_row, lp.num_col)).tocsr()
    rows = np.array([i for (name, _k), i in positions.items() if name == STAGE], dtype=np.int64)
    lower = lp.row_lower.copy()
    lower[rows] = 0.0  # a stage row holds a total of non-negative units: >= 0 until its stage is solved
    lp.row_lower = lower
    session.set_row_bounds(rows, lower[rows], lp.row_upper[rows])
    done: list[Stage] = []
    for k, (label, _level) in enumerate(stages(data.classes)):
        row = positions.get((STAGE, (k, 0)))
        if row is None:
            continue
        weights = matrix.getrow(row).toarray()[0]
        session.set_costs(-weights)
        start = time.perf_counter()
        status, objective, _x = session.optimise(by_size=not done)
        seconds = time.perf_counter() - start
        if not status.has_plan or objective is None:
            done.append(Stage(label, float("nan"), seconds, status))
            break
        best = -objective
        keep = best - KEEP * abs(best)
        lower = lp.row_lower.copy()
        lower[row] = keep
        lp.row_lower = lower
        session.set_row_bounds(np.array([row]), np.array([keep]), np.array([lp.row_upper[row]]))
        done.append(Stage(label, best, seconds, status))
    session.set_costs(lp.col_cost)
    return done


def stage_info(done: list[Stage]) -> dict[str, float]:
    """The stages for a plan's run information: ``stage_<k>_<label>`` -> seconds and total."""
    info: dict[str, float] = {}
    for k, stage in enumerate(done):
        name = stage.label.replace(" ", "_")
        info[f"stage_{k}_{name}_seconds"] = stage.seconds
        info[f"stage_{k}_{name}_units"] = stage.total
    return info
