"""What the command line prints about analyses: a hedged plan, a re-plan, a sweep and
the differences between two scenarios. Each leads with its answer; every number has its
unit (headcount that is not whole is in FTE)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
from rich.console import Console

from sopopt.io.numbers import format_value, headcount_unit, money, with_unit
from sopopt.model.catalogue import VARIABLES
from sopopt.report.sentences import hedge_sentences, replan_sentences, risk_sentence
from sopopt.report.terminal import grid, print_sentences, print_summary, show

if TYPE_CHECKING:
    from sopopt.analysis.hedge import HedgedPlan
    from sopopt.analysis.replan import Replanned
    from sopopt.inputs.flat import Difference

#: The unit of each decision table (``production``: units, ``hires``: workers, ...).
DECISION_UNITS = {spec.table: spec.unit for spec in VARIABLES}


def _unit(decision: str, values: pd.Series) -> str:
    unit = DECISION_UNITS.get(decision, "units")
    return headcount_unit(values) if unit == "workers" else unit


def print_hedge(console: Console, result: HedgedPlan) -> None:
    """The hedged plan's status, per-case figures, commitment, EVPI and VSS."""
    style = "green" if result.status.label == "optimal" else "yellow"
    expected = (f", expected cost {money(result.expected_cost, result.currency, compact=True)}"
                if result.has_plan and result.expected_cost is not None else "")
    console.print(f"[bold]hedged plan[/] over {len(result.names)} cases, committing {result.commit} period(s): "
                  f"status [{style}]{result.status.label}[/]{expected}", highlight=False)
    if not result.has_plan:
        print_sentences(console, hedge_sentences(result)[1:])
        return
    _print_cases(console, result)
    commitment = result.commitment
    if not commitment.empty:
        totals = commitment.groupby(["decision", "period"], sort=False)["value"]
        rows = [(str(decision), str(period), format_value(values.sum(), "units"),
                 _unit(str(decision), values)) for (decision, period), values in totals]
        show(console, grid(console, "Commitment (totals per decision; every row in commitment.csv)",
                           ("decision", "period", "total", "unit"), rows, numeric=("total",)))
    print_sentences(console, hedge_sentences(result))


def _print_cases(console: Console, result: HedgedPlan) -> None:
    """One row per case: weight, costs and profit in the currency, service in % and units."""
    cur = result.currency
    headers = ("case", "weight", f"cost ({cur})", f"cost on its own ({cur})", f"profit ({cur})", "fill rate",
               "lost (units)", "backlog (unit-periods)")
    rows = [(str(r.case), f"{r.weight:.3f}", format_value(r.cost, cur, compact=True),
             format_value(r.own_cost, cur, compact=True) if r.own_cost is not None else "-",
             format_value(r.profit, cur, compact=True) if r.profit is not None else "-",
             format_value(r.fill_rate, "%"), format_value(r.lost_units, "units"),
             format_value(r.backlogged_units, "unit-periods"))
            for r in result.figures().itertuples(index=False)]
    show(console, grid(console, "Cases", headers, rows, numeric=headers[1:]))


def print_replan(console: Console, result: Replanned, top: int = 10) -> None:
    """The new plan's summary, then what changed against the previous plan."""
    print_summary(console, result.plan)
    print_sentences(console, replan_sentences(result))
    changes = result.changes
    if changes.empty or not result.plan.status.has_plan:
        return
    moved = changes[changes["change"].abs() > 1e-9]
    moved = moved.reindex(moved["change"].abs().sort_values(ascending=False).index).head(top)
    if moved.empty:
        console.print("No decision changed against the previous plan.")
        return
    index = [c for c in ("product", "site", "crew", "lane", "supplier", "resource") if (moved[c] != "").any()]
    rows = []
    for row in moved.to_dict("records"):
        unit = _unit(str(row["decision"]), pd.Series([row["previous"], row["new"]]))
        rows.append((str(row["decision"]), *(str(row[c]) for c in index), str(row["period"]),
                     format_value(row["previous"], unit), format_value(row["new"], unit),
                     format_value(row["change"], unit, delta=True), unit))
    show(console, grid(console, "Biggest changes against the previous plan",
                       ("decision", *index, "period", "previous", "new", "change", "unit"), rows,
                       numeric=("previous", "new", "change")))


