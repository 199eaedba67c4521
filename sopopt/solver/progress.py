"""Progress reports of a running solve and the stop flag: what ``SolveOptions.on_progress``
receives (:class:`Progress`, by :class:`Phase`) and what ``SolveOptions.stop`` is.

The reports are made from HiGHS's callbacks by :mod:`sopopt.solver.monitor`, and by the
planner for the steps around the solve (load, build, extract).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

log = logging.getLogger(__name__)


class Phase(StrEnum):
    """What a solve is doing, in the order it happens."""

    LOAD = "load"
    BUILD = "build"
    HEURISTIC = "heuristic"
    PRESOLVE = "presolve"
    SIMPLEX = "simplex"
    IPM = "interior point"
    PDLP = "pdlp"
    CROSSOVER = "crossover"
    POSTSOLVE = "postsolve"
    SOLVED = "solved"
    EXTRACT = "extract"
    EXPLAIN = "explain"


@dataclass(frozen=True)
class Progress:
    """One progress report of a running solve (sent to ``SolveOptions.on_progress``).

    Fields the current phase does not report are None: simplex reports iterations and
    its objective, interior point also the relative primal-dual gap, presolve nothing.
    """

    phase: Phase
    """What the solve is doing."""
    elapsed: float
    """Seconds since the solve started (since the HiGHS run, for a bare session)."""
    iterations: int | None = None
    """Iterations of the current algorithm (simplex or interior point) so far."""
    objective: float | None = None
    """The objective HiGHS last reported (primal for interior point, dual simplex's
    objective for simplex: neither is a proven bound of the optimum until the end)."""
    gap: float | None = None
    """Relative primal-dual gap of interior point."""
    rows: int | None = None
    """Rows of the LP, once built."""
    columns: int | None = None
    """Columns of the LP, once built."""
    stage: str | None = None
    """The heuristic stage that just ended ("rounding", "fix-and-optimize 2/6"), whose
    plan costs ``objective``."""


#: What receives progress reports; called on the solving thread, so keep it quick.
ProgressCallback = Callable[[Progress], None]


def guarded(receiver: ProgressCallback) -> ProgressCallback:
    """``receiver`` made harmless: the first exception it raises is logged and switches
    it off, so a broken display never breaks a solve."""
    broken: list[bool] = []

    def receive(progress: Progress) -> None:
        if broken:
            return
        try:
            receiver(progress)
        except Exception:
            broken.append(True)
            log.exception("progress receiver failed; progress reports switched off")

    return receive


class StopFlag(Protocol):
    """Anything with ``is_set()``, e.g. a ``threading.Event``: set it to stop a solve."""

    def is_set(self) -> bool:
        """True once a stop was requested."""
        ...
