"""How to run the solver: :class:`SolveOptions` (one object instead of many keyword
arguments), checked against the allow-list and caps of the scenario's ``solver`` block,
and the HiGHS method chosen for a method name and an LP size (:func:`choose_method`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from sopopt.errors import Problem, ScenarioError
from sopopt.inputs.schema.scenario import SolverSettings
from sopopt.inputs.schema.solver_options import CAPPED_OPTIONS, SolverOptions, check_threads, check_time_limit, refusal
from sopopt.solver.progress import ProgressCallback, StopFlag

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
