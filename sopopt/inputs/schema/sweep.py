"""The file format of a sweep: many cases of one business, solved in one go.

A sweep file names where its cases start from and how they vary:

- ``scenarios``: a list of scenario files or glob patterns (one case per file); or
- ``base`` (one scenario) and ``grid``: one case per combination of the values of every
  grid axis, each axis being one adjustment whose ``multiply``, ``add`` or ``set`` is a
  list of values (e.g. floor-care demand x a supplier's capacity x an overtime cap).

``scenarios`` and ``grid`` combine: every file is then crossed with the grid. The number
of cases is capped by ``max_cases`` (default :data:`DEFAULT_MAX_CASES`; the command line's
``--max-cases`` overrides it) and counted before any case is made.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictStr, model_validator

from sopopt.inputs.schema.network import MAX_MAGNITUDE, Name, Strict
from sopopt.inputs.schema.scenario import AdjustTarget, Scope
from sopopt.inputs.schema.solver_options import TimeLimit

#: Largest number of cases a sweep may have unless its file or the command line allows
#: more: a grid grows as the product of its axes, and each case costs a solve.
DEFAULT_MAX_CASES = 10_000

#: Hard ceiling on ``max_cases``, whatever a file or the command line asks for.
CASE_CEILING = 1_000_000

Factor = Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)]
Amount = Annotated[float, Field(ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE, allow_inf_nan=False)]
Value = Annotated[float, Field(ge=0, le=MAX_MAGNITUDE, allow_inf_nan=False)]


class GridAxis(Strict):
    """One axis of a grid: an adjustment tried with each of a list of values.

    The scope fields work as in ``adjust`` entries; exactly one of ``multiply``, ``add``
    and ``set`` lists the values to try (``new = old * multiply``, ``old + add`` or ``set``).
    """

    target: AdjustTarget
    """Which input to change (the adjustment targets of scenario files)."""
    multiply: Annotated[list[Factor], Field(min_length=1, max_length=10_000)] | None = None
    """Factors to try (1.2 = +20%)."""
    add: Annotated[list[Amount], Field(min_length=1, max_length=10_000)] | None = None
    """Amounts to add (may be negative; results below 0 become 0)."""
    set: Annotated[list[Value], Field(min_length=1, max_length=10_000)] | None = None
    """Values to set outright."""
    periods: Scope | None = None
    """A label, a ``FIRST..LAST`` range, or a list of them. Absent: all periods."""
    product: Scope | None = None
    """Product name(s)."""
    family: Scope | None = None
    """Product family name(s)."""
    site: Scope | None = None
    """Site name(s)."""
    resource: Scope | None = None
    """Resource name(s)."""
    workforce: Scope | None = None
    """Workforce pool name(s)."""
    supplier: Scope | None = None
    """Supplier name(s)."""
    lane: Scope | None = None
    """Lane name(s)."""
    name: Scope | None = None
    """Target name(s), for ``target_value``."""
    option: Scope | None = None
    """Capacity option name(s) (target ``option``: ``set: [0, 1]`` tries it out and in)."""

    @model_validator(mode="after")
    def _one_value_list(self) -> GridAxis:
        given = [name for name in ("multiply", "add", "set") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'multiply', 'add' or 'set', as a list of values to try")
        return self

    @property
    def operation(self) -> str:
        """``multiply``, ``add`` or ``set``: the field that lists the values."""
        return next(name for name in ("multiply", "add", "set") if getattr(self, name) is not None)

    @property
    def values(self) -> list[float]:
        """The values this axis tries, in file order."""
        return list(getattr(self, self.operation))


class SweepSpec(Strict):
    """A sweep: the cases to solve and how."""

    name: StrictStr | None = None
    """Name of the sweep. Absent: the file name."""
    base: StrictStr | None = None
    """Scenario (or model) file every grid case starts from, relative to this file."""
    scenarios: Annotated[list[StrictStr], Field(min_length=1)] | None = None
    """Scenario files or glob patterns (``../scenarios/*.yaml``), relative to this file;
    one case per file found (crossed with ``grid`` when both are given)."""
    grid: dict[Name, GridAxis] = {}
    """Axes by name: every combination of their values is a case."""
    max_cases: Annotated[int, Field(ge=1, le=CASE_CEILING)] = DEFAULT_MAX_CASES
    """Most cases the sweep may have; more is an error before anything is solved."""
    time_limit: TimeLimit | None = None
    """Seconds per case before the solver stops (``--time-limit`` overrides)."""
    keep: list[Name] = []
    """Plan tables to store for every case, keyed by case (``--keep`` overrides)."""

    @model_validator(mode="after")
    def _base_or_scenarios(self) -> SweepSpec:
        if (self.base is None) == (self.scenarios is None):
            raise ValueError("give either 'base' (with a 'grid') or 'scenarios' (a list of files or globs)")
        if self.base is not None and not self.grid:
            raise ValueError("a sweep over 'base' needs a 'grid' of at least one axis")
        return self
