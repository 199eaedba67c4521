"""Typed errors raised by sopopt, and the exit code of each (stated here once).

Every error a user can cause derives from :class:`SopoptError`; the CLI turns it into a
readable message and its ``exit_code``, never a traceback (see :data:`EXIT_CODES`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """The exit codes of the ``sopopt`` command line."""

    OK = 0
    INVALID = 2
    NO_PLAN = 3
    NOT_OPTIMAL = 4
    OUTPUT = 5


#: What each exit code means (the CLI's help and docstring list these).
EXIT_CODES: dict[int, str] = {
    ExitCode.OK: "success (a closed pipe, as in `sopopt ... | head`, too)",
    ExitCode.INVALID: "invalid input (every problem listed with file, line and field)",
    ExitCode.NO_PLAN: "no plan (infeasible, unbounded, a limit reached without a plan, solver error)",
    ExitCode.NOT_OPTIMAL: "a plan was found but is not proven optimal (time or iteration limit)",
    ExitCode.OUTPUT: "an output could not be written (`--out` is a file, a folder that is not a result folder, "
    "a read-only folder, the disk is full)",
    130: "stopped by Ctrl-C (SIGINT), 143 by SIGTERM (128 + the signal number), with one line saying what was "
    "stopped",
}


@dataclass(frozen=True)
class Location:
    """Where a value came from: file, 1-based line and column (0 when unknown)."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line and self.column:
            return f"{self.file}:{self.line}:{self.column}"
        if self.line:
            return f"{self.file}:{self.line}"
        return self.file


@dataclass(frozen=True)
class Problem:
    """One problem found in the input: where, which field, what is wrong, and a hint."""

    location: Location | None
    field: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        field = f"{self.field}: " if self.field else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}{field}{self.message}{hint}"


class SopoptError(Exception):
    """Base class of every error sopopt raises on purpose (by default a problem with what
    was asked: exit 2)."""

    exit_code: int = ExitCode.INVALID


class ScenarioError(SopoptError):
    """The input files are invalid. Lists every problem found, not just the first."""

    exit_code = ExitCode.INVALID

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        header = f"{count} problem{'s' if count != 1 else ''} in the input:"
        super().__init__("\n".join([header, *(f"  - {p}" for p in self.problems)]))


class SolverError(SopoptError):
    """The solver failed, or returned no usable plan."""

    exit_code = ExitCode.NO_PLAN


class InfeasibleError(SolverError):
    """No plan satisfies every hard constraint."""


class UnboundedError(SolverError):
    """The cost can be made arbitrarily low: a cost or a limit is missing."""


#: Every kind of warning, by code: when it is given. Found before the solve by
#: :mod:`sopopt.inputs.warnings`, after it by :func:`sopopt.results.plan.run_down_warnings`.
WARNING_CODES: dict[str, str] = {
    "no-demand": "a product has no demand anywhere in the horizon",
    "unreachable-demand": "demand at a site that nothing can supply: the product is not made there, and no lane, "
    "scheduled receipt, subcontracting or opening stock leads to it",
    "zero-capacity": "a resource, workforce pool (crew) or supplier that products use has zero capacity in every "
    "period",
    "demand-outlier": "a demand value more than 100 times the product's median non-zero demand (a unit or typing "
    "slip?)",
    "undated-periods": "period labels that are not dates (months, ISO weeks or days) and no `periods.days`: days of "
    "cover would count each period as one day",
    "safety-stock-no-effect": "a safety stock with no `safety_stock_cost` and not `hard`: the plan is free to ignore "
    "it",
    "shelf-life-lead-time": "a product's shelf life is shorter than the lead time of a lane that carries it: it "
    "would expire in transit, so the lane cannot carry it",
    "run-down": "after the solve: a product's closing stock in the last period is below 10% of its opening stock "
    "while no `ending_inventory` is set (the plan sells off stock needed after the horizon)",
}


@dataclass(frozen=True)
class DataWarning:
    """Something valid but suspicious in the input or the plan: worth a look, not an error.

    ``code`` names the kind of warning (:data:`WARNING_CODES`); ``--strict`` in
    the CLI (or ``load_case(..., strict=True)``) turns every warning into an error.
    """

    code: str
    location: Location | None
    field: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        return str(self.as_problem()) + f" [{self.code}]"

    def as_problem(self) -> Problem:
        """The warning as an input problem (what ``--strict`` raises)."""
        return Problem(self.location, self.field, self.message, self.hint)

    def as_dict(self) -> dict[str, object]:
        """Plain values for ``run.json``."""
        where = self.location
        return {
            "code": self.code,
            "file": where.file if where else None,
            "line": where.line if where and where.line else None,
            "column": where.column if where and where.column else None,
            "field": self.field,
            "message": self.message,
            "hint": self.hint,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> DataWarning:
        """Read back what :meth:`as_dict` wrote."""
        file = data.get("file")
        location = Location(str(file), int(data.get("line") or 0), int(data.get("column") or 0)) if file else None  # type: ignore[call-overload]
        return cls(str(data.get("code", "")), location, str(data.get("field") or ""), str(data.get("message") or ""),
                   str(data.get("hint") or ""))


class StrictError(ScenarioError):
    """``--strict`` was asked for and the case (or its plan) has warnings."""

    def __init__(self, warnings: list[DataWarning]) -> None:
        self.warnings = list(warnings)
        super().__init__([w.as_problem() for w in self.warnings])
        count = len(self.warnings)
        self.args = ("\n".join([f"{count} warning{'s' if count != 1 else ''} (--strict makes them errors):",
                                *(f"  - {w}" for w in self.warnings)]),)


class OutputError(SopoptError):
    """An output file or folder could not be written (not a folder, no permission, disk
    full, ...). The message names the path; nothing half-written is left in its place."""

    exit_code = ExitCode.OUTPUT

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"cannot write '{path}': {reason}")


class Interrupted(KeyboardInterrupt):
    """The user stopped sopopt with a signal (Ctrl-C is SIGINT, ``kill`` is SIGTERM).

    A ``KeyboardInterrupt``, so code that handles Ctrl-C keeps working; ``what`` says
    what was stopped (e.g. ``interior point, iteration 8, 2.0 s into the solve``). The
    command line exits with ``128 + signal number`` (130 for SIGINT, 143 for SIGTERM).
    """

    def __init__(self, signum: int, what: str = "", iterations: int | None = None) -> None:
        self.signum = signum
        self.what = what
        self.iterations = iterations
        super().__init__(f"interrupted by {self.signal_name}" + (f" during {what}" if what else ""))

    @property
    def signal_name(self) -> str:
        """``SIGINT``, ``SIGTERM``, ..."""
        import signal

        try:
            return signal.Signals(self.signum).name
        except ValueError:
            return f"signal {self.signum}"

    @property
    def exit_code(self) -> int:
        """The shell convention for a process ended by a signal: 128 + its number."""
        return 128 + self.signum
