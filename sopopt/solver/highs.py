"""Solve a built model with HiGHS, in memory. The only module that imports the solver.

The Pyomo model is compiled to matrix form with Pyomo's ``LinearStandardFormCompiler``
(mixed form: each row keeps its ``<=``, ``=`` or ``>=``) and handed to highspy as one
``HighsLp``; no LP file is written. Every HiGHS model status is mapped through
:data:`STATUS_MAP` to a :class:`SolveStatus`. The result, :class:`Solution`, holds only
plain numbers: primal values and row duals keyed by component name and index.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

import highspy
import numpy as np
import scipy.sparse as sp
from pydantic import ValidationError

from sopopt.errors import InfeasibleError, Interrupted, Problem, ScenarioError, SolverError, UnboundedError
from sopopt.inputs.schema.scenario import SolverSettings
from sopopt.inputs.schema.solver_options import CAPPED_OPTIONS, SolverOptions, check_threads, check_time_limit, refusal
from sopopt.model.lp import LinearProgram

if TYPE_CHECKING:
    import pyomo.environ as pyo

log = logging.getLogger(__name__)


class SolveStatus(StrEnum):
    """What the solver established about the plan."""

    OPTIMAL = "optimal"
    OPTIMAL_WITHIN_GAP = "optimal_within_gap"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    TIME_LIMIT_FEASIBLE = "time_limit_feasible"
    TIME_LIMIT_NO_PLAN = "time_limit_no_plan"
    ITERATION_LIMIT_FEASIBLE = "iteration_limit_feasible"
    ITERATION_LIMIT_NO_PLAN = "iteration_limit_no_plan"
    OTHER_LIMIT_FEASIBLE = "other_limit_feasible"
    OTHER_LIMIT_NO_PLAN = "other_limit_no_plan"
    INTERRUPTED = "interrupted"
    ERROR = "error"

    @property
    def has_plan(self) -> bool:
        """True when there is a feasible plan to report (optimal or not)."""
        return self in _WITH_PLAN

    @property
    def label(self) -> str:
        """Planner wording of the status."""
        return _LABELS[self]


_LABELS = {
    SolveStatus.OPTIMAL: "optimal",
    # A plan with integer decisions: proven within the relative gap ``solver.mip_gap`` of
    # the best possible, never called plain "optimal" (Plan.status_text gives the gap).
    SolveStatus.OPTIMAL_WITHIN_GAP: "optimal within the MIP gap",
    SolveStatus.INFEASIBLE: "infeasible: no plan meets every hard constraint",
    SolveStatus.UNBOUNDED: "unbounded: a cost or a limit is missing",
    SolveStatus.INFEASIBLE_OR_UNBOUNDED: "infeasible or unbounded",
    SolveStatus.TIME_LIMIT_FEASIBLE: "time limit reached: feasible plan, NOT proven optimal",
    SolveStatus.TIME_LIMIT_NO_PLAN: "time limit reached before any feasible plan was found",
    SolveStatus.ITERATION_LIMIT_FEASIBLE: "iteration limit reached: feasible plan, NOT proven optimal",
    SolveStatus.ITERATION_LIMIT_NO_PLAN: "iteration limit reached before any feasible plan was found",
    SolveStatus.OTHER_LIMIT_FEASIBLE: "stopped at a solver limit (objective or solution): feasible plan, "
    "NOT proven optimal",
    SolveStatus.OTHER_LIMIT_NO_PLAN: "stopped at a solver limit (objective or solution) before any feasible plan",
    SolveStatus.INTERRUPTED: "interrupted by the user before the solve finished: no plan",
    SolveStatus.ERROR: "solver error",
}

#: A stopped solve whose primal solution is feasible has a plan: the status it becomes.
_FEASIBLE_VARIANT = {
    SolveStatus.TIME_LIMIT_NO_PLAN: SolveStatus.TIME_LIMIT_FEASIBLE,
    SolveStatus.ITERATION_LIMIT_NO_PLAN: SolveStatus.ITERATION_LIMIT_FEASIBLE,
    SolveStatus.OTHER_LIMIT_NO_PLAN: SolveStatus.OTHER_LIMIT_FEASIBLE,
}
_WITH_PLAN = frozenset({SolveStatus.OPTIMAL, SolveStatus.OPTIMAL_WITHIN_GAP, *_FEASIBLE_VARIANT.values()})

_M = highspy.HighsModelStatus
#: HiGHS model status -> sopopt status. Limits are refined by the primal status; every
#: status not listed (load, model, presolve, solve and postsolve errors, memory limit,
#: unknown, not set) is a solver error.
STATUS_MAP: dict[Any, SolveStatus] = {
    _M.kOptimal: SolveStatus.OPTIMAL,
    _M.kModelEmpty: SolveStatus.OPTIMAL,
    _M.kInfeasible: SolveStatus.INFEASIBLE,
    _M.kUnbounded: SolveStatus.UNBOUNDED,
    _M.kUnboundedOrInfeasible: SolveStatus.INFEASIBLE_OR_UNBOUNDED,
    _M.kTimeLimit: SolveStatus.TIME_LIMIT_NO_PLAN,
    _M.kIterationLimit: SolveStatus.ITERATION_LIMIT_NO_PLAN,
    _M.kInterrupt: SolveStatus.INTERRUPTED,
    _M.kHighsInterrupt: SolveStatus.INTERRUPTED,
    _M.kSolutionLimit: SolveStatus.OTHER_LIMIT_NO_PLAN,
    _M.kObjectiveBound: SolveStatus.OTHER_LIMIT_NO_PLAN,
    _M.kObjectiveTarget: SolveStatus.OTHER_LIMIT_NO_PLAN,
}

#: HiGHS ``solver`` option for each method.
METHOD_OPTION = {"simplex": "simplex", "ipm": "ipm", "pdlp": "pdlp", "auto": "choose"}

#: ``method: auto`` uses interior point (with crossover, so a basis and vertex plan come
#: back) from this many LP columns up, and HiGHS's own choice (dual simplex) below it.
#: Measured in docs/benchmarks.md: at 1e5 columns IPM was 3.5x faster than simplex.
AUTO_IPM_COLUMNS = 50_000


def choose_method(method: str, columns: int) -> str:
    """The HiGHS ``solver`` option for a method and an LP size."""
    if method == "auto":
        return "ipm" if columns >= AUTO_IPM_COLUMNS else "choose"
    return METHOD_OPTION[method]


def classify(model_status: Any, primal_feasible: bool) -> SolveStatus:
    """The sopopt status of a HiGHS result: a solve stopped at a limit with a feasible
    primal solution has a plan (``*_feasible``); an interrupted solve never reports one;
    any status not in the map is an error."""
    status = STATUS_MAP.get(model_status, SolveStatus.ERROR)
    if primal_feasible:
        return _FEASIBLE_VARIANT.get(status, status)
    return status


class Phase(StrEnum):
    """What a solve is doing, in the order it happens."""

    LOAD = "load"
    BUILD = "build"
    PRESOLVE = "presolve"
    SIMPLEX = "simplex"
    IPM = "interior point"
    PDLP = "pdlp"
    CROSSOVER = "crossover"
    POSTSOLVE = "postsolve"
    SOLVED = "solved"
    EXTRACT = "extract"
    WRITE = "write"


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


@dataclass(frozen=True)
class SolveOptions:
    """How to run the solver (one object instead of many keyword arguments)."""

    time_limit: float | None = None
    threads: int | None = None
    method: str = "auto"
    options: dict[str, Any] = field(default_factory=dict)
    verbose: bool = False
    #: Relative gap at which a MIP counts as solved (``solver.mip_gap``).
    mip_gap: float = 1e-4
    on_progress: ProgressCallback | None = field(default=None, compare=False, repr=False)
    """Receives :class:`Progress` reports while solving (at most every 0.2 s, and at
    every change of phase); the command line shows them as a live status line."""
    stop: StopFlag | None = field(default=None, compare=False, repr=False)
    """When set, HiGHS is interrupted at its next callback and the result has status
    ``interrupted`` (SIGINT and SIGTERM do the same, then raise :class:`Interrupted`)."""

    def __post_init__(self) -> None:
        if self.method not in METHOD_OPTION:
            raise ValueError(f"method must be one of {', '.join(METHOD_OPTION)}, got {self.method!r}")
        # The allow-list and the caps hold for the API as for files and flags.
        problems = option_problems(self.options)
        rest = {k: v for k, v in self.options.items() if k not in CAPPED_OPTIONS}
        for name, check in (("time_limit", check_time_limit), ("threads", check_threads)):
            value = getattr(self, name)
            if value is None and name in self.options and not problems:
                value = self.options[name]
                object.__setattr__(self, name, value)
            if value is not None:
                try:
                    check(value)
                except ValueError as exc:
                    problems.append(Problem(None, name, str(exc)))
        if problems:
            raise ScenarioError(problems)
        object.__setattr__(self, "options", rest)

    @classmethod
    def from_settings(cls, settings: SolverSettings, **overrides: Any) -> SolveOptions:
        """Options from a scenario's ``solver`` block, with non-None overrides on top.

        Precedence: an override (a command-line flag) > the ``solver`` field >
        the ``solver.options`` entry of the same name (``threads``, ``time_limit``).
        """
        values = {
            "time_limit": settings.time_limit,
            "threads": settings.threads,
            "method": settings.method,
            "options": settings.options.model_dump(exclude_none=True),
            "mip_gap": settings.mip_gap,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def option_problems(options: dict[str, Any]) -> list[Problem]:
    """Problems with raw solver options given through the API (names off the allow-list,
    values out of range), one per option."""
    try:
        SolverOptions.model_validate(options)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            if error["type"] == "extra_forbidden":
                message, hint = refusal(name)
                problems.append(Problem(None, f"options.{name}", message, hint))
            else:
                problems.append(Problem(None, f"options.{name}", error["msg"].removeprefix("Value error, ")))
        return problems
    return []


@dataclass(frozen=True)
class LimitRange:
    """The range over which one binding bound keeps its dual: one row or column bound.

    ``value`` is the bound's current value (a row's right-hand side or a column's
    bound); ``low`` and ``high`` are the values the bound can take, with the optimal
    basis and hence the dual unchanged (``-inf``/``inf``: no end; ``nan``: unknown).
    ``dual`` is HiGHS's row dual or reduced cost (minimisation signs); ``side`` says which
    bound is active, ``lower`` or ``upper``; ``position`` is the row's or column's number
    in the LP.
    """

    value: float
    low: float
    high: float
    dual: float
    side: str
    position: int = -1


@dataclass(frozen=True)
class Ranging:
    """Sensitivity ranges of an optimal plan, from HiGHS ranging (``Highs.getRanging``).

    ``rows`` holds every row that is nonbasic (at a bound) and ``columns`` every column
    nonbasic at a finite bound, keyed by component name and index. ``note`` says why the
    ranges are unknown (``""`` when they are known: then ``rows`` and ``columns`` come
    from an optimal basis); without a basis ``columns`` still holds the columns at a
    bound with their reduced costs, ranges ``nan``. ``label`` says what the ranges are of
    when that is not the LP solved (a MIP: :data:`FIXED_MIP_LABEL`).
    """

    rows: dict[str, dict[Any, LimitRange]]
    columns: dict[str, dict[Any, LimitRange]]
    note: str = ""
    label: str = ""

    @property
    def known(self) -> bool:
        """True when the ranges come from an optimal basis."""
        return not self.note


@dataclass(frozen=True)
class Solution:
    """A solver result as plain numbers; no solver or Pyomo objects.

    ``values``, ``duals`` and ``slacks`` are keyed by component name, then index;
    ``costs`` holds the cost of each category (they sum to ``objective``) and
    ``period_costs`` the same split by period (one amount per period and category);
    ``ranging`` is set by :func:`compute_ranging` (``None``: not asked for).
    """

    status: SolveStatus
    objective: float | None
    values: dict[str, dict[Any, float]]
    duals: dict[str, dict[Any, float]]
    slacks: dict[str, dict[Any, float]]
    costs: dict[str, float]
    info: dict[str, Any]
    period_costs: dict[str, np.ndarray] = field(default_factory=dict)
    ranging: Ranging | None = None


def pass_lp(h: Any, lp: LinearProgram) -> Any:
    """Load an LP into a ``highspy.Highs`` (minimise), handing over the numpy buffers
    (no element-by-element copy); returns the HiGHS status."""
    return h.passModel(
        lp.num_col,
        lp.num_row,
        int(lp.a_value.size),
        int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMinimize),
        lp.offset,
        lp.col_cost,
        lp.col_lower,
        lp.col_upper,
        lp.row_lower,
        lp.row_upper,
        lp.a_start,
        lp.a_index,
        lp.a_value,
        _integrality(lp),
    )


def _integrality(lp: LinearProgram) -> np.ndarray:
    """HiGHS variable types (0 continuous, 1 integer); always a full array: an empty
    one is read past its end."""
    if lp.integrality is None:
        return np.zeros(lp.num_col, dtype=np.int32)
    return np.asarray(lp.integrality, dtype=np.int32)


def highs_lp(lp: LinearProgram) -> Any:
    """The LP as a ``highspy.HighsLp`` (a copy), e.g. to inspect or write it."""
    out = highspy.HighsLp()
    out.num_col_ = lp.num_col
    out.num_row_ = lp.num_row
    out.col_cost_ = lp.col_cost
    out.col_lower_ = lp.col_lower
    out.col_upper_ = lp.col_upper
    out.row_lower_ = lp.row_lower
    out.row_upper_ = lp.row_upper
    out.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    out.a_matrix_.start_ = lp.a_start
    out.a_matrix_.index_ = lp.a_index
    out.a_matrix_.value_ = lp.a_value
    out.a_matrix_.num_col_ = lp.num_col
    out.a_matrix_.num_row_ = lp.num_row
    out.offset_ = lp.offset
    if lp.is_mip:
        out.integrality_ = [highspy.HighsVarType(int(v)) for v in _integrality(lp)]
    return out


_banner_shown = False
_scheduler_threads: int | None = None


def new_highs() -> Any:
    """A ``highspy.Highs`` instance, keeping HiGHS's start-up banner off stdout."""
    global _banner_shown
    if _banner_shown:
        return highspy.Highs()
    _banner_shown = True
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no real stdout (e.g. an embedded interpreter)
        return highspy.Highs()
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        return highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def _configure(h: Any, options: SolveOptions) -> None:
    h.setOptionValue("output_flag", bool(options.verbose))
    if options.time_limit is not None:
        h.setOptionValue("time_limit", float(options.time_limit))
    global _scheduler_threads
    if options.threads != _scheduler_threads:
        # HiGHS keeps one thread pool per process; another size needs a fresh pool.
        highspy.Highs.resetGlobalScheduler(True)
        _scheduler_threads = options.threads
    if options.threads is not None:
        h.setOptionValue("threads", int(options.threads))
    h.setOptionValue("mip_rel_gap", float(options.mip_gap))  # a MIP's stopping gap; an LP ignores it
    for name, value in options.options.items():
        status = h.setOptionValue(name, value)
        if status != highspy.HighsStatus.kOk:
            raise SolverError(f"HiGHS rejected option {name}={value!r}")

