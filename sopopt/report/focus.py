"""What the report points at first: the most constrained resources and pools, the sites
with the largest shortage or gap to safety stock, and the product x site exceptions.

Every chart over many entities opens on the first of :func:`pool_order` or
:func:`site_order`, and the printed report draws the first :data:`MULTIPLES` of them
side by side (small multiples) instead of the one a menu happens to show.

- A pool (machine or workforce pool) ranks by the money its binding limits would save
  with one unit more room, summed over periods (the shadow prices of the limits named
  after it), then by its peak utilisation (hours used over regular hours).
- A site ranks by units short (backlog owed plus sales lost at a period's close) plus
  units below safety stock, summed over periods, then by its safety stock (a site that
  holds safety stock before one that does not).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sopopt.results.limits import BINDING_TOLERANCE
from sopopt.results.plan import Plan

#: Entities drawn side by side in print (bottleneck pools, sites with gaps): one row.
MULTIPLES = 4
#: Quantities at or below this are nothing (solver noise).
_EPS = 1e-6
#: The exception counts of :func:`exceptions`, with their headings.
EXCEPTION_COLUMNS = {
    "periods_short": "periods short",
    "units_short": "units short",
    "periods_below_safety": "periods below safety stock",
    "units_below_safety": "units below safety stock",
    "periods_over_max": "periods over maximum",
}


def pool_order(plan: Plan) -> list[tuple[str, str, str]]:
    """``(kind, name, site)`` of every resource and workforce pool, most constrained first."""
    util = plan.utilization
    if util is None or util.empty:
        return []
    pools = list(dict.fromkeys(zip(util["kind"], util["name"], util["site"], strict=True)))
    sp = plan.shadow_prices
    binding = sp[sp["shadow_price"].abs() > BINDING_TOLERANCE] if sp is not None and not sp.empty else sp
    value = binding.groupby("name")["shadow_price"].apply(lambda s: float(s.abs().sum())) if binding is not None \
        and not binding.empty else pd.Series(dtype=float)
    peak = util.replace([np.inf], np.nan).groupby(["kind", "name"])["utilization"].max()

    def key(pool: tuple[str, str, str]) -> tuple[float, float]:
        kind, name, _site = pool
        return -float(value.get(name, 0.0)), -float(np.nan_to_num(peak.get((kind, name), 0.0)))

    return sorted(pools, key=key)


def site_order(plan: Plan) -> list[str]:
    """Every site of the plan table, the largest shortage plus safety-stock gap first."""
    table = plan.tables.get("plan")
    if table is None or table.empty:
        return []
    sums = table.assign(gap=table["backlog"] + table["lost"] + table["safety_shortfall"]).groupby(
        "site", sort=False)[["gap", "safety_stock"]].sum()
    return sorted(sums.index, key=lambda s: (-float(sums.at[s, "gap"]), -float(sums.at[s, "safety_stock"])))


def exceptions(plan: Plan) -> pd.DataFrame:
    """Product x site cells with at least one exception: periods (and units) short, below
    safety stock, over the maximum stock; the most periods short first."""
    table = plan.tables.get("plan")
    columns = ["product", "site", *EXCEPTION_COLUMNS]
    if table is None or table.empty:
        return pd.DataFrame(columns=columns)
    short = table["backlog"] + table["lost"]
    below = table["safety_shortfall"]
    over = table["inventory"] - table["max_inventory"].astype(float)
    flags = pd.DataFrame({
        "product": table["product"], "site": table["site"],
        "periods_short": (short > _EPS).astype(int), "units_short": short.where(short > _EPS, 0.0),
        "periods_below_safety": (below > _EPS).astype(int), "units_below_safety": below.where(below > _EPS, 0.0),
        "periods_over_max": (over.fillna(-1.0) > _EPS).astype(int),
    })
    cells = flags.groupby(["product", "site"], sort=False).sum().reset_index()
    counted = cells[["periods_short", "periods_below_safety", "periods_over_max"]].sum(axis=1) > 0
    cells = cells[counted].sort_values(["periods_short", "units_short", "periods_below_safety", "units_below_safety",
                                        "periods_over_max"], ascending=False, kind="stable")
    return cells[columns].reset_index(drop=True)


def all_exceptions(plans: Sequence[Plan], names: Sequence[str]) -> pd.DataFrame:
    """:func:`exceptions` of every plan with a plan, a ``plan`` column first; the worst
    first over all plans (most periods short, then units short, then below safety stock)."""
    frames = [exceptions(plan).assign(plan=name) for plan, name in zip(plans, names, strict=True)
              if plan.status.has_plan]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=["plan", "product", "site", *EXCEPTION_COLUMNS])
    frame = pd.concat(frames, ignore_index=True).sort_values(
        ["periods_short", "units_short", "periods_below_safety", "units_below_safety", "periods_over_max"],
        ascending=False, kind="stable")
    return frame[["plan", "product", "site", *EXCEPTION_COLUMNS]].reset_index(drop=True)
