"""Plain sentences about analysis results, shared by the terminal summary and the report.

Reads result objects only (:class:`~sopopt.analysis.hedge.HedgedPlan`,
:class:`~sopopt.analysis.replan.Replanned`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sopopt.analysis.hedge import HedgedPlan
from sopopt.analysis.replan import Replanned
from sopopt.io.numbers import format_value, headcount_unit, money, with_unit
from sopopt.results.plan import Plan

#: What one unit of change is, by decision that ``--change-cost`` charges.
_CHANGED_UNIT = {"production": "unit", "headcount": "worker"}

if TYPE_CHECKING:
    import pandas as pd


def _money(value: float, currency: str) -> str:
    return money(value, currency)


def _profits(base: Plan, other: Plan) -> tuple[float | None, float | None]:
    profit_b, profit_o = base.kpis.get("profit"), other.kpis.get("profit")
    if profit_b is None and base.tables.get("pnl") is not None and "revenue" in base.kpis:
        profit_b, profit_o = float(base.tables["pnl"]["profit"].sum()), float(other.tables["pnl"]["profit"].sum())
    return profit_b, profit_o


def versus_baseline(base: Plan, other: Plan, base_name: str) -> list[str]:
    """What changes from the baseline to another plan, as the parts of one sentence,
    framed by profit when prices are known (a plan that costs more may earn more)."""
    if not (base.status.has_plan and other.status.has_plan):
        return [f"{other.status.label}"]
    parts = []
    profit_b, profit_o = _profits(base, other)
    if profit_b is not None and profit_o is not None:
        change = profit_o - profit_b
        parts.append(f"earns {money(abs(change), other.currency, compact=True)} {'more' if change >= 0 else 'less'} "
                     f"profit than {base_name}")
    b, o = float(base.objective or 0.0), float(other.objective or 0.0)
    change = o - b
    rel = f" ({change / abs(b):+.1%})" if b else ""
    parts.append(f"total cost {money(abs(change), other.currency, compact=True)} "
                 f"{'higher' if change > 0 else 'lower'}{rel}")
    fill_b, fill_o = base.kpis.get("fill_rate", math.nan), other.kpis.get("fill_rate", math.nan)
    parts.append(f"fill rate {format_value(fill_o, '%')} (baseline {format_value(fill_b, '%')})")
    lost = other.kpis.get("lost_units", 0.0) - base.kpis.get("lost_units", 0.0)
    if abs(lost) > 1e-6:
        parts.append(f"{with_unit(abs(lost), 'units', compact=True)} {'more' if lost > 0 else 'fewer'} lost")
    return parts


def _periods(labels: list[str]) -> str:
    if not labels:
        return "no period"
    return f"period {labels[0]}" if len(labels) == 1 else f"periods {labels[0]} to {labels[-1]}"


def hedge_sentences(result: HedgedPlan) -> list[str]:
    """What the hedged plan commits to, what it costs, and what EVPI and VSS mean here."""
    if not result.has_plan or result.expected_cost is None:
        out = [f"No hedged plan: {result.status.label}."]
        alone = result.info.get("cases_without_plan")
        if alone:
            out.append(f"Case{'s' if len(alone) > 1 else ''} {', '.join(alone)} "
                       f"{'have' if len(alone) > 1 else 'has'} no feasible plan even on its own "
                       f"(see 'sopopt explain').")
        elif alone is not None:
            out.append("Every case has a plan on its own: no single commitment of the first periods suits them "
                       "all; commit fewer periods or allow lost sales or backlog.")
        return out
    cur = result.currency
    headcount = " Hires and layoffs are firm over the whole horizon." if result.firm_headcount else ""
    out = [
        f"The plan commits production, subcontracting, purchases, shipments, overtime, hires and layoffs in "
        f"{_periods(result.committed_labels)}, the same whichever case comes true; later periods, stock, "
        f"backlog and lost sales are each case's own recourse.{headcount}",
        f"Expected cost: {_money(result.expected_cost, cur)} over {len(result.names)} cases "
        f"(weights {', '.join(f'{n} {w:.0%}' for n, w in zip(result.names, result.weights, strict=True))}).",
    ]
    if result.evpi is not None:
        out.append(
            f"Expected value of perfect information (EVPI): {_money(result.evpi, cur)}. Knowing in advance which "
            f"case comes true would lower the expected cost by this much: it is the most worth paying for a "
            f"better forecast."
        )
    if result.vss is not None and math.isinf(result.vss):
        out.append(
            f"Value of the hedged plan (VSS): unbounded. Committing to the plan for the average case leaves "
            f"case {result.vss_infeasible_case} without any feasible plan; the hedged plan avoids that."
        )
    elif result.vss is not None and result.expected_value_cost is not None:
        out.append(
            f"Value of the hedged plan (VSS): {_money(result.vss, cur)}. Committing to the plan made for the "
            f"average case would cost {_money(result.expected_value_cost, cur)} in expectation; hedging saves "
            f"the difference."
        )
    return out


def replan_sentences(result: Replanned) -> list[str]:
    """What the re-plan kept firm, what it charged for changes, and how much moved."""
    plan = result.plan
    frozen = (f"The frozen zone ({_periods(result.frozen)}) keeps the previous plan's production, "
              f"subcontracting, purchases, shipments, overtime, hires and layoffs exactly."
              if result.frozen else "Nothing is frozen: every decision may change.")
    charged = [f"{name} {with_unit(cost, plan.currency + ' per ' + _CHANGED_UNIT.get(name, 'unit'))}"
               for name, cost in result.change_cost.items() if cost]
    out = [
        f"Re-planned {plan.name} from {result.previous.name}: {len(result.matched)} periods in both plans "
        f"({_periods(result.matched)}).",
        frozen,
        ("Changes beyond the frozen zone cost " + " and ".join(charged) + "; they add "
         f"{_money(float(plan.costs.get('plan_changes', 0.0)), plan.currency)} (plan changes) to the plan's cost."
         if charged else "Changes beyond the frozen zone are free (no change cost)."),
    ]
    if plan.status.has_plan:
        nerv = result.nervousness
        moved = nerv["nervousness_headcount_workers"]
        out.append(f"Nervousness: production moved by {with_unit(nerv['nervousness_production_units'], 'units')} "
                   f"in total and headcount by {with_unit(moved, headcount_unit(moved))}, against the previous "
                   f"plan.")
    return out


def risk_sentence(summary: pd.DataFrame, samples: int, currency: str) -> str:
    """The answer of a risk run in one line: fill, lost units, stockout odds and cost."""
    total = summary[summary["level"] == "total"].iloc[0]
    return (
        f"Across {samples:,} demand draws: fill {total['fill_rate']:.1%} (P10 {total['fill_p10']:.1%}), "
        f"{total['expected_lost']:,.1f} units lost on average, a shortage in {total['stockout_probability']:.0%} "
        f"of draws; cost P50 {_money(total['cost_p50'], currency)} "
        f"(P10 {_money(total['cost_p10'], currency)}, P90 {_money(total['cost_p90'], currency)})."
    )