#: (text in a HiGHS log line, phase it starts), checked in order.
_PHASE_LINES = (
    ("Presolving model", Phase.PRESOLVE),
    ("simplex solver", Phase.SIMPLEX),
    ("IPX model has", Phase.IPM),
    ("Running crossover", Phase.CROSSOVER),
    ("PDLP", Phase.PDLP),
    ("Performed postsolve", Phase.POSTSOLVE),
)
#: An interior point iteration line: iter, primal obj, dual obj, pinf, dinf, gap, time.
_IPM_LINE = re.compile(r"^\s*(\d+)\*?\s+(\S+)\s+(\S+)\s+\S+\s+\S+\s+(\S+)\s+[\d.]+\s*$")
#: A simplex report line: iteration, objective, then ``Ph1:``, ``Pr:`` or ``Du:``.
_SIMPLEX_LINE = re.compile(r"^\s*(\d+)\s+(\S+)\s+(?:Ph1|Pr|Du):")
_SIMPLEX_CALLBACK = highspy.cb.HighsCallbackType.kCallbackSimplexInterrupt


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class _Monitor:
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

    def detach(self, h: Any) -> None:
        """Unsubscribe again (a session is solved many times by sweeps)."""
        if self.logging:
            h.cbLogging -= self.on_log
            h.setOptionValue("output_flag", self.verbose)
            h.setOptionValue("log_to_console", True)
        h.cbSimplexInterrupt -= self.on_interrupt
        h.cbIpmInterrupt -= self.on_interrupt
        h.cbMipInterrupt -= self.on_interrupt

    def on_interrupt(self, event: Any) -> None:
        """HiGHS asks whether to stop: say yes once a stop was asked for."""
        if self.stopping():
            event.interrupt()
            return
        if event.callback_type == _SIMPLEX_CALLBACK and event.data_out.simplex_iteration_count >= 0:
            if self.phase not in (Phase.SIMPLEX, Phase.CROSSOVER, Phase.POSTSOLVE):
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
        self.on_progress(Progress(phase, time.perf_counter() - self.start, iterations or self.iterations,
                                  self.objective, self.gap, self.rows, self.columns))

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


