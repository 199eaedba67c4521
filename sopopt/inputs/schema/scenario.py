"""The scenario-only parts of a file: what it builds on, adjustments and solver options.

A scenario file names the model (or a parent scenario) it builds on; every other
top-level field is a model field that is deep-merged over what it builds on (see
:mod:`sopopt.inputs.scenarios` for the precedence order).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictStr, model_validator

from sopopt.inputs.schema.network import MAX_MAGNITUDE, Strict
from sopopt.inputs.schema.solver_options import SolverOptions, Threads, TimeLimit

#: Adjustable inputs: target name -> (collection, field path inside an entry).
ADJUSTABLE: dict[str, tuple[str, tuple[str, ...]]] = {
    "demand": ("demand", ()),
    "resource_hours": ("resources", ("hours",)),
    "resource_overtime_capacity": ("resources", ("overtime", "capacity")),
    "resource_overtime_cost": ("resources", ("overtime", "cost")),
    "hours_per_worker": ("workforce", ("hours_per_worker",)),
    "wage": ("workforce", ("wage",)),
    "supplier_capacity": ("suppliers", ("capacity",)),
    "supplier_price": ("suppliers", ("price",)),
    "lane_capacity": ("lanes", ("capacity",)),
    "lane_cost": ("lanes", ("cost",)),
    "storage_capacity": ("sites", ("storage", "capacity")),
    "production_cost": ("products", ("production_cost",)),
    "holding_cost": ("products", ("holding_cost",)),
    "price": ("products", ("price",)),
    "subcontract_capacity": ("products", ("subcontract", "capacity")),
    "subcontract_cost": ("products", ("subcontract", "cost")),
    "target_value": ("targets", ("value",)),
    "option": ("options", ("force",)),
}

AdjustTarget = Literal[
    "demand",
    "resource_hours",
    "resource_overtime_capacity",
    "resource_overtime_cost",
    "hours_per_worker",
    "wage",
    "supplier_capacity",
    "supplier_price",
    "lane_capacity",
    "lane_cost",
    "storage_capacity",
    "production_cost",
    "holding_cost",
    "price",
    "subcontract_capacity",
    "subcontract_cost",
    "target_value",
    "option",
]

Scope = StrictStr | list[StrictStr]


class Adjustment(Strict):
    """A change to a group of inputs without copying tables.

    ``new = old * multiply + add``, or ``new = set`` when ``set`` is given, in every
    period of ``periods`` for every entry matched by the scope fields. A scope field
    that is absent matches everything.
    """

    target: AdjustTarget
    """Which input to change (see the list of targets in the docs)."""
    multiply: Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)] = 1.0
    """Factor applied first (1.2 = +20%, 0.5 = -50%)."""
    add: Annotated[float, Field(ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE, allow_inf_nan=False)] = 0.0
    """Amount added after the factor (may be negative; results below 0 become 0)."""
    set: Annotated[float, Field(ge=0, le=MAX_MAGNITUDE, allow_inf_nan=False)] | None = None
    """Replace the value outright."""
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
    """Target name(s), for ``target_value`` (a target's value is one number: ``periods``
    does not apply)."""
    class_: Scope | None = Field(default=None, alias="class")
    """Demand class name(s) (``default``: demand without a class); only for ``demand``."""
    option: Scope | None = None
    """Capacity option name(s) (target ``option``: ``set: 1`` forces it in, ``set: 0`` out)."""
    note: str = ""
    """Why the change is made (shown by ``sopopt show``)."""

    @model_validator(mode="after")
    def _set_excludes_factors(self) -> Adjustment:
        if self.set is not None and (self.multiply != 1.0 or self.add != 0.0):
            raise ValueError("give either 'set' or 'multiply'/'add', not both")
        return self


class SolverSettings(Strict):
    """How to solve. The CLI's ``--time-limit`` and ``--threads`` override these."""

    time_limit: TimeLimit | None = None
    """Seconds before the solver stops with the best plan found so far (at most 1e7)."""
    threads: Threads | None = None
    """Solver threads, at most the cores this process may use. Absent: HiGHS decides."""
    method: Literal["auto", "simplex", "ipm", "pdlp"] = "auto"
    """LP algorithm: ``auto`` picks by size (see docs/solver.md)."""
    mip_gap: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 1e-4
    """For plans with integer decisions (whole workers, lot sizes): HiGHS stops when the
    plan's cost is proven within this fraction of the best possible (1e-4 = 0.01%); the
    plan is then labelled "optimal (gap <= 0.01%)". Ignored by a plain LP."""
    options: SolverOptions = SolverOptions()  # type: ignore[valid-type]
    """HiGHS tuning options from the allow-list below (e.g. ``presolve: "off"``); options
    that name files, write output or change logging are refused."""


#: Repair classes of an infeasible case's explanation, in the default order (the first is
#: relaxed first). What each relaxes: docs/explain.md and :mod:`sopopt.analysis.repair`.
RepairClass = Literal[
    "overtime", "staffing", "supplier", "lane", "storage", "production", "stock", "targets", "demand"
]


class ExplainSettings(Strict):
    """How ``sopopt explain`` (and ``solve`` on an infeasible case) repairs a case."""

    repair_order: list[RepairClass] | None = None
    """Repair classes from the first relaxed (most acceptable) to the last resort; each
    class at most once. Absent: overtime, staffing, supplier, lane, storage, production,
    stock, targets, demand. Classes left out are never relaxed (an order without
    ``targets`` never brings a hard target down)."""

    @model_validator(mode="after")
    def _each_class_once(self) -> ExplainSettings:
        order = self.repair_order or []
        twice = sorted({c for c in order if order.count(c) > 1})
        if twice:
            raise ValueError(f"repair class(es) given twice: {', '.join(twice)}")
        if self.repair_order is not None and not order:
            raise ValueError("give at least one repair class, or leave repair_order out")
        return self


class ChangeCosts(Strict):
    """Cost per unit of change against the previous plan, beyond the frozen zone."""

    production: Annotated[float, Field(ge=0, le=MAX_MAGNITUDE, allow_inf_nan=False)] = 0.0
    """Per unit of |new - previous| production, per product, site and period."""
    headcount: Annotated[float, Field(ge=0, le=MAX_MAGNITUDE, allow_inf_nan=False)] = 0.0
    """Per worker of |new - previous| headcount, per crew and period."""


class ReplanSettings(Strict):
    """How ``sopopt replan`` charges changes to the previous plan (the CLI's
    ``--change-cost`` overrides these)."""

    change_cost: ChangeCosts = ChangeCosts()
    """Change costs, charged in the cost category ``plan_changes``. Default 0: no charge."""


#: Top-level keys of a scenario file that are not model fields.
SCENARIO_KEYS = ("model", "extend", "adjust", "solver", "explain", "replan")


class ScenarioMeta(Strict):
    """The scenario-only fields of a file."""

    model: StrictStr | None = None
    """Path of the model file this scenario runs on (relative to this file)."""
    extend: StrictStr | None = None
    """Path of a parent scenario whose content this one starts from."""
    adjust: list[Adjustment] = []
    """Adjustments applied, in order, after all merging."""
    solver: SolverSettings = SolverSettings()
    """Solver settings."""
    explain: ExplainSettings = ExplainSettings()
    """How an infeasible case is explained and repaired (see docs/explain.md)."""
    replan: ReplanSettings = ReplanSettings()
    """Change costs when this case re-plans a previous plan (``sopopt replan``)."""
