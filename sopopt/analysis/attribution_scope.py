"""The cell an attribution is narrowed to (``sopopt explain BASE OTHER --product ...``).

With a scope, the measures shared are the cell's, read from each subset's plan tables
(the same solves as for the whole plans, no more):

- ``--product`` (with ``--site`` and ``--period``): units lost, backlog and fill rate
  of that product's rows of the plan table (at that site, in that period);
- ``--resource`` or ``--crew`` (with ``--period``): the overtime hours of that resource
  or workforce pool.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sopopt.errors import Problem, ScenarioError
from sopopt.inputs.case import Case
from sopopt.model.demand import PLAN_BACKLOG, PLAN_DELIVERED, PLAN_DEMAND, PLAN_LOST
from sopopt.results.plan import Plan

#: The measures of a product cell: (key, words, unit).
PRODUCT_MEASURES = (("lost_units", "units lost", "unit"), ("backlog_unit_periods", "backlog", "unit-period"),
                    ("fill_rate", "fill rate", "%"))
#: The measures of a resource or workforce cell.
OVERTIME_MEASURES = (("overtime_hours", "overtime", "hour"),)
#: Per kind of cell: the plan table of its overtime and the column naming it.
_OVERTIME_TABLES = {"resource": ("resource_overtime", "resource"), "crew": ("labour_overtime", "workforce")}


@dataclass(frozen=True)
class Scope:
    """A cell of the plan: one product (at a site, in a period), resource or crew."""

    product: str | None = None
    site: str | None = None
    period: str | None = None
    resource: str | None = None
    crew: str | None = None

    @property
    def kind(self) -> str:
        """``product``, ``resource`` or ``crew``."""
        return "product" if self.product else "resource" if self.resource else "crew"

    @property
    def label(self) -> str:
        """``for desk_fan at dc_indy in 2027-07``."""
        parts = [self.product or self.resource or self.crew, self.site and f"at {self.site}",
                 self.period and f"in {self.period}"]
        return "for " + " ".join(p for p in parts if p)

    @property
    def measures(self) -> tuple[tuple[str, str, str], ...]:
        """The measures shared for this cell."""
        return PRODUCT_MEASURES if self.kind == "product" else OVERTIME_MEASURES

    def check(self, case: Case) -> None:
        """Every name exists in ``case`` and one kind of cell is asked for.

        Raises:
            ScenarioError: an unknown name, or options that make no cell.
        """
        network = case.network
        known = {"product": list(network.products), "site": list(network.sites), "period": list(case.labels),
                 "resource": list(network.resources), "crew": list(network.workforce)}
        problems = [Problem(None, f"--{key}", f"unknown {key} '{value}'", f"known: {', '.join(known[key][:12])}")
                    for key, value in vars(self).items() if value is not None and value not in known[key]]
        chosen = [key for key in ("product", "resource", "crew") if getattr(self, key) is not None]
        if len(chosen) != 1:
            problems.append(Problem(None, "--product/--resource/--crew",
                                    f"give one of --product, --resource, --crew (got {chosen or 'none'})"))
        elif self.site is not None and chosen[0] != "product":
            problems.append(Problem(None, "--site", "a site goes with --product only"))
        if problems:
            raise ScenarioError(problems)

    def values(self, plan: Plan) -> list[float]:
        """The cell's measures in ``plan`` (order of :attr:`measures`)."""
        if self.kind != "product":
            name, column = _OVERTIME_TABLES[self.kind]
            table = plan.table(name)
            rows = table[(table[column] == getattr(self, self.kind)) & self._in_period(table)]
            return [float(rows["value"].sum())]
        table = plan.table("plan")
        rows = table[(table["product"] == self.product) & self._in_period(table)
                     & ((table["site"] == self.site) if self.site is not None else True)]
        demand = float(rows[PLAN_DEMAND.name].sum())
        on_time = float(rows[[PLAN_DEMAND.name, PLAN_DELIVERED.name]].min(axis=1).sum())
        return [float(rows[PLAN_LOST.name].sum()), float(rows[PLAN_BACKLOG.name].sum()),
                on_time / demand if demand else 1.0]

    def cells(self, short: pd.Series) -> pd.Series:
        """Units short by product, site and period, only this cell's (all for a resource
        or crew: where their overtime's change lands is not a product's)."""
        if self.kind != "product":
            return short
        keep = short.index.get_level_values(0) == self.product
        if self.site is not None:
            keep &= short.index.get_level_values(1) == self.site
        if self.period is not None:
            keep &= short.index.get_level_values(2).astype(str) == self.period
        return short[keep]

    def _in_period(self, table: pd.DataFrame) -> pd.Series | bool:
        return (table["period"].astype(str) == self.period) if self.period is not None else True
