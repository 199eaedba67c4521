"""Solver options a scenario may set: an allow-list of HiGHS tuning options, and the caps
on threads and time limit.

A scenario file is data, and may come from someone else. HiGHS options can name files
(``solution_file``, ``log_file``, ...), write output (``write_model_to_file``) or change
logging, so a file may only set the documented *tuning* options listed in
:data:`SOLVER_OPTIONS` (tolerances, presolve, scaling, simplex/IPM/PDLP strategy and
iteration limits, crossover, random seed, MIP gaps and limits). Everything else is
refused by ``sopopt validate`` at file and line, with a did-you-mean.

``threads`` and ``time_limit`` are capped the same way whether they come from a command
line flag, a ``solver`` field or a ``solver.options`` entry: :func:`check_threads`
(at most the number of cores this process may use) and :func:`check_time_limit`.
"""

from __future__ import annotations

import difflib
import math
import os
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, create_model

#: Longest time limit accepted, in seconds (about 116 days).
MAX_TIME_LIMIT = 1e7
#: Largest iteration or node limit accepted (HiGHS's own maximum).
MAX_INT = 2_147_483_647


def usable_cores() -> int:
    """Cores this process may run on (``os.sched_getaffinity``; ``os.cpu_count`` where
    the platform has no affinity)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def check_threads(value: int) -> int:
    """``value`` if it is a usable number of solver threads, else ValueError.

    More threads than usable cores only add contention; far more make HiGHS's thread
    pool exhaust memory and abort the process.
    """
    cores = usable_cores()
    if value < 1:
        raise ValueError(f"threads must be at least 1, got {value}")
    if value > cores:
        raise ValueError(f"{value} is more than the {cores} cores this process may use")
    return value


def check_time_limit(value: float) -> float:
    """``value`` if it is a usable time limit in seconds, else ValueError."""
    if not math.isfinite(value) or not 0 < value <= MAX_TIME_LIMIT:
        raise ValueError(f"the time limit must be above 0 and at most {MAX_TIME_LIMIT:g} seconds, got {value}")
    return float(value)


#: Solver threads, capped at the usable cores (field, option and flag alike).
Threads = Annotated[int, AfterValidator(check_threads)]
#: Seconds, above 0 and at most :data:`MAX_TIME_LIMIT` (field, option and flag alike).
TimeLimit = Annotated[float, AfterValidator(check_time_limit)]


@dataclass(frozen=True)
class OptionSpec:
    """One allowed HiGHS option: its type, the values accepted, and what it does."""

    kind: Literal["bool", "int", "float", "choice"]
    meaning: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()

    def annotation(self) -> Any:
        """The pydantic type of the option's value."""
        if self.kind == "bool":
            return bool
        if self.kind == "choice":
            return Literal[self.choices]
        base = int if self.kind == "int" else float
        return Annotated[base, Field(ge=self.low, le=self.high, allow_inf_nan=False)]

    def accepted(self) -> str:
        """The accepted values, for the docs."""
        if self.kind == "bool":
            return "true / false"
        if self.kind == "choice":
            return " / ".join(f"`{c}`" for c in self.choices)
        return f"{self.kind}, {self.low:g} to {self.high:g}"


def _tolerance(meaning: str, low: float = 1e-10) -> OptionSpec:
    return OptionSpec("float", meaning, low, 1e-1)


def _limit(meaning: str, low: int = 0) -> OptionSpec:
    return OptionSpec("int", meaning, low, MAX_INT)


_ON_OFF = ("off", "choose", "on")

