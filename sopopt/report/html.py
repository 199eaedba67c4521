"""One self-contained HTML report for one or several plans: the S&OP meeting view.

The file opens offline: plotly.js is embedded once, inline (no CDN, no web fonts, no
images to fetch). It leads with the decision: the first screen holds one card per
scenario with its change against the baseline (profit, revenue, cost, service,
inventory value, overtime, headcount) and what each scenario assumes. Then the
comparison (side-by-side table, cost and profit bridges, the plans over time), then one
section per plan with the charts planners read: capacity against load, stock against
safety stock and maximum, the monthly P&L, roll-ups by family, site and quarter, the
limits that hold the plan back. Charts over many resources, sites or suppliers draw one
at a time from a menu, and the product explorer draws a product only when it is chosen,
so the report of a network with hundreds of products stays small and quick.

It prints: A4 or Letter landscape, tables never cut (the comparison table wraps its
columns into the page), interactive-only parts left out of print.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from sopopt.analysis.attribution import Attribution
from sopopt.analysis.explain import PlanExplanation
from sopopt.analysis.frontier import Frontier
from sopopt.analysis.hedge import HedgedPlan
from sopopt.analysis.replan import Replanned
from sopopt.io.numbers import format_relative, format_value
from sopopt.io.writer import write_text
from sopopt.report import charts, focus_charts, html_parts
from sopopt.report.compare import (
    GROUP_TITLES,
    compare_plans,
    judge,
    plan_differences,
    plan_names,
)
from sopopt.report.cycle import cycle_section
from sopopt.report.exceptions_table import exceptions_html
from sopopt.report.html_parts import e, number
from sopopt.report.html_style import CSS, EXPLORER_JS
from sopopt.report.risk import risk_card
from sopopt.report.sentences import versus_baseline
from sopopt.report.summary import assumptions, scenario_cards
from sopopt.report.targets import frontier_section, target_card
from sopopt.report.warnings import group_warnings
from sopopt.report.why import why_section
from sopopt.results.allocation import shorted
from sopopt.results.cycle import CycleReview
from sopopt.results.plan import Plan
from sopopt.results.words import bottleneck_sentence

#: Options of every chart: no plotly logo, no link to the plotly cloud.
PLOT_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}

#: Analysis results the report shows: a hedged plan and a re-plan get a section of their
#: own; a plan explanation adds the causes of its plan's costliest shortages and overtime
#: to that plan's "what holds the plan back".
Analysis = HedgedPlan | PlanExplanation | Replanned | Frontier | Attribution

#: Causes shown per explained cell in the report.
REPORT_CAUSES = 3
#: Explained cells on paper (the costliest; the screen shows every one).
PRINTED_CELLS = 3


class _Charts:
    """Turns figures into HTML divs with unique ids."""

    def __init__(self) -> None:
        self.count = itertools.count(1)

    def __call__(self, fig: go.Figure | None, empty: str = "") -> str:
        if fig is None:
            return f'<p class="small">{e(empty)}</p>' if empty else ""
        div = fig.to_html(
            full_html=False, include_plotlyjs=False, div_id=f"chart-{next(self.count)}", config=PLOT_CONFIG
        )
        return f'<div class="chart">{div}</div>'


def _status(plan: Plan) -> str:
    cls = "ok" if plan.is_optimal else ("warn" if plan.status.has_plan else "fail")
    return f'<span class="status {cls}">{e(plan.status_text)}</span>'


def _zero(value: Any) -> bool:
    return isinstance(value, int | float) and (math.isnan(value) or abs(value) <= 1e-9)


def _comparison_table(plans: Sequence[Plan]) -> str:
    table = compare_plans(plans)
    names = plan_names(plans)
    cost_rows = [k for k in table.index if k.startswith("cost:")]
    hidden = [k for k in cost_rows if all(_zero(table.at[k, n]) for n in names)]
    table = table.drop(index=hidden)
    head = [
        '<th class="text">Measure</th><th class="text">Unit</th>',
        f"<th>{e(names[0])}<br><span class='small'>baseline</span></th>",
    ]
    head += [f"<th>{e(n)}</th><th>change</th>" for n in names[1:]]
    rows = []
    group = None
    width = 3 + 2 * (len(names) - 1)
    for key, row in table.iterrows():
        if row["group"] != group:
            group = row["group"]
            rows.append(f'<tr class="group"><td colspan="{width}">{e(GROUP_TITLES.get(group, group))}</td></tr>')
        unit = str(row["unit"])
        cells = [
            f'<td class="text measure">{e(row["metric"])}</td><td class="unit">{e(unit)}</td>',
            f"<td>{e(format_value(row[names[0]], unit, compact=True))}</td>",
        ]
        for name in names[1:]:
            cells.append(f"<td>{e(format_value(row[name], unit, compact=True))}</td>")
            if key == "status":
                cells.append("<td></td>")
                continue
            delta = row[f"{name} Δ"]
            verdict = judge(delta, str(row["better"]))
            relative = "" if unit == "%" else format_relative(row[f"{name} Δ%"])
            relative_html = f' <span class="rel">{e(relative)}</span>' if relative else ""
            cells.append(
                f'<td class="{verdict}">{e(format_value(delta, unit, delta=True, compact=True))}{relative_html}</td>'
            )
        total = ' class="total"' if key == "total_cost" else ""
        rows.append(f'<tr id="cmp-{e(key)}"{total}>{"".join(cells)}</tr>')
    note = (
        '<p class="small">Cost categories that are zero in every plan are not shown. Changes are against the '
        "baseline, with the relative change beside them. Blue marks a change for the better and red one for the "
        'worse (profit, revenue and service up; cost, lost and late units down); single cost categories are '
        'neutral. "pts" are percentage points.</p>'
    )
    return (
        f'<div class="scroll"><table class="data compare"><thead><tr>{"".join(head)}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>" + note
    )


def _headline(base: Plan, other: Plan, base_name: str, name: str) -> str:
    """One plain sentence on what changes from the baseline to another plan (the
    profit, when known, in bold)."""
    parts = [e(p) for p in versus_baseline(base, other, base_name)]
    if parts[0].startswith("earns "):
        parts[0] = f"<b>{parts[0]}</b>"
    return f"<li><b>{e(name)}</b> {', '.join(parts)}.</li>"


def _decision_section(plans: Sequence[Plan]) -> str:
    names = plan_names(plans)
    intro = (
        f"Each card is one plan; the first, <b>{e(names[0])}</b>, is the baseline and the others show their "
        "change against it (blue: better, red: worse, grey: neither)." if len(plans) > 1 else
        "The plan in figures."
    )
    return (
        '<section class="block first" id="decision"><h2>Decision summary</h2>'
        f'<p class="explain">{intro}</p>{scenario_cards(plans)}{assumptions(plans)}'
        f"{exceptions_html(plans, names)}</section>"
    )


def _comparison_section(plans: Sequence[Plan], chart: _Charts, why: Sequence[Attribution] = ()) -> Iterator[str]:
    names = plan_names(plans)
    base = plans[0]
    yield '<section class="block" id="compare"><h2>Scenarios side by side</h2><ul>'
    for plan, name in zip(plans[1:], names[1:], strict=True):
        yield _headline(base, plan, names[0], name)
    yield "</ul>"
    yield why_section(why)
    yield _comparison_table(plans)
    yield (
        "<h3 class='no-print'>Where the money goes, plan by plan</h3><p class='explain no-print'>Each bar is one "
        "plan's total cost, split by what it is spent on.</p>"
    )
    yield '<div class="no-print">' + chart(charts.cost_comparison([p for p in plans if p.status.has_plan])) + "</div>"
    for plan, name in zip(plans[1:], names[1:], strict=True):
        if not (base.status.has_plan and plan.status.has_plan):
            continue
        yield (
            f"<h3>From {e(names[0])} to {e(name)}: cost and profit bridges</h3><p class='explain'>Each bar is "
            "a step from the baseline's total on the left to the other plan's on the right, coloured as the cards: "
            "blue for a change for the better (cost down, profit up), red for the worse. The profit bridge counts "
            "revenue up and costs down as gains.</p>"
        )
        profit = charts.profit_bridge(base, plan)
        if profit is None:
            yield chart(charts.bridge_chart(base, plan))
        else:
            yield f'<div class="pair">{chart(charts.bridge_chart(base, plan))}{chart(profit)}</div>'
    yield (
        "<h3>The plans over time</h3><p class='explain'>All products together, one line "
        "per plan. Shortage is demand that is late (backlog) or lost at the end of a period.</p>"
    )
    yield chart(charts.overlay_totals(plans))
    for plan, name in zip(plans[1:], names[1:], strict=True):
        diff = plan_differences(base, plan, top=8)
        if diff.empty:
            continue
        yield (
            f'<div class="changes"><h3>Biggest changes: {e(name)} against {e(names[0])}</h3><p class="explain">'
            "The products, sites and periods where the plans differ most (units).</p>"
        )
        shown = diff.rename(columns={"a": names[0], "b": name, "change": "change"})
        yield html_parts.table(shown, text_columns=("product", "site", "period", "measure"), formats={"change": "+,.1f"})
        yield "</div>"
    yield "</section>"


def _bottlenecks(plan: Plan, explanation: PlanExplanation | None = None) -> str:
    top = plan.bottlenecks(10)
    if top.empty:
        text = "<p class='small'>No limit holds the plan back: one more unit of any capacity would not lower the cost.</p>"
    else:
        items = [f"<li>{e(bottleneck_sentence(row, plan.currency))}</li>" for row in top.to_dict("records")]
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
            items.append(f"<li>{e(line.strip().removeprefix('- '))}</li>")
            continue
        if items:
            parts.append(f"<ul>{''.join(items)}</ul>")
            items = []
        if line:
            parts.append(f"<p>{e(line)}</p>")
    parts.append("</div>")
    return "".join(parts)


def _warnings(plan: Plan) -> Iterator[str]:
    """The plan's warnings (valid but suspicious input or plan), one item each."""
    if not plan.warnings:
        return
    count = len(plan.warnings)
    groups = []
    for group in group_warnings(plan.warnings):
        items = "".join(f"<li>{e(w)}</li>" for w in group.warnings)
        groups.append(f'<details class="warning" data-code="{e(group.code)}"><summary>{e(group.line())}</summary>'
                      f"<ul>{items}</ul></details>")
    yield (f'<div class="banner warn" id="warnings-{e(plan.name)}"><b>{count} warning{"s" if count != 1 else ""}'
           f"</b>: valid input (or plan) that may not be what was meant (one line per kind; open it for every "
           f"one, all of them are in warnings.csv of a result folder).{''.join(groups)}</div>")


