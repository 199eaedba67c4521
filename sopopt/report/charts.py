"""Plotly figures built from :class:`~sopopt.results.Plan` objects only.

Each function returns a ``plotly.graph_objects.Figure`` (or None when the plan has
nothing to show, e.g. no suppliers). Colours mean the same thing in every chart:
demand is dark grey, production blue, inventory green, shortage red.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sopopt.report.compare import COST_LABELS, cost_bridge, plan_names
from sopopt.results import Plan

#: Colour of each measure, the same in every chart.
COLORS = {
    "demand": "#374151",
    "production": "#2563eb",
    "subcontracted": "#93c5fd",
    "inventory": "#16a34a",
    "shortage": "#dc2626",
    "limit": "#111827",
    "overtime": "#f59e0b",
    "headcount": "#7c3aed",
}
#: Colours of scenarios in overlaid charts (the baseline first).
SCENARIO_COLORS = ["#1f2937", "#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#be185d"]
#: Colours of cost categories (stable across charts).
CATEGORY_COLORS = dict(
    zip(
        COST_LABELS,
        [
            "#2563eb",
            "#0891b2",
            "#7c3aed",
            "#64748b",
            "#16a34a",
            "#f59e0b",
            "#84cc16",
            "#a16207",
            "#0d9488",
            "#94a3b8",
            "#f97316",
            "#dc2626",
            "#db2777",
        ],
        strict=True,
    )
)

_FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif", "size": 13}
_DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]


def _layout(fig: go.Figure, height: int, **kwargs: object) -> go.Figure:
    settings: dict[str, object] = {
        "template": "plotly_white",
        "font": _FONT,
        "height": height,
        "margin": {"l": 60, "r": 20, "t": 50, "b": 40},
        "legend": {"orientation": "h", "yref": "container", "yanchor": "top", "y": 0.995, "x": 0},
        "hovermode": "x unified",
    }
    settings.update(kwargs)
    fig.update_layout(**settings)
    return fig


def _periods(fig: go.Figure, labels: Sequence[str], *, narrow: bool = False) -> None:
    """Period axes: labels such as 2027-01 are categories in plan order, not dates.
    On narrow (small-multiple) axes with many periods the labels are slanted."""
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=list(labels))
    if narrow and len(labels) > 6:
        fig.update_xaxes(tickangle=-45)


def _text(value: object) -> str:
    """Plotly reads a few HTML tags in labels; show names exactly as written."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _money(value: float, currency: str) -> str:
    return f"{value:,.0f} {currency}"


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


def _products(plans: Sequence[Plan]) -> list[str]:
    seen: dict[str, None] = {}
    for plan in plans:
        for product in plan.tables["plan"]["product"]:
            seen[str(product)] = None
    return list(seen)


def _labels(plans: Sequence[Plan]) -> list[str]:
    return list(dict.fromkeys(label for plan in plans for label in plan.labels))


def _vspace(rows: int) -> float:
    """Vertical gap between subplot rows: room for slanted period labels and a title."""
    return min(0.2, 0.55 / rows) if rows > 1 else 0.1


def _grid(n: int, columns: int = 3) -> tuple[int, int]:
    cols = max(1, min(columns, n))
    return math.ceil(n / cols), cols


def cost_breakdown(plan: Plan) -> go.Figure:
    """Horizontal bars: each cost category with its amount and share of the total."""
    costs = plan.costs[plan.costs.abs() > 1e-9].sort_values()
    total = float(plan.costs.sum()) or 1.0
    labels = [COST_LABELS.get(c, c) for c in costs.index]
    fig = go.Figure(
        go.Bar(
            x=costs.to_numpy(),
            y=labels,
            orientation="h",
            marker_color=[CATEGORY_COLORS.get(c, "#64748b") for c in costs.index],
            text=[f"{v:,.0f} ({v / total:.0%})" for v in costs.to_numpy()],
            textposition="auto",
            hovertemplate="%{y}: %{x:,.2f} " + plan.currency + "<extra></extra>",
        )
    )
    fig.update_xaxes(title_text=plan.currency)
    return _layout(
        fig,
        80 + 32 * max(len(costs), 3),
        showlegend=False,
        hovermode="closest",
        margin={"l": 230, "r": 20, "t": 20, "b": 40},
    )


