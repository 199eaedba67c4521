"""The last cycle in the report: the plan of record a cycle approved against what happened
(forecast accuracy and production adherence), in the terminal and in the HTML report.

Reads :class:`~sopopt.results.cycle.CycleReview` and the accuracy and adherence frames
of :mod:`sopopt.results.cycle` only; ``sopopt store accuracy`` prints the same lines.
"""

from __future__ import annotations

import html
import math
from typing import Any

import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sopopt.io.numbers import money
from sopopt.results.cycle import CycleReview

#: The by-product table's columns: (header, column of the merged frame, format).
_COLUMNS = (("actual demand", "actual", ",.0f"), ("forecast", "forecast", ",.0f"), ("WAPE", "wape", ".1%"),
            ("bias", "bias", "+.1%"), ("MAPE", "mape", ".1%"), ("planned", "planned", ",.0f"),
            ("produced", "produced", ",.0f"), ("adherence", "adherence", ".1%"))


def _cell(value: Any, spec: str) -> str:
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    return "-" if missing else format(value, spec)


def accuracy_sentence(forecast: pd.DataFrame, production: pd.DataFrame) -> str:
    """The totals in words: forecast WAPE, bias and MAPE, and production adherence."""
    parts = []
    total = forecast[forecast["level"] == "total"]
    if not total.empty:
        row = total.iloc[0]
        parts.append(f"forecast WAPE {_cell(row['wape'], '.1%')}, bias {_cell(row['bias'], '+.1%')}, "
                     f"MAPE {_cell(row['mape'], '.1%')} over {int(row['cells'])} cells")
    made = production[production["level"] == "total"]
    if not made.empty:
        row = made.iloc[0]
        parts.append(f"production adherence {row['adherence']:.1%}" if row["adherence"] == row["adherence"]
                     else "production adherence: nothing was planned")
    return "; ".join(parts or ["no cells in common"])


def by_product(forecast: pd.DataFrame, production: pd.DataFrame) -> pd.DataFrame:
    """One row per product: actual demand against the forecast (WAPE, bias, MAPE) and
    production against the plan (adherence); a measure without actuals stays blank."""
    keys = ["name", "actual", "forecast", "wape", "bias", "mape"]
    left = forecast.loc[forecast["level"] == "product", keys]
    right = production.loc[production["level"] == "product", ["name", "planned", "produced", "adherence"]]
    merged = left.merge(right, on="name", how="outer").sort_values("name", kind="stable")
    return merged.rename(columns={"name": "product"}).reset_index(drop=True)


def review_sentence(review: CycleReview, currency: str = "USD") -> str:
    """Which plan of record the cycle approved (who, when, its cost) and how it did."""
    signed = (f" by {review.approved_by}" if review.approved_by else "") + (
        f" on {review.approved_at:%Y-%m-%d}" if review.approved_at is not None else "")
    head = (f"Last cycle {review.cycle}: plan of record version {review.version} ({review.name}, "
            f"{money(review.objective, currency)}), approved{signed}")
    if review.computed_at is None:
        return (f"{head}; no actuals stored yet (sopopt store accuracy DB --cycle {review.cycle} "
                "--actuals actuals.csv)")
    return f"{head}; {accuracy_sentence(review.accuracy, review.adherence)}"


def print_accuracy(console: Console, forecast: pd.DataFrame, production: pd.DataFrame,
                   title: str = "Forecast accuracy and adherence by product") -> None:
    """The by-product table of :func:`by_product` (nothing when there are no products)."""
    rows = by_product(forecast, production)
    if rows.empty:
        return
    table = Table(title=title)
    table.add_column("product", overflow="fold")
    for header, _, _ in _COLUMNS:
        table.add_column(header, justify="right")
    for row in rows.to_dict("records"):
        table.add_row(escape(str(row["product"])), *(_cell(row[key], spec) for _, key, spec in _COLUMNS))
    console.print(table)


def print_review(console: Console, review: CycleReview, currency: str = "USD") -> None:
    """The last cycle in the terminal: its sentence, then the by-product table."""
    console.print(review_sentence(review, currency), markup=False, highlight=False, soft_wrap=True)
    print_accuracy(console, review.accuracy, review.adherence)


def cycle_section(review: CycleReview, currency: str = "USD") -> str:
    """The report's "Last cycle" section: the sentence and the by-product table."""
    e = html.escape
    rows = by_product(review.accuracy, review.adherence)
    head = "".join(f"<th>{e(h)}</th>" for h in ("product", *(c[0] for c in _COLUMNS)))
    body = "".join(
        f"<tr><td class='text'>{e(str(r['product']))}</td>"
        + "".join(f"<td>{_cell(r[key], spec)}</td>" for _, key, spec in _COLUMNS) + "</tr>"
        for r in rows.to_dict("records"))
    table = f"<table class='data'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>" if body else ""
    return ('<section class="block" id="last-cycle"><h2>Last cycle: plan of record against actuals</h2>'
            f"<p>{e(review_sentence(review, currency))}.</p>"
            '<p class="explain">WAPE = sum |actual - forecast| / sum actual; bias = sum (forecast - actual) / '
            "sum actual (positive: the forecast was too high); MAPE over cells with actual demand; adherence = "
            f"1 - sum |produced - planned| / sum planned.</p>{table}</section>")
