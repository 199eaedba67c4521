"""The component catalogue: which components hold which plan table, limit or cost.

Everything here is derived from :data:`sopopt.model.families.FAMILIES`: :data:`VARIABLES`
names every variable family (with the columns of the result table it fills),
:data:`LIMITS` every limit whose shadow price planners read (rows),
:data:`BOUND_LIMITS` the variable bounds reported when they bind, :data:`COST_CATEGORIES`
and :data:`COST_LABELS` the cost categories in report order with their plain-language
names. Both build paths use these names, and results extraction reads only this
catalogue and the solution; nothing parses component names.
"""

from __future__ import annotations

from sopopt.model.families import FAMILIES, TRANSFORMS
from sopopt.model.family import BoundLimitSpec, CostCategory, LimitSpec, VarSpec
from sopopt.model.materials import PURCHASE
from sopopt.model.options import OPTION_DECISION
from sopopt.model.production import PRODUCTION, SUBCONTRACT
from sopopt.model.resources import RESOURCE_OVERTIME
from sopopt.model.transport import SHIPMENT
from sopopt.model.workforce import HIRES, LABOUR_OVERTIME, LAYOFFS

_CATEGORIES = sorted((c for f in FAMILIES for c in f.costs), key=lambda c: c.rank)

#: Cost categories in the order reports show them.
COST_CATEGORIES: tuple[str, ...] = tuple(c.name for c in _CATEGORIES)

#: Re-planning's charge on changes to the previous plan (an analysis transform).
PLAN_CHANGES = CostCategory("plan_changes", "Plan changes", 2000)
_TRANSFORM_CATEGORIES = [*(c for t in TRANSFORMS for c in t.costs), PLAN_CHANGES]

#: Cost categories charged by LP transformations (:mod:`sopopt.model.transforms`), not by
#: a model family: each transform's own (``smoothing`` charges changes in production from
#: period to period), then ``plan_changes``, re-planning's charge on changes to the
#: previous plan. Reported after :data:`COST_CATEGORIES`, and only by plans whose LP has them.
TRANSFORM_COST_CATEGORIES: tuple[str, ...] = tuple(c.name for c in _TRANSFORM_CATEGORIES)

#: Plain-language name of each cost category.
COST_LABELS: dict[str, str] = {c.name: c.label for c in _CATEGORIES}

#: Plain-language name of each transformation cost category.
TRANSFORM_COST_LABELS: dict[str, str] = {c.name: c.label for c in _TRANSFORM_CATEGORIES}

#: Every variable family, in build order.
VARIABLES: tuple[VarSpec, ...] = tuple(v for f in FAMILIES for v in f.variables)

#: Every limit whose shadow price is reported.
LIMITS: tuple[LimitSpec, ...] = tuple(limit for f in FAMILIES for limit in f.limits)

#: Every variable bound whose shadow price is reported (when it binds).
BOUND_LIMITS: tuple[BoundLimitSpec, ...] = tuple(limit for f in FAMILIES for limit in f.bound_limits)

#: The plan decisions a planner commits to: hedging makes them common to every demand
#: case in the committed periods, re-planning freezes them in the frozen zone. Component
#: names of :data:`VARIABLES`; stock, backlog, lost sales and headcount follow from them.
COMMITTED_DECISIONS: tuple[str, ...] = tuple(
    spec.component
    for spec in (PRODUCTION, SUBCONTRACT, PURCHASE, SHIPMENT, RESOURCE_OVERTIME, LABOUR_OVERTIME, HIRES, LAYOFFS, OPTION_DECISION)
)

