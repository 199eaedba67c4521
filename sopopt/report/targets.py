"""Targets in the report: the "against target" card and the frontier chart.

Reads plans (``targets.csv``, ``target_gap.csv``) and frontier results
(:class:`~sopopt.analysis.frontier.Frontier`) only.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sopopt.analysis.frontier import Frontier
from sopopt.report.charts import axis
from sopopt.report.html_parts import e, number
from sopopt.results.plan import Plan
from sopopt.results.targets import target_sentences


def target_card(plans: Sequence[Plan], names: Sequence[str]) -> str:
    """The "against target" section: each plan's targets with their gap, the gap bridge
    and the prices in sentences; empty when no plan has targets."""
    parts = []
    for plan, name in zip(plans, names, strict=True):
        table = plan.tables.get("targets")
        if table is None or table.empty:
            continue
        rows = "".join(
            f"<tr class='{'ok' if r['met'] else 'short'}'><td class='text'>{e(r['target'])}</td>"
            f"<td class='text'>{e(r['measure'])}</td><td class='text'>{e(r['period'])}</td>"
            f"<td class='text'>{e(r['enforce'])}</td><td>{number(r['value'], ',.2f')}</td><td>{number(r['plan'], ',.2f')}</td>"
            f"<td>{number(r['gap'], ',.2f')}</td><td>{number(r['gap_pct'], '+.1f')}%</td>"
            f"<td>{number(r['shadow_price'], ',.2f')}</td></tr>"
            for r in table.to_dict("records")
        )
        head = "".join(f"<th>{h}</th>" for h in ("target", "measure", "period", "enforce", "target value", "plan",
                                                  "gap", "gap %", f"price ({e(plan.currency)})"))
        parts.append(f"<h3>{e(name)}</h3><table class='data'><thead><tr>{head}</tr></thead><tbody>{rows}"
                     "</tbody></table>")
        parts.append(_bridge(plan))
        sentences = [s for s in target_sentences(table, plan.currency) if s.startswith("One more")]
        parts.append("<ul>" + "".join(f"<li>{e(s)}</li>" for s in sentences) + "</ul>" if sentences else "")
    if not parts:
        return ""
    return ('<section class="block first" id="targets"><h2>Against target</h2><p class="explain">Each target '
            "against the plan (fill rates in %); the price is what one more unit of the target costs.</p>"
            + "".join(parts) + "</section>")


def _bridge(plan: Plan) -> str:
    gap = plan.tables.get("target_gap")
    if gap is None or gap.empty:
        return ""
    items = "".join(
        f"<li>{e(r['target'])} {e(r['period'])}: {e(r['part'])}"
        + (f" of {e(r['product'])}" if r["product"] else "")
        + f" {number(r['amount'], ',.2f')}" + (f" ({number(r['units'], ',.0f')} units)" if not math.isnan(r["units"]) else "")
        + f", {number(r['of_gap'], ',.2f')} of the gap"
        + (f"; top limit behind it: {e(r['limit'])}" if r.get("limit") else "")
        + "</li>"
        for r in gap.to_dict("records")
    )
    return f"<p class='explain'>Where the gap comes from:</p><ul>{items}</ul>"


def frontier_chart(result: Frontier) -> go.Figure:
    """Total cost against the target, with the marginal cost per unit of the measure."""
    table = result.table()
    ok = table[table["status"] == "optimal"]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Scatter(x=ok["target"], y=ok["total_cost"], mode="lines+markers", name="total cost",
                             customdata=ok[["binding_limit", "marginal_lever"]].to_numpy(),
                             hovertemplate="%{y:,.2f}<br>limit: %{customdata[0]}<br>lever: %{customdata[1]}"),
                  secondary_y=False)
    fig.add_trace(go.Bar(x=ok["target"], y=ok["marginal_per_unit"], name=f"marginal cost per {result.unit}",
                         opacity=0.4), secondary_y=True)
    out = table[table["status"] != "optimal"]
    if not out.empty:
        fig.add_trace(go.Scatter(x=out["target"], y=[ok["total_cost"].max() if not ok.empty else 0] * len(out),
                                 mode="markers", marker={"symbol": "x", "size": 10}, name="out of reach",
                                 text=out["reason"], hovertemplate="%{text}"), secondary_y=False)
    fig.update_layout(template="plotly_white", height=380, title=f"Cost of the {result.measure} target",
                      legend={"orientation": "h"}, margin={"l": 70, "r": 70, "t": 60, "b": 40})
    fig.update_xaxes(title_text=result.measure.replace("_", " "))
    fig.update_yaxes(title_text=axis("Total cost", result.currency), secondary_y=False)
    fig.update_yaxes(title_text=axis("Marginal cost", f"{result.currency} per {result.unit}"), secondary_y=True)
    return fig


def frontier_section(result: Frontier, chart: Any) -> Iterator[str]:
    """The frontier: its chart and its table."""
    yield (f'<section class="block" id="frontier"><h2>Frontier: the cost of the {e(result.measure)} target</h2>'
           f"<p class='explain'>{len(result.points)} points, {result.solves} solves; each step's marginal cost, "
           "the limit that sets it and the lever the plan adds to go further.</p>")
    yield chart(frontier_chart(result))
    head = "".join(f"<th>{e(c)}</th>" for c in result.table().columns)
    body = "".join("<tr>" + "".join(f"<td>{e(number(v, ',.2f') if isinstance(v, float) else v)}</td>" for v in row)
                   + "</tr>" for row in result.table().itertuples(index=False))
    yield f"<table class='data'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></section>"
