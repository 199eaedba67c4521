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

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from sopopt.inputs.compile import ModelData
from sopopt.model.classes import CLASS_BACKLOG, CLASS_LOST, CLASS_SALES, STAGE, served_in_full, stages
from sopopt.model.lp import LinearProgram
from sopopt.model.transforms.extended import Key
from sopopt.model.transforms.stack import JOINT_ROW
from sopopt.solver.elastic import ElasticSession
from sopopt.solver.session import HighsSession
from sopopt.solver.status import SolveStatus

#: Relative slack on the total each stage keeps for the later ones.
KEEP = 1e-9
#: Label of the plan by cost solved before the stages (its basis starts the final solve).
BY_COST = "by cost"


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

    The plan by cost alone is solved first (cold on a new session, by the method for
    the LP's size; the stage rows hold nothing yet and presolve drops them, so this
    costs what ``allocation: cost`` does); each stage then
    starts warm from the last basis (primal simplex: only the objective changed), and
    the planner's final solve starts from the plan by cost's basis (dual simplex: only
    the stage rows' bounds changed from it), a few hundred iterations where the last
    stage's basis needs thousands. The first element is that plan by cost
    (:data:`BY_COST`). A stage whose classes the last plan already serves in full
    (:func:`~sopopt.model.classes.served_in_full`) is at its row's ceiling: it is kept
    without a solve.

    Stops at the first solve without a plan (the LP is infeasible or stopped): the
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
    first, x = _solved(session, BY_COST, "allocation: the plan by cost, before the stages", lambda best: best,
                       by_size=True)
    done = [first]
    if x is None:
        return done
    by_cost = session.basis()
    sales = _class_sales(session)
    for k, (label, level) in enumerate(stages(data.classes)):
        row = positions.get((STAGE, (k, 0)), positions.get((JOINT_ROW, (STAGE, k, 0))))
        if row is None:
            continue
        weights = matrix.getrow(row).toarray()[0]
        terms = np.flatnonzero(weights)
        ceiling = float(weights[terms] @ lp.col_upper[terms])
        if (row == positions.get((STAGE, (k, 0))) and math.isfinite(ceiling)
                and served_in_full(data.classes, level, sales(x))):
            done.append(Stage(label, ceiling, 0.0, SolveStatus.OPTIMAL))
        else:
            session.set_costs(-weights)
            stage, x = _solved(session, label, f"allocation stage {k + 1} ({label})", lambda best: -best)
            done.append(stage)
            if x is None:
                break
        keep = done[-1].total - KEEP * abs(done[-1].total)
        lower = lp.row_lower.copy()
        lower[row] = keep
        lp.row_lower = lower
        session.set_row_bounds(np.array([row]), np.array([keep]), np.array([lp.row_upper[row]]))
    session.set_costs(lp.col_cost)
    if done[-1].status.has_plan:
        session.set_basis(by_cost)
        session.prefer_dual()
    return done


def _solved(session: ElasticSession, label: str, what: str, total: Any,
            *, by_size: bool = False) -> tuple[Stage, np.ndarray | None]:
    """One solve of the stages, timed, and its column values (None without a plan);
    ``total`` turns the objective into the stage's total."""
    start = time.perf_counter()
    status, objective, x = session.optimise(by_size=by_size, what=what)
    seconds = time.perf_counter() - start
    if not status.has_plan or objective is None:
        return Stage(label, float("nan"), seconds, status), None
    return Stage(label, total(objective), seconds, status), x


def _class_sales(session: HighsSession) -> Any:
    """A function of column values giving each class's deliveries by (product, site,
    class, period): what :func:`~sopopt.model.classes.served_in_full` reads."""
    found = [(key, j) for j, (name, key) in enumerate(session.column_keys()) if name == CLASS_SALES.component]
    keys, columns = [k for k, _ in found], np.array([j for _, j in found], dtype=np.int64)

    def sales(x: np.ndarray) -> dict[tuple[str, str, str, int], float]:
        return dict(zip(keys, x[columns].tolist(), strict=True))

    return sales


def unfinished(done: list[Stage]) -> SolveStatus | None:
    """The status to give the plan when the stages did not all finish: the first stage
    without a plan (stopped, time limit, infeasible) ends the solve with its status, as
    the cost stage would ignore the priorities of the stages left; a stage stopped with a
    plan not proven optimal leaves the plan not proven optimal. None: every stage optimal."""
    for stage in done:
        if not stage.status.has_plan:
            return stage.status
    return next((s.status for s in done if s.status is not SolveStatus.OPTIMAL), None)


def joint_stages(datas: Sequence[ModelData], lps: Sequence[LinearProgram]) -> list[tuple[Key, list[tuple[int, int]]]]:
    """For a hedge of cases that allocate by stages: each stage of the first case as a
    joint row of the stacked LP (:func:`~sopopt.model.transforms.stack.stack`) summing
    that stage's row of every case that has the stage, weighted by the case's weight: the
    hedged plan then maximises each stage's expected total in turn (:func:`run_stages`
    finds the joint rows), so every case keeps its classes' order."""
    first = datas[0].classes
    if not allocates(datas[0]) or first is None:
        return []
    labels = [[label for label, _ in stages(d.classes)] if d.classes is not None else [] for d in datas]
    rows = [{key: i for i, key in enumerate(lp.row_keys()) if key[0] == STAGE} for lp in lps]
    joint: list[tuple[Key, list[tuple[int, int]]]] = []
    for k, (label, _level) in enumerate(stages(first)):
        summed = [(c, rows[c][STAGE, (labels[c].index(label), 0)]) for c in range(len(datas))
                  if label in labels[c] and (STAGE, (labels[c].index(label), 0)) in rows[c]]
        joint.append(((STAGE, (k, 0)), summed))
    return joint


def stage_info(done: list[Stage]) -> dict[str, float]:
    """The stages for a plan's run information: ``stage_<k>_<label>`` -> seconds and total;
    the plan by cost solved before them: ``stage_by_cost_seconds``."""
    info: dict[str, float] = {}
    for stage in done:
        if stage.label == BY_COST:
            info["stage_by_cost_seconds"] = stage.seconds
    for k, stage in enumerate(s for s in done if s.label != BY_COST):
        name = stage.label.replace(" ", "_")
        info[f"stage_{k}_{name}_seconds"] = stage.seconds
        info[f"stage_{k}_{name}_units"] = stage.total
    return info


def class_shortage(data: ModelData, klass: str, product: str | None, site: str | None,
                   periods: list[int]) -> dict[tuple[str, Any], float]:
    """A class's units short at the end of the periods (its backlog and lost sales), as
    weights on the LP's class columns, at the items (of a product, at a site) where the
    LP tells the class apart: the cell ``explain --class`` explains."""
    weights: dict[tuple[str, Any], float] = {}
    for (p, s, c), demand in (data.classes.demands.items() if data.classes is not None else ()):
        if c != klass or (product is not None and p != product) or (site is not None and s != site):
            continue
        for t in periods:
            if demand.lost_sales:
                weights[CLASS_LOST.component, (p, s, c, t)] = 1.0
            if demand.backlog:
                weights[CLASS_BACKLOG.component, (p, s, c, t)] = 1.0
    return weights


def class_penalty(data: ModelData, values: dict[str, dict[Any, float]], p: str, s: str, t: int) -> float | None:
    """The penalties the classes of a classed item pay in period ``t`` (None: the item is
    not classed, its own penalties apply)."""
    if data.classes is None or (p, s) not in set(data.classes.classed_items):
        return None
    T, total = data.T, 0.0
    for (pp, ss, c), demand in data.classes.demands.items():
        if (pp, ss) != (p, s):
            continue
        lost = values.get(CLASS_LOST.component, {}).get((p, s, c, t), 0.0)
        late = values.get(CLASS_BACKLOG.component, {}).get((p, s, c, t), 0.0)
        at_end = t == T - 1 and demand.backlog_at_end == "lost_sale_cost"
        total += lost * demand.lost_sale_cost[t] + late * (demand.backlog_cost[t] + (demand.lost_sale_cost[t]
                                                                                       if at_end else 0.0))
    return total