#: The HiGHS options a scenario may set (``solver.options``), with what each accepts.
#: A test checks every one against the options HiGHS itself exposes.
SOLVER_OPTIONS: dict[str, OptionSpec] = {
    "presolve": OptionSpec("choice", "Presolve", choices=_ON_OFF),
    "solver": OptionSpec("choice", "LP algorithm (overrides `method`)",
                         choices=("choose", "simplex", "ipm", "ipx", "pdlp")),
    "parallel": OptionSpec("choice", "Parallel simplex", choices=_ON_OFF),
    "run_crossover": OptionSpec("choice", "Crossover after interior point", choices=_ON_OFF),
    "random_seed": _limit("Random seed used in HiGHS"),
    "kkt_tolerance": _tolerance("Tolerance used for all feasibility and optimality measures when set"),
    "primal_feasibility_tolerance": _tolerance("Primal feasibility tolerance"),
    "dual_feasibility_tolerance": _tolerance("Dual feasibility tolerance"),
    "primal_residual_tolerance": _tolerance("Primal residual tolerance"),
    "dual_residual_tolerance": _tolerance("Dual residual tolerance"),
    "optimality_tolerance": _tolerance("Optimality tolerance"),
    "ipm_optimality_tolerance": _tolerance("Interior point optimality tolerance", 1e-12),
    "pdlp_optimality_tolerance": _tolerance("PDLP optimality tolerance"),
    "user_objective_scale": OptionSpec("int", "Power-of-two exponent scaling the objective", -50, 50),
    "user_bound_scale": OptionSpec("int", "Power-of-two exponent scaling the bounds", -50, 50),
    "simplex_strategy": OptionSpec("int", "Simplex: 0 choose, 1 dual serial, 2 dual SIP, 3 dual PAMI, 4 primal",
                                   0, 4),
    "simplex_scale_strategy": OptionSpec(
        "int", "Simplex scaling: 0 off, 1 choose, 2 equilibration, 3 forced equilibration, 4 max value", 0, 4),
    "simplex_dual_edge_weight_strategy": OptionSpec(
        "int", "Dual edge weights: -1 choose, 0 Dantzig, 1 Devex, 2 steepest edge", -1, 2),
    "simplex_primal_edge_weight_strategy": OptionSpec(
        "int", "Primal edge weights: -1 choose, 0 Dantzig, 1 Devex, 2 steepest edge", -1, 2),
    "simplex_iteration_limit": _limit("Simplex iteration limit"),
    "simplex_update_limit": _limit("Simplex updates between refactorisations"),
    "simplex_max_concurrency": OptionSpec("int", "Largest concurrency of parallel simplex", 1, 8),
    "ipm_iteration_limit": _limit("Interior point iteration limit"),
    "pdlp_iteration_limit": _limit("PDLP iteration limit"),
    "pdlp_scaling_mode": OptionSpec("int", "PDLP scaling (sum of 1 Ruiz, 2 L2, 4 PC)", 0, 7),
    "mip_rel_gap": OptionSpec("float", "Relative MIP gap at which the MIP is optimal", 0, 1),
    "mip_abs_gap": OptionSpec("float", "Absolute MIP gap at which the MIP is optimal", 0, 1e12),
    "mip_feasibility_tolerance": _tolerance("MIP integrality tolerance"),
    "mip_max_nodes": _limit("MIP node limit"),
    "mip_max_stall_nodes": _limit("MIP nodes without improvement before stopping"),
    "mip_max_leaves": _limit("MIP leaf node limit"),
    "mip_heuristic_effort": OptionSpec("float", "Share of MIP effort on heuristics", 0, 1),
    "mip_detect_symmetry": OptionSpec("bool", "Detect MIP symmetry"),
}

#: Names accepted in ``solver.options`` besides the allow-list: set the same way as the
#: ``solver`` fields of the same name (and capped the same way).
CAPPED_OPTIONS = ("threads", "time_limit")

_FILE_WORDS = ("file",)
_OUTPUT_WORDS = ("write_", "solution_style", "glpsol", "improving_solution", "ranging")
_LOG_WORDS = ("log", "output_flag", "debug", "analysis", "report", "timeless")


def refusal(name: str) -> tuple[str, str]:
    """Why ``name`` is refused in ``solver.options``: (message, hint)."""
    if any(word in name for word in _OUTPUT_WORDS):
        why = "writes or changes output"
    elif any(word in name for word in _FILE_WORDS):
        why = "names a file"
    elif any(word in name for word in _LOG_WORDS):
        why = "changes logging (use --verbose for the solver log)"
    else:
        close = difflib.get_close_matches(name, [*SOLVER_OPTIONS, *CAPPED_OPTIONS], n=1)
        hint = f"did you mean '{close[0]}'?" if close else "see the list of solver options in docs/format.md"
        return f"'{name}' is not a solver option a scenario may set", hint
    return (f"'{name}' {why}: a scenario may only set tuning options",
            "see the list of solver options in docs/format.md")


def _options_model() -> Any:
    fields: dict[str, Any] = {
        name: (spec.annotation() | None, Field(default=None, description=spec.meaning))
        for name, spec in SOLVER_OPTIONS.items()
    }
    fields["threads"] = (Threads | None, Field(default=None, description="Same as `solver.threads`"))
    fields["time_limit"] = (TimeLimit | None, Field(default=None, description="Same as `solver.time_limit`"))
    config = ConfigDict(extra="forbid", frozen=True, strict=True)
    return create_model("SolverOptions", __config__=config, __doc__="HiGHS tuning options (the allow-list).",
                        **fields)


#: ``solver.options`` as a schema model: only allow-listed names, each checked.
SolverOptions = _options_model()
