"""Separation of the families' valid inequalities on the LP relaxation of a MIP (issue 26).

Rounds: solve the relaxation, ask the separator (:func:`sopopt.model.families.separator`,
e.g. the lot family's (k,l,S) rows) for the rows the relaxed plan violates, add them,
solve again (dual simplex, warm), until no row is violated, :data:`ROUNDS` rounds have
run or the time is up. Only the rows binding at the last relaxed plan are kept (none of a round whose
relaxation did not solve in time): they
go into the heuristic's sub-MIPs and, as extra rows after the model's own, into the
branch and bound of the session (which drops them again before any re-solve). Every
row is valid for the MIP (each family says why in its maths), so the optimum is
unchanged and the relaxation's bound can only rise.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sopopt.model.family import CutRows, Separator
from sopopt.solver.highs import add_rows, run_values

#: Most separation rounds.
ROUNDS = 30


@dataclass(frozen=True)
class Strengthened:
    """What separation did: the rows kept, the relaxed plan and bound after the last
    round (the bound None when no round solved), and the rounds run."""

    rows: CutRows
    x: np.ndarray
    bound: float | None
    rounds: int


def strengthen(
    h: object, x: np.ndarray, separate: Separator, seconds: float, stopping: Callable[[], bool],
) -> Strengthened:
    """Separation rounds on ``h`` (the relaxation, solved, with plan ``x``) within
    ``seconds``; the rows binding at the end."""
    deadline = time.perf_counter() + seconds
    pool: list[CutRows] = []
    bound: float | None = None
    rounds = 0
    while rounds < ROUNDS and time.perf_counter() < deadline and not stopping():
        rows = separate(x)
        if not rows.count:
            break
        add_rows(h, rows)
        found, objective = run_values(h)
        if found is None:  # not re-solved in time: its rows are not kept (1e5: 5,293)
            break
        pool.append(rows)
        x, bound, rounds = found, objective, rounds + 1
    every = CutRows.join(pool)
    binding = every.activity(x) >= every.upper - 1e-6 * np.maximum(1.0, np.abs(every.upper))
    return Strengthened(every.take(binding), x, bound, rounds)
