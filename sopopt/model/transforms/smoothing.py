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
"""

from __future__ import annotations

import numpy as np

from sopopt.inputs.compile import ModelData
from sopopt.model.lp import LinearProgram
from sopopt.model.transforms.deviation import Deviation, add_deviation
from sopopt.model.transforms.extended import column_index

#: Name of the change columns and of the cost category they are charged in.
SMOOTHING = "smoothing"


def with_smoothing(lp: LinearProgram, data: ModelData) -> LinearProgram:
    """``lp`` with production changes charged where a smoothing cost is set."""
    smoothed = [(key, item.smoothing_cost) for key, item in data.items.items() if item.make and item.smoothing_cost > 0]
    if not smoothed:
        return lp
    index = column_index(lp)
    columns, against, cost = [], [], []
    for (p, s), c in smoothed:
        for t in range(1, data.T):
            now, before = index.get(("production", (p, s, t))), index.get(("production", (p, s, t - 1)))
            if now is None or before is None:
                continue
            columns.append(now)
            against.append(before)
            cost.append(c)
    if not columns:
        return lp
    deviation = Deviation(columns=np.array(columns), cost=np.array(cost), against=np.array(against))
    return add_deviation(lp, deviation, SMOOTHING, SMOOTHING)