def _causes(plan: Plan, explanation: PlanExplanation | None) -> str:
    """The costliest shortage and overtime cells with their causes (from the basis)."""
    if explanation is None or not explanation.cells:
        return ""
    blocks = []
    for i, cell in enumerate(explanation.cells):
        head, *causes = cell.lines(plan.currency, REPORT_CAUSES)
        listed = "".join(f"<li>{e(line)}</li>" for line in causes)
        screen = ' class="screen-only"' if i >= PRINTED_CELLS else ""
        blocks.append(f"<li{screen}><b>{e(head)}</b><ul>{listed}</ul></li>")
    note = f"<p class='small'>Note: {e(explanation.note)}.</p>" if explanation.note else ""
    return (
        "<h4>Why the costliest shortages and overtime happen</h4><p class='explain'>Each cell's causes are the "
        "binding limits that move it, with how much one unit of the limit moves the cell, most influential "
        f"first (at most {REPORT_CAUSES}).</p>{note}<ul class='causes'>{''.join(blocks)}</ul>"
    )


def _plan_section(
    plan: Plan, name: str, anchor: str, chart: _Charts, explanation: PlanExplanation | None = None,
    compared: bool = False,
) -> Iterator[str]:
    yield f'<section class="block plan" id="{anchor}"><h2>Plan: {e(name)} {_status(plan)}</h2>'
    scenario = plan.info.get("scenario")
    if scenario:
        yield f'<p class="small">Scenario file: {e(scenario)}</p>'
    yield from _warnings(plan)
    if not plan.status.has_plan:
        yield (
            f'<div class="banner fail">No plan: {e(plan.status.label)}. Check the limits and demand of this '
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
    yield from _capacity_and_stock(plan, chart)
    yield from _money_and_people(plan, chart, compared)
    yield from _who_is_shorted(plan)
    yield (
        "<h3>What holds the plan back</h3><p class='explain'>The limits that cost money, most valuable first: "
        "how much the total cost would fall with one unit more room in the limit in that period (its shadow "
        "price), and over how many units that price holds (its range).</p>"
    )
    yield _bottlenecks(plan, explanation)
    yield _solver_line(plan) + "</section>"


def _capacity_and_stock(plan: Plan, chart: _Charts) -> Iterator[str]:
    """Capacity against load and stock by site, each opening on the entity that matters
    most (the most constrained pool, the site with the largest gap); in print, the first
    few of each side by side instead of the one the menu shows."""
    capacity, stock = focus_charts.capacity_multiples(plan), focus_charts.stock_multiples(plan)
    hide_cap, hide_stock = (" class='no-print'" if f is not None else "" for f in (capacity, stock))
    yield '<div class="pair">'
    yield (
        f"<div{hide_cap}><h3>Capacity against load</h3><p class='explain'>Hours each product family puts on a "
        "machine or a workforce pool, against regular hours (solid line) and regular plus overtime hours (dashed). "
        "It opens on the most constrained; pick another from the menu.</p>"
        + chart(charts.capacity_load(plan), "This model has no machines or workforce pools.") + "</div>"
    )
    yield (
        f"<div{hide_stock}><h3>Stock by site</h3><p class='explain'>Closing stock against safety stock and the "
        "maximum (dashed, where one is set), with days of supply on the right axis. It opens on the site with the "
        "largest shortage or gap to "
        "safety stock; pick another from the menu.</p>" + chart(charts.inventory_sites(plan)) + "</div></div>"
    )
    if capacity is not None:
        yield ("<div class='print-only'><h3>Capacity against load: the most constrained</h3>"
               + chart(capacity) + "</div>")
    if stock is not None:
        yield ("<div class='print-only'><h3>Stock by site: the largest shortages and gaps to safety stock first</h3>"
               + chart(stock) + "</div>")


def _money_and_people(plan: Plan, chart: _Charts, compared: bool) -> Iterator[str]:
    """The utilisation heat map beside the P&L, then headcount, suppliers, the cost
    breakdown and the roll-ups. In a comparison's print only the first two: its
    side-by-side table already lists every plan's costs, overtime and headcount (the
    roll-ups are on screen only in every report)."""
    screen = " class='no-print'" if compared else ""
    yield '<div class="pair">'
    yield (
        "<div><h3>Utilisation by resource and period</h3><p class='explain'>Hours used as a share of regular hours; "
        "over 100% is overtime. The most constrained on top.</p>"
        + chart(focus_charts.utilisation_heatmap(plan), "This model has no machines or workforce pools.") + "</div>"
    )
    yield (
        "<div><h3>Profit and loss by period</h3><p class='explain'>Costs stacked by category; revenue and "
        "profit as lines (profit counts a lost sale's charge only above its price).</p>"
        + chart(charts.pnl_chart(plan)) + "</div></div>"
    )
    yield f'<div class="pair"><div{screen}><h3>Headcount</h3>'
    yield chart(charts.headcount_chart(plan), "No workforce pools.") + "</div>"
    yield (
        f"<div{screen}><h3>Suppliers against their limits</h3><p class='explain'>Material ordered per period; "
        "dashed: the most the supplier can deliver.</p>"
        + chart(charts.supplier_usage(plan), "This model buys no materials.") + "</div></div>"
    )
    yield f'<div class="pair"><div{screen}><h3>Cost breakdown</h3>' + chart(charts.cost_breakdown(plan)) + "</div>"
    yield (
        "<div class='no-print'><h3>Rolled up by family, site and quarter</h3><p class='explain'>Production stacked "
        "by group, with total demand and closing stock; the menu switches between families and sites, periods "
        "and quarters.</p>" + chart(charts.rollup_chart(plan)) + "</div></div>"
    )


def _who_is_shorted(plan: Plan) -> Iterator[str]:
    """Demand classes: service per class and the classes shorted most (plans with classes only)."""
    if "allocation" not in plan.tables:
        return
    yield ("<h3>Who is shorted</h3><p class='explain'>Demand by class, served on time or not: per class (priority "
           "1 first), then the product, site and class with the most units short.</p>")
    yield html_parts.table(plan.tables["class_service"], ("class",), {"priority": "d", "fill_rate": ".1%"})
    yield html_parts.table(shorted(plan.tables["allocation"]), ("product", "site", "class"),
                 {"priority": "d", "periods_short": "d", "fill": ".1%"})


def _solver_line(plan: Plan) -> str:
    info = plan.info
    seconds = info.get("total_seconds") or info.get("solve_seconds")
    details = [
        f"solver {e(info.get('solver', '?'))} {e(info.get('solver_version', ''))}",
        f"status {e(info.get('highs_status', plan.status.value))}",
    ]
    if info.get("rows") is not None:
        details.append(f"{e(info.get('rows'))} constraints, {e(info.get('columns'))} decisions")
    if isinstance(seconds, int | float):
        details.append(f"{seconds:.2f} s")
    if info.get("mip"):
        gap = info.get("mip_gap")
        details.append("integer decisions, MIP gap reached " + ("unknown" if gap is None else f"{100 * gap:.4g}%"))
        if info.get("duals_from"):
            details.append(f"shadow prices from the {e(info['duals_from'])}")
    return f'<p class="small">Solved with {", ".join(details)}.</p>'



#: Characters that could end or change a script block (``</script>``, ``<!--``), escaped
#: as JSON's ``\\uXXXX`` so the data reads back the same.
_SCRIPT_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                                 "\u2029": "\\u2029"})


