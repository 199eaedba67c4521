"""Charts that point at the decision: the utilisation heat map of every resource and
workforce pool, and the printed small multiples of the most constrained pools and the
sites with the largest gaps (:mod:`sopopt.report.focus` ranks them).

The small multiples have a fixed size: they are drawn hidden on screen (where a menu
chooses one entity) and shown in print only.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sopopt.report import palette
from sopopt.report.charts import _layout, _periods, _text, axis, period_unit
from sopopt.report.focus import MULTIPLES, pool_order, site_order
from sopopt.results.plan import Plan

#: Width of a printed small-multiples chart (px): the printed page's width at the
#: report's print zoom.
PRINT_WIDTH = 1320
#: Colours of the heat map: light under half load, amber at full regular hours, red
#: from there on (overtime).
_HEAT = ["#f7fbff", "#fdd49e", "#d7301f"]
_WHAT = {"resource": "machine hours", "workforce": "labour hours"}


def pool_label(kind: str, name: str) -> str:
    """``ohio_assembly (machine hours)``."""
    return f"{name} ({_WHAT.get(kind, kind)})"


def utilisation_heatmap(plan: Plan) -> go.Figure | None:
    """Resource (or pool) x period: hours used as a percentage of regular hours, the most
    constrained pool on top; over 100% is overtime. None without pools."""
    util = plan.utilization
    pools = pool_order(plan)
    if not pools:
        return None
    rows = []
    for kind, name, _site in pools:
        mine = util[(util["kind"] == kind) & (util["name"] == name)].set_index("period")["utilization"]
        rows.append((100.0 * mine.reindex(plan.labels).replace([np.inf], np.nan)).to_numpy(dtype=float))
    z = np.vstack(rows)
    top = max(120.0, float(np.nanmax(z)) if np.isfinite(z).any() else 0.0)
    labels = [_text(name) for _kind, name, _ in pools]
    fig = go.Figure(go.Heatmap(
        z=z, x=list(plan.labels), y=labels, zmin=0.0, zmax=top,
        colorscale=[[0.0, _HEAT[0]], [100.0 / top, _HEAT[1]], [1.0, _HEAT[2]]],
        text=[[("" if math.isnan(v) else f"{v:.0f}%") for v in row] for row in z], texttemplate="%{text}",
        textfont={"size": 10}, xgap=1, ygap=1, customdata=[[pool_label(kind, name)] * len(plan.labels)
                                                             for kind, name, _ in pools],
        colorbar={"title": {"text": axis("Load", "%"), "side": "right"}, "thickness": 12},  # of regular hours
        hovertemplate="%{customdata}<br>%{x}: %{z:.1f}% of regular hours<extra></extra>",
    ))
    _periods(fig, plan.labels)
    fig.update_yaxes(autorange="reversed", title_text=axis("Pool", "name"))  # longer titles were cut
    fig.update_xaxes(tickangle=-45)
    return _layout(fig, max(200, 120 + 24 * len(pools)), hovermode="closest",
                   margin={"l": 130, "r": 10, "t": 10, "b": 70})


def _columns(count: int) -> int:
    """Up to four side by side in one row, then rows of three."""
    return count if count <= 4 else 3


def _grid(titles: list[str]) -> go.Figure:
    cols = _columns(len(titles))
    return make_subplots(rows=math.ceil(len(titles) / cols), cols=cols, subplot_titles=titles,
                         horizontal_spacing=0.06, vertical_spacing=0.16)


def _finish(fig: go.Figure, plan: Plan, count: int, y_title: str) -> go.Figure:
    rows = math.ceil(count / _columns(count))
    _periods(fig, plan.labels)
    fig.update_xaxes(tickangle=-45, title_text=None)
    fig.update_xaxes(title_text=axis("Period", period_unit(plan.labels)), row=rows)
    fig.update_yaxes(rangemode="tozero")
    fig.update_yaxes(title_text=y_title, col=1)
    fig.update_annotations(font={"size": 13})
    return _layout(fig, 70 + 230 * rows, width=PRINT_WIDTH, autosize=False,
                   margin={"l": 70, "r": 20, "t": 60, "b": 60})


def capacity_multiples(plan: Plan, count: int = MULTIPLES) -> go.Figure | None:
    """The ``count`` most constrained pools side by side: hours used against regular and
    regular plus overtime hours. None for a plan with fewer than two pools."""
    pools = pool_order(plan)[:count]
    if len(pools) < 2:
        return None
    util = plan.utilization
    fig = _grid([_text(pool_label(kind, name)) for kind, name, _ in pools])
    for k, (kind, name, _site) in enumerate(pools):
        mine = util[(util["kind"] == kind) & (util["name"] == name)].set_index("period").reindex(plan.labels)
        cell = {"row": k // _columns(len(pools)) + 1, "col": k % _columns(len(pools)) + 1}
        first = k == 0
        fig.add_bar(x=list(plan.labels), y=mine["used_hours"].to_numpy(), name="Hours used", showlegend=first,
                    marker_color=palette.MEASURES["production"], **cell)
        fig.add_scatter(x=list(plan.labels), y=mine["regular_hours"].to_numpy(), name="Regular capacity",
                        mode="lines", showlegend=first, line={"color": palette.MEASURES["regular"], "shape": "hvh"},
                        **cell)
        total = mine["regular_hours"] + mine["overtime_capacity_hours"]
        if mine["overtime_capacity_hours"].abs().sum() > 1e-9:
            fig.add_scatter(x=list(plan.labels), y=total.to_numpy(), name="Regular + overtime capacity",
                            mode="lines", showlegend=first, line={"color": palette.MEASURES["overtime"],
                                                                  "dash": "dash", "shape": "hvh"}, **cell)
    return _finish(fig, plan, len(pools), axis("Load and capacity", "hours"))


def stock_multiples(plan: Plan, count: int = MULTIPLES) -> go.Figure | None:
    """The ``count`` sites with the largest shortage or safety-stock gap side by side:
    closing stock against safety stock and the maximum. None for fewer than two sites."""
    sites = site_order(plan)[:count]
    table = plan.tables.get("plan")
    if len(sites) < 2 or table is None:
        return None
    fig = _grid([f"Site {_text(site)}" for site in sites])
    shown: set[str] = set()
    for k, site in enumerate(sites):
        mine = table[table["site"] == site]
        by_period = mine.groupby("period", sort=False)
        cell = {"row": k // _columns(len(sites)) + 1, "col": k % _columns(len(sites)) + 1}
        series = [
            ("Closing stock", by_period["inventory"].sum(), "bar", {}),
            ("Safety stock", by_period["safety_stock"].sum(), "lines",
             {"color": palette.MEASURES["safety_stock"], "shape": "hvh"}),
            ("Maximum stock", by_period["max_inventory"].sum(min_count=len(set(mine["product"]))), "lines",
             {"color": palette.MEASURES["maximum"], "dash": "dash", "shape": "hvh"}),
        ]
        for label, values, mode, line in series:
            values = values.reindex(plan.labels)
            if mode != "bar" and (values.isna().all() or values.abs().sum() <= 1e-9):
                continue
            if mode == "bar":
                fig.add_bar(x=list(plan.labels), y=values.to_numpy(), name=label, showlegend=label not in shown,
                            marker_color=palette.MEASURES["inventory"], **cell)
            else:
                fig.add_scatter(x=list(plan.labels), y=values.to_numpy(), name=label, mode=mode, line=line,
                                showlegend=label not in shown, **cell)
            shown.add(label)
    return _finish(fig, plan, len(sites), axis("Stock", "units"))
