"""The planning LP built directly in matrix form with numpy: same LP, no Pyomo objects.

This is the speed path of :func:`sopopt.model.build_model` +
:func:`sopopt.model.standard_form.compile_lp`: a short recipe that runs each family's
array form (the ``arrays`` function next to its Pyomo rules) into an
:class:`~sopopt.model.arrays.ArrayModel`. It states no maths and names no family;
``tests/test_fast_build.py`` proves that both paths give the same LP (same columns and
rows in the same order, coefficients, bounds, right-hand sides and costs) and the same
optimum. Pyomo is never imported on this path.

Usage::

    lp = build_lp(case.data)          # FastLP: arrays + index map
    sopopt.solver.highs.pass_lp(h, lp)      # into a highspy.Highs
    values = lp.values(x)             # {component: {index: value}}, like Solution.values
    duals = lp.duals(y)               # {component: {index: dual}}, like Solution.duals
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from sopopt.inputs.compile import ModelData
from sopopt.model.arrays import ArrayModel, FastLP
from sopopt.model.catalogue import COST_CATEGORIES
from sopopt.model.families import FAMILIES
from sopopt.model.family import Family


def build_lp(data: ModelData, families: Sequence[Family] = FAMILIES) -> FastLP:
    """The planning LP of compiled case data, in matrix form (see the module docstring);
    ``families``: the recipe, in build order.

    Raises:
        InfeasibleError: a row left without variables cannot hold.
    """
    start = time.perf_counter()
    model = ArrayModel(data, COST_CATEGORIES)
    for family in families:
        family.arrays(model)
    return model.finish(start)


__all__ = ["FastLP", "build_lp"]