def script_json(data: object) -> str:
    """``data`` as JSON safe to embed in a ``<script>`` block: no name (``<!--<script>``,
    ``</script>``) can end or change the block; ``JSON.parse`` gives back the same values."""
    return json.dumps(data, separators=(",", ":")).translate(_SCRIPT_ESCAPES)


def _explorer(plans: Sequence[Plan]) -> str:
    """A product selector that draws the chosen product for every plan, on demand."""
    data = charts.explorer_data(plans)
    if not data["products"]:
        return ""
    options = "".join(f'<option value="{e(p)}">{e(p)}</option>' for p in data["products"])
    payload = script_json(data)
    return (
        '<section class="block no-print explorer" id="explorer"><h2>Product explorer</h2>'
        "<p class='explain'>Choose a product: demand, production, closing stock and shortage over time, summed "
        f"over sites, one line per plan.</p><label>Product <select id='explorer-product'>{options}</select>"
        f'</label><div class="chart"><div id="explorer-chart" class="plotly-graph-div" style="height:340px"></div></div>'
        f'<script type="application/json" id="explorer-data">{payload}</script>'
        f"<script>{EXPLORER_JS}</script></section>"
    )


def _hedge_section(result: HedgedPlan) -> Iterator[str]:
    """The hedged plan: EVPI and VSS in sentences, each case's figures, the commitment."""
    from sopopt.report.sentences import hedge_sentences

    yield '<section class="block" id="hedge"><h2>Hedged plan: one commitment across the demand cases</h2>'
    yield "".join(f"<p>{e(sentence)}</p>" for sentence in hedge_sentences(result))
    if result.has_plan:
        figures = result.figures()
        shown = pd.DataFrame({
            "case": figures["case"],
            "weight": [f"{w:.1%}" for w in figures["weight"]],
            f"cost ({result.currency})": [number(v) for v in figures["cost"]],
            "cost on its own": [number(v) for v in figures["own_cost"]],
            "profit": [number(v) for v in figures["profit"]],
            "fill rate": [number(v, ".1%") for v in figures["fill_rate"]],
            "lost units": [number(v) for v in figures["lost_units"]],
            "backlogged units": [number(v) for v in figures["backlogged_units"]],
        })
        yield "<h3>Each case's recourse</h3><p>What each case costs with the common commitment, and on its own " \
              "(if it were known in advance). Each case's full plan follows in its own section.</p>"
        yield html_parts.table(shown, text_columns=("case",))
        yield from _commitment(result)
    yield "</section>"


