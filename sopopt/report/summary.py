"""The report's first screen: one card per scenario with its change against the baseline,
and what each scenario assumes.

Cards are coloured by one rule (:data:`CARD_METRICS`): profit, revenue, fill rate and
service level up are good; lost and backlogged units and total cost down are good;
everything else (inventory value, overtime, headcount, any single cost category) is
neutral, because going up or down is not by itself better. A change is never shown by
colour alone: it carries its sign and an arrow.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sopopt.inputs.flat import Difference, diff_inputs
from sopopt.io.numbers import format_value
from sopopt.model.options import OPTIONS_TABLE
from sopopt.report.compare import plan_names
from sopopt.report.html_parts import e
from sopopt.results.plan import Plan

Better = Literal["higher", "lower", ""]


@dataclass(frozen=True)
class CardMetric:
    """One line of a scenario card."""

    key: str
    label: str
    unit: str
    better: Better


def card_metrics(currency: str, priced: bool) -> list[CardMetric]:
    """The lines of every card, in order (profit and revenue only when prices are known)."""
    rows = [
        CardMetric("profit", "Profit", currency, "higher"),
        CardMetric("revenue", "Revenue", currency, "higher"),
    ] if priced else []
    return [
        *rows,
        CardMetric("total_cost", "Total cost", currency, "lower"),
        CardMetric("fill_rate", "Fill rate", "%", "higher"),
        CardMetric("lost_units", "Lost sales", "units", "lower"),
        CardMetric("backlog_unit_periods", "Backlog", "unit-periods", "lower"),
        CardMetric("inventory_value", "Inventory value (at cost)", currency, ""),
        CardMetric("overtime_hours", "Overtime", "hours", ""),
        CardMetric("peak_headcount", "Peak headcount", "workers", ""),
    ]


def verdict(delta: float, better: Better) -> str:
    """``good``, ``bad`` or ``neutral`` for a change of a card metric."""
    if not better or not math.isfinite(delta) or abs(delta) <= 1e-9:
        return "neutral"
    return "good" if (delta > 0) == (better == "higher") else "bad"


def _value(plan: Plan, key: str) -> float:
    if key == "total_cost":
        return float(plan.objective) if plan.objective is not None else math.nan
    value = plan.kpis.get(key)
    if value is None and key == "profit" and plan.tables.get("pnl") is not None and not plan.tables["pnl"].empty:
        value = float(plan.tables["pnl"]["profit"].sum())
    return math.nan if value is None else float(value)


def _status_class(plan: Plan) -> str:
    return "ok" if plan.is_optimal else ("warn" if plan.status.has_plan else "fail")


def scenario_cards(plans: Sequence[Plan]) -> str:
    """One card per plan; every plan after the first shows its change against the first."""
    names = plan_names(plans)
    base = plans[0]
    priced = any("revenue" in p.kpis for p in plans)
    metrics = card_metrics(base.currency, priced)
    cards = []
    for i, (plan, name) in enumerate(zip(plans, names, strict=True)):
        head = (
            f'<div class="sc-head"><span class="sc-name">{e(name)}</span>'
            f'<span class="status {_status_class(plan)}">{e(plan.status_text)}</span></div>'
        )
        if not plan.status.has_plan:
            cards.append(f'<div class="sc-card" data-plan="{e(name)}">{head}<p class="small">No plan: see '
                         f"{'why below' if plan.explanation is not None else 'the plan section'}.</p></div>")
            continue
        rows = []
        for m in metrics:
            value = _value(plan, m.key)
            cells = f'<td class="m">{e(m.label)}</td><td class="v">{e(format_value(value, m.unit, compact=True))}'
            cells += f' <span class="u">{e(m.unit if m.unit != "%" else "")}</span></td>'
            if i == 0:
                cells += '<td class="d base">baseline</td>'
            elif base.status.has_plan:
                delta = value - _value(base, m.key)
                judged = verdict(delta, m.better)
                arrow = "" if abs(delta) <= 1e-9 or not math.isfinite(delta) else ("▲ " if delta > 0 else "▼ ")
                shown = format_value(delta, m.unit, delta=True, compact=True)
                cells += f'<td class="d {judged}" data-metric="{e(m.key)}">{arrow}{e(shown)}</td>'
            else:
                cells += '<td class="d neutral">-</td>'
            rows.append(f"<tr>{cells}</tr>")
        cards.append(f'<div class="sc-card" data-plan="{e(name)}">{head}<table class="sc">{"".join(rows)}</table>'
                     f"{_options_line(plan)}</div>")
    return f'<div class="sc-cards" style="--cards:{min(len(plans), 4)}">{"".join(cards)}</div>'


def _options_line(plan: Plan) -> str:
    """The capacity options the plan takes, by name, with when they are available."""
    table = plan.tables.get(OPTIONS_TABLE)
    if table is None or table.empty:
        return ""
    taken = [f"{row.option} (from {row.available_from})" for row in table.itertuples() if row.chosen]
    text = ", ".join(taken) if taken else "none"
    return f'<p class="small sc-options">Options taken: {e(text)}</p>'


def _periods_text(periods: list[str]) -> str:
    """``2027-02..2027-04`` for consecutive labels given in order, else a list."""
    if len(periods) <= 2:
        return ", ".join(periods)
    return f"{periods[0]}..{periods[-1]} ({len(periods)} periods)"


def _difference_lines(differences: list[Difference], limit: int) -> list[str]:
    """Differences grouped by input: one line each, with the first and last period."""
    grouped: dict[str, list[Difference]] = {}
    for d in differences:
        if d.path in ("name", "description"):
            continue
        grouped.setdefault(d.path, []).append(d)
    lines = []
    for path, items in list(grouped.items())[:limit]:
        periods = [d.period for d in items if d.period]
        if periods:
            first = items[0]
            change = ""
            if isinstance(first.a, int | float) and isinstance(first.b, int | float) and first.a:
                ratios = {round(d.b / d.a, 4) for d in items if isinstance(d.a, int | float) and d.a}
                if len(ratios) == 1:
                    change = f" ({(ratios.pop() - 1):+.0%})"
            lines.append(f"{path} in {_periods_text(periods)}: {first.a:g} → {first.b:g}{change}"
                         if isinstance(first.a, int | float) and isinstance(first.b, int | float)
                         else f"{path} in {_periods_text(periods)}")
        else:
            lines.append(f"{path}: {_short(items[0].a)} → {_short(items[0].b)}")
    if len(grouped) > limit:
        lines.append(f"... and {len(grouped) - limit} more inputs (sopopt diff lists them all)")
    return lines


def _short(value: Any) -> str:
    text = "absent" if value is None else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def assumptions(plans: Sequence[Plan], limit: int = 4) -> str:
    """What each scenario assumes: its adjustments with their notes, and the inputs that
    differ from the baseline's."""
    names = plan_names(plans)
    base = plans[0]
    items = []
    for i, (plan, name) in enumerate(zip(plans, names, strict=True)):
        parts = []
        for adj in plan.adjustments:
            scope = f" for {adj['scope']}" if adj.get("scope") else ""
            when = f" in {adj['periods']}" if adj.get("periods") else ""
            note = f"<b>{e(adj['note'])}</b>: " if adj.get("note") else ""
            parts.append(f"{note}{e(adj['target'])}{e(scope)}{e(when)} {e(adj['change'])}")
        if i > 0 and plan.inputs and base.inputs:
            differences = diff_inputs(base.inputs, base.labels, plan.inputs, plan.labels)
            lines = _difference_lines(differences, limit)
            if lines and not plan.adjustments:
                parts += [e(line) for line in lines]
            elif lines:
                parts.append(f'<span class="small">{len(lines)} input line(s) differ from {e(names[0])}</span>')
        if not parts:
            parts = ["the model as it is" if i == 0 else f"the same inputs as {e(names[0])}"]
        items.append(f'<li><span class="sc-name">{e(name)}</span>{"baseline: " if i == 0 else ""}'
                     + "; ".join(parts) + "</li>")
    return f'<div class="assumptions"><h3>What each scenario assumes</h3><ul>{"".join(items)}</ul></div>'
