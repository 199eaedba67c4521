"""Follows one HiGHS run: reads phase, iterations, objective and gap from its log lines
and interrupt checks (:class:`Monitor`), sends them as
:class:`~sopopt.solver.progress.Progress` reports, and turns a stop request (the
``stop`` flag, SIGINT or SIGTERM) into HiGHS's user interrupt.
"""

from __future__ import annotations

import contextlib
import math
import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sopopt.model.lp import LinearProgram
from sopopt.solver.highs import SIMPLEX_CALLBACK, attach_interrupts, detach_interrupts
from sopopt.solver.progress import Phase, Progress, guarded
from sopopt.solver.signals import handling_stop_signals

if TYPE_CHECKING:
    from sopopt.solver.options import SolveOptions

#: (text in a HiGHS log line, phase it starts), checked in order.
_PHASE_LINES = (
    ("Presolving model", Phase.PRESOLVE),
    ("simplex solver", Phase.SIMPLEX),
    ("IPX model has", Phase.IPM),
    ("Running crossover", Phase.CROSSOVER),
    ("PDLP", Phase.PDLP),
    ("Performed postsolve", Phase.POSTSOLVE),
)
#: The phases in which simplex iterations run.
_SIMPLEX_PHASES = (Phase.SIMPLEX, Phase.CROSSOVER, Phase.POSTSOLVE)
#: An interior point iteration line: iter, primal obj, dual obj, pinf, dinf, gap, time.
_IPM_LINE = re.compile(r"^\s*(\d+)\*?\s+(\S+)\s+(\S+)\s+\S+\s+\S+\s+(\S+)\s+[\d.]+\s*$")
#: A simplex report line: iteration, objective, then ``Ph1:``, ``Pr:`` or ``Du:``.
_SIMPLEX_LINE = re.compile(r"^\s*(\d+)\s+(\S+)\s+(?:Ph1|Pr|Du):")


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class Monitor:
    """Follows one HiGHS run through its callbacks: turns its log lines and interrupt
    checks into :class:`Progress` reports, and a stop request (the ``stop`` flag, or
    SIGINT/SIGTERM caught while HiGHS runs) into HiGHS's user interrupt."""

    #: Seconds between two reports within one phase.
    THROTTLE = 0.2

    def __init__(self, options: SolveOptions, lp: LinearProgram) -> None:
        self.on_progress = None if options.on_progress is None else guarded(options.on_progress)
        self.stop = options.stop
        self.verbose = bool(options.verbose)
        self.rows, self.columns = lp.num_row, lp.num_col
        self.phase = Phase.PRESOLVE
        self.iterations: int | None = None
        self.objective: float | None = None
        self.gap: float | None = None
        self.signal: int | None = None
        self.logging = False
        self.start = time.perf_counter()
        self.last_report = -math.inf

    def stopping(self) -> bool:
        """True once a stop was asked for."""
        return self.signal is not None or (self.stop is not None and self.stop.is_set())

    def attach(self, h: Any) -> None:
        """Subscribe to the HiGHS callbacks (logging only when someone listens)."""
        self.logging = self.on_progress is not None
        if self.logging:
            h.setOptionValue("output_flag", True)
            h.setOptionValue("log_to_console", self.verbose)
            h.cbLogging += self.on_log
            h.cbSimplexInterrupt += self.on_interrupt
            h.cbIpmInterrupt += self.on_interrupt
            h.cbMipInterrupt += self.on_interrupt
        else:  # nobody listens: the interrupt checks only ask whether to stop, directly
            attach_interrupts(h, self.check)

    def detach(self, h: Any) -> None:
        """Unsubscribe again (a session is solved many times by sweeps)."""
        if self.logging:
            h.cbLogging -= self.on_log
            h.setOptionValue("output_flag", self.verbose)
            h.setOptionValue("log_to_console", True)
            h.cbSimplexInterrupt -= self.on_interrupt
            h.cbIpmInterrupt -= self.on_interrupt
            h.cbMipInterrupt -= self.on_interrupt
        else:
            detach_interrupts(h)

    def check(self, callback_type: Any) -> bool:
        """An interrupt check when nobody listens: True once a stop was asked for (then a
        simplex check marks the phase the stopped solve's message names)."""
        if self.signal is None and (self.stop is None or not self.stop.is_set()):
            return False
        if callback_type == SIMPLEX_CALLBACK and self.phase not in _SIMPLEX_PHASES:
            self.phase = Phase.SIMPLEX
        return True

    def on_interrupt(self, event: Any) -> None:
        """HiGHS asks whether to stop: say yes once a stop was asked for."""
        if self.stopping():
            event.interrupt()
            return
        if event.callback_type == SIMPLEX_CALLBACK and event.data_out.simplex_iteration_count >= 0:
            if self.phase not in _SIMPLEX_PHASES:
                self.phase = Phase.SIMPLEX
            self.iterations = int(event.data_out.simplex_iteration_count)
            self.report()

    def on_log(self, event: Any) -> None:
        """Read phase, iterations, objective and gap from a HiGHS log message."""
        before = self.phase
        for line in str(event.message).splitlines():
            self._read(line)
        self.report(force=self.phase is not before)

    def _read(self, line: str) -> None:
        for text, phase in _PHASE_LINES:
            if text in line:
                if phase is not self.phase:
                    self.iterations, self.objective, self.gap = None, None, None
                self.phase = phase
                return
        if self.phase is Phase.IPM and (match := _IPM_LINE.match(line)):
            self.iterations = int(match[1])
            self.objective, self.gap = _number(match[2]), _number(match[4])
        elif (match := _SIMPLEX_LINE.match(line)) and self.phase in (Phase.SIMPLEX, Phase.POSTSOLVE):
            self.iterations, self.objective = int(match[1]), _number(match[2])

    def report(self, force: bool = False) -> None:
        """Send the current state to ``on_progress`` (throttled unless ``force``)."""
        now = time.perf_counter()
        if self.on_progress is None or (not force and now - self.last_report < self.THROTTLE):
            return
        self.last_report = now
        self.send(self.phase)

    def send(self, phase: Phase, iterations: int | None = None) -> None:
        """Send one report (the receiver is guarded: it cannot break the solve)."""
        if self.on_progress is None:
            return
        self.on_progress(
            Progress(
                phase,
                time.perf_counter() - self.start,
                iterations or self.iterations,
                self.objective,
                self.gap,
                self.rows,
                self.columns,
            )
        )

    def stage(self, name: str, objective: float | None) -> None:
        """Report a heuristic stage that just ended and the cost of its plan."""
        if self.on_progress is not None:
            self.on_progress(Progress(Phase.HEURISTIC, time.perf_counter() - self.start, None, objective, None,
                                      self.rows, self.columns, name))

    def describe(self, iterations: int) -> str:
        """What was running, for the message of an interrupted solve."""
        return f"{self.phase.value}, {iterations} iterations, {time.perf_counter() - self.start:.1f} s into the solve"

    @contextlib.contextmanager
    def catching_signals(self) -> Iterator[None]:
        """While HiGHS runs, SIGINT and SIGTERM stop it through the interrupt callback
        instead of ending the process mid-solve (only on the main thread; a signal the
        process ignores stays ignored)."""

        def handle(signum: int, frame: Any) -> None:
            if self.signal is None:
                self.signal = signum

        with handling_stop_signals(handle):
            yield