@contextlib.contextmanager
def handling_stop_signals(handle: Callable[[int, Any], None]) -> Iterator[None]:
    """Within the block, ``handle`` receives SIGINT and SIGTERM; the previous handlers come
    back after it. Only on the main thread (elsewhere nothing changes), and a signal the
    process ignores (SIGINT of a background job) stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(sig) is not signal.SIG_IGN:
            previous[sig] = signal.signal(sig, handle)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)


class HighsSession:
    """A compiled LP loaded into HiGHS, ready to be solved and re-solved.

    Sweeps change numbers in place (:meth:`shift_row_bounds`, :meth:`set_col_upper`,
    :meth:`replace_numbers`; ``compiled`` always holds the numbers HiGHS holds) and
    solve again, either warm from the last basis or cold (:meth:`run` with
    ``warm=False`` clears the solver state so presolve runs again).
    """

    def __init__(self, compiled: LinearProgram, options: SolveOptions | None = None) -> None:
        self.compiled = compiled
        self.options = options or SolveOptions()
        self.highs = new_highs()
        _configure(self.highs, self.options)
        if compiled.num_col:
            pass_lp(self.highs, compiled)
        self.solver = choose_method(self.options.method, compiled.num_col)
        self.runs = 0
        #: For a MIP: the LP with the integers fixed, solved (set by compute_ranging).
        self.fixed_highs: Any = None
        self._keys: dict[str, list[tuple[str, Any]]] = {}

    def row_keys(self) -> list[tuple[str, Any]]:
        """(component name, index) of every row, in order (built once per session)."""
        if "rows" not in self._keys:
            self._keys["rows"] = self.compiled.row_keys()
        return self._keys["rows"]

    def column_keys(self) -> list[tuple[str, Any]]:
        """(component name, index) of every column, in order (built once per session)."""
        if "columns" not in self._keys:
            self._keys["columns"] = self.compiled.column_keys()
        return self._keys["columns"]

    def row_positions(self) -> dict[tuple[str, Any], int]:
        """Row number of each constraint, by (component name, index)."""
        return {key: i for i, key in enumerate(self.row_keys())}

    def col_positions(self) -> dict[tuple[str, Any], int]:
        """Column number of each variable, by (component name, index)."""
        return {key: j for j, key in enumerate(self.column_keys())}

    def shift_row_bounds(self, rows: np.ndarray, delta: np.ndarray) -> None:
        """Add ``delta`` to both bounds of the given rows (infinite bounds stay infinite)."""
        lp = self.compiled
        lower, upper = lp.row_lower.copy(), lp.row_upper.copy()
        lower[rows] += delta
        upper[rows] += delta
        lp.row_lower, lp.row_upper = lower, upper
        self.highs.changeRowsBounds(len(rows), rows.astype(np.int32), lower[rows], upper[rows])

    def set_col_upper(self, cols: np.ndarray, upper: np.ndarray) -> None:
        """Replace the upper bounds of the given columns."""
        lp = self.compiled
        col_upper = lp.col_upper.copy()
        col_upper[cols] = upper
        lp.col_upper = col_upper
        self.highs.changeColsBounds(len(cols), cols.astype(np.int32), lp.col_lower[cols], col_upper[cols])

    def replace_numbers(self, lp: LinearProgram) -> int:
        """Load the numbers of ``lp``, an LP of the same shape as the one loaded (same
        columns, rows and nonzero pattern), into HiGHS in place: costs, column and row
        bounds, matrix coefficients and the objective offset. Only entries that differ
        are passed; the basis is kept for a warm start. Returns how many changed."""
        old, h = self.compiled, self.highs
        changed = 0
        cols = np.flatnonzero(old.col_cost != lp.col_cost).astype(np.int32)
        if cols.size:
            h.changeColsCost(cols.size, cols, lp.col_cost[cols])
        changed += cols.size
        cols = np.flatnonzero((old.col_lower != lp.col_lower) | (old.col_upper != lp.col_upper)).astype(np.int32)
        if cols.size:
            h.changeColsBounds(cols.size, cols, lp.col_lower[cols], lp.col_upper[cols])
        changed += cols.size
        rows = np.flatnonzero((old.row_lower != lp.row_lower) | (old.row_upper != lp.row_upper)).astype(np.int32)
        if rows.size:
            h.changeRowsBounds(rows.size, rows, lp.row_lower[rows], lp.row_upper[rows])
        changed += rows.size
        entries = np.flatnonzero(old.a_value != lp.a_value)
        if entries.size:
            columns = np.searchsorted(lp.a_start, entries, side="right") - 1
            for k, j in zip(entries.tolist(), columns.tolist(), strict=True):
                h.changeCoeff(int(lp.a_index[k]), int(j), float(lp.a_value[k]))
        changed += entries.size
        if old.offset != lp.offset:
            h.changeObjectiveOffset(float(lp.offset))
            changed += 1
        self.compiled = lp
        return int(changed)

    def basis(self) -> Any:
        """The current simplex basis (a ``highspy.HighsBasis``), to restore later."""
        return self.highs.getBasis()

    def set_basis(self, basis: Any) -> None:
        """Start the next warm solve from this basis."""
        self.highs.setBasis(basis)

    def run(self, warm: bool = True) -> Solution:
        """Solve (again). ``warm=False`` discards the previous basis first.

        Progress goes to ``options.on_progress``; ``options.stop`` stops HiGHS early
        (status ``interrupted``).

        Raises:
            Interrupted: SIGINT or SIGTERM arrived while HiGHS ran; HiGHS was stopped
                through its interrupt callback first.
        """
        h = self.highs
        hot = warm and self.runs > 0
        if not warm and self.runs:
            h.clearSolver()
        # A warm re-solve starts dual simplex from the last basis; a cold one uses the
        # method chosen for the size.
        if "solver" not in self.options.options:  # a raw option given by the user wins
            h.setOptionValue("solver", "simplex" if hot else self.solver)
        compiled = self.compiled
        monitor = _Monitor(self.options, compiled)
        start = time.perf_counter()
        model_status = self._run_highs(monitor)
        seconds = time.perf_counter() - start
        self.runs += 1
        info = h.getInfo()
        iterations = int(info.simplex_iteration_count) + max(0, int(info.ipm_iteration_count))
        monitor.send(Phase.SOLVED, iterations)
        if monitor.signal is not None:
            raise Interrupted(monitor.signal, monitor.describe(iterations), iterations)
        status = classify(model_status, info.primal_solution_status == highspy.kSolutionStatusFeasible)
        if compiled.is_mip and status is SolveStatus.OPTIMAL:
            status = SolveStatus.OPTIMAL_WITHIN_GAP
        details = {
            "solver": "highs",
            "solver_version": h.version(),
            "highs_status": h.modelStatusToString(model_status),
            "method": self.options.method,
            "highs_solver": "simplex" if hot else self.solver,
            "warm_start": hot,
            "compile_seconds": compiled.seconds,
            "solve_seconds": seconds,
            "simplex_iterations": int(info.simplex_iteration_count),
            "ipm_iterations": int(info.ipm_iteration_count),
            "rows": compiled.num_row,
            "columns": compiled.num_col,
            "nonzeros": compiled.nonzeros,
            "mip": compiled.is_mip,
        }
        if compiled.is_mip:
            details.update(_mip_details(info, self.options))
        return self._solution(status, info, details)

    def _run_highs(self, monitor: _Monitor) -> Any:
        """Run HiGHS with the monitor attached; the HiGHS model status."""
        h = self.highs
        if not self.compiled.num_col:
            return _M.kModelEmpty
        if monitor.stopping():
            return _M.kInterrupt
        monitor.attach(h)
        try:
            monitor.report(force=True)
            with monitor.catching_signals():
                h.run()
        finally:
            monitor.detach(h)
        return h.getModelStatus()

    def _solution(self, status: SolveStatus, info: Any, details: dict[str, Any]) -> Solution:
        """Values, duals, slacks and costs read back from HiGHS (none without a plan)."""
        h, compiled = self.highs, self.compiled
        mapping_start = time.perf_counter()
        values: dict[str, dict[Any, float]] = {}
        duals: dict[str, dict[Any, float]] = {}
        slacks: dict[str, dict[Any, float]] = {}
        costs: dict[str, float] = {}
        period_costs: dict[str, np.ndarray] = {}
        objective: float | None = None
        if status.has_plan:
            objective = compiled.offset
            x = np.zeros(compiled.num_col)
            if compiled.num_col:
                solution = h.getSolution()
                objective = float(info.objective_function_value)
                # + 0.0 turns HiGHS's -0.0 into 0.0, so reports never print "-0".
                x = np.asarray(solution.col_value) + 0.0
                values = compiled.values(x)
                if solution.dual_valid:
                    duals = compiled.duals(np.asarray(solution.row_dual) + 0.0)
                elif compiled.is_mip and status is SolveStatus.OPTIMAL_WITHIN_GAP:
                    duals = compiled.duals(_fixed_duals(h, self.options) + 0.0)
                    details["duals_from"] = FIXED_MIP_LABEL
                lp = h.getLp()
                activity = np.asarray(solution.row_value)
                upper, lower = np.asarray(lp.row_upper_), np.asarray(lp.row_lower_)
                slack = np.where(np.isfinite(upper), upper - activity, activity - lower)
                slacks = compiled.duals(slack + 0.0)
            costs = {c: float(coefs @ x[cols]) for c, (cols, coefs) in compiled.cost_vectors.items()}
            period_costs = _period_costs(compiled, x)
        details["mapping_seconds"] = time.perf_counter() - mapping_start
        log.info("HiGHS %s in %.2fs (%s)", status.value, details["solve_seconds"], details["highs_status"])
        return Solution(status=status, objective=objective, values=values, duals=duals, slacks=slacks,
                        costs=costs, info=details, period_costs=period_costs)


def _mip_details(info: Any, options: SolveOptions) -> dict[str, Any]:
    """What the branch and bound established: the gap reached (relative, between the
    plan's cost and the best bound), the gap asked for, the bound and the nodes."""
    gap = float(info.mip_gap)
    return {
        "mip_gap": gap if math.isfinite(gap) else None,
        "mip_gap_tolerance": float(options.mip_gap),
        "mip_dual_bound": float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else None,
        "mip_nodes": int(info.mip_node_count),
    }


def _fixed_duals(h: Any, options: SolveOptions) -> np.ndarray:
    """Row duals of the MIP's LP with every integer decision fixed at its value."""
    fixed = _fixed_lp(h, options)
    return np.asarray(fixed.getSolution().row_dual, dtype=float)


def _period_costs(lp: LinearProgram, x: np.ndarray) -> dict[str, np.ndarray]:
    """Each cost category's amount per period (the columns' periods weight the terms)."""
    if not lp.num_col:
        return {c: np.zeros(0) for c in lp.cost_vectors}
    periods = lp.column_periods()
    size = int(periods.max()) + 1
    return {
        c: np.bincount(periods[cols], weights=coefs * x[cols], minlength=size) if cols.size else np.zeros(size)
        for c, (cols, coefs) in lp.cost_vectors.items()
    }


def solve_model(model: pyo.ConcreteModel, options: SolveOptions | None = None) -> Solution:
    """Solve a built model once and return its values and duals."""
    from sopopt.model.standard_form import compile_lp

    return HighsSession(compile_lp(model), options).run()


def raise_for_status(solution: Solution) -> None:
    """Raise the typed error for a result with no plan."""
    if solution.status is SolveStatus.INFEASIBLE:
        raise InfeasibleError("infeasible: no plan meets every hard constraint (demand, limits, targets)")
    if solution.status in (SolveStatus.UNBOUNDED, SolveStatus.INFEASIBLE_OR_UNBOUNDED):
        raise UnboundedError(f"{solution.status.label}")
    if not solution.status.has_plan:
        raise SolverError(f"{solution.status.label} (HiGHS: {solution.info.get('highs_status')})")


# --------------------------------------------------------------- infeasibility analysis


@dataclass(frozen=True)
class IisCandidate:
    """An infeasible subsystem reported by HiGHS: LP rows and the column bounds in it.

    ``lower`` and ``upper`` list columns whose lower (upper) bound takes part;
    ``irreducible`` is what HiGHS claims, to be verified by the caller.
    """

    rows: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    irreducible: bool
    seconds: float


#: HiGHS ``iis_strategy`` bits: start from the LP (not a dual ray), make it irreducible.
IIS_STRATEGY = int(highspy.IisStrategy.kIisStrategyFromLp) | int(highspy.IisStrategy.kIisStrategyIrreducible)


def highs_iis(lp: LinearProgram, time_limit: float | None = None, strategy: int = IIS_STRATEGY) -> IisCandidate | None:
    """HiGHS's irreducible infeasible subsystem of an LP (``Highs.getIis``), or None when
    HiGHS finds none (the LP is feasible, or its IIS facility gives up)."""
    start = time.perf_counter()
    h = new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("iis_strategy", int(strategy))
    if time_limit is not None:
        h.setOptionValue("time_limit", float(max(time_limit, 0.01)))
    pass_lp(h, lp)
    status, iis = h.getIis()
    if status == highspy.HighsStatus.kError or not iis.valid_ or not len(iis.row_index_) + len(iis.col_index_):
        return None
    bound = highspy.IisBoundStatus
    lower, upper = [], []
    for col, kind in zip(iis.col_index_, iis.col_bound_, strict=True):
        if kind in (int(bound.kIisBoundStatusLower), int(bound.kIisBoundStatusBoxed)):
            lower.append(col)
        if kind in (int(bound.kIisBoundStatusUpper), int(bound.kIisBoundStatusBoxed)):
            upper.append(col)
    return IisCandidate(
        rows=np.asarray(iis.row_index_, dtype=np.int64),
        lower=np.asarray(lower, dtype=np.int64),
        upper=np.asarray(upper, dtype=np.int64),
        irreducible=bool(int(iis.strategy_) & int(highspy.IisStrategy.kIisStrategyIrreducible)),
        seconds=time.perf_counter() - start,
    )


def feasibility(lp: LinearProgram, time_limit: float | None = None) -> SolveStatus:
    """Whether an LP has a feasible point (its costs are ignored): ``optimal`` (feasible),
    ``infeasible``, or ``time_limit_no_plan`` when the limit stopped the check."""
    h = new_highs()
    h.setOptionValue("output_flag", False)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(max(time_limit, 0.01)))
    if not lp.num_col:
        return SolveStatus.OPTIMAL if _empty_rows_hold(lp) else SolveStatus.INFEASIBLE
    pass_lp(h, lp)
    h.changeColsCost(lp.num_col, np.arange(lp.num_col, dtype=np.int32), np.zeros(lp.num_col))
    h.run()
    status = classify(h.getModelStatus(), False)
    if status is SolveStatus.INFEASIBLE_OR_UNBOUNDED:
        # With a zero objective nothing is unbounded: presolve could not tell which.
        h.setOptionValue("presolve", "off")
        h.run()
        status = classify(h.getModelStatus(), False)
    return status