def print_differences(console: Console, differences: Sequence[Difference], a: str, b: str) -> None:
    """Every input that differs between two resolved scenarios."""
    if not differences:
        console.print("no differences")
        return
    rows = [(d.path, d.period, "-" if d.a is None else str(d.a), "-" if d.b is None else str(d.b))
            for d in differences]
    show(console, grid(console, f"{a} -> {b}: {len(differences)} differences", ("input", "period", a, b), rows))


def _variation(text: Any) -> str:
    """A case's scenario and axis values (stored as JSON) as ``scenario base, demand 1.1``."""
    try:
        values = json.loads(str(text))
    except ValueError:
        return str(text)
    if not isinstance(values, dict):
        return str(text)
    return ", ".join(f"{key} {value}" for key, value in values.items())


def sweep_summary(cases: pd.DataFrame, currency: str) -> list[str]:
    """The closing lines of a sweep: cases by status; profit (or total cost) and fill
    rate as min / P10 / median / P90 / max; the best and the worst case with their axis
    values. ``cases`` holds one row per case: ``case_id``, ``status``, ``objective``,
    ``profit``, ``fill_rate`` and ``variation`` (its scenario and axis values as JSON)."""
    if cases.empty:
        return ["no case stored for this sweep"]
    counts = cases["status"].value_counts()
    lines = [f"{len(cases):,} cases: " + ", ".join(f"{n:,} {status}" for status, n in counts.items())]
    measure, unit = ("profit", currency) if cases["profit"].notna().any() else ("objective", currency)
    label = "profit" if measure == "profit" else "total cost"
    for key, name, key_unit in ((measure, label, unit), ("fill_rate", "fill rate", "%")):
        if key not in cases or not cases[key].notna().any():
            continue
        values = cases[key].dropna().astype(float)
        spread = [values.min(), values.quantile(0.1), values.median(), values.quantile(0.9), values.max()]
        shown = " / ".join(with_unit(v, key_unit, compact=True) for v in spread)
        lines.append(f"{name} min / P10 / median / P90 / max: {shown}")
    ranked = cases.dropna(subset=[measure])
    if not ranked.empty:
        ascending = measure == "objective"  # least cost is best; most profit is best
        ordered = ranked.sort_values(measure, ascending=ascending)
        for word, row in (("best", ordered.iloc[0]), ("worst", ordered.iloc[-1])):
            lines.append(f"{word}: {row['case_id']} ({_variation(row.get('variation', ''))}): {label} "
                         f"{with_unit(row[measure], unit, compact=True)}")
    return lines


def print_risk(console: Console, errors: Console, result: Any) -> None:
    """The risk's first line (the answer), then the products with the most lost units;
    draws without an optimal recourse on ``errors``."""
    console.print(risk_sentence(result.summary, result.settings.samples, result.plan.currency), highlight=False,
                  soft_wrap=True)
    products = result.summary[result.summary["level"] == "product"].sort_values("expected_lost", ascending=False)
    rows = [(str(r.name), format_value(r.expected_lost, "units"), format_value(r.fill_rate, "%"),
             format_value(r.fill_p10, "%"), f"{r.stockout_probability:.0%}") for r in products.head(10).itertuples()]
    headers = ("product", "expected lost (units)", "fill (pooled)", "fill P10", "P(stockout)")
    show(console, grid(console, "Most units lost on average", headers, rows, numeric=headers[1:]))
    other = {k: v for k, v in result.statuses.items() if k != "optimal"}
    if other:
        errors.print("draws without an optimal recourse: " + ", ".join(f"{v} {k}" for k, v in other.items()),
                     highlight=False)
