"""The constraint families of the planning LP, in build order: the one list.

Both build recipes (:func:`sopopt.model.build.build_model`, :func:`sopopt.model.build_arrays.build_lp`),
the result catalogue (:mod:`sopopt.model.catalogue`: plan tables, reported limits, cost
categories and labels) and the formulation document (:mod:`sopopt.model.reference`)
read this sequence; adding a family means adding its module here (see
docs/adding-a-family.md). A family may refer only to families before it.
"""

from __future__ import annotations

import numpy as np

from sopopt.inputs.compile import ModelData
from sopopt.model import (
    bills,
    classes,
    contracts,
    demand,
    handling,
    inventory,
    lots,
    materials,
    options,
    production,
    resources,
    routings,
    shelf_life,
    storage,
    targets,
    transport,
    workforce,
)
from sopopt.model.family import BoundTerm, CutRows, Family, Separator, Transform
from sopopt.model.lp import LinearProgram
from sopopt.model.transforms import smoothing

FAMILIES: tuple[Family, ...] = (
    production.FAMILY,
    routings.FAMILY,
    lots.FAMILY,
    transport.FAMILY,
    demand.FAMILY,
    inventory.FAMILY,
    storage.FAMILY,
    resources.FAMILY,
    workforce.FAMILY,
    materials.FAMILY,
    handling.FAMILY,
    bills.FAMILY,
    shelf_life.FAMILY,
    classes.FAMILY,
    contracts.FAMILY,
    options.FAMILY,
    targets.FAMILY,  # reads every earlier family's cost terms (profit): keep it last
)

#: Later families' changes to an earlier family's bound, by the bound's component and
#: side, in build order (:class:`~sopopt.model.family.BoundTerm`; read with
#: :func:`~sopopt.model.family.bound_value`).
BOUND_TERMS: dict[tuple[str, str], tuple[BoundTerm, ...]] = {
    side: tuple(t for f in FAMILIES for t in f.extends_bounds if (t.component, t.side) == side)
    for side in {(t.component, t.side) for f in FAMILIES for t in f.extends_bounds}
}

#: LP transformations that declare the family contract (their own columns, rows in words
#: and cost categories), applied to the built LP after every family, in this order.
TRANSFORMS: tuple[Transform, ...] = (smoothing.TRANSFORM,)


def separator(data: ModelData, lp: LinearProgram) -> Separator | None:
    """The valid inequalities of every family that has some for ``lp`` (built from
    ``data``), as one separator; None when no family has any."""
    if not lp.is_mip or not any(f.cuts for f in FAMILIES):
        return None
    positions = {key: j for j, key in enumerate(lp.column_keys())}
    parts = [s for f in FAMILIES if f.cuts is not None and (s := f.cuts(data, positions)) is not None]
    if not parts:
        return None

    def separate(x: np.ndarray) -> CutRows:
        return CutRows.join([part(x) for part in parts])

    return separate