def _replan_section(result: Replanned) -> Iterator[str]:
    """Plan to plan: frozen zone, change costs, nervousness, the biggest changes."""
    from sopopt.report.sentences import replan_sentences

    yield '<section class="block" id="replan"><h2>Plan to plan: what changed since the previous plan</h2>'
    yield "".join(f"<p>{e(sentence)}</p>" for sentence in replan_sentences(result))
    changes = result.changes
    if not changes.empty:
        moved = changes[changes["change"].abs() > 1e-9]
        top = moved.reindex(moved["change"].abs().sort_values(ascending=False).index).head(15)
        shown = top[[c for c in top.columns if (top[c] != "").any() or c in ("decision", "period")]]
        yield "<h3>Biggest changes</h3><p>Against the previous plan, in units (workers for headcount); " \
              "every row is in changes.csv.</p>"
        yield html_parts.table(shown, text_columns=[c for c in shown.columns if c not in ("previous", "new", "change")]) \
            if not shown.empty else "<p>No decision changed.</p>"
    yield "</section>"


def _analysis_section(analysis: HedgedPlan | Replanned) -> Iterator[str]:
    if isinstance(analysis, Replanned):
        return _replan_section(analysis)
    return _hedge_section(analysis)


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
    yield html_parts.table(wide, text_columns=index)


