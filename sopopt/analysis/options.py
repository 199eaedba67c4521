"""What each capacity option is worth, by re-solving: for an option the plan did not
choose, what forcing it in would cost; for one it chose, what dropping it would cost.

Each answer is one more solve of the case through the one planner, with the option's
``force`` set (``true`` for an option not chosen, ``false`` for a chosen one) and every
other input as it is. The difference is against the plan's own cost; both are MIP
results when the case has integer decisions, each within its gap.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sopopt.analysis.planner import Planner
from sopopt.inputs.case import Case
from sopopt.model.options import OPTIONS_TABLE
from sopopt.results.plan import Plan


@dataclass(frozen=True)
class OptionEffect:
    """The re-solve of one option: ``chosen`` in the plan, ``cost`` of the plan with the
    option flipped (``None`` when that case has no plan), ``status`` of that solve."""

    option: str
    chosen: bool
    plan_cost: float
    cost: float | None
    status: str

    @property
    def difference(self) -> float | None:
        """How much more the flipped plan costs (negative: it saves)."""
        return None if self.cost is None else self.cost - self.plan_cost

    def sentence(self, currency: str = "USD") -> str:
        """``Forcing option 'x' in costs 680.00 USD more (2,400.00 against 1,720.00).``"""
        what = f"Dropping option '{self.option}'" if self.chosen else f"Forcing option '{self.option}' in"
        if self.cost is None or self.difference is None:
            return f"{what} leaves the case without a plan ({self.status})."
        more = "more" if self.difference >= 0 else "less"
        return (f"{what} costs {abs(self.difference):,.2f} {currency} {more} "
                f"({self.cost:,.2f} against {self.plan_cost:,.2f}).")

    def to_dict(self) -> dict[str, Any]:
        """Plain values, JSON-ready."""
        return {**dataclasses.asdict(self), "difference": self.difference}


def with_option_forced(case: Case, option: str, force: bool | None) -> Case:
    """The case with one option forced in (``True``), out (``False``) or left free."""
    assert case.data is not None
    options = dict(case.data.options)
    options[option] = dataclasses.replace(options[option], force=force)
    return dataclasses.replace(case, data=dataclasses.replace(case.data, options=options))


def option_effects(case: Case, plan: Plan, planner: Planner | None = None) -> tuple[OptionEffect, ...]:
    """One re-solve per option of the case (see the module doc), in file order."""
    if case.data is None or not case.data.options or plan.objective is None or OPTIONS_TABLE not in plan.tables:
        return ()
    planner = planner or Planner(explain=False)
    table = plan.tables[OPTIONS_TABLE]
    chosen = dict(zip(table["option"], table["chosen"], strict=True))
    effects = []
    for name in case.data.options:
        flipped = planner.solve(with_option_forced(case, name, not chosen[name]), raise_on_failure=False)
        effects.append(OptionEffect(
            option=name, chosen=bool(chosen[name]), plan_cost=float(plan.objective),
            cost=float(flipped.objective) if flipped.status.has_plan and flipped.objective is not None else None,
            status=flipped.status.value,
        ))
    return tuple(effects)
