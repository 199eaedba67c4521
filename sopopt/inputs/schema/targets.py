"""Targets: the goals a plan is measured against (budget revenue, service, units).

A target names a measure over a scope of products and sites and a range of periods,
the value to reach (each period, or their total) and how it is enforced: only reported
against the plan, a soft target whose shortfall is charged, or a hard target the plan
must meet. The LP rows are :mod:`sopopt.model.targets`; the gaps are reported in
``targets.csv``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictStr, model_validator

from sopopt.inputs.schema.base import MAX_MAGNITUDE, Name, Strict

#: A name or a list of names (the scope grammar of adjustments).
TargetScope = StrictStr | list[StrictStr]

Measure = Literal["revenue", "profit", "units", "fill_rate"]
Enforce = Literal["report", "soft", "hard"]


class Target(Strict):
    """A goal for the plan: ``measure`` over the scope and periods reaches ``value``.

    ``revenue`` is price x units delivered (currency), ``profit`` the plan's profit as
    in docs/kpis.md (currency; over every product and site), ``units`` units delivered,
    ``fill_rate`` the share of demand delivered in the period it arose (0..1, the KPI of
    docs/kpis.md over the scope and periods).
    """

    name: Name
    """Name of the target (unique), used in reports, adjustments and ``--target``."""
    measure: Measure
    """What is measured: ``revenue``, ``profit``, ``units`` or ``fill_rate``."""
    value: Annotated[float, Field(ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE, allow_inf_nan=False)]
    """The value to reach: currency for revenue and profit, units, or a fill rate (0..1)."""
    periods: TargetScope | None = None
    """A label, a ``FIRST..LAST`` range or a list of them. Absent: all periods."""
    per: Literal["period", "total"] = "period"
    """``period``: each period in the range must reach the value; ``total``: their sum
    (for fill rate: the fill rate over the whole range)."""
    product: TargetScope | None = None
    """Product name(s). Absent: every product."""
    family: TargetScope | None = None
    """Product family name(s). Absent: every family."""
    site: TargetScope | None = None
    """Site name(s). Absent: every site."""
    enforce: Enforce = "report"
    """``report``: only measured against the plan; ``soft``: the plan may fall short at
    ``shortfall_cost``; ``hard``: the plan must reach it (or is infeasible)."""
    shortfall_cost: Annotated[float, Field(ge=0, le=MAX_MAGNITUDE, allow_inf_nan=False)] | None = None
    """Soft targets only: cost per unit of the measure short (per currency unit of
    revenue or profit, per unit, per percentage point of fill rate)."""
    note: str = ""
    """Where the target comes from (shown by ``sopopt show``)."""

    @model_validator(mode="after")
    def _consistent(self) -> Target:
        if self.enforce == "soft" and self.shortfall_cost is None:
            raise ValueError("a soft target needs a shortfall_cost")
        if self.enforce != "soft" and self.shortfall_cost is not None:
            raise ValueError("shortfall_cost is for soft targets only (enforce: soft)")
        if self.measure == "fill_rate" and not 0.0 <= self.value <= 1.0:
            raise ValueError("a fill_rate target is a share between 0 and 1 (0.95 = 95%)")
        if self.measure in ("units", "revenue") and self.value < 0:
            raise ValueError(f"a {self.measure} target cannot be negative")
        if self.measure == "profit" and (self.product or self.family or self.site):
            raise ValueError("a profit target is over the whole plan: drop product, family and site")
        return self


class TargetsTable(Strict):
    """Targets read from a CSV or Excel table, one row per target, with the columns of a
    target (``name``, ``measure``, ``value``, ``periods``, ``per``, ``product``, ``family``,
    ``site``, ``enforce``, ``shortfall_cost``, ``note``); empty cells are absent fields,
    and a cell with ``;`` between names is a list (``2027-01..2027-03;2027-06``)."""

    file: Name
    """Path of the CSV or Excel file, relative to the YAML file, inside the workspace."""
    sheet: Name | None = None
    """Sheet of an Excel workbook. Absent: the first sheet."""