def _empty_rows_hold(lp: LinearProgram) -> bool:
    return bool(np.all(lp.row_lower <= 0) and np.all(lp.row_upper >= 0))


#: HiGHS ``simplex_strategy`` values: dual (the default) and primal simplex.
SIMPLEX_DUAL, SIMPLEX_PRIMAL = 1, 4


class ElasticSession(HighsSession):
    """A session for a sequence of solves of one LP with changing costs and row bounds
    (lexicographic minimisation): each solve starts warm from the last basis."""

    def set_costs(self, cost: np.ndarray) -> None:
        """Replace the whole objective vector (the next solve runs primal simplex: the
        last basis stays primal feasible)."""
        n = self.compiled.num_col
        self.highs.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(cost, dtype=float))
        self._strategy = SIMPLEX_PRIMAL

    def set_row_bounds(self, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Replace the bounds of the given rows."""
        self.highs.changeRowsBounds(len(rows), np.asarray(rows, dtype=np.int32), lower, upper)

    def set_col_bounds(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Replace the bounds of the given columns (the next solve runs dual simplex:
        the last basis stays dual feasible)."""
        self.highs.changeColsBounds(len(cols), np.asarray(cols, dtype=np.int32), lower, upper)
        self._strategy = SIMPLEX_DUAL

    def optimise(self, *, cold: bool = False, by_size: bool = False) -> tuple[SolveStatus, float | None, np.ndarray | None]:
        """Solve; the status, objective and column values.

        After the first run the solve starts warm from the last basis (primal simplex
        after a change of costs, dual after a change of bounds), unless ``cold``. A cold
        or first solve runs dual simplex (violation objectives of an elastic LP are
        quick for it), or with ``by_size`` the method chosen for the LP's size (for an
        objective like the plan's own costs).
        """
        h = self.highs
        warm = self.runs > 0 and not cold
        if cold and self.runs:
            h.clearSolver()
        if "solver" not in self.options.options:
            h.setOptionValue("solver", self.solver if by_size and not warm else "simplex")
            h.setOptionValue("simplex_strategy", getattr(self, "_strategy", SIMPLEX_DUAL) if warm else SIMPLEX_DUAL)
        h.run()
        self.runs += 1
        info = h.getInfo()
        status = classify(h.getModelStatus(), info.primal_solution_status == highspy.kSolutionStatusFeasible)
        if not status.has_plan:
            return status, None, None
        return status, float(info.objective_function_value), np.asarray(h.getSolution().col_value) + 0.0
# --------------------------------------------------------------------------- ranging and basis rates

#: What the ranges of a MIP plan are of: HiGHS ranges the LP left when every integer
#: decision is fixed at its value in the plan (``Highs.getFixedLp``).
FIXED_MIP_LABEL = "LP with the integer decisions fixed at their plan values"

#: Why a solver method leaves no basis (HiGHS option ``solver`` -> reason).
NO_BASIS_REASONS = {
    "ipm": "interior point without crossover leaves no basis",
    "pdlp": "PDLP (a first-order method) leaves no basis",
}

_B = highspy.HighsBasisStatus
#: Basis status -> active side of a nonbasic row or column.
_SIDE = {int(_B.kLower): "lower", int(_B.kUpper): "upper"}


def compute_ranging(
    session: HighsSession,
    solution: Solution,
    rows: Collection[str] | None = None,
    columns: Collection[str] | None = None,
) -> Ranging:
    """Ranges of the nonbasic rows and bounds of the session's last solve.

    ``rows`` and ``columns`` name the components to range (``None``: all); a column
    at a lower bound of zero (a quantity that is simply not used) is not listed.
    Ranges need an optimal basis: for a plan that is not proven optimal, or a method
    that leaves no basis (interior point without crossover, PDLP), ``note`` says so and
    only the columns at a bound are listed, with their reduced costs. For a MIP the
    ranges are those of the LP with the integer decisions fixed (``label``).
    """
    h = session.highs
    if not solution.status.has_plan or not session.compiled.num_col:
        return Ranging({}, {}, note="no plan")
    if solution.status not in (SolveStatus.OPTIMAL, SolveStatus.OPTIMAL_WITHIN_GAP):
        return _unranged(session, "range unknown: the plan is not proven optimal", columns)
    integer = np.asarray(h.getLp().integrality_, dtype=int) > 0
    label = ""
    session.fixed_highs = None
    if integer.any():
        h = session.fixed_highs = _fixed_lp(h, session.options)
        label = FIXED_MIP_LABEL
    if not h.getBasis().valid:
        value = h.getOptionValue("solver")  # highspy 1.16: (status, value)
        solver = str(value[1] if isinstance(value, tuple) else value)
        reason = NO_BASIS_REASONS.get(solver, "the solver returned no basis")
        return _unranged(session, f"range unknown: {reason}", columns)
    status, ranging = h.getRanging()
    if status != highspy.HighsStatus.kOk or not ranging.valid:
        return _unranged(session, "range unknown: HiGHS could not range this basis", columns)
    return _ranged(session, h, ranging, (rows, columns), skip_columns=integer, label=label)


def _fixed_lp(h: Any, options: SolveOptions) -> Any:
    """A fresh HiGHS holding the LP of ``h``'s MIP with the integers fixed, solved."""
    status, lp = h.getFixedLp()
    if status != highspy.HighsStatus.kOk:
        raise SolverError("HiGHS could not fix the integer decisions of the MIP plan")
    fixed = new_highs()
    _configure(fixed, options)
    fixed.passModel(lp)
    fixed.setOptionValue("solver", "simplex")
    fixed.run()
    return fixed


def _statuses(statuses: list[Any]) -> np.ndarray:
    return np.fromiter((int(s) for s in statuses), dtype=np.int64, count=len(statuses))


def _wanted(keys: list[tuple[str, Any]], components: Collection[str] | None) -> np.ndarray:
    """True for the entries of the given components (all when None)."""
    if components is None:
        return np.ones(len(keys), dtype=bool)
    return np.isin(np.array([name for name, _ in keys], dtype=object), list(components))


def _ranged(
    session: HighsSession,
    h: Any,
    ranging: Any,
    components: tuple[Collection[str] | None, Collection[str] | None],
    skip_columns: np.ndarray,
    label: str,
) -> Ranging:
    lp, basis, solution = h.getLp(), h.getBasis(), h.getSolution()
    row_status, col_status = _statuses(basis.row_status), _statuses(basis.col_status)
    row_keys, col_keys = session.row_keys(), session.column_keys()
    col_lower = np.asarray(lp.col_lower_)
    zero_floor = (col_status == int(_B.kLower)) & (col_lower == 0.0)
    rows = _limit_ranges(
        row_keys, row_status, np.asarray(lp.row_lower_), np.asarray(lp.row_upper_), np.asarray(solution.row_dual),
        (ranging.row_bound_dn, ranging.row_bound_up), ~_wanted(row_keys, components[0]),
    )
    columns = _limit_ranges(
        col_keys, col_status, col_lower, np.asarray(lp.col_upper_), np.asarray(solution.col_dual),
        (ranging.col_bound_dn, ranging.col_bound_up), skip_columns | zero_floor | ~_wanted(col_keys, components[1]),
    )
    return Ranging(rows, columns, label=label)


def _limit_ranges(
    keys: list[tuple[str, Any]],
    status: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    dual: np.ndarray,
    ends: tuple[Any, Any],
    skip: np.ndarray,
) -> dict[str, dict[Any, LimitRange]]:
    """A :class:`LimitRange` for every nonbasic entry at a finite bound (but ``skip``)."""
    down, up = ends
    at_upper = status == int(_B.kUpper)
    at_lower = status == int(_B.kLower)
    value = np.where(at_upper, upper, lower)
    chosen = np.flatnonzero((at_upper | at_lower) & np.isfinite(value) & ~skip)
    low, high = np.asarray(down.value_)[chosen], np.asarray(up.value_)[chosen]
    out: dict[str, dict[Any, LimitRange]] = {}
    for k, i in enumerate(chosen.tolist()):
        name, index = keys[i]
        side = "upper" if at_upper[i] else "lower"
        out.setdefault(name, {})[index] = LimitRange(
            float(value[i]), float(low[k]), float(high[k]), float(dual[i]) + 0.0, side, i
        )
    return out


def _unranged(session: HighsSession, note: str, components: Collection[str] | None = None) -> Ranging:
    """Columns at a bound with their reduced costs, no ranges: when there is no basis."""
    h = session.highs
    lp, solution = h.getLp(), h.getSolution()
    x = np.asarray(solution.col_value)
    lower, upper = np.asarray(lp.col_lower_), np.asarray(lp.col_upper_)
    dual = np.asarray(solution.col_dual) if solution.dual_valid else np.zeros_like(x)
    tolerance = 1e-7 * np.maximum(1.0, np.abs(x))
    with np.errstate(invalid="ignore"):
        at_upper = np.isfinite(upper) & (np.abs(x - upper) <= tolerance)
        at_lower = ~at_upper & np.isfinite(lower) & (lower != 0.0) & (np.abs(x - lower) <= tolerance)
    keys = session.column_keys()
    at_upper &= _wanted(keys, components)
    at_lower &= _wanted(keys, components)
    columns: dict[str, dict[Any, LimitRange]] = {}
    for i in np.flatnonzero(at_upper | at_lower).tolist():
        name, index = keys[i]
        side = "upper" if at_upper[i] else "lower"
        bound = float(upper[i] if at_upper[i] else lower[i])
        columns.setdefault(name, {})[index] = LimitRange(bound, math.nan, math.nan, float(dual[i]) + 0.0, side, i)
    return Ranging({}, columns, note=note)


def basis_rates(session: HighsSession, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How fast ``weights @ x`` moves with each nonbasic row's and column's bound.

    With the optimal basis ``B`` held fixed, moving the active bound of nonbasic row
    ``i`` by ``delta`` moves the basic variables by ``B^-1 e_i delta``, and moving the
    bound of nonbasic column ``j`` (so ``x_j`` itself) moves them by
    ``-B^-1 a_j delta``. With ``pi = B^-T c_B`` (one ``getBasisTransposeSolve``, ``c_B``
    the weights of the basic variables) the rates are ``pi_i`` for rows and
    ``w_j - pi @ a_j`` for columns. They hold while the basis stays optimal (within
    the ranges of :func:`compute_ranging`). Basic rows and columns get rate 0. For a
    MIP the basis is that of the LP with the integers fixed (after
    :func:`compute_ranging`).

    Returns:
        (row rates, column rates), one per LP row and column.
    """
    h = session.highs if session.fixed_highs is None else session.fixed_highs
    lp = session.compiled
    status, basic = h.getBasicVariables()
    if status != highspy.HighsStatus.kOk:
        raise SolverError("no basis to take rates from: solve to optimality with a basis first")
    basic = np.asarray(basic, dtype=np.int64)
    weights = np.asarray(weights, dtype=float)
    c_basic = np.where(basic >= 0, weights[np.maximum(basic, 0)], 0.0)
    status, pi = h.getBasisTransposeSolve(c_basic)
    if status != highspy.HighsStatus.kOk:
        raise SolverError("HiGHS could not solve with the basis")
    pi = np.asarray(pi, dtype=float)
    matrix = sp.csc_matrix((lp.a_value, lp.a_index, lp.a_start), shape=(lp.num_row, lp.num_col))
    col_rates = weights - matrix.T @ pi
    col_rates[basic[basic >= 0]] = 0.0
    row_rates = pi.copy()
    row_rates[-1 - basic[basic < 0]] = 0.0
    return row_rates + 0.0, col_rates + 0.0
