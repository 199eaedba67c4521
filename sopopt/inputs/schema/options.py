"""The file format of supplier contracts (take-or-pay minimums, incremental price tiers)
and capacity options (yes/no decisions that add hours, headcount, supplier capacity or
storage): strict, frozen pydantic models used by :mod:`sopopt.inputs.schema.network`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from sopopt.inputs.schema.base import MAX_MAGNITUDE, Name, Number, Strict


class Contract(Strict):
    """A take-or-pay contract: the contract price replaces the supplier's ``price``, and
    at least a minimum quantity is paid for whether it is ordered or not. Quantity paid
    for but not ordered is never delivered."""

    price: Number
    """Price per unit under the contract (replaces the supplier's ``price``)."""
    minimum: Number | None = None
    """Units paid for in every period, ordered or not. Give this or ``total_minimum``."""
    total_minimum: Number | None = None
    """Units paid for over the whole horizon, ordered or not."""

    @model_validator(mode="after")
    def _one_minimum(self) -> Contract:
        if (self.minimum is None) == (self.total_minimum is None):
            raise ValueError("give exactly one of 'minimum' (per period) or 'total_minimum'")
        return self


class PriceTier(Strict):
    """One step of incremental volume prices: units ordered in a period up to ``up_to``
    (beyond the previous tier's ``up_to``) cost ``price`` each."""

    price: Number
    """Price per unit within this tier."""
    up_to: Annotated[float, Field(gt=0, le=MAX_MAGNITUDE, allow_inf_nan=False)] | None = None
    """Upper end of the tier in units ordered per period. Absent (last tier only): no end."""


class OptionAdds(Strict):
    """What an option adds once available: one of hours of a resource, headcount of a
    workforce pool, capacity of a supplier, or storage volume of a site."""

    resource: Name | None = None
    """Resource whose hours per period grow by ``hours``."""
    hours: Number | None = None
    """Hours added per period to the resource."""
    workforce: Name | None = None
    """Workforce pool whose largest headcount grows by ``headcount`` (workers are still
    hired and paid as usual)."""
    headcount: Number | None = None
    """Workers added to the pool's ``max_headcount``."""
    supplier: Name | None = None
    """Supplier whose capacity per period grows by ``capacity``."""
    capacity: Number | None = None
    """Units per period added to the supplier's capacity."""
    site: Name | None = None
    """Site whose storage capacity grows by ``storage``."""
    storage: Number | None = None
    """Volume added to the site's storage capacity."""

    @model_validator(mode="after")
    def _one_pair(self) -> OptionAdds:
        pairs = [(a, b) for a, b in OPTION_ADDS if getattr(self, a) is not None or getattr(self, b) is not None]
        if len(pairs) != 1:
            raise ValueError("give exactly one of {resource, hours}, {workforce, headcount}, "
                             "{supplier, capacity}, {site, storage}")
        a, b = pairs[0]
        if getattr(self, a) is None or getattr(self, b) is None:
            raise ValueError(f"give both '{a}' and '{b}'")
        return self


#: The (what, how much) field pairs of :class:`OptionAdds`.
OPTION_ADDS = (("resource", "hours"), ("workforce", "headcount"), ("supplier", "capacity"), ("site", "storage"))


class CapacityOption(Strict):
    """A yes/no capacity decision (a machine, a shift, a supplier agreement, a rented
    store): decided in one period, available ``lead_time`` periods later."""

    adds: OptionAdds
    """What becomes available."""
    earliest: Name | None = None
    """First period it may be decided in. Absent: the first period."""
    lead_time: Annotated[int, Field(ge=0, le=1000)] = 0
    """Periods from the decision to availability."""
    one_off_cost: Number = 0.0
    """Paid once, when decided."""
    cost_per_period: Number = 0.0
    """Paid in every period it is available."""
    reversible: bool = False
    """May be given up again after ``min_periods`` available periods. Default: once
    available it stays to the horizon end."""
    min_periods: Annotated[int, Field(ge=1, le=10_000)] = 1
    """Fewest periods a reversible option stays available."""
    force: bool | None = None
    """``true``: the plan must take it; ``false``: the plan must not. Absent: the plan decides."""

    @model_validator(mode="after")
    def _min_periods_reversible(self) -> CapacityOption:
        if self.min_periods != 1 and not self.reversible:
            raise ValueError("'min_periods' applies to a reversible option (reversible: true)")
        return self