def cost_comparison(plans: Sequence[Plan]) -> go.Figure:
    """One stacked bar per plan, split by cost category."""
    names = plan_names(plans)
    fig = go.Figure()
    categories = [c for c in COST_LABELS if any(abs(float(p.costs.get(c, 0.0))) > 1e-9 for p in plans)]
    for category in categories:
        values = [float(p.costs.get(category, np.nan)) for p in plans]
        fig.add_bar(
            name=COST_LABELS[category],
            y=[_text(n) for n in names],
            x=values,
            orientation="h",
            marker_color=CATEGORY_COLORS[category],
            hovertemplate="%{y}<br>" + COST_LABELS[category] + ": %{x:,.2f}<extra></extra>",
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text=plans[0].currency)
    return _layout(fig, 160 + 50 * len(plans), hovermode="closest", margin={"l": 200, "r": 20, "t": 80, "b": 40})


def product_chart(plan: Plan) -> go.Figure:
    """Small multiples, one per product: production (bars), demand and inventory
    (lines) and shortage (red bars), over time and summed over sites."""
    flows = product_flows(plan)
    products = list(dict.fromkeys(flows["product"]))
    rows, cols = _grid(len(products))
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[_text(p) for p in products],
        horizontal_spacing=0.06,
        vertical_spacing=_vspace(rows),
    )
    for i, product in enumerate(products):
        data = flows[flows["product"] == product]
        where = {"row": i // cols + 1, "col": i % cols + 1}
        first = i == 0
        x = data["period"].tolist()
        fig.add_bar(
            x=x,
            y=data["production"],
            name="Production",
            marker_color=COLORS["production"],
            legendgroup="production",
            showlegend=first,
            **where,
        )
        if data["subcontracted"].abs().sum() > 1e-9:
            fig.add_bar(
                x=x,
                y=data["subcontracted"],
                name="Subcontracted",
                marker_color=COLORS["subcontracted"],
                legendgroup="subcontracted",
                showlegend=True,
                **where,
            )
        fig.add_bar(
            x=x,
            y=data["shortage"],
            name="Shortage (late or lost)",
            marker_color=COLORS["shortage"],
            legendgroup="shortage",
            showlegend=first,
            **where,
        )
        fig.add_scatter(
            x=x,
            y=data["demand"],
            name="Demand",
            mode="lines+markers",
            line={"color": COLORS["demand"], "width": 2},
            legendgroup="demand",
            showlegend=first,
            **where,
        )
        fig.add_scatter(
            x=x,
            y=data["inventory"],
            name="Closing inventory",
            mode="lines",
            line={"color": COLORS["inventory"], "width": 2, "dash": "dash"},
            legendgroup="inventory",
            showlegend=first,
            **where,
        )
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_yaxes(rangemode="tozero")
    _periods(fig, plan.labels, narrow=cols > 1)
    _dedupe_legend(fig)
    return _layout(fig, 100 + 260 * rows, margin={"l": 50, "r": 20, "t": 70, "b": 40})


def _dedupe_legend(fig: go.Figure) -> None:
    seen: set[str] = set()
    for trace in fig.data:
        if trace.showlegend:
            if trace.legendgroup in seen:
                trace.showlegend = False
            seen.add(trace.legendgroup)


def utilization_heatmap(plan: Plan) -> go.Figure | None:
    """Resources and workforce pools by period, coloured by the share of regular hours
    used (above 100% means overtime). None when the plan has neither."""
    util = plan.utilization
    if util is None or util.empty:
        return None
    kinds = {"resource": "machine", "workforce": "workforce"}
    util = util.assign(
        row=[
            f"{_text(n)} ({kinds.get(k, k)}, {_text(s)})"
            for k, n, s in util[["kind", "name", "site"]].itertuples(index=False)
        ]
    )
    rows = list(dict.fromkeys(util["row"]))
    periods = plan.labels or list(dict.fromkeys(util["period"]))
    pivot = util.pivot_table(index="row", columns="period", values="utilization", aggfunc="max", sort=False)
    pivot = pivot.reindex(index=rows, columns=periods)
    z = pivot.to_numpy(dtype=float)
    shown = np.where(np.isinf(z), np.nan, z)
    top = max(1.2, float(np.nanmax(shown)) if np.isfinite(shown).any() else 1.2)
    text = [["" if np.isnan(v) else ("no hours" if np.isinf(v) else f"{v:.0%}") for v in row] for row in z]
    fig = go.Figure(
        go.Heatmap(
            z=np.where(np.isinf(z), top, z),
            x=periods,
            y=rows,
            text=text,
            texttemplate="%{text}",
            zmin=0,
            zmax=top,
            colorscale=[
                [0.0, "#f0fdf4"],
                [0.6 / top, "#bbf7d0"],
                [0.85 / top, "#fde68a"],
                [1.0 / top, "#f97316"],
                [1.0, "#991b1b"],
            ],
            colorbar={"title": {"text": "used"}, "tickformat": ".0%"},
            xgap=2,
            ygap=2,
            hovertemplate="%{y}<br>%{x}: %{text} of regular hours<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(type="category")
    return _layout(fig, 110 + 42 * len(rows), hovermode="closest", margin={"l": 260, "r": 20, "t": 20, "b": 40})


def overtime_headcount(plan: Plan) -> go.Figure | None:
    """Overtime hours (bars, by resource and workforce pool) and headcount (lines,
    right axis) over time. None when the plan has neither."""
    t = plan.tables
    overtime = [
        (f"{_text(name)} overtime", frame[frame[key] == name])
        for key, frame in (("resource", t.get("resource_overtime")), ("workforce", t.get("labour_overtime")))
        if frame is not None and not frame.empty
        for name in dict.fromkeys(frame[key])
        if frame.loc[frame[key] == name, "value"].abs().sum() > 1e-9
    ]
    headcount = t.get("headcount")
    has_headcount = headcount is not None and not headcount.empty
    if not overtime and not has_headcount:
        return None
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    for i, (label, frame) in enumerate(overtime):
        shade = ["#f59e0b", "#fb923c", "#fbbf24", "#ea580c", "#facc15"][i % 5]
        fig.add_bar(
            x=frame["period"],
            y=frame["value"],
            name=label,
            marker_color=shade,
            hovertemplate="%{y:,.1f} h",
            secondary_y=False,
        )
    if has_headcount:
        for i, name in enumerate(dict.fromkeys(headcount["workforce"])):
            frame = headcount[headcount["workforce"] == name]
            colour = [COLORS["headcount"], "#0891b2", "#be185d", "#4d7c0f", "#1e3a8a"][i % 5]
            fig.add_scatter(
                x=frame["period"],
                y=frame["value"],
                name=f"{_text(name)} headcount",
                mode="lines+markers",
                line={"color": colour, "width": 2},
                hovertemplate="%{y:,.1f} workers",
                secondary_y=True,
            )
    fig.update_layout(barmode="stack")
    _periods(fig, plan.labels)
    fig.update_yaxes(title_text="overtime hours", rangemode="tozero", secondary_y=False)
    fig.update_yaxes(title_text="workers", rangemode="tozero", secondary_y=True, showgrid=False, tickmode="auto")
    return _layout(fig, 360)


def supplier_usage(plan: Plan) -> go.Figure | None:
    """Material bought from each supplier per period against its limit. The limit is
    read from the plan's shadow-price table (amount bought + slack). None without
    purchases."""
    purchases = plan.tables.get("purchases")
    if purchases is None or purchases.empty:
        return None
    suppliers = list(dict.fromkeys(purchases["supplier"]))
    sp = plan.shadow_prices
    limits = sp[sp["kind"] == "supplier"] if sp is not None and not sp.empty else pd.DataFrame()
    limited = set(limits["name"]) if not limits.empty else set()
    titles = []
    for supplier in suppliers:
        notes = []
        if purchases.loc[purchases["supplier"] == supplier, "value"].abs().sum() <= 1e-9:
            notes.append("not used")
        if supplier not in limited:
            notes.append("no limit")
        titles.append(_text(supplier) + (f" ({', '.join(notes)})" if notes else ""))
    rows, cols = _grid(len(suppliers), 2)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, vertical_spacing=_vspace(rows))
    for i, supplier in enumerate(suppliers):
        where = {"row": i // cols + 1, "col": i % cols + 1}
        # Every period on the axis, even those with no possible order (lead time).
        bought = purchases[purchases["supplier"] == supplier].groupby("period", sort=False)["value"].sum()
        bought = bought.reindex(plan.labels)
        fig.add_bar(
            x=list(plan.labels),
            y=bought.to_numpy(),
            name="Bought",
            marker_color=COLORS["production"],
            legendgroup="bought",
            showlegend=True,
            hovertemplate="%{y:,.1f} bought",
            **where,
        )
        if supplier in limited:
            own = limits[limits["name"] == supplier].set_index("period")
            cap = (bought.reindex(own.index).fillna(0.0) + own["slack"]).reindex(plan.labels)
            fig.add_scatter(
                x=list(plan.labels),
                y=cap.to_numpy(),
                name="Supplier limit",
                mode="lines+markers",
                line={"color": COLORS["limit"], "dash": "dash"},
                connectgaps=False,
                legendgroup="limit",
                showlegend=True,
                hovertemplate="limit %{y:,.1f}",
                **where,
            )
    _periods(fig, plan.labels, narrow=True)
    _dedupe_legend(fig)
    fig.update_yaxes(title_text="units of material", rangemode="tozero", col=1)
    return _layout(fig, 110 + 280 * rows, margin={"l": 60, "r": 20, "t": 80, "b": 40})


def bridge_chart(base: Plan, other: Plan) -> go.Figure:
    """Waterfall from the base plan's total cost to the other's, by category: cost
    increases in red, savings in green."""
    bridge = cost_bridge(base, other)
    measure = [
        "absolute" if k == "total" and i == 0 else ("total" if k == "total" else "relative")
        for i, k in enumerate(bridge["kind"])
    ]
    fig = go.Figure(
        go.Waterfall(
            x=[_text(s) for s in bridge["step"]],
            y=bridge["amount"].to_numpy(),
            measure=measure,
            text=[(f"{a:+,.0f}" if k == "change" else f"{a:,.0f}") for a, k in bridge[["amount", "kind"]].to_numpy()],
            textposition="outside",
            connector={"line": {"color": "#9ca3af"}},
            increasing={"marker": {"color": COLORS["shortage"]}},
            decreasing={"marker": {"color": COLORS["inventory"]}},
            totals={"marker": {"color": "#475569"}},
            hovertemplate="%{x}: %{y:,.2f} " + base.currency + "<extra></extra>",
        )
    )
    low = float(bridge[["start", "end"]].where(bridge["kind"] == "change").min().min())
    high = float(bridge["end"].max())
    if np.isfinite(low):
        span = max(high - low, 1.0)
        fig.update_yaxes(range=[max(0.0, low - 0.6 * span), high + 0.15 * span])
    fig.update_yaxes(title_text=base.currency)
    return _layout(fig, 400, showlegend=False, hovermode="closest")


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
    fig = make_subplots(rows=2, cols=2, subplot_titles=list(_OVERLAY.values()), vertical_spacing=0.2)
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
                line={"color": SCENARIO_COLORS[j % len(SCENARIO_COLORS)], "dash": _DASHES[j % 6]},
                legendgroup=name,
                showlegend=i == 0,
                row=i // 2 + 1,
                col=i % 2 + 1,
            )
    fig.update_yaxes(rangemode="tozero")
    _periods(fig, _labels(plans), narrow=True)
    return _layout(fig, 680, margin={"l": 50, "r": 20, "t": 70, "b": 40})


def overlay_products(plans: Sequence[Plan]) -> go.Figure:
    """Per product, one line per plan; buttons switch between production, inventory,
    shortage and demand."""
    names = plan_names(plans)
    products = _products([p for p in plans if p.status.has_plan])
    rows, cols = _grid(len(products))
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[_text(p) for p in products],
        horizontal_spacing=0.06,
        vertical_spacing=_vspace(rows),
    )
    measures = ["production", "inventory", "shortage", "demand"]
    owner: list[str] = []
    for j, (plan, name) in enumerate(zip(plans, names, strict=True)):
        if not plan.status.has_plan:
            continue
        flows = product_flows(plan)
        for measure in measures:
            for i, product in enumerate(products):
                data = flows[flows["product"] == product]
                fig.add_scatter(
                    x=data["period"].tolist(),
                    y=data[measure].to_numpy(),
                    name=_text(name),
                    mode="lines+markers",
                    visible=measure == measures[0],
                    line={"color": SCENARIO_COLORS[j % len(SCENARIO_COLORS)], "dash": _DASHES[j % 6]},
                    legendgroup=name,
                    showlegend=(i == 0 and measure == measures[0]) or False,
                    row=i // cols + 1,
                    col=i % cols + 1,
                )
                owner.append(measure)
    buttons = []
    for measure in measures:
        visible = [m == measure for m in owner]
        show = []
        first_seen: set[str] = set()
        for trace, vis in zip(fig.data, visible, strict=True):
            legend = vis and trace.legendgroup not in first_seen
            if legend:
                first_seen.add(trace.legendgroup)
            show.append(legend)
        buttons.append(
            {"label": _OVERLAY[measure], "method": "update", "args": [{"visible": visible, "showlegend": show}]}
        )
    height, top, bottom = 130 + 250 * rows, 110, 40
    # Buttons sit between the legend (top of the figure) and the subplot titles.
    fig.update_layout(
        updatemenus=[
            {
                "type": "buttons",
                "direction": "right",
                "buttons": buttons,
                "x": 0,
                "y": 1.0 + 38 / (height - top - bottom),
                "xanchor": "left",
                "yanchor": "bottom",
                "showactive": True,
                "bgcolor": "#f1f5f9",
            }
        ]
    )
    fig.update_yaxes(rangemode="tozero")
    _periods(fig, _labels(plans), narrow=cols > 1)
    return _layout(fig, height, margin={"l": 50, "r": 20, "t": top, "b": bottom})
