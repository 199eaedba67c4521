"""Transformations of a built LP: operations on the arrays of a
:class:`~sopopt.model.lp.LinearProgram`, written once and applied after either build path.

A *model family* (a lever of the business) lives in its own ``sopopt/model/<family>.py``
and exists in both the Pyomo and the array build. A *transformation* is not part of the
base formulation: elastic slacks for explaining infeasible cases, stacking demand cases
for a hedged plan, fixing frozen decisions when re-planning, deviation columns that charge
a change (re-plan change costs, production smoothing). Each lives in its own module here,
takes a built LP and returns a new one (the input is never modified), and keeps the map
from the new columns and rows back to what they mean.
"""
