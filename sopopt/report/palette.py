"""One colour-blind-safe palette for every chart and table of the report.

Series colours come from two schemes designed for colour-vision deficiency: Okabe and
Ito's eight colours (scenarios and plan measures) and Paul Tol's *muted* scheme (cost
categories and groups such as families or sites). Every colour below is distinct.
Good and bad changes use Paul Tol's *vibrant* blue and red and are never told by colour
alone: the report also prints an arrow and the sign.
"""

from __future__ import annotations

from collections.abc import Iterable

#: Okabe-Ito, without black (kept for text) and with its yellow last (pale on white).
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
#: Paul Tol's muted scheme.
TOL_MUTED = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499")
#: Two greys for what is not a series of its own (totals, limits).
GREYS = ("#555555", "#BBBBBB")

#: Colour of each plan measure, the same in every chart.
MEASURES = {
    "demand": "#000000",
    "production": OKABE_ITO[0],
    "subcontracted": OKABE_ITO[4],
    "inventory": OKABE_ITO[2],
    "shortage": OKABE_ITO[5],
    "safety_stock": OKABE_ITO[1],
    "maximum": GREYS[0],
    "regular": "#000000",
    "overtime": OKABE_ITO[5],
    "revenue": OKABE_ITO[0],
    "profit": OKABE_ITO[2],
    "days": OKABE_ITO[3],
}

#: Scenarios in overlaid charts, the baseline first.
SCENARIOS = ("#000000", *OKABE_ITO[:6])

#: Changes for the better and for the worse (Paul Tol's vibrant blue and red); neutral.
GOOD = "#0077BB"
BAD = "#CC3311"
NEUTRAL = "#555555"


def group_colors(names: Iterable[str]) -> dict[str, str]:
    """A distinct colour for each name (cost categories, families, sites), in order;
    past the 9 muted colours the Okabe-Ito ones follow, then the greys."""
    colours = (*TOL_MUTED, *OKABE_ITO, *GREYS)
    return {name: colours[i % len(colours)] for i, name in enumerate(dict.fromkeys(names))}
