"""The risk card of the report: how a plan holds across demand draws.

Reads what ``sopopt risk --out DIR`` wrote (``risk.csv``, ``risk_by_period.csv`` and
the draw settings in ``run.json``) from a plan read back from its folder; a plan
without risk tables gets no card.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import plotly.graph_objects as go

from sopopt.report.charts import axis
from sopopt.report.html_parts import e, table
from sopopt.report.sentences import risk_sentence
from sopopt.results.plan import Plan

#: Products listed in the card (those with the most units lost on average).
RISK_PRODUCTS = 10

_COLUMNS = (
    ("name", "product or family", None),
    ("expected_demand", "demand (mean)", ",.0f"),
    ("expected_lost", "lost (mean)", ",.1f"),
    ("fill_rate", "fill (pooled)", ".1%"),
    ("fill_p10", "fill P10", ".1%"),
    ("fill_p50", "fill P50", ".1%"),
    ("fill_p90", "fill P90", ".1%"),
    ("stockout_probability", "P(shortage)", ".0%"),
)


def _table(rows: pd.DataFrame) -> str:
    return table(rows[[c for c, _t, _s in _COLUMNS]], ("name",), {c: s for c, _t, s in _COLUMNS if s},
                 {c: t for c, t, _s in _COLUMNS})


def risk_chart(by_period: pd.DataFrame, name: str) -> go.Figure | None:
    """The total fill rate by period: pooled, with the P10 to P90 band of the draws."""
    total = by_period[by_period["level"] == "total"]
    if total.empty:
        return None
    x = total["period"].astype(str).tolist()
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=total["fill_p90"], mode="lines", line={"width": 0}, name="P90",
                             showlegend=False, hovertemplate="P90 %{y:.1%}<extra></extra>"))
    fig.add_trace(go.Scatter(x=x, y=total["fill_p10"], mode="lines", line={"width": 0}, fill="tonexty",
                             fillcolor="rgba(31,119,180,0.2)", name="P10 to P90 of the draws",
                             hovertemplate="P10 %{y:.1%}<extra></extra>"))
    fig.add_trace(go.Scatter(x=x, y=total["fill_rate"], mode="lines+markers", name="fill (pooled)",
                             hovertemplate="%{y:.1%}<extra></extra>"))
    fig.update_layout(template="plotly_white", height=320, title=f"{name}: fill rate by period across the draws",
                      legend={"orientation": "h"}, margin={"l": 70, "r": 20, "t": 50, "b": 40},
                      hovermode="x unified")
    fig.update_yaxes(title_text=axis("Fill rate", "%"), tickformat=".0%", rangemode="tozero")
    return fig


def risk_card(plans: Sequence[Plan], names: Sequence[str], chart: Callable[[go.Figure | None], str]) -> str:
    """The "Risk across demand draws" section: each risk run's answer in one line, its
    totals and families, the products with the most lost units, and fill by period;
    empty when no plan carries risk tables."""
    parts = []
    for plan, name in zip(plans, names, strict=True):
        summary = plan.tables.get("risk")
        if summary is None or summary.empty or not (summary["level"] == "total").any():
            continue
        samples = int(plan.info.get("risk_samples") or 0)
        drawn = (f"{samples:,} draws, seed {plan.info.get('risk_seed', '-')}, committed periods "
                 f"{plan.info.get('risk_commit', '-')}, correlation {plan.info.get('risk_correlation', 0)}")
        products = summary[summary["level"] == "product"].sort_values("expected_lost", ascending=False)
        shown = pd.concat([summary[summary["level"] == "total"], summary[summary["level"] == "family"],
                           products.head(RISK_PRODUCTS)])
        more = len(products) - min(len(products), RISK_PRODUCTS)
        parts.append(
            f"<h3>{e(name)}</h3><p><strong>{e(risk_sentence(summary, samples, plan.currency))}</strong></p>"
            f"<p class='small'>{e(drawn)}. Rows: the total, each family, then the products with the most units "
            f"lost{f' ({more} more in risk.csv)' if more else ''}.</p>" + _table(shown)
        )
        by_period = plan.tables.get("risk_by_period")
        if by_period is not None and not by_period.empty:
            parts.append(chart(risk_chart(by_period, name)))
    if not parts:
        return ""
    return ('<section class="block" id="risk"><h2>Risk across demand draws</h2><p class="explain">The plan\'s '
            "committed decisions stay fixed while demand is drawn around the forecast; each draw's recourse is "
            "solved. Fill (pooled) is all units delivered on time over all units asked; P10 to P90 spread the "
            "draws' own fill rates; P(shortage) is the share of draws short in any period.</p>"
            + "".join(parts) + "</section>")
