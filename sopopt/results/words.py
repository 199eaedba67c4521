"""Limits and quantities in sentences for people (issue 23): no solver words, no zero or
unknown ranges printed as numbers, units singular or plural as the number needs, amounts
rounded for reading (full precision stays in the CSV and JSON tables).

- money: whole currency units from 10 up, cents below (a unit price of 0.96 USD);
- quantities: whole numbers as such, else one decimal ("12.5 hours", "1 hour");
- a range of zero (a *degenerate* limit: the optimal plan sits on a corner where another
  limit binds too) reads "a price that holds only for small changes"; an unknown one
  "range unknown" with the reason; an endless one "however much it changes".

See docs/explain.md for the glossary.
"""

from __future__ import annotations

import math
from typing import Any

#: Ranges below this (units of the limit) are read as zero: the price holds only for small changes.
DEGENERATE = 1e-9


def plural(unit: str) -> str:
    """``unit of stock`` -> ``units of stock``, ``labour hour`` -> ``labour hours``."""
    words = unit.split(" ")
    at = words.index("unit") if "unit" in words else len(words) - 1
    if not words[at].endswith("s"):
        words[at] += "s"
    return " ".join(words)


def amount(value: float) -> str:
    """A quantity for reading: a whole number as such, else one decimal."""
    if abs(value - round(value)) < 0.05:
        return f"{round(value):,}"
    return f"{value:,.1f}"


def quantity(value: float, unit: str) -> str:
    """``1 hour``, ``2 hours``, ``0.5 hours``, ``1,200 units of stock``."""
    text = amount(value)
    return f"{text} {unit if text == '1' else plural(unit)}"


def money(value: float, currency: str) -> str:
    """Whole currency units from 10 up, cents below: ``1,234 USD``, ``0.96 USD``."""
    if abs(value) >= 10:
        return f"{value:,.0f} {currency}"
    return f"{value:,.2f} {currency}"


def reach(value: float, unit: str, direction: str) -> str:
    """How far a price holds: ``for up to 20 more hours``, or in words when it has no size."""
    if math.isinf(value):
        return "however much it changes"
    if abs(value) <= DEGENERATE:
        return "a price that holds only for small changes"
    return f"for up to {quantity(abs(value), unit)} {direction}"


def limit_sentence(row: dict[str, Any], currency: str = "USD") -> str:
    """A limit's shadow price and range in words, e.g. "One more hour of ohio_assembly
    (capacity) in 2027-08 saves 546 USD, for up to 120 more hours; one hour less costs
    546 USD, for up to 80 hours less." ``row`` is a shadow-price (or bottleneck) row."""
    unit, price = str(row["unit"]), float(row["shadow_price"])
    where = f"{row['name']} ({row['kind']}) in {row['period']}"
    up, down, note = float(row["range_up"]), float(row["range_down"]), str(row.get("range_note") or "")
    cost = money(price, currency)
    if math.isnan(up) or math.isnan(down):
        return f"One {unit} more room in {where} saves {cost} ({note or 'range unknown'})."
    if row.get("sense") == "min":
        text = (f"One {unit} less on the minimum of {where} saves {cost}, {reach(down, unit, 'less')}; "
                f"one {unit} more costs {cost}, {reach(up, unit, 'more')}")
    else:
        text = (f"One more {unit} of {where} saves {cost}, {reach(up, unit, 'more')}; "
                f"one {unit} less costs {cost}, {reach(down, unit, 'less')}")
    return f"{text} ({note})." if note else f"{text}."


def bottleneck_sentence(row: dict[str, Any], currency: str = "USD") -> str:
    """A bottleneck (a row of ``bottlenecks.csv``) in one short sentence: the money at
    stake over its binding runs and its dearest unit price, e.g. "shenzhen_motorworks
    (supplier), binding in 2027-01..2027-10: 36,763 USD at stake; up to 37 USD per unit
    of material (2027-07)"."""
    price = money(abs(float(row["shadow_price"])), currency)
    return (f"{row['name']} ({row['kind']}), binding in {row['period']}: {money(float(row['money']), currency)} "
            f"at stake; up to {price} per {row['unit']} ({row['price_period']}).")
