"""Plotly figures built from :class:`~sopopt.results.plan.Plan` objects only.

Each function returns a ``plotly.graph_objects.Figure`` (or None when the plan has
nothing to show, e.g. no suppliers). Every axis title ends with its unit in
parentheses; colours come from :mod:`sopopt.report.palette` and mean the same thing in
every chart. Charts over many entities (resources, sites, suppliers, families) draw one
entity at a time with a drop-down menu, so the report stays readable and small for
networks with hundreds of products.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from sopopt.inputs.periods import period_start
from sopopt.model.catalogue import COST_LABELS
from sopopt.report import palette
from sopopt.report.compare import cost_bridge, plan_names
from sopopt.report.focus import pool_order, site_order
from sopopt.results.plan import Plan

_FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif", "size": 13}
_DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
#: Room above the plot for a drop-down menu and the legend.
_MENU_TOP = 96
#: The legend above the plot, clear of the toolbar (the report's style sheet puts the
#: toolbar above the figure).
_TOP_LEGEND = {"orientation": "h", "yref": "container", "yanchor": "top", "y": 0.995, "x": 0}
#: A legend beside the plot, for charts with many series.
_SIDE_LEGEND = {"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1.0, "yanchor": "top", "font": {"size": 10},
                "maxheight": 1000}  # pixels: never scrolled (plotly scrolls one taller than the plot area)


def axis(title: str, unit: str) -> str:
    """An axis title that ends with its unit: ``Stock (units)``."""
    return f"{title} ({unit})"


#: The charts' plotly template.
TEMPLATE = "plotly_white"


@contextlib.contextmanager
def one_template() -> Iterator[None]:
    """Within the block, new figures start from :data:`TEMPLATE` as plotly's default, so
    no chart copies the template again (plotly deep-copies a template set per figure:
    about 60 ms a chart, a third of a report's charts time). plotly's default is
    restored afterwards."""
    before = pio.templates.default
    pio.templates.default = TEMPLATE
    try:
        yield
    finally:
        pio.templates.default = before


def _layout(fig: go.Figure, height: int, **kwargs: object) -> go.Figure:
    settings: dict[str, object] = {} if pio.templates.default == TEMPLATE else {"template": TEMPLATE}
    settings |= {
        "font": _FONT,
        "height": height,
        "margin": {"l": 70, "r": 20, "t": 50, "b": 40},
        "legend": _TOP_LEGEND,
        "hovermode": "x unified",
    }
    settings.update(kwargs)
    fig.update_layout(**settings)
    return fig


def period_unit(labels: Sequence[str]) -> str:
    """What one period is: ``month`` or ``week`` for calendar labels, else ``period``."""
    starts = [period_start(label) for label in labels]
    if labels and all(s is not None for s in starts):
        return "week" if "-W" in labels[0] else "month"
    return "period"


def _periods(fig: go.Figure, labels: Sequence[str]) -> None:
    """Period axes: labels such as 2027-01 are categories in plan order, not dates."""
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=list(labels),
                     title_text=axis("Period", period_unit(labels)))


def _text(value: object) -> str:
    """Plotly reads a few HTML tags in labels; show names exactly as written."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _dropdown(fig: go.Figure, owners: list[int], labels: list[str]) -> None:
    """A menu that shows the traces of one entity at a time (trace i belongs to entity
    ``owners[i]``); the first entity shows first."""
    if len(labels) <= 1:
        return
    buttons = [
        {
            "label": _text(label),
            "method": "update",
            "args": [{"visible": [owner == k for owner in owners]}],
        }
        for k, label in enumerate(labels)
    ]
    fig.update_layout(
        updatemenus=[
            {
                "type": "dropdown",
                "buttons": buttons,
                "x": 1.0,
                "xanchor": "right",
                "y": 1.02,
                "yanchor": "bottom",
                "showactive": True,
                "bgcolor": "#f1f5f9",
            }
        ]
    )
    for trace, owner in zip(fig.data, owners, strict=True):
        trace.visible = owner == 0


def product_flows(plan: Plan) -> pd.DataFrame:
    """Per product and period, summed over sites: demand, production, subcontracted,
    inventory and shortage (backlog owed plus sales lost at the period's close)."""
    table = plan.tables["plan"]
    frame = table.assign(shortage=table["backlog"] + table["lost"])
    columns = ["demand", "production", "subcontracted", "inventory", "shortage"]
    grouped = frame.groupby(["product", "period"], sort=False)[columns].sum().reset_index()
    order = {label: i for i, label in enumerate(plan.labels)}
    grouped["_t"] = grouped["period"].map(order)
    return grouped.sort_values(["_t"], kind="stable").drop(columns="_t")


def quarter_of(labels: Sequence[str]) -> dict[str, str]:
    """The quarter of each period: ``2027-Q1`` for calendar labels (months, ISO weeks by
    their Monday); other labels are taken three at a time (``P1-P3``)."""
    out = {}
    for i, label in enumerate(labels):
        start = period_start(label)
        if start is not None:
            out[label] = f"{start.year}-Q{(start.month - 1) // 3 + 1}"
        else:
            first = 3 * (i // 3)
            last = min(first + 3, len(labels))
            out[label] = f"{labels[first]}-{labels[last - 1]}" if last - first > 1 else labels[first]
    return out


# --------------------------------------------------------------------------- money


def cost_breakdown(plan: Plan) -> go.Figure:
    """Horizontal bars: each cost category with its amount and share of the total."""
    costs = plan.costs[plan.costs.abs() > 1e-9].sort_values()
    total = float(plan.costs.sum()) or 1.0
    colours = palette.group_colors(plan.costs.index)
    fig = go.Figure(
        go.Bar(
            x=costs.to_numpy(),
            y=[COST_LABELS.get(c, c) for c in costs.index],
            orientation="h",
            marker_color=[colours[c] for c in costs.index],
            text=[f"{v:,.0f} ({v / total:.0%})" for v in costs.to_numpy()],
            textposition="auto",
            hovertemplate="%{y}: %{x:,.2f} " + plan.currency + "<extra></extra>",
        )
    )
    fig.update_xaxes(title_text=axis("Cost", plan.currency))
    height = 90 + 30 * max(len(costs), 3)
    return _layout(fig, height, showlegend=False, hovermode="closest", margin={"l": 250, "r": 20, "t": 20, "b": 50})


def cost_comparison(plans: Sequence[Plan]) -> go.Figure:
    """One stacked bar per plan, split by cost category."""
    names = plan_names(plans)
    categories = [
        c for c in dict.fromkeys(c for p in plans for c in p.costs.index)
        if any(abs(float(p.costs.get(c, 0.0))) > 1e-9 for p in plans)
    ]
    colours = palette.group_colors(dict.fromkeys(c for p in plans for c in p.costs.index))
    fig = go.Figure()
    for category in categories:
        label = COST_LABELS.get(category, category)
        fig.add_bar(
            name=label,
            y=[_text(n) for n in names],
            x=[float(p.costs.get(category, np.nan)) for p in plans],
            orientation="h",
            marker_color=colours[category],
            hovertemplate="%{y}<br>" + label + ": %{x:,.2f}<extra></extra>",
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text=axis("Total cost", plans[0].currency))
    return _layout(fig, 170 + 44 * len(plans), hovermode="closest", margin={"l": 200, "r": 20, "t": 90, "b": 50})


def _waterfall(steps: pd.DataFrame, currency: str, title: str, *, higher_is_better: bool) -> go.Figure:
    """A bridge: the first and last rows are totals, the others changes, coloured as the
    scenario cards are: blue for a change for the better (cost down, profit up), red for
    one for the worse. Labels are at least 11 px, outside the bars."""
    good, bad = {"marker": {"color": palette.GOOD}}, {"marker": {"color": palette.BAD}}
    measure = ["absolute" if i == 0 else ("total" if i == len(steps) - 1 else "relative") for i in range(len(steps))]
    amounts = steps["amount"].to_numpy(dtype=float)
    fig = go.Figure(
        go.Waterfall(
            x=[_text(s) for s in steps["step"]],
            y=amounts,
            measure=measure,
            text=[f"{a:,.0f}" if m != "relative" else f"{a:+,.0f}" for a, m in zip(amounts, measure, strict=True)],
            textposition="outside",
            connector={"line": {"color": palette.GREYS[1]}},
            textfont={"size": 12},
            cliponaxis=False,
            increasing=good if higher_is_better else bad,
            decreasing=bad if higher_is_better else good,
            totals={"marker": {"color": palette.GREYS[0]}},
            hovertemplate="%{x}: %{y:,.2f} " + currency + "<extra></extra>",
        )
    )
    ends = np.cumsum(np.where(np.array(measure) == "relative", amounts, 0.0)) + amounts[0]
    low, high = float(min(ends.min(), amounts[0], amounts[-1])), float(max(ends.max(), amounts[0], amounts[-1]))
    span = max(high - low, 1.0)
    if low > 0:
        fig.update_yaxes(range=[max(0.0, low - 0.6 * span), high + 0.2 * span])
    fig.update_yaxes(title_text=axis(title, currency))
    fig.update_xaxes(tickangle=-30)
    fig.update_layout(uniformtext={"minsize": 11, "mode": "show"})
    return _layout(fig, 330, showlegend=False, hovermode="closest", margin={"l": 80, "r": 20, "t": 20, "b": 110})


def bridge_chart(base: Plan, other: Plan) -> go.Figure:
    """Waterfall from the base plan's total cost to the other's, by cost category."""
    bridge = cost_bridge(base, other)
    steps = bridge[(bridge["kind"] == "total") | (bridge["amount"].abs() > 1e-9)]
    return _waterfall(steps[["step", "amount"]], base.currency, "Total cost", higher_is_better=False)


def profit_steps(base: Plan, other: Plan) -> pd.DataFrame | None:
    """From the base plan's profit to the other's: the change in revenue, then each cost
    category's change taken off profit (the lost-sales charge only for its part above
    the price, as in the profit figure). None when the plans have no P&L."""
    a, b = base.tables.get("pnl"), other.tables.get("pnl")
    if a is None or b is None or a.empty or b.empty:
        return None

    def totals(pnl: pd.DataFrame) -> dict[str, float]:
        out = {c: float(pnl[c].sum()) for c in pnl.columns if c not in ("period", "total_cost", "profit")}
        unearned = float(pnl["profit"].sum() - pnl["revenue"].sum() + pnl["total_cost"].sum())
        if "lost_sales" in out:
            out["lost_sales"] -= unearned
        out["profit"] = float(pnl["profit"].sum())
        return out

    ta, tb = totals(a), totals(b)
    rows = [("Profit of " + base.name, ta["profit"]), ("Revenue", tb["revenue"] - ta["revenue"])]
    for category in dict.fromkeys([*ta, *tb]):
        if category in ("revenue", "profit"):
            continue
        change = -(tb.get(category, 0.0) - ta.get(category, 0.0))
        if abs(change) > 1e-9:
            label = "Lost sales penalty above price" if category == "lost_sales" else COST_LABELS.get(category, category)
            rows.append((label, change))
    rows.append(("Profit of " + other.name, tb["profit"]))
    return pd.DataFrame(rows, columns=["step", "amount"])


def profit_bridge(base: Plan, other: Plan) -> go.Figure | None:
    """Waterfall from the base plan's profit to the other's."""
    steps = profit_steps(base, other)
    return None if steps is None else _waterfall(steps, base.currency, "Profit", higher_is_better=True)


def pnl_chart(plan: Plan) -> go.Figure | None:
    """The profit and loss projection by period: costs stacked by category, revenue and
    profit as lines."""
    pnl = plan.tables.get("pnl")
    if pnl is None or pnl.empty:
        return None
    categories = [c for c in pnl.columns if c not in ("period", "revenue", "total_cost", "profit")]
    colours = palette.group_colors(categories)
    fig = go.Figure()
    for category in categories:
        if pnl[category].abs().sum() <= 1e-9:
            continue
        fig.add_bar(x=pnl["period"], y=pnl[category], name=COST_LABELS.get(category, category),
                    marker_color=colours[category], hovertemplate="%{y:,.0f}")
    priced = pnl["revenue"].abs().sum() > 1e-9
    if priced:
        fig.add_scatter(x=pnl["period"], y=pnl["revenue"], name="Revenue", mode="lines+markers",
                        line={"color": palette.MEASURES["revenue"], "width": 3}, hovertemplate="%{y:,.0f}")
        fig.add_scatter(x=pnl["period"], y=pnl["profit"], name="Profit", mode="lines+markers",
                        line={"color": palette.MEASURES["profit"], "width": 3, "dash": "dash"},
                        hovertemplate="%{y:,.0f}")
    fig.update_layout(barmode="stack")
    _periods(fig, plan.labels)
    fig.update_yaxes(title_text=axis("Amount per period", plan.currency))
    # Beside the plot, with room for every category (at 340 px a long legend scrolled and was cut on paper).
    return _layout(fig, 360, legend=_SIDE_LEGEND, margin={"l": 80, "r": 20, "t": 20, "b": 50})


# --------------------------------------------------------------------------- operations


def capacity_load(plan: Plan) -> go.Figure | None:
    """Per resource or workforce pool (one at a time, the most constrained first): hours of load stacked by product
    family (and routing, ``family / routing``, where production has routings) against regular capacity and regular plus overtime capacity. Machine and
    labour hours are never added together."""
    util, load = plan.utilization, plan.tables.get("load")
    if util is None or util.empty:
        return None
    load = load if load is not None else pd.DataFrame(columns=["kind", "name", "period", "family", "hours"])
    if "routing" in load and not load.empty:  # stacked by routing where production has routings
        routing = load["routing"].fillna("").astype(str)
        load = load.assign(family=load["family"].astype(str).where(routing == "", load["family"].astype(str)
                                                                  + " / " + routing))
    families = sorted({str(f) for f in load["family"]}) if not load.empty else []
    colours = palette.group_colors(families)
    what = {"resource": "machine hours", "workforce": "labour hours"}
    pools = pool_order(plan)  # the most constrained first: the one the chart opens on
    fig = go.Figure()
    owners: list[int] = []
    for k, (kind, name, _site) in enumerate(pools):
        mine = load[(load["kind"] == kind) & (load["name"] == name)]
        for family in families:
            hours = mine[mine["family"] == family].groupby("period")["hours"].sum().reindex(plan.labels)
            if hours.fillna(0.0).abs().sum() <= 1e-9:
                continue
            fig.add_bar(x=list(plan.labels), y=hours.fillna(0.0).to_numpy(), name=_text(family or "(no family)"),
                        marker_color=colours[family], legendgroup=family, hovertemplate="%{y:,.1f} h")
            owners.append(k)
        cap = util[(util["kind"] == kind) & (util["name"] == name)].set_index("period").reindex(plan.labels)
        fig.add_scatter(x=list(plan.labels), y=cap["regular_hours"].to_numpy(), name="Regular capacity",
                        mode="lines", line={"color": palette.MEASURES["regular"], "width": 2, "shape": "hvh"},
                        hovertemplate="%{y:,.1f} h regular")
        owners.append(k)
        if cap["overtime_capacity_hours"].abs().sum() > 1e-9:
            total = cap["regular_hours"] + cap["overtime_capacity_hours"]
            fig.add_scatter(x=list(plan.labels), y=total.to_numpy(), name="Regular + overtime capacity",
                            mode="lines", line={"color": palette.MEASURES["overtime"], "width": 2, "dash": "dash",
                                                "shape": "hvh"},
                            hovertemplate="%{y:,.1f} h with overtime")
            owners.append(k)
    labels = [f"{n} ({what.get(kind, kind)}, {s})" for kind, n, s in pools]
    _dropdown(fig, owners, labels)
    fig.update_layout(barmode="stack")
    _periods(fig, plan.labels)
    fig.update_yaxes(title_text=axis("Load and capacity", "hours"), rangemode="tozero")
    title = labels[0] if len(labels) == 1 else ""
    return _layout(fig, 340, title={"text": _text(title), "x": 0.5}, margin={"l": 80, "r": 20, "t": _MENU_TOP, "b": 50})


def inventory_sites(plan: Plan) -> go.Figure | None:
    """Per site (one at a time, the largest shortage or gap to safety stock first): closing stock against safety stock and the maximum, with
    days of supply (closing stock over the average daily demand of what the site stocks)
    on the right axis."""
    table = plan.tables.get("plan")
    if table is None or table.empty:
        return None
    days_total = float(plan.info.get("horizon_days") or 0.0)
    demand = table.groupby("product")["demand"].sum()
    per_day = demand / days_total if days_total > 0 else demand / max(len(plan.labels), 1) / 30.0
    sites = site_order(plan)  # the largest shortage or safety-stock gap first: the one the chart opens on
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    owners: list[int] = []
    for k, site in enumerate(sites):
        mine = table[table["site"] == site]
        by_period = mine.groupby("period", sort=False)
        stock = by_period["inventory"].sum().reindex(plan.labels)
        safety = by_period["safety_stock"].sum().reindex(plan.labels)
        maximum = by_period["max_inventory"].sum(min_count=len(set(mine["product"]))).reindex(plan.labels)
        daily = float(per_day.reindex(list(set(mine["product"]))).fillna(0.0).sum())
        fig.add_bar(x=list(plan.labels), y=stock.to_numpy(), name="Closing stock", hovertemplate="%{y:,.0f} units",
                    marker_color=palette.MEASURES["inventory"], secondary_y=False)
        owners.append(k)
        if safety.abs().sum() > 1e-9:
            fig.add_scatter(x=list(plan.labels), y=safety.to_numpy(), name="Safety stock", mode="lines",
                            line={"color": palette.MEASURES["safety_stock"], "width": 2, "shape": "hvh"},
                            hovertemplate="%{y:,.0f} units safety stock", secondary_y=False)
            owners.append(k)
        if maximum.notna().any():
            fig.add_scatter(x=list(plan.labels), y=maximum.to_numpy(), name="Maximum stock", mode="lines",
                            line={"color": palette.MEASURES["maximum"], "width": 2, "dash": "dash", "shape": "hvh"},
                            hovertemplate="%{y:,.0f} units maximum", secondary_y=False)
            owners.append(k)
        if daily > 0:
            fig.add_scatter(x=list(plan.labels), y=(stock / daily).to_numpy(), name="Days of supply",
                            mode="lines+markers", line={"color": palette.MEASURES["days"], "width": 2, "dash": "dot"},
                            hovertemplate="%{y:,.1f} days", secondary_y=True)
            owners.append(k)
    _dropdown(fig, owners, [str(s) for s in sites])
    _periods(fig, plan.labels)
    fig.update_yaxes(title_text=axis("Stock", "units"), rangemode="tozero", secondary_y=False)
    fig.update_yaxes(title_text=axis("Days of supply", "days"), rangemode="tozero", secondary_y=True, showgrid=False,
                     tickformat=",.1f")
    title = f"Site {sites[0]}" if len(sites) == 1 else ""
    return _layout(fig, 340, title={"text": _text(title), "x": 0.5}, margin={"l": 80, "r": 70, "t": _MENU_TOP, "b": 50})


def headcount_chart(plan: Plan) -> go.Figure | None:
    """Workers employed per workforce pool, with hires and layoffs in the hover."""
    headcount = plan.tables.get("headcount")
    if headcount is None or headcount.empty:
        return None
    colours = palette.group_colors(dict.fromkeys(headcount["workforce"]))
    fig = go.Figure()
    for name in dict.fromkeys(headcount["workforce"]):
        frame = headcount[headcount["workforce"] == name]
        fig.add_scatter(x=frame["period"], y=frame["value"], name=_text(name), mode="lines+markers",
                        line={"color": colours[name], "width": 2, "shape": "hvh"}, hovertemplate="%{y:,.1f} workers")
    _periods(fig, plan.labels)
    fig.update_yaxes(title_text=axis("Headcount", "workers"), rangemode="tozero")
    return _layout(fig, 300, margin={"l": 80, "r": 20, "t": 60, "b": 50})


def supplier_usage(plan: Plan) -> go.Figure | None:
    """Per supplier (one at a time): material bought per period against its limit (the
    amount bought plus the limit's slack). None without purchases."""
    purchases = plan.tables.get("purchases")
    if purchases is None or purchases.empty:
        return None
    suppliers = list(dict.fromkeys(purchases["supplier"]))
    sp = plan.shadow_prices
    limits = sp[sp["kind"] == "supplier"] if sp is not None and not sp.empty else pd.DataFrame()
    fig = go.Figure()
    owners: list[int] = []
    for k, supplier in enumerate(suppliers):
        bought = purchases[purchases["supplier"] == supplier].groupby("period", sort=False)["value"].sum()
        bought = bought.reindex(plan.labels)
        fig.add_bar(x=list(plan.labels), y=bought.to_numpy(), name="Bought", hovertemplate="%{y:,.1f} bought",
                    marker_color=palette.MEASURES["production"])
        owners.append(k)
        own = limits[limits["name"] == supplier].set_index("period") if not limits.empty else pd.DataFrame()
        if not own.empty:
            cap = (bought.reindex(own.index).fillna(0.0) + own["slack"].astype(float)).reindex(plan.labels)
            fig.add_scatter(x=list(plan.labels), y=cap.to_numpy(), name="Supplier limit", mode="lines+markers",
                            line={"color": palette.MEASURES["maximum"], "dash": "dash"}, hovertemplate="limit %{y:,.1f}")
            owners.append(k)
    _dropdown(fig, owners, [str(s) for s in suppliers])
    _periods(fig, plan.labels)
    fig.update_yaxes(title_text=axis("Material", "units"), rangemode="tozero")
    title = f"Supplier {suppliers[0]}" if len(suppliers) == 1 else ""
    return _layout(fig, 340, title={"text": _text(title), "x": 0.5}, margin={"l": 80, "r": 20, "t": _MENU_TOP, "b": 50})


def rollup_chart(plan: Plan) -> go.Figure | None:
    """Production stacked by product family or by site, with total demand and closing
    stock, by month or by quarter (a menu switches among the four views)."""
    table = plan.tables.get("plan")
    if table is None or table.empty:
        return None
    quarters = quarter_of(plan.labels)
    frame = table.assign(quarter=table["period"].map(quarters))
    views = [("family", "period", "by family, per period"), ("family", "quarter", "by family, per quarter"),
             ("site", "period", "by site, per period"), ("site", "quarter", "by site, per quarter")]
    fig = go.Figure()
    owners: list[int] = []
    for k, (group, when, _label) in enumerate(views):
        order = list(plan.labels) if when == "period" else list(dict.fromkeys(quarters.values()))
        groups = sorted({str(g) for g in frame[group]})
        colours = palette.group_colors(groups)
        made = frame.groupby([when, group])["production"].sum()
        for name in groups:
            values = made.xs(name, level=1).reindex(order) if name in made.index.get_level_values(1) else None
            if values is None or values.abs().sum() <= 1e-9:
                continue
            fig.add_bar(x=order, y=values.to_numpy(), name=f"Production: {_text(name or '(none)')}",
                        marker_color=colours[name], hovertemplate="%{y:,.0f} units")
            owners.append(k)
        totals = frame.groupby(when)[["demand", "inventory"]].sum()
        if when == "quarter":  # closing stock of a quarter: its last period's
            last = frame.groupby("period", sort=False)["inventory"].sum().reindex(plan.labels)
            totals["inventory"] = last.groupby(pd.Series(quarters)).last().reindex(order)
        totals = totals.reindex(order)
        fig.add_scatter(x=order, y=totals["demand"].to_numpy(), name="Demand", mode="lines+markers",
                        line={"color": palette.MEASURES["demand"], "width": 2}, hovertemplate="%{y:,.0f} units")
        fig.add_scatter(x=order, y=totals["inventory"].to_numpy(), name="Closing stock", mode="lines",
                        line={"color": palette.MEASURES["inventory"], "width": 2, "dash": "dash"},
                        hovertemplate="%{y:,.0f} units")
        owners += [k, k]
    _dropdown(fig, owners, [label for _, _, label in views])
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category", title_text=axis("Period or quarter", period_unit(plan.labels) + " or quarter"))
    fig.update_yaxes(title_text=axis("Quantity", "units"), rangemode="tozero")
    return _layout(fig, 400, margin={"l": 80, "r": 20, "t": _MENU_TOP, "b": 50})


# --------------------------------------------------------------------------- several plans


_OVERLAY = {
    "demand": "Demand",
    "production": "Production",
    "inventory": "Closing inventory",
    "shortage": "Shortage (late or lost)",
}


def overlay_totals(plans: Sequence[Plan]) -> go.Figure:
    """All products together, one line per plan: demand, production, inventory and
    shortage over time."""
    names = plan_names(plans)
    labels = list(dict.fromkeys(label for plan in plans for label in plan.labels))
    fig = make_subplots(rows=1, cols=4, subplot_titles=list(_OVERLAY.values()), horizontal_spacing=0.06)
    for j, (plan, name) in enumerate(zip(plans, names, strict=True)):
        if not plan.status.has_plan:
            continue
        flows = product_flows(plan).groupby("period", sort=False)[list(_OVERLAY)].sum()
        flows = flows.reindex([p for p in plan.labels if p in flows.index])
        for i, measure in enumerate(_OVERLAY):
            fig.add_scatter(
                x=flows.index.tolist(),
                y=flows[measure].to_numpy(),
                name=_text(name),
                mode="lines+markers",
                line={"color": palette.SCENARIOS[j % len(palette.SCENARIOS)], "dash": _DASHES[j % 6]},
                legendgroup=name,
                showlegend=i == 0,
                row=1,
                col=i + 1,
            )
    fig.update_yaxes(rangemode="tozero")
    fig.update_yaxes(title_text=axis("Quantity", "units"), col=1)
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=labels, tickangle=-45)
    fig.update_xaxes(title_text=axis("Period", period_unit(labels)))
    return _layout(fig, 340, margin={"l": 70, "r": 20, "t": 80, "b": 80})


def explorer_data(plans: Sequence[Plan]) -> dict[str, Any]:
    """What the product explorer draws, on demand, in the browser: per plan and product,
    demand, production, closing stock and shortage by period (summed over sites)."""
    names = plan_names(plans)
    out: dict[str, Any] = {"plans": [], "products": []}
    products: dict[str, None] = {}
    for plan, name, colour in zip(plans, names, palette.SCENARIOS * (len(plans) // 7 + 1), strict=False):
        if not plan.status.has_plan:
            continue
        flows = product_flows(plan)
        series = {}
        for product, frame in flows.groupby("product", sort=False):
            frame = frame.set_index("period").reindex(plan.labels)
            series[str(product)] = {m: [round(float(v), 6) for v in frame[m].fillna(0.0)] for m in _OVERLAY}
            products[str(product)] = None
        out["plans"].append({"name": name, "labels": list(plan.labels), "colour": colour, "series": series})
    out["products"] = list(products)
    out["measures"] = _OVERLAY
    out["period_unit"] = period_unit(next((p["labels"] for p in out["plans"]), []))
    out["colours"] = {m: palette.MEASURES[m] for m in _OVERLAY}
    return out
