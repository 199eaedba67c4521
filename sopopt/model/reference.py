"""The formulation document (docs/formulation.md), assembled from the family docstrings.

Each constraint family states its maths and symbol table in its module docstring, next
to the code; this module strings them together so the document cannot drift from the
code. ``python -m sopopt.model.reference`` prints it; a test checks docs/ is current.
"""

from __future__ import annotations

import inspect
import textwrap

from sopopt.model import objective
from sopopt.model.catalogue import COST_CATEGORIES
from sopopt.model.families import FAMILIES, TRANSFORMS

INTRO = """\
# Formulation

Generated from the docstrings of `sopopt/model/*.py` by `python -m sopopt.model.reference`;
do not edit by hand.

sopopt builds one linear program that minimises the total cost of a plan over periods
:math:`t = 0 .. T-1`. Every decision variable is non-negative. A variable exists only
where it can occur (a product made at a site, a lane's shipments that arrive within the
horizon, a lever that is present in the input); an absent lever is not modelled, and a
lever without a capacity is unbounded. Costs are charged on the closing position of
every period, the last one included.
{objective}

Sign of shadow prices: sopopt reports *money saved by one unit more room in the limit in
that period* (per hour of capacity, per labour hour, per unit of supplier capacity, per
unit of storage volume, per unit of lane capacity, ...): for a maximum (a ``<=`` row or
an upper bound) the negative of the HiGHS row dual or reduced cost, for a minimum (a lower
bound such as minimum stock) the reduced cost. Limits that are variable bounds (each
family's ``bound_limits``) are reported when they bind, with the variable's reduced
cost as their price. Every binding limit comes with the range over which its price
holds (HiGHS ranging), see docs/kpis.md.
"""


def formulation_reference() -> str:
    """The whole formulation as markdown (maths in reStructuredText-style blocks)."""
    objective_text = (
        f"The objective is the sum of {len(COST_CATEGORIES)} cost categories ({', '.join(COST_CATEGORIES)}); "
        "the plan reports each category and they sum to the objective."
    )
    parts = [INTRO.format(objective=textwrap.fill(objective_text, 88))]
    sections = [(f.title, f.add.__module__, f.doc) for f in FAMILIES]
    sections += [(t.title, t.apply.__module__, t.doc) for t in TRANSFORMS]
    sections.append(("Objective", objective.__name__, objective.__doc__ or ""))
    for title, module, doc in sections:
        parts.append(f"## {title}\n\nCode: `{module}`\n\n{inspect.cleandoc(doc)}\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(formulation_reference(), end="")  # noqa: T201
