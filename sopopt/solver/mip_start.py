"""A first plan for a large MIP, found before branch and bound (issue 26): the
LP-guided fix-and-solve heuristic.

1. Solve the MIP's LP relaxation (every integer decision continuous).
2. Fix each integer decision whose relaxed value is already whole (within 1e-6) at that
   value; the others stay integer.
3. Solve that smaller MIP briefly; its plan, if it finds one, is handed to HiGHS as the
   start of the full branch and bound (``HighsSession.run`` does this on the first run of
   a MIP with at least :data:`MIN_INTEGERS` integer columns).

The start only gives branch and bound an incumbent to prune with: the full MIP still
decides the plan, and its gap is measured against the full MIP's bound, so the optimum
is unchanged. On the generated 1e4 integer network (research spike) the start given time
brought the gap from 8.6% after five minutes to 4.9% after two.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np

from sopopt.model.lp import LinearProgram
from sopopt.solver.highs import configure, fixed_integers_model, relaxed_model, run_values
from sopopt.solver.options import SolveOptions

#: MIPs with fewer integer columns solve quickly on their own: no start is computed.
MIN_INTEGERS = 200
#: Share of the time limit the heuristic may use (the rest goes to branch and bound).
SHARE = 0.4
#: Seconds the heuristic may use when the solve has no time limit.
NO_LIMIT_SECONDS = 60.0
#: How the start is named in ``run.json`` and on the progress line.
HEURISTIC = "LP-guided fix-and-solve"


@dataclass
class Start:
    """What the heuristic found: the plan's values (None when none was found), its
    cost, how many integer decisions the relaxation fixed, and the seconds it took."""

    values: np.ndarray | None
    objective: float | None
    fixed: int
    seconds: float

    def info(self) -> dict[str, object]:
        """The start as ``run.json`` keys."""
        return {
            "mip_start": HEURISTIC if self.values is not None else f"{HEURISTIC} (no plan found)",
            "mip_start_objective": self.objective,
            "mip_start_fixed": self.fixed,
            "mip_start_seconds": self.seconds,
        }


def wanted(lp: LinearProgram) -> bool:
    """A start is computed for MIPs with at least :data:`MIN_INTEGERS` integer columns."""
    return lp.integrality is not None and int(np.count_nonzero(lp.integrality)) >= MIN_INTEGERS


def budget(options: SolveOptions) -> float:
    """Seconds the heuristic may use: a share of the time limit, or a fixed amount."""
    if options.time_limit is None:
        return NO_LIMIT_SECONDS
    return SHARE * float(options.time_limit)


def lp_guided_start(lp: LinearProgram, options: SolveOptions, seconds: float) -> Start:
    """Relax, fix what the relaxation made whole, solve the rest within ``seconds``."""
    start = time.perf_counter()
    limited = dataclasses.replace(options, time_limit=max(seconds, 0.1), verbose=False)
    relaxed = relaxed_model(lp)
    configure(relaxed, limited)
    x, _objective = run_values(relaxed)
    if x is None:
        return Start(None, None, 0, time.perf_counter() - start)
    integer = np.flatnonzero(np.asarray(lp.integrality) != 0)
    whole = np.abs(x[integer] - np.rint(x[integer])) <= 1e-6
    cols = integer[whole]
    left = seconds - (time.perf_counter() - start)
    sub = fixed_integers_model(lp, cols, np.rint(x[cols]))
    configure(sub, dataclasses.replace(limited, time_limit=max(left, 0.1)))
    values, objective = run_values(sub)
    return Start(values, objective, int(cols.size), time.perf_counter() - start)
