r"""Production smoothing: charge each unit of change in production from one period to
the next, so the plan levels production instead of swinging.

.. math::

    \text{cost} = \sum_{(p,s)} \sum_{t \ge 1} c_{p,s} \, |X_{p,s,t} - X_{p,s,t-1}|
    \;(\text{smoothing})

with :math:`c_{p,s}` = ``products.P.sites.S.smoothing_cost``. Written once on the built
LP (either build path) with the absolute-change columns of
:mod:`sopopt.model.transforms.deviation`, the mechanism re-planning's change costs use:
new columns ``smoothing[p, s, t]`` (the change) and rows ``smoothing_above`` and
``smoothing_below``. A model without a smoothing cost is returned unchanged.

=====================  ==========================  ==========================================
symbol                 LP name                     file field
=====================  ==========================  ==========================================
:math:`X_{p,s,t}`      ``production``              (decision, production family) units made
:math:`c_{p,s}`        cost term                   ``products.P.sites.S.smoothing_cost``
:math:`|\cdot|`        column ``smoothing``         (decision) change in production
(rows)                 ``smoothing_above``,
                       ``smoothing_below``
=====================  ==========================  ==========================================

It is a transform, not a family, because it is written once on the built LP; it
declares the same contract (:data:`TRANSFORM`: its column, rows in words and cost
category). The builders apply it after the families, in
:data:`sopopt.model.families.TRANSFORMS` order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sopopt.inputs.compile import ModelData
from sopopt.model.family import CostCategory, RowSpec, Source, Transform, VarSpec, Words
from sopopt.model.lp import LinearProgram
from sopopt.model.production import PRODUCTION
from sopopt.model.transforms.deviation import Deviation, add_deviation
from sopopt.model.transforms.extended import column_index

#: Name of the change columns and of the cost category they are charged in.
SMOOTHING = "smoothing"
CHANGE = VarSpec(SMOOTHING, SMOOTHING, ("product", "site", "period"), "units",
                 "change in production from the previous period")
ABOVE, BELOW = f"{SMOOTHING}_above", f"{SMOOTHING}_below"


def with_smoothing(lp: LinearProgram, data: ModelData) -> LinearProgram:
    """``lp`` with production changes charged where a smoothing cost is set."""
    smoothed = [(key, item.smoothing_cost) for key, item in data.items.items() if item.make and item.smoothing_cost > 0]
    if not smoothed:
        return lp
    index = column_index(lp)
    columns, against, cost = [], [], []
    for (p, s), c in smoothed:
        for t in range(1, data.T):
            now = index.get((PRODUCTION.component, (p, s, t)))
            before = index.get((PRODUCTION.component, (p, s, t - 1)))
            if now is None or before is None:
                continue
            columns.append(now)
            against.append(before)
            cost.append(c)
    if not columns:
        return lp
    deviation = Deviation(columns=np.array(columns), cost=np.array(cost), against=np.array(against))
    return add_deviation(lp, deviation, SMOOTHING, SMOOTHING)


def _change_words(direction: str) -> Any:
    def words(d: ModelData, key: tuple[Any, ...], labels: Sequence[str]) -> Words:
        p, s, t = key
        cost = float(d.items[p, s].smoothing_cost)
        text = (f"change in production of {p} at {s} from {labels[t - 1]} to {labels[t]} ({direction}), "
                f"charged {{n[0]}} per unit ({{0}})")
        return Words("production change", f"{p} at {s}", t, None, text,
                     (Source((p, s, "smoothing_cost"), item=True),), numbers=(cost,))

    return words


TRANSFORM = Transform(
    name="smoothing",
    title="Production smoothing",
    doc=__doc__ or "",
    apply=with_smoothing,
    variables=(CHANGE,),
    rows=(
        RowSpec(ABOVE, "rise in production of {name} into {period}", "unit",
                "one unit more rise allowed before it is charged (never binding on its own)", _change_words("rise")),
        RowSpec(BELOW, "fall in production of {name} into {period}", "unit",
                "one unit more fall allowed before it is charged (never binding on its own)", _change_words("fall")),
    ),
    costs=(CostCategory(SMOOTHING, "Production smoothing", 1000),),
)
