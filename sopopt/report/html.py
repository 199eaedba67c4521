"""One self-contained HTML report for one or several plans.

The file opens offline: plotly.js is embedded once, inline (no CDN, no web fonts, no
images to fetch). It is written for planners, not for LP specialists: each section
says in a sentence what it shows and how to read it. With several plans the first is
the baseline, and the report starts with the comparison (side-by-side table, cost
bridges, overlaid charts, biggest differences), then has one section per plan.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from sopopt.analysis.explain_plan import PlanExplanation
from sopopt.analysis.hedge import HedgedPlan
from sopopt.loading import atomic_write
from sopopt.report import charts
from sopopt.report.compare import (
    GROUP_TITLES,
    compare_plans,
    format_relative,
    format_value,
    judge,
    plan_differences,
    plan_names,
)
from sopopt.results import Plan, limit_sentence

#: Options of every chart: no plotly logo, no link to the plotly cloud.
PLOT_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}

_CSS = """
:root { --ink:#111827; --muted:#6b7280; --line:#e5e7eb; --bg:#f8fafc; --card:#ffffff;
        --good:#15803d; --bad:#b91c1c; --warn:#92400e; --accent:#2563eb; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
       font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif; }
main { max-width:1240px; margin:0 auto; padding:24px 28px 60px; }
header.top { background:#0f172a; color:#f8fafc; padding:22px 28px; }
header.top div { max-width:1240px; margin:0 auto; }
header.top h1 { margin:0 0 4px; font-size:26px; }
header.top p { margin:0; color:#cbd5e1; }
nav.toc { margin:16px 0 8px; display:flex; flex-wrap:wrap; gap:8px; }
nav.toc a { background:var(--card); border:1px solid var(--line); border-radius:999px; padding:4px 12px;
            color:var(--accent); text-decoration:none; font-size:14px; }
section.block { background:var(--card); border:1px solid var(--line); border-radius:10px;
                padding:18px 22px; margin:22px 0; }
h2 { font-size:22px; margin:0 0 6px; }
h3 { font-size:17px; margin:22px 0 4px; }
p.explain { color:var(--muted); margin:2px 0 10px; max-width:900px; }
.intro { background:#eff6ff; border:1px solid #bfdbfe; border-radius:10px; padding:12px 18px; }
.intro p { margin:4px 0; }
.cards { display:grid; grid-template-columns:repeat(auto-fill,minmax(190px,1fr)); gap:12px; margin:12px 0 6px; }
.card { border:1px solid var(--line); border-radius:8px; padding:10px 14px; background:#fcfcfd; }
.card .label { color:var(--muted); font-size:13px; }
.card .value { font-size:21px; font-weight:650; margin:2px 0; overflow-wrap:anywhere; }
.card .value .u { font-size:14px; font-weight:500; color:var(--muted); }
.card .note { color:var(--muted); font-size:12px; }
.status { display:inline-block; border-radius:6px; padding:2px 10px; font-weight:600; font-size:14px; }
.status.ok { background:#dcfce7; color:var(--good); }
.status.warn { background:#fef3c7; color:var(--warn); }
.status.fail { background:#fee2e2; color:var(--bad); }
.banner { border-radius:8px; padding:10px 14px; margin:10px 0; }
.banner.warn { background:#fef3c7; color:var(--warn); }
.banner.fail { background:#fee2e2; color:var(--bad); }
table.data { border-collapse:collapse; width:100%; font-size:14px; margin:6px 0 10px; }
table.data th, table.data td { padding:5px 10px; border-bottom:1px solid var(--line); text-align:right;
                               font-variant-numeric:tabular-nums; }
table.data th { background:#f1f5f9; position:sticky; top:0; }
table.data th:first-child, table.data td:first-child, table.data td.text, table.data th.text { text-align:left; }
.scroll { overflow-x:auto; }
table.data tr.total td { font-weight:650; }
table.data tr.group td { background:#f8fafc; font-weight:600; text-align:left; }
td.better { color:var(--good); } td.worse { color:var(--bad); }
td.unit { color:var(--muted); text-align:left !important; }
table.compare td.measure { min-width:190px; }
table.compare .rel { font-size:12px; }
.chart { margin:4px 0 8px; }
.small { font-size:13px; color:var(--muted); }
footer { color:var(--muted); font-size:13px; margin-top:30px; }
"""


#: Analysis results the report shows: a hedged plan gets a section of its own; a plan
#: explanation adds the causes of its plan's costliest shortages and overtime to that
#: plan's "what holds the plan back".
Analysis = HedgedPlan | PlanExplanation

#: Causes shown per explained cell in the report.
REPORT_CAUSES = 3


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


class _Charts:
    """Turns figures into HTML divs with unique ids."""

    def __init__(self) -> None:
        self.count = itertools.count(1)

    def __call__(self, fig: go.Figure | None, empty: str = "") -> str:
        if fig is None:
            return f'<p class="small">{_e(empty)}</p>' if empty else ""
        div = fig.to_html(
            full_html=False, include_plotlyjs=False, div_id=f"chart-{next(self.count)}", config=PLOT_CONFIG
        )
        return f'<div class="chart">{div}</div>'


def _status(plan: Plan) -> str:
    cls = "ok" if plan.is_optimal else ("warn" if plan.status.has_plan else "fail")
    return f'<span class="status {cls}">{_e(plan.status.label)}</span>'


def _card(label: str, value: str, note: str = "", unit: str = "") -> str:
    note_html = f'<div class="note">{_e(note)}</div>' if note else ""
    unit_html = f' <span class="u">{_e(unit)}</span>' if unit else ""
    return (
        f'<div class="card"><div class="label">{_e(label)}</div><div class="value">{_e(value)}{unit_html}</div>'
        f"{note_html}</div>"
    )


def _kpi_cards(plan: Plan) -> str:
    k = plan.kpis
    cur = plan.currency

    def get(key: str) -> float:
        value = k.get(key, math.nan)
        return math.nan if value is None else float(value)

    total = float(plan.objective) if plan.objective is not None else math.nan
    cards = [
        _card("Total cost", f"{total:,.0f}", "everything the plan spends, penalties included", cur),
        _card("Fill rate", f"{get('fill_rate'):.1%}", "share of demand delivered in its own period"),
        _card("Service level", f"{get('service_level'):.1%}", "share of periods with demand fully met"),
        _card("Lost sales", f"{get('lost_units'):,.0f}", "demand never served", "units"),
        _card("Late deliveries", f"{get('backlog_unit_periods'):,.0f}", "units owed, summed over period ends"),
        _card("Overtime", f"{get('overtime_hours'):,.0f}", "machine and labour overtime", "hours"),
        _card(
            "Peak headcount",
            f"{get('peak_headcount'):,.1f}",
            f"hires {get('hires'):,.1f}, layoffs {get('layoffs'):,.1f}",
        ),
        _card(
            "Average inventory",
            f"{get('average_inventory'):,.0f}",
            f"{get('days_of_cover'):,.1f} days of cover",
            "units",
        ),
    ]
    if "revenue" in k:
        cards.append(_card("Profit", f"{get('profit'):,.0f}", f"revenue {get('revenue'):,.0f} {cur}", cur))
    return f'<div class="cards">{"".join(cards)}</div>'


def _table(frame: pd.DataFrame, text_columns: Sequence[str] = (), formats: dict[str, str] | None = None) -> str:
    """A plain HTML table; every cell escaped."""
    formats = formats or {}
    head = "".join(
        f'<th class="text">{_e(c)}</th>' if c in text_columns else f"<th>{_e(c)}</th>" for c in frame.columns
    )
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, row, strict=True):
            if column in text_columns or isinstance(value, str):
                cells.append(f'<td class="text">{_e(value)}</td>')
            else:
                cells.append(f"<td>{_e(format(value, formats.get(column, ',.1f')))}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f'<div class="scroll"><table class="data"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def _comparison_table(plans: Sequence[Plan]) -> str:
    table = compare_plans(plans)
    names = plan_names(plans)
    cost_rows = [k for k in table.index if k.startswith("cost:")]
    hidden = [k for k in cost_rows if all(_zero(table.at[k, n]) for n in names)]
    table = table.drop(index=hidden)
    head = [
        '<th class="text">Measure</th><th class="text">Unit</th>',
        f"<th>{_e(names[0])}<br><span class='small'>baseline</span></th>",
    ]
    head += [f"<th>{_e(n)}</th><th>change</th>" for n in names[1:]]
    rows = []
    group = None
    width = 3 + 2 * (len(names) - 1)
    for key, row in table.iterrows():
        if row["group"] != group:
            group = row["group"]
            rows.append(f'<tr class="group"><td colspan="{width}">{_e(GROUP_TITLES.get(group, group))}</td></tr>')
        unit = str(row["unit"])
        cells = [
            f'<td class="text measure">{_e(row["metric"])}</td><td class="unit">{_e(unit)}</td>',
            f"<td>{_e(format_value(row[names[0]], unit, compact=True))}</td>",
        ]
        for name in names[1:]:
            cells.append(f"<td>{_e(format_value(row[name], unit, compact=True))}</td>")
            if key == "status":
                cells.append("<td></td>")
                continue
            delta = row[f"{name} Δ"]
            verdict = judge(delta, str(row["better"]))
            relative = "" if unit == "%" else format_relative(row[f"{name} Δ%"])
            relative_html = f'<br><span class="rel">{_e(relative)}</span>' if relative else ""
            cells.append(
                f'<td class="{verdict}">{_e(format_value(delta, unit, delta=True, compact=True))}{relative_html}</td>'
            )
        total = ' class="total"' if key == "total_cost" else ""
        rows.append(f'<tr id="cmp-{_e(key)}"{total}>{"".join(cells)}</tr>')
    note = (
        '<p class="small">Cost categories that are zero in every plan are not shown. Changes are against the '
        'baseline, with the relative change below; green is better, red is worse. "pts" are percentage '
        "points.</p>"
    )
    return (
        f'<div class="scroll"><table class="data compare"><thead><tr>{"".join(head)}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>" + note
    )


def _zero(value: Any) -> bool:
    return isinstance(value, int | float) and (math.isnan(value) or abs(value) <= 1e-9)


def _headline(base: Plan, other: Plan, base_name: str, name: str) -> str:
    """One plain sentence on what changes from the baseline to another plan."""
    if not (base.status.has_plan and other.status.has_plan):
        return f"<li><b>{_e(name)}</b>: {_e(other.status.label)}.</li>"
    b, o = float(base.objective or 0.0), float(other.objective or 0.0)
    change = o - b
    word = "more" if change > 0 else "less"
    rel = f" ({change / abs(b):+.1%})" if b else ""
    fill_b, fill_o = base.kpis.get("fill_rate", math.nan), other.kpis.get("fill_rate", math.nan)
    lost = other.kpis.get("lost_units", 0.0) - base.kpis.get("lost_units", 0.0)
    overtime = other.kpis.get("overtime_hours", 0.0) - base.kpis.get("overtime_hours", 0.0)
    parts = [
        f"costs <b>{abs(change):,.0f} {_e(other.currency)} {word}</b>{rel} than {_e(base_name)}",
        f"fill rate {fill_o:.1%} (baseline {fill_b:.1%})",
    ]
    if abs(lost) > 1e-6:
        parts.append(f"{abs(lost):,.0f} units {'more' if lost > 0 else 'fewer'} lost")
    if abs(overtime) > 1e-6:
        parts.append(f"{abs(overtime):,.0f} overtime hours {'more' if overtime > 0 else 'fewer'}")
    return f"<li><b>{_e(name)}</b> {', '.join(parts)}.</li>"


def _comparison_section(plans: Sequence[Plan], chart: _Charts) -> Iterator[str]:
    names = plan_names(plans)
    base = plans[0]
    yield '<section class="block" id="compare"><h2>Scenarios side by side</h2>'
    yield (
        f'<p class="explain">The first plan, <b>{_e(names[0])}</b>, is the baseline: every other plan is '
        "compared with it.</p><ul>"
    )
    for plan, name in zip(plans[1:], names[1:], strict=True):
        yield _headline(base, plan, names[0], name)
    yield "</ul>"
    yield _comparison_table(plans)
    yield (
        "<h3>Where the money goes, plan by plan</h3><p class='explain'>Each bar is one plan's total cost, split "
        "by what it is spent on.</p>"
    )
    yield chart(charts.cost_comparison([p for p in plans if p.status.has_plan]))
    solved = base.status.has_plan
    for plan, name in zip(plans[1:], names[1:], strict=True):
        if not (solved and plan.status.has_plan):
            continue
        yield (
            f"<h3>Cost bridge: from {_e(names[0])} to {_e(name)}</h3><p class='explain'>Start from the baseline's "
            "total cost on the left; each bar is a cost category that goes up (red) or down (green); the last bar "
            "is the other plan's total. The vertical axis does not start at zero, so that small changes show.</p>"
        )
        yield chart(charts.bridge_chart(base, plan))
    yield (
        "<h3>The plans over time</h3><p class='explain'>All products together, one line per plan. Shortage is "
        "demand that is late (backlog) or lost at the end of a period.</p>"
    )
    yield chart(charts.overlay_totals(plans))
    yield (
        "<h3>Each product, plan by plan</h3><p class='explain'>Use the buttons to switch between production, "
        "closing inventory, shortage and demand.</p>"
    )
    yield chart(charts.overlay_products(plans))
    for plan, name in zip(plans[1:], names[1:], strict=True):
        diff = plan_differences(base, plan, top=15)
        if diff.empty:
            continue
        yield (
            f"<h3>Biggest changes: {_e(name)} against {_e(names[0])}</h3><p class='explain'>The products, sites "
            "and periods where the plans differ most (units).</p>"
        )
        shown = diff.rename(columns={"a": names[0], "b": name, "change": "change"})
        yield _table(shown, text_columns=("product", "site", "period", "measure"), formats={"change": "+,.1f"})
    yield "</section>"


def _bottlenecks(plan: Plan, explanation: PlanExplanation | None = None) -> str:
    top = plan.bottlenecks(10)
    if top.empty:
        text = "<p class='small'>No limit holds the plan back: one more unit of any capacity would not lower the cost.</p>"
    else:
        items = [f"<li>{_e(limit_sentence(row, plan.currency))}</li>" for row in top.to_dict("records")]
        text = f"<ul class='limits'>{''.join(items)}</ul>"
    return text + _causes(plan, explanation)


def _no_plan_reasons(plan: Plan) -> str:
    """The "Why this case has no plan" section: the explanation's sentences, if any
    (a sentence, then the indented lines under it as a list)."""
    if plan.explanation is None:
        return ""
    parts = ['<div class="why"><h3>Why this case has no plan</h3>']
    items: list[str] = []
    for line in [*plan.explanation.sentences(), ""]:
        if line.startswith("  "):
            items.append(f"<li>{_e(line.strip().removeprefix('- '))}</li>")
            continue
        if items:
            parts.append(f"<ul>{''.join(items)}</ul>")
            items = []
        if line:
            parts.append(f"<p>{_e(line)}</p>")
    parts.append("</div>")
    return "".join(parts)


def _warnings(plan: Plan) -> Iterator[str]:
    """The plan's warnings (valid but suspicious input or plan), one item each."""
    if not plan.warnings:
        return
    count = len(plan.warnings)
    items = "".join(f"<li>{_e(w)}</li>" for w in plan.warnings)
    yield (f'<div class="banner warn" id="warnings-{_e(plan.name)}"><b>{count} warning{"s" if count != 1 else ""}'
           f"</b>: valid input (or plan) that may not be what was meant.<ul>{items}</ul></div>")


def _causes(plan: Plan, explanation: PlanExplanation | None) -> str:
    """The costliest shortage and overtime cells with their causes (from the basis)."""
    if explanation is None or not explanation.cells:
        return ""
    blocks = []
    for cell in explanation.cells:
        head, *causes = cell.lines(plan.currency, REPORT_CAUSES)
        listed = "".join(f"<li>{_e(line)}</li>" for line in causes)
        blocks.append(f"<li><b>{_e(head)}</b><ul>{listed}</ul></li>")
    note = f"<p class='small'>Note: {_e(explanation.note)}.</p>" if explanation.note else ""
    return (
        "<h4>Why the costliest shortages and overtime happen</h4><p class='explain'>Each cell's causes are the "
        "binding limits that move it, with how much one unit of the limit moves the cell, most influential "
        f"first (at most {REPORT_CAUSES}).</p>{note}<ul class='causes'>{''.join(blocks)}</ul>"
    )


def _plan_section(
    plan: Plan, name: str, anchor: str, chart: _Charts, explanation: PlanExplanation | None = None
) -> Iterator[str]:
    yield f'<section class="block" id="{anchor}"><h2>Plan: {_e(name)} {_status(plan)}</h2>'
    scenario = plan.info.get("scenario")
    if scenario:
        yield f'<p class="small">Scenario file: {_e(scenario)}</p>'
    yield from _warnings(plan)
    if not plan.status.has_plan:
        yield (
            f'<div class="banner fail">No plan: {_e(plan.status.label)}. Check the limits and demand of this '
            "scenario (<code>sopopt validate</code>, <code>sopopt show</code>, <code>sopopt explain</code>).</div>"
        )
        yield _no_plan_reasons(plan)
        yield "</section>"
        return
    if not plan.is_optimal:
        yield (
            '<div class="banner warn">The solver stopped before proving this plan is the cheapest one. '
            "It meets every hard limit, but a cheaper plan may exist.</div>"
        )
    yield "<h3>Headline numbers</h3>" + _kpi_cards(plan)
    yield (
        "<h3>Cost breakdown</h3><p class='explain'>What the plan spends its money on. Penalties (late or lost "
        "demand, stock below target) are the prices set in the model for not serving customers.</p>"
    )
    yield chart(charts.cost_breakdown(plan))
    yield (
        "<h3>Demand, production, inventory and shortage by product</h3><p class='explain'>Bars: units made and "
        "units short (late or lost); lines: demand and the stock left at the end of each period. All sites "
        "together.</p>"
    )
    yield chart(charts.product_chart(plan))
    yield (
        "<h3>Capacity and workforce use</h3><p class='explain'>Share of the regular hours used in each period. "
        "Dark cells are the bottlenecks: at 100% every regular hour is used; above 100% the plan runs "
        "overtime.</p>"
    )
    yield chart(charts.utilization_heatmap(plan), "This model has no machines or workforce pools.")
    yield (
        "<h3>Overtime and headcount</h3><p class='explain'>Bars: overtime hours (left axis). Lines: workers "
        "employed (right axis).</p>"
    )
    yield chart(charts.overtime_headcount(plan), "The plan uses no overtime and the model has no workforce pools.")
    yield (
        "<h3>Suppliers: material bought against their limits</h3><p class='explain'>Bars: units ordered per "
        "period; dashed line: the most the supplier can deliver. Where the bars touch the line the supplier "
        "limits the plan.</p>"
    )
    yield chart(charts.supplier_usage(plan), "This model buys no materials.")
    yield (
        "<h3>What holds the plan back</h3><p class='explain'>The limits that cost money, most valuable first: "
        "how much the total cost would fall with one unit more room in the limit in that period (its shadow "
        "price), and over how many units that price holds (its range).</p>"
    )
    yield _bottlenecks(plan, explanation)
    info = plan.info
    seconds = info.get("total_seconds") or info.get("solve_seconds")
    details = [
        f"solver {_e(info.get('solver', '?'))} {_e(info.get('solver_version', ''))}",
        f"status {_e(info.get('highs_status', plan.status.value))}",
    ]
    if info.get("rows") is not None:
        details.append(f"{_e(info.get('rows'))} constraints, {_e(info.get('columns'))} decisions")
    if isinstance(seconds, int | float):
        details.append(f"{seconds:.2f} s")
    yield f'<p class="small">Solved with {", ".join(details)}.</p></section>'


def _hedge_section(result: HedgedPlan) -> Iterator[str]:
    """The hedged plan: EVPI and VSS in sentences, each case's figures, the commitment."""
    from sopopt.report.sentences import hedge_sentences

    yield '<section class="block" id="hedge"><h2>Hedged plan: one commitment across the demand cases</h2>'
    yield "".join(f"<p>{_e(sentence)}</p>" for sentence in hedge_sentences(result))
    if result.has_plan:
        figures = result.figures()
        shown = pd.DataFrame({
            "case": figures["case"],
            "weight": [f"{w:.1%}" for w in figures["weight"]],
            f"cost ({result.currency})": [_text_number(v) for v in figures["cost"]],
            "cost on its own": [_text_number(v) for v in figures["own_cost"]],
            "profit": [_text_number(v) for v in figures["profit"]],
            "fill rate": [_text_number(v, ".1%") for v in figures["fill_rate"]],
            "lost units": [_text_number(v) for v in figures["lost_units"]],
            "backlogged units": [_text_number(v) for v in figures["backlogged_units"]],
        })
        yield "<h3>Each case's recourse</h3><p>What each case costs with the common commitment, and on its own " \
              "(if it were known in advance). Each case's full plan follows in its own section.</p>"
        yield _table(shown, text_columns=("case",))
        yield from _commitment(result)
    yield "</section>"


def _commitment(result: HedgedPlan) -> Iterator[str]:
    frame = result.commitment
    if frame.empty:
        yield "<p>Nothing is committed.</p>"
        return
    index = [c for c in frame.columns if c not in ("period", "value")]
    wide = frame.pivot_table(index=index, columns="period", values="value", aggfunc="sum", sort=False)
    wide = wide.reset_index()
    wide.columns = [str(c) for c in wide.columns]
    yield "<h3>The commitment</h3><p>Decided now, the same in every case (units, hours or workers).</p>"
    yield _table(wide, text_columns=index)


def _text_number(value: Any, spec: str = ",.1f") -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, spec)


def render_html(plans: Sequence[Plan], title: str | None = None, analyses: Sequence[Analysis] = ()) -> str:
    """The report as one HTML document (plotly.js inline); ``analyses`` adds a section
    for each analysis result (a hedged plan) before the plans."""
    from sopopt.version import __version__

    if not plans:
        raise ValueError("a report needs at least one plan")
    names = plan_names(plans)
    title = title or ("S&OP plan: " + names[0] if len(plans) == 1 else "S&OP scenarios: " + " vs ".join(names))
    chart = _Charts()
    anchors = [f"plan-{i + 1}" for i in range(len(plans))]
    toc = ([("hedge", "Hedged plan")] if any(isinstance(a, HedgedPlan) for a in analyses) else []) + ([("compare", "Side by side")] if len(plans) > 1 else [])
    toc += list(zip(anchors, names, strict=True))
    now = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',
        f"<title>{_e(title)}</title><style>{_CSS}</style>",
        "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>",
        f'<script type="text/javascript">{get_plotlyjs()}</script>',
        "</head><body>",
        f'<header class="top"><div><h1>{_e(title)}</h1><p>{len(plans)} plan{"s" if len(plans) > 1 else ""}, '
        f"periods {_e(_horizon(plans[0]))}, money in {_e(plans[0].currency)}. Generated {_e(now)} by sopopt "
        f"{_e(__version__)}.</p></div></header>",
        "<main>",
        '<div class="intro"><p><b>How to read this report.</b> Each plan is the cheapest way found to meet demand '
        "with the plants, people, suppliers and stock available, over the periods shown. Costs include "
        "penalties for late or lost demand, so a plan only lets customers down when serving them would cost "
        "more than the penalty.</p><p>Hover over a chart to read exact values; click a legend entry to hide "
        "or show it; drag to zoom and double-click to reset.</p></div>",
        '<nav class="toc">' + "".join(f'<a href="#{a}">{_e(n)}</a>' for a, n in toc) + "</nav>",
    ]
    for analysis in analyses:
        if isinstance(analysis, HedgedPlan):
            parts.extend(_hedge_section(analysis))
    if len(plans) > 1:
        parts.extend(_comparison_section(plans, chart))
    explained = {id(a.plan): a for a in analyses if isinstance(a, PlanExplanation)}
    for plan, name, anchor in zip(plans, names, anchors, strict=True):
        parts.extend(_plan_section(plan, name, anchor, chart, explained.get(id(plan))))
    parts.append(
        "<footer>Made with sopopt: a linear program solved by HiGHS. Numbers are rounded for display; "
        "the Excel workbook and CSV files hold the exact values.</footer></main></body></html>"
    )
    return "\n".join(parts)


def _horizon(plan: Plan) -> str:
    if not plan.labels:
        return "-"
    return plan.labels[0] if len(plan.labels) == 1 else f"{plan.labels[0]} to {plan.labels[-1]}"


def write_html_report(
    plans: Sequence[Plan], path: Path | str, title: str | None = None, analyses: Sequence[Analysis] = ()
) -> Path:
    """Write the report to ``path`` atomically (a failed run leaves any old file)."""
    path = Path(path)
    text = render_html(plans, title, analyses)
    with atomic_write(path) as handle:
        handle.write(text)
    return path