def render_html(plans: Sequence[Plan], title: str | None = None, analyses: Sequence[Analysis] = (),
                review: CycleReview | None = None) -> str:
    """The report as one HTML document (plotly.js inline); ``analyses`` adds a section
    for each analysis result (a hedged plan) before the plans; ``review`` opens it with
    the last cycle's plan of record against actuals."""
    with charts.one_template():
        return _render(plans, title, analyses, review)


def _render(plans: Sequence[Plan], title: str | None, analyses: Sequence[Analysis],
            review: CycleReview | None = None) -> str:
    from sopopt.version import __version__

    if not plans:
        raise ValueError("a report needs at least one plan")
    names = plan_names(plans)
    title = title or ("S&OP plan: " + names[0] if len(plans) == 1 else "S&OP scenarios: " + " vs ".join(names))
    chart = _Charts()
    anchors = [f"plan-{i + 1}" for i in range(len(plans))]
    toc = [("last-cycle", "Last cycle")] if review is not None else []
    toc += [("decision", "Decision")]
    toc += [("replan", "Plan to plan") if isinstance(a, Replanned) else ("hedge", "Hedged plan") for a in analyses
            if isinstance(a, Replanned | HedgedPlan)]
    toc += [("frontier", "Frontier") for a in analyses if isinstance(a, Frontier)]
    risk = risk_card(plans, names, chart)
    toc += [("risk", "Risk")] if risk else []
    toc += [("compare", "Side by side")] if len(plans) > 1 else []
    toc += [*zip(anchors, names, strict=True), ("explorer", "Product explorer")]
    now = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',
        f"<title>{e(title)}</title><style>{CSS}</style>",
        "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>",
        f'<script type="text/javascript">{get_plotlyjs()}</script>',
        "</head><body>",
        f'<header class="top"><div><h1>{e(title)}</h1><p>periods {e(_horizon(plans[0]))} · money in '
        f"{e(plans[0].currency)} · generated {e(now)} by sopopt {e(__version__)}</p></div></header>",
        "<main>",
        cycle_section(review, plans[0].currency) if review is not None else "",
        target_card(plans, names),
        _decision_section(plans),
        '<nav class="toc">' + "".join(f'<a href="#{a}">{e(n)}</a>' for a, n in toc) + "</nav>",
    ]
    for analysis in analyses:
        if isinstance(analysis, HedgedPlan | Replanned):
            parts.extend(_analysis_section(analysis))
        elif isinstance(analysis, Frontier):
            parts.extend(frontier_section(analysis, chart))
    parts.append(risk)
    if len(plans) > 1:
        parts.extend(_comparison_section(plans, chart, [a for a in analyses if isinstance(a, Attribution)]))
    explained = {id(a.plan): a for a in analyses if isinstance(a, PlanExplanation)}
    for plan, name, anchor in zip(plans, names, anchors, strict=True):
        parts.extend(_plan_section(plan, name, anchor, chart, explained.get(id(plan)), len(plans) > 1))
    parts.append(_explorer(plans))
    parts.append(
        "<footer>Made with sopopt: a linear program solved by HiGHS. Each plan is the cheapest way found to meet "
        "demand with the plants, people, suppliers and stock available; costs include the penalties set for late "
        "or lost demand. Numbers are rounded for display; the Excel workbook and CSV files hold the exact "
        "values.</footer></main></body></html>"
    )
    return "\n".join(parts)


def _horizon(plan: Plan) -> str:
    if not plan.labels:
        return "-"
    return plan.labels[0] if len(plan.labels) == 1 else f"{plan.labels[0]} to {plan.labels[-1]}"


def write_html_report(
    plans: Sequence[Plan], path: Path | str, title: str | None = None, analyses: Sequence[Analysis] = (),
    review: CycleReview | None = None,
) -> Path:
    """Write the report to ``path`` atomically (a failed run leaves any old file)."""
    path = Path(path)
    text = render_html(plans, title, analyses, review)
    return write_text(path, text)
